package dev.nemotron4j.nn;

import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.tensor.Tensor;
import java.nio.charset.StandardCharsets;

/**
 * Deterministic parameter initializers. A parameter's values depend only on the model seed and
 * the parameter's name, never on construction order, thread count or CPU.
 */
@FunctionalInterface
public interface Init {
  void apply(Tensor t, long seed);

  static Init normal(float std) {
    return (t, seed) -> Kernels.fillNormal(t, seed, 0f, std);
  }

  static Init uniform(float bound) {
    return (t, seed) -> Kernels.fillUniform(t, seed, -bound, bound);
  }

  static Init constant(float value) {
    return (t, seed) -> t.fill(value);
  }

  static Init zeros() {
    return constant(0f);
  }

  /** The seed of the parameter called {@code name} in a model seeded with {@code seed}. */
  static long seedFor(long seed, String name) {
    long h = 0xcbf29ce484222325L; // FNV-1a over the name, then mixed with the seed
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    long z = seed ^ h;
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
