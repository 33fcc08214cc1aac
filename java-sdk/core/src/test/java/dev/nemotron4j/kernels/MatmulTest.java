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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MatmulTest {
  private static final int[][] SHAPES = {
    {1, 1, 1}, {7, 13, 5}, {37, 45, 71}, {64, 129, 33}, {13, 200, 300}, {1, 2048, 512}, {3, 517, 333}, {4, 64, 7}};

  static java.util.List<String> levels() {
    return Isa.levels();
  }

  static float bf16(float x) {
    int u = Float.floatToRawIntBits(x);
    u += 0x7fff + ((u >>> 16) & 1);
    return Float.intBitsToFloat(u & 0xffff0000);
  }

  static double[] bf16(double[] x) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = bf16((float) x[i]);
    }
    return y;
  }

  private static void check(DType adt, DType bdt, int m, int n, int k, boolean ta, boolean tb) {
    try (Scope s = Scope.open()) {
      float[] a = randn(1, m * k), b = randn(2, k * n), c0 = randn(3, m * n);
      Tensor at = Tensor.of(a, ta ? new long[] {k, m} : new long[] {m, k});
      Tensor bt = Tensor.of(b, tb ? new long[] {n, k} : new long[] {k, n});
      if (adt != DType.F32) {
        at = at.to(adt);
      }
      if (bdt != DType.F32) {
        bt = bt.to(bdt);
      }
      Tensor out = Tensor.of(c0, m, n);
      Kernels.matmul(out, at, bt, ta, tb, 0.5f, 1.5f);
      boolean lowp = adt == DType.BF16 || bdt == DType.BF16;
      double[] ad = lowp ? bf16(toDouble(a)) : toDouble(a);
      double[] bd = lowp ? bf16(toDouble(b)) : toDouble(b);
      double[] ref = Ref.matmul(ad, bd, m, n, k, ta, tb);
      for (int i = 0; i < ref.length; i++) {
        ref[i] = 0.5 * ref[i] + 1.5 * c0[i];
      }
      assertClose(adt + "x" + bdt + " " + m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb, out.toFloatArray(), ref, 2e-6);
    }
  }

  @Test
  void f32AgainstReference() {
    for (int[] sh : SHAPES) {
      for (int t = 0; t < 4; t++) {
        check(DType.F32, DType.F32, sh[0], sh[1], sh[2], (t & 1) != 0, (t & 2) != 0);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("levels")
  void bf16AgainstBf16RoundedReference(String isa) {
    Isa.with(
        isa,
        () -> {
          for (int[] sh : SHAPES) {
            for (int t = 0; t < 4; t++) {
              check(DType.BF16, DType.BF16, sh[0], sh[1], sh[2], (t & 1) != 0, (t & 2) != 0);
            }
          }
          check(DType.F32, DType.BF16, 33, 65, 47, false, true);
          check(DType.BF16, DType.F32, 33, 65, 47, true, false);
        });
  }

  @Test
  void bf16LargeBlocksAndThreads() {
    // crosses the K, M and N blocking of the packed kernel, threaded both ways
    Isa.withThreads(2, () -> check(DType.BF16, DType.BF16, 301, 1100, 530, false, true));
    Isa.withThreads(2, () -> check(DType.BF16, DType.BF16, 5, 3000, 260, false, false));
  }

  @Test
  void batchedAndBroadcast() {
    try (Scope s = Scope.open()) {
      int bsz = 3, m = 5, n = 7, k = 4;
      float[] a = randn(4, bsz * m * k), b = randn(5, bsz * k * n), w = randn(6, k * n);
      Tensor out = Tensor.zeros(bsz, m, n);
      Kernels.matmul(out, Tensor.of(a, bsz, m, k), Tensor.of(b, bsz, k, n), false, false, 1f, 0f);
      float[] got = out.toFloatArray();
      Tensor shared = Tensor.zeros(bsz, m, n);
      Kernels.matmul(shared, Tensor.of(a, bsz, m, k), Tensor.of(w, k, n), false, false, 1f, 0f);
      float[] got2 = shared.toFloatArray();
      for (int i = 0; i < bsz; i++) {
        double[] ai = toDouble(java.util.Arrays.copyOfRange(a, i * m * k, (i + 1) * m * k));
        double[] bi = toDouble(java.util.Arrays.copyOfRange(b, i * k * n, (i + 1) * k * n));
        assertClose("batch " + i, java.util.Arrays.copyOfRange(got, i * m * n, (i + 1) * m * n), Ref.matmul(ai, bi, m, n, k, false, false), 1e-6);
        assertClose("shared b, batch " + i, java.util.Arrays.copyOfRange(got2, i * m * n, (i + 1) * m * n),
            Ref.matmul(ai, toDouble(w), m, n, k, false, false), 1e-6);
      }
    }
  }

  @Test
  void backwardMatchesFiniteDifferences() {
    int m = 6, n = 5, k = 7;
    for (int t = 0; t < 4; t++) {
      boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
      try (Scope s = Scope.open()) {
        float[] a = randn(10 + t, m * k), b = randn(20 + t, k * n), w = randn(30 + t, m * n);
        long[] ash = ta ? new long[] {k, m} : new long[] {m, k};
        long[] bsh = tb ? new long[] {n, k} : new long[] {k, n};
        Tensor at = Tensor.of(a, ash), bt = Tensor.of(b, bsh);
        Tensor da = Tensor.zeros(ash), db = Tensor.zeros(bsh);
        Kernels.matmulBackward(da, db, Tensor.of(w, m, n), at, bt, ta, tb, 1f, 0f, 0f);
        double[] wd = toDouble(w), bd = toDouble(b), ad = toDouble(a);
        assertGradient("da ta=" + ta + " tb=" + tb, da.toFloatArray(), x -> Check.dot(wd, Ref.matmul(x, bd, m, n, k, ta, tb)), ad, 1e-5);
        assertGradient("db ta=" + ta + " tb=" + tb, db.toFloatArray(), x -> Check.dot(wd, Ref.matmul(ad, x, m, n, k, ta, tb)), bd, 1e-5);
      }
    }
  }

  @Test
  void badShapesAndDtypes() {
    try (Scope s = Scope.open()) {
      Tensor a = Tensor.zeros(3, 4), b = Tensor.zeros(5, 6), out = Tensor.zeros(3, 6);
      NativeException e = assertThrows(NativeException.ShapeMismatch.class, () -> Kernels.matmul(out, a, b, false, false, 1f, 0f));
      assertThat(e).hasMessageThat().contains("inner dimensions differ");
      Tensor ints = Tensor.zeros(DType.I32, 4, 6);
      e = assertThrows(NativeException.WrongDType.class, () -> Kernels.matmul(out, a, ints, false, false, 1f, 0f));
      assertThat(e).hasMessageThat().contains("'b' has dtype I32; expected F32 or BF16");
      Tensor wrongOut = Tensor.zeros(3, 5);
      e = assertThrows(NativeException.ShapeMismatch.class, () -> Kernels.matmul(wrongOut, a, Tensor.zeros(4, 6), false, false, 1f, 0f));
      assertThat(e).hasMessageThat().contains("'out' has shape [3, 5]");
      Tensor vec = Tensor.zeros(4);
      assertThrows(NativeException.ShapeMismatch.class, () -> Kernels.matmul(out, vec, b, false, false, 1f, 0f));
      e = assertThrows(NativeException.InvalidArgument.class, () -> Kernels.matmul(out, a, Tensor.zeros(4, 6), false, false, Float.NaN, 0f));
      assertThat(e).hasMessageThat().contains("alpha must be finite");
      Tensor self = Tensor.zeros(4, 4);
      e = assertThrows(NativeException.InvalidArgument.class, () -> Kernels.matmul(self, self, self, false, false, 1f, 0f));
      assertThat(e).hasMessageThat().contains("overlap");
    }
  }
}
