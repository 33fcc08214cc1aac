package dev.nemotron4j.kernels;

import static com.google.common.truth.Truth.assertThat;
import static dev.nemotron4j.testing.Check.assertClose;
import static dev.nemotron4j.testing.Check.assertGradient;
import static dev.nemotron4j.testing.Check.randn;
import static dev.nemotron4j.testing.Check.toDouble;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.bindings.NativeException;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.testing.Check;
import dev.nemotron4j.testing.Isa;
import dev.nemotron4j.testing.Ref;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class CrossEntropyTest {
  static java.util.List<String> levels() {
    return Isa.levels();
  }

  @ParameterizedTest
  @MethodSource("levels")
  void logprobsAndGradient(String isa) {
    Isa.with(isa, () -> {
      for (int v : new int[] {1, 7, 97, 1003}) {
        int n = 9;
        try (Scope s = Scope.open()) {
          float[] logits = randn(v, n * v), g = randn(2, n);
          for (int i = 0; i < logits.length; i++) {
            logits[i] *= 3;
          }
          long[] targets = new long[n];
          for (int i = 0; i < n; i++) {
            targets[i] = i % 4 == 2 ? -100 : (i * 31L) % v;
          }
          Tensor lt = Tensor.of(logits, n, v), tt = Tensor.ofLongs(targets, n);
          Tensor lp = Tensor.zeros(n), lse = Tensor.zeros(n);
          Kernels.crossEntropy(lp, lse, lt, tt, -100);
          double[] ld = toDouble(logits), gd = toDouble(g);
          assertClose(isa + " logprobs V=" + v, lp.toFloatArray(), Ref.tokenLogprobs(ld, targets, v, -100), 2e-6);
          Tensor dl = Tensor.zeros(n, v);
          Kernels.crossEntropyBackward(dl, Tensor.of(g, n), lt, lse, tt, -100);
          if (v > 1) {
            assertGradient(isa + " dlogits V=" + v, dl.toFloatArray(), x -> Check.dot(gd, Ref.tokenLogprobs(x, targets, v, -100)), ld, 1e-5);
          }
          // in place: dlogits == logits, no second [N, V] buffer
          Kernels.crossEntropyBackward(lt, Tensor.of(g, n), lt, lse, tt, -100);
          assertThat(lt.toFloatArray()).isEqualTo(dl.toFloatArray());
        }
      }
    });
  }

  @Test
  void extremeLogitsStayFinite() {
    try (Scope s = Scope.open()) {
      Tensor lt = Tensor.of(new float[] {1000f, -1000f, 0f, -3e38f, 3e38f, 1f}, 2, 3);
      Tensor lp = Tensor.zeros(2), lse = Tensor.zeros(2);
      Kernels.crossEntropy(lp, lse, lt, Tensor.ofLongs(new long[] {1, 1}, 2), -100);
      float[] r = lp.toFloatArray();
      assertThat(r[0]).isEqualTo(-2000f);
      assertThat(Float.isFinite(r[1])).isTrue();
    }
  }

  @Test
  void rejectsBadTargets() {
    try (Scope s = Scope.open()) {
      Tensor lt = Tensor.zeros(3, 5), lp = Tensor.zeros(3);
      NativeException e = assertThrows(NativeException.InvalidArgument.class,
          () -> Kernels.crossEntropy(lp, null, lt, Tensor.ofLongs(new long[] {0, 5, -100}, 3), -100));
      assertThat(e).hasMessageThat().contains("targets[1] = 5 is out of range [0, 5) and is not the ignore index -100");
      e = assertThrows(NativeException.ShapeMismatch.class,
          () -> Kernels.crossEntropy(lp, null, lt, Tensor.ofLongs(new long[] {0, 1}, 2), -100));
      assertThat(e).hasMessageThat().contains("'targets' has shape [2]");
    }
  }
}
