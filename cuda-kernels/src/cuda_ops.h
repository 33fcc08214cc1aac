// Launchers of the CUDA kernels, called by the engine's dispatch layer
// (native/src/*.cpp through cuda_dispatch.cu) and by the lab programs in
// cuda-kernels/dev/. Plain C++ (no CUDA headers needed to include it):
// streams are passed as void* (a cudaStream_t), results are int status codes
// of the engine (NT_OK, NT_ERR_*), with the message set through nt::fail.
//
// All pointers are device pointers unless a comment says "host". Tensors are
// dense row-major. The engine validated every shape and index before calling:
// a launcher checks only what the engine cannot know (alignment a kernel
// needs, an architecture it needs) and returns NT_ERR_UNSUPPORTED for those.
#pragma once

#include <cstdint>

namespace ntc {

// --------------------------------------------------------------- FP8 GEMM
// out[M, N] = alpha * (sa ⊙ sb) * A[M, K] · B[N, K]^T, F32 accumulation.
// A and B are row-major with K contiguous ("TN", as cuBLASLt FP8 wants).
// a_dtype, b_dtype: NT_F8_E4M3 or NT_F8_E5M2 (E5M2 for gradients).
// a_scale: 1 value (per tensor) or M values (per row of A); b_scale: 1 or N
// values (per row of B = per column of out): out[m, n] = alpha * a_scale[m]
// * b_scale[n] * sum_k A[m,k] B[n,k] (dequantization scales).
// out_dtype: NT_F32 or NT_BF16 (round to nearest even).
struct Fp8Gemm {
    int64_t M, N, K;
    const uint8_t* a;
    int a_dtype;
    const uint8_t* b;
    int b_dtype;
    const float* a_scale;
    bool a_per_row;
    const float* b_scale;
    bool b_per_row;
    void* out;
    int out_dtype;
    float alpha;
};
enum Fp8Path { FP8_AUTO = 0, FP8_MMA_SYNC = 1, FP8_WGMMA = 2, FP8_SIMT = 3 };
// Runs on the current device and the given stream. FP8_AUTO picks the
// fastest path the device supports.
int fp8_gemm(const Fp8Gemm& g, int path, void* stream);

// -------------------------------------------------------------- attention
// Causal grouped-query attention, the engine's contract (nemotron4j.h):
// q, out [B, T, NH, HD]; k, v [B, T, NKV, HD]; query head h uses kv head
// h / (NH / NKV). Key j is visible to query t of row b iff
// starts[b*T + t] <= j <= t and j < lens[b] (starts null: 0). A query with no
// visible key gets out = 0 and lse = -inf. lse [B, NH, T] F32 (may be null in
// the forward). dtype: NT_F32 or NT_BF16 for q, k, v, out, dout, dq, dk, dv
// (all the same); accumulation is F32. dq, dk, dv are overwritten.
struct Attn {
    int64_t B, T, NH, NKV, HD;
    const int64_t* lens;    // device [B]
    const int64_t* starts;  // device [B*T] or null
    float scale;
};
int attention_forward(void* out, float* lse, const void* q, const void* k, const void* v, int dtype,
                      const Attn& a, void* stream);
int attention_backward(void* dq, void* dk, void* dv, const void* dout, const void* out, const float* lse,
                       const void* q, const void* k, const void* v, int dtype, const Attn& a, void* stream);
// One query per sequence against a KV cache: q, out [B, NH, HD];
// kc, vc [B, S, NKV, HD]; lens device [B] in [1, S].
int attention_decode(void* out, const void* q, const void* kc, const void* vc, const int64_t* lens, int dtype,
                     int64_t B, int64_t S, int64_t NH, int64_t NKV, int64_t HD, float scale, void* stream);

// ------------------------------------------------------------- all-reduce
// In-place sum all-reduce over n ranks: bufs[r] (count elements of dtype
// NT_F32 or NT_BF16) lives on device devices[r]; several ranks may share a
// device (simulated ranks). After the call every buffer holds the sum.
// BF16 partial sums are accumulated in F32 inside each step and rounded once
// per step (ring semantics). chunk_elems: pipelining granularity (0: auto).
int ring_all_reduce(void* const* bufs, const int* devices, int n, int64_t count, int dtype, int64_t chunk_elems);
// The same through NCCL (libnccl.so.2 loaded at run time); NT_ERR_UNSUPPORTED
// with a message when it is not installed or ranks share a device.
int nccl_all_reduce(void* const* bufs, const int* devices, int n, int64_t count, int dtype);
// "" when NCCL can be loaded, else why not.
const char* nccl_status();

}  // namespace ntc
