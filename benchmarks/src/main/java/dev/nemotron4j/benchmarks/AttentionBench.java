package dev.nemotron4j.benchmarks;

import dev.nemotron4j.kernels.Kernels;
import dev.nemotron4j.tensor.Engine;
import dev.nemotron4j.tensor.Scope;
import dev.nemotron4j.tensor.Tensor;
import java.util.function.Consumer;

/**
 * Fused causal GQA attention forward + backward against the engine's unfused reference (which
 * materializes the T x T scores), at the config-s head shape: batch 4, 8 query heads, 2 KV heads,
 * head dim 64. Also reports each side's peak scratch memory.
 */
public final class AttentionBench {
  private AttentionBench() {}

  public static void run(int threads, int rounds, int[] seqLens, Consumer<Json> out) {
    Engine.setThreads(threads);
    for (int t : seqLens) {
      out.accept(measure(4, t, 8, 2, 64, threads, rounds));
    }
  }

  static Json measure(int b, int t, int nh, int nkv, int hd, int threads, int rounds) {
    try (Scope scope = Scope.open()) {
      Tensor q = Tensor.randn(1, 1f, b, t, nh, hd), k = Tensor.randn(2, 1f, b, t, nkv, hd), v = Tensor.randn(3, 1f, b, t, nkv, hd);
      Tensor dout = Tensor.randn(4, 1f, b, t, nh, hd);
      Tensor o = Tensor.zeros(b, t, nh, hd), lse = Tensor.zeros(b, nh, t);
      Tensor dq = Tensor.zeros(b, t, nh, hd), dk = Tensor.zeros(b, t, nkv, hd), dv = Tensor.zeros(b, t, nkv, hd);
      float scale = (float) (1 / Math.sqrt(hd));
      Runnable fused = () -> {
        Kernels.attention(o, lse, q, k, v, null, scale);
        Kernels.attentionBackward(dq, dk, dv, dout, o, lse, q, k, v, null, scale);
      };
      Runnable unfused = () -> {
        Kernels.attentionReference(o, lse, q, k, v, null, null, scale);
        Kernels.attentionReferenceBackward(dq, dk, dv, dout, o, lse, q, k, v, null, null, scale);
      };
      Engine.resetScratchPeak();
      fused.run();
      long fusedScratch = Engine.scratchPeakBytes();
      Engine.resetScratchPeak();
      unfused.run();
      long refScratch = Engine.scratchPeakBytes();
      double[] s = Timing.interleaved(fused, unfused, rounds, 0.2);
      // causal: half of the T x T products; forward 2 matmuls, backward 5
      double flop = 7.0 * b * nh * (double) t * t * hd;
      return new Json()
          .put("kernel", "attention_fwd_bwd")
          .put("shape", "B" + b + " T" + t + " NH" + nh + " NKV" + nkv + " HD" + hd)
          .put("T", t)
          .put("threads", threads)
          .put("isa", Engine.isa())
          .put("ms", s[0] * 1e3)
          .put("gflops", flop / s[0] / 1e9)
          .put("scratch_bytes", fusedScratch)
          .put("peer", "unfused-reference")
          .put("peer_ms", s[1] * 1e3)
          .put("peer_scratch_bytes", refScratch)
          .put("ratio", s[1] / s[0]);
    }
  }
}
