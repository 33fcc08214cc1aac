package dev.nemotron4j.kernels;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.bindings.NativeException;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Conversions against reference encoders built by brute force: the nearest representable value,
 * ties to the even code; F8 saturating; F16/BF16 IEEE.
 */
class ConvertTest {
  /** Exact value of a code of a small float format (no specials). */
  static double decode(int code, int expBits, int manBits, int bias) {
    int sign = (code >> (expBits + manBits)) & 1;
    int e = (code >> manBits) & ((1 << expBits) - 1);
    int m = code & ((1 << manBits) - 1);
    double v = e == 0 ? m * Math.pow(2, 1 - bias - manBits) : (1 + m / Math.pow(2, manBits)) * Math.pow(2, e - bias);
    return sign == 1 ? -v : v;
  }

  /** Nearest code among the monotone non-negative codes 0..maxCode, ties to even. */
  static int nearest(double a, int maxCode, int expBits, int manBits, int bias) {
    int lo = 0, hi = maxCode;
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      if (decode(mid, expBits, manBits, bias) <= a) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    double dl = a - decode(lo, expBits, manBits, bias), dh = decode(hi, expBits, manBits, bias) - a;
    if (dl < dh) {
      return lo;
    }
    if (dh < dl) {
      return hi;
    }
    return (lo & 1) == 0 ? lo : hi;
  }

  static int refE4M3(float x) {
    int sign = Float.floatToRawIntBits(x) < 0 ? 0x80 : 0;
    if (Float.isNaN(x)) {
      return sign | 0x7f;
    }
    double a = Math.abs((double) x);
    if (a >= 448) {
      return sign | 0x7e;
    }
    return sign | nearest(a, 0x7e, 4, 3, 7);
  }

  static int refE5M2(float x) {
    int sign = Float.floatToRawIntBits(x) < 0 ? 0x80 : 0;
    if (Float.isNaN(x)) {
      return sign | 0x7f;
    }
    double a = Math.abs((double) x);
    if (a >= 57344) {
      return sign | 0x7b;
    }
    return sign | nearest(a, 0x7b, 5, 2, 15);
  }

  static int refF16(float x) {
    int sign = Float.floatToRawIntBits(x) < 0 ? 0x8000 : 0;
    if (Float.isNaN(x)) {
      return -1; // any NaN
    }
    double a = Math.abs((double) x);
    if (a >= 65520) {
      return sign | 0x7c00;
    }
    return sign | nearest(a, 0x7bff, 5, 10, 15);
  }

  static int refBf16(float x) {
    if (Float.isNaN(x)) {
      return -1;
    }
    int u = Float.floatToRawIntBits(x);
    int sign = u & 0x80000000;
    double a = Math.abs((double) x);
    // candidates: truncation and next up, in double
    int t = (u & 0x7fffffff) >>> 16;
    double lo = Float.intBitsToFloat(t << 16), hi = Float.intBitsToFloat((t + 1) << 16);
    int pick = (a - lo < hi - a) ? t : (hi - a < a - lo) ? t + 1 : ((t & 1) == 0 ? t : t + 1);
    return ((sign >>> 16) | pick) & 0xffff;
  }

  static float[] probeValues(double maxValue, int expBits, int manBits, int bias, int maxCode) {
    List<Float> v = new ArrayList<>();
    // every code, each midpoint to the next code (a tie), and points just around the midpoints
    for (int c = 0; c < maxCode; c++) {
      double a = decode(c, expBits, manBits, bias), b = decode(c + 1, expBits, manBits, bias);
      double mid = (a + b) / 2;
      for (float f : new float[] {(float) a, (float) mid, Math.nextUp((float) mid), Math.nextDown((float) mid)}) {
        v.add(f);
        v.add(-f);
      }
    }
    Random r = new Random(3);
    for (int i = 0; i < 2000; i++) {
      v.add((float) (r.nextGaussian() * maxValue / 8));
      v.add((float) (r.nextGaussian() * Math.pow(2, -bias - manBits + 2)));
    }
    for (float f : new float[] {0f, -0f, (float) maxValue, Math.nextUp((float) maxValue), (float) maxValue * 4, 1e30f,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE}) {
      v.add(f);
    }
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = v.get(i);
    }
    return out;
  }

  private static int[] encode(float[] x, DType dt) {
    try (Tensor src = Tensor.of(x, x.length); Tensor dst = src.to(dt)) {
      ByteBuffer b = dst.buffer();
      int[] out = new int[x.length];
      for (int i = 0; i < x.length; i++) {
        out[i] = dt.byteSize() == 1 ? b.get(i) & 0xff : b.getShort(2 * i) & 0xffff;
      }
      return out;
    }
  }

  @Test
  void f8E4M3EncodeMatchesBruteForce() {
    float[] x = probeValues(448, 4, 3, 7, 0x7e);
    int[] got = encode(x, DType.F8_E4M3);
    for (int i = 0; i < x.length; i++) {
      assertWithMessage("E4M3 of %s", x[i]).that(got[i]).isEqualTo(refE4M3(x[i]));
    }
  }

  @Test
  void f8E5M2EncodeMatchesBruteForce() {
    float[] x = probeValues(57344, 5, 2, 15, 0x7b);
    int[] got = encode(x, DType.F8_E5M2);
    for (int i = 0; i < x.length; i++) {
      assertWithMessage("E5M2 of %s", x[i]).that(got[i]).isEqualTo(refE5M2(x[i]));
    }
  }

  @Test
  void f16AndBf16EncodeMatchBruteForce() {
    float[] x = probeValues(65504, 5, 10, 15, 0x7bff);
    int[] got = encode(x, DType.F16);
    int[] gotb = encode(x, DType.BF16);
    for (int i = 0; i < x.length; i++) {
      int want = refF16(x[i]);
      if (want == -1) {
        assertThat(got[i] & 0x7c00).isEqualTo(0x7c00);
        assertThat(got[i] & 0x3ff).isNotEqualTo(0);
      } else {
        assertWithMessage("F16 of %s", x[i]).that(got[i]).isEqualTo(want);
      }
      assertWithMessage("BF16 of %s", x[i]).that(gotb[i]).isEqualTo(refBf16(x[i]));
    }
    int[] nan = encode(new float[] {Float.NaN}, DType.BF16);
    assertThat(Float.isNaN(Float.intBitsToFloat(nan[0] << 16))).isTrue();
  }

  @Test
  void everyF8AndF16CodeDecodesExactly() {
    for (DType dt : new DType[] {DType.F8_E4M3, DType.F8_E5M2, DType.F16}) {
      int n = dt == DType.F16 ? 65536 : 256;
      try (Tensor t = Tensor.zeros(dt, n)) {
        ByteBuffer b = t.buffer();
        for (int i = 0; i < n; i++) {
          if (n == 256) {
            b.put(i, (byte) i);
          } else {
            b.putShort(2 * i, (short) i);
          }
        }
        float[] f = t.toFloatArray();
        for (int i = 0; i < n; i++) {
          double want;
          if (dt == DType.F8_E4M3) {
            want = (i & 0x7f) == 0x7f ? Double.NaN : decode(i, 4, 3, 7);
          } else if (dt == DType.F8_E5M2) {
            int e = (i >> 2) & 0x1f;
            want = e == 31 ? ((i & 3) == 0 ? Math.copySign(Double.POSITIVE_INFINITY, (i & 0x80) != 0 ? -1 : 1) : Double.NaN) : decode(i, 5, 2, 15);
          } else {
            int e = (i >> 10) & 0x1f;
            want = e == 31 ? ((i & 0x3ff) == 0 ? Math.copySign(Double.POSITIVE_INFINITY, (i & 0x8000) != 0 ? -1 : 1) : Double.NaN) : decode(i, 5, 10, 15);
          }
          if (Double.isNaN(want)) {
            assertWithMessage("%s code %s", dt, i).that(Float.isNaN(f[i])).isTrue();
          } else {
            assertWithMessage("%s code %s", dt, i).that((double) f[i]).isEqualTo(want);
          }
        }
      }
    }
  }

  @Test
  void perTensorAndPerRowScales() {
    try (Scope s = Scope.open()) {
      int rows = 4, cols = 33;
      float[] x = dev.nemotron4j.testing.Check.randn(9, rows * cols);
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          x[r * cols + c] *= (float) Math.pow(10, r - 1); // rows of very different range
        }
      }
      Tensor xt = Tensor.of(x, rows, cols);
      Tensor perRow = Tensor.zeros(rows);
      Kernels.computeScales(perRow, xt, DType.F8_E4M3);
      float[] sc = perRow.toFloatArray();
      for (int r = 0; r < rows; r++) {
        float amax = 0;
        for (int c = 0; c < cols; c++) {
          amax = Math.max(amax, Math.abs(x[r * cols + c]));
        }
        assertThat(sc[r]).isEqualTo(amax / 448f);
      }
      Tensor q = Tensor.zeros(DType.F8_E4M3, rows, cols);
      Kernels.convert(q, xt, perRow);
      Tensor back = Tensor.zeros(rows, cols);
      Kernels.convert(back, q, perRow);
      float[] bk = back.toFloatArray();
      ByteBuffer qb = q.buffer();
      for (int i = 0; i < x.length; i++) {
        int r = i / cols;
        assertThat(qb.get(i) & 0xff).isEqualTo(refE4M3(x[i] / sc[r]));
        assertThat(bk[i]).isEqualTo((float) decode(qb.get(i) & 0xff, 4, 3, 7) * sc[r]);
      }
      // per tensor: one scale for all rows
      Tensor one = Tensor.zeros(1);
      Kernels.computeScales(one, xt, DType.F8_E5M2);
      Tensor q2 = Tensor.zeros(DType.F8_E5M2, rows, cols);
      Kernels.convert(q2, xt, one);
      ByteBuffer q2b = q2.buffer();
      for (int i = 0; i < x.length; i++) {
        assertThat(q2b.get(i) & 0xff).isEqualTo(refE5M2(x[i] / one.item()));
      }
      NativeException e = assertThrows(NativeException.ShapeMismatch.class, () -> Kernels.convert(q, xt, Tensor.zeros(3)));
      assertThat(e).hasMessageThat().contains("expected 1 (per tensor) or 4 (per row)");
      e = assertThrows(NativeException.InvalidArgument.class, () -> Kernels.convert(q, xt, Tensor.zeros(1)));
      assertThat(e).hasMessageThat().contains("scale[0] = 0");
      e = assertThrows(NativeException.InvalidArgument.class,
          () -> Kernels.convert(Tensor.zeros(DType.BF16, rows, cols), Tensor.zeros(DType.F16, rows, cols), one));
      assertThat(e).hasMessageThat().contains("equal widths");
      assertThrows(NativeException.WrongDType.class, () -> Kernels.convert(Tensor.zeros(DType.I32, rows, cols), xt, null));
    }
  }
}
