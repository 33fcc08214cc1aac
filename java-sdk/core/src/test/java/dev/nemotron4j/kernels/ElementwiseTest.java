package dev.nemotron4j.kernels;

import static com.google.common.truth.Truth.assertThat;
import static dev.nemotron4j.testing.Check.randn;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.bindings.NativeException;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.testing.Isa;
import java.util.List;
import org.junit.jupiter.api.Test;

/** add / scale / axpy / fill / random fills, norms, clipping and AdamW. */
class ElementwiseTest {
  @Test
  void addScaleAxpy() {
    try (Scope s = Scope.open()) {
      float[] a = randn(1, 3 * 37), b = randn(2, 37), c = randn(3, 3 * 37);
      Tensor out = Tensor.zeros(3, 37);
      Kernels.add(out, Tensor.of(a, 3, 37), Tensor.of(b, 37));
      float[] o = out.toFloatArray();
      for (int i = 0; i < o.length; i++) {
        assertThat(o[i]).isEqualTo(a[i] + b[i % 37]);
      }
      Kernels.scale(out, out, 2f);
      Kernels.axpy(out, -1f, Tensor.of(c, 3, 37));
      o = out.toFloatArray();
      for (int i = 0; i < o.length; i++) {
        assertThat(o[i]).isWithin(1e-6f).of(2 * (a[i] + b[i % 37]) - c[i]);
      }
      NativeException e = assertThrows(NativeException.ShapeMismatch.class, () -> Kernels.add(out, out, Tensor.zeros(3)));
      assertThat(e).hasMessageThat().contains("'b' has shape [3]; expected a's shape [3, 37] or a suffix of it");
    }
  }

  @Test
  void randomFillsAreDeterministicAcrossThreadsAndReasonable() {
    float[][] r = new float[2][];
    for (int th = 1; th <= 2; th++) {
      int k = th - 1;
      Isa.withThreads(th, () -> {
        try (Tensor t = Tensor.randn(42, 2f, 100_000)) {
          r[k] = t.toFloatArray();
        }
      });
    }
    assertThat(r[0]).isEqualTo(r[1]);
    double m = 0, v = 0;
    for (float x : r[0]) {
      m += x;
      v += x * x;
    }
    m /= r[0].length;
    v = v / r[0].length - m * m;
    assertThat(Math.abs(m)).isLessThan(0.03);
    assertThat(Math.sqrt(v)).isWithin(0.03).of(2.0);
    try (Tensor u = Tensor.rand(7, -1f, 3f, 10_000); Tensor other = Tensor.randn(43, 2f, 10)) {
      for (float x : u.toFloatArray()) {
        assertThat(x).isAtLeast(-1f);
        assertThat(x).isLessThan(3f);
      }
      assertThat(other.toFloatArray()[0]).isNotEqualTo(r[0][0]);
    }
  }

  @Test
  void sumSquaresAndClipping() {
    try (Scope s = Scope.open()) {
      float[] a = randn(5, 20_000), b = randn(6, 333);
      double want = 0;
      for (float x : a) {
        want += (double) x * x;
      }
      for (float x : b) {
        want += (double) x * x;
      }
      Tensor ta = Tensor.of(a, 20_000), tb = Tensor.of(b, 333);
      assertThat(Kernels.sumSquares(ta) + Kernels.sumSquares(tb)).isWithin(1e-9 * want).of(want);
      float norm = Kernels.clipGradNorm(List.of(ta, tb), 0f); // measure only
      assertThat((double) norm).isWithin(1e-4).of(Math.sqrt(want));
      assertThat(ta.toFloatArray()).isEqualTo(a);
      norm = Kernels.clipGradNorm(List.of(ta, tb), 1f);
      double after = Math.sqrt(Kernels.sumSquares(ta) + Kernels.sumSquares(tb));
      assertThat(after).isWithin(1e-4).of(1.0);
      assertThat((double) norm).isWithin(1e-4).of(Math.sqrt(want));
      Tensor ints = Tensor.zeros(DType.I64, 3);
      assertThrows(NativeException.WrongDType.class, () -> Kernels.clipGradNorm(List.of(ints), 1f));
    }
  }

  /** AdamW, step by step, against PyTorch's formula evaluated in double. */
  @Test
  void adamwMatchesTorchFormula() {
    int n = 1001;
    float lr = 1e-2f, b1 = 0.9f, b2 = 0.95f, eps = 1e-8f, wd = 0.1f;
    try (Scope s = Scope.open()) {
      float[] p0 = randn(1, n);
      Tensor p = Tensor.of(p0, n), m = Tensor.zeros(n), v = Tensor.zeros(n);
      double[] pr = new double[n], mr = new double[n], vr = new double[n];
      for (int i = 0; i < n; i++) {
        pr[i] = p0[i];
      }
      for (int step = 1; step <= 5; step++) {
        float[] g = randn(100 + step, n);
        Kernels.adamw(p, m, v, Tensor.of(g, n), lr, b1, b2, eps, wd, step, 0.5f);
        double bc1 = 1 - Math.pow(b1, step), bc2 = 1 - Math.pow(b2, step);
        for (int i = 0; i < n; i++) {
          double gi = g[i] * 0.5;
          pr[i] *= 1 - (double) lr * wd;
          mr[i] = b1 * mr[i] + (1 - b1) * gi;
          vr[i] = b2 * vr[i] + (1 - b2) * gi * gi;
          pr[i] -= lr / bc1 * mr[i] / (Math.sqrt(vr[i]) / Math.sqrt(bc2) + eps);
        }
      }
      float[] got = p.toFloatArray();
      for (int i = 0; i < n; i++) {
        assertThat((double) got[i]).isWithin(2e-6).of(pr[i]);
      }
      NativeException e = assertThrows(NativeException.InvalidArgument.class,
          () -> Kernels.adamw(p, m, v, p, lr, b1, b2, eps, wd, 0, 1f));
      assertThat(e).hasMessageThat().contains("step must be >= 1, got 0");
      e = assertThrows(NativeException.InvalidArgument.class, () -> Kernels.adamw(p, m, v, p, lr, 1f, b2, eps, wd, 1, 1f));
      assertThat(e).hasMessageThat().contains("beta1 must be in [0, 1)");
      assertThrows(NativeException.ShapeMismatch.class, () -> Kernels.adamw(p, m, Tensor.zeros(3), p, lr, b1, b2, eps, wd, 1, 1f));
    }
  }
}
