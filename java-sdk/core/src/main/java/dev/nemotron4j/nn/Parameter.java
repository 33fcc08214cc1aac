package dev.nemotron4j.nn;

import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Tensor;

/** A trainable tensor of a {@link Module}, with its initializer. The module owns and closes it. */
public final class Parameter {
  private Tensor value;
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
    newValue.escape();
    if (newValue.dtype().isFloatingPoint()) {
      newValue.requiresGrad(value.requiresGrad());
    }
    value.close();
    value = newValue;
  }

  /** The accumulated gradient, or null. */
  public Tensor grad() {
    return value.grad();
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
