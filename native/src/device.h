// The engine's view of CUDA devices. Implemented by cuda-kernels/src/
// (dispatch.cu) when the library is built with nvcc, and by no_cuda.cpp
// otherwise, so that no engine source needs an #ifdef.
//
// Routing: an API function checks that all its tensors live on one device
// (route() below), validates shapes and indices exactly as for the host, then
// calls either the CPU kernels or these. Index arrays (ids, targets, lengths,
// positions) are validated on the host, so device index tensors are copied to
// the host first (Indices::load) and the launchers take host int64 arrays.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "engine.h"

namespace nt {

// -1: host memory; >= 0: a CUDA device ordinal.
inline int device_of(const nt_tensor* t) { return t->storage->device; }

struct TensorArg {
    const nt_tensor* t;
    const char* name;
    bool optional = false;  // may be null (then ignored); else null is an error
};
// Every tensor valid (non-null unless optional) and all on one device: *dev = that device (-1 if none are
// given), and the CUDA current device set to it. Else NT_ERR_DEVICE naming
// the first tensor that differs.
int route(const char* fn, int* dev, std::initializer_list<TensorArg> args);
// "cuda:0" / "cpu".
const char* device_name(int dev, char* buf, int n);

namespace gpu {

int device_count();
// "no device: <why>", or the name of device 0 and the device count.
const char* info();
int set_device(int dev);
// Device memory (zero-filled); NT_ERR_MEMORY / NT_ERR_DEVICE with a message.
int alloc(void** p, int dev, int64_t nbytes);
void release(void* p, int dev);
// Synchronous copy between any host / device pointers (UVA).
int copy(void* dst, const void* src, int64_t nbytes);
// After kernel launches: the first error recorded or raised since the last
// call (launch errors, allocation failures inside a launcher), as a status.
// With NT_CUDA_SYNC=1 in the environment it also synchronizes the device, so
// asynchronous faults are reported by the call that caused them.
int status(const char* fn);
int synchronize(int dev);

// The CPU kernels' contract on device pointers (index arrays on the host).
const KernelTable& kernels();

void embedding_fwd(float* out, const int64_t* ids, const float* w, int64_t N, int64_t C);
void embedding_bwd(float* dw, const float* dout, const int64_t* ids, int64_t N, int64_t C);
// inv_freq: host [rot/2]; pos: host [P]; token n reads pos[n % P].
void rope(float* out, const float* in, const int64_t* pos, int64_t P, const float* inv_freq, int64_t N, int64_t H,
          int64_t HD, int rot, float sign);
// n elements of elem_size bytes, each set to the low elem_size bytes of pattern.
void fill_pattern(void* p, int64_t n, int elem_size, uint64_t pattern);
void convert(void* out, int out_dtype, const void* in, int in_dtype, int64_t rows, int64_t cols, const float* scale,
             int64_t nscale, bool encode);
// scale[r] (device, rows or 1 values) from the row maxima of |in|.
void compute_scales(float* scale, int64_t nscale, const void* in, int dtype, int64_t rows, int64_t cols, float fmax);
// Deterministic: fixed blocks of 8192 elements, block sums added in order.
double sum_squares(const void* in, int dtype, int64_t n);
// Scales (device, nscale values) must be finite and > 0: index of the first
// bad one, or -1; *bad receives its value.
int64_t first_bad_scale(const float* scale, int64_t nscale, float* bad);

// Attention with F32 or BF16 q/k/v/out (host lens [B], starts [B*T] or null).
void attention_fwd(void* out, float* lse, const void* q, const void* k, const void* v, int dtype, const AttnArgs& a);
void attention_bwd(void* dq, void* dk, void* dv, const void* dout, const void* out, const float* lse, const void* q,
                   const void* k, const void* v, int dtype, const AttnArgs& a);

// out[M, N] (F32 or BF16) = alpha * sa * sb * A[M, K] . B[N, K]^T for FP8 A, B.
void fp8_matmul(void* out, int out_dtype, const void* a, int a_dtype, const void* b, int b_dtype,
                const float* a_scale, bool a_per_row, const float* b_scale, bool b_per_row, int64_t M, int64_t N,
                int64_t K, float alpha);
// 0: hand-written ring, 1: NCCL.
int all_reduce(void* const* bufs, const int* devices, int n, int64_t count, int dtype, int algo);

}  // namespace gpu
}  // namespace nt

namespace nt {
// The kernel table of a device (-1: the CPU's best ISA level).
inline const KernelTable& kernels_on(int dev) { return dev < 0 ? kernels() : gpu::kernels(); }
// The status of a call whose kernels ran on dev.
inline int finish(const char* fn, int dev) { return dev < 0 ? NT_OK : gpu::status(fn); }
}  // namespace nt
