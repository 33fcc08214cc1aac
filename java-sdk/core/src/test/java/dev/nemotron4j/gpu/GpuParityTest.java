package dev.nemotron4j.gpu;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nemotron4j.bindings.NativeException;
import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Device;
import dev.nemotron4j.tensor.Engine;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The CUDA kernels against the CPU engine (the reference), through the Java SDK. Skipped where
 * there is no GPU. Tolerance policy: both sides are F32 implementations of one formula, so they
 * may differ by 2x the rounding of a plain F32 evaluation (2 n 2^-24 of the result's magnitude
 * for a reduction of n terms); ops that only move or round values must agree bit for bit. A BF16
 * kernel may have at most 2x the error of a plain BF16 implementation.
 */
@Tag("gpu")
class GpuParityTest {

  @BeforeEach
  void needsAGpu() {
    assumeTrue(Device.cudaAvailable(), "no CUDA device: " + Engine.cudaInfo());
  }

  private static Tensor gpu(Tensor t) {
    return t.to(Device.CUDA);
  }

  private static void assertNear(String what, Tensor gpu, Tensor cpu, double relTol) {
    float[] g = gpu.toFloatArray(), c = cpu.toFloatArray();
    double err = 0, mag = 0;
    for (int i = 0; i < c.length; i++) {
      mag = Math.max(mag, Math.abs(c[i]));
      err = Math.max(err, Math.abs((double) g[i] - c[i]));
    }
    assertWithMessage("%s: max |gpu - cpu| = %s, max |cpu| = %s", what, err, mag).that(err).isAtMost(relTol * Math.max(mag, 1e-30));
  }

  private static double red(long n) {
    return 2.0 * n * 0x1p-24;
  }

  @Test
  void matmulInEveryTransposeAndDtype() {
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        for (DType dt : new DType[] {DType.F32, DType.BF16}) {
          try (Scope s = Scope.open()) {
            long m = 33, k = 70, n = 45;
            Tensor a = Tensor.randn(1, 1f, ta ? k : m, ta ? m : k).to(dt);
            Tensor b = Tensor.randn(2, 1f, tb ? n : k, tb ? k : n);
            Tensor c = Tensor.randn(3, 1f, m, n), cg = gpu(c);
            Kernels.matmul(c, a, b, ta, tb, 0.5f, 1f);
            Kernels.matmul(cg, gpu(a), gpu(b), ta, tb, 0.5f, 1f);
            assertNear("matmul " + ta + tb + dt, cg, c, red(k));
          }
        }
      }
    }
  }

  @Test
  void attentionForwardBackwardAndDecodeF32() {
    try (Scope s = Scope.open()) {
      long b = 2, t = 37, nh = 8, nkv = 2, hd = 64;
      Tensor q = Tensor.randn(1, 1f, b, t, nh, hd), k = Tensor.randn(2, 1f, b, t, nkv, hd);
      Tensor v = Tensor.randn(3, 1f, b, t, nkv, hd), dout = Tensor.randn(4, 1f, b, t, nh, hd);
      Tensor lens = Tensor.ofLongs(new long[] {37, 20}, 2);
      float scale = (float) (1 / Math.sqrt(hd));
      Tensor out = Tensor.zeros(b, t, nh, hd), lse = Tensor.zeros(b, nh, t);
      Kernels.attention(out, lse, q, k, v, lens, scale);
      Tensor outG = Tensor.zerosOn(Device.CUDA, DType.F32, b, t, nh, hd);
      Tensor lseG = Tensor.zerosOn(Device.CUDA, DType.F32, b, nh, t);
      Kernels.attention(outG, lseG, gpu(q), gpu(k), gpu(v), gpu(lens), scale);
      assertNear("attention out", outG, out, red(t) * 4);
      assertNear("attention lse", lseG, lse, red(t) * 4);
      Tensor dq = Tensor.zeros(q.shape()), dk = Tensor.zeros(k.shape()), dv = Tensor.zeros(v.shape());
      Kernels.attentionBackward(dq, dk, dv, dout, out, lse, q, k, v, lens, scale);
      Tensor dqG = Tensor.zerosOn(Device.CUDA, DType.F32, q.shape());
      Tensor dkG = Tensor.zerosOn(Device.CUDA, DType.F32, k.shape());
      Tensor dvG = Tensor.zerosOn(Device.CUDA, DType.F32, v.shape());
      Kernels.attentionBackward(dqG, dkG, dvG, gpu(dout), outG, lseG, gpu(q), gpu(k), gpu(v), gpu(lens), scale);
      assertNear("attention dq", dqG, dq, red(t * hd));
      assertNear("attention dk", dkG, dk, red(t * hd * (nh / nkv)));
      assertNear("attention dv", dvG, dv, red(t * (nh / nkv)));
      Tensor qd = Tensor.randn(5, 1f, b, nh, hd), od = Tensor.zeros(b, nh, hd);
      Tensor cl = Tensor.ofLongs(new long[] {37, 5}, 2);
      Kernels.attentionDecode(od, qd, k, v, cl, scale);
      Tensor odG = Tensor.zerosOn(Device.CUDA, DType.F32, b, nh, hd);
      Kernels.attentionDecode(odG, gpu(qd), gpu(k), gpu(v), gpu(cl), scale);
      assertNear("attention decode", odG, od, red(t) * 4);
    }
  }

  @Test
  void bf16AttentionHasAtMostTwiceTheErrorOfPlainBf16() {
    try (Scope s = Scope.open()) {
      long b = 1, t = 130, nh = 12, nkv = 1, hd = 128;
      Tensor q = Tensor.randn(1, 1f, b, t, nh, hd).to(DType.BF16).to(DType.F32);
      Tensor k = Tensor.randn(2, 1f, b, t, nkv, hd).to(DType.BF16).to(DType.F32);
      Tensor v = Tensor.randn(3, 1f, b, t, nkv, hd).to(DType.BF16).to(DType.F32);
      float scale = (float) (1 / Math.sqrt(hd));
      Tensor exact = Tensor.zeros(b, t, nh, hd);
      Kernels.attention(exact, null, q, k, v, null, scale);
      // the plain BF16 implementation's error: the exact result rounded to BF16
      Tensor rounded = exact.to(DType.BF16).to(DType.F32);
      double plain = maxDiff(rounded, exact);
      Tensor outG = Tensor.zerosOn(Device.CUDA, DType.BF16, b, t, nh, hd);
      Kernels.attention(outG, null, gpu(q.to(DType.BF16)), gpu(k.to(DType.BF16)), gpu(v.to(DType.BF16)), null, scale);
      double err = maxDiff(outG.to(Device.CPU).to(DType.F32), exact);
      assertWithMessage("bf16 attention error %s vs plain bf16 %s", err, plain).that(err).isAtMost(2 * plain + 1e-6);
    }
  }

  private static double maxDiff(Tensor a, Tensor b) {
    float[] x = a.toFloatArray(), y = b.toFloatArray();
    double m = 0;
    for (int i = 0; i < x.length; i++) {
      m = Math.max(m, Math.abs((double) x[i] - y[i]));
    }
    return m;
  }

  @Test
  void fp8MatmulMatchesTheHostReference() {
    for (DType outType : new DType[] {DType.F32, DType.BF16}) {
      try (Scope s = Scope.open()) {
        long m = 129, n = 257, k = 96;
        Tensor sa = Tensor.zeros(m), sb = Tensor.zeros(n);
        Tensor xa = Tensor.randn(1, 2f, m, k), xb = Tensor.randn(2, 1f, n, k);
        Kernels.computeScales(sa, xa, DType.F8_E4M3);
        Kernels.computeScales(sb, xb, DType.F8_E4M3);
        Tensor a = Tensor.zeros(DType.F8_E4M3, m, k), bq = Tensor.zeros(DType.F8_E4M3, n, k);
        Kernels.convert(a, xa, sa);
        Kernels.convert(bq, xb, sb);
        Tensor out = Tensor.zeros(outType, m, n);
        Kernels.fp8Matmul(out, a, bq, sa, sb, 1f);
        Tensor outG = Tensor.zerosOn(Device.CUDA, outType, m, n);
        Kernels.fp8Matmul(outG, gpu(a), gpu(bq), gpu(sa), gpu(sb), 1f);
        // the host is a plain F32-accumulating implementation: 2x its rounding, plus one BF16 rounding
        assertNear("fp8 matmul " + outType, outG, out, red(k) * 2 + (outType == DType.BF16 ? 2 * 0x1p-8 : 0));
      }
    }
  }

  @Test
  void ringAllReduceOfSimulatedRanksMatchesTheHostSum() {
    for (int ranks : new int[] {2, 3, 8}) {
      try (Scope s = Scope.open()) {
        List<Tensor> host = new ArrayList<>(), dev = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
          Tensor t = Tensor.randn(r + 1, 1f, 100_003);
          host.add(t);
          dev.add(gpu(t));
        }
        Kernels.allReduce(host, Kernels.AllReduce.RING);
        Kernels.allReduce(dev, Kernels.AllReduce.RING);
        for (int r = 0; r < ranks; r++) {
          assertNear("all-reduce rank " + r + " of " + ranks, dev.get(r), host.get(0), red(ranks));
        }
      }
    }
  }

  @Test
  void allReduceAcrossGpusRingAndNccl() {
    int gpus = Engine.cudaDevices();
    assumeTrue(gpus >= 2, "one GPU: the ring is checked on simulated ranks only");
    try (Scope s = Scope.open()) {
      List<Tensor> host = new ArrayList<>(), ring = new ArrayList<>(), nccl = new ArrayList<>();
      for (int r = 0; r < gpus; r++) {
        Tensor t = Tensor.randn(r + 1, 1f, 1 << 20);
        host.add(t);
        ring.add(t.to(Device.cuda(r)));
        nccl.add(t.to(Device.cuda(r)));
      }
      Kernels.allReduce(host, Kernels.AllReduce.RING);
      Kernels.allReduce(ring, Kernels.AllReduce.RING);
      for (int r = 0; r < gpus; r++) {
        assertNear("ring rank " + r, ring.get(r), host.get(0), red(gpus));
      }
      try {
        Kernels.allReduce(nccl, Kernels.AllReduce.NCCL);
        for (int r = 0; r < gpus; r++) {
          assertNear("nccl rank " + r, nccl.get(r), host.get(0), red(gpus));
        }
      } catch (NativeException e) {
        assertThat(e).hasMessageThat().contains("NCCL"); // not installed: a clear error
      }
    }
  }

  @Test
  void trainingOpsAgreeWithTheCpu() {
    try (Scope s = Scope.open()) {
      long n = 37, c = 200, vocab = 500;
      Tensor x = Tensor.randn(1, 2f, n, c), w = Tensor.randn(2, 0.1f, c), bias = Tensor.randn(3, 0.1f, c);
      Tensor y = Tensor.zeros(n, c), mean = Tensor.zeros(n), rstd = Tensor.zeros(n);
      Tensor yG = gpu(y), meanG = gpu(mean), rstdG = gpu(rstd);
      Kernels.layerNorm1p(y, mean, rstd, x, w, bias, 1e-5f);
      Kernels.layerNorm1p(yG, meanG, rstdG, gpu(x), gpu(w), gpu(bias), 1e-5f);
      assertNear("layernorm", yG, y, red(c));
      Tensor logits = Tensor.randn(4, 3f, n, vocab);
      long[] tg = new long[(int) n];
      for (int i = 0; i < n; i++) {
        tg[i] = (i * 37L) % vocab;
      }
      tg[5] = -100;
      Tensor targets = Tensor.ofLongs(tg, n), lp = Tensor.zeros(n), lse = Tensor.zeros(n);
      Tensor lpG = gpu(lp), lseG = gpu(lse);
      Kernels.crossEntropy(lp, lse, logits, targets, -100);
      Kernels.crossEntropy(lpG, lseG, gpu(logits), gpu(targets), -100);
      assertNear("cross-entropy", lpG, lp, red(vocab));
      Tensor bf = Tensor.zeros(DType.BF16, n, c), bfG = Tensor.zerosOn(Device.CUDA, DType.BF16, n, c);
      Kernels.convert(bf, x, null);
      Kernels.convert(bfG, gpu(x), null);
      assertThat(bfG.to(Device.CPU).readBytes(0, (int) bf.nbytes())).isEqualTo(bf.readBytes(0, (int) bf.nbytes()));
      assertThat(Kernels.sumSquares(gpu(x))).isWithin(1e-9 * Kernels.sumSquares(x)).of(Kernels.sumSquares(x));
    }
  }

  @Test
  void mixingDevicesIsAClearError() {
    try (Scope s = Scope.open()) {
      Tensor a = Tensor.zeros(4, 4), b = Tensor.zerosOn(Device.CUDA, DType.F32, 4, 4), out = Tensor.zeros(4, 4);
      assertThat(dev.nemotron4j.bindings.NtApi.nt_tensor_device(b.view(0, 2).handle())).isEqualTo(b.device().code());
      Executable call = () -> Kernels.matmul(out, a, b, false, false, 1f, 0f);
      NativeException e = org.junit.jupiter.api.Assertions.assertThrows(NativeException.class, call);
      assertThat(e).hasMessageThat().contains("'b' is on cuda:0 but 'out' is on cpu");
      IllegalStateException h = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, b::buffer);
      assertThat(h).hasMessageThat().contains("lives on cuda:0");
    }
  }
}
