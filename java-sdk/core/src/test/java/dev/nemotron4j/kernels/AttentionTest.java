package dev.nemotron4j.kernels;

import static com.google.common.truth.Truth.assertThat;
import static dev.nemotron4j.testing.Check.assertClose;
import static dev.nemotron4j.testing.Check.assertGradient;
import static dev.nemotron4j.testing.Check.randn;
import static dev.nemotron4j.testing.Check.toDouble;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nemotron4j.bindings.NativeException;
import dev.nemotron4j.tensor.Engine;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import dev.nemotron4j.testing.Check;
import dev.nemotron4j.testing.Isa;
import dev.nemotron4j.testing.Ref;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AttentionTest {
  /** B, T, NH, NKV, HD, padded. GQA ratios 1/2/4/8, head dims 64/128/192 and odd ones, T = 1. */
  private static final int[][] CASES = {
    {1, 1, 4, 4, 64, 0},
    {2, 37, 8, 8, 64, 1},
    {2, 37, 8, 4, 128, 1},
    {3, 70, 8, 2, 192, 1},
    {1, 129, 8, 1, 64, 0},
    {5, 33, 4, 2, 24, 1},
    {4, 20, 6, 3, 16, 1},
  };

  static java.util.List<String> levels() {
    return Isa.levels();
  }

  private static long[] lens(int bsz, int t, boolean padded) {
    long[] l = new long[bsz];
    for (int b = 0; b < bsz; b++) {
      l[b] = padded ? Math.max(1, t - 7L * b) : t;
    }
    return l;
  }

  @ParameterizedTest
  @MethodSource("levels")
  void fusedForwardMatchesReference(String isa) {
    Isa.with(isa, () -> {
      for (int[] c : CASES) {
        int bsz = c[0], t = c[1], nh = c[2], nkv = c[3], hd = c[4];
        long[] len = lens(bsz, t, c[5] == 1);
        try (Scope s = Scope.open()) {
          float[] q = randn(1, bsz * t * nh * hd), k = randn(2, bsz * t * nkv * hd), v = randn(3, bsz * t * nkv * hd);
          Tensor out = Tensor.zeros(bsz, t, nh, hd), lse = Tensor.zeros(bsz, nh, t);
          float scale = (float) (1 / Math.sqrt(hd));
          Kernels.attention(out, lse, Tensor.of(q, bsz, t, nh, hd), Tensor.of(k, bsz, t, nkv, hd), Tensor.of(v, bsz, t, nkv, hd),
              Tensor.ofLongs(len, bsz), scale);
          double[][] ref = Ref.attention(toDouble(q), toDouble(k), toDouble(v), bsz, t, nh, nkv, hd, len, scale);
          String what = isa + " " + Arrays.toString(c);
          assertClose(what + " out", out.toFloatArray(), ref[0], 2e-6);
          assertClose(what + " lse", lse.toFloatArray(), ref[1], 2e-6);
        }
      }
    });
  }

  @ParameterizedTest
  @MethodSource("levels")
  void fusedBackwardMatchesReferenceKernel(String isa) {
    Isa.with(isa, () -> {
      for (int[] c : CASES) {
        int bsz = c[0], t = c[1], nh = c[2], nkv = c[3], hd = c[4];
        try (Scope s = Scope.open()) {
          Tensor[] r = run(c, lens(bsz, t, c[5] == 1), false);
          Tensor[] f = run(c, lens(bsz, t, c[5] == 1), true);
          for (int i = 0; i < 3; i++) {
            assertClose(isa + " " + Arrays.toString(c) + " grad " + i, f[i].toFloatArray(), toDouble(r[i].toFloatArray()), 2e-6);
          }
        }
      }
    });
  }

  /** dq, dk, dv of sum(w * attention(q, k, v)), fused or reference. */
  private static Tensor[] run(int[] c, long[] len, boolean fused) {
    int bsz = c[0], t = c[1], nh = c[2], nkv = c[3], hd = c[4];
    Tensor q = Tensor.randn(1, 1f, bsz, t, nh, hd), k = Tensor.randn(2, 1f, bsz, t, nkv, hd), v = Tensor.randn(3, 1f, bsz, t, nkv, hd);
    Tensor w = Tensor.randn(4, 1f, bsz, t, nh, hd), lt = Tensor.ofLongs(len, bsz);
    Tensor out = Tensor.zeros(bsz, t, nh, hd), lse = Tensor.zeros(bsz, nh, t);
    Tensor dq = Tensor.zeros(bsz, t, nh, hd), dk = Tensor.zeros(bsz, t, nkv, hd), dv = Tensor.zeros(bsz, t, nkv, hd);
    float scale = (float) (1 / Math.sqrt(hd));
    if (fused) {
      Kernels.attention(out, lse, q, k, v, lt, scale);
      Kernels.attentionBackward(dq, dk, dv, w, out, lse, q, k, v, lt, scale);
    } else {
      Kernels.attentionReference(out, lse, q, k, v, lt, null, scale);
      Kernels.attentionReferenceBackward(dq, dk, dv, w, out, lse, q, k, v, lt, null, scale);
    }
    return new Tensor[] {dq, dk, dv};
  }

  @Test
  void backwardMatchesFiniteDifferences() {
    int[][] cases = {{2, 13, 4, 2, 16, 1}, {1, 9, 2, 1, 64, 0}, {1, 9, 4, 4, 128, 0}, {2, 7, 8, 1, 192, 1}, {1, 1, 2, 2, 64, 0}};
    for (int[] c : cases) {
      int bsz = c[0], t = c[1], nh = c[2], nkv = c[3], hd = c[4];
      long[] len = lens(bsz, t, c[5] == 1);
      double scale = 1 / Math.sqrt(hd);
      try (Scope s = Scope.open()) {
        Tensor[] g = run(c, len, true);
        double[] q = toDouble(Tensor.randn(1, 1f, bsz, t, nh, hd).toFloatArray());
        double[] k = toDouble(Tensor.randn(2, 1f, bsz, t, nkv, hd).toFloatArray());
        double[] v = toDouble(Tensor.randn(3, 1f, bsz, t, nkv, hd).toFloatArray());
        double[] w = toDouble(Tensor.randn(4, 1f, bsz, t, nh, hd).toFloatArray());
        String what = Arrays.toString(c);
        if (t == 1) {
          // one visible key: the output is v whatever q and k are, so dq and dk are exactly zero
          for (int i = 0; i < 2; i++) {
            for (float x : g[i].toFloatArray()) {
              assertThat(Math.abs(x)).isAtMost(1e-6f);
            }
          }
        } else {
          assertGradient(what + " dq", g[0].toFloatArray(), x -> Check.dot(w, Ref.attention(x, k, v, bsz, t, nh, nkv, hd, len, scale)[0]), q, 1e-4);
          assertGradient(what + " dk", g[1].toFloatArray(), x -> Check.dot(w, Ref.attention(q, x, v, bsz, t, nh, nkv, hd, len, scale)[0]), k, 1e-4);
        }
        assertGradient(what + " dv", g[2].toFloatArray(), x -> Check.dot(w, Ref.attention(q, k, x, bsz, t, nh, nkv, hd, len, scale)[0]), v, 1e-4);
      }
    }
  }

  /** Packed rows: documents [0,5) [5,13) [13,20) in row 0, [0,9) [9,20) in row 1 (padded to 17). */
  static long[] packedStarts() {
    long[] st = new long[2 * 20];
    int[][] docs = {{0, 5, 13, 20}, {0, 9, 20}};
    for (int b = 0; b < 2; b++) {
      for (int d = 0; d + 1 < docs[b].length; d++) {
        for (int t = docs[b][d]; t < docs[b][d + 1]; t++) {
          st[b * 20 + t] = docs[b][d];
        }
      }
    }
    return st;
  }

  @ParameterizedTest
  @MethodSource("levels")
  void packedDocumentsMatchReferenceAndFiniteDifferences(String isa) {
    Isa.with(isa, () -> {
      int bsz = 2, t = 20, nh = 4, nkv = 2, hd = 16;
      long[] starts = packedStarts(), lens = {20, 17};
      double scale = 0.25;
      try (Scope s = Scope.open()) {
        float[] q = randn(11, bsz * t * nh * hd), k = randn(12, bsz * t * nkv * hd), v = randn(13, bsz * t * nkv * hd);
        float[] w = randn(14, bsz * t * nh * hd);
        Tensor qt = Tensor.of(q, bsz, t, nh, hd), kt = Tensor.of(k, bsz, t, nkv, hd), vt = Tensor.of(v, bsz, t, nkv, hd);
        Tensor st = Tensor.ofLongs(starts, bsz, t), lt = Tensor.ofLongs(lens, bsz);
        Tensor out = Tensor.zeros(bsz, t, nh, hd), lse = Tensor.zeros(bsz, nh, t);
        Kernels.attention(out, lse, qt, kt, vt, lt, st, (float) scale);
        double[] qd = toDouble(q), kd = toDouble(k), vd = toDouble(v), wd = toDouble(w);
        double[][] ref = Ref.attention(qd, kd, vd, bsz, t, nh, nkv, hd, lens, starts, scale);
        assertClose(isa + " packed out", out.toFloatArray(), ref[0], 2e-6);
        Tensor dq = Tensor.zeros(bsz, t, nh, hd), dk = Tensor.zeros(bsz, t, nkv, hd), dv = Tensor.zeros(bsz, t, nkv, hd);
        Kernels.attentionBackward(dq, dk, dv, Tensor.of(w, bsz, t, nh, hd), out, lse, qt, kt, vt, lt, st, (float) scale);
        assertGradient(isa + " packed dq", dq.toFloatArray(),
            x -> Check.dot(wd, Ref.attention(x, kd, vd, bsz, t, nh, nkv, hd, lens, starts, scale)[0]), qd, 1e-4);
        assertGradient(isa + " packed dk", dk.toFloatArray(),
            x -> Check.dot(wd, Ref.attention(qd, x, vd, bsz, t, nh, nkv, hd, lens, starts, scale)[0]), kd, 1e-4);
        assertGradient(isa + " packed dv", dv.toFloatArray(),
            x -> Check.dot(wd, Ref.attention(qd, kd, x, bsz, t, nh, nkv, hd, lens, starts, scale)[0]), vd, 1e-4);
        // the document [5, 13) of row 0 alone gives the same output as inside the pack
        int a = 5, n = 8;
        float[] q1 = Arrays.copyOfRange(q, a * nh * hd, (a + n) * nh * hd);
        float[] k1 = Arrays.copyOfRange(k, a * nkv * hd, (a + n) * nkv * hd), v1 = Arrays.copyOfRange(v, a * nkv * hd, (a + n) * nkv * hd);
        Tensor alone = Tensor.zeros(1, n, nh, hd);
        Kernels.attention(alone, null, Tensor.of(q1, 1, n, nh, hd), Tensor.of(k1, 1, n, nkv, hd), Tensor.of(v1, 1, n, nkv, hd), null,
            (float) scale);
        assertClose(isa + " document alone", alone.toFloatArray(),
            toDouble(Arrays.copyOfRange(out.toFloatArray(), a * nh * hd, (a + n) * nh * hd)), 1e-6);
        // the reference kernel agrees on the backward too
        Tensor rq = Tensor.zeros(bsz, t, nh, hd), rk = Tensor.zeros(bsz, t, nkv, hd), rv = Tensor.zeros(bsz, t, nkv, hd);
        Tensor ro = Tensor.zeros(bsz, t, nh, hd), rl = Tensor.zeros(bsz, nh, t);
        Kernels.attentionReference(ro, rl, qt, kt, vt, lt, st, (float) scale);
        Kernels.attentionReferenceBackward(rq, rk, rv, Tensor.of(w, bsz, t, nh, hd), ro, rl, qt, kt, vt, lt, st, (float) scale);
        assertClose(isa + " packed dk vs reference kernel", dk.toFloatArray(), toDouble(rk.toFloatArray()), 2e-6);
        long[] bad = packedStarts();
        bad[3] = 4;
        NativeException e = assertThrows(NativeException.InvalidArgument.class,
            () -> Kernels.attention(out, null, qt, kt, vt, lt, Tensor.ofLongs(bad, bsz, t), (float) scale));
        assertThat(e).hasMessageThat().contains("seg_starts[0, 3] = 4 is outside [0, 3]");
      }
    });
  }

  @Test
  void emptySequenceGivesZeros() {
    try (Scope s = Scope.open()) {
      Tensor q = Tensor.randn(1, 1f, 2, 4, 2, 16), k = Tensor.randn(2, 1f, 2, 4, 2, 16), v = Tensor.randn(3, 1f, 2, 4, 2, 16);
      Tensor out = Tensor.zeros(2, 4, 2, 16), lse = Tensor.zeros(2, 2, 4), lens = Tensor.ofLongs(new long[] {0, 4}, 2);
      Kernels.attention(out, lse, q, k, v, lens, 0.25f);
      float[] o = out.toFloatArray();
      for (int i = 0; i < 4 * 2 * 16; i++) {
        assertThat(o[i]).isEqualTo(0f);
      }
      assertThat(lse.toFloatArray()[0]).isEqualTo(Float.NEGATIVE_INFINITY);
      Tensor dq = Tensor.zeros(2, 4, 2, 16), dk = Tensor.zeros(2, 4, 2, 16), dv = Tensor.zeros(2, 4, 2, 16);
      Kernels.attentionBackward(dq, dk, dv, Tensor.randn(4, 1f, 2, 4, 2, 16), out, lse, q, k, v, lens, 0.25f);
      for (float x : Arrays.copyOf(dk.toFloatArray(), 4 * 2 * 16)) {
        assertThat(x).isEqualTo(0f);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("levels")
  void decodeMatchesFullAttention(String isa) {
    Isa.with(isa, () -> {
      int bsz = 3, t = 21, nh = 8, nkv = 2, hd = 64, cap = 32;
      try (Scope s = Scope.open()) {
        Tensor q = Tensor.randn(1, 1f, bsz, t, nh, hd), k = Tensor.randn(2, 1f, bsz, t, nkv, hd), v = Tensor.randn(3, 1f, bsz, t, nkv, hd);
        long[] len = {21, 9, 1};
        Tensor full = Tensor.zeros(bsz, t, nh, hd);
        Kernels.attention(full, null, q, k, v, Tensor.ofLongs(len, bsz), 0.125f);
        // caches of capacity 32 holding the first len[b] positions; the query is position len[b]-1
        Tensor kc = Tensor.zeros(bsz, cap, nkv, hd), vc = Tensor.zeros(bsz, cap, nkv, hd), q1 = Tensor.zeros(bsz, nh, hd);
        float[] kf = k.toFloatArray(), vf = v.toFloatArray(), qf = q.toFloatArray();
        float[] kcf = new float[bsz * cap * nkv * hd], vcf = new float[kcf.length], q1f = new float[bsz * nh * hd];
        for (int b = 0; b < bsz; b++) {
          System.arraycopy(kf, b * t * nkv * hd, kcf, b * cap * nkv * hd, t * nkv * hd);
          System.arraycopy(vf, b * t * nkv * hd, vcf, b * cap * nkv * hd, t * nkv * hd);
          System.arraycopy(qf, (int) ((b * t + len[b] - 1) * nh * hd), q1f, b * nh * hd, nh * hd);
        }
        kc.copyFrom(kcf);
        vc.copyFrom(vcf);
        q1.copyFrom(q1f);
        Tensor out = Tensor.zeros(bsz, nh, hd);
        Kernels.attentionDecode(out, q1, kc, vc, Tensor.ofLongs(len, bsz), 0.125f);
        float[] ff = full.toFloatArray(), of = out.toFloatArray();
        for (int b = 0; b < bsz; b++) {
          float[] want = Arrays.copyOfRange(ff, (int) ((b * t + len[b] - 1) * nh * hd), (int) ((b * t + len[b]) * nh * hd));
          float[] got = Arrays.copyOfRange(of, b * nh * hd, (b + 1) * nh * hd);
          assertClose(isa + " decode row " + b, got, toDouble(want), 2e-6);
        }
        NativeException e = assertThrows(NativeException.InvalidArgument.class,
            () -> Kernels.attentionDecode(out, q1, kc, vc, Tensor.ofLongs(new long[] {1, 33, 2}, 3), 0.125f));
        assertThat(e).hasMessageThat().contains("cache_lens[1] = 33 is out of range [1, 33)");
      }
    });
  }

  @Test
  void fusedScratchGrowsLinearlyWhileReferenceGrowsQuadratically() {
    long[] fused = new long[2], ref = new long[2];
    int[] ts = {256, 1024};
    for (int i = 0; i < 2; i++) {
      int[] c = {1, ts[i], 4, 2, 64, 0};
      try (Scope s = Scope.open()) {
        Engine.resetScratchPeak();
        run(c, lens(1, ts[i], false), true);
        fused[i] = Engine.scratchPeakBytes();
        Engine.resetScratchPeak();
        run(c, lens(1, ts[i], false), false);
        ref[i] = Engine.scratchPeakBytes();
      }
    }
    // 4x the sequence: at most ~4x the fused scratch, 16x the reference's T x T buffers
    assertThat((double) fused[1] / fused[0]).isAtMost(4.5);
    assertThat((double) ref[1] / ref[0]).isAtLeast(12.0);
  }

  @Test
  void rejectsBadShapes() {
    try (Scope s = Scope.open()) {
      Tensor q = Tensor.zeros(2, 5, 6, 16), k = Tensor.zeros(2, 5, 4, 16), out = Tensor.zeros(2, 5, 6, 16);
      NativeException e = assertThrows(NativeException.ShapeMismatch.class, () -> Kernels.attention(out, null, q, k, k, null, 0.25f));
      assertThat(e).hasMessageThat().contains("6 query heads are not a multiple of 4 key/value heads");
      Tensor k2 = Tensor.zeros(2, 5, 3, 8);
      e = assertThrows(NativeException.ShapeMismatch.class, () -> Kernels.attention(out, null, q, k2, k2, null, 0.25f));
      assertThat(e).hasMessageThat().contains("'k' has shape [2, 5, 3, 8]");
      Tensor k3 = Tensor.zeros(2, 5, 3, 16);
      e = assertThrows(NativeException.InvalidArgument.class,
          () -> Kernels.attention(out, null, q, k3, k3, Tensor.ofLongs(new long[] {5, 6}, 2), 0.25f));
      assertThat(e).hasMessageThat().contains("seq_lens[1] = 6 is out of range [0, 6)");
      e = assertThrows(NativeException.InvalidArgument.class, () -> Kernels.attention(out, null, q, k3, k3, null, 0f));
      assertThat(e).hasMessageThat().contains("scale = 0");
    }
  }
}
