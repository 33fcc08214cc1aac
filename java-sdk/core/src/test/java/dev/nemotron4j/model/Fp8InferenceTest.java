package dev.nemotron4j.model;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import dev.nemotron4j.nn.Linear;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** FP8 inference (E4M3 weights and activations with per-row scales) on the fixture model. */
class Fp8InferenceTest {

  @Test
  void fp8LogitsStayCloseToF32AndGreedyTokensAgree() {
    Path dir = Fixtures.dir("model");
    try (NemotronForCausalLM f32 = NemotronForCausalLM.load(dir);
        NemotronForCausalLM fp8 = NemotronForCausalLM.load(dir);
        Scope s = Scope.open()) {
      fp8.castLinearWeights(DType.F8_E4M3);
      for (Linear l : fp8.backbone().linears()) {
        assertThat(l.weight().value().dtype()).isEqualTo(DType.F8_E4M3);
        assertThat(l.fp8Scale().numel()).isEqualTo(l.weight().value().dim(0));
      }
      long[] ids = {5, 9, 13, 2, 40, 17, 3, 3, 61, 8, 20, 1};
      float[] a = f32.logits(Tensor.ofLongs(ids, 1, ids.length), null).toFloatArray();
      float[] b = fp8.logits(Tensor.ofLongs(ids, 1, ids.length), null).toFloatArray();
      double err = 0, mag = 0;
      for (int i = 0; i < a.length; i++) {
        err = Math.max(err, Math.abs(a[i] - b[i]));
        mag = Math.max(mag, Math.abs(a[i]));
      }
      // E4M3 keeps 3 mantissa bits: each operand is off by up to 2^-4 relative, so one projection
      // by up to ~2^-3 of its output's scale; a few layers compound that. Not exact, not far.
      assertWithMessage("max |fp8 - f32| = %s of max |f32| = %s", err, mag).that(err).isGreaterThan(0.0);
      assertWithMessage("max |fp8 - f32| = %s of max |f32| = %s", err, mag).that(err).isAtMost(0.125 * mag);
      int v = f32.config().vocabSize(), agree = 0;
      for (int t = 0; t < ids.length; t++) {
        agree += argmax(a, t * v, v) == argmax(b, t * v, v) ? 1 : 0;
      }
      assertWithMessage("greedy tokens that agree").that(agree).isAtLeast(ids.length - 2);
    }
  }

  private static int argmax(float[] x, int off, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (x[off + i] > x[off + best]) {
        best = i;
      }
    }
    return best;
  }
}
