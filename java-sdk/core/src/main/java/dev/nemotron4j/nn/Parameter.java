package dev.nemotron4j.nn;

import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Tensor;

/** A trainable tensor of a {@link Module}, with its initializer. The module owns and closes it. */
public final class Parameter {
  private Tensor value;
  private Tensor shadow;
  private final Init init;

  Parameter(Tensor value, Init init) {
    this.value = value.escape().requiresGrad(true);
    this.init = init;
  }

  /** A new F32 parameter of the given shape. */
  public static Parameter of(Init init, long... shape) {
    return new Parameter(Tensor.zeros(DType.F32, shape), init);
  }

  public Tensor value() {
    return value;
  }

  /**
   * Replaces the value (same shape; e.g. the weights cast to BF16 for inference). The parameter
   * takes ownership and closes the old value.
   */
  public void set(Tensor newValue) {
    if (!java.util.Arrays.equals(newValue.shape(), value.shape())) {
      throw new IllegalArgumentException(
          "new value " + newValue + " does not have the parameter's shape " + java.util.Arrays.toString(value.shape()));
    }
    if (newValue == value) {
      return;
    }
    setComputeDType(null);
    newValue.escape();
    if (newValue.dtype().isFloatingPoint()) {
      newValue.requiresGrad(value.requiresGrad());
    }
    value.close();
    value = newValue;
  }

  /** The accumulated gradient (of the compute copy when there is one), or null. */
  public Tensor grad() {
    return shadow != null ? shadow.grad() : value.grad();
  }

  /**
   * The tensor computations use: a lower-precision compute copy when mixed precision set one,
   * else the value (the F32 master).
   */
  public Tensor compute() {
    return shadow != null ? shadow : value;
  }

  /**
   * Mixed precision: keep a compute copy in {@code dtype}, refreshed from the master by {@link
   * #refreshCompute()}; gradients land on the copy and {@link #grad()} returns them. null turns
   * it off.
   */
  public void setComputeDType(DType dtype) {
    if (shadow != null) {
      shadow.close();
      shadow = null;
    }
    if (dtype != null && dtype != value.dtype()) {
      shadow = value.to(dtype).escape().requiresGrad(value.requiresGrad());
    }
  }

  /** Copies the master value into the compute copy (after an optimizer step). */
  public void refreshCompute() {
    if (shadow != null) {
      dev.nemotron4j.kernels.Kernels.convert(shadow, value, null);
    }
  }

  /** Drops the gradient. */
  public void zeroGrad() {
    value.zeroGrad();
    if (shadow != null) {
      shadow.zeroGrad();
    }
  }

  /** Frees the value and any compute copy. */
  void close() {
    value.close();
    if (shadow != null) {
      shadow.close();
      shadow = null;
    }
  }

  public Init init() {
    return init;
  }

  public long[] shape() {
    return value.shape();
  }

  @Override
  public String toString() {
    return "Parameter" + java.util.Arrays.toString(value.shape());
  }
}
