// The training ops on CUDA: the CPU engine's kernel contract (KernelTable in
// native/src/engine.h) with device pointers. Index arrays here are device
// arrays (dispatch.cu uploads the host ones). All launch on the legacy
// default stream and record launch errors with nt::gpu::note_launch. The
// fills, conversions and norms are defined in training_ops.cu directly as the
// device layer's functions (native/src/device.h).
#pragma once

#include <cstdint>

#include "engine.h"

namespace nt {
namespace gpu {
void note(int code, const char* fmt, ...);
void note_launch(const char* kernel);
void note_status(int rc);
}  // namespace gpu
}  // namespace nt

namespace ntc {

// C = alpha * op(A) op(B) + beta * C (beta == 0: C is not read). round_bf16:
// inputs rounded to BF16 first (the engine's BF16 matmul contract).
void gemm(const nt::GemmArgs& g, bool round_bf16);
// The round_bf16 contract on tensor cores (gemm_tc.cu): launches and returns
// true, or returns false without launching where it does not apply (below
// sm_80, M or N == 0, dimensions beyond its 32-bit indices or grid).
bool gemm_bf16_tc(const nt::GemmArgs& g);

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

}  // namespace ntc
