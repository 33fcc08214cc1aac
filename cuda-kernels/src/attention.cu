// Causal grouped-query attention on the GPU: forward, backward and decode
// (the contract is in cuda_ops.h / nemotron4j.h; the semantics are those of
// native/src/reference.cpp).
//
// Paths
//  * General path, any HD in [1, 256], F32 or BF16 storage, F32 math (SIMT):
//      forward   attn_fwd_general: one block (4 warps) per (b, h, 16 queries);
//                each warp owns 4 query rows; key tiles of 32 keys are staged
//                in shared memory as F32, lane = key for the scores, lane =
//                head dimension for P·V; online softmax; lse written.
//      backward  FA2 structure, DETERMINISTIC (no atomics):
//                1. attn_bwd_delta: D[b,h,t] = sum_d dout*out (F32 scratch).
//                2. attn_bwd_dkdv: one block per (b, kv head, 16 keys); loops
//                   over every query head of the group and every query tile
//                   that can see the keys, P = exp(s*scale - lse) recomputed;
//                   dK, dV accumulated in registers and written once.
//                3. attn_bwd_dq: one block per (b, h, 16 queries); loops over
//                   the key tiles; dQ accumulated in registers, written once.
//                The general backward serves F32, BF16 with other head
//                dimensions (192 included) and misaligned pointers.
//  * Tensor-core forward, BF16, HD in {64, 128, 192}, 16-byte aligned
//    pointers, sm_80+: attn_fwd_tc, FA2 structure with
//    mma.sync.m16n8k16 (BF16 in, F32 accumulate): 4 warps x 16 query rows
//    = 64 queries per block, Q fragments in registers (ldmatrix), K/V tiles
//    of BK keys double-buffered in shared memory with cp.async (rows padded
//    by 16 bytes: conflict-free ldmatrix), causal tile skipping per block and
//    per warp, per-element masking only on tiles that need it (diagonal,
//    lens, starts), P rounded to BF16 for the P·V product (as FlashAttention).
//  * Tensor-core backward, BF16, HD in {64, 128}, 16-byte aligned pointers,
//    sm_80+: attn_bwd_delta, then attn_bwd_dkdv_tc (block = b, kv head, 64
//    keys; warp = 16 keys; K/V resident in shared memory, Q/dO/lse/D/starts
//    of the query tiles double-buffered; loops over the group's heads and the
//    query tiles that can see the keys) and attn_bwd_dq_tc (block = b, head,
//    64 queries; K/V tiles double-buffered). mma.sync.m16n8k16, F32
//    accumulation, P and dS rounded to BF16 for the products (FA2);
//    deterministic, no atomics. See the section's comment.
//  * Decode (flash-decoding): attn_decode_split computes per (b, h, key
//    chunk) a partial (max, sum, acc) in F32 scratch; attn_decode_combine
//    merges the chunks.
//
// Scratch memory: cudaMallocAsync / cudaFreeAsync on the caller's stream.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <climits>
#include <cmath>
#include <cstdint>

#include "cuda_ops.h"
#include "engine.h"

namespace ntc {
namespace attn_detail {

// Lab knob (the dev program includes this file): force the general forward
// even where the tensor-core kernel applies.
static bool g_force_general = false;

constexpr int kThreads = 128;  // every kernel here: 4 warps

// ------------------------------------------------------------------ helpers
__device__ __forceinline__ float ld_f(const float* p) { return *p; }
__device__ __forceinline__ float ld_f(const __nv_bfloat16* p) { return __bfloat162float(*p); }
__device__ __forceinline__ void st_f(float* p, float x) { *p = x; }
__device__ __forceinline__ void st_f(__nv_bfloat16* p, float x) { *p = __float2bfloat16_rn(x); }

__device__ __forceinline__ float warp_sum(float x) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) x += __shfl_xor_sync(0xffffffffu, x, o);
    return x;
}
__device__ __forceinline__ float warp_max(float x) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, o));
    return x;
}
__device__ __forceinline__ int warp_min_i(int x) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) x = min(x, __shfl_xor_sync(0xffffffffu, x, o));
    return x;
}
__device__ __forceinline__ int warp_max_i(int x) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) x = max(x, __shfl_xor_sync(0xffffffffu, x, o));
    return x;
}

// acc[r][c] += sum over jj < nk of w_jj[r] * S[jj * ld + lane + 32 c], where
// w_jj[r] is lane jj's w[r] (the warp holds one weight per key in its lanes,
// and the head dimension across lanes in chunks of 32).
template <int GR, int NC>
__device__ __forceinline__ void accumulate_weighted_rows(float (&acc)[GR][NC], const float (&w)[GR], const float* S,
                                                         int ld, int nk, int HD, int lane) {
    for (int jj = 0; jj < nk; jj++) {
        float wj[GR];
#pragma unroll
        for (int r = 0; r < GR; r++) wj[r] = __shfl_sync(0xffffffffu, w[r], jj);
#pragma unroll
        for (int c = 0; c < NC; c++) {
            const int d = lane + 32 * c;
            if (d < HD) {
                const float x = S[jj * ld + d];
#pragma unroll
                for (int r = 0; r < GR; r++) acc[r][c] = fmaf(wj[r], x, acc[r][c]);
            }
        }
    }
}

__device__ __forceinline__ int seq_len(const int64_t* lens, int b, int T) {
    int64_t l = lens ? lens[b] : (int64_t)T;
    return (int)(l < 0 ? 0 : (l > T ? T : l));
}
__device__ __forceinline__ int row_start(const int64_t* starts, int b, int T, int t) {
    return starts ? (int)starts[(int64_t)b * T + t] : 0;
}

// ============================================================ general path
// Forward: block = (b*NH + h, query tile); BQ = 16 queries, 4 per warp;
// BK = 32 keys per tile (lane = key). NC = ceil(HD / 32) chunks per lane.
constexpr int GQ = 16, GK = 32, GR = 4;

template <typename T, int NC>
__global__ void __launch_bounds__(kThreads)
    attn_fwd_general(T* __restrict__ out, float* __restrict__ lse, const T* __restrict__ q,
                     const T* __restrict__ k, const T* __restrict__ v, const int64_t* __restrict__ lens,
                     const int64_t* __restrict__ starts, int T_, int NH, int NKV, int HD, float scale) {
    extern __shared__ float smem[];
    const int ldk = HD | 1;  // odd row stride: lane = key reads are conflict-free
    float* Qs = smem;              // [GQ][HD]
    float* Ks = Qs + GQ * HD;      // [GK][ldk]
    float* Vs = Ks + GK * ldk;     // [GK][HD]
    __shared__ int s_kmin;

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int bh = blockIdx.x, b = bh / NH, h = bh % NH, kvh = h / (NH / NKV);
    const int q0 = (gridDim.y - 1 - blockIdx.y) * GQ;  // heaviest tiles first
    const int len = seq_len(lens, b, T_);

    if (warp == 0) {
        int t = q0 + lane;
        int s = (lane < GQ && t < T_) ? row_start(starts, b, T_, t) : INT_MAX;
        s = warp_min_i(s);
        if (lane == 0) s_kmin = s;
    }
    for (int i = tid; i < GQ * HD; i += kThreads) {
        int r = i / HD, d = i - r * HD, t = q0 + r;
        Qs[i] = t < T_ ? ld_f(q + (((int64_t)b * T_ + t) * NH + h) * HD + d) : 0.f;
    }
    int trow[GR], srow[GR];
#pragma unroll
    for (int r = 0; r < GR; r++) {
        trow[r] = q0 + warp * GR + r;
        srow[r] = trow[r] < T_ ? row_start(starts, b, T_, trow[r]) : INT_MAX;
    }
    __syncthreads();
    const int kmin = s_kmin;
    const int kend = min(min(q0 + GQ - 1, T_ - 1), len - 1);  // inclusive

    float m[GR], l[GR], acc[GR][NC];
#pragma unroll
    for (int r = 0; r < GR; r++) {
        m[r] = -INFINITY;
        l[r] = 0.f;
#pragma unroll
        for (int c = 0; c < NC; c++) acc[r][c] = 0.f;
    }

    for (int j0 = kmin; j0 <= kend; j0 += GK) {
        __syncthreads();  // previous tile fully consumed
        for (int i = tid; i < GK * HD; i += kThreads) {
            int r = i / HD, d = i - r * HD, j = j0 + r;
            float kx = 0.f, vx = 0.f;
            if (j < T_) {
                int64_t off = (((int64_t)b * T_ + j) * NKV + kvh) * HD + d;
                kx = ld_f(k + off);
                vx = ld_f(v + off);
            }
            Ks[r * ldk + d] = kx;
            Vs[r * HD + d] = vx;
        }
        __syncthreads();
        const int j = j0 + lane;
        float s[GR];
#pragma unroll
        for (int r = 0; r < GR; r++) s[r] = 0.f;
        const float* qw = Qs + warp * GR * HD;
        for (int d = 0; d < HD; d++) {
            float kd = Ks[lane * ldk + d];
#pragma unroll
            for (int r = 0; r < GR; r++) s[r] = fmaf(qw[r * HD + d], kd, s[r]);
        }
        float p[GR];
#pragma unroll
        for (int r = 0; r < GR; r++) {
            bool vis = j >= srow[r] && j <= trow[r] && j < len;
            float x = vis ? s[r] * scale : -INFINITY;
            float mn = fmaxf(m[r], warp_max(x));
            float alpha = 1.f;
            if (mn == -INFINITY) {
                p[r] = 0.f;
            } else {
                p[r] = expf(x - mn);      // x = -inf gives 0
                alpha = expf(m[r] - mn);                     // m = -inf gives 0
            }
            m[r] = mn;
            l[r] = l[r] * alpha + p[r];  // per-lane partial; alpha is warp-uniform
#pragma unroll
            for (int c = 0; c < NC; c++) acc[r][c] *= alpha;
        }
        accumulate_weighted_rows<GR, NC>(acc, p, Vs, HD, GK, HD, lane);
    }

#pragma unroll
    for (int r = 0; r < GR; r++) {
        float lt = warp_sum(l[r]);
        const int t = trow[r];
        if (t >= T_) continue;
        T* o = out + (((int64_t)b * T_ + t) * NH + h) * HD;
        const bool empty = !(lt > 0.f);
        const float inv = empty ? 0.f : 1.f / lt;
#pragma unroll
        for (int c = 0; c < NC; c++) {
            int d = lane + 32 * c;
            if (d < HD) st_f(o + d, acc[r][c] * inv);
        }
        if (lse && lane == 0) lse[((int64_t)b * NH + h) * T_ + t] = empty ? -INFINITY : m[r] + logf(lt);
    }
}

// D[(b*NH + h)*T + t] = sum_d dout * out; one warp per (b, t, h) row.
template <typename T>
__global__ void __launch_bounds__(kThreads)
    attn_bwd_delta(float* __restrict__ D, const T* __restrict__ dout, const T* __restrict__ out, int64_t rows,
                   int T_, int NH, int HD) {
    const int64_t row = (int64_t)blockIdx.x * (kThreads / 32) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const T* a = dout + row * HD;
    const T* o = out + row * HD;
    float s = 0.f;
    for (int d = lane; d < HD; d += 32) s = fmaf(ld_f(a + d), ld_f(o + d), s);
    s = warp_sum(s);
    if (lane == 0) {
        const int h = (int)(row % NH);
        const int64_t bt = row / NH;
        const int64_t b = bt / T_, t = bt % T_;
        D[(b * NH + h) * T_ + t] = s;
    }
}

// dK, dV: block = (b*NKV + kvh, key tile of 16 keys); warp owns 4 keys;
// query tiles of 32 (lane = query).
constexpr int BKK = 16, BQQ = 32;

template <typename T, int NC>
__global__ void __launch_bounds__(kThreads)
    attn_bwd_dkdv(T* __restrict__ dk, T* __restrict__ dv, const float* __restrict__ D, const T* __restrict__ dout,
                  const float* __restrict__ lse, const T* __restrict__ q, const T* __restrict__ k,
                  const T* __restrict__ v, const int64_t* __restrict__ lens, const int64_t* __restrict__ starts,
                  int T_, int NH, int NKV, int HD, float scale) {
    extern __shared__ float smem[];
    const int ldq = HD | 1;
    float* Ks = smem;                // [BKK][HD]
    float* Vs = Ks + BKK * HD;       // [BKK][HD]
    float* Qs = Vs + BKK * HD;       // [BQQ][ldq]
    float* dOs = Qs + BQQ * ldq;     // [BQQ][ldq]
    __shared__ float s_lse[BQQ], s_D[BQQ];
    __shared__ int s_start[BQQ];

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int bk = blockIdx.x, b = bk / NKV, kvh = bk % NKV, G = NH / NKV;
    const int j0 = blockIdx.y * BKK;
    const int len = seq_len(lens, b, T_);
    const int jlast = min(j0 + BKK - 1, T_ - 1);

    for (int i = tid; i < BKK * HD; i += kThreads) {
        int r = i / HD, d = i - r * HD, j = j0 + r;
        float kx = 0.f, vx = 0.f;
        if (j < T_) {
            int64_t off = (((int64_t)b * T_ + j) * NKV + kvh) * HD + d;
            kx = ld_f(k + off);
            vx = ld_f(v + off);
        }
        Ks[i] = kx;
        Vs[i] = vx;
    }
    float adk[GR][NC], adv[GR][NC];
#pragma unroll
    for (int r = 0; r < GR; r++)
#pragma unroll
        for (int c = 0; c < NC; c++) adk[r][c] = adv[r][c] = 0.f;
    int jr[GR];
#pragma unroll
    for (int r = 0; r < GR; r++) jr[r] = j0 + warp * GR + r;

    if (j0 < len) {
        for (int h = kvh * G; h < (kvh + 1) * G; h++) {
            for (int t0 = j0; t0 < T_; t0 += BQQ) {
                __syncthreads();  // previous tile (and its metadata) consumed; K/V staged
                bool pred = false;
                if (tid < BQQ) {
                    int t = t0 + tid;
                    float ls = -INFINITY, dd = 0.f;
                    int st = INT_MAX;
                    if (t < T_) {
                        ls = lse[((int64_t)b * NH + h) * T_ + t];
                        dd = D[((int64_t)b * NH + h) * T_ + t];
                        st = row_start(starts, b, T_, t);
                    }
                    s_lse[tid] = ls;
                    s_D[tid] = dd;
                    s_start[tid] = st;
                    pred = t < T_ && ls != -INFINITY && st <= jlast;
                }
                if (!__syncthreads_or(pred)) continue;
                for (int i = tid; i < BQQ * HD; i += kThreads) {
                    int r = i / HD, d = i - r * HD, t = t0 + r;
                    float qx = 0.f, gx = 0.f;
                    if (t < T_) {
                        int64_t off = (((int64_t)b * T_ + t) * NH + h) * HD + d;
                        qx = ld_f(q + off);
                        gx = ld_f(dout + off);
                    }
                    Qs[r * ldq + d] = qx;
                    dOs[r * ldq + d] = gx;
                }
                __syncthreads();
                const int t = t0 + lane;
                const float lt = s_lse[lane], Dt = s_D[lane];
                const int st = s_start[lane];
                float s[GR], dp[GR];
#pragma unroll
                for (int r = 0; r < GR; r++) s[r] = dp[r] = 0.f;
                const float* kw = Ks + warp * GR * HD;
                const float* vw = Vs + warp * GR * HD;
                for (int d = 0; d < HD; d++) {
                    float qd = Qs[lane * ldq + d], gd = dOs[lane * ldq + d];
#pragma unroll
                    for (int r = 0; r < GR; r++) {
                        s[r] = fmaf(kw[r * HD + d], qd, s[r]);
                        dp[r] = fmaf(vw[r * HD + d], gd, dp[r]);
                    }
                }
                float p[GR], ds[GR];
#pragma unroll
                for (int r = 0; r < GR; r++) {
                    const int j = jr[r];
                    bool vis = t < T_ && lt != -INFINITY && j >= st && j <= t && j < len;
                    p[r] = vis ? expf(s[r] * scale - lt) : 0.f;
                    ds[r] = p[r] * (dp[r] - Dt) * scale;
                }
                for (int i = 0; i < BQQ; i++) {
                    float pi[GR], di[GR];
#pragma unroll
                    for (int r = 0; r < GR; r++) {
                        pi[r] = __shfl_sync(0xffffffffu, p[r], i);
                        di[r] = __shfl_sync(0xffffffffu, ds[r], i);
                    }
#pragma unroll
                    for (int c = 0; c < NC; c++) {
                        int d = lane + 32 * c;
                        if (d < HD) {
                            float qx = Qs[i * ldq + d], gx = dOs[i * ldq + d];
#pragma unroll
                            for (int r = 0; r < GR; r++) {
                                adv[r][c] = fmaf(pi[r], gx, adv[r][c]);
                                adk[r][c] = fmaf(di[r], qx, adk[r][c]);
                            }
                        }
                    }
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < GR; r++) {
        const int j = jr[r];
        if (j >= T_) continue;
        int64_t off = (((int64_t)b * T_ + j) * NKV + kvh) * HD;
#pragma unroll
        for (int c = 0; c < NC; c++) {
            int d = lane + 32 * c;
            if (d < HD) {
                st_f(dk + off + d, adk[r][c]);
                st_f(dv + off + d, adv[r][c]);
            }
        }
    }
}

// dQ: block = (b*NH + h, 16 queries), warp owns 4 queries, key tiles of 32.
template <typename T, int NC>
__global__ void __launch_bounds__(kThreads)
    attn_bwd_dq(T* __restrict__ dq, const float* __restrict__ D, const T* __restrict__ dout,
                const float* __restrict__ lse, const T* __restrict__ q, const T* __restrict__ k,
                const T* __restrict__ v, const int64_t* __restrict__ lens, const int64_t* __restrict__ starts, int T_,
                int NH, int NKV, int HD, float scale) {
    extern __shared__ float smem[];
    const int ldk = HD | 1;
    float* Qs = smem;             // [GQ][HD]
    float* dOs = Qs + GQ * HD;    // [GQ][HD]
    float* Ks = dOs + GQ * HD;    // [GK][ldk]
    float* Vs = Ks + GK * ldk;    // [GK][ldk]
    __shared__ int s_kmin;

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int bh = blockIdx.x, b = bh / NH, h = bh % NH, kvh = h / (NH / NKV);
    const int q0 = (gridDim.y - 1 - blockIdx.y) * GQ;
    const int len = seq_len(lens, b, T_);

    if (warp == 0) {
        int t = q0 + lane;
        int s = (lane < GQ && t < T_) ? row_start(starts, b, T_, t) : INT_MAX;
        s = warp_min_i(s);
        if (lane == 0) s_kmin = s;
    }
    for (int i = tid; i < GQ * HD; i += kThreads) {
        int r = i / HD, d = i - r * HD, t = q0 + r;
        float qx = 0.f, gx = 0.f;
        if (t < T_) {
            int64_t off = (((int64_t)b * T_ + t) * NH + h) * HD + d;
            qx = ld_f(q + off);
            gx = ld_f(dout + off);
        }
        Qs[i] = qx;
        dOs[i] = gx;
    }
    int trow[GR], srow[GR];
    float lrow[GR], Drow[GR];
#pragma unroll
    for (int r = 0; r < GR; r++) {
        const int t = q0 + warp * GR + r;
        trow[r] = t;
        srow[r] = INT_MAX;
        lrow[r] = -INFINITY;
        Drow[r] = 0.f;
        if (t < T_) {
            srow[r] = row_start(starts, b, T_, t);
            lrow[r] = lse[((int64_t)b * NH + h) * T_ + t];
            Drow[r] = D[((int64_t)b * NH + h) * T_ + t];
        }
    }
    __syncthreads();
    const int kmin = s_kmin;
    const int kend = min(min(q0 + GQ - 1, T_ - 1), len - 1);

    float acc[GR][NC];
#pragma unroll
    for (int r = 0; r < GR; r++)
#pragma unroll
        for (int c = 0; c < NC; c++) acc[r][c] = 0.f;

    for (int j0 = kmin; j0 <= kend; j0 += GK) {
        __syncthreads();
        for (int i = tid; i < GK * HD; i += kThreads) {
            int r = i / HD, d = i - r * HD, j = j0 + r;
            float kx = 0.f, vx = 0.f;
            if (j < T_) {
                int64_t off = (((int64_t)b * T_ + j) * NKV + kvh) * HD + d;
                kx = ld_f(k + off);
                vx = ld_f(v + off);
            }
            Ks[r * ldk + d] = kx;
            Vs[r * ldk + d] = vx;
        }
        __syncthreads();
        const int j = j0 + lane;
        float s[GR], dp[GR];
#pragma unroll
        for (int r = 0; r < GR; r++) s[r] = dp[r] = 0.f;
        const float* qw = Qs + warp * GR * HD;
        const float* gw = dOs + warp * GR * HD;
        for (int d = 0; d < HD; d++) {
            float kd = Ks[lane * ldk + d], vd = Vs[lane * ldk + d];
#pragma unroll
            for (int r = 0; r < GR; r++) {
                s[r] = fmaf(qw[r * HD + d], kd, s[r]);
                dp[r] = fmaf(gw[r * HD + d], vd, dp[r]);
            }
        }
        float ds[GR];
#pragma unroll
        for (int r = 0; r < GR; r++) {
            bool vis = lrow[r] != -INFINITY && j >= srow[r] && j <= trow[r] && j < len;
            float p = vis ? expf(s[r] * scale - lrow[r]) : 0.f;
            ds[r] = p * (dp[r] - Drow[r]) * scale;
        }
        accumulate_weighted_rows<GR, NC>(acc, ds, Ks, ldk, GK, HD, lane);
    }
#pragma unroll
    for (int r = 0; r < GR; r++) {
        const int t = trow[r];
        if (t >= T_) continue;
        T* o = dq + (((int64_t)b * T_ + t) * NH + h) * HD;
#pragma unroll
        for (int c = 0; c < NC; c++) {
            int d = lane + 32 * c;
            if (d < HD) st_f(o + d, acc[r][c]);
        }
    }
}

// ====================================================== tensor-core forward
__device__ __forceinline__ uint32_t smem_u32(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }

__device__ __forceinline__ void cp_async16(void* dst, const void* src, bool pred) {
    const int n = pred ? 16 : 0;  // 0: the 16 bytes are zero-filled, nothing read
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(smem_u32(dst)), "l"(src), "r"(n));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}
__device__ __forceinline__ void ldsm_x4(uint32_t& r0, uint32_t& r1, uint32_t& r2, uint32_t& r3, const void* p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3)
                 : "r"(smem_u32(p)));
}
__device__ __forceinline__ void ldsm_x4_t(uint32_t& r0, uint32_t& r1, uint32_t& r2, uint32_t& r3, const void* p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3)
                 : "r"(smem_u32(p)));
}
// d += a * b, m16n8k16, A row-major (16x16), B column-major (16x8).
__device__ __forceinline__ void mma_bf16(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
__device__ __forceinline__ uint32_t pack_bf16(float lo, float hi) {
    __nv_bfloat162 x = __floats2bfloat162_rn(lo, hi);  // .x (low half) = lo
    return *reinterpret_cast<uint32_t*>(&x);
}

constexpr int TQ = 64;  // queries per block (4 warps x 16 rows)

// ----------------------------------- pieces shared by the tensor-core kernels
// Tiles in shared memory are row-major bf16 with padded rows of LD = HD + 8
// elements. Fragment layouts: see the comment above attn_fwd_tc.

// cp.async of ROWS rows (global rows r0 + r, stride `stride` elements, HD
// bf16 each) of two tensors with the same row index into two padded tiles;
// rows >= T_ are zero-filled (nothing read).
template <int ROWS, int HD>
__device__ __forceinline__ void cp_async_rows2(__nv_bfloat16* dA, __nv_bfloat16* dB, const __nv_bfloat16* aBase,
                                               const __nv_bfloat16* bBase, int64_t stride, int r0, int T_, int tid) {
    constexpr int LD = HD + 8, CH = HD / 8;
    for (int i = tid; i < ROWS * CH; i += kThreads) {
        const int r = i / CH, ch = i - r * CH, j = r0 + r;
        const bool ok = j < T_;
        const int64_t off = (int64_t)(ok ? j : 0) * stride + ch * 8;
        cp_async16(dA + r * LD + ch * 8, aBase + off, ok);
        cp_async16(dB + r * LD + ch * 8, bBase + off, ok);
    }
}

// A operand (16 rows from row0, k-step kk) of a padded tile, ldmatrix.
template <int LD>
__device__ __forceinline__ void ldsm_a(uint32_t (&a)[4], const __nv_bfloat16* tile, int row0, int kk, int lane) {
    ldsm_x4(a[0], a[1], a[2], a[3], tile + (row0 + (lane & 15)) * LD + kk * 16 + (lane >> 4) * 8);
}
// Element offset of the ldmatrix.x4 that loads the B operands of two n-tiles
// from tile rows (B = rows^T): m0: rows r0 + np*16 + 0..7, k kk*16 + 0..7;
// m1: same rows, k +8; m2: rows +8..15, k +0..7; m3: rows +8..15, k +8..15.
template <int LD>
__device__ __forceinline__ int ldsm_b_off(int r0, int np, int kk, int lane) {
    return (r0 + np * 16 + (lane & 7) + ((lane >> 4) << 3)) * LD + kk * 16 + ((lane >> 3) & 1) * 8;
}
// Element offset of the ldmatrix.x4.trans that loads the B operands of two
// n-tiles from tile rows used as k (B = rows): m0: rows r0 + kk*16 + 0..7 x
// cols np*16 + 0..7; m1: rows +8..15 x cols +0..7; m2: rows +0..7 x cols
// +8..15; m3: rows +8..15 x cols +8..15.
template <int LD>
__device__ __forceinline__ int ldsm_bt_off(int r0, int kk, int np, int lane) {
    return (r0 + kk * 16 + (lane & 7) + ((lane >> 3) & 1) * 8) * LD + np * 16 + (lane >> 4) * 8;
}
// A operand of k-step kk from C fragments x (k = the n-tiles 2kk, 2kk+1), bf16.
template <int NS>
__device__ __forceinline__ void pack_a_bf16(uint32_t (&a)[4], const float (&x)[NS][4], int kk) {
    a[0] = pack_bf16(x[2 * kk][0], x[2 * kk][1]);
    a[1] = pack_bf16(x[2 * kk][2], x[2 * kk][3]);
    a[2] = pack_bf16(x[2 * kk + 1][0], x[2 * kk + 1][1]);
    a[3] = pack_bf16(x[2 * kk + 1][2], x[2 * kk + 1][3]);
}

// acc[2np], acc[2np+1] += a * (the B operands of two n-tiles, one ldmatrix.x4
// at p; .trans where TRANS).
template <bool TRANS, int N>
__device__ __forceinline__ void ldsm_mma2(float (&acc)[N][4], int np, const uint32_t (&a)[4], const __nv_bfloat16* p) {
    uint32_t b0, b1, b2, b3;
    if (TRANS)
        ldsm_x4_t(b0, b1, b2, b3, p);
    else
        ldsm_x4(b0, b1, b2, b3, p);
    mma_bf16(acc[2 * np], a, b0, b1);
    mma_bf16(acc[2 * np + 1], a, b2, b3);
}

// s = A B^T: A fragments of KT k-steps in registers, B = NS*8 tile rows.
template <int KT, int NS, int LD>
__device__ __forceinline__ void scores_qk(float (&s)[NS][4], const uint32_t (&af)[KT][4], const __nv_bfloat16* tB,
                                          int lane) {
#pragma unroll
    for (int n = 0; n < NS; n++) s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.f;
#pragma unroll
    for (int kk = 0; kk < KT; kk++) {
#pragma unroll
        for (int np = 0; np < NS / 2; np++) ldsm_mma2<false>(s, np, af[kk], tB + ldsm_b_off<LD>(0, np, kk, lane));
    }
}
// s = A1 B1^T and dp = A2 B2^T, interleaved per n-tile pair: A1, A2 = 16
// rows from row a0 of tA1, tA2; B1, B2 = NS*8 rows from row r0 of tB1, tB2.
template <int KT, int NS, int LD>
__device__ __forceinline__ void scores_qk2(float (&s)[NS][4], float (&dp)[NS][4], const __nv_bfloat16* tA1,
                                           const __nv_bfloat16* tA2, const __nv_bfloat16* tB1,
                                           const __nv_bfloat16* tB2, int a0, int r0, int lane) {
#pragma unroll
    for (int n = 0; n < NS; n++)
#pragma unroll
        for (int e = 0; e < 4; e++) s[n][e] = dp[n][e] = 0.f;
#pragma unroll
    for (int kk = 0; kk < KT; kk++) {
        uint32_t a1[4], a2[4];
        ldsm_a<LD>(a1, tA1, a0, kk, lane);
        ldsm_a<LD>(a2, tA2, a0, kk, lane);
#pragma unroll
        for (int np = 0; np < NS / 2; np++) {
            const int off = ldsm_b_off<LD>(r0, np, kk, lane);
            ldsm_mma2<false>(s, np, a1, tB1 + off);
            ldsm_mma2<false>(dp, np, a2, tB2 + off);
        }
    }
}

// acc += bf16(p) * tile: p = C fragments of 16 rows x NS*8 columns (the k of
// the product), tile = NS*8 rows x HD columns via ldmatrix.trans.
template <int NS, int HD, int LD>
__device__ __forceinline__ void mma_rows_times_tile_t(float (&acc)[HD / 8][4], const float (&p)[NS][4],
                                                      const __nv_bfloat16* tile, int lane) {
#pragma unroll
    for (int kk = 0; kk < NS / 2; kk++) {
        uint32_t a[4];
        pack_a_bf16<NS>(a, p, kk);
#pragma unroll
        for (int np = 0; np < HD / 16; np++) ldsm_mma2<true>(acc, np, a, tile + ldsm_bt_off<LD>(0, kk, np, lane));
    }
}
// The same for two products sharing the k rows (from row r0 of both tiles),
// interleaved per n-tile pair: acc1 += bf16(p1) t1, acc2 += bf16(p2) t2.
template <int NS, int HD, int LD>
__device__ __forceinline__ void mma_rows_times_tile_t2(float (&acc1)[HD / 8][4], const float (&p1)[NS][4],
                                                       const __nv_bfloat16* t1, float (&acc2)[HD / 8][4],
                                                       const float (&p2)[NS][4], const __nv_bfloat16* t2, int r0,
                                                       int lane) {
#pragma unroll
    for (int kk = 0; kk < NS / 2; kk++) {
        uint32_t a1[4], a2[4];
        pack_a_bf16<NS>(a1, p1, kk);
        pack_a_bf16<NS>(a2, p2, kk);
#pragma unroll
        for (int np = 0; np < HD / 16; np++) {
            const int off = ldsm_bt_off<LD>(r0, kk, np, lane);
            ldsm_mma2<true>(acc1, np, a1, t1 + off);
            ldsm_mma2<true>(acc2, np, a2, t2 + off);
        }
    }
}

// Row-per-thread score layout (query rows tr0 for e < 2, tr1 for e >= 2; key
// j0 + n*8 + 2c + (e & 1)): set the pairs not visible (key before the row's
// start, after the row, or past len) to `fill`.
template <int NS>
__device__ __forceinline__ void mask_scores_rows(float (&s)[NS][4], int j0, int c, int tr0, int tr1, int st0, int st1,
                                                 int len, float fill) {
#pragma unroll
    for (int n = 0; n < NS; n++) {
#pragma unroll
        for (int e = 0; e < 4; e++) {
            const int j = j0 + n * 8 + 2 * c + (e & 1);
            const int t = e < 2 ? tr0 : tr1;
            const int st = e < 2 ? st0 : st1;
            if (!(j >= st && j <= t && j < len)) s[n][e] = fill;
        }
    }
}

// Key range of a block of ROWS query rows from q0 (4 warps x 16 rows, this
// thread's rows tr0/tr1 with starts st0/st1, warp rows from tw0): the warp's
// start range and last row, and the BKT-key tiles from jbegin that any row of
// the block sees. Contains a __syncthreads (all threads must call it).
struct KeyTiles {
    int swmin, swmax, twmax, jbegin, ntiles;
};
template <int BKT, int ROWS>
__device__ __forceinline__ KeyTiles key_tiles(int (&s_kmin)[4], int q0, int tw0, int tr0, int tr1, int st0, int st1,
                                              int T_, int len, int warp, int lane) {
    const int swmin = warp_min_i(min(tr0 < T_ ? st0 : INT_MAX, tr1 < T_ ? st1 : INT_MAX));
    const int swmax = warp_max_i(max(tr0 < T_ ? st0 : -1, tr1 < T_ ? st1 : -1));
    const int twmax = min(tw0 + 15, T_ - 1);
    if (lane == 0) s_kmin[warp] = swmin;
    __syncthreads();
    const int kstart = min(min(s_kmin[0], s_kmin[1]), min(s_kmin[2], s_kmin[3]));
    const int kend = min(min(q0 + ROWS - 1, T_ - 1), len - 1);  // inclusive
    const int jbegin = (kstart / BKT) * BKT;
    const int ntiles = kend >= kstart ? (kend - jbegin) / BKT + 1 : 0;
    return {swmin, swmax, twmax, jbegin, ntiles};
}

// Sum / max over the 4 lanes of a quad (the lanes holding one C-fragment row).
__device__ __forceinline__ float quad_sum(float x) {
    x += __shfl_xor_sync(0xffffffffu, x, 1);
    x += __shfl_xor_sync(0xffffffffu, x, 2);
    return x;
}
__device__ __forceinline__ float quad_max(float x) {
    x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 1));
    x = fmaxf(x, __shfl_xor_sync(0xffffffffu, x, 2));
    return x;
}

// One C-fragment row (half 0: row g, half 1: row g + 8) of NO n-tiles, times
// mul, as bf16 pairs at row + n*8 (row already offset by 2c).
template <int NO>
__device__ __forceinline__ void store_frag_row(__nv_bfloat16* row, const float (&acc)[NO][4], int half, float mul) {
#pragma unroll
    for (int n = 0; n < NO; n++)
        *reinterpret_cast<__nv_bfloat162*>(row + n * 8) =
            __floats2bfloat162_rn(acc[n][2 * half] * mul, acc[n][2 * half + 1] * mul);
}

template <int HD, int BK>
constexpr int tc_smem_bytes() {
    return 2 * 2 * BK * (HD + 8) * 2;  // 2 buffers x (K, V) x BK rows x padded HD x 2 bytes
}

// Fragment layouts (PTX ISA, mma.m16n8k16 with .bf16): g = lane / 4, c = lane % 4
//   A: a0 (row g,   k 2c..2c+1)  a1 (row g+8, k 2c..)  a2 (row g, k 2c+8..)  a3 (row g+8, k 2c+8..)
//   B: b0 (k 2c..2c+1, col g)    b1 (k 2c+8.., col g)
//   C: c0,c1 (row g, cols 2c, 2c+1)   c2,c3 (row g+8, cols 2c, 2c+1)
template <int HD, int BK>
__global__ void __launch_bounds__(kThreads)
    attn_fwd_tc(__nv_bfloat16* __restrict__ out, float* __restrict__ lse, const __nv_bfloat16* __restrict__ q,
                const __nv_bfloat16* __restrict__ k, const __nv_bfloat16* __restrict__ v,
                const int64_t* __restrict__ lens, const int64_t* __restrict__ starts, int T_, int NH, int NKV,
                float scale_log2) {
    constexpr int LD = HD + 8;     // padded row (elements): 16-byte shift per row
    constexpr int CH = HD / 8;     // 16-byte chunks per row
    constexpr int KT = HD / 16;    // k-steps of Q K^T
    constexpr int NS = BK / 8;     // n-tiles of S
    constexpr int NO = HD / 8;     // n-tiles of O
    static_assert(HD % 16 == 0 && BK % 16 == 0 && BK >= 32, "tile shape");
    static_assert(TQ * LD <= 2 * BK * LD, "Q staging must fit in K/V buffer 1");

    extern __shared__ __align__(16) unsigned char smem_raw[];
    __nv_bfloat16* sK0 = reinterpret_cast<__nv_bfloat16*>(smem_raw);
    __nv_bfloat16* sV0 = sK0 + BK * LD;
    __nv_bfloat16* sK1 = sV0 + BK * LD;
    __nv_bfloat16* sV1 = sK1 + BK * LD;
    __nv_bfloat16* sQ = sK1;  // Q is staged in buffer 1 before the pipeline uses it
    __shared__ int s_kmin[4];

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, c = lane & 3;
    const int bh = blockIdx.x, b = bh / NH, h = bh % NH, kvh = h / (NH / NKV);
    const int q0 = (gridDim.y - 1 - blockIdx.y) * TQ;  // heaviest tiles first
    const int len = seq_len(lens, b, T_);

    // The two rows of this thread and the warp's row range.
    const int tw0 = q0 + warp * 16;  // first row of the warp
    const int tr0 = tw0 + g, tr1 = tr0 + 8;
    const int st0 = tr0 < T_ ? row_start(starts, b, T_, tr0) : 0;
    const int st1 = tr1 < T_ ? row_start(starts, b, T_, tr1) : 0;
    const auto [swmin, swmax, twmax, jbegin, ntiles] =
        key_tiles<BK, TQ>(s_kmin, q0, tw0, tr0, tr1, st0, st1, T_, len, warp, lane);

    const __nv_bfloat16* kbase = k + ((int64_t)b * T_ * NKV + kvh) * HD;  // row j at + j * NKV * HD
    const __nv_bfloat16* vbase = v + ((int64_t)b * T_ * NKV + kvh) * HD;
    const int64_t kstride = (int64_t)NKV * HD;
    auto load_kv = [&](int j0, int buf) {
        cp_async_rows2<BK, HD>(buf ? sK1 : sK0, buf ? sV1 : sV0, kbase, vbase, kstride, j0, T_, tid);
    };

    // Prologue: Q (group 0), first K/V tile (group 1).
    {
        const __nv_bfloat16* qbase = q + ((int64_t)b * T_ * NH + h) * HD;
        const int64_t qstride = (int64_t)NH * HD;
        for (int i = tid; i < TQ * CH; i += kThreads) {
            const int r = i / CH, ch = i - r * CH, t = q0 + r;
            const bool ok = t < T_;
            cp_async16(sQ + r * LD + ch * 8, qbase + (int64_t)(ok ? t : 0) * qstride + ch * 8, ok);
        }
        cp_async_commit();
        if (ntiles > 0) load_kv(jbegin, 0);
        cp_async_commit();
        cp_async_wait<1>();  // Q landed (this thread's copies)
        __syncthreads();     // everyone's copies visible
    }
    uint32_t qf[KT][4];
#pragma unroll
    for (int kk = 0; kk < KT; kk++)
        ldsm_a<LD>(qf[kk], sQ, warp * 16, kk, lane);
    __syncthreads();  // buffer 1 free for the pipeline

    float o[NO][4];
#pragma unroll
    for (int n = 0; n < NO; n++) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.f;
    float m0 = -INFINITY, m1 = -INFINITY, l0 = 0.f, l1 = 0.f;  // m in the log2 domain (scaled)

    for (int it = 0; it < ntiles; it++) {
        const int j0 = jbegin + it * BK;
        if (it + 1 < ntiles) load_kv(j0 + BK, (it + 1) & 1);
        cp_async_commit();
        cp_async_wait<1>();  // tile `it` landed
        __syncthreads();
        const __nv_bfloat16* cK = (it & 1) ? sK1 : sK0;
        const __nv_bfloat16* cV = (it & 1) ? sV1 : sV0;
        // Warp-uniform skip: no row of the warp sees a key of this tile.
        const bool skip = j0 > twmax || j0 + BK - 1 < swmin || j0 >= len;
        if (!skip) {
            float s[NS][4];
            scores_qk<KT, NS, LD>(s, qf, cK, lane);  // S = Q K^T
            const bool need_mask = j0 + BK - 1 > tw0 || j0 + BK > len || j0 < swmax;
#pragma unroll
            for (int n = 0; n < NS; n++) {
#pragma unroll
                for (int e = 0; e < 4; e++) s[n][e] *= scale_log2;
            }
            if (need_mask) mask_scores_rows<NS>(s, j0, c, tr0, tr1, st0, st1, len, -INFINITY);
            float mx0 = -INFINITY, mx1 = -INFINITY;
#pragma unroll
            for (int n = 0; n < NS; n++) {
                mx0 = fmaxf(mx0, fmaxf(s[n][0], s[n][1]));
                mx1 = fmaxf(mx1, fmaxf(s[n][2], s[n][3]));
            }
            mx0 = quad_max(mx0);
            mx1 = quad_max(mx1);
            const float mn0 = fmaxf(m0, mx0), mn1 = fmaxf(m1, mx1);
            const float mu0 = mn0 == -INFINITY ? 0.f : mn0;  // all masked so far: p = 0, no NaN
            const float mu1 = mn1 == -INFINITY ? 0.f : mn1;
            const float al0 = exp2f(m0 - mu0), al1 = exp2f(m1 - mu1);  // m = -inf: 0
            m0 = mn0;
            m1 = mn1;
            float ls0 = 0.f, ls1 = 0.f;
#pragma unroll
            for (int n = 0; n < NS; n++) {
                s[n][0] = exp2f(s[n][0] - mu0);
                s[n][1] = exp2f(s[n][1] - mu0);
                s[n][2] = exp2f(s[n][2] - mu1);
                s[n][3] = exp2f(s[n][3] - mu1);
                ls0 += s[n][0] + s[n][1];
                ls1 += s[n][2] + s[n][3];
            }
            l0 = l0 * al0 + ls0;  // per-thread partial sums; the quad is summed at the end
            l1 = l1 * al1 + ls1;
#pragma unroll
            for (int n = 0; n < NO; n++) {
                o[n][0] *= al0;
                o[n][1] *= al0;
                o[n][2] *= al1;
                o[n][3] *= al1;
            }
            mma_rows_times_tile_t<NS, HD, LD>(o, s, cV, lane);  // O += bf16(P) V
        }
        __syncthreads();  // the buffer is refilled by the next iteration
    }
    cp_async_wait<0>();

    l0 = quad_sum(l0);
    l1 = quad_sum(l1);
    const bool e0 = !(l0 > 0.f), e1 = !(l1 > 0.f);
    const float inv0 = e0 ? 0.f : 1.f / l0, inv1 = e1 ? 0.f : 1.f / l1;
    constexpr float kLn2 = 0.69314718055994530942f;
    if (tr0 < T_) {
        store_frag_row<NO>(out + (((int64_t)b * T_ + tr0) * NH + h) * HD + 2 * c, o, 0, inv0);
        if (lse && c == 0) lse[((int64_t)b * NH + h) * T_ + tr0] = e0 ? -INFINITY : (m0 + log2f(l0)) * kLn2;
    }
    if (tr1 < T_) {
        store_frag_row<NO>(out + (((int64_t)b * T_ + tr1) * NH + h) * HD + 2 * c, o, 1, inv1);
        if (lse && c == 0) lse[((int64_t)b * NH + h) * T_ + tr1] = e1 ? -INFINITY : (m1 + log2f(l1)) * kLn2;
    }
}

// ===================================================== tensor-core backward
// BF16, HD in {64, 128} (sm_80+), FA2 structure, deterministic (no atomics).
// Kernel 1 is attn_bwd_delta (D = rowsum(dout * out), F32). Then:
//  * attn_bwd_dkdv_tc: block = (b*NKV + kvh, key tile of TB = 64 keys); warp
//    w owns keys j0 + 16w .. +15 (the M dimension of every product), so the
//    transposed products need no shared-memory transposes:
//      S^T  = K_w Q^T      (A: K from smem, ldmatrix; B: Q rows, ldmatrix)
//      dP^T = V_w dO^T
//      P^T  = exp2(S^T * scale*log2e - lse*log2e)  (masked on boundary tiles)
//      dS^T = P^T (dP^T - D) * scale
//      dV  += bf16(P^T) dO,  dK += bf16(dS^T) Q   (B: ldmatrix.trans)
//    K, V stay in shared memory; (Q, dO, lse, D, starts) of the query tiles
//    are double-buffered (cp.async); the loop runs over every query tile
//    t0 >= j0 (causal) and every head of the GQA group, dK and dV live in F32
//    registers and are written once. QSUB: queries per inner step (register
//    pressure).
//  * attn_bwd_dq_tc: block = (b*NH + h, 64 queries), warp = 16 query rows
//    (as the forward); Q and dO tiles in shared memory, K/V tiles of BKD keys
//    double-buffered; S = Q K^T, dP = dO V^T, dS as above, dQ += bf16(dS) K.
// Rows with lse = -inf (and rows past T) use lse*log2e = +inf: P = 0 exactly.
constexpr int TB = 64;  // keys per dK/dV block; queries per query tile
constexpr float kLog2e = 1.4426950408889634f;

// l2 = lse[row] * log2e unless lse is -inf (l2 then keeps its +inf), dd = D[row].
__device__ __forceinline__ void load_row_stats(const float* lse, const float* D, int64_t row, float& l2, float& dd) {
    const float ls = lse[row];
    if (ls != -INFINITY) l2 = ls * kLog2e;
    dd = D[row];
}

template <int HD>
constexpr int tc_bwd_kv_smem() {
    return 6 * TB * (HD + 8) * 2;  // K, V, 2 x (Q, dO), padded rows, bf16
}
template <int HD, int BKD>
constexpr int tc_bwd_q_smem() {
    return (2 * TB + 4 * BKD) * (HD + 8) * 2;  // Q, dO, 2 x (K, V)
}

template <int HD, int QSUB>
__global__ void __launch_bounds__(kThreads)
    attn_bwd_dkdv_tc(__nv_bfloat16* __restrict__ dk, __nv_bfloat16* __restrict__ dv, const float* __restrict__ D,
                     const __nv_bfloat16* __restrict__ dout, const float* __restrict__ lse,
                     const __nv_bfloat16* __restrict__ q, const __nv_bfloat16* __restrict__ k,
                     const __nv_bfloat16* __restrict__ v, const int64_t* __restrict__ lens,
                     const int64_t* __restrict__ starts, int T_, int NH, int NKV, float scale, float scale_log2) {
    constexpr int LD = HD + 8, KT = HD / 16, NO = HD / 8, NS = QSUB / 8;
    static_assert(HD % 16 == 0 && QSUB % 16 == 0 && TB % QSUB == 0, "tile shape");
    extern __shared__ __align__(16) unsigned char smem_raw[];
    __nv_bfloat16* sK = reinterpret_cast<__nv_bfloat16*>(smem_raw);
    __nv_bfloat16* sV = sK + TB * LD;
    __nv_bfloat16* sQb = sV + TB * LD;  // buffer u: Q at sQb + 2u*TB*LD, dO at + TB*LD
    __shared__ float s_l2[2][TB], s_D[2][TB];
    __shared__ int s_st[2][TB];

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, c = lane & 3;
    const int bk = blockIdx.x, b = bk / NKV, kvh = bk % NKV, G = NH / NKV;
    const int j0 = blockIdx.y * TB;
    const int jw0 = j0 + warp * 16;  // first key of the warp
    const int len = seq_len(lens, b, T_);
    const int nqt = (T_ - j0 + TB - 1) / TB;      // query tiles t0 = j0 + i*TB (t >= j is needed)
    const int niters = j0 < len ? nqt * G : 0;    // tile-major, heads inner

    {
        const __nv_bfloat16* kbase = k + ((int64_t)b * T_ * NKV + kvh) * HD;
        const __nv_bfloat16* vbase = v + ((int64_t)b * T_ * NKV + kvh) * HD;
        const int64_t kstride = (int64_t)NKV * HD;
        cp_async_rows2<TB, HD>(sK, sV, kbase, vbase, kstride, j0, T_, tid);
        cp_async_commit();
    }
    const int64_t qstride = (int64_t)NH * HD;
    auto load_q = [&](int it, int buf) {
        const int hh = kvh * G + it % G, t0 = j0 + (it / G) * TB;
        const __nv_bfloat16* qbase = q + ((int64_t)b * T_ * NH + hh) * HD;
        const __nv_bfloat16* gbase = dout + ((int64_t)b * T_ * NH + hh) * HD;
        __nv_bfloat16* dQ = sQb + 2 * buf * TB * LD;
        cp_async_rows2<TB, HD>(dQ, dQ + TB * LD, qbase, gbase, qstride, t0, T_, tid);
        if (tid < TB) {
            const int t = t0 + tid;
            float l2 = INFINITY, dd = 0.f;
            int st = INT_MAX;
            if (t < T_) {
                load_row_stats(lse, D, ((int64_t)b * NH + hh) * T_ + t, l2, dd);
                st = row_start(starts, b, T_, t);
            }
            s_l2[buf][tid] = l2;
            s_D[buf][tid] = dd;
            s_st[buf][tid] = st;
        }
    };
    if (niters > 0) load_q(0, 0);
    cp_async_commit();

    float adk[NO][4], adv[NO][4];
#pragma unroll
    for (int n = 0; n < NO; n++)
#pragma unroll
        for (int e = 0; e < 4; e++) adk[n][e] = adv[n][e] = 0.f;

    for (int it = 0; it < niters; it++) {
        const int buf = it & 1;
        if (it + 1 < niters) load_q(it + 1, buf ^ 1);
        cp_async_commit();
        cp_async_wait<1>();  // K/V and tile `it` landed (this thread's copies)
        __syncthreads();     // everyone's copies and metadata visible
        const int t0 = j0 + (it / G) * TB;
        const __nv_bfloat16* cQ = sQb + 2 * buf * TB * LD;
        const __nv_bfloat16* cG = cQ + TB * LD;
        const float* l2s = s_l2[buf];
        const float* Ds = s_D[buf];
        const int* sts = s_st[buf];
        // Warp-uniform: does any live query of the tile see a key of the warp,
        // and does any pair need the per-element mask?
        bool any = false;
        int stmax = -1;
#pragma unroll
        for (int u = 0; u < 2; u++) {
            const int r = lane + 32 * u, t = t0 + r, st = sts[r];
            if (t < T_ && l2s[r] != INFINITY) {
                stmax = max(stmax, st);
                any = any || (st <= jw0 + 15 && t >= jw0);
            }
        }
        any = __any_sync(0xffffffffu, any) && jw0 < len;
        stmax = warp_max_i(stmax);
        if (any) {
            const bool need_mask = t0 < jw0 + 15 || jw0 + 16 > len || stmax > jw0;
#pragma unroll
            for (int qo = 0; qo < TB; qo += QSUB) {
                float s[NS][4], dp[NS][4];
                scores_qk2<KT, NS, LD>(s, dp, sK, sV, cQ, cG, warp * 16, qo, lane);  // S^T = K Q^T, dP^T = V dO^T
                // s[n][e]: key jw0 + g + 8*(e >= 2), query row qo + n*8 + 2c + (e & 1) of the tile.
#pragma unroll
                for (int n = 0; n < NS; n++) {
#pragma unroll
                    for (int e = 0; e < 4; e++) {
                        const int r = qo + n * 8 + 2 * c + (e & 1);
                        s[n][e] = exp2f(fmaf(s[n][e], scale_log2, -l2s[r]));
                    }
                }
                if (need_mask) {
#pragma unroll
                    for (int n = 0; n < NS; n++) {
#pragma unroll
                        for (int e = 0; e < 4; e++) {
                            const int r = qo + n * 8 + 2 * c + (e & 1);
                            const int j = jw0 + g + ((e >> 1) << 3), t = t0 + r;
                            if (!(j >= sts[r] && j <= t && j < len)) s[n][e] = 0.f;
                        }
                    }
                }
#pragma unroll
                for (int n = 0; n < NS; n++) {
#pragma unroll
                    for (int e = 0; e < 4; e++) {
                        const int r = qo + n * 8 + 2 * c + (e & 1);
                        dp[n][e] = s[n][e] * (dp[n][e] - Ds[r]) * scale;
                    }
                }
                // dV += P^T dO, dK += dS^T Q (k = queries of the step).
                mma_rows_times_tile_t2<NS, HD, LD>(adv, s, cG, adk, dp, cQ, qo, lane);
            }
        }
        __syncthreads();  // the buffer is refilled by the next iteration
    }
    cp_async_wait<0>();

#pragma unroll
    for (int half = 0; half < 2; half++) {
        const int j = jw0 + g + 8 * half;
        if (j >= T_) continue;
        const int64_t off = (((int64_t)b * T_ + j) * NKV + kvh) * HD + 2 * c;
#pragma unroll
        for (int n = 0; n < NO; n++) {
            *reinterpret_cast<__nv_bfloat162*>(dk + off + n * 8) =
                __floats2bfloat162_rn(adk[n][2 * half], adk[n][2 * half + 1]);
            *reinterpret_cast<__nv_bfloat162*>(dv + off + n * 8) =
                __floats2bfloat162_rn(adv[n][2 * half], adv[n][2 * half + 1]);
        }
    }
}

template <int HD, int BKD>
__global__ void __launch_bounds__(kThreads)
    attn_bwd_dq_tc(__nv_bfloat16* __restrict__ dq, const float* __restrict__ D, const __nv_bfloat16* __restrict__ dout,
                   const float* __restrict__ lse, const __nv_bfloat16* __restrict__ q,
                   const __nv_bfloat16* __restrict__ k, const __nv_bfloat16* __restrict__ v,
                   const int64_t* __restrict__ lens, const int64_t* __restrict__ starts, int T_, int NH, int NKV,
                   float scale, float scale_log2) {
    constexpr int LD = HD + 8, KT = HD / 16, NO = HD / 8, NS = BKD / 8;
    static_assert(HD % 16 == 0 && BKD % 16 == 0 && BKD >= 16, "tile shape");
    extern __shared__ __align__(16) unsigned char smem_raw[];
    __nv_bfloat16* sQ = reinterpret_cast<__nv_bfloat16*>(smem_raw);
    __nv_bfloat16* sG = sQ + TB * LD;
    __nv_bfloat16* sKV = sG + TB * LD;  // buffer u: K at sKV + 2u*BKD*LD, V at + BKD*LD
    __shared__ int s_kmin[4];

    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, c = lane & 3;
    const int bh = blockIdx.x, b = bh / NH, h = bh % NH, kvh = h / (NH / NKV);
    const int q0 = (gridDim.y - 1 - blockIdx.y) * TB;  // heaviest tiles first
    const int len = seq_len(lens, b, T_);

    const int tw0 = q0 + warp * 16;
    const int tr0 = tw0 + g, tr1 = tr0 + 8;
    const int st0 = tr0 < T_ ? row_start(starts, b, T_, tr0) : 0;
    const int st1 = tr1 < T_ ? row_start(starts, b, T_, tr1) : 0;
    float l20 = INFINITY, l21 = INFINITY, D0 = 0.f, D1 = 0.f;
    if (tr0 < T_) load_row_stats(lse, D, ((int64_t)b * NH + h) * T_ + tr0, l20, D0);
    if (tr1 < T_) load_row_stats(lse, D, ((int64_t)b * NH + h) * T_ + tr1, l21, D1);
    const auto [swmin, swmax, twmax, jbegin, ntiles] =
        key_tiles<BKD, TB>(s_kmin, q0, tw0, tr0, tr1, st0, st1, T_, len, warp, lane);

    const __nv_bfloat16* kbase = k + ((int64_t)b * T_ * NKV + kvh) * HD;
    const __nv_bfloat16* vbase = v + ((int64_t)b * T_ * NKV + kvh) * HD;
    const int64_t kstride = (int64_t)NKV * HD;
    auto load_kv = [&](int j0, int buf) {
        __nv_bfloat16* dK = sKV + 2 * buf * BKD * LD;
        cp_async_rows2<BKD, HD>(dK, dK + BKD * LD, kbase, vbase, kstride, j0, T_, tid);
    };
    {
        const __nv_bfloat16* qbase = q + ((int64_t)b * T_ * NH + h) * HD;
        const __nv_bfloat16* gbase = dout + ((int64_t)b * T_ * NH + h) * HD;
        const int64_t qstride = (int64_t)NH * HD;
        cp_async_rows2<TB, HD>(sQ, sG, qbase, gbase, qstride, q0, T_, tid);
        cp_async_commit();
        if (ntiles > 0) load_kv(jbegin, 0);
        cp_async_commit();
    }

    float acc[NO][4];
#pragma unroll
    for (int n = 0; n < NO; n++) acc[n][0] = acc[n][1] = acc[n][2] = acc[n][3] = 0.f;

    for (int it = 0; it < ntiles; it++) {
        const int j0 = jbegin + it * BKD, buf = it & 1;
        if (it + 1 < ntiles) load_kv(j0 + BKD, buf ^ 1);
        cp_async_commit();
        cp_async_wait<1>();  // Q, dO and tile `it` landed
        __syncthreads();
        const __nv_bfloat16* cK = sKV + 2 * buf * BKD * LD;
        const __nv_bfloat16* cV = cK + BKD * LD;
        const bool skip = j0 > twmax || j0 + BKD - 1 < swmin || j0 >= len;
        if (!skip) {
            float s[NS][4], dp[NS][4];
            scores_qk2<KT, NS, LD>(s, dp, sQ, sG, cK, cV, warp * 16, 0, lane);  // S = Q K^T, dP = dO V^T
            // s[n][e]: query tr0 (e < 2) or tr1, key j0 + n*8 + 2c + (e & 1).
#pragma unroll
            for (int n = 0; n < NS; n++) {
                s[n][0] = exp2f(fmaf(s[n][0], scale_log2, -l20));
                s[n][1] = exp2f(fmaf(s[n][1], scale_log2, -l20));
                s[n][2] = exp2f(fmaf(s[n][2], scale_log2, -l21));
                s[n][3] = exp2f(fmaf(s[n][3], scale_log2, -l21));
            }
            const bool need_mask = j0 + BKD - 1 > tw0 || j0 + BKD > len || j0 < swmax;
            if (need_mask) mask_scores_rows<NS>(s, j0, c, tr0, tr1, st0, st1, len, 0.f);
#pragma unroll
            for (int n = 0; n < NS; n++) {
                dp[n][0] = s[n][0] * (dp[n][0] - D0) * scale;
                dp[n][1] = s[n][1] * (dp[n][1] - D0) * scale;
                dp[n][2] = s[n][2] * (dp[n][2] - D1) * scale;
                dp[n][3] = s[n][3] * (dp[n][3] - D1) * scale;
            }
            // dQ += dS K (k = keys of the tile; B = K rows, transposed load).
            mma_rows_times_tile_t<NS, HD, LD>(acc, dp, cK, lane);
        }
        __syncthreads();  // the buffer is refilled by the next iteration
    }
    cp_async_wait<0>();

    if (tr0 < T_) store_frag_row<NO>(dq + (((int64_t)b * T_ + tr0) * NH + h) * HD + 2 * c, acc, 0, 1.f);
    if (tr1 < T_) store_frag_row<NO>(dq + (((int64_t)b * T_ + tr1) * NH + h) * HD + 2 * c, acc, 1, 1.f);
}

// ================================================================ decode
// Partial results of one (b, h, key chunk): max m, sum l, acc[HD] (F32).
template <typename T, int NC>
__global__ void __launch_bounds__(kThreads)
    attn_decode_split(float* __restrict__ pm, float* __restrict__ pl, float* __restrict__ pacc,
                      const T* __restrict__ q, const T* __restrict__ kc, const T* __restrict__ vc,
                      const int64_t* __restrict__ lens, int S, int NH, int NKV, int HD, int chunk, float scale) {
    __shared__ float s_m[4], s_l[4];
    __shared__ float s_acc[4][NC * 32];
    const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
    const int bh = blockIdx.x, b = bh / NH, h = bh % NH, kvh = h / (NH / NKV);
    const int split = blockIdx.y, nsplit = gridDim.y;
    const int len = seq_len(lens, b, S);
    const int js = split * chunk, je = min(js + chunk, len);

    float qv[NC], acc[NC];
#pragma unroll
    for (int c = 0; c < NC; c++) {
        int d = lane + 32 * c;
        qv[c] = d < HD ? ld_f(q + (int64_t)bh * HD + d) : 0.f;
        acc[c] = 0.f;
    }
    float m = -INFINITY, l = 0.f;
    for (int j = js + warp; j < je; j += 4) {
        const int64_t off = (((int64_t)b * S + j) * NKV + kvh) * HD;
        float s = 0.f;
#pragma unroll
        for (int c = 0; c < NC; c++) {
            int d = lane + 32 * c;
            if (d < HD) s = fmaf(qv[c], ld_f(kc + off + d), s);
        }
        s = warp_sum(s) * scale;
        const float mn = fmaxf(m, s);
        const float alpha = expf(m - mn);  // m = -inf: 0
        const float p = expf(s - mn);
        l = l * alpha + p;
        m = mn;
#pragma unroll
        for (int c = 0; c < NC; c++) {
            int d = lane + 32 * c;
            float vx = d < HD ? ld_f(vc + off + d) : 0.f;
            acc[c] = fmaf(p, vx, acc[c] * alpha);
        }
    }
    if (lane == 0) {
        s_m[warp] = m;
        s_l[warp] = l;
    }
#pragma unroll
    for (int c = 0; c < NC; c++) s_acc[warp][lane + 32 * c] = acc[c];
    __syncthreads();
    float M = fmaxf(fmaxf(s_m[0], s_m[1]), fmaxf(s_m[2], s_m[3]));
    float w[4];
#pragma unroll
    for (int i = 0; i < 4; i++) w[i] = M == -INFINITY ? 0.f : expf(s_m[i] - M);
    const int64_t slot = (int64_t)bh * nsplit + split;
    if (tid == 0) {
        pm[slot] = M;
        pl[slot] = w[0] * s_l[0] + w[1] * s_l[1] + w[2] * s_l[2] + w[3] * s_l[3];
    }
    for (int d = tid; d < HD; d += kThreads)
        pacc[slot * HD + d] = w[0] * s_acc[0][d] + w[1] * s_acc[1][d] + w[2] * s_acc[2][d] + w[3] * s_acc[3][d];
}

template <typename T>
__global__ void __launch_bounds__(kThreads)
    attn_decode_combine(T* __restrict__ out, const float* __restrict__ pm, const float* __restrict__ pl,
                        const float* __restrict__ pacc, int nsplit, int HD) {
    const int64_t bh = blockIdx.x;
    const float* m = pm + bh * nsplit;
    const float* l = pl + bh * nsplit;
    float M = -INFINITY;
    for (int s = 0; s < nsplit; s++) M = fmaxf(M, m[s]);
    float L = 0.f;
    if (M != -INFINITY)
        for (int s = 0; s < nsplit; s++) L += l[s] * expf(m[s] - M);
    const float inv = L > 0.f ? 1.f / L : 0.f;
    for (int d = threadIdx.x; d < HD; d += kThreads) {
        float a = 0.f;
        if (M != -INFINITY)
            for (int s = 0; s < nsplit; s++) a += pacc[(bh * nsplit + s) * HD + d] * expf(m[s] - M);
        st_f(out + bh * HD + d, a * inv);
    }
}

// ============================================================== launchers
// NC = number of 32-wide chunks of the head dimension a lane holds.
inline int nc_for(int64_t HD) { return HD <= 32 ? 1 : HD <= 64 ? 2 : HD <= 128 ? 4 : HD <= 192 ? 6 : 8; }

template <typename K>
inline cudaError_t set_smem(K kernel, size_t bytes) {
    if (bytes <= 48 * 1024) return cudaSuccess;
    return cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes);
}

template <typename T, int NC>
cudaError_t fwd_general(T* out, float* lse, const T* q, const T* k, const T* v, const Attn& a, cudaStream_t st) {
    const int HD = (int)a.HD, ldk = HD | 1;
    const size_t smem = sizeof(float) * ((size_t)GQ * HD + (size_t)GK * ldk + (size_t)GK * HD);
    auto kern = attn_fwd_general<T, NC>;
    cudaError_t e = set_smem(kern, smem);
    if (e != cudaSuccess) return e;
    dim3 grid((unsigned)(a.B * a.NH), (unsigned)((a.T + GQ - 1) / GQ));
    kern<<<grid, kThreads, smem, st>>>(out, lse, q, k, v, a.lens, a.starts, (int)a.T, (int)a.NH, (int)a.NKV, HD,
                                       a.scale);
    return cudaGetLastError();
}

template <typename T, int NC>
cudaError_t bwd_general(T* dq, T* dk, T* dv, const T* dout, const T* out, const float* lse, const T* q, const T* k,
                        const T* v, const Attn& a, float* D, cudaStream_t st) {
    const int HD = (int)a.HD, ld = HD | 1;
    const int64_t rows = a.B * a.T * a.NH;
    attn_bwd_delta<T><<<(unsigned)((rows + 3) / 4), kThreads, 0, st>>>(D, dout, out, rows, (int)a.T, (int)a.NH, HD);
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return e;

    const size_t smem_kv = sizeof(float) * (2 * (size_t)BKK * HD + 2 * (size_t)BQQ * ld);
    auto kkv = attn_bwd_dkdv<T, NC>;
    if ((e = set_smem(kkv, smem_kv)) != cudaSuccess) return e;
    dim3 gkv((unsigned)(a.B * a.NKV), (unsigned)((a.T + BKK - 1) / BKK));
    kkv<<<gkv, kThreads, smem_kv, st>>>(dk, dv, D, dout, lse, q, k, v, a.lens, a.starts, (int)a.T, (int)a.NH,
                                        (int)a.NKV, HD, a.scale);
    if ((e = cudaGetLastError()) != cudaSuccess) return e;

    const size_t smem_q = sizeof(float) * (2 * (size_t)GQ * HD + 2 * (size_t)GK * ld);
    auto kq = attn_bwd_dq<T, NC>;
    if ((e = set_smem(kq, smem_q)) != cudaSuccess) return e;
    dim3 gq((unsigned)(a.B * a.NH), (unsigned)((a.T + GQ - 1) / GQ));
    kq<<<gq, kThreads, smem_q, st>>>(dq, D, dout, lse, q, k, v, a.lens, a.starts, (int)a.T, (int)a.NH, (int)a.NKV,
                                     HD, a.scale);
    return cudaGetLastError();
}

template <int HD, int BK>
cudaError_t fwd_tc(__nv_bfloat16* out, float* lse, const __nv_bfloat16* q, const __nv_bfloat16* k,
                   const __nv_bfloat16* v, const Attn& a, cudaStream_t st) {
    constexpr int smem = tc_smem_bytes<HD, BK>();
    auto kern = attn_fwd_tc<HD, BK>;
    cudaError_t e = set_smem(kern, smem);
    if (e != cudaSuccess) return e;
    dim3 grid((unsigned)(a.B * a.NH), (unsigned)((a.T + TQ - 1) / TQ));
    const float scale_log2 = a.scale * 1.4426950408889634f;
    kern<<<grid, kThreads, smem, st>>>(out, lse, q, k, v, a.lens, a.starts, (int)a.T, (int)a.NH, (int)a.NKV,
                                       scale_log2);
    return cudaGetLastError();
}

template <int HD, int QSUB, int BKD>
cudaError_t bwd_tc(__nv_bfloat16* dq, __nv_bfloat16* dk, __nv_bfloat16* dv, const __nv_bfloat16* dout,
                   const __nv_bfloat16* out, const float* lse, const __nv_bfloat16* q, const __nv_bfloat16* k,
                   const __nv_bfloat16* v, const Attn& a, float* D, cudaStream_t st) {
    const int64_t rows = a.B * a.T * a.NH;
    attn_bwd_delta<__nv_bfloat16><<<(unsigned)((rows + 3) / 4), kThreads, 0, st>>>(D, dout, out, rows, (int)a.T,
                                                                                    (int)a.NH, (int)a.HD);
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return e;
    const float scale_log2 = a.scale * kLog2e;
    const unsigned tiles = (unsigned)((a.T + TB - 1) / TB);

    constexpr int smem_kv = tc_bwd_kv_smem<HD>();
    auto kkv = attn_bwd_dkdv_tc<HD, QSUB>;
    if ((e = cudaFuncSetAttribute(kkv, cudaFuncAttributeMaxDynamicSharedMemorySize, smem_kv)) != cudaSuccess) return e;
    kkv<<<dim3((unsigned)(a.B * a.NKV), tiles), kThreads, smem_kv, st>>>(
        dk, dv, D, dout, lse, q, k, v, a.lens, a.starts, (int)a.T, (int)a.NH, (int)a.NKV, a.scale, scale_log2);
    if ((e = cudaGetLastError()) != cudaSuccess) return e;

    constexpr int smem_q = tc_bwd_q_smem<HD, BKD>();
    auto kq = attn_bwd_dq_tc<HD, BKD>;
    if ((e = cudaFuncSetAttribute(kq, cudaFuncAttributeMaxDynamicSharedMemorySize, smem_q)) != cudaSuccess) return e;
    kq<<<dim3((unsigned)(a.B * a.NH), tiles), kThreads, smem_q, st>>>(dq, D, dout, lse, q, k, v, a.lens, a.starts,
                                                                      (int)a.T, (int)a.NH, (int)a.NKV, a.scale,
                                                                      scale_log2);
    return cudaGetLastError();
}

template <typename T, int NC>
cudaError_t decode_typed(void* out, const void* q, const void* kc, const void* vc, const int64_t* lens, int64_t B,
                         int64_t S, int64_t NH, int64_t NKV, int64_t HD, float scale, cudaStream_t st) {
    // Split the cache so that the grid has a few blocks per SM, chunks >= 256 keys.
    const int64_t bh = B * NH;
    int64_t nsplit = (S + 255) / 256;
    const int64_t want = (4 * 132 + bh - 1) / bh;
    if (nsplit > want) nsplit = want;
    if (nsplit < 1) nsplit = 1;
    const int64_t chunk = (S + nsplit - 1) / nsplit;
    nsplit = (S + chunk - 1) / chunk;
    float* scratch = nullptr;
    const size_t n = (size_t)(bh * nsplit) * (size_t)(2 + HD);
    cudaError_t e = cudaMallocAsync((void**)&scratch, n * sizeof(float), st);
    if (e != cudaSuccess) return e;
    float* pm = scratch;
    float* pl = pm + bh * nsplit;
    float* pacc = pl + bh * nsplit;
    attn_decode_split<T, NC><<<dim3((unsigned)bh, (unsigned)nsplit), kThreads, 0, st>>>(
        pm, pl, pacc, (const T*)q, (const T*)kc, (const T*)vc, lens, (int)S, (int)NH, (int)NKV, (int)HD, (int)chunk,
        scale);
    e = cudaGetLastError();
    if (e == cudaSuccess) {
        attn_decode_combine<T><<<(unsigned)bh, kThreads, 0, st>>>((T*)out, pm, pl, pacc, (int)nsplit, (int)HD);
        e = cudaGetLastError();
    }
    cudaError_t e2 = cudaFreeAsync(scratch, st);
    return e != cudaSuccess ? e : e2;
}

#define NTC_NC_SWITCH(HD, FN, ...)                              \
    switch (nc_for(HD)) {                                       \
        case 1: e = FN<1>(__VA_ARGS__); break;                  \
        case 2: e = FN<2>(__VA_ARGS__); break;                  \
        case 4: e = FN<4>(__VA_ARGS__); break;                  \
        case 6: e = FN<6>(__VA_ARGS__); break;                  \
        default: e = FN<8>(__VA_ARGS__); break;                 \
    }

template <int NC> cudaError_t fwd_general_f32(void* out, float* lse, const void* q, const void* k, const void* v, const Attn& a, cudaStream_t st) {
    return fwd_general<float, NC>((float*)out, lse, (const float*)q, (const float*)k, (const float*)v, a, st);
}
template <int NC> cudaError_t fwd_general_bf16(void* out, float* lse, const void* q, const void* k, const void* v, const Attn& a, cudaStream_t st) {
    using B16 = __nv_bfloat16;
    return fwd_general<B16, NC>((B16*)out, lse, (const B16*)q, (const B16*)k, (const B16*)v, a, st);
}
template <int NC> cudaError_t bwd_general_f32(void* dq, void* dk, void* dv, const void* dout, const void* out, const float* lse, const void* q, const void* k, const void* v, const Attn& a, float* D, cudaStream_t st) {
    return bwd_general<float, NC>((float*)dq, (float*)dk, (float*)dv, (const float*)dout, (const float*)out, lse,
                                  (const float*)q, (const float*)k, (const float*)v, a, D, st);
}
template <int NC> cudaError_t bwd_general_bf16(void* dq, void* dk, void* dv, const void* dout, const void* out, const float* lse, const void* q, const void* k, const void* v, const Attn& a, float* D, cudaStream_t st) {
    using B16 = __nv_bfloat16;
    return bwd_general<B16, NC>((B16*)dq, (B16*)dk, (B16*)dv, (const B16*)dout, (const B16*)out, lse,
                                (const B16*)q, (const B16*)k, (const B16*)v, a, D, st);
}
template <int NC> cudaError_t decode_f32(void* out, const void* q, const void* kc, const void* vc, const int64_t* lens, int64_t B, int64_t S, int64_t NH, int64_t NKV, int64_t HD, float scale, cudaStream_t st) {
    return decode_typed<float, NC>(out, q, kc, vc, lens, B, S, NH, NKV, HD, scale, st);
}
template <int NC> cudaError_t decode_bf16(void* out, const void* q, const void* kc, const void* vc, const int64_t* lens, int64_t B, int64_t S, int64_t NH, int64_t NKV, int64_t HD, float scale, cudaStream_t st) {
    return decode_typed<__nv_bfloat16, NC>(out, q, kc, vc, lens, B, S, NH, NKV, HD, scale, st);
}

inline bool aligned16(const void* p) { return ((uintptr_t)p & 15u) == 0; }

// The tensor-core forward needs sm_80+ (mma.sync bf16, cp.async, ldmatrix).
inline bool device_has_sm80() {
    int dev = 0, major = 0;
    if (cudaGetDevice(&dev) != cudaSuccess) return false;
    if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev) != cudaSuccess) return false;
    return major >= 8;
}

// The tensor-core backward applies (pointer alignment aside): BF16, HD 64 or
// 128, sm_80+. HD 192 stays on the general backward: attn_bwd_dkdv_tc<192, 16>
// needs more than 255 registers (spills).
inline bool bwd_tc_applies(int dtype, int64_t HD) {
    return dtype == NT_BF16 && !g_force_general && (HD == 64 || HD == 128) && device_has_sm80();
}

inline int check_common(const char* fn, int dtype, const Attn& a) {
    if (dtype != NT_F32 && dtype != NT_BF16) return nt::fail(NT_ERR_DTYPE, "%s: dtype %d (want F32 or BF16)", fn, dtype);
    if (a.HD < 1 || a.HD > 256)
        return nt::fail(NT_ERR_UNSUPPORTED, "%s: head_dim %lld (the CUDA kernels take 1..256)", fn, (long long)a.HD);
    if (a.NKV < 1 || a.NH % a.NKV != 0) return nt::fail(NT_ERR_SHAPE, "%s: NH %lld not a multiple of NKV %lld", fn, (long long)a.NH, (long long)a.NKV);
    if (a.T > INT_MAX / 2 || a.B * a.NH > INT_MAX || (a.T + 15) / 16 > 65535)
        return nt::fail(NT_ERR_UNSUPPORTED, "%s: sizes too large for the CUDA grid (B %lld, T %lld, NH %lld)", fn,
                        (long long)a.B, (long long)a.T, (long long)a.NH);
    return NT_OK;
}

}  // namespace attn_detail

int attention_forward(void* out, float* lse, const void* q, const void* k, const void* v, int dtype, const Attn& a,
                      void* stream) {
    using namespace attn_detail;
    if (a.T == 0 || a.B == 0 || a.NH == 0) return NT_OK;
    int rc = check_common("attention_forward", dtype, a);
    if (rc != NT_OK) return rc;
    cudaStream_t st = (cudaStream_t)stream;
    cudaError_t e = cudaSuccess;
    const bool tc = dtype == NT_BF16 && !g_force_general && (a.HD == 64 || a.HD == 128 || a.HD == 192) &&
                    aligned16(out) && aligned16(q) && aligned16(k) && aligned16(v) && device_has_sm80();
    if (tc) {
        using B16 = __nv_bfloat16;
        if (a.HD == 64)
            e = fwd_tc<64, 64>((B16*)out, lse, (const B16*)q, (const B16*)k, (const B16*)v, a, st);
        else if (a.HD == 128)
            e = fwd_tc<128, 64>((B16*)out, lse, (const B16*)q, (const B16*)k, (const B16*)v, a, st);
        else
            e = fwd_tc<192, 32>((B16*)out, lse, (const B16*)q, (const B16*)k, (const B16*)v, a, st);
    } else if (dtype == NT_F32) {
        NTC_NC_SWITCH(a.HD, fwd_general_f32, out, lse, q, k, v, a, st)
    } else {
        NTC_NC_SWITCH(a.HD, fwd_general_bf16, out, lse, q, k, v, a, st)
    }
    if (e != cudaSuccess) return nt::fail(NT_ERR_DEVICE, "attention_forward: %s", cudaGetErrorString(e));
    return NT_OK;
}

int attention_backward(void* dq, void* dk, void* dv, const void* dout, const void* out, const float* lse,
                       const void* q, const void* k, const void* v, int dtype, const Attn& a, void* stream) {
    using namespace attn_detail;
    if (a.T == 0 || a.B == 0 || a.NH == 0) return NT_OK;
    int rc = check_common("attention_backward", dtype, a);
    if (rc != NT_OK) return rc;
    cudaStream_t st = (cudaStream_t)stream;
    float* D = nullptr;
    cudaError_t e = cudaMallocAsync((void**)&D, sizeof(float) * (size_t)(a.B * a.NH * a.T), st);
    if (e != cudaSuccess)
        return nt::fail(NT_ERR_MEMORY, "attention_backward: scratch of %lld floats: %s", (long long)(a.B * a.NH * a.T),
                        cudaGetErrorString(e));
    const bool tc = bwd_tc_applies(dtype, a.HD) && aligned16(dq) && aligned16(dk) && aligned16(dv) &&
                    aligned16(dout) && aligned16(q) && aligned16(k) && aligned16(v);
    if (tc) {
        using B16 = __nv_bfloat16;
        if (a.HD == 64)
            e = bwd_tc<64, 64, 64>((B16*)dq, (B16*)dk, (B16*)dv, (const B16*)dout, (const B16*)out, lse,
                                   (const B16*)q, (const B16*)k, (const B16*)v, a, D, st);
        else
            e = bwd_tc<128, 32, 64>((B16*)dq, (B16*)dk, (B16*)dv, (const B16*)dout, (const B16*)out, lse,
                                    (const B16*)q, (const B16*)k, (const B16*)v, a, D, st);
    } else if (dtype == NT_F32) {
        NTC_NC_SWITCH(a.HD, bwd_general_f32, dq, dk, dv, dout, out, lse, q, k, v, a, D, st)
    } else {
        NTC_NC_SWITCH(a.HD, bwd_general_bf16, dq, dk, dv, dout, out, lse, q, k, v, a, D, st)
    }
    cudaError_t e2 = cudaFreeAsync(D, st);
    if (e == cudaSuccess) e = e2;
    if (e != cudaSuccess) return nt::fail(NT_ERR_DEVICE, "attention_backward: %s", cudaGetErrorString(e));
    return NT_OK;
}

int attention_decode(void* out, const void* q, const void* kc, const void* vc, const int64_t* lens, int dtype,
                     int64_t B, int64_t S, int64_t NH, int64_t NKV, int64_t HD, float scale, void* stream) {
    using namespace attn_detail;
    if (B == 0 || NH == 0) return NT_OK;
    if (dtype != NT_F32 && dtype != NT_BF16)
        return nt::fail(NT_ERR_DTYPE, "attention_decode: dtype %d (want F32 or BF16)", dtype);
    if (HD < 1 || HD > 256)
        return nt::fail(NT_ERR_UNSUPPORTED, "attention_decode: head_dim %lld (the CUDA kernels take 1..256)",
                        (long long)HD);
    if (NKV < 1 || NH % NKV != 0)
        return nt::fail(NT_ERR_SHAPE, "attention_decode: NH %lld not a multiple of NKV %lld", (long long)NH,
                        (long long)NKV);
    if (S < 1 || S > INT_MAX / 2 || B * NH > INT_MAX)
        return nt::fail(NT_ERR_UNSUPPORTED, "attention_decode: sizes out of range (B %lld, S %lld, NH %lld)",
                        (long long)B, (long long)S, (long long)NH);
    cudaStream_t st = (cudaStream_t)stream;
    cudaError_t e = cudaSuccess;
    if (dtype == NT_F32) {
        NTC_NC_SWITCH(HD, decode_f32, out, q, kc, vc, lens, B, S, NH, NKV, HD, scale, st)
    } else {
        NTC_NC_SWITCH(HD, decode_bf16, out, q, kc, vc, lens, B, S, NH, NKV, HD, scale, st)
    }
    if (e != cudaSuccess) return nt::fail(NT_ERR_DEVICE, "attention_decode: %s", cudaGetErrorString(e));
    return NT_OK;
}

}  // namespace ntc
