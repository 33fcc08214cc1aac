/*
 * nemotron4j native engine: the flat C API.
 *
 * Conventions
 *  - Every function that can fail returns an int status (NT_OK == 0). On
 *    failure nt_last_error() returns a message for the calling thread that
 *    names the bad argument and what was expected. The library never calls
 *    exit/abort and never crashes on bad arguments: it validates them.
 *  - Tensors are opaque handles (nt_tensor*), created by nt_tensor_new /
 *    nt_tensor_view / nt_tensor_wrap and released by nt_tensor_free. All are
 *    dense, row-major, 64-byte aligned when owned.
 *  - Kernel arguments come in the order: outputs, inputs, weights, settings.
 *    Forward and backward of a layer sit next to each other. Parameter
 *    gradients accumulate (+=); activation gradients are overwritten.
 *  - Size alphabet used in the comments:
 *      B batch, T time (sequence), N tokens (B*T or any leading dims),
 *      C channels (hidden), NH query heads, NKV key/value heads, HD head dim,
 *      S key/value cache length, V vocabulary, M/K/Nc matmul sizes.
 *  - Unless a function says otherwise, tensors are F32.
 */
#ifndef NEMOTRON4J_H
#define NEMOTRON4J_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NT_MAX_DIMS 8

/* Status codes. */
enum {
    NT_OK = 0,
    NT_ERR_ARGUMENT = 1,    /* null pointer, bad value, out-of-range id      */
    NT_ERR_SHAPE = 2,       /* mismatched or invalid shape                   */
    NT_ERR_DTYPE = 3,       /* dtype not accepted by this function           */
    NT_ERR_MEMORY = 4,      /* allocation failed or size overflows           */
    NT_ERR_UNSUPPORTED = 5, /* valid request this build/CPU cannot do        */
    NT_ERR_DEVICE = 6,      /* no such device, or a device error             */
    NT_ERR_INTERNAL = 7     /* a bug: please report the message              */
};

/* Element types. */
enum {
    NT_F32 = 0,
    NT_BF16 = 1,
    NT_F16 = 2,
    NT_F8_E4M3 = 3, /* OCP E4M3 "fn": bias 7, max 448, no infinities */
    NT_F8_E5M2 = 4, /* OCP E5M2: bias 15, max 57344                  */
    NT_I32 = 5,
    NT_I64 = 6,
    NT_U8 = 7
};

/* ---------------------------------------------------------------- engine */

/* Message of the last failed call on this thread ("" if none). */
const char* nt_last_error(void);
const char* nt_version(void);

/* Size of the engine's thread pool (default: available cores). n >= 1. */
int nt_set_num_threads(int n);
int nt_num_threads(void);

/* Instruction-set level of the CPU kernels: "generic", "avx2", "avx512",
 * "avx512bf16". nt_isa() is the active one (the best the CPU has, unless
 * nt_set_isa chose a lower one); "auto" restores the best. */
const char* nt_isa(void);
int nt_set_isa(const char* name);
/* 1 if this CPU can run the named level, 0 if not, -1 if the name is unknown. */
int nt_isa_supported(const char* name);

/* Number of CUDA devices (0 when the library was built without CUDA or the
 * machine has no GPU; never an error for that). */
int nt_cuda_device_count(int* count);
/* Why there is no CUDA device, or the name of device 0. */
const char* nt_cuda_info(void);
/* Waits for all work queued on a CUDA device; reports an asynchronous fault
 * of an earlier call as NT_ERR_DEVICE. */
int nt_cuda_synchronize(int device);

/* Measured memory read bandwidth in GB/s: the pool's threads sum a buffer of
 * `bytes` (>= 1 MiB), best of `reps` passes. For roofline comparisons. */
int nt_read_bandwidth(double* gbps, int64_t bytes, int reps);

/* Live-object accounting, for leak tests. */
int64_t nt_live_tensors(void);
int64_t nt_live_bytes(void);
/* Peak bytes of kernel scratch memory since the last reset. */
int64_t nt_scratch_peak_bytes(void);
void nt_scratch_reset_peak(void);

/* ---------------------------------------------------------------- tensors */

typedef struct nt_tensor nt_tensor;

/* New zero-filled tensor. shape may be NULL when ndim == 0 (a scalar). */
int nt_tensor_new(nt_tensor** out, int dtype, int ndim, const int64_t* shape);
/* New zero-filled tensor on a device: -1 the host (as nt_tensor_new), >= 0 a
 * CUDA device. Every kernel runs where its tensors are; all tensor arguments
 * of one call must be on the same device (else NT_ERR_DEVICE). Views share
 * their base's device. nt_tensor_data of a device tensor is a device pointer;
 * nt_tensor_read / _write / _copy_bytes work between any devices. */
int nt_tensor_new_on(nt_tensor** out, int device, int dtype, int ndim, const int64_t* shape);
/* -1 for host memory, the CUDA device ordinal, or -2 for an invalid handle. */
int nt_tensor_device(const nt_tensor* t);
/* A view of base's storage: offset in elements of base's dtype, any shape
 * whose extent fits. The storage lives until its last tensor is freed. */
int nt_tensor_view(nt_tensor** out, nt_tensor* base, int64_t offset, int ndim,
                   const int64_t* shape);
/* A tensor over caller-owned memory of capacity_bytes (e.g. a mapped file).
 * The caller keeps that memory valid until the tensor is freed. */
int nt_tensor_wrap(nt_tensor** out, void* data, int64_t capacity_bytes, int dtype,
                   int ndim, const int64_t* shape);
/* A U8 tensor [size] over a memory-mapped file. The mapping is private
 * (copy-on-write): writes stay in this process and never reach the file.
 * Unmapped when its last view is freed. */
int nt_tensor_map_file(nt_tensor** out, const char* path);
/* A view reinterpreting base's bytes [byte_offset, +size) as dtype/shape; the
 * offset must be a multiple of the dtype size. */
int nt_tensor_view_as(nt_tensor** out, nt_tensor* base, int64_t byte_offset, int dtype, int ndim,
                      const int64_t* shape);
/* Copies nbytes from src (at src_offset) to dst (at dst_offset), bounds-checked;
 * any dtypes. */
int nt_tensor_copy_bytes(nt_tensor* dst, int64_t dst_offset, const nt_tensor* src, int64_t src_offset,
                         int64_t nbytes);
/* Release a handle; NULL is ignored. */
void nt_tensor_free(nt_tensor* t);
/* Change the shape in place (same number of elements). */
int nt_tensor_reshape(nt_tensor* t, int ndim, const int64_t* shape);

int nt_tensor_dtype(const nt_tensor* t);
int nt_tensor_ndim(const nt_tensor* t);
int64_t nt_tensor_dim(const nt_tensor* t, int i);
int64_t nt_tensor_numel(const nt_tensor* t);
int64_t nt_tensor_nbytes(const nt_tensor* t);
void* nt_tensor_data(const nt_tensor* t);
int nt_dtype_size(int dtype);

/* Byte copies between host memory and a tensor, bounds-checked. */
int nt_tensor_write(nt_tensor* t, int64_t byte_offset, const void* src, int64_t nbytes);
int nt_tensor_read(const nt_tensor* t, int64_t byte_offset, void* dst, int64_t nbytes);

/* ---------------------------------------------------------- elementwise */

/* out[:] = value (any dtype; value is converted). */
int nt_fill(nt_tensor* out, double value);
/* Deterministic random fill of a float tensor: element i depends only on
 * (seed, i), never on thread count or ISA. */
int nt_fill_normal(nt_tensor* out, uint64_t seed, float mean, float std);
int nt_fill_uniform(nt_tensor* out, uint64_t seed, float low, float high);
/* out = in; same dtype and element count. */
int nt_copy(nt_tensor* out, const nt_tensor* in);
/* out = a + b; b has a's shape or is broadcast over a's leading dimensions
 * (a's trailing dims equal b's). out may alias a. */
int nt_add(nt_tensor* out, const nt_tensor* a, const nt_tensor* b);
/* out = alpha * in (out may alias in). */
int nt_scale(nt_tensor* out, const nt_tensor* in, float alpha);
/* out += alpha * in. */
int nt_axpy(nt_tensor* out, float alpha, const nt_tensor* in);
/* Sum of squares (in double), deterministic for any thread count. */
int nt_sum_squares(double* result, const nt_tensor* in);

/* Convert between F32, BF16, F16, F8_E4M3, F8_E5M2 (same element count).
 * Rounding is to nearest, ties to even. F8 results saturate (overflow and
 * infinities go to the largest finite value, NaN stays NaN); F16 and BF16
 * follow IEEE (overflow to infinity).
 * scale (F32, NULL for none) is a dequantization scale on the narrower side:
 * encoding out = round(in / scale), decoding out = in * scale. It holds one
 * value (per tensor) or one per row (rows = numel / last dim). */
int nt_convert(nt_tensor* out, const nt_tensor* in, const nt_tensor* scale);
/* scale = amax / max_finite(fp8_dtype), per tensor (scale has 1 element)
 * or per row (one per row of in); an all-zero row gets scale 1. */
int nt_compute_scales(nt_tensor* scale, const nt_tensor* in, int fp8_dtype);

/* --------------------------------------------------------------- matmul */

/* out = alpha * op(a) @ op(b) + beta * out, op = transpose when trans_* != 0.
 *   a: [..., M, K] ([..., K, M] if trans_a), b: [..., K, Nc] ([..., Nc, K] if
 *   trans_b) with the same batch dims as a, or 2-D and shared by the batch.
 *   out: [..., M, Nc] F32. a, b: F32 or BF16; both F32 gives exact F32
 *   products, any BF16 runs the BF16 kernel (F32 inputs rounded to BF16,
 *   F32 accumulation; AVX-512-BF16 dot products where the CPU has them). */
int nt_matmul(nt_tensor* out, const nt_tensor* a, const nt_tensor* b, int trans_a,
              int trans_b, float alpha, float beta);
/* Gradients of out = alpha * op(a) @ op(b):
 *   da = beta_a * da + dL/da, db = beta_b * db + dL/db; da or db may be NULL. */
int nt_matmul_backward(nt_tensor* da, nt_tensor* db, const nt_tensor* dout,
                       const nt_tensor* a, const nt_tensor* b, int trans_a, int trans_b,
                       float alpha, float beta_a, float beta_b);

/* FP8 matrix multiplication (the FP8 inference path):
 *   out[M, Nc] = alpha * a_scale[m] * b_scale[n] * sum_k a[m, k] * b[n, k]
 * a [M, K], b [Nc, K] (both K-contiguous), F8_E4M3 or F8_E5M2 each; out F32
 * or BF16 (rounded to nearest even); accumulation in F32. a_scale: F32 with 1
 * (per tensor) or M (per row) values; b_scale: 1 or Nc (per output column);
 * both are dequantization scales as nt_compute_scales makes them. On the host
 * this is the plain reference; on a GPU the FP8 tensor-core kernels (which
 * need K % 16 == 0). */
int nt_fp8_matmul(nt_tensor* out, const nt_tensor* a, const nt_tensor* b, const nt_tensor* a_scale,
                  const nt_tensor* b_scale, float alpha);

/* -------------------------------------------------------- collectives */

/* Sum all-reduce in place over n ranks: every tensor (F32 or BF16, equal
 * shapes and dtypes) ends up holding the elementwise sum of all of them.
 * algo 0: the hand-written ring (tensors on CUDA devices; several ranks may
 * share one device); algo 1: NCCL, loaded at run time (NT_ERR_UNSUPPORTED when
 * it is not installed). Host tensors: a plain sum in rank order (the
 * reference; algo ignored). BF16 sums accumulate in F32 within a step. */
int nt_all_reduce(nt_tensor** tensors, int n, int algo);

/* ------------------------------------------------------------ embedding */

/* out[n, :] = weight[ids[n], :]. ids: [N...] I32/I64 in [0, V); weight [V, C];
 * out [N..., C]. */
int nt_embedding_forward(nt_tensor* out, const nt_tensor* ids, const nt_tensor* weight);
/* dweight[ids[n], :] += dout[n, :]. Deterministic. */
int nt_embedding_backward(nt_tensor* dweight, const nt_tensor* dout, const nt_tensor* ids);

/* ---------------------------------------------------------- LayerNorm1P */

/* out = (in - mean) * rstd * (1 + weight) + bias over the last dim C.
 * in, out [N..., C]; weight, bias [C]; mean, rstd [N] (either may be NULL:
 * inference, nothing saved). */
int nt_layernorm1p_forward(nt_tensor* out, nt_tensor* mean, nt_tensor* rstd,
                           const nt_tensor* in, const nt_tensor* weight,
                           const nt_tensor* bias, float eps);
/* din overwritten; dweight, dbias accumulated (either may be NULL). */
int nt_layernorm1p_backward(nt_tensor* din, nt_tensor* dweight, nt_tensor* dbias,
                            const nt_tensor* dout, const nt_tensor* in,
                            const nt_tensor* weight, const nt_tensor* mean,
                            const nt_tensor* rstd);

/* ------------------------------------------------------- rotary (RoPE) */

/* Partial rotary embedding, rotate-half (NeoX) pairing, on the first
 * rot_dims of every head; the rest pass through.
 *   in, out [N..., H, HD] (out may alias in); positions I32/I64 with one
 *   entry per token (N) or P entries that token n reads at n % P.
 *   inv_freq_i = 1 / theta^(2i/rot_dims), angles in F32 as Hugging Face. */
int nt_rope_forward(nt_tensor* out, const nt_tensor* in, const nt_tensor* positions,
                    int rot_dims, float theta);
int nt_rope_backward(nt_tensor* din, const nt_tensor* dout, const nt_tensor* positions,
                     int rot_dims, float theta);

/* ---------------------------------------------------------- squared ReLU */

int nt_relu2_forward(nt_tensor* out, const nt_tensor* in);
int nt_relu2_backward(nt_tensor* din, const nt_tensor* dout, const nt_tensor* in);

/* ------------------------------------------------------------ attention */

/* Causal grouped-query attention, fused (online softmax; no T x T matrix).
 *   q, out [B, T, NH, HD]; k, v [B, T, NKV, HD]; NH % NKV == 0, query head h
 *   uses kv head h / (NH / NKV). seq_lens [B] I32/I64 (NULL: all T);
 *   seg_starts [B, T] I32/I64 (NULL: all 0) for packed sequences: the index
 *   of the first token of each token's document, in [0, t]. Key j of row b is
 *   visible to query t iff seg_starts[b, t] <= j <= t and j < seq_lens[b].
 *   lse [B, NH, T] receives the log-sum-exp of the scaled scores (NULL: not
 *   saved). scale: usually 1/sqrt(HD). */
int nt_attention_forward(nt_tensor* out, nt_tensor* lse, const nt_tensor* q,
                         const nt_tensor* k, const nt_tensor* v,
                         const nt_tensor* seq_lens, const nt_tensor* seg_starts, float scale);
/* dq, dk, dv overwritten. Needs the forward's out and lse. */
int nt_attention_backward(nt_tensor* dq, nt_tensor* dk, nt_tensor* dv,
                          const nt_tensor* dout, const nt_tensor* out,
                          const nt_tensor* lse, const nt_tensor* q, const nt_tensor* k,
                          const nt_tensor* v, const nt_tensor* seq_lens,
                          const nt_tensor* seg_starts, float scale);
/* The plain, unfused reference (materializes the scores); same contract. */
int nt_attention_reference_forward(nt_tensor* out, nt_tensor* lse, const nt_tensor* q,
                                   const nt_tensor* k, const nt_tensor* v,
                                   const nt_tensor* seq_lens, const nt_tensor* seg_starts,
                                   float scale);
int nt_attention_reference_backward(nt_tensor* dq, nt_tensor* dk, nt_tensor* dv,
                                    const nt_tensor* dout, const nt_tensor* out,
                                    const nt_tensor* lse, const nt_tensor* q,
                                    const nt_tensor* k, const nt_tensor* v,
                                    const nt_tensor* seq_lens, const nt_tensor* seg_starts,
                                    float scale);
/* One new query per sequence against a KV cache:
 *   q, out [B, NH, HD]; k_cache, v_cache [B, S, NKV, HD];
 *   cache_lens [B] I32/I64 in [1, S]: positions [0, len) are attended. */
int nt_attention_decode(nt_tensor* out, const nt_tensor* q, const nt_tensor* k_cache,
                        const nt_tensor* v_cache, const nt_tensor* cache_lens, float scale);

/* Writes src rows into a KV cache: cache[b, start[b] + t] = src[b, t] for
 * t < count[b]. cache [B, S, H, D], src [B, T, H, D] (F32 or BF16, same as
 * cache); start, count: [B] I32/I64 (count NULL: all T); start + count <= S. */
int nt_kv_cache_write(nt_tensor* cache, const nt_tensor* src, const nt_tensor* start,
                      const nt_tensor* count);

/* -------------------------------------------------------- cross-entropy */

/* Fused log-softmax + negative log-likelihood over the vocabulary.
 *   logits [N, V]; targets [N] I32/I64 in [0, V) or == ignore_index;
 *   logprobs [N] = log softmax(logits[n])[targets[n]] (0 where ignored);
 *   lse [N] = logsumexp(logits[n]) (needed by the backward; may be NULL). */
int nt_cross_entropy_forward(nt_tensor* logprobs, nt_tensor* lse,
                             const nt_tensor* logits, const nt_tensor* targets,
                             int64_t ignore_index);
/* dlogits[n, v] = dlogprobs[n] * (1[v == target] - softmax(logits[n])[v]);
 * rows with an ignored target get 0. dlogits may alias logits (in place,
 * so no second [N, V] buffer is needed). */
int nt_cross_entropy_backward(nt_tensor* dlogits, const nt_tensor* dlogprobs,
                              const nt_tensor* logits, const nt_tensor* lse,
                              const nt_tensor* targets, int64_t ignore_index);

/* ------------------------------------------------------------ optimizer */

/* One AdamW step (decoupled weight decay, bias correction), step >= 1:
 *   p -= lr * wd * p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *   p -= lr * (m / (1-b1^step)) / (sqrt(v / (1-b2^step)) + eps),
 * with g = grad * grad_scale. param, m, v, grad: F32, same shape. */
int nt_adamw_step(nt_tensor* param, nt_tensor* m, nt_tensor* v, const nt_tensor* grad,
                  float lr, float beta1, float beta2, float eps, float weight_decay,
                  int64_t step, float grad_scale);
/* Global L2 norm of n gradients; if it exceeds max_norm (> 0), every
 * gradient is scaled by max_norm / (norm + 1e-6). total_norm receives the
 * norm before clipping. */
int nt_clip_grad_norm(float* total_norm, nt_tensor** grads, int n, float max_norm);

#ifdef __cplusplus
}
#endif

#endif /* NEMOTRON4J_H */
