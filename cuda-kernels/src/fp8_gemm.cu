// FP8 GEMM launchers (cuda_ops.h, ntc::fp8_gemm):
//   out[m, n] = alpha * a_scale[m|0] * b_scale[n|0] * sum_k A[m, k] * B[n, k]
// A [M, K], B [N, K] row-major FP8 (E4M3 or E5M2 each), F32 accumulation,
// out F32 or BF16 (round to nearest even). Kernels:
//
//  FP8_SIMT      16x16 outputs per block, one output per thread, operands
//                decoded to F32 in shared memory, sequential F32 FMA over k.
//                Any GPU, any K, no alignment needs: the correctness baseline.
//  FP8_MMA_SYNC  mma.sync.m16n8k32 FP8 tensor cores (sm_89+). 128x128x64 block
//                tile, 8 warps (2 x 4, warp tile 64x32), 3-stage cp.async
//                pipeline into padded shared memory (row pitch 80 B: conflict-
//                free ldmatrix), fragments loaded with ldmatrix.x4.
//  FP8_WGMMA     Hopper (sm_90a): persistent (grid = #SMs, tiles in groups
//                of 8 m-tiles for L2 reuse), warp-specialized, 128x192x128
//                CTA tile. Warpgroup 0 (setmaxnreg 40) has one thread issue
//                TMA loads (128B swizzle) into a 5-stage ring (40 KiB a stage)
//                guarded by full/empty mbarriers, running on across tiles;
//                warpgroups 1 and 2 (setmaxnreg 232) each compute 64x192 with
//                wgmma.m64n192k32 (4 per k tile), epilogue from registers with
//                float2 / bf16x2 stores. See fp8_wgmma_ws_kernel.
//  (wgmma_basic) the previous Hopper kernel, kept for the lab (path 4, not in
//                cuda_ops.h): 128x128x128 tile, one tile per CTA, 4 stages,
//                wgmma.m64n128k32, per-element stores.
//
// The tensor-core paths accumulate each k tile (64 of K for mma.sync, 128
// for wgmma) in a fresh tensor-core accumulator and add it to an F32
// register accumulator on the CUDA cores ("promotion", as DeepSeek-V3 does):
// the tensor cores' internal FP8 accumulation is reported to keep fewer than
// 24 mantissa bits, which would otherwise grow the error with K.
//
// Tensor-core paths need K % 16 == 0 and 16-byte aligned A and B (each row
// then starts 16-byte aligned). Edges in M, N and K are handled by
// predication (zero fill of out-of-range operand chunks, masked stores).
#include <cuda.h>  // CUtensorMap and its enums only; the driver entry point is fetched at run time
#include <cuda_runtime.h>

#include <cstdint>
#include <mutex>

#include "cuda_ops.h"
#include "engine.h"

// A named namespace (not an anonymous one): helpers used only inside
// architecture-guarded kernel bodies would otherwise warn "declared but never
// referenced" in the sm_80 pass.
namespace ntc_fp8 {

// ------------------------------------------------------------ common parts

struct Epi {
    void* out;
    const float* sa;
    const float* sb;
    int64_t M, N;
    float alpha;
    int sa_row, sb_row;  // per-row scales (else one value)
    int out_bf16;
};

// The one epilogue formula every kernel uses, so that equal accumulators give
// bit-equal outputs: ((alpha * sa) * sb) * acc.
__device__ __forceinline__ void store_out(const Epi& e, int64_t m, int64_t n, float acc) {
    if (m < e.M && n < e.N) {
        const float s = e.alpha * e.sa[e.sa_row ? m : 0] * e.sb[e.sb_row ? n : 0];
        const float v = s * acc;
        const int64_t i = m * e.N + n;
        if (e.out_bf16)
            static_cast<uint16_t*>(e.out)[i] = nt::f32_to_bf16(v);  // numerics.h: RNE, as on the host
        else
            static_cast<float*>(e.out)[i] = v;
    }
}

// Exact FP8 -> F32 (OCP E4M3 "fn": bias 7, no inf, S.1111.111 = NaN;
// E5M2: bias 15, IEEE-like inf/NaN).
__device__ __forceinline__ float fp8_to_f32(uint32_t b, int e5m2) {
    float v;
    if (!e5m2) {
        const uint32_t e = (b >> 3) & 15u, m = b & 7u;
        if (e == 15u && m == 7u)
            v = __uint_as_float(0x7fc00000u);
        else if (e == 0u)
            v = (float)m * 0x1p-9f;  // subnormal: m/8 * 2^-6
        else
            v = __uint_as_float(((e + 120u) << 23) | (m << 20));
    } else {
        const uint32_t e = (b >> 2) & 31u, m = b & 3u;
        if (e == 31u)
            v = m ? __uint_as_float(0x7fc00000u) : __uint_as_float(0x7f800000u);
        else if (e == 0u)
            v = (float)m * 0x1p-16f;  // subnormal: m/4 * 2^-14
        else
            v = __uint_as_float(((e + 112u) << 23) | (m << 21));
    }
    return (b & 0x80u) ? -v : v;
}

__device__ __forceinline__ uint32_t smem_u32(const void* p) { return (uint32_t)__cvta_generic_to_shared(p); }

// ------------------------------------------------------------------ SIMT

constexpr int kSimtT = 16;   // 16 x 16 outputs per block
constexpr int kSimtK = 64;   // k slice staged in shared memory

__global__ void __launch_bounds__(256) fp8_simt_kernel(const uint8_t* __restrict__ A, const uint8_t* __restrict__ B,
                                                       int a_e5, int b_e5, int64_t K, Epi e) {
    __shared__ float sA[kSimtT][kSimtK + 1];
    __shared__ float sB[kSimtT][kSimtK + 1];
    const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * kSimtT + tx;
    const int64_t m0 = (int64_t)blockIdx.x * kSimtT, n0 = (int64_t)blockIdx.y * kSimtT;
    float acc = 0.f;
    for (int64_t k0 = 0; k0 < K; k0 += kSimtK) {
#pragma unroll
        for (int q = 0; q < (kSimtT * kSimtK) / 256; ++q) {
            const int idx = tid + 256 * q;
            const int r = idx / kSimtK, c = idx % kSimtK;
            const int64_t gk = k0 + c, gm = m0 + r, gn = n0 + r;
            sA[r][c] = (gm < e.M && gk < K) ? fp8_to_f32(A[gm * K + gk], a_e5) : 0.f;
            sB[r][c] = (gn < e.N && gk < K) ? fp8_to_f32(B[gn * K + gk], b_e5) : 0.f;
        }
        __syncthreads();
#pragma unroll 16
        for (int c = 0; c < kSimtK; ++c) acc = fmaf(sA[ty][c], sB[tx][c], acc);
        __syncthreads();
    }
    store_out(e, m0 + ty, n0 + tx, acc);
}

// -------------------------------------------------------------- mma.sync

namespace ms {
constexpr int BM = 128, BN = 128, BK = 64;
constexpr int LDS = BK + 16;           // smem row pitch in bytes (80: conflict-free ldmatrix, 16 B aligned)
constexpr int STAGES = 3;
constexpr int THREADS = 256;           // 8 warps: 2 (M) x 4 (N), warp tile 64 x 32
constexpr int TILE = BM * LDS;         // bytes of one operand tile (BM == BN)
constexpr int STAGE = 2 * TILE;        // A tile then B tile
constexpr int SMEM = STAGES * STAGE;   // 61440 B (dynamic, opt-in above 48 KiB)
static_assert(BM == BN, "one tile size for A and B");
static_assert((BM * BK / 16) % THREADS == 0, "whole 16-byte chunks per thread");
}  // namespace ms

__device__ __forceinline__ void cp_async16(uint32_t dst, const void* src, bool pred) {
    const int n = pred ? 16 : 0;  // src-size 0: 16 zero bytes, nothing read
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(n) : "memory");
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}
__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr)
                 : "memory");
}

// D = C + A (16x32, row) * B (32x8, col); C = 0 when ZERO_C. Fragments (PTX
// ISA, m16n8k32 with 8-bit types; g = lane / 4, t = lane % 4):
//   a[0]: row g,   k 4t..4t+3     a[1]: row g+8, k 4t..4t+3
//   a[2]: row g,   k 16+4t..      a[3]: row g+8, k 16+4t..
//   b[0]: col g,   k 4t..4t+3     b[1]: col g,   k 16+4t..
//   d[0], d[1]: row g, cols 2t, 2t+1;  d[2], d[3]: row g+8, same cols.
#define NTC_MMA_FP8(AS, BS)                                                                                \
    asm volatile("mma.sync.aligned.m16n8k32.row.col.f32." AS "." BS ".f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, " \
                 "{%8, %9}, {%10, %11, %12, %13};\n"                                                       \
                 : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])                                          \
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c0), "f"(c1), "f"(c2), \
                   "f"(c3))

template <int AT, int BT, bool ZERO_C>  // AT, BT: 0 = E4M3, 1 = E5M2
__device__ __forceinline__ void mma_fp8(float (&d)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 890
    const float c0 = ZERO_C ? 0.f : d[0], c1 = ZERO_C ? 0.f : d[1], c2 = ZERO_C ? 0.f : d[2],
                c3 = ZERO_C ? 0.f : d[3];
    if constexpr (AT == 0 && BT == 0)
        NTC_MMA_FP8("e4m3", "e4m3");
    else if constexpr (AT == 0 && BT == 1)
        NTC_MMA_FP8("e4m3", "e5m2");
    else if constexpr (AT == 1 && BT == 0)
        NTC_MMA_FP8("e5m2", "e4m3");
    else
        NTC_MMA_FP8("e5m2", "e5m2");
#endif
}
#undef NTC_MMA_FP8

template <int AT, int BT>
__global__ void __launch_bounds__(ms::THREADS, 1)
    fp8_mma_kernel(const uint8_t* __restrict__ A, const uint8_t* __restrict__ B, int K, Epi e) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 890
    using namespace ms;
    extern __shared__ __align__(128) uint8_t smem[];
    const uint32_t sbase = smem_u32(smem);
    const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const int warp_m = warp >> 2;  // 0..1: rows warp_m*64 .. +63 of the block tile
    const int warp_n = warp & 3;   // 0..3: cols warp_n*32 .. +31
    const int64_t m0 = (int64_t)blockIdx.x * BM, n0 = (int64_t)blockIdx.y * BN;
    const int KT = (K + BK - 1) / BK;

    // One k tile: BM rows x BK bytes of A and of B, as 16-byte chunks
    // (4 per row); chunks past M, N or K are zero-filled (K % 16 == 0, so a
    // chunk is either wholly inside K or wholly outside).
    auto load_tile = [&](int stage, int kt) {
        const uint32_t sa = sbase + stage * STAGE, sb = sa + TILE;
        const int k0 = kt * BK;
#pragma unroll
        for (int i = 0; i < (BM * BK / 16) / THREADS; ++i) {
            const int c = tid + i * THREADS;
            const int row = c >> 2, col = (c & 3) * 16;
            const bool kin = k0 + col < K;
            const int64_t gm = m0 + row, gn = n0 + row;
            const bool pa = kin && gm < e.M, pb = kin && gn < e.N;
            cp_async16(sa + row * LDS + col, pa ? (const void*)(A + gm * K + k0 + col) : (const void*)A, pa);
            cp_async16(sb + row * LDS + col, pb ? (const void*)(B + gn * K + k0 + col) : (const void*)B, pb);
        }
    };

    float acc[4][4][4];   // [m16 tile][n8 tile][fragment], F32 running sum
    float part[4][4][4];  // tensor-core partial of one k tile (64 of K)
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
            for (int r = 0; r < 4; ++r) acc[i][j][r] = 0.f;

#pragma unroll
    for (int s = 0; s < STAGES - 1; ++s) {
        if (s < KT) load_tile(s, s);
        cp_async_commit();  // always commit: group count stays in step with kt
    }

    for (int kt = 0; kt < KT; ++kt) {
        cp_async_wait<STAGES - 2>();  // this thread's chunks of tile kt have landed
        __syncthreads();              // everyone's have; and tile kt-1's buffer is free
        {
            const int nk = kt + STAGES - 1;
            if (nk < KT) load_tile(nk % STAGES, nk);
            cp_async_commit();
        }
        const uint32_t sa = sbase + (kt % STAGES) * STAGE, sb = sa + TILE;
#pragma unroll
        for (int ks = 0; ks < BK / 32; ++ks) {
            uint32_t af[4][4], bfr[4][2];
            // A: matrices (rows 0-7, k 0-15), (rows 8-15, k 0-15), (rows 0-7,
            // k 16-31), (rows 8-15, k 16-31) = a[0..3]; lane l addresses row
            // l%8 of matrix l/8.
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                const int row = warp_m * 64 + i * 16 + (lane & 7) + ((lane >> 3) & 1) * 8;
                const int col = ks * 32 + (lane >> 4) * 16;
                ldmatrix_x4(af[i], sa + row * LDS + col);
            }
            // B (rows are n): matrices (n 0-7, k 0-15), (n 0-7, k 16-31),
            // (n 8-15, k 0-15), (n 8-15, k 16-31) = b of n8 tiles 2p and 2p+1.
#pragma unroll
            for (int p = 0; p < 2; ++p) {
                const int row = warp_n * 32 + p * 16 + (lane & 7) + (lane >> 4) * 8;
                const int col = ks * 32 + ((lane >> 3) & 1) * 16;
                uint32_t r[4];
                ldmatrix_x4(r, sb + row * LDS + col);
                bfr[2 * p][0] = r[0];
                bfr[2 * p][1] = r[1];
                bfr[2 * p + 1][0] = r[2];
                bfr[2 * p + 1][1] = r[3];
            }
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
                for (int j = 0; j < 4; ++j) {
                    if (ks == 0)
                        mma_fp8<AT, BT, true>(part[i][j], af[i], bfr[j]);
                    else
                        mma_fp8<AT, BT, false>(part[i][j], af[i], bfr[j]);
                }
        }
        // Promotion: the tile's tensor-core partial joins the F32 sum.
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
            for (int j = 0; j < 4; ++j)
#pragma unroll
                for (int r = 0; r < 4; ++r) acc[i][j][r] += part[i][j][r];
    }
    cp_async_wait<0>();

    const int g = lane >> 2, t = lane & 3;
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
            for (int r = 0; r < 4; ++r) {
                const int64_t m = m0 + warp_m * 64 + i * 16 + g + (r >> 1) * 8;
                const int64_t n = n0 + warp_n * 32 + j * 8 + 2 * t + (r & 1);
                store_out(e, m, n, acc[i][j][r]);
            }
#else
    __trap();  // no sm_89+ code in this cubin; the host checks binaryVersion and never launches it
#endif
}

// ----------------------------------------------------------------- wgmma

namespace wg {
constexpr int BM = 128, BN = 128, BK = 128;  // BK bytes = one 128-byte swizzle row
constexpr int STAGES = 4;
constexpr int THREADS = 384;                 // warpgroup 0: producer; 1, 2: consumers (64 rows each)
constexpr int A_BYTES = BM * BK;             // 16 KiB
constexpr int B_BYTES = BN * BK;             // 16 KiB
constexpr int SMEM = STAGES * (A_BYTES + B_BYTES) + 2 * STAGES * 8 + 1024;  // + barriers + alignment slack
}  // namespace wg

#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define NTC_SM90A 1
#else
#define NTC_SM90A 0
#endif

#if NTC_SM90A
__device__ __forceinline__ void mbar_init(uint32_t bar, uint32_t count) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(bar), "r"(count) : "memory");
}
__device__ __forceinline__ void mbar_arrive_expect_tx(uint32_t bar, uint32_t bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(bar), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbar_arrive(uint32_t bar) {
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];\n" ::"r"(bar) : "memory");
}
// Waits until the barrier's phase with the given parity has completed.
__device__ __forceinline__ void mbar_wait(uint32_t bar, uint32_t parity) {
    uint32_t done;
    do {
        asm volatile(
            "{\n.reg .pred p;\n"
            "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
            "selp.u32 %0, 1, 0, p;\n}\n"
            : "=r"(done)
            : "r"(bar), "r"(parity)
            : "memory");
    } while (!done);
}
// 2-D TMA load of the box at (c0 = innermost/k, c1 = row) into shared memory,
// completing `bytes` of transaction on the mbarrier.
__device__ __forceinline__ void tma_load_2d(uint32_t dst, const CUtensorMap* map, int c0, int c1, uint32_t bar) {
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];\n" ::"r"(
            dst),
        "l"(reinterpret_cast<uint64_t>(map)), "r"(c0), "r"(c1), "r"(bar)
        : "memory");
}
__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_wait0() { asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory"); }
// Keeps the compiler from moving accesses of the accumulator registers across
// the asynchronous wgmma (the role of CUTLASS's warpgroup_fence_operand).
__device__ __forceinline__ void fence_regs(float (&d)[64]) {
#pragma unroll
    for (int i = 0; i < 64; ++i) asm volatile("" : "+f"(d[i])::"memory");
}
// Shared-memory matrix descriptor for a K-major operand tile written by TMA
// with 128-byte swizzle: rows of 128 bytes, 8-row (1024-byte) swizzle atoms
// stacked along M/N (stride byte offset 1024); the leading byte offset is
// unused for swizzled K-major layouts (set to 1, i.e. 16 bytes). The atoms
// must be 1024-byte aligned (base offset 0); a k step of 32 bytes inside the
// 128-byte row is taken by advancing the start address, the hardware applies
// the XOR swizzle to the final address.
__device__ __forceinline__ uint64_t smem_desc(uint32_t addr) {
    uint64_t d = 0;
    d |= (uint64_t)((addr & 0x3FFFFu) >> 4);       // bits 0-13: start address >> 4
    d |= (uint64_t)(16u >> 4) << 16;               // bits 16-29: leading byte offset >> 4
    d |= (uint64_t)(1024u >> 4) << 32;             // bits 32-45: stride byte offset >> 4
    d |= (uint64_t)1 << 62;                        // bits 62-63: 1 = 128-byte swizzle
    return d;
}
#define NTC_WGMMA_M64N128K32(AS, BS)                                                                   \
    asm volatile(                                                                                      \
        "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"                                                 \
        "wgmma.mma_async.sync.aligned.m64n128k32.f32." AS "." BS " "                                   \
        "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, "  \
        "%64, %65, p, 1, 1;\n}\n"                                                                      \
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])  \
        : "l"(da), "l"(db), "r"(scale_d))

// d (64 x 128 per warpgroup) = (scale_d ? d : 0) + A (64 x 32, K-major, smem) * B (128 x 32, K-major, smem)^T.
template <int AT, int BT>
__device__ __forceinline__ void wgmma_m64n128k32(float (&d)[64], uint64_t da, uint64_t db, int scale_d) {
    if constexpr (AT == 0 && BT == 0)
        NTC_WGMMA_M64N128K32("e4m3", "e4m3");
    else if constexpr (AT == 0 && BT == 1)
        NTC_WGMMA_M64N128K32("e4m3", "e5m2");
    else if constexpr (AT == 1 && BT == 0)
        NTC_WGMMA_M64N128K32("e5m2", "e4m3");
    else
        NTC_WGMMA_M64N128K32("e5m2", "e5m2");
}
#endif  // NTC_SM90A
#undef NTC_WGMMA_M64N128K32

template <int AT, int BT>
__global__ void __launch_bounds__(wg::THREADS, 1)
    fp8_wgmma_kernel(const __grid_constant__ CUtensorMap tmA, const __grid_constant__ CUtensorMap tmB, int K, Epi e) {
#if NTC_SM90A
    using namespace wg;
    extern __shared__ uint8_t smem_raw[];
    const uint32_t base = (smem_u32(smem_raw) + 1023u) & ~1023u;  // swizzle atoms need 1024-byte alignment
    const uint32_t sA = base;                                     // STAGES x [BM rows][128 B]
    const uint32_t sB = base + STAGES * A_BYTES;                  // STAGES x [BN rows][128 B]
    const uint32_t bars = sB + STAGES * B_BYTES;                  // full[STAGES], empty[STAGES]
    auto full = [&](int s) { return bars + 8u * (uint32_t)s; };
    auto empty = [&](int s) { return bars + 8u * (uint32_t)(STAGES + s); };

    const int tid = threadIdx.x;
    const int wgi = tid / 128;
    const int KT = (K + BK - 1) / BK;
    const int m0 = blockIdx.x * BM, n0 = blockIdx.y * BN;

    if (tid == 0) {
        for (int s = 0; s < STAGES; ++s) {
            mbar_init(full(s), 1);      // the producer's arrive.expect_tx (+ TMA bytes)
            mbar_init(empty(s), 256);   // every consumer thread, once done with the stage
        }
        asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
    }
    __syncthreads();

    if (wgi == 0) {
        // Producer: one thread fills the ring. Stage s holds k tile kt for
        // kt = s, s + STAGES, ...; before refilling it waits for the
        // (kt / STAGES - 1)-th completion of empty[s].
        if (tid == 0) {
            for (int kt = 0; kt < KT; ++kt) {
                const int s = kt % STAGES;
                if (kt >= STAGES) mbar_wait(empty(s), (uint32_t)((kt / STAGES - 1) & 1));
                mbar_arrive_expect_tx(full(s), (uint32_t)(A_BYTES + B_BYTES));  // full box, OOB part zero-filled
                tma_load_2d(sA + s * A_BYTES, &tmA, kt * BK, m0, full(s));
                tma_load_2d(sB + s * B_BYTES, &tmB, kt * BK, n0, full(s));
            }
        }
        return;  // no block-wide barrier follows
    }

    // Consumers: warpgroup cw computes rows cw*64 .. cw*64+63 of the tile.
    const int cw = wgi - 1;
    float acc[64], part[64];
#pragma unroll
    for (int i = 0; i < 64; ++i) acc[i] = part[i] = 0.f;

    for (int kt = 0; kt < KT; ++kt) {
        const int s = kt % STAGES;
        mbar_wait(full(s), (uint32_t)((kt / STAGES) & 1));
        const uint32_t a0 = sA + s * A_BYTES + cw * 64 * BK;  // 64 rows x 128 B = 8 KiB: 1024-aligned
        const uint32_t b0 = sB + s * B_BYTES;
        fence_regs(part);
        wgmma_fence();
#pragma unroll
        for (int j = 0; j < BK / 32; ++j)  // k32 steps: +32 bytes along the 128-byte row
            wgmma_m64n128k32<AT, BT>(part, smem_desc(a0 + 32u * j), smem_desc(b0 + 32u * j), j > 0 ? 1 : 0);
        wgmma_commit();
        wgmma_wait0();
        fence_regs(part);
        mbar_arrive(empty(s));  // this thread's wgmmas reading stage s are complete
#pragma unroll
        for (int i = 0; i < 64; ++i) acc[i] += part[i];  // promotion to F32 on the CUDA cores
    }

    // Accumulator layout of wgmma m64nN (f32): warp w of the warpgroup holds
    // rows 16w .. 16w+15; for n8 chunk c, d[4c + r] is at row g + 8*(r/2),
    // col 8c + 2t + (r%2), with g = lane / 4, t = lane % 4.
    const int lane = tid & 31, w = (tid / 32) & 3;
    const int64_t row0 = (int64_t)m0 + cw * 64 + w * 16 + (lane >> 2);
    const int64_t col0 = (int64_t)n0 + 2 * (lane & 3);
#pragma unroll
    for (int c = 0; c < 16; ++c)
#pragma unroll
        for (int r = 0; r < 4; ++r) store_out(e, row0 + (r >> 1) * 8, col0 + c * 8 + (r & 1), acc[4 * c + r]);
#else
    __trap();  // compiled only for sm_90a; the host checks binaryVersion and never launches it elsewhere
#endif
}

// ------------------------------------------- wgmma, warp-specialized (FP8_WGMMA)

namespace ws {
constexpr int BM = 128, BN = 192, BK = 128;  // CTA tile; BK = one 128-byte swizzle row = one promotion interval
constexpr int STAGES = 5;
constexpr int THREADS = 384;                 // warpgroup 0: producer; 1, 2: consumers (rows 0-63, 64-127)
constexpr int A_BYTES = BM * BK;             // 16 KiB
constexpr int B_BYTES = BN * BK;             // 24 KiB
constexpr int STAGE_BYTES = A_BYTES + B_BYTES;
constexpr int SMEM = STAGES * STAGE_BYTES + 2 * STAGES * 8 + 1024;  // 205,904 B: ring + barriers + alignment slack
constexpr int NACC = BN / 2;                 // F32 accumulator registers per thread for a 64 x BN warpgroup tile
constexpr int CONSUMER_WARPS = 8;            // arrivals on an empty barrier (lane 0 of each consumer warp)
constexpr int GROUP_M = 8;                   // rasterization: runs of GROUP_M m-tiles sweep the n-tiles together
constexpr int PRODUCER_REGS = 40, CONSUMER_REGS = 232;  // 128 * 40 + 256 * 232 = 64,512 = 384 * 168
static_assert(A_BYTES % 1024 == 0 && B_BYTES % 1024 == 0, "stages keep the 1024-byte swizzle-atom alignment");
static_assert(SMEM <= 227 * 1024, "fits the opt-in shared memory of sm_90");
static_assert(BN % 8 == 0 && BN <= 256 && BN % 16 == 0, "a valid wgmma N");
static_assert(NACC == 96, "wgmma_m64n192k32 below takes 96 accumulators");
static_assert(CONSUMER_WARPS == (THREADS - 128) / 32, "every consumer warp arrives once per stage");
static_assert(PRODUCER_REGS % 8 == 0 && CONSUMER_REGS % 8 == 0 &&
                  128 * PRODUCER_REGS + (THREADS - 128) * CONSUMER_REGS <= THREADS * 168,
              "setmaxnreg moves registers within the 168 per thread the launch allocates");
}  // namespace ws

// Tile t of a persistent CTA's sequence -> (m tile, n tile). Tiles run in
// groups of GROUP_M m-tiles; inside a group the m index moves fastest, so the
// ~132 tiles resident at once share a few A row-blocks and B row-blocks in L2.
// (Host-emulated: every (mb, nb) comes out exactly once for t < num_m * num_n.)
__host__ __device__ __forceinline__ void ws_tile(int t, int num_m, int num_n, int& mb, int& nb) {
    const int per_group = ws::GROUP_M * num_n;
    const int group = t / per_group;
    const int first_m = group * ws::GROUP_M;
    const int gsize = (num_m - first_m) < ws::GROUP_M ? (num_m - first_m) : ws::GROUP_M;
    const int r = t - group * per_group;
    mb = first_m + r % gsize;
    nb = r / gsize;
}

#if NTC_SM90A
template <int R>
__device__ __forceinline__ void setmaxnreg_inc() {
    asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(R));
}
template <int R>
__device__ __forceinline__ void setmaxnreg_dec() {
    asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(R));
}
template <int N>
__device__ __forceinline__ void fence_regs_n(float (&d)[N]) {
#pragma unroll
    for (int i = 0; i < N; ++i) asm volatile("" : "+f"(d[i])::"memory");
}
#define NTC_WGMMA_M64N192K32(AS, BS)                                                                   \
    asm volatile(                                                                                      \
        "{\n.reg .pred p;\nsetp.ne.b32 p, %98, 0;\n"                                                 \
        "wgmma.mma_async.sync.aligned.m64n192k32.f32." AS "." BS " "                                   \
        "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, %64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, %80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95}, "  \
        "%96, %97, p, 1, 1;\n}\n"                                                                      \
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]), "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]), "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]), "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]), "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95])  \
        : "l"(da), "l"(db), "r"(scale_d))

// d (64 x 192 per warpgroup) = (scale_d ? d : 0) + A (64 x 32, K-major, smem) * B (192 x 32, K-major, smem)^T.
template <int AT, int BT>
__device__ __forceinline__ void wgmma_m64n192k32(float (&d)[96], uint64_t da, uint64_t db, int scale_d) {
    if constexpr (AT == 0 && BT == 0)
        NTC_WGMMA_M64N192K32("e4m3", "e4m3");
    else if constexpr (AT == 0 && BT == 1)
        NTC_WGMMA_M64N192K32("e4m3", "e5m2");
    else if constexpr (AT == 1 && BT == 0)
        NTC_WGMMA_M64N192K32("e5m2", "e4m3");
    else
        NTC_WGMMA_M64N192K32("e5m2", "e5m2");
}
#undef NTC_WGMMA_M64N192K32
#endif  // NTC_SM90A

// Persistent, warp-specialized kernel. Grid = min(#tiles, #SMs); CTA b runs
// tiles b, b + gridDim.x, ... (ws_tile order). The k-tile ring (STAGES deep)
// runs on across tiles: global k-iteration `it` -> stage it % STAGES, phase
// (it / STAGES) & 1, the same count in the producer and the consumers, so the
// producer prefetches the next tile's first stages during the epilogue.
//
// Producer (warpgroup 0, setmaxnreg 40): one thread waits for empty[s], arms
// full[s] with the stage's bytes and issues the two TMA loads (128B swizzle,
// out-of-bounds rows and k zero-filled, the full box always counted).
// Consumers (warpgroups 1, 2, setmaxnreg 232): each owns 64 rows x 192 cols.
// Per k tile: 4 x wgmma m64n192k32 into a fresh `part` (scale_d = 0 on the
// first), commit, wait_group 0, release the stage (lane 0 of each warp
// arrives on empty[s]), then acc += part in F32 (promotion every 128 of K).
// The tensor cores stay busy across a warpgroup's wait/promotion because the
// other consumer warpgroup's wgmmas are queued meanwhile (as in DeepGEMM); a
// second `part` set to keep one warpgroup's own wgmmas in flight would need
// 3 x 96 accumulator registers.
// Epilogue: straight from registers: out = ((alpha * sa[m]) * sb[n]) * acc
// (store_out's formula), F32 as float2 / BF16 as bf16x2 stores when `vec`
// (N even, out aligned), else scalar; rows >= M and cols >= N are skipped.
template <int AT, int BT>
__global__ void __launch_bounds__(ws::THREADS, 1)
    fp8_wgmma_ws_kernel(const __grid_constant__ CUtensorMap tmA, const __grid_constant__ CUtensorMap tmB, int K,
                        int num_m, int num_n, Epi e, int vec) {
#if NTC_SM90A
    using namespace ws;
    extern __shared__ uint8_t smem_raw[];
    const uint32_t base = (smem_u32(smem_raw) + 1023u) & ~1023u;  // swizzle atoms need 1024-byte alignment
    const uint32_t sA = base;                                     // STAGES x [BM rows][128 B]
    const uint32_t sB = base + STAGES * A_BYTES;                  // STAGES x [BN rows][128 B]
    const uint32_t bars = sB + STAGES * B_BYTES;                  // full[STAGES], empty[STAGES]
    auto full = [&](uint32_t s) { return bars + 8u * s; };
    auto empty = [&](uint32_t s) { return bars + 8u * (uint32_t)(STAGES + s); };

    const int tid = threadIdx.x;
    const int wgi = tid / 128;
    const int KT = (int)(((int64_t)K + BK - 1) / BK);
    const int num_tiles = num_m * num_n;  // the host checked it fits an int

    if (tid == 0) {
        for (int s = 0; s < STAGES; ++s) {
            mbar_init(full(s), 1);                // the producer's arrive.expect_tx (+ TMA bytes)
            mbar_init(empty(s), CONSUMER_WARPS);  // lane 0 of every consumer warp, once its wgmmas are done
        }
        asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
    }
    __syncthreads();  // the last block-wide barrier: the warpgroups part here

    if (wgi == 0) {
        setmaxnreg_dec<PRODUCER_REGS>();  // whole warpgroup (.sync.aligned), before any thread leaves
        if (tid == 0) {
            uint32_t it = 0;
            for (int t = blockIdx.x; t < num_tiles; t += gridDim.x) {
                int mb, nb;
                ws_tile(t, num_m, num_n, mb, nb);
                for (int kt = 0; kt < KT; ++kt, ++it) {
                    const uint32_t s = it % STAGES, round = it / STAGES;
                    if (round > 0) mbar_wait(empty(s), (round - 1) & 1u);  // the consumers freed round-1's data
                    mbar_arrive_expect_tx(full(s), (uint32_t)STAGE_BYTES);
                    tma_load_2d(sA + s * A_BYTES, &tmA, kt * BK, mb * BM, full(s));
                    tma_load_2d(sB + s * B_BYTES, &tmB, kt * BK, nb * BN, full(s));
                }
            }
        }
        return;  // the consumers wait on every full barrier, so the CTA outlives all TMA writes
    }

    setmaxnreg_inc<CONSUMER_REGS>();
    const int cw = wgi - 1;  // rows cw*64 .. cw*64+63 of the tile
    const int lane = tid & 31, w = (tid / 32) & 3;
    float acc[NACC], part[NACC];
#pragma unroll
    for (int i = 0; i < NACC; ++i) part[i] = 0.f;

    uint32_t it = 0;
    for (int t = blockIdx.x; t < num_tiles; t += gridDim.x) {
        int mb, nb;
        ws_tile(t, num_m, num_n, mb, nb);
#pragma unroll
        for (int i = 0; i < NACC; ++i) acc[i] = 0.f;

        for (int kt = 0; kt < KT; ++kt, ++it) {
            const uint32_t s = it % STAGES;
            mbar_wait(full(s), (it / STAGES) & 1u);
            const uint32_t a0 = sA + s * A_BYTES + cw * 64 * BK;  // 64 rows x 128 B = 8 KiB: 1024-aligned
            const uint32_t b0 = sB + s * B_BYTES;
            fence_regs_n(part);
            wgmma_fence();
#pragma unroll
            for (int j = 0; j < BK / 32; ++j)  // k32 steps: +32 bytes along the 128-byte row
                wgmma_m64n192k32<AT, BT>(part, smem_desc(a0 + 32u * j), smem_desc(b0 + 32u * j), j > 0 ? 1 : 0);
            wgmma_commit();
            wgmma_wait0();
            fence_regs_n(part);
            __syncwarp();
            if (lane == 0) mbar_arrive(empty(s));  // this warp's wgmmas reading stage s are complete
#pragma unroll
            for (int i = 0; i < NACC; ++i) acc[i] += part[i];  // promotion to F32 on the CUDA cores
        }

        // Accumulator layout of wgmma m64nN (f32): warp w of the warpgroup holds
        // rows 16w .. 16w+15; for n8 chunk c, acc[4c + r] is at row g + 8*(r/2),
        // col 8c + 2t + (r%2), with g = lane / 4, t = lane % 4.
        const int64_t r0 = (int64_t)mb * BM + cw * 64 + w * 16 + (lane >> 2);
        const int64_t c0 = (int64_t)nb * BN + 2 * (lane & 3);
        float sr[2];
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int64_t m = r0 + 8 * h;
            sr[h] = m < e.M ? e.alpha * e.sa[e.sa_row ? m : 0] : 0.f;
        }
#pragma unroll
        for (int c = 0; c < BN / 8; ++c) {
            const int64_t n = c0 + 8 * c;
            if (n < e.N) {
                const bool has1 = n + 1 < e.N;
                const float b0v = e.sb[e.sb_row ? n : 0];
                const float b1v = has1 ? e.sb[e.sb_row ? n + 1 : 0] : 0.f;
#pragma unroll
                for (int h = 0; h < 2; ++h) {
                    const int64_t m = r0 + 8 * h;
                    if (m < e.M) {
                        const float v0 = (sr[h] * b0v) * acc[4 * c + 2 * h];
                        const float v1 = (sr[h] * b1v) * acc[4 * c + 2 * h + 1];
                        const int64_t i = m * e.N + n;
                        if (e.out_bf16) {
                            uint16_t* o = static_cast<uint16_t*>(e.out) + i;
                            const uint16_t h0 = nt::f32_to_bf16(v0), h1 = nt::f32_to_bf16(v1);
                            if (vec && has1) {
                                *reinterpret_cast<uint32_t*>(o) = (uint32_t)h0 | ((uint32_t)h1 << 16);
                            } else {
                                o[0] = h0;
                                if (has1) o[1] = h1;
                            }
                        } else {
                            float* o = static_cast<float*>(e.out) + i;
                            if (vec && has1) {
                                *reinterpret_cast<float2*>(o) = make_float2(v0, v1);
                            } else {
                                o[0] = v0;
                                if (has1) o[1] = v1;
                            }
                        }
                    }
                }
            }
        }
    }
#else
    __trap();  // compiled only for sm_90a; the host checks binaryVersion and never launches it elsewhere
#endif
}

// ------------------------------------------------------------------ host

int launch_error() {
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) return nt::fail(NT_ERR_DEVICE, "fp8_gemm: %s", cudaGetErrorString(e));
    return NT_OK;
}

// SASS version of the cubin the runtime picked for `kernel` on the current
// device (e.g. 90), or 0 (with the reason in *why) when there is none.
int binary_version(const void* kernel, const char** why) {
    cudaFuncAttributes fa;
    const cudaError_t e = cudaFuncGetAttributes(&fa, kernel);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        *why = cudaGetErrorString(e);
        return 0;
    }
    return fa.binaryVersion;
}

typedef CUresult (*EncodeTiledFn)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*, const cuuint64_t*,
                                  const cuuint64_t*, const cuuint32_t*, const cuuint32_t*, CUtensorMapInterleave,
                                  CUtensorMapSwizzle, CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

EncodeTiledFn encode_tiled_fn() {
    static EncodeTiledFn fn = [] {
        void* p = nullptr;
        cudaDriverEntryPointQueryResult q = cudaDriverEntryPointSymbolNotFound;
        if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &p, 12000, cudaEnableDefault, &q) !=
                cudaSuccess ||
            q != cudaDriverEntryPointSuccess)
            p = nullptr;
        (void)cudaGetLastError();
        return reinterpret_cast<EncodeTiledFn>(p);
    }();
    return fn;
}

// Tensor map of a row-major [rows, K] FP8 matrix, box 128 (k) x box_rows,
// 128-byte swizzle, out-of-bounds elements read as zero.
int make_map(CUtensorMap* map, const uint8_t* ptr, int64_t rows, int64_t K, int box_rows) {
    EncodeTiledFn enc = encode_tiled_fn();
    if (!enc) return nt::fail(NT_ERR_UNSUPPORTED, "fp8_gemm: cuTensorMapEncodeTiled is not available from the driver");
    const cuuint64_t dims[2] = {(cuuint64_t)K, (cuuint64_t)rows};
    const cuuint64_t strides[1] = {(cuuint64_t)K};  // bytes between rows
    static_assert(wg::BK == 128 && ws::BK == 128, "box inner extent = the 128-byte swizzle span");
    const cuuint32_t box[2] = {128u, (cuuint32_t)box_rows};
    const cuuint32_t estr[2] = {1, 1};
    const CUresult r = enc(map, CU_TENSOR_MAP_DATA_TYPE_UINT8, 2, const_cast<uint8_t*>(ptr), dims, strides, box, estr,
                           CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                           CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (r != CUDA_SUCCESS)
        return nt::fail(NT_ERR_DEVICE, "fp8_gemm: cuTensorMapEncodeTiled failed (CUresult %d) for [%lld, %lld]", (int)r,
                        (long long)rows, (long long)K);
    return NT_OK;
}

template <int AT, int BT>
int run_mma(const ntc::Fp8Gemm& g, const Epi& e, cudaStream_t st) {
    auto kern = fp8_mma_kernel<AT, BT>;
    cudaError_t ce = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, ms::SMEM);
    if (ce != cudaSuccess) {
        (void)cudaGetLastError();
        return nt::fail(NT_ERR_DEVICE, "fp8_gemm: %s", cudaGetErrorString(ce));
    }
    const dim3 grid((unsigned)((g.M + ms::BM - 1) / ms::BM), (unsigned)((g.N + ms::BN - 1) / ms::BN));
    kern<<<grid, ms::THREADS, ms::SMEM, st>>>(g.a, g.b, (int)g.K, e);
    return launch_error();
}

template <int AT, int BT>
int run_wgmma(const ntc::Fp8Gemm& g, const Epi& e, cudaStream_t st) {
    CUtensorMap ma, mb;
    int rc = make_map(&ma, g.a, g.M, g.K, wg::BM);
    if (rc != NT_OK) return rc;
    rc = make_map(&mb, g.b, g.N, g.K, wg::BN);
    if (rc != NT_OK) return rc;
    auto kern = fp8_wgmma_kernel<AT, BT>;
    cudaError_t ce = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, wg::SMEM);
    if (ce != cudaSuccess) {
        (void)cudaGetLastError();
        return nt::fail(NT_ERR_DEVICE, "fp8_gemm: %s", cudaGetErrorString(ce));
    }
    const dim3 grid((unsigned)((g.M + wg::BM - 1) / wg::BM), (unsigned)((g.N + wg::BN - 1) / wg::BN));
    kern<<<grid, wg::THREADS, wg::SMEM, st>>>(ma, mb, (int)g.K, e);
    return launch_error();
}

template <int AT, int BT>
int run_wgmma_ws(const ntc::Fp8Gemm& g, const Epi& e, cudaStream_t st) {
    const int64_t num_m = (g.M + ws::BM - 1) / ws::BM, num_n = (g.N + ws::BN - 1) / ws::BN;
    if (num_m * num_n > (int64_t)INT32_MAX)
        return nt::fail(NT_ERR_UNSUPPORTED, "fp8_gemm FP8_WGMMA: too many tiles (M = %lld, N = %lld)", (long long)g.M,
                        (long long)g.N);
    CUtensorMap ma, mb;
    int rc = make_map(&ma, g.a, g.M, g.K, ws::BM);
    if (rc != NT_OK) return rc;
    rc = make_map(&mb, g.b, g.N, g.K, ws::BN);
    if (rc != NT_OK) return rc;
    int dev = 0, sms = 0;
    cudaError_t ce = cudaGetDevice(&dev);
    if (ce == cudaSuccess) ce = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev);
    auto kern = fp8_wgmma_ws_kernel<AT, BT>;
    if (ce == cudaSuccess) ce = cudaFuncSetAttribute(kern, cudaFuncAttributeMaxDynamicSharedMemorySize, ws::SMEM);
    if (ce != cudaSuccess) {
        (void)cudaGetLastError();
        return nt::fail(NT_ERR_DEVICE, "fp8_gemm: %s", cudaGetErrorString(ce));
    }
    const int64_t tiles = num_m * num_n;
    const unsigned grid = (unsigned)(tiles < (int64_t)(sms > 0 ? sms : 1) ? tiles : (int64_t)(sms > 0 ? sms : 1));
    // Vector stores need an even N (every row then starts 2-element aligned) and an aligned out.
    const uintptr_t oal = reinterpret_cast<uintptr_t>(g.out) & (e.out_bf16 ? 3u : 7u);
    const int vec = (g.N % 2 == 0 && oal == 0) ? 1 : 0;
    kern<<<grid, ws::THREADS, ws::SMEM, st>>>(ma, mb, (int)g.K, (int)num_m, (int)num_n, e, vec);
    return launch_error();
}

template <template <int, int> class Run>
int dispatch_types(const ntc::Fp8Gemm& g, const Epi& e, cudaStream_t st) {
    const int at = g.a_dtype == NT_F8_E5M2, bt = g.b_dtype == NT_F8_E5M2;
    if (!at && !bt) return Run<0, 0>::go(g, e, st);
    if (!at && bt) return Run<0, 1>::go(g, e, st);
    if (at && !bt) return Run<1, 0>::go(g, e, st);
    return Run<1, 1>::go(g, e, st);
}
template <int AT, int BT>
struct RunMma {
    static int go(const ntc::Fp8Gemm& g, const Epi& e, cudaStream_t st) { return run_mma<AT, BT>(g, e, st); }
};
template <int AT, int BT>
struct RunWgmma {
    static int go(const ntc::Fp8Gemm& g, const Epi& e, cudaStream_t st) { return run_wgmma<AT, BT>(g, e, st); }
};
template <int AT, int BT>
struct RunWgmmaWs {
    static int go(const ntc::Fp8Gemm& g, const Epi& e, cudaStream_t st) { return run_wgmma_ws<AT, BT>(g, e, st); }
};

}  // namespace ntc_fp8

namespace ntc {
using namespace ntc_fp8;

// Not in cuda_ops.h: the lab's handle on the previous Hopper kernel
// (fp8_wgmma_kernel: 128x128 tiles, one tile per CTA), kept as a reference
// point and fallback. FP8_AUTO never picks it.
constexpr int kFp8WgmmaBasic = 4;

int fp8_gemm(const Fp8Gemm& g, int path, void* stream) {
    const bool a_ok = g.a_dtype == NT_F8_E4M3 || g.a_dtype == NT_F8_E5M2;
    const bool b_ok = g.b_dtype == NT_F8_E4M3 || g.b_dtype == NT_F8_E5M2;
    if (!a_ok || !b_ok) return nt::fail(NT_ERR_DTYPE, "fp8_gemm: A and B must be E4M3 or E5M2 (got dtypes %d, %d)", g.a_dtype, g.b_dtype);
    if (g.out_dtype != NT_F32 && g.out_dtype != NT_BF16)
        return nt::fail(NT_ERR_DTYPE, "fp8_gemm: out must be F32 or BF16 (got dtype %d)", g.out_dtype);
    if ((path < FP8_AUTO || path > FP8_SIMT) && path != kFp8WgmmaBasic) return nt::fail(NT_ERR_ARGUMENT, "fp8_gemm: unknown path %d", path);
    if (g.M < 0 || g.N < 0 || g.K < 0) return nt::fail(NT_ERR_SHAPE, "fp8_gemm: negative shape");
    if (g.M == 0 || g.N == 0) return NT_OK;
    cudaStream_t st = static_cast<cudaStream_t>(stream);
    const size_t out_bytes = (size_t)g.M * (size_t)g.N * (g.out_dtype == NT_BF16 ? 2u : 4u);
    if (g.K == 0) {  // empty sum: out = 0 (+0.0 in F32 and BF16)
        const cudaError_t e = cudaMemsetAsync(g.out, 0, out_bytes, st);
        if (e != cudaSuccess) return nt::fail(NT_ERR_DEVICE, "fp8_gemm: %s", cudaGetErrorString(e));
        return NT_OK;
    }
    if (g.M > INT32_MAX || g.N > INT32_MAX || g.K > INT32_MAX)
        return nt::fail(NT_ERR_UNSUPPORTED, "fp8_gemm: M, N, K must each be below 2^31 (M = %lld, N = %lld, K = %lld)",
                        (long long)g.M, (long long)g.N, (long long)g.K);

    int dev = 0, major = 0, minor = 0;
    cudaError_t ce = cudaGetDevice(&dev);
    if (ce == cudaSuccess) ce = cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev);
    if (ce == cudaSuccess) ce = cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev);
    if (ce != cudaSuccess) {
        (void)cudaGetLastError();
        return nt::fail(NT_ERR_DEVICE, "fp8_gemm: %s", cudaGetErrorString(ce));
    }
    const int cc = major * 10 + minor;

    Epi e;
    e.out = g.out;
    e.sa = g.a_scale;
    e.sb = g.b_scale;
    e.M = g.M;
    e.N = g.N;
    e.alpha = g.alpha;
    e.sa_row = g.a_per_row ? 1 : 0;
    e.sb_row = g.b_per_row ? 1 : 0;
    e.out_bf16 = g.out_dtype == NT_BF16;

    // What the tensor-core paths need, and why they cannot run (for the message).
    const bool aligned = g.K % 16 == 0 && (reinterpret_cast<uintptr_t>(g.a) & 15u) == 0 &&
                         (reinterpret_cast<uintptr_t>(g.b) & 15u) == 0;
    const char* mma_why = "";
    const char* wg_why = "";
    const int mma_bin = binary_version((const void*)fp8_mma_kernel<0, 0>, &mma_why);
    const bool mma_ok = cc >= 89 && mma_bin >= 89;
    const char* ws_why = "";
    const int wg_bin = binary_version((const void*)fp8_wgmma_kernel<0, 0>, &wg_why);
    const bool wg_ok = major == 9 && wg_bin == 90;  // only the sm_90a cubin has the wgmma code
    const int ws_bin = binary_version((const void*)fp8_wgmma_ws_kernel<0, 0>, &ws_why);
    const bool ws_ok = major == 9 && ws_bin == 90;
    // 2-D grids of 128-column tiles (mma.sync, basic wgmma); FP8_WGMMA is persistent (1-D grid).
    const bool grid_ok = (g.N + 127) / 128 <= 65535;

    int p = path;
    if (p == FP8_AUTO) p = (aligned && ws_ok) ? FP8_WGMMA : (aligned && grid_ok && mma_ok) ? FP8_MMA_SYNC : FP8_SIMT;

    if (p == FP8_MMA_SYNC || p == FP8_WGMMA || p == kFp8WgmmaBasic) {
        const char* name = p == FP8_WGMMA ? "FP8_WGMMA" : p == kFp8WgmmaBasic ? "wgmma_basic" : "FP8_MMA_SYNC";
        if (g.K % 16 != 0)
            return nt::fail(NT_ERR_UNSUPPORTED, "fp8_gemm %s: K = %lld is not a multiple of 16", name, (long long)g.K);
        if (!aligned)
            return nt::fail(NT_ERR_UNSUPPORTED, "fp8_gemm %s: A and B must be 16-byte aligned", name);
        if (!grid_ok && p != FP8_WGMMA)
            return nt::fail(NT_ERR_UNSUPPORTED, "fp8_gemm %s: N = %lld is too large (at most 65535 tiles of 128)", name,
                            (long long)g.N);
        if (p == FP8_MMA_SYNC && !mma_ok)
            return nt::fail(NT_ERR_UNSUPPORTED,
                            "fp8_gemm FP8_MMA_SYNC: needs compute capability 8.9+ and sm_89+ code in this build "
                            "(device %d.%d, kernel binary sm_%d%s%s)",
                            major, minor, mma_bin, mma_bin ? "" : ": ", mma_bin ? "" : mma_why);
        if (p == FP8_WGMMA && !ws_ok)
            return nt::fail(NT_ERR_UNSUPPORTED,
                            "fp8_gemm FP8_WGMMA: needs compute capability 9.0 and the sm_90a build "
                            "(device %d.%d, kernel binary sm_%d%s%s)",
                            major, minor, ws_bin, ws_bin ? "" : ": ", ws_bin ? "" : ws_why);
        if (p == kFp8WgmmaBasic && !wg_ok)
            return nt::fail(NT_ERR_UNSUPPORTED,
                            "fp8_gemm wgmma_basic: needs compute capability 9.0 and the sm_90a build "
                            "(device %d.%d, kernel binary sm_%d%s%s)",
                            major, minor, wg_bin, wg_bin ? "" : ": ", wg_bin ? "" : wg_why);
        if (p == FP8_WGMMA) return dispatch_types<RunWgmmaWs>(g, e, st);
        if (p == kFp8WgmmaBasic) return dispatch_types<RunWgmma>(g, e, st);
        return dispatch_types<RunMma>(g, e, st);
    }

    // SIMT
    if ((g.N + kSimtT - 1) / kSimtT > 65535)
        return nt::fail(NT_ERR_UNSUPPORTED, "fp8_gemm FP8_SIMT: N = %lld is too large (at most 65535 tiles of 16)",
                        (long long)g.N);
    const dim3 grid((unsigned)((g.M + kSimtT - 1) / kSimtT), (unsigned)((g.N + kSimtT - 1) / kSimtT));
    fp8_simt_kernel<<<grid, dim3(kSimtT, kSimtT), 0, st>>>(g.a, g.b, g.a_dtype == NT_F8_E5M2, g.b_dtype == NT_F8_E5M2,
                                                            g.K, e);
    return launch_error();
}

}  // namespace ntc
