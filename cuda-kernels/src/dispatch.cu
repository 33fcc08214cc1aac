// The engine's device layer (native/src/device.h) on CUDA: devices, memory,
// the error state of launches, and the adapters from the engine's kernel
// contract (host index arrays, KernelTable signatures) to the launchers of
// cuda_ops.h and training_ops.cu.
//
// Work runs on each device's legacy default stream, in call order; reading a
// result back (nt_tensor_read, copies) synchronizes. Launch errors surface at
// the call that launched; asynchronous faults surface at the next
// synchronizing call, or at once with NT_CUDA_SYNC=1.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "cuda_ops.h"
#include "device.h"
#include "training_ops.cuh"
#include "validate.h"

namespace nt {
namespace gpu {

namespace {

std::once_flag g_once;
int g_count = 0;
std::string g_info;
bool g_sync = false;

void probe() {
    const char* s = std::getenv("NT_CUDA_SYNC");
    g_sync = s && s[0] == '1';
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        g_count = 0;
        g_info = std::string("no device: ") + cudaGetErrorString(e);
        cudaGetLastError();
        return;
    }
    g_count = n;
    if (n == 0) {
        g_info = "no device: the CUDA runtime reports 0 devices";
        return;
    }
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, 0) == cudaSuccess) {
        char buf[400];
        std::snprintf(buf, sizeof buf, "%.256s (sm_%d%d, %.1f GiB), %d device(s)", p.name, p.major, p.minor,
                      (double)p.totalGlobalMem / (1024.0 * 1024.0 * 1024.0), n);
        g_info = buf;
    } else {
        g_info = "device 0: properties unavailable";
    }
}

// The first error of the calls since the last status(): code and message.
struct Pending {
    int code = NT_OK;
    std::string msg;
};
thread_local Pending tl_pending;

}  // namespace

void note(int code, const char* fmt, ...) {
    if (tl_pending.code != NT_OK) return;  // keep the first
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tl_pending.code = code;
    tl_pending.msg = buf;
}

void note_launch(const char* kernel) {
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) note(NT_ERR_DEVICE, "%s: %s", kernel, cudaGetErrorString(e));
}

void note_status(int rc) {
    if (rc != NT_OK) note(rc, "%s", nt_last_error());
}

const char* info() {
    std::call_once(g_once, probe);
    return g_info.c_str();
}

int device_count() {
    std::call_once(g_once, probe);
    return g_count;
}

int set_device(int dev) {
    if (dev < 0 || dev >= device_count())
        return fail(NT_ERR_DEVICE, "CUDA device %d does not exist (%d device(s))", dev, device_count());
    cudaError_t e = cudaSetDevice(dev);
    if (e != cudaSuccess) return fail(NT_ERR_DEVICE, "cudaSetDevice(%d): %s", dev, cudaGetErrorString(e));
    return NT_OK;
}

int alloc(void** p, int dev, int64_t nbytes) {
    *p = nullptr;
    NT_CHECK(set_device(dev));
    cudaError_t e = cudaMalloc(p, (size_t)(nbytes > 0 ? nbytes : 1));
    if (e != cudaSuccess) {
        cudaGetLastError();
        *p = nullptr;
        return fail(e == cudaErrorMemoryAllocation ? NT_ERR_MEMORY : NT_ERR_DEVICE,
                    "cannot allocate %lld bytes on cuda:%d: %s", (long long)nbytes, dev, cudaGetErrorString(e));
    }
    e = cudaMemset(*p, 0, (size_t)(nbytes > 0 ? nbytes : 1));
    if (e != cudaSuccess) {
        cudaGetLastError();  // don't leave it for the next note_launch
        cudaFree(*p);
        *p = nullptr;
        return fail(NT_ERR_DEVICE, "cudaMemset on cuda:%d: %s", dev, cudaGetErrorString(e));
    }
    return NT_OK;
}

void release(void* p, int dev) {
    if (!p) return;
    int cur = 0;
    cudaGetDevice(&cur);
    cudaSetDevice(dev);
    cudaFree(p);  // implicitly synchronizes; an error here has no caller to report to
    cudaGetLastError();
    cudaSetDevice(cur);
}

int copy(void* dst, const void* src, int64_t nbytes) {
    if (nbytes <= 0) return NT_OK;
    cudaError_t e = cudaMemcpy(dst, src, (size_t)nbytes, cudaMemcpyDefault);
    if (e != cudaSuccess) {
        cudaGetLastError();
        return fail(NT_ERR_DEVICE, "copy of %lld bytes: %s", (long long)nbytes, cudaGetErrorString(e));
    }
    return NT_OK;
}

int status(const char* fn) {
    std::call_once(g_once, probe);
    if (g_sync) {
        cudaError_t e = cudaDeviceSynchronize();
        if (e != cudaSuccess) note(NT_ERR_DEVICE, "%s", cudaGetErrorString(e));
    }
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) note(NT_ERR_DEVICE, "%s", cudaGetErrorString(e));
    if (tl_pending.code != NT_OK) {
        Pending p = tl_pending;
        tl_pending = Pending{};
        return fail(p.code, "%s: %s", fn, p.msg.c_str());
    }
    return NT_OK;
}

int synchronize(int dev) {
    NT_CHECK(set_device(dev));
    cudaError_t e = cudaDeviceSynchronize();
    if (e != cudaSuccess) return fail(NT_ERR_DEVICE, "nt_cuda_synchronize(%d): %s", dev, cudaGetErrorString(e));
    return NT_OK;
}

// A host array uploaded for the duration of one call (stream-ordered).
template <typename T>
class Upload {
   public:
    Upload(const T* host, int64_t n) {
        if (!host || n <= 0) return;
        cudaError_t e = cudaMallocAsync((void**)&p_, sizeof(T) * (size_t)n, 0);
        if (e == cudaSuccess) e = cudaMemcpyAsync(p_, host, sizeof(T) * (size_t)n, cudaMemcpyHostToDevice, 0);
        if (e != cudaSuccess) {
            note(NT_ERR_DEVICE, "uploading %lld index values: %s", (long long)n, cudaGetErrorString(e));
            cudaGetLastError();
            ok_ = false;
        }
    }
    ~Upload() {
        if (p_) cudaFreeAsync(p_, 0);
    }
    Upload(const Upload&) = delete;
    Upload& operator=(const Upload&) = delete;
    const T* get() const { return p_; }
    bool ok() const { return ok_; }

   private:
    T* p_ = nullptr;
    bool ok_ = true;
};

// ----------------------------------------------- the KernelTable on a GPU

namespace {

void t_gemm_f32(const GemmArgs& g) { ntc::gemm(g, false); }
void t_gemm_bf16(const GemmArgs& g) { ntc::gemm(g, true); }

void t_attention_fwd(float* out, float* lse, const float* q, const float* k, const float* v, const AttnArgs& a) {
    attention_fwd(out, lse, q, k, v, NT_F32, a);
}
void t_attention_bwd(float* dq, float* dk, float* dv, const float* dout, const float* out, const float* lse,
                     const float* q, const float* k, const float* v, const AttnArgs& a) {
    attention_bwd(dq, dk, dv, dout, out, lse, q, k, v, NT_F32, a);
}
void t_attention_decode(float* out, const float* q, const float* kc, const float* vc, const int64_t* lens, int64_t B,
                        int64_t S, int64_t NH, int64_t NKV, int64_t HD, float scale) {
    Upload<int64_t> l(lens, B);
    if (!l.ok()) return;
    note_status(ntc::attention_decode(out, q, kc, vc, l.get(), NT_F32, B, S, NH, NKV, HD, scale, nullptr));
}
void t_ce_fwd(float* logprobs, float* lse, const float* logits, const int64_t* targets, int64_t ignore, int64_t N,
              int64_t V) {
    Upload<int64_t> t(targets, N);
    if (t.ok()) ntc::cross_entropy_fwd(logprobs, lse, logits, t.get(), ignore, N, V);
}
void t_ce_bwd(float* dlogits, const float* dlogprobs, const float* logits, const float* lse, const int64_t* targets,
              int64_t ignore, int64_t N, int64_t V) {
    Upload<int64_t> t(targets, N);
    if (t.ok()) ntc::cross_entropy_bwd(dlogits, dlogprobs, logits, lse, t.get(), ignore, N, V);
}

const KernelTable kTable = {
    "cuda",
    t_gemm_f32,
    t_gemm_bf16,
    ntc::layernorm1p_fwd,
    ntc::layernorm1p_bwd,
    t_attention_fwd,
    t_attention_bwd,
    t_attention_decode,
    t_ce_fwd,
    t_ce_bwd,
    ntc::relu2_fwd,
    ntc::relu2_bwd,
    ntc::add,
    ntc::scale,
    ntc::axpy,
    ntc::adamw,
};

}  // namespace

const KernelTable& kernels() { return kTable; }

void embedding_fwd(float* out, const int64_t* ids, const float* w, int64_t N, int64_t C) {
    Upload<int64_t> d(ids, N);
    if (d.ok()) ntc::embedding_fwd(out, d.get(), w, N, C);
}
void embedding_bwd(float* dw, const float* dout, const int64_t* ids, int64_t N, int64_t C) {
    Upload<int64_t> d(ids, N);
    if (d.ok()) ntc::embedding_bwd(dw, dout, d.get(), N, C);
}
void rope(float* out, const float* in, const int64_t* pos, int64_t P, const float* inv_freq, int64_t N, int64_t H,
          int64_t HD, int rot, float sign) {
    Upload<int64_t> p(pos, P);
    Upload<float> f(inv_freq, rot / 2);
    if (p.ok() && f.ok()) ntc::rope(out, in, p.get(), P, f.get(), N, H, HD, rot, sign);
}
int64_t first_bad_scale(const float* scale, int64_t nscale, float* bad) {
    std::vector<float> h((size_t)nscale);
    if (copy(h.data(), scale, nscale * 4) != NT_OK) {
        note_status(NT_ERR_DEVICE);
        return -1;
    }
    for (int64_t i = 0; i < nscale; i++)
        if (!(std::isfinite(h[(size_t)i]) && h[(size_t)i] > 0.f)) {
            *bad = h[(size_t)i];
            return i;
        }
    return -1;
}

void attention_fwd(void* out, float* lse, const void* q, const void* k, const void* v, int dtype, const AttnArgs& a) {
    Upload<int64_t> lens(a.lens, a.B), starts(a.starts, a.starts ? a.B * a.T : 0);
    if (!lens.ok() || !starts.ok()) return;
    const ntc::Attn d{a.B, a.T, a.NH, a.NKV, a.HD, lens.get(), starts.get(), a.scale};
    note_status(ntc::attention_forward(out, lse, q, k, v, dtype, d, nullptr));
}
void attention_bwd(void* dq, void* dk, void* dv, const void* dout, const void* out, const float* lse, const void* q,
                   const void* k, const void* v, int dtype, const AttnArgs& a) {
    Upload<int64_t> lens(a.lens, a.B), starts(a.starts, a.starts ? a.B * a.T : 0);
    if (!lens.ok() || !starts.ok()) return;
    const ntc::Attn d{a.B, a.T, a.NH, a.NKV, a.HD, lens.get(), starts.get(), a.scale};
    note_status(ntc::attention_backward(dq, dk, dv, dout, out, lse, q, k, v, dtype, d, nullptr));
}

void fp8_matmul(void* out, int out_dtype, const void* a, int a_dtype, const void* b, int b_dtype,
                const float* a_scale, bool a_per_row, const float* b_scale, bool b_per_row, int64_t M, int64_t N,
                int64_t K, float alpha) {
    const ntc::Fp8Gemm g{M, N, K, (const uint8_t*)a, a_dtype, (const uint8_t*)b, b_dtype, a_scale, a_per_row,
                         b_scale, b_per_row, out, out_dtype, alpha};
    note_status(ntc::fp8_gemm(g, ntc::FP8_AUTO, nullptr));
}

int all_reduce(void* const* bufs, const int* devices, int n, int64_t count, int dtype, int algo) {
    int cur = 0;
    cudaGetDevice(&cur);
    int rc = algo == 1 ? ntc::nccl_all_reduce(bufs, devices, n, count, dtype)
                       : ntc::ring_all_reduce(bufs, devices, n, count, dtype, 0);
    cudaSetDevice(cur);
    return rc;
}

}  // namespace gpu
}  // namespace nt
