package dev.nemotron4j.kernels;

import static dev.nemotron4j.bindings.Native.check;

import dev.nemotron4j.bindings.NtApi;
import dev.nemotron4j.bindings.NtApi.nt_tensor;
import dev.nemotron4j.tensor.DType;
import dev.nemotron4j.tensor.Tensor;
import java.util.List;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The engine's kernels on {@link Tensor}s, without autograd: one method per native function,
 * outputs first. Shapes and dtypes are checked by the engine, whose messages name the bad
 * argument; failures throw {@code NativeException} subclasses. Nullable arguments are marked.
 */
public final class Kernels {
  private Kernels() {}

  private static nt_tensor h(Tensor t) {
    return t == null ? null : t.handle();
  }

  /** A native array of the tensors' handles (at least one slot). */
  private static PointerPointer<nt_tensor> handles(List<Tensor> ts) {
    PointerPointer<nt_tensor> pp = new PointerPointer<>(Math.max(1, ts.size()));
    for (int i = 0; i < ts.size(); i++) {
      pp.put(i, h(ts.get(i)));
    }
    return pp;
  }

  // ---------------------------------------------------------- elementwise

  /** out = a + b (b: a's shape or a suffix of it, broadcast). */
  public static void add(Tensor out, Tensor a, Tensor b) {
    check(NtApi.nt_add(h(out), h(a), h(b)));
  }

  /** out = alpha * in. */
  public static void scale(Tensor out, Tensor in, float alpha) {
    check(NtApi.nt_scale(h(out), h(in), alpha));
  }

  /** out += alpha * in. */
  public static void axpy(Tensor out, float alpha, Tensor in) {
    check(NtApi.nt_axpy(h(out), alpha, h(in)));
  }

  public static void copy(Tensor out, Tensor in) {
    check(NtApi.nt_copy(h(out), h(in)));
  }

  public static void fillNormal(Tensor out, long seed, float mean, float std) {
    check(NtApi.nt_fill_normal(h(out), seed, mean, std));
  }

  public static void fillUniform(Tensor out, long seed, float low, float high) {
    check(NtApi.nt_fill_uniform(h(out), seed, low, high));
  }

  /** Sum of squares, in double, deterministic for any thread count. */
  public static double sumSquares(Tensor in) {
    double[] r = {0};
    check(NtApi.nt_sum_squares(r, h(in)));
    return r[0];
  }

  /**
   * Converts between float dtypes; {@code scale} (nullable, F32, one value or one per row) is the
   * dequantization scale on the narrower side.
   */
  public static void convert(Tensor out, Tensor in, Tensor scale) {
    check(NtApi.nt_convert(h(out), h(in), h(scale)));
  }

  /** scale = amax / max finite of {@code fp8}, per tensor or per row (by scale's size). */
  public static void computeScales(Tensor scale, Tensor in, DType fp8) {
    check(NtApi.nt_compute_scales(h(scale), h(in), fp8.code()));
  }

  // -------------------------------------------------------------- matmul

  /** out = alpha * op(a) op(b) + beta * out. */
  public static void matmul(Tensor out, Tensor a, Tensor b, boolean transA, boolean transB, float alpha, float beta) {
    check(NtApi.nt_matmul(h(out), h(a), h(b), transA ? 1 : 0, transB ? 1 : 0, alpha, beta));
  }

  /** Gradients of out = alpha * op(a) op(b); da, db nullable; da = betaA * da + dL/da, same for db. */
  public static void matmulBackward(
      Tensor da, Tensor db, Tensor dout, Tensor a, Tensor b, boolean transA, boolean transB, float alpha, float betaA,
      float betaB) {
    check(NtApi.nt_matmul_backward(
        h(da), h(db), h(dout), h(a), h(b), transA ? 1 : 0, transB ? 1 : 0, alpha, betaA, betaB));
  }

  // ----------------------------------------------------------- embedding

  public static void embedding(Tensor out, Tensor ids, Tensor weight) {
    check(NtApi.nt_embedding_forward(h(out), h(ids), h(weight)));
  }

  /** dweight[ids[n]] += dout[n]. */
  public static void embeddingBackward(Tensor dweight, Tensor dout, Tensor ids) {
    check(NtApi.nt_embedding_backward(h(dweight), h(dout), h(ids)));
  }

  // --------------------------------------------------------- LayerNorm1P

  /** mean and rstd nullable (inference). */
  public static void layerNorm1p(Tensor out, Tensor mean, Tensor rstd, Tensor in, Tensor weight, Tensor bias, float eps) {
    check(NtApi.nt_layernorm1p_forward(h(out), h(mean), h(rstd), h(in), h(weight), h(bias), eps));
  }

  /** din overwritten; dweight, dbias (nullable) accumulated. */
  public static void layerNorm1pBackward(
      Tensor din, Tensor dweight, Tensor dbias, Tensor dout, Tensor in, Tensor weight, Tensor mean, Tensor rstd) {
    check(NtApi.nt_layernorm1p_backward(h(din), h(dweight), h(dbias), h(dout), h(in), h(weight), h(mean), h(rstd)));
  }

  // ---------------------------------------------------------------- RoPE

  public static void rope(Tensor out, Tensor in, Tensor positions, int rotDims, float theta) {
    check(NtApi.nt_rope_forward(h(out), h(in), h(positions), rotDims, theta));
  }

  public static void ropeBackward(Tensor din, Tensor dout, Tensor positions, int rotDims, float theta) {
    check(NtApi.nt_rope_backward(h(din), h(dout), h(positions), rotDims, theta));
  }

  // -------------------------------------------------------- squared ReLU

  public static void relu2(Tensor out, Tensor in) {
    check(NtApi.nt_relu2_forward(h(out), h(in)));
  }

  public static void relu2Backward(Tensor din, Tensor dout, Tensor in) {
    check(NtApi.nt_relu2_backward(h(din), h(dout), h(in)));
  }

  // ----------------------------------------------------------- attention

  /** Fused causal GQA attention; lse and seqLens nullable. */
  public static void attention(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, Tensor seqLens, float scale) {
    attention(out, lse, q, k, v, seqLens, null, scale);
  }

  /**
   * Fused causal GQA attention over packed documents: segStarts [B, T] (nullable) holds, for each
   * token, the index of its document's first token; keys outside the document are not visible.
   */
  public static void attention(
      Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, Tensor seqLens, Tensor segStarts, float scale) {
    check(NtApi.nt_attention_forward(h(out), h(lse), h(q), h(k), h(v), h(seqLens), h(segStarts), scale));
  }

  public static void attentionBackward(
      Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, Tensor seqLens,
      float scale) {
    attentionBackward(dq, dk, dv, dout, out, lse, q, k, v, seqLens, null, scale);
  }

  public static void attentionBackward(
      Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, Tensor seqLens,
      Tensor segStarts, float scale) {
    check(NtApi.nt_attention_backward(
        h(dq), h(dk), h(dv), h(dout), h(out), h(lse), h(q), h(k), h(v), h(seqLens), h(segStarts), scale));
  }

  /** The unfused reference (T x T scores); same contract as {@link #attention}. */
  public static void attentionReference(
      Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, Tensor seqLens, Tensor segStarts, float scale) {
    check(NtApi.nt_attention_reference_forward(h(out), h(lse), h(q), h(k), h(v), h(seqLens), h(segStarts), scale));
  }

  public static void attentionReferenceBackward(
      Tensor dq, Tensor dk, Tensor dv, Tensor dout, Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, Tensor seqLens,
      Tensor segStarts, float scale) {
    check(NtApi.nt_attention_reference_backward(
        h(dq), h(dk), h(dv), h(dout), h(out), h(lse), h(q), h(k), h(v), h(seqLens), h(segStarts), scale));
  }

  /** One query per sequence against a KV cache [B, S, NKV, HD] filled up to cacheLens. */
  public static void attentionDecode(Tensor out, Tensor q, Tensor kCache, Tensor vCache, Tensor cacheLens, float scale) {
    check(NtApi.nt_attention_decode(h(out), h(q), h(kCache), h(vCache), h(cacheLens), scale));
  }

  /** cache[b, start[b] + t] = src[b, t] for t < count[b] (count nullable: all of src's T). */
  public static void kvCacheWrite(Tensor cache, Tensor src, Tensor start, Tensor count) {
    check(NtApi.nt_kv_cache_write(h(cache), h(src), h(start), h(count)));
  }

  /** Measured memory read bandwidth (GB/s) of the pool's threads over {@code bytes}. */
  public static double readBandwidth(long bytes, int reps) {
    double[] g = {0};
    check(NtApi.nt_read_bandwidth(g, bytes, reps));
    return g[0];
  }

  // ------------------------------------------------------- cross-entropy

  /** Per-token log-probs of the targets; lse nullable. */
  public static void crossEntropy(Tensor logprobs, Tensor lse, Tensor logits, Tensor targets, long ignoreIndex) {
    check(NtApi.nt_cross_entropy_forward(h(logprobs), h(lse), h(logits), h(targets), ignoreIndex));
  }

  /** dlogits may be logits itself (in place). */
  public static void crossEntropyBackward(
      Tensor dlogits, Tensor dlogprobs, Tensor logits, Tensor lse, Tensor targets, long ignoreIndex) {
    check(NtApi.nt_cross_entropy_backward(h(dlogits), h(dlogprobs), h(logits), h(lse), h(targets), ignoreIndex));
  }

  // ----------------------------------------------------------- optimizer

  /** One AdamW step on an F32 parameter with its moments; step counts from 1. */
  public static void adamw(
      Tensor param, Tensor m, Tensor v, Tensor grad, float lr, float beta1, float beta2, float eps, float weightDecay,
      long step, float gradScale) {
    check(NtApi.nt_adamw_step(h(param), h(m), h(v), h(grad), lr, beta1, beta2, eps, weightDecay, step, gradScale));
  }

  /**
   * Global L2 norm of the gradients, scaled in place to {@code maxNorm} when above it (maxNorm
   * <= 0: only measure). Returns the norm before clipping.
   */
  public static float clipGradNorm(List<Tensor> grads, float maxNorm) {
    try (PointerPointer<nt_tensor> pp = handles(grads); FloatPointer norm = new FloatPointer(1)) {
      check(NtApi.nt_clip_grad_norm(norm, pp, grads.size(), maxNorm));
      return norm.get(0);
    }
  }

  // ------------------------------------------------------------------ FP8

  /**
   * FP8 matrix multiplication: out[M, N] = alpha * aScale[m] * bScale[n] * a[M, K] . b[N, K]^T with
   * a, b F8_E4M3 or F8_E5M2 (K contiguous in both), scales F32 with 1 or M (N) values, out F32 or
   * BF16. The plain reference on the CPU; the FP8 tensor-core kernels on a GPU.
   */
  public static void fp8Matmul(Tensor out, Tensor a, Tensor b, Tensor aScale, Tensor bScale, float alpha) {
    check(NtApi.nt_fp8_matmul(h(out), h(a), h(b), h(aScale), h(bScale), alpha));
  }

  // ---------------------------------------------------------- collectives

  /** Which all-reduce implementation runs on GPUs. */
  public enum AllReduce {
    /** The hand-written ring (ranks may share a device). */
    RING,
    /** NCCL, loaded at run time (one rank per device). */
    NCCL
  }

  /**
   * Sums {@code ranks} elementwise in place: afterwards every tensor holds the sum of all. F32 or
   * BF16, equal shapes; all on the host (a plain sum, the reference) or all on GPUs.
   */
  public static void allReduce(List<Tensor> ranks, AllReduce algo) {
    try (PointerPointer<nt_tensor> pp = handles(ranks)) {
      check(NtApi.nt_all_reduce(pp, ranks.size(), algo.ordinal()));
    }
  }
}
