// The training ops on CUDA: the CPU engine's kernel contract (KernelTable in
// native/src/engine.h) with device pointers. Index arrays here are device
// arrays (dispatch.cu uploads the host ones). All launch on the legacy
// default stream and record launch errors with nt::gpu::note_launch.
#pragma once

#include <cstdint>

#include "engine.h"

namespace nt {
namespace gpu {
void note(int code, const char* fmt, ...);
void note_launch(const char* kernel);
void note_status(int rc);
const char* info();
}  // namespace gpu
}  // namespace nt

namespace ntc {

// C = alpha * op(A) op(B) + beta * C (beta == 0: C is not read). round_bf16:
// inputs rounded to BF16 first (the engine's BF16 matmul contract).
void gemm(const nt::GemmArgs& g, bool round_bf16);

void layernorm1p_fwd(float* out, float* mean, float* rstd, const float* in, const float* w, const float* b, float eps,
                     int64_t N, int64_t C);
void layernorm1p_bwd(float* din, float* dw, float* db, const float* dout, const float* in, const float* w,
                     const float* mean, const float* rstd, int64_t N, int64_t C);
void cross_entropy_fwd(float* logprobs, float* lse, const float* logits, const int64_t* targets, int64_t ignore,
                       int64_t N, int64_t V);
void cross_entropy_bwd(float* dlogits, const float* dlogprobs, const float* logits, const float* lse,
                       const int64_t* targets, int64_t ignore, int64_t N, int64_t V);
void relu2_fwd(float* out, const float* in, int64_t n);
void relu2_bwd(float* din, const float* dout, const float* in, int64_t n);
void add(float* out, const float* a, const float* b, int64_t n, int64_t nb);
void scale(float* out, const float* in, float alpha, int64_t n);
void axpy(float* out, float alpha, const float* in, int64_t n);
void adamw(float* p, float* m, float* v, const float* g, int64_t n, float lr, float b1, float b2, float eps, float wd,
           float bc1, float bc2, float gscale);
void embedding_fwd(float* out, const int64_t* ids, const float* w, int64_t N, int64_t C);
void embedding_bwd(float* dw, const float* dout, const int64_t* ids, int64_t N, int64_t C);
void rope(float* out, const float* in, const int64_t* pos, int64_t P, const float* inv_freq, int64_t N, int64_t H,
          int64_t HD, int rot, float sign);
void fill_pattern(void* p, int64_t n, int elem_size, uint64_t pattern);
void convert(void* out, int out_dtype, const void* in, int in_dtype, int64_t rows, int64_t cols, const float* scale,
             int64_t nscale, bool encode);
void compute_scales(float* scale, int64_t nscale, const void* in, int dtype, int64_t rows, int64_t cols, float fmax);
double sum_squares(const void* in, int dtype, int64_t n);

}  // namespace ntc
