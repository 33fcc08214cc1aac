// In-place sum all-reduce over n ranks (cuda_ops.h): a classic ring
// (reduce-scatter, then all-gather) driven from one host thread with one
// stream per rank, and the same operation through NCCL loaded at run time.
//
// Ring. The buffer is cut into n segments (segment boundaries are multiples
// of 16 bytes so that the kernels can use 16-byte loads; the last segments
// may be shorter or empty). Global step t = 0 .. 2n-3; at every step each
// rank r receives from its left neighbour p = r-1 (mod n) the segment
//     s(t, r) = (r - 1 - t) mod n
// and either adds it to its own copy (t < n-1: reduce-scatter) or overwrites
// its own copy with it (t >= n-1: all-gather). After the n-1 reduce-scatter
// steps rank r holds the full sum of segment r+1; the all-gather steps pass
// the finished segments around the ring.
//
// Every segment is cut into the same number C of chunks; an operation
// O(t, r, c) handles chunk c of s(t, r) on rank r. Dependencies:
//   RAW: O(t, r, c) reads what O(t-1, r-1, c) wrote (s(t-1, r-1) == s(t, r)).
//   WAR: O(t, r, c) overwrites a range that O(t+1-n, r+1, c) read; that
//        operation is reached from O(t, r, c) through the RAW chain
//        O(t-1, r-1), O(t-2, r-2), ..., O(t-(n-1), r-(n-1)) = O(t+1-n, r+1),
//        so waiting on the RAW predecessor is enough.
//   WAW/own reads: all writes to bufs[r] are on rank r's stream, in order.
// So each O(t, r, c) waits on one event, done[r-1][c] recorded after
// O(t-1, r-1, c), and records done[r][c] after itself. Host issue order is
// t, then c, then r; events are double-buffered by the parity of t, so an
// event is never re-recorded before the wait on its previous record has been
// enqueued. Chunks make the ring a pipeline: rank r+1 starts step t+1 on
// chunk 0 while rank r still works on later chunks of step t.
//
// Receive paths, chosen per rank (for the link p -> r):
//   direct: same device, or peer access p -> r is on. The reduce kernel on
//           rank r's device reads bufs[p] in place (fused recv-reduce, no
//           copy); the all-gather copies with cudaMemcpy(Peer)Async.
//   staged: no peer access. A second stream per rank copies chunk c into
//           one of two staging slots (cudaMemcpyPeerAsync) while the reduce
//           kernel works on the other slot (chunk c-1).
// The environment variable NTC_RING_STAGING=1 forces the staged path for
// every rank (a test hook: it lets one GPU exercise that path).
//
// BF16: each step computes float(dst) + float(src) and rounds once to BF16
// (round to nearest even).
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "cuda_ops.h"
#include "engine.h"

namespace ntc {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kAutoChunkBytes = int64_t(1) << 20;  // auto chunk: at least 1 MiB
constexpr int64_t kAutoChunksPerSeg = 4;                // ... and at most 4 chunks per segment
constexpr int64_t kMaxChunksPerSeg = 64;                // cap for explicit chunk_elems
constexpr int kSlots = 2;                               // staging slots per staged rank

// ------------------------------------------------------------------ kernels

__device__ __forceinline__ uint16_t f32_to_bf16_rn(float f) { return __bfloat16_as_ushort(__float2bfloat16_rn(f)); }

// Two packed BF16 (element 0 in the low half) added in F32, each rounded once.
__device__ __forceinline__ uint32_t add_bf16x2(uint32_t a, uint32_t b) {
    float lo = __uint_as_float(a << 16) + __uint_as_float(b << 16);
    float hi = __uint_as_float(a & 0xffff0000u) + __uint_as_float(b & 0xffff0000u);
    return (uint32_t)f32_to_bf16_rn(lo) | ((uint32_t)f32_to_bf16_rn(hi) << 16);
}

// dst[i] += src[i] for i < len. vec != 0: both pointers are 16-byte aligned,
// the first len/4 float4 are done with vector loads, the tail one by one.
// src may live on another device (read over P2P): no __restrict__/ldg on it.
__global__ void __launch_bounds__(kThreads) reduce_f32_kernel(float* dst, const float* src, int64_t len, int vec) {
    const int64_t tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    const int64_t stride = (int64_t)gridDim.x * blockDim.x;
    int64_t done = 0;
    if (vec) {
        const int64_t nv = len / 4;
        float4* d4 = reinterpret_cast<float4*>(dst);
        const float4* s4 = reinterpret_cast<const float4*>(src);
        for (int64_t i = tid; i < nv; i += stride) {
            float4 a = d4[i];
            const float4 b = s4[i];
            a.x += b.x;
            a.y += b.y;
            a.z += b.z;
            a.w += b.w;
            d4[i] = a;
        }
        done = nv * 4;
    }
    for (int64_t i = done + tid; i < len; i += stride) dst[i] += src[i];
}

// BF16 (raw uint16_t bits): dst[i] = bf16_rn(float(dst[i]) + float(src[i])).
// vec != 0: uint4 = 8 elements per load.
__global__ void __launch_bounds__(kThreads) reduce_bf16_kernel(uint16_t* dst, const uint16_t* src, int64_t len,
                                                               int vec) {
    const int64_t tid = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    const int64_t stride = (int64_t)gridDim.x * blockDim.x;
    int64_t done = 0;
    if (vec) {
        const int64_t nv = len / 8;
        uint4* d4 = reinterpret_cast<uint4*>(dst);
        const uint4* s4 = reinterpret_cast<const uint4*>(src);
        for (int64_t i = tid; i < nv; i += stride) {
            uint4 a = d4[i];
            const uint4 b = s4[i];
            a.x = add_bf16x2(a.x, b.x);
            a.y = add_bf16x2(a.y, b.y);
            a.z = add_bf16x2(a.z, b.z);
            a.w = add_bf16x2(a.w, b.w);
            d4[i] = a;
        }
        done = nv * 8;
    }
    for (int64_t i = done + tid; i < len; i += stride) {
        const float s = __uint_as_float((uint32_t)dst[i] << 16) + __uint_as_float((uint32_t)src[i] << 16);
        dst[i] = f32_to_bf16_rn(s);
    }
}

// ------------------------------------------------------------------ helpers

struct DeviceGuard {
    int prev = -1;
    DeviceGuard() {
        if (cudaGetDevice(&prev) != cudaSuccess) prev = -1;
    }
    ~DeviceGuard() {
        if (prev >= 0) cudaSetDevice(prev);
    }
};

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Checks shared by both entry points (who: the function name for messages).
int validate(const char* who, void* const* bufs, const int* devices, int n, int64_t count, int dtype) {
    if (n < 1) return nt::fail(NT_ERR_ARGUMENT, "%s: n = %d (need n >= 1)", who, n);
    if (!bufs) return nt::fail(NT_ERR_ARGUMENT, "%s: bufs is null", who);
    if (!devices) return nt::fail(NT_ERR_ARGUMENT, "%s: devices is null", who);
    if (dtype != NT_F32 && dtype != NT_BF16)
        return nt::fail(NT_ERR_ARGUMENT, "%s: dtype %d (need NT_F32 = %d or NT_BF16 = %d)", who, dtype, (int)NT_F32,
                        (int)NT_BF16);
    if (count < 0 || count > (INT64_MAX / 8)) return nt::fail(NT_ERR_ARGUMENT, "%s: count = %lld", who, (long long)count);
    int ndev = 0;
    cudaError_t e = cudaGetDeviceCount(&ndev);
    if (e != cudaSuccess) {
        (void)cudaGetLastError();
        return nt::fail(NT_ERR_DEVICE, "%s: %s", who, cudaGetErrorString(e));
    }
    for (int r = 0; r < n; ++r)
        if (devices[r] < 0 || devices[r] >= ndev)
            return nt::fail(NT_ERR_ARGUMENT, "%s: devices[%d] = %d (have %d device(s))", who, r, devices[r], ndev);
    if (count == 0) return NT_OK;
    for (int r = 0; r < n; ++r) {
        if (!bufs[r]) return nt::fail(NT_ERR_ARGUMENT, "%s: bufs[%d] is null", who, r);
        for (int q = 0; q < r; ++q)
            if (bufs[q] == bufs[r])
                return nt::fail(NT_ERR_ARGUMENT, "%s: bufs[%d] and bufs[%d] are the same buffer %p", who, q, r, bufs[r]);
        // Catch a buffer that is plainly on another device or in pageable
        // host memory; anything the runtime cannot classify is let through.
        cudaPointerAttributes at;
        std::memset(&at, 0, sizeof at);
        if (cudaPointerGetAttributes(&at, bufs[r]) == cudaSuccess) {
            if (at.type == cudaMemoryTypeDevice && at.device != devices[r])
                return nt::fail(NT_ERR_ARGUMENT, "%s: bufs[%d] = %p is on device %d, not devices[%d] = %d", who, r,
                                bufs[r], at.device, r, devices[r]);
            if (at.type == cudaMemoryTypeUnregistered)
                return nt::fail(NT_ERR_ARGUMENT, "%s: bufs[%d] = %p is not device memory", who, r, bufs[r]);
        } else {
            (void)cudaGetLastError();
        }
    }
    return NT_OK;
}

// Device-to-device copy between any two devices (or within one).
cudaError_t copy_async(void* dst, int dst_dev, const void* src, int src_dev, size_t bytes, cudaStream_t s) {
    if (dst_dev == src_dev) return cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, s);
    return cudaMemcpyPeerAsync(dst, dst_dev, src, src_dev, bytes, s);
}

struct Rank {
    int dev = 0;
    bool staged = false;
    int max_blocks = 1;
    cudaStream_t s = nullptr;   // reductions, all-gather copies, done events
    cudaStream_t cs = nullptr;  // staged only: copies into the staging slots
    cudaEvent_t copied[kSlots] = {nullptr, nullptr};
    cudaEvent_t slot_free[kSlots] = {nullptr, nullptr};
    char* stage = nullptr;            // staged only: kSlots * slot_bytes on dev
    std::vector<cudaEvent_t> done;    // [c * 2 + (t & 1)]
    int64_t q = 0;                    // staged receives issued so far (slot = q % kSlots)
};

// Owns the per-call streams, events and staging buffers; waits for and
// releases them on every exit path (the caller's device is restored by the
// DeviceGuard declared before this object).
struct RingResources {
    std::vector<Rank> ranks;
    ~RingResources() {
        for (Rank& R : ranks) {
            if (cudaSetDevice(R.dev) != cudaSuccess) continue;
            if (R.s) cudaStreamSynchronize(R.s);
            if (R.cs) cudaStreamSynchronize(R.cs);
            for (cudaEvent_t ev : R.done)
                if (ev) cudaEventDestroy(ev);
            for (int k = 0; k < kSlots; ++k) {
                if (R.copied[k]) cudaEventDestroy(R.copied[k]);
                if (R.slot_free[k]) cudaEventDestroy(R.slot_free[k]);
            }
            if (R.s) cudaStreamDestroy(R.s);
            if (R.cs) cudaStreamDestroy(R.cs);
            if (R.stage) cudaFree(R.stage);
        }
        (void)cudaGetLastError();
    }
};

// Enqueues dst += src (len elements of dtype) on stream s of the current device.
cudaError_t launch_reduce(void* dst, const void* src, int64_t len, int dtype, int max_blocks, cudaStream_t s) {
    const bool vec = ((reinterpret_cast<uintptr_t>(dst) | reinterpret_cast<uintptr_t>(src)) & 15u) == 0;
    const int64_t per = dtype == NT_F32 ? 4 : 8;  // elements per 16-byte vector
    const int64_t work = vec ? std::max<int64_t>(len / per, 1) : len;
    const int64_t blocks = std::min<int64_t>(std::max<int64_t>(ceil_div(work, kThreads), 1), max_blocks);
    if (dtype == NT_F32)
        reduce_f32_kernel<<<(unsigned)blocks, kThreads, 0, s>>>(static_cast<float*>(dst),
                                                                 static_cast<const float*>(src), len, vec ? 1 : 0);
    else
        reduce_bf16_kernel<<<(unsigned)blocks, kThreads, 0, s>>>(static_cast<uint16_t*>(dst),
                                                                  static_cast<const uint16_t*>(src), len, vec ? 1 : 0);
    return cudaGetLastError();
}

}  // namespace

#define RING_CK(x)                                                                                  \
    do {                                                                                            \
        cudaError_t e_ = (x);                                                                       \
        if (e_ != cudaSuccess) {                                                                    \
            (void)cudaGetLastError();                                                               \
            return nt::fail(NT_ERR_DEVICE, "ring_all_reduce: %s (%s)", cudaGetErrorString(e_), #x); \
        }                                                                                           \
    } while (0)

int ring_all_reduce(void* const* bufs, const int* devices, int n, int64_t count, int dtype, int64_t chunk_elems) {
    int rc = validate("ring_all_reduce", bufs, devices, n, count, dtype);
    if (rc != NT_OK) return rc;
    if (n == 1 || count == 0) return NT_OK;

    DeviceGuard guard;
    (void)cudaGetLastError();  // launch checks below must not see an older error

    const int64_t esize = dtype == NT_F32 ? 4 : 2;
    const int64_t V = 16 / esize;  // elements per 16 bytes
    // Segments: seg_size elements each (a multiple of V), the last ones
    // shorter or empty. Segment s = [min(s*seg, count), min((s+1)*seg, count)).
    const int64_t seg_size = ceil_div(ceil_div(count, n), V) * V;
    // Chunks: the same count C for every segment, chunk a multiple of V.
    int64_t chunk = chunk_elems > 0 ? chunk_elems
                                    : std::max(kAutoChunkBytes / esize, ceil_div(seg_size, kAutoChunksPerSeg));
    chunk = std::min(chunk, seg_size);
    chunk = std::max(chunk, ceil_div(seg_size, kMaxChunksPerSeg));
    chunk = ceil_div(chunk, V) * V;  // <= seg_size, since seg_size is a multiple of V
    const int64_t C = ceil_div(seg_size, chunk);
    const size_t slot_bytes = (size_t)(chunk * esize);

    const char* force = std::getenv("NTC_RING_STAGING");
    const bool force_staging = force && force[0] == '1';

    RingResources res;
    res.ranks.resize(n);
    for (int r = 0; r < n; ++r) res.ranks[r].dev = devices[r];

    // Receive path of each rank: direct when it can read its left
    // neighbour's buffer (same device, or peer access), else staged.
    for (int r = 0; r < n; ++r) {
        Rank& R = res.ranks[r];
        const Rank& P = res.ranks[(r + n - 1) % n];
        R.staged = force_staging;
        if (R.staged || R.dev == P.dev) continue;
        int can = 0;
        RING_CK(cudaDeviceCanAccessPeer(&can, R.dev, P.dev));
        if (can) {
            RING_CK(cudaSetDevice(R.dev));
            cudaError_t e = cudaDeviceEnablePeerAccess(P.dev, 0);
            if (e != cudaSuccess && e != cudaErrorPeerAccessAlreadyEnabled) can = 0;
            (void)cudaGetLastError();  // clear the (non-sticky) status of the enable call
        }
        R.staged = !can;
    }

    for (int r = 0; r < n; ++r) {
        Rank& R = res.ranks[r];
        RING_CK(cudaSetDevice(R.dev));
        int sms = 1;
        RING_CK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, R.dev));
        R.max_blocks = std::max(1, sms) * 8;
        RING_CK(cudaStreamCreateWithFlags(&R.s, cudaStreamNonBlocking));
        R.done.reserve((size_t)(2 * C));
        for (int64_t k = 0; k < 2 * C; ++k) {
            cudaEvent_t ev = nullptr;
            RING_CK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
            R.done.push_back(ev);
        }
        if (R.staged) {
            RING_CK(cudaStreamCreateWithFlags(&R.cs, cudaStreamNonBlocking));
            for (int k = 0; k < kSlots; ++k) {
                RING_CK(cudaEventCreateWithFlags(&R.copied[k], cudaEventDisableTiming));
                RING_CK(cudaEventCreateWithFlags(&R.slot_free[k], cudaEventDisableTiming));
            }
            void* p = nullptr;
            RING_CK(cudaMalloc(&p, slot_bytes * kSlots));
            R.stage = static_cast<char*>(p);
        }
    }

    // The caller may have written the buffers on any stream of these devices.
    for (int r = 0; r < n; ++r) {
        bool seen = false;
        for (int q = 0; q < r; ++q) seen = seen || devices[q] == devices[r];
        if (seen) continue;
        RING_CK(cudaSetDevice(devices[r]));
        RING_CK(cudaDeviceSynchronize());
    }

    const int steps = 2 * (n - 1);
    int cur = -1;  // device currently set
    for (int t = 0; t < steps; ++t) {
        const bool reduce = t < n - 1;
        for (int64_t c = 0; c < C; ++c) {
            for (int r = 0; r < n; ++r) {
                Rank& R = res.ranks[r];
                const int p = (r + n - 1) % n;
                const Rank& P = res.ranks[p];
                const int s = (((r - 1 - t) % n) + n) % n;  // segment received
                const int64_t sb = std::min((int64_t)s * seg_size, count);
                const int64_t se = std::min(((int64_t)s + 1) * seg_size, count);
                const int64_t cb = std::min(sb + c * chunk, se);
                const int64_t ce = std::min(cb + chunk, se);
                const int64_t len = ce - cb;
                const size_t off = (size_t)(cb * esize);
                const size_t bytes = (size_t)(len * esize);
                char* dst = static_cast<char*>(bufs[r]) + off;
                const char* src = static_cast<const char*>(bufs[p]) + off;
                cudaEvent_t dep = t > 0 ? P.done[(size_t)(c * 2 + ((t - 1) & 1))] : nullptr;
                cudaEvent_t fin = R.done[(size_t)(c * 2 + (t & 1))];
                if (cur != R.dev) {
                    RING_CK(cudaSetDevice(R.dev));
                    cur = R.dev;
                }
                if (reduce && R.staged) {
                    const int slot = (int)(R.q % kSlots);
                    R.q++;
                    char* stage = R.stage + (size_t)slot * slot_bytes;
                    if (dep) RING_CK(cudaStreamWaitEvent(R.cs, dep, 0));
                    // The reduce that last read this slot (kSlots receives ago).
                    RING_CK(cudaStreamWaitEvent(R.cs, R.slot_free[slot], 0));
                    if (len > 0) RING_CK(copy_async(stage, R.dev, src, P.dev, bytes, R.cs));
                    RING_CK(cudaEventRecord(R.copied[slot], R.cs));
                    RING_CK(cudaStreamWaitEvent(R.s, R.copied[slot], 0));
                    if (len > 0) RING_CK(launch_reduce(dst, stage, len, dtype, R.max_blocks, R.s));
                    RING_CK(cudaEventRecord(R.slot_free[slot], R.s));
                } else {
                    if (dep) RING_CK(cudaStreamWaitEvent(R.s, dep, 0));
                    if (len > 0) {
                        if (reduce)
                            RING_CK(launch_reduce(dst, src, len, dtype, R.max_blocks, R.s));
                        else
                            RING_CK(copy_async(dst, R.dev, src, P.dev, bytes, R.s));
                    }
                }
                // Recorded even for an empty chunk: the chain of done events
                // carries the ordering (see the comment at the top).
                RING_CK(cudaEventRecord(fin, R.s));
            }
        }
    }

    for (int r = 0; r < n; ++r) {
        Rank& R = res.ranks[r];
        RING_CK(cudaSetDevice(R.dev));
        RING_CK(cudaStreamSynchronize(R.s));
        if (R.cs) RING_CK(cudaStreamSynchronize(R.cs));
    }
    return NT_OK;
}

#undef RING_CK

// ------------------------------------------------------------------ NCCL

namespace {

// The few NCCL declarations used (nccl.h): enums are int-sized in the C ABI.
typedef struct ncclComm* ncclComm_t;
typedef int ncclResult_t;
constexpr ncclResult_t kNcclSuccess = 0;
constexpr int kNcclFloat32 = 7;
constexpr int kNcclBfloat16 = 9;
constexpr int kNcclSum = 0;

struct Nccl {
    void* lib = nullptr;
    std::string why;  // "" when loaded
    ncclResult_t (*CommInitAll)(ncclComm_t*, int, const int*) = nullptr;
    ncclResult_t (*AllReduce)(const void*, void*, size_t, int, int, ncclComm_t, cudaStream_t) = nullptr;
    ncclResult_t (*GroupStart)() = nullptr;
    ncclResult_t (*GroupEnd)() = nullptr;
    ncclResult_t (*CommDestroy)(ncclComm_t) = nullptr;
    const char* (*GetErrorString)(ncclResult_t) = nullptr;
};

std::once_flag g_nccl_once;
Nccl g_nccl;

template <typename F>
bool resolve(void* lib, const char* name, F& fn, std::string& why) {
    dlerror();
    void* p = dlsym(lib, name);
    if (!p) {
        const char* e = dlerror();
        why = std::string("NCCL: cannot resolve ") + name + ": " + (e ? e : "symbol is null");
        return false;
    }
    fn = reinterpret_cast<F>(p);
    return true;
}

void load_nccl() {
    Nccl& L = g_nccl;
    dlerror();
    void* lib = dlopen("libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
    std::string first;
    if (!lib) {
        const char* e = dlerror();
        first = e ? e : "libnccl.so.2: unknown error";
        lib = dlopen("libnccl.so", RTLD_NOW | RTLD_LOCAL);
    }
    if (!lib) {
        const char* e = dlerror();
        L.why = "cannot load NCCL: " + first + "; " + (e ? e : "libnccl.so: unknown error");
        return;
    }
    std::string why;
    bool ok = resolve(lib, "ncclCommInitAll", L.CommInitAll, why) && resolve(lib, "ncclAllReduce", L.AllReduce, why) &&
              resolve(lib, "ncclGroupStart", L.GroupStart, why) && resolve(lib, "ncclGroupEnd", L.GroupEnd, why) &&
              resolve(lib, "ncclCommDestroy", L.CommDestroy, why) &&
              resolve(lib, "ncclGetErrorString", L.GetErrorString, why);
    if (!ok) {
        L.why = why;
        return;  // the library stays loaded; it is never used
    }
    L.lib = lib;
}

const char* nccl_err(ncclResult_t r) {
    const char* s = g_nccl.GetErrorString ? g_nccl.GetErrorString(r) : nullptr;
    return s ? s : "unknown NCCL error";
}

// Communicators (rank i on devices[i]) and one stream per rank, created once
// per device list and kept for the life of the process.
struct NcclComms {
    std::vector<ncclComm_t> comms;
    std::vector<cudaStream_t> streams;
};
std::mutex g_nccl_mu;
std::map<std::vector<int>, NcclComms> g_nccl_comms;

}  // namespace

const char* nccl_status() {
    std::call_once(g_nccl_once, load_nccl);
    return g_nccl.why.c_str();
}

#define NCCL_CK(x)                                                                                  \
    do {                                                                                            \
        cudaError_t e_ = (x);                                                                       \
        if (e_ != cudaSuccess) {                                                                    \
            (void)cudaGetLastError();                                                               \
            return nt::fail(NT_ERR_DEVICE, "nccl_all_reduce: %s (%s)", cudaGetErrorString(e_), #x); \
        }                                                                                           \
    } while (0)

int nccl_all_reduce(void* const* bufs, const int* devices, int n, int64_t count, int dtype) {
    int rc = validate("nccl_all_reduce", bufs, devices, n, count, dtype);
    if (rc != NT_OK) return rc;
    for (int r = 0; r < n; ++r)
        for (int q = 0; q < r; ++q)
            if (devices[q] == devices[r])
                return nt::fail(NT_ERR_UNSUPPORTED,
                                "nccl_all_reduce: NCCL needs one rank per device (ranks %d and %d share device %d)", q,
                                r, devices[r]);
    std::call_once(g_nccl_once, load_nccl);
    if (!g_nccl.lib) return nt::fail(NT_ERR_UNSUPPORTED, "nccl_all_reduce: %s", g_nccl.why.c_str());
    if (n == 1 || count == 0) return NT_OK;

    std::lock_guard<std::mutex> lock(g_nccl_mu);
    DeviceGuard guard;
    const std::vector<int> key(devices, devices + n);
    auto it = g_nccl_comms.find(key);
    if (it == g_nccl_comms.end()) {
        NcclComms nc;
        nc.comms.assign(n, nullptr);
        ncclResult_t nr = g_nccl.CommInitAll(nc.comms.data(), n, devices);
        if (nr != kNcclSuccess)
            return nt::fail(NT_ERR_DEVICE, "nccl_all_reduce: ncclCommInitAll: %s", nccl_err(nr));
        nc.streams.assign(n, nullptr);
        for (int r = 0; r < n; ++r) {
            cudaError_t e = cudaSetDevice(devices[r]);
            if (e == cudaSuccess) e = cudaStreamCreateWithFlags(&nc.streams[r], cudaStreamNonBlocking);
            if (e != cudaSuccess) {
                (void)cudaGetLastError();
                for (int q = 0; q < r; ++q) {
                    cudaSetDevice(devices[q]);
                    cudaStreamDestroy(nc.streams[q]);
                }
                for (ncclComm_t cm : nc.comms) g_nccl.CommDestroy(cm);
                return nt::fail(NT_ERR_DEVICE, "nccl_all_reduce: %s", cudaGetErrorString(e));
            }
        }
        it = g_nccl_comms.emplace(key, std::move(nc)).first;
    }
    NcclComms& nc = it->second;

    for (int r = 0; r < n; ++r) {  // the caller may have written the buffers on any stream
        NCCL_CK(cudaSetDevice(devices[r]));
        NCCL_CK(cudaDeviceSynchronize());
    }
    const int ndt = dtype == NT_F32 ? kNcclFloat32 : kNcclBfloat16;
    ncclResult_t nr = g_nccl.GroupStart();
    if (nr != kNcclSuccess) return nt::fail(NT_ERR_DEVICE, "nccl_all_reduce: ncclGroupStart: %s", nccl_err(nr));
    ncclResult_t first = kNcclSuccess;
    for (int r = 0; r < n && first == kNcclSuccess; ++r) {
        if (cudaSetDevice(devices[r]) != cudaSuccess) {
            (void)cudaGetLastError();
            first = -1;
            break;
        }
        first = g_nccl.AllReduce(bufs[r], bufs[r], (size_t)count, ndt, kNcclSum, nc.comms[r], nc.streams[r]);
    }
    nr = g_nccl.GroupEnd();  // always close the group
    if (first == -1) return nt::fail(NT_ERR_DEVICE, "nccl_all_reduce: cudaSetDevice failed");
    if (first != kNcclSuccess) return nt::fail(NT_ERR_DEVICE, "nccl_all_reduce: ncclAllReduce: %s", nccl_err(first));
    if (nr != kNcclSuccess) return nt::fail(NT_ERR_DEVICE, "nccl_all_reduce: ncclGroupEnd: %s", nccl_err(nr));
    for (int r = 0; r < n; ++r) {
        NCCL_CK(cudaSetDevice(devices[r]));
        NCCL_CK(cudaStreamSynchronize(nc.streams[r]));
    }
    return NT_OK;
}

#undef NCCL_CK

}  // namespace ntc
