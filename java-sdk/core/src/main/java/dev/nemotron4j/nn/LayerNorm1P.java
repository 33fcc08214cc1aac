package dev.nemotron4j.nn;

import dev.nemotron4j.autograd.Ops;
import dev.nemotron4j.tensor.Tensor;

/**
 * Nemotron's LayerNorm1P: {@code (x - mean) / sqrt(var + eps) * (1 + weight) + bias}; the stored
 * weight is the offset from 1, so both parameters start at zero.
 */
public final class LayerNorm1P extends Module {
  private final Parameter weight;
  private final Parameter bias;
  private final float eps;

  public LayerNorm1P(long dim, float eps) {
    if (dim <= 0) {
      throw new IllegalArgumentException("LayerNorm1P dim must be positive, got " + dim);
    }
    if (!(eps > 0) || Float.isInfinite(eps)) {
      throw new IllegalArgumentException("LayerNorm1P eps must be finite and > 0, got " + eps);
    }
    this.eps = eps;
    weight = register("weight", Parameter.of(Init.zeros(), dim));
    bias = register("bias", Parameter.of(Init.zeros(), dim));
  }

  public Parameter weight() {
    return weight;
  }

  public Parameter bias() {
    return bias;
  }

  public float eps() {
    return eps;
  }

  public Tensor forward(Tensor x) {
    return Ops.layerNorm1p(x, weight.value(), bias.value(), eps);
  }
}
