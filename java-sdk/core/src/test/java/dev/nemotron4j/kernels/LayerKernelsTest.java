package dev.nemotron4j.kernels;

import static com.google.common.truth.Truth.assertThat;
import static dev.nemotron4j.testing.Check.assertClose;
import static dev.nemotron4j.testing.Check.assertGradient;
import static dev.nemotron4j.testing.Check.randn;
import static dev.nemotron4j.testing.Check.toDouble;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.bindings.NativeException;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.testing.Check;
import dev.nemotron4j.testing.Isa;
import dev.nemotron4j.testing.Ref;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** LayerNorm1P, partial RoPE, squared ReLU and embedding: forward vs reference, backward vs FD. */
class LayerKernelsTest {
  static java.util.List<String> levels() {
    return Isa.levels();
  }

  @ParameterizedTest
  @MethodSource("levels")
  void layerNorm1pForwardAndBackward(String isa) {
    Isa.with(
        isa,
        () -> {
          for (int[] nc : new int[][] {{1, 1}, {3, 7}, {5, 64}, {9, 133}}) {
            int n = nc[0], c = nc[1];
            try (Scope s = Scope.open()) {
              float[] x = randn(1, n * c), w = randn(2, c), b = randn(3, c), dy = randn(4, n * c);
              for (int i = 0; i < x.length; i++) {
                x[i] = x[i] * 2 + 0.5f;
              }
              for (int i = 0; i < c; i++) {
                w[i] *= 0.25f;
                b[i] *= 0.1f;
              }
              Tensor xt = Tensor.of(x, n, c), wt = Tensor.of(w, c), bt = Tensor.of(b, c);
              Tensor out = Tensor.zeros(n, c), mean = Tensor.zeros(n), rstd = Tensor.zeros(n);
              Kernels.layerNorm1p(out, mean, rstd, xt, wt, bt, 1e-5f);
              double[] xd = toDouble(x), wd = toDouble(w), bd = toDouble(b), dyd = toDouble(dy);
              assertClose("ln fwd " + n + "x" + c, out.toFloatArray(), Ref.layerNorm1p(xd, wd, bd, n, c, 1e-5), 2e-6);
              Tensor dx = Tensor.zeros(n, c), dw = Tensor.full(DType.F32, 1.0, c), db = Tensor.zeros(c);
              Kernels.layerNorm1pBackward(dx, dw, db, Tensor.of(dy, n, c), xt, wt, mean, rstd);
              if (c > 1) { // with one channel the output does not depend on x
                assertGradient("ln dx", dx.toFloatArray(), v -> Check.dot(dyd, Ref.layerNorm1p(v, wd, bd, n, c, 1e-5)), xd.clone(), 2e-4);
              }
              // dweight accumulates onto its previous value (1.0 here)
              float[] dwAcc = dw.toFloatArray();
              for (int i = 0; i < c; i++) {
                dwAcc[i] -= 1f;
              }
              if (c > 1) { // and dweight is zero: xhat == 0
                assertGradient("ln dw", dwAcc, v -> Check.dot(dyd, Ref.layerNorm1p(xd, v, bd, n, c, 1e-5)), wd.clone(), 2e-4);
              }
              assertGradient("ln db", db.toFloatArray(), v -> Check.dot(dyd, Ref.layerNorm1p(xd, wd, v, n, c, 1e-5)), bd.clone(), 2e-4);
            }
          }
        });
  }

  @Test
  void layerNorm1pRejectsBadArguments() {
    try (Scope s = Scope.open()) {
      Tensor x = Tensor.zeros(4, 8), out = Tensor.zeros(4, 8), w = Tensor.zeros(7), b = Tensor.zeros(8);
      NativeException e = assertThrows(NativeException.ShapeMismatch.class, () -> Kernels.layerNorm1p(out, null, null, x, w, b, 1e-5f));
      assertThat(e).hasMessageThat().contains("'weight' has shape [7]; expected dimension 0 to be 8");
      e = assertThrows(NativeException.InvalidArgument.class, () -> Kernels.layerNorm1p(out, null, null, x, b, b, -1f));
      assertThat(e).hasMessageThat().contains("eps = -1");
      Tensor mean = Tensor.zeros(3);
      assertThrows(NativeException.ShapeMismatch.class, () -> Kernels.layerNorm1p(out, mean, null, x, b, b, 1e-5f));
    }
  }

  @Test
  void ropeForwardAndBackward() {
    for (int hd : new int[] {64, 128, 192, 16}) {
      for (double frac : new double[] {0.25, 0.5, 1.0}) {
        int rot = (int) (hd * frac);
        int bsz = 2, t = 5, h = 3, n = bsz * t;
        try (Scope s = Scope.open()) {
          float[] x = randn(hd + rot, n * h * hd), dy = randn(7, n * h * hd);
          long[] pos = {0, 1, 2, 3, 4}; // broadcast over the batch
          long[] posFull = {3, 9, 4000, 1, 0, 7, 7, 2, 5, 11};
          for (long[] p : new long[][] {pos, posFull}) {
            Tensor xt = Tensor.of(x, bsz, t, h, hd), pt = Tensor.ofLongs(p, p.length);
            Tensor out = Tensor.zeros(bsz, t, h, hd);
            Kernels.rope(out, xt, pt, rot, 10000f);
            double[] xd = toDouble(x), dyd = toDouble(dy);
            assertClose("rope hd=" + hd + " rot=" + rot, out.toFloatArray(), Ref.rope(xd, n, h, hd, p, rot, 10000), 2e-6);
            Tensor dx = Tensor.zeros(bsz, t, h, hd);
            Kernels.ropeBackward(dx, Tensor.of(dy, bsz, t, h, hd), pt, rot, 10000f);
            assertGradient("rope dx", dx.toFloatArray(), v -> Check.dot(dyd, Ref.rope(v, n, h, hd, p, rot, 10000)), xd, 1e-5);
            // in place gives the same
            Tensor inplace = xt.copy();
            Kernels.rope(inplace, inplace, pt, rot, 10000f);
            assertThat(inplace.toFloatArray()).isEqualTo(out.toFloatArray());
          }
        }
      }
    }
  }

  @Test
  void ropeRejectsBadArguments() {
    try (Scope s = Scope.open()) {
      Tensor x = Tensor.zeros(2, 3, 2, 8), out = Tensor.zeros(2, 3, 2, 8), pos = Tensor.ofLongs(new long[] {0, 1, 2, 3}, 4);
      NativeException e = assertThrows(NativeException.ShapeMismatch.class, () -> Kernels.rope(out, x, pos, 4, 1e4f));
      assertThat(e).hasMessageThat().contains("'positions' has 4 entries; expected the token count 6 or a divisor of it");
      Tensor p3 = Tensor.ofLongs(new long[] {0, 1, 2}, 3);
      e = assertThrows(NativeException.InvalidArgument.class, () -> Kernels.rope(out, x, p3, 5, 1e4f));
      assertThat(e).hasMessageThat().contains("rot_dims = 5");
      assertThrows(NativeException.InvalidArgument.class, () -> Kernels.rope(out, x, p3, 10, 1e4f));
      Tensor neg = Tensor.ofLongs(new long[] {0, -1, 2}, 3);
      e = assertThrows(NativeException.InvalidArgument.class, () -> Kernels.rope(out, x, neg, 4, 1e4f));
      assertThat(e).hasMessageThat().contains("positions[1] = -1");
    }
  }

  @ParameterizedTest
  @MethodSource("levels")
  void relu2ForwardAndBackward(String isa) {
    Isa.with(
        isa,
        () -> {
          try (Scope s = Scope.open()) {
            int n = 1037;
            float[] x = randn(5, n), dy = randn(6, n);
            Tensor xt = Tensor.of(x, n), out = Tensor.zeros(n), dx = Tensor.zeros(n);
            Kernels.relu2(out, xt);
            double[] xd = toDouble(x), dyd = toDouble(dy);
            assertClose("relu2", out.toFloatArray(), Ref.relu2(xd), 1e-7);
            Kernels.relu2Backward(dx, Tensor.of(dy, n), xt);
            assertGradient("relu2 dx", dx.toFloatArray(), v -> Check.dot(dyd, Ref.relu2(v)), xd, 1e-6);
          }
        });
  }

  @Test
  void embeddingForwardAndBackward() {
    try (Scope s = Scope.open()) {
      int v = 11, c = 13;
      long[] ids = {3, 0, 10, 3, 3, 7};
      float[] w = randn(8, v * c), dy = randn(9, ids.length * c);
      Tensor wt = Tensor.of(w, v, c), out = Tensor.zeros(2, 3, c);
      Kernels.embedding(out, Tensor.ofLongs(ids, 2, 3), wt);
      assertClose("embedding", out.toFloatArray(), Ref.embedding(ids, toDouble(w), c), 0);
      // I32 ids work the same
      Tensor out32 = Tensor.zeros(6, c);
      Kernels.embedding(out32, Tensor.ofInts(new int[] {3, 0, 10, 3, 3, 7}, 6), wt);
      assertThat(out32.toFloatArray()).isEqualTo(out.toFloatArray());
      Tensor dw = Tensor.zeros(v, c);
      Kernels.embeddingBackward(dw, Tensor.of(dy, 2, 3, c), Tensor.ofLongs(ids, 2, 3));
      double[] dyd = toDouble(dy);
      assertGradient("embedding dw", dw.toFloatArray(), x -> Check.dot(dyd, Ref.embedding(ids, x, c)), toDouble(w), 1e-6);
      long[] bad = {1, 11};
      NativeException e = assertThrows(NativeException.InvalidArgument.class,
          () -> Kernels.embedding(Tensor.zeros(2, c), Tensor.ofLongs(bad, 2), wt));
      assertThat(e).hasMessageThat().contains("ids[1] = 11 is out of range [0, 11)");
    }
  }

  @Test
  void embeddingBackwardIsDeterministicAcrossThreads() {
    try (Scope s = Scope.open()) {
      int v = 50, c = 96, n = 4000;
      long[] ids = new long[n];
      for (int i = 0; i < n; i++) {
        ids[i] = (i * 7919L) % v;
      }
      Tensor dy = Tensor.randn(3, 1f, n, c), idt = Tensor.ofLongs(ids, n);
      float[][] results = new float[2][];
      for (int th = 1; th <= 2; th++) {
        int k = th - 1;
        Isa.withThreads(th, () -> {
          try (Tensor dw = Tensor.zeros(v, c)) {
            Kernels.embeddingBackward(dw, dy, idt);
            results[k] = dw.toFloatArray();
          }
        });
      }
      assertThat(Arrays.equals(results[0], results[1])).isTrue();
    }
  }
}
