package dev.nemotron4j.nn;

import dev.nemotron4j.autograd.Ops;
import dev.nemotron4j.tensor.Tensor;

/** A table of {@code vocab} vectors of {@code dim}: weight [vocab, dim]. */
public final class Embedding extends Module {
  private final Parameter weight;

  public Embedding(long vocab, long dim, Init init) {
    if (vocab <= 0 || dim <= 0) {
      throw new IllegalArgumentException("Embedding sizes must be positive, got vocab=" + vocab + ", dim=" + dim);
    }
    weight = register("weight", Parameter.of(init, vocab, dim));
  }

  public Parameter weight() {
    return weight;
  }

  /** ids [...] (I32/I64, each in [0, vocab)) -> [..., dim]. */
  public Tensor forward(Tensor ids) {
    return Ops.embedding(ids, weight.value());
  }
}
