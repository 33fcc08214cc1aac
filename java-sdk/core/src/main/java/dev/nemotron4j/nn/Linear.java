package dev.nemotron4j.nn;

import dev.nemotron4j.autograd.Ops;
import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Tensor;

/** y = x W^T without bias (Nemotron's projections); weight [out, in], Hugging Face layout. */
public final class Linear extends Module {
  private final Parameter weight;
  private Tensor fp8Scale; // per output row, when the weight is FP8 (inference)

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
    if (fp8Scale != null) {
      return Ops.linearFp8(x, weight.value(), fp8Scale);
    }
    return Ops.linear(x, weight.compute());
  }

  /**
   * FP8 inference: the weight becomes F8_E4M3 with one dequantization scale per output row
   * (amax / 448), and {@link #forward} quantizes activations per row and runs the FP8 GEMM (the
   * tensor-core kernels on a GPU, the plain reference on the CPU). The weight takes no gradients
   * from then on.
   */
  public void quantizeFp8() {
    if (fp8Scale != null) {
      return;
    }
    Tensor w = weight.value();
    Tensor scale = Tensor.zerosOn(w.device(), DType.F32, w.dim(0)).escape();
    Tensor q = Tensor.zerosOn(w.device(), DType.F8_E4M3, w.shape());
    try {
      Kernels.computeScales(scale, w, DType.F8_E4M3);
      Kernels.convert(q, w, scale);
    } catch (RuntimeException e) {
      scale.close();
      q.close();
      throw e;
    }
    weight.value().requiresGrad(false);
    weight.set(q);
    q.requiresGrad(false);
    fp8Scale = scale;
  }

  /** The per-row scales of an FP8 weight, or null. */
  public Tensor fp8Scale() {
    return fp8Scale;
  }

  @Override
  public void close() {
    super.close();
    if (fp8Scale != null) {
      fp8Scale.close();
      fp8Scale = null;
    }
  }
}
