package dev.nemotron4j.kernels;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.bindings.NativeException;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The host references of nt_fp8_matmul and nt_all_reduce, and their argument checks. */
class Fp8AndCollectivesTest {

  /** FP8 values of a random matrix with per-row scales, and their dequantized doubles. */
  private static double[] dequantized(Tensor q, Tensor scale) {
    float[] v;
    try (Tensor f = q.to(DType.F32)) {
      v = f.toFloatArray();
    }
    float[] s = scale.toFloatArray();
    long cols = q.dim(1);
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (double) v[i] * s[s.length == 1 ? 0 : (int) (i / cols)];
    }
    return out;
  }

  private static Tensor quantize(Tensor x, DType fp8, Tensor scale) {
    Kernels.computeScales(scale, x, fp8);
    Tensor q = Tensor.zeros(fp8, x.shape());
    Kernels.convert(q, x, scale);
    return q;
  }

  @Test
  void fp8MatmulMatchesTheDequantizedProduct() {
    int m = 13, n = 21, k = 40;
    for (DType bt : new DType[] {DType.F8_E4M3, DType.F8_E5M2}) {
      for (boolean perRow : new boolean[] {true, false}) {
        for (DType outType : new DType[] {DType.F32, DType.BF16}) {
          try (Scope s = Scope.open()) {
            Tensor sa = Tensor.zeros(perRow ? m : 1), sb = Tensor.zeros(perRow ? n : 1);
            Tensor a = quantize(Tensor.randn(1, 3f, m, k), DType.F8_E4M3, sa);
            Tensor b = quantize(Tensor.randn(2, 0.5f, n, k), bt, sb);
            Tensor out = Tensor.zeros(outType, m, n);
            Kernels.fp8Matmul(out, a, b, sa, sb, 0.5f);
            double[] da = dequantized(a, sa), db = dequantized(b, sb);
            float[] got = out.toFloatArray();
            for (int i = 0; i < m; i++) {
              for (int j = 0; j < n; j++) {
                double want = 0;
                for (int l = 0; l < k; l++) {
                  want += da[i * k + l] * db[j * k + l];
                }
                want *= 0.5;
                // F32 accumulation of k products, then (for BF16) one rounding
                double tol = (outType == DType.BF16 ? 0x1p-8 : 0) * Math.abs(want) + 4 * k * 0x1p-24 * (Math.abs(want) + 1);
                assertThat(Math.abs(got[i * n + j] - want)).isAtMost(tol);
              }
            }
          }
        }
      }
    }
  }

  @Test
  void fp8MatmulRejectsBadArguments() {
    try (Scope s = Scope.open()) {
      Tensor a = Tensor.zeros(DType.F8_E4M3, 4, 8), b = Tensor.zeros(DType.F8_E4M3, 5, 8);
      Tensor one = Tensor.full(DType.F32, 1, 1), out = Tensor.zeros(4, 5);
      NativeException e = assertThrows(NativeException.class,
          () -> Kernels.fp8Matmul(out, Tensor.zeros(DType.BF16, 4, 8), b, one, one, 1f));
      assertThat(e).hasMessageThat().contains("'a' has dtype BF16; expected F8_E4M3 or F8_E5M2");
      e = assertThrows(NativeException.class,
          () -> Kernels.fp8Matmul(out, a, Tensor.zeros(DType.F8_E4M3, 5, 7), one, one, 1f));
      assertThat(e).hasMessageThat().contains("'b' has shape [5, 7]");
      e = assertThrows(NativeException.class, () -> Kernels.fp8Matmul(out, a, b, Tensor.zeros(3), one, 1f));
      assertThat(e).hasMessageThat().contains("'a_scale' has 3 elements; expected 1 (per tensor) or 4");
      e = assertThrows(NativeException.class,
          () -> Kernels.fp8Matmul(Tensor.zeros(DType.F16, 4, 5), a, b, one, one, 1f));
      assertThat(e).hasMessageThat().contains("'out' has dtype F16; expected F32 or BF16");
    }
  }

  @Test
  void hostAllReduceSumsEveryRank() {
    try (Scope s = Scope.open()) {
      Tensor a = Tensor.of(new float[] {1, 2, 3}, 3);
      Tensor b = Tensor.of(new float[] {10, 20, 30}, 3);
      Tensor c = Tensor.of(new float[] {100, 200, 300}, 3);
      Kernels.allReduce(List.of(a, b, c), Kernels.AllReduce.RING);
      for (Tensor t : List.of(a, b, c)) {
        assertThat(t.toFloatArray()).isEqualTo(new float[] {111, 222, 333});
      }
      Tensor x = Tensor.of(new float[] {1.5f, -2f}, 2).to(DType.BF16);
      Tensor y = Tensor.of(new float[] {0.25f, 4f}, 2).to(DType.BF16);
      Kernels.allReduce(List.of(x, y), Kernels.AllReduce.RING);
      assertThat(x.toFloatArray()).isEqualTo(new float[] {1.75f, 2f});
      assertThat(y.toFloatArray()).isEqualTo(new float[] {1.75f, 2f});
    }
  }

  @Test
  void allReduceRejectsBadArguments() {
    try (Scope s = Scope.open()) {
      Tensor a = Tensor.zeros(3), b = Tensor.zeros(4);
      NativeException e = assertThrows(NativeException.class,
          () -> Kernels.allReduce(List.of(a, b), Kernels.AllReduce.RING));
      assertThat(e).hasMessageThat().contains("expected equal shapes");
      e = assertThrows(NativeException.class, () -> Kernels.allReduce(List.of(), Kernels.AllReduce.RING));
      assertThat(e).hasMessageThat().contains("n = 0; expected at least 1 rank");
      e = assertThrows(NativeException.class, () -> Kernels.allReduce(List.of(a, a), Kernels.AllReduce.RING));
      assertThat(e).hasMessageThat().contains("are the same memory");
      e = assertThrows(NativeException.class,
          () -> Kernels.allReduce(List.of(Tensor.zeros(DType.I64, 3), Tensor.zeros(DType.I64, 3)), Kernels.AllReduce.RING));
      assertThat(e).hasMessageThat().contains("expected F32 or BF16");
    }
  }
}
