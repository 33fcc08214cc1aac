// Internal declarations shared by the engine's translation units.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>

#include "nemotron4j.h"
#include "numerics.h"

// ------------------------------------------------------------------ tensors

struct nt_storage {
    enum Kind { OWNED, BORROWED, MAPPED, DEVICE };
    void* data;
    int64_t nbytes;
    std::atomic<int64_t> refs;
    Kind kind;
    int device;  // -1: host memory; >= 0: CUDA device (kind DEVICE)
};

struct nt_tensor {
    uint32_t magic;
    nt_storage* storage;
    int64_t offset_bytes;
    int dtype;
    int ndim;
    int64_t shape[NT_MAX_DIMS];
    int64_t numel;
};

namespace nt {

constexpr uint32_t kTensorMagic = 0x4e54454eu;  // "NTEN"

inline void* data_ptr(const nt_tensor* t) {
    return static_cast<char*>(t->storage->data) + t->offset_bytes;
}
template <typename T>
inline T* ptr(const nt_tensor* t) {
    return static_cast<T*>(data_ptr(t));
}
int dtype_size(int dtype);
const char* dtype_name(int dtype);
bool is_float_dtype(int dtype);

// ------------------------------------------------------------------ errors

// Sets the thread's last error and returns code.
int fail(int code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void clear_error();
std::string shape_str(const nt_tensor* t);

// ----------------------------------------------------------- thread pool

// A non-owning reference to a callable, cheaper than std::function.
template <typename Sig>
class FnRef;
template <typename R, typename... A>
class FnRef<R(A...)> {
   public:
    template <typename F>
    FnRef(F&& f)  // NOLINT: implicit on purpose
        : obj_((void*)&f), call_([](void* o, A... a) -> R { return (*(std::remove_reference_t<F>*)o)(a...); }) {}
    R operator()(A... a) const { return call_(obj_, a...); }

   private:
    void* obj_;
    R (*call_)(void*, A...);
};

int num_threads();
void set_num_threads(int n);
// Runs fn(tid, nthreads) once on each pool thread (the caller is tid 0).
// Nested calls run inline with nthreads == 1.
void parallel_region(FnRef<void(int, int)> fn);
// Static partition of [0, n) into one contiguous range per thread; ranges
// hold whole multiples of grain (except the last). Runs inline when n is
// small (n <= grain) or only one thread is set.
void parallel_for(int64_t n, int64_t grain, FnRef<void(int64_t, int64_t)> fn);

// ------------------------------------------------------------ scratch

// Aligned kernel scratch memory, counted for nt_scratch_peak_bytes.
void* scratch_alloc(size_t bytes);
void scratch_free(void* p, size_t bytes);

template <typename T>
class Scratch {
   public:
    explicit Scratch(size_t n) : n_(n), p_(static_cast<T*>(scratch_alloc(n * sizeof(T)))) {}
    ~Scratch() { scratch_free(p_, n_ * sizeof(T)); }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    T* get() const { return p_; }
    T& operator[](size_t i) const { return p_[i]; }

   private:
    size_t n_;
    T* p_;
};

// ------------------------------------------------------ scalar conversions

// f32_to_bf16, f32_to_f16, f16_to_f32, f32_to_e4m3, f32_to_e5m2: numerics.h.
// Decoding FP8 on the host goes through 256-entry tables:
float e4m3_to_f32(uint8_t b);
float e5m2_to_f32(uint8_t b);

// Element i of a float tensor of any float dtype, as F32 (slow path).
float load_as_f32(const void* base, int dtype, int64_t i);
int64_t load_index(const void* base, int dtype, int64_t i);

// ------------------------------------------------------------ kernels

// Arguments of a GEMM after validation: C[M,N] = alpha*op(A)[M,K] op(B)[K,N] + beta*C.
struct GemmArgs {
    int64_t M, N, K;
    const void* A;
    int a_dtype;  // NT_F32 or NT_BF16 (the BF16 path also takes F32 inputs)
    int64_t lda;
    bool trans_a;
    const void* B;
    int b_dtype;
    int64_t ldb;
    bool trans_b;
    float* C;
    int64_t ldc;
    float alpha, beta;
};

struct AttnArgs {
    int64_t B, T, NH, NKV, HD;
    const int64_t* lens;    // [B], valid lengths (always filled)
    const int64_t* starts;  // [B*T] first visible key of each query, or null (0)
    float scale;
    int64_t start(int64_t b, int64_t t) const { return starts ? starts[b * T + t] : 0; }
};

// One implementation per instruction-set level (kernels.inc compiled with
// different flags); the API layer validates, then calls through kernels().
struct KernelTable {
    const char* name;
    void (*gemm_f32)(const GemmArgs& g);   // exact F32 products
    void (*gemm_bf16)(const GemmArgs& g);  // inputs rounded to BF16
    void (*layernorm1p_fwd)(float* out, float* mean, float* rstd, const float* in,
                            const float* w, const float* b, float eps, int64_t N, int64_t C);
    void (*layernorm1p_bwd)(float* din, float* dw, float* db, const float* dout,
                            const float* in, const float* w, const float* mean,
                            const float* rstd, int64_t N, int64_t C);
    void (*attention_fwd)(float* out, float* lse, const float* q, const float* k,
                          const float* v, const AttnArgs& a);
    void (*attention_bwd)(float* dq, float* dk, float* dv, const float* dout,
                          const float* out, const float* lse, const float* q,
                          const float* k, const float* v, const AttnArgs& a);
    void (*attention_decode)(float* out, const float* q, const float* kc, const float* vc,
                             const int64_t* lens, int64_t B, int64_t S, int64_t NH,
                             int64_t NKV, int64_t HD, float scale);
    void (*cross_entropy_fwd)(float* logprobs, float* lse, const float* logits,
                              const int64_t* targets, int64_t ignore, int64_t N, int64_t V);
    void (*cross_entropy_bwd)(float* dlogits, const float* dlogprobs, const float* logits,
                              const float* lse, const int64_t* targets, int64_t ignore,
                              int64_t N, int64_t V);
    void (*relu2_fwd)(float* out, const float* in, int64_t n);
    void (*relu2_bwd)(float* din, const float* dout, const float* in, int64_t n);
    void (*add)(float* out, const float* a, const float* b, int64_t n, int64_t nb);
    void (*scale)(float* out, const float* in, float alpha, int64_t n);
    void (*axpy)(float* out, float alpha, const float* in, int64_t n);
    void (*adamw)(float* p, float* m, float* v, const float* g, int64_t n, float lr,
                  float b1, float b2, float eps, float wd, float bc1, float bc2, float gscale);
};

const KernelTable& kernels();
// Tables of every level compiled in (nullptr where the CPU cannot run it).
const KernelTable* kernel_table(const char* name);

}  // namespace nt
