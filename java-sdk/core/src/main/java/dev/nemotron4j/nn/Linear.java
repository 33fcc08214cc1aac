package dev.nemotron4j.nn;

import dev.nemotron4j.autograd.Ops;
import dev.nemotron4j.tensor.Tensor;

/** y = x W^T without bias (Nemotron's projections); weight [out, in], Hugging Face layout. */
public final class Linear extends Module {
  private final Parameter weight;

  public Linear(long in, long out, Init init) {
    if (in <= 0 || out <= 0) {
      throw new IllegalArgumentException("Linear sizes must be positive, got in=" + in + ", out=" + out);
    }
    weight = register("weight", Parameter.of(init, out, in));
  }

  public Parameter weight() {
    return weight;
  }

  /** x [..., in] -> [..., out]. */
  public Tensor forward(Tensor x) {
    return Ops.linear(x, weight.compute());
  }
}
