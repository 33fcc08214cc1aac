// The engine's BF16 matmul on tensor cores (sm_80 and newer): inputs rounded
// to BF16 (round to nearest even, as nt::f32_to_bf16), products accumulated
// in F32 by mma.sync.m16n8k16.bf16. The contract of ntc::gemm(g, true).
//
// Block tile 128x128x32, 256 threads = 8 warps as 2 (M) x 4 (N), each warp
// 64x32 = 4 x 4 mma tiles of 16x8. Shared memory holds op(A) as [BM][BK] and
// op(B) as [BN][BK], both k-contiguous (rows padded to 40 elements = 80
// bytes, so the 8 rows an ldmatrix phase reads fall in distinct banks); that
// is the row.col layout mma wants, so both operands load with plain (not
// .trans) ldmatrix. Global -> shared goes through registers (converting F32
// to BF16 on the way): the next K-tile is loaded into registers while the
// current one is computed, then stored into the other shared buffer.
//
// Global access: an operand whose k is contiguous in memory (A not
// transposed, B transposed) is read as 8 consecutive k per thread (16- or
// 32-byte vector loads when aligned); an operand whose m (n) is contiguous is
// read with 32 consecutive rows per warp at each k, 8 k per thread, and
// transposed on the way to shared memory. Every edge (M, N, K) is predicated:
// elements outside are zero in shared memory, outputs outside are not written.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <atomic>
#include <cstdint>
#include <cstring>

#include "numerics.h"
#include "training_ops.cuh"

namespace ntc {

// Runs g (with inputs rounded to BF16) on tensor cores and returns true, or
// returns false without launching where this path does not apply: a GPU
// older than sm_80, M or N == 0, a dimension of 2^31 - 256 or more, or more
// than 65535 * 128 columns. (Declared in training_ops.cuh too.)
bool gemm_bf16_tc(const nt::GemmArgs& g);

namespace {

constexpr int TC_BM = 128, TC_BN = 128, TC_BK = 32;
constexpr int TC_BKP = TC_BK + 8;  // padded row: 40 BF16 = 80 bytes
constexpr int TC_THREADS = 256;

// One operand's view: element (r, k) of op(X) (r: m for A, n for B) is at
// p[k_contig ? r * ld + k : k * ld + r]; R rows, K columns.
struct Operand {
    const void* p;
    int64_t ld;
    int R;     // rows (M or N); the host checks M, N, K <= 2^31 - 257
    bool vec;  // k_contig and aligned for 16-byte vector loads
};

struct TcArgs {
    Operand a, b;
    int M, N, K;
    float* C;
    int64_t ldc;
    float alpha, beta;
    bool c_vec2;  // C and ldc allow 8-byte (float2) stores
};

__device__ __forceinline__ uint32_t pack_f32(float lo, float hi) {
    // cvt.rn.bf16x2.f32: round to nearest even, like nt::f32_to_bf16 (NaN
    // stays NaN, its payload may differ). lo goes to the low half (lower k).
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    uint32_t u;
    memcpy(&u, &v, 4);
    return u;
}

__device__ __forceinline__ uint32_t pack_u16(uint16_t lo, uint16_t hi) { return (uint32_t)lo | ((uint32_t)hi << 16); }

// Each thread stages 2 chunks of 8 consecutive k of one row: st[i][0..3]
// (8 BF16, lower k in lower halves). Chunk i of thread tid covers
//   k_contig:  row = c / 4,   k = (c % 4) * 8      (c = tid + 256 i)
//   otherwise: row = c % 128, k = (c / 128) * 8
// Both cover the 128 x 32 tile exactly once.
__device__ __forceinline__ void chunk_pos(bool k_contig, int i, int tid, int& row, int& kc) {
    const int c = tid + TC_THREADS * i;
    if (k_contig) {
        row = c >> 2;
        kc = (c & 3) * 8;
    } else {
        row = c & 127;
        kc = (c >> 7) * 8;
    }
}

template <bool KC, bool BF>
__device__ __forceinline__ void load_tile(const Operand& op, int K, int r0, int k0, int tid,
                                          uint32_t (&st)[2][4]) {
#pragma unroll
    for (int i = 0; i < 2; i++) {
        int row, kc;
        chunk_pos(KC, i, tid, row, kc);
        const int r = r0 + row, k = k0 + kc;
        const bool rok = r < op.R;
        const int kl = K - k;  // valid k of this chunk: j < kl
        if (KC) {
            // k contiguous: element (r, k + j) at r * ld + k + j
            if (BF) {
                const uint16_t* q = static_cast<const uint16_t*>(op.p) + ((int64_t)r * op.ld + k);
                if (op.vec && rok && kl >= 8) {
                    const uint4 v = __ldg(reinterpret_cast<const uint4*>(q));
                    st[i][0] = v.x;
                    st[i][1] = v.y;
                    st[i][2] = v.z;
                    st[i][3] = v.w;
                } else {
                    uint16_t v[8];
#pragma unroll
                    for (int j = 0; j < 8; j++) v[j] = (rok && j < kl) ? __ldg(q + j) : (uint16_t)0;
#pragma unroll
                    for (int j = 0; j < 4; j++) st[i][j] = pack_u16(v[2 * j], v[2 * j + 1]);
                }
            } else {
                const float* q = static_cast<const float*>(op.p) + ((int64_t)r * op.ld + k);
                float v[8];
                if (op.vec && rok && kl >= 8) {
                    const float4 v0 = __ldg(reinterpret_cast<const float4*>(q));
                    const float4 v1 = __ldg(reinterpret_cast<const float4*>(q + 4));
                    v[0] = v0.x, v[1] = v0.y, v[2] = v0.z, v[3] = v0.w;
                    v[4] = v1.x, v[5] = v1.y, v[6] = v1.z, v[7] = v1.w;
                } else {
#pragma unroll
                    for (int j = 0; j < 8; j++) v[j] = (rok && j < kl) ? __ldg(q + j) : 0.f;
                }
#pragma unroll
                for (int j = 0; j < 4; j++) st[i][j] = pack_f32(v[2 * j], v[2 * j + 1]);
            }
        } else {
            // rows contiguous: element (r, k + j) at (k + j) * ld + r; the
            // pointer steps by ld (one add per element, no hoisted offsets)
            if (BF) {
                const uint16_t* q = static_cast<const uint16_t*>(op.p) + ((int64_t)k * op.ld + r);
                uint16_t v[8];
#pragma unroll
                for (int j = 0; j < 8; j++) {
                    v[j] = (rok && j < kl) ? __ldg(q) : (uint16_t)0;
                    q += op.ld;
                }
#pragma unroll
                for (int j = 0; j < 4; j++) st[i][j] = pack_u16(v[2 * j], v[2 * j + 1]);
            } else {
                const float* q = static_cast<const float*>(op.p) + ((int64_t)k * op.ld + r);
                float v[8];
#pragma unroll
                for (int j = 0; j < 8; j++) {
                    v[j] = (rok && j < kl) ? __ldg(q) : 0.f;
                    q += op.ld;
                }
#pragma unroll
                for (int j = 0; j < 4; j++) st[i][j] = pack_f32(v[2 * j], v[2 * j + 1]);
            }
        }
    }
}

template <bool KC>
__device__ __forceinline__ void store_tile(uint16_t (*s)[TC_BKP], int tid, const uint32_t (&st)[2][4]) {
#pragma unroll
    for (int i = 0; i < 2; i++) {
        int row, kc;
        chunk_pos(KC, i, tid, row, kc);
        // row * 80 + kc * 2 bytes: a multiple of 16
        *reinterpret_cast<uint4*>(&s[row][kc]) = make_uint4(st[i][0], st[i][1], st[i][2], st[i][3]);
    }
}

__device__ __forceinline__ void ldsm_x4(uint32_t& r0, uint32_t& r1, uint32_t& r2, uint32_t& r3, const void* p) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    const uint32_t a = (uint32_t)__cvta_generic_to_shared(p);
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3)
                 : "r"(a)
                 : "memory");
#endif
}

__device__ __forceinline__ void mma_bf16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
#endif
}

// A_KC: A's k contiguous (!trans_a); B_KC: B's k contiguous (trans_b).
template <bool A_KC, bool A_BF, bool B_KC, bool B_BF>
__global__ void __launch_bounds__(TC_THREADS, 2) gemm_tc_kernel(TcArgs g) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    __shared__ __align__(16) uint16_t As[2][TC_BM][TC_BKP];
    __shared__ __align__(16) uint16_t Bs[2][TC_BN][TC_BKP];
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int wm = warp >> 2, wn = warp & 3;  // warp tile rows wm*64.., columns wn*32..
    const int m0 = (int)blockIdx.x * TC_BM, n0 = (int)blockIdx.y * TC_BN;

    float acc[4][4][4];
#pragma unroll
    for (int mi = 0; mi < 4; mi++)
#pragma unroll
        for (int ni = 0; ni < 4; ni++)
#pragma unroll
            for (int e = 0; e < 4; e++) acc[mi][ni][e] = 0.f;

    const int nk = (g.K + TC_BK - 1) / TC_BK;
    if (nk > 0) {
        uint32_t sa[2][4], sb[2][4];
        load_tile<A_KC, A_BF>(g.a, g.K, m0, 0, tid, sa);
        load_tile<B_KC, B_BF>(g.b, g.K, n0, 0, tid, sb);
        store_tile<A_KC>(As[0], tid, sa);
        store_tile<B_KC>(Bs[0], tid, sb);
    }
    __syncthreads();

    // ldmatrix row addresses of this lane (see the fragment layouts of
    // mma.m16n8k16): A x4 = rows 0-15 x k 0-7, then rows 0-15 x k 8-15;
    // B x4 = n 0-7 x k 0-7, n 0-7 x k 8-15, n 8-15 x k 0-7, n 8-15 x k 8-15.
    const int a_row = wm * 64 + (lane & 15), a_k = (lane >> 4) * 8;
    const int b_row = wn * 32 + (lane & 7) + ((lane >> 4) << 3), b_k = ((lane >> 3) & 1) * 8;

    for (int kt = 0; kt < nk; kt++) {
        const int s = kt & 1;
        const bool more = kt + 1 < nk;
        const int k_next = (kt + 1) * TC_BK;
        // The next A tile loads during the first half of the MMAs, the next B
        // tile during the second; each is stored into buffer s^1 (free: it
        // was last read in iteration kt-1, before that iteration's barrier).
#pragma unroll
        for (int half = 0; half < 2; half++) {
            uint32_t st[2][4];
            if (more) {
                if (half == 0)
                    load_tile<A_KC, A_BF>(g.a, g.K, m0, k_next, tid, st);
                else
                    load_tile<B_KC, B_BF>(g.b, g.K, n0, k_next, tid, st);
            }
            const int ks = half * 16;
            uint32_t bf[4][2];
#pragma unroll
            for (int nj = 0; nj < 2; nj++)
                ldsm_x4(bf[2 * nj][0], bf[2 * nj][1], bf[2 * nj + 1][0], bf[2 * nj + 1][1],
                        &Bs[s][b_row + nj * 16][ks + b_k]);
#pragma unroll
            for (int mi = 0; mi < 4; mi++) {
                uint32_t af[4];
                ldsm_x4(af[0], af[1], af[2], af[3], &As[s][a_row + mi * 16][ks + a_k]);
#pragma unroll
                for (int ni = 0; ni < 4; ni++) mma_bf16(acc[mi][ni], af, bf[ni][0], bf[ni][1]);
            }
            if (more) {
                if (half == 0)
                    store_tile<A_KC>(As[s ^ 1], tid, st);
                else
                    store_tile<B_KC>(Bs[s ^ 1], tid, st);
            }
        }
        __syncthreads();
    }

    // Epilogue. Accumulator e of tile (mi, ni): row gid + 8 * (e >> 1),
    // column 2 * tig + (e & 1), gid = lane / 4, tig = lane % 4.
    const int gid = lane >> 2, tig = lane & 3;
#pragma unroll
    for (int mi = 0; mi < 4; mi++) {
#pragma unroll
        for (int h = 0; h < 2; h++) {
            const int m = m0 + wm * 64 + mi * 16 + gid + 8 * h;
            if (m >= g.M) continue;
            float* crow = g.C + (int64_t)m * g.ldc;
#pragma unroll
            for (int ni = 0; ni < 4; ni++) {
                const int n = n0 + wn * 32 + ni * 8 + 2 * tig;
                const float v0 = g.alpha * acc[mi][ni][2 * h], v1 = g.alpha * acc[mi][ni][2 * h + 1];
                if (g.c_vec2 && n + 1 < g.N) {
                    float2* c = reinterpret_cast<float2*>(crow + n);
                    float2 o = make_float2(v0, v1);
                    if (g.beta != 0.f) {
                        const float2 old = *c;
                        o.x += g.beta * old.x;
                        o.y += g.beta * old.y;
                    }
                    *c = o;
                } else {
                    if (n < g.N) crow[n] = g.beta == 0.f ? v0 : v0 + g.beta * crow[n];
                    if (n + 1 < g.N) crow[n + 1] = g.beta == 0.f ? v1 : v1 + g.beta * crow[n + 1];
                }
            }
        }
    }
#endif
}

template <bool A_KC, bool A_BF, bool B_KC, bool B_BF>
void launch4(const TcArgs& a, dim3 grid) {
    gemm_tc_kernel<A_KC, A_BF, B_KC, B_BF><<<grid, TC_THREADS>>>(a);
}

template <bool A_KC, bool A_BF>
void launch2(const TcArgs& a, dim3 grid, bool b_kc, bool b_bf) {
    if (b_kc)
        b_bf ? launch4<A_KC, A_BF, true, true>(a, grid) : launch4<A_KC, A_BF, true, false>(a, grid);
    else
        b_bf ? launch4<A_KC, A_BF, false, true>(a, grid) : launch4<A_KC, A_BF, false, false>(a, grid);
}

// Compute capability major of each device, probed once per device.
constexpr int kMaxDevices = 64;
std::atomic<int> g_cc_major[kMaxDevices];  // 0 until probed; -1 when the probe failed
bool device_has_bf16_mma() {
    int dev = 0;
    if (cudaGetDevice(&dev) != cudaSuccess) {
        cudaGetLastError();  // don't leave it for the next note_launch
        return false;
    }
    if (dev < 0 || dev >= kMaxDevices) return false;
    int cc = g_cc_major[dev].load(std::memory_order_relaxed);
    if (cc == 0) {
        int major = 0;
        if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev) != cudaSuccess || major <= 0) {
            cudaGetLastError();
            major = -1;
        }
        cc = major;
        g_cc_major[dev].store(cc, std::memory_order_relaxed);
    }
    return cc >= 8;
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

}  // namespace

bool gemm_bf16_tc(const nt::GemmArgs& g) {
    // 32-bit row/column/k indices in the kernel (offsets are 64-bit)
    constexpr int64_t kMaxDim = 0x7fffffffLL - 256;
    if (g.M <= 0 || g.N <= 0 || g.K < 0 || g.M > kMaxDim || g.N > kMaxDim || g.K > kMaxDim) return false;
    const int64_t gx = (g.M + TC_BM - 1) / TC_BM, gy = (g.N + TC_BN - 1) / TC_BN;
    if (gy > 65535) return false;
    if (!device_has_bf16_mma()) return false;
    const bool a_bf = g.a_dtype == NT_BF16, b_bf = g.b_dtype == NT_BF16;
    const bool a_kc = !g.trans_a, b_kc = g.trans_b;
    TcArgs t;
    t.a.p = g.A;
    t.a.ld = g.lda;
    t.a.R = (int)g.M;
    // 8 consecutive k from a multiple-of-8 offset: 16 bytes (BF16) or 32 (F32)
    t.a.vec = a_kc && aligned16(g.A) && g.lda % (a_bf ? 8 : 4) == 0;
    t.b.p = g.B;
    t.b.ld = g.ldb;
    t.b.R = (int)g.N;
    t.b.vec = b_kc && aligned16(g.B) && g.ldb % (b_bf ? 8 : 4) == 0;
    t.M = (int)g.M;
    t.N = (int)g.N;
    t.K = (int)g.K;
    t.C = g.C;
    t.ldc = g.ldc;
    t.alpha = g.alpha;
    t.beta = g.beta;
    t.c_vec2 = (reinterpret_cast<uintptr_t>(g.C) & 7u) == 0 && g.ldc % 2 == 0;
    const dim3 grid((unsigned)gx, (unsigned)gy);
    if (a_kc)
        a_bf ? launch2<true, true>(t, grid, b_kc, b_bf) : launch2<true, false>(t, grid, b_kc, b_bf);
    else
        a_bf ? launch2<false, true>(t, grid, b_kc, b_bf) : launch2<false, false>(t, grid, b_kc, b_bf);
    nt::gpu::note_launch("gemm_bf16_tc");  // reads (and clears) cudaGetLastError
    return true;
}

}  // namespace ntc
