// The training ops on CUDA (see training_ops.cuh). Each kernel mirrors the
// CPU kernel of the same name in native/src/kernels.inc; the plain CPU
// versions are the references the GPU tests compare with.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "device.h"
#include "numerics.h"
#include "training_ops.cuh"

using nt::gpu::note;
using nt::gpu::note_launch;

namespace ntc {

namespace {

constexpr int kThreads = 256;

// Grid for a grid-stride loop over n items.
inline unsigned grid_for(int64_t n, int threads = kThreads) {
    const int64_t b = (n + threads - 1) / threads;
    return (unsigned)std::max<int64_t>(1, std::min<int64_t>(b, 65535 * 8));
}

#define GRID_STRIDE(i, n) for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n); i += (int64_t)gridDim.x * blockDim.x)

// Maximum ignoring NaN (as the CPU: NaN never compares greater).
__device__ __forceinline__ float max_nonan(float a, float b) { return b > a ? b : a; }

struct SumOp {
    template <typename T>
    __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};
struct MaxOp {
    __device__ __forceinline__ float operator()(float a, float b) const { return max_nonan(a, b); }
};

// Block-wide reduction (blockDim.x a multiple of 32, at most 1024); every
// thread gets the result. sh: 32 values of shared memory.
template <typename T, typename Op>
__device__ T block_reduce(T v, T identity, T* sh, Op op) {
    for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
    const int w = threadIdx.x >> 5, l = threadIdx.x & 31;
    __syncthreads();
    if (l == 0) sh[w] = v;
    __syncthreads();
    if (w == 0) {
        T t = l < (int)(blockDim.x >> 5) ? sh[l] : identity;
        for (int o = 16; o > 0; o >>= 1) t = op(t, __shfl_xor_sync(0xffffffffu, t, o));
        if (l == 0) sh[0] = t;
    }
    __syncthreads();
    return sh[0];
}
__device__ float block_sum(float v, float* sh) { return block_reduce(v, 0.f, sh, SumOp{}); }
__device__ double block_sum_d(double v, double* sh) { return block_reduce(v, 0.0, sh, SumOp{}); }
__device__ float block_max(float v, float* sh) { return block_reduce(v, -INFINITY, sh, MaxOp{}); }

__device__ __forceinline__ float load_f32(const void* p, int dtype, int64_t i) {
    switch (dtype) {
        case NT_F32: return static_cast<const float*>(p)[i];
        case NT_BF16: return nt::bf16_to_f32(static_cast<const uint16_t*>(p)[i]);
        case NT_F16: return nt::f16_to_f32(static_cast<const uint16_t*>(p)[i]);
        case NT_F8_E4M3: return nt::decode_f8<3, 7, false>(static_cast<const uint8_t*>(p)[i]);
        default: return nt::decode_f8<2, 15, true>(static_cast<const uint8_t*>(p)[i]);
    }
}

__device__ __forceinline__ void store_f32(void* p, int dtype, int64_t i, float x) {
    switch (dtype) {
        case NT_F32: static_cast<float*>(p)[i] = x; break;
        case NT_BF16: static_cast<uint16_t*>(p)[i] = nt::f32_to_bf16(x); break;
        case NT_F16: static_cast<uint16_t*>(p)[i] = nt::f32_to_f16(x); break;
        case NT_F8_E4M3: static_cast<uint8_t*>(p)[i] = nt::f32_to_e4m3(x); break;
        default: static_cast<uint8_t*>(p)[i] = nt::f32_to_e5m2(x); break;
    }
}

// ------------------------------------------------------------------ GEMM
// A 64x64 output tile per block of 256 threads, 4x4 outputs per thread
// (rows ty + 16i, columns tx + 16j), K in slices of 16 through shared memory.
// Loads follow the memory order of each operand so that they coalesce.

constexpr int BM = 64, BN = 64, BK = 16;

__device__ __forceinline__ float gemm_load(const void* p, int dtype, int64_t idx, bool round_bf16) {
    if (dtype == NT_F32) {
        const float x = static_cast<const float*>(p)[idx];
        return round_bf16 ? nt::bf16_to_f32(nt::f32_to_bf16(x)) : x;
    }
    return nt::bf16_to_f32(static_cast<const uint16_t*>(p)[idx]);
}

// Element e (of BK x 64) of a tile of op(X) [rows, K] into S[k][row]: X is stored
// with k contiguous (kc: X[row * ld + k]) or with rows contiguous
// (X[k * ld + row]); the element order follows memory so loads coalesce.
__device__ __forceinline__ void gemm_tile_load(float (*S)[BM + 1], const void* X, int dtype, int64_t ld, bool kc,
                                               int64_t R, int64_t K, int64_t r0, int64_t k0, int e, bool round_bf16) {
    int rr, kk;
    if (kc) {
        kk = e % BK;
        rr = e / BK;
    } else {
        rr = e % BM;
        kk = e / BM;
    }
    const int64_t r = r0 + rr, k = k0 + kk;
    S[kk][rr] = (r < R && k < K) ? gemm_load(X, dtype, kc ? r * ld + k : k * ld + r, round_bf16) : 0.f;
}

__global__ void __launch_bounds__(256) gemm_kernel(nt::GemmArgs g, bool round_bf16) {
    __shared__ float As[BK][BM + 1];
    __shared__ float Bs[BK][BN + 1];  // BN == BM: one loader serves both
    static_assert(BN == BM, "gemm_tile_load assumes square tiles");
    const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
    const int64_t m0 = (int64_t)blockIdx.x * BM, n0 = (int64_t)blockIdx.y * BN;
    float acc[4][4] = {};
    for (int64_t k0 = 0; k0 < g.K; k0 += BK) {
        for (int r = 0; r < 4; r++) {
            const int e = tid + 256 * r;
            gemm_tile_load(As, g.A, g.a_dtype, g.lda, !g.trans_a, g.M, g.K, m0, k0, e, round_bf16);  // A [M, K] or [K, M]
            gemm_tile_load(Bs, g.B, g.b_dtype, g.ldb, g.trans_b, g.N, g.K, n0, k0, e, round_bf16);   // B [N, K] or [K, N]
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < BK; kk++) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; i++) a[i] = As[kk][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; j++) b[j] = Bs[kk][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++) {
        const int64_t m = m0 + ty + 16 * i;
        if (m >= g.M) continue;
        for (int j = 0; j < 4; j++) {
            const int64_t n = n0 + tx + 16 * j;
            if (n >= g.N) continue;
            float* c = g.C + m * g.ldc + n;
            *c = g.beta == 0.f ? g.alpha * acc[i][j] : g.alpha * acc[i][j] + g.beta * *c;
        }
    }
}

// --------------------------------------------------------- LayerNorm1P

__global__ void layernorm_fwd_kernel(float* out, float* mean, float* rstd, const float* in, const float* w,
                                     const float* b, float eps, int64_t C) {
    __shared__ float sh[32];
    const int64_t n = blockIdx.x;
    const float* x = in + n * C;
    float s = 0.f;
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) s += x[c];
    const float mu = block_sum(s, sh) / (float)C;
    float v = 0.f;
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
        const float d = x[c] - mu;
        v += d * d;
    }
    const float var = block_sum(v, sh) / (float)C;
    const float r = 1.f / sqrtf(var + eps);
    float* y = out + n * C;
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) y[c] = (x[c] - mu) * r * (1.f + w[c]) + b[c];
    if (threadIdx.x == 0) {
        if (mean) mean[n] = mu;
        if (rstd) rstd[n] = r;
    }
}

// Parameter gradients, in two deterministic stages that sum as the CPU does
// (k_layernorm1p_bwd): stage 1 computes the partial sums over fixed blocks of
// 64 rows, one (row block, channel) per thread, into scratch [blocks, 2, C];
// stage 2 adds them to dw / db in block order, one channel per thread. Both
// run before the din kernel, because din may overwrite dout.
constexpr int64_t kLnRowBlock = 64;  // RB of k_layernorm1p_bwd
__global__ void layernorm_bwd_partials_kernel(float* part, const float* dout, const float* in, const float* mean,
                                              const float* rstd, int64_t N, int64_t C, int64_t blk0) {
    const int64_t blk = blk0 + blockIdx.y;
    const int64_t n0 = blk * kLnRowBlock, n1 = min(N, n0 + kLnRowBlock);
    for (int64_t c = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; c < C; c += (int64_t)gridDim.x * blockDim.x) {
        float sw = 0.f, sb = 0.f;
        for (int64_t n = n0; n < n1; n++) {
            const float g = dout[n * C + c];
            const float xh = (in[n * C + c] - mean[n]) * rstd[n];
            sw += g * xh;
            sb += g;
        }
        part[(blk * 2) * C + c] = sw;
        part[(blk * 2 + 1) * C + c] = sb;
    }
}

__global__ void layernorm_bwd_params_kernel(float* dw, float* db, const float* part, int64_t nblk, int64_t C) {
    GRID_STRIDE(c, C) {
        float tw = dw ? dw[c] : 0.f, tb = db ? db[c] : 0.f;
        for (int64_t blk = 0; blk < nblk; blk++) {
            tw += part[(blk * 2) * C + c];
            tb += part[(blk * 2 + 1) * C + c];
        }
        if (dw) dw[c] = tw;
        if (db) db[c] = tb;
    }
}

__global__ void layernorm_bwd_input_kernel(float* din, const float* dout, const float* in, const float* w,
                                           const float* mean, const float* rstd, int64_t C) {
    __shared__ float sh[32];
    const int64_t n = blockIdx.x;
    const float mu = mean[n], r = rstd[n];
    const float* x = in + n * C;
    const float* go = dout + n * C;
    float s1 = 0.f, s2 = 0.f;
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
        const float g = go[c] * (1.f + w[c]);
        s1 += g;
        s2 += g * ((x[c] - mu) * r);  // g * xhat, as the CPU
    }
    const float m1 = block_sum(s1, sh) / (float)C;
    const float m2 = block_sum(s2, sh) / (float)C;
    float* dx = din + n * C;
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
        const float g = go[c] * (1.f + w[c]);
        const float xh = (x[c] - mu) * r;
        dx[c] = r * (g - m1 - xh * m2);  // same thread read go[c] above: din may alias dout
    }
}

// -------------------------------------------------------- cross-entropy

__global__ void ce_fwd_kernel(float* logprobs, float* lse, const float* logits, const int64_t* targets,
                              int64_t ignore, int64_t V) {
    __shared__ float sh[32];
    const int64_t n = blockIdx.x;
    const float* x = logits + n * V;
    float m = -INFINITY;
    for (int64_t v = threadIdx.x; v < V; v += blockDim.x) m = max_nonan(m, x[v]);
    m = block_max(m, sh);
    float s = 0.f;
    for (int64_t v = threadIdx.x; v < V; v += blockDim.x) s += expf(x[v] - m);
    s = block_sum(s, sh);
    if (threadIdx.x == 0) {
        const float l = m + logf(s);
        if (lse) lse[n] = l;
        const int64_t t = targets[n];
        logprobs[n] = t == ignore ? 0.f : x[t] - l;
    }
}

__global__ void ce_bwd_kernel(float* dlogits, const float* dlogprobs, const float* logits, const float* lse,
                              const int64_t* targets, int64_t ignore, int64_t V) {
    const int64_t n = blockIdx.x;  // one row per x block (up to 2^31 - 1), the vocabulary over y
    const int64_t t = targets[n];
    const float g = dlogprobs[n], l = lse[n];
    const float* x = logits + n * V;
    float* d = dlogits + n * V;
    for (int64_t v = blockIdx.y * (int64_t)blockDim.x + threadIdx.x; v < V; v += (int64_t)gridDim.y * blockDim.x) {
        if (t == ignore) {
            d[v] = 0.f;
        } else {
            // read before the (possibly aliasing) write; as the CPU: p * -g,
            // then + g at the target (no FMA contraction across the two)
            const float dv = __fmul_rn(expf(x[v] - l), -g);
            d[v] = v == t ? dv + g : dv;
        }
    }
}

// ---------------------------------------------------------- elementwise

__global__ void relu2_fwd_kernel(float* out, const float* in, int64_t n) {
    GRID_STRIDE(i, n) {
        const float x = in[i];
        out[i] = x > 0.f ? x * x : 0.f;
    }
}
__global__ void relu2_bwd_kernel(float* din, const float* dout, const float* in, int64_t n) {
    GRID_STRIDE(i, n) {
        const float x = in[i];
        din[i] = x > 0.f ? 2.f * x * dout[i] : 0.f;
    }
}
__global__ void add_kernel(float* out, const float* a, const float* b, int64_t n, int64_t nb) {
    GRID_STRIDE(i, n) out[i] = a[i] + b[nb == n ? i : i % nb];
}
__global__ void scale_kernel(float* out, const float* in, float alpha, int64_t n) {
    GRID_STRIDE(i, n) out[i] = alpha * in[i];
}
__global__ void axpy_kernel(float* out, float alpha, const float* in, int64_t n) {
    GRID_STRIDE(i, n) out[i] += alpha * in[i];
}
__global__ void adamw_kernel(float* p, float* m, float* v, const float* g, int64_t n, float decay, float step_size,
                             float bc2_sqrt, float b1, float b2, float eps, float gscale) {
    GRID_STRIDE(i, n) {
        const float gi = g[i] * gscale;
        float pi = p[i] * decay;
        const float mi = m[i] + (gi - m[i]) * (1.f - b1);
        const float vi = v[i] * b2 + gi * gi * (1.f - b2);
        const float denom = sqrtf(vi) / bc2_sqrt + eps;
        pi = pi - step_size * (mi / denom);
        p[i] = pi;
        m[i] = mi;
        v[i] = vi;
    }
}

// ----------------------------------------------------- gather / rotate

__global__ void embedding_fwd_kernel(float* out, const int64_t* ids, const float* w, int64_t N, int64_t C) {
    GRID_STRIDE(i, N * C) {
        const int64_t n = i / C, c = i % C;
        out[i] = w[ids[n] * C + c];
    }
}
__global__ void embedding_bwd_kernel(float* dw, const float* dout, const int64_t* ids, int64_t N, int64_t C) {
    GRID_STRIDE(c, C) {  // one channel per thread, tokens in order: deterministic
        for (int64_t n = 0; n < N; n++) dw[ids[n] * C + c] += dout[n * C + c];
    }
}
__global__ void rope_kernel(float* out, const float* in, const int64_t* pos, int64_t P, const float* inv_freq,
                            int64_t N, int64_t H, int64_t HD, int rot, float sign) {
    const int half = rot / 2;
    GRID_STRIDE(e, N * H * HD) {
        const int64_t d = e % HD, row = e / HD, n = row / H;
        if (d < half) {
            const float* x = in + row * HD;
            float* y = out + row * HD;
            const float ang = (float)pos[n % P] * inv_freq[d];
            const float c = (float)cos((double)ang), s = sign * (float)sin((double)ang);
            const float a = x[d], b = x[d + half];
            y[d] = a * c - b * s;
            y[d + half] = b * c + a * s;
        } else if (d >= rot && out != in) {
            out[e] = in[e];
        }
    }
}

// ------------------------------------------------------ fill / convert

template <typename T>
__global__ void fill_kernel(T* p, int64_t n, T value) {
    GRID_STRIDE(i, n) p[i] = value;
}

__global__ void convert_kernel(void* out, int out_dtype, const void* in, int in_dtype, int64_t rows, int64_t cols,
                               const float* scale, int64_t nscale, bool encode) {
    GRID_STRIDE(i, rows * cols) {
        float x = load_f32(in, in_dtype, i);
        if (scale) {
            const float s = scale[nscale == 1 ? 0 : i / cols];
            x = encode ? x / s : x * s;
        }
        store_f32(out, out_dtype, i, x);
    }
}

__global__ void row_amax_kernel(float* amax, const void* in, int dtype, int64_t cols) {
    __shared__ float sh[32];
    const int64_t r = blockIdx.x;
    float m = 0.f;
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) m = max_nonan(m, fabsf(load_f32(in, dtype, r * cols + c)));
    m = block_max(m, sh);
    if (threadIdx.x == 0) amax[r] = m;
}

__device__ __forceinline__ float scale_of(float m, float fmax) { return (m > 0.f && isfinite(m)) ? m / fmax : 1.f; }

__global__ void scales_kernel(float* scale, int64_t nscale, const float* amax, int64_t rows, float fmax) {
    __shared__ float sh[32];
    if (nscale == 1 && rows != 1) {  // one block: the maximum over rows
        float m = 0.f;
        for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) m = max_nonan(m, amax[r]);
        m = block_max(m, sh);
        if (threadIdx.x == 0) scale[0] = scale_of(m, fmax);
        return;
    }
    for (int64_t r = threadIdx.x; r < rows; r += blockDim.x) scale[r] = scale_of(amax[r], fmax);
}

constexpr int64_t kSumBlock = 8192;  // as the CPU: fixed blocks, added in order

__global__ void sum_squares_kernel(double* part, const void* in, int dtype, int64_t n) {
    __shared__ double sh[32];
    const int64_t b0 = blockIdx.x * kSumBlock, b1 = min(n, b0 + kSumBlock);
    double s = 0.0;
    for (int64_t i = b0 + threadIdx.x; i < b1; i += blockDim.x) {
        const double x = load_f32(in, dtype, i);
        s += x * x;
    }
    s = block_sum_d(s, sh);
    if (threadIdx.x == 0) part[blockIdx.x] = s;
}

}  // namespace

// ------------------------------------------------------------- launchers

void gemm(const nt::GemmArgs& g, bool round_bf16) {
    if (g.M == 0 || g.N == 0) return;
    if (round_bf16 && gemm_bf16_tc(g)) return;  // tensor cores (sm_80+)
    if ((g.M + BM - 1) / BM > 0x7fffffffLL || (g.N + BN - 1) / BN > 65535) {
        note(NT_ERR_UNSUPPORTED, "gemm: %lld columns exceed this kernel's grid (at most %d)", (long long)g.N,
             65535 * BN);
        return;
    }
    dim3 grid((unsigned)((g.M + BM - 1) / BM), (unsigned)((g.N + BN - 1) / BN));
    gemm_kernel<<<grid, 256>>>(g, round_bf16);
    note_launch("gemm");
}

void layernorm1p_fwd(float* out, float* mean, float* rstd, const float* in, const float* w, const float* b, float eps,
                     int64_t N, int64_t C) {
    if (N == 0) return;
    layernorm_fwd_kernel<<<(unsigned)N, kThreads>>>(out, mean, rstd, in, w, b, eps, C);
    note_launch("layernorm1p_fwd");
}

void layernorm1p_bwd(float* din, float* dw, float* db, const float* dout, const float* in, const float* w,
                     const float* mean, const float* rstd, int64_t N, int64_t C) {
    if (N == 0) return;
    if (dw || db) {
        const int64_t nblk = (N + kLnRowBlock - 1) / kLnRowBlock;
        float* part = nullptr;
        cudaError_t e = cudaMallocAsync((void**)&part, sizeof(float) * (size_t)(nblk * 2 * C), 0);
        if (e != cudaSuccess) {
            cudaGetLastError();
            note(NT_ERR_MEMORY, "layernorm1p_bwd: scratch of %lld floats: %s", (long long)(nblk * 2 * C),
                 cudaGetErrorString(e));
            return;
        }
        for (int64_t b0 = 0; b0 < nblk; b0 += 65535) {  // grid.y holds at most 65535 row blocks
            dim3 grid((unsigned)std::min<int64_t>((C + kThreads - 1) / kThreads, 1024),
                      (unsigned)std::min<int64_t>(nblk - b0, 65535));
            layernorm_bwd_partials_kernel<<<grid, kThreads>>>(part, dout, in, mean, rstd, N, C, b0);
            note_launch("layernorm1p_bwd_partials");
        }
        layernorm_bwd_params_kernel<<<grid_for(C), kThreads>>>(dw, db, part, nblk, C);
        note_launch("layernorm1p_bwd_params");
        cudaFreeAsync(part, 0);
    }
    layernorm_bwd_input_kernel<<<(unsigned)N, kThreads>>>(din, dout, in, w, mean, rstd, C);
    note_launch("layernorm1p_bwd_input");
}

void cross_entropy_fwd(float* logprobs, float* lse, const float* logits, const int64_t* targets, int64_t ignore,
                       int64_t N, int64_t V) {
    if (N == 0) return;
    ce_fwd_kernel<<<(unsigned)N, 1024>>>(logprobs, lse, logits, targets, ignore, V);
    note_launch("cross_entropy_fwd");
}

void cross_entropy_bwd(float* dlogits, const float* dlogprobs, const float* logits, const float* lse,
                       const int64_t* targets, int64_t ignore, int64_t N, int64_t V) {
    if (N == 0) return;
    dim3 grid((unsigned)N, (unsigned)std::min<int64_t>((V + kThreads - 1) / kThreads, 64));
    ce_bwd_kernel<<<grid, kThreads>>>(dlogits, dlogprobs, logits, lse, targets, ignore, V);
    note_launch("cross_entropy_bwd");
}

void relu2_fwd(float* out, const float* in, int64_t n) {
    relu2_fwd_kernel<<<grid_for(n), kThreads>>>(out, in, n);
    note_launch("relu2_fwd");
}
void relu2_bwd(float* din, const float* dout, const float* in, int64_t n) {
    relu2_bwd_kernel<<<grid_for(n), kThreads>>>(din, dout, in, n);
    note_launch("relu2_bwd");
}
void add(float* out, const float* a, const float* b, int64_t n, int64_t nb) {
    add_kernel<<<grid_for(n), kThreads>>>(out, a, b, n, nb);
    note_launch("add");
}
void scale(float* out, const float* in, float alpha, int64_t n) {
    scale_kernel<<<grid_for(n), kThreads>>>(out, in, alpha, n);
    note_launch("scale");
}
void axpy(float* out, float alpha, const float* in, int64_t n) {
    axpy_kernel<<<grid_for(n), kThreads>>>(out, alpha, in, n);
    note_launch("axpy");
}
void adamw(float* p, float* m, float* v, const float* g, int64_t n, float lr, float b1, float b2, float eps, float wd,
           float bc1, float bc2, float gscale) {
    // the CPU kernel's scalar prologue, on the host, so both round alike
    const float decay = 1.f - lr * wd, step_size = lr / bc1, bc2_sqrt = std::sqrt(bc2);
    adamw_kernel<<<grid_for(n), kThreads>>>(p, m, v, g, n, decay, step_size, bc2_sqrt, b1, b2, eps, gscale);
    note_launch("adamw");
}
void embedding_fwd(float* out, const int64_t* ids, const float* w, int64_t N, int64_t C) {
    if (N * C == 0) return;
    embedding_fwd_kernel<<<grid_for(N * C), kThreads>>>(out, ids, w, N, C);
    note_launch("embedding_fwd");
}
void embedding_bwd(float* dw, const float* dout, const int64_t* ids, int64_t N, int64_t C) {
    if (N * C == 0) return;
    embedding_bwd_kernel<<<grid_for(C), kThreads>>>(dw, dout, ids, N, C);
    note_launch("embedding_bwd");
}
void rope(float* out, const float* in, const int64_t* pos, int64_t P, const float* inv_freq, int64_t N, int64_t H,
          int64_t HD, int rot, float sign) {
    if (N * H * HD == 0) return;
    rope_kernel<<<grid_for(N * H * HD), kThreads>>>(out, in, pos, P, inv_freq, N, H, HD, rot, sign);
    note_launch("rope");
}
}  // namespace ntc

// The device layer's (native/src/device.h) fills, conversions and norms.
namespace nt {
namespace gpu {

using ntc::grid_for;
using ntc::kThreads;

void fill_pattern(void* p, int64_t n, int elem_size, uint64_t pattern) {
    if (n == 0) return;
    switch (elem_size) {
        case 1: ntc::fill_kernel<uint8_t><<<grid_for(n), kThreads>>>((uint8_t*)p, n, (uint8_t)pattern); break;
        case 2: ntc::fill_kernel<uint16_t><<<grid_for(n), kThreads>>>((uint16_t*)p, n, (uint16_t)pattern); break;
        case 4: ntc::fill_kernel<uint32_t><<<grid_for(n), kThreads>>>((uint32_t*)p, n, (uint32_t)pattern); break;
        default: ntc::fill_kernel<uint64_t><<<grid_for(n), kThreads>>>((uint64_t*)p, n, pattern); break;
    }
    note_launch("fill");
}
void convert(void* out, int out_dtype, const void* in, int in_dtype, int64_t rows, int64_t cols, const float* scale,
             int64_t nscale, bool encode) {
    if (rows * cols == 0) return;
    ntc::convert_kernel<<<grid_for(rows * cols), kThreads>>>(out, out_dtype, in, in_dtype, rows, cols, scale, nscale,
                                                         encode);
    note_launch("convert");
}
void compute_scales(float* scale, int64_t nscale, const void* in, int dtype, int64_t rows, int64_t cols, float fmax) {
    if (rows == 0) {
        fill_pattern(scale, nscale, 4, 0x3f800000u);  // 1.0f
        return;
    }
    float* amax = nullptr;
    cudaError_t e = cudaMallocAsync((void**)&amax, sizeof(float) * (size_t)rows, 0);
    if (e != cudaSuccess) {
        cudaGetLastError();
        note(NT_ERR_MEMORY, "compute_scales: scratch of %lld floats: %s", (long long)rows, cudaGetErrorString(e));
        return;
    }
    ntc::row_amax_kernel<<<(unsigned)rows, kThreads>>>(amax, in, dtype, cols);
    note_launch("compute_scales(rows)");
    ntc::scales_kernel<<<1, 1024>>>(scale, nscale, amax, rows, fmax);
    note_launch("compute_scales");
    cudaFreeAsync(amax, 0);
}
double sum_squares(const void* in, int dtype, int64_t n) {
    if (n == 0) return 0.0;
    const int64_t nb = (n + ntc::kSumBlock - 1) / ntc::kSumBlock;
    double* part = nullptr;
    cudaError_t e = cudaMallocAsync((void**)&part, sizeof(double) * (size_t)nb, 0);
    if (e != cudaSuccess) {
        cudaGetLastError();
        note(NT_ERR_MEMORY, "sum_squares: scratch: %s", cudaGetErrorString(e));
        return 0.0;
    }
    ntc::sum_squares_kernel<<<(unsigned)nb, kThreads>>>(part, in, dtype, n);
    note_launch("sum_squares");
    std::vector<double> h((size_t)nb);
    e = cudaMemcpy(h.data(), part, sizeof(double) * (size_t)nb, cudaMemcpyDeviceToHost);
    cudaFreeAsync(part, 0);
    if (e != cudaSuccess) {
        cudaGetLastError();
        note(NT_ERR_DEVICE, "sum_squares: %s", cudaGetErrorString(e));
        return 0.0;
    }
    double total = 0.0;
    for (double s : h) total += s;
    return total;
}

}  // namespace gpu
}  // namespace nt
