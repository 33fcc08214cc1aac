// Matrix multiplication: validation and batching; the packed kernels of
// kernels.inc (exact F32, or BF16 with F32 accumulation) do the arithmetic.
#include <algorithm>
#include <cinttypes>

#include "engine.h"
#include "device.h"
#include "validate.h"

namespace nt {

namespace {

void gemm_one(const GemmArgs& g, int dev) {
    if (g.M == 0 || g.N == 0) return;
    if (g.a_dtype == NT_F32 && g.b_dtype == NT_F32)
        kernels_on(dev).gemm_f32(g);
    else
        kernels_on(dev).gemm_bf16(g);
}

int check_gemm_operand(const nt_tensor* t, const char* fn, const char* name) {
    NT_CHECK(check_tensor(t, fn, name));
    if (t->dtype != NT_F32 && t->dtype != NT_BF16)
        return fail(NT_ERR_DTYPE, "%s: '%s' has dtype %s; expected F32 or BF16", fn, name, dtype_name(t->dtype));
    NT_CHECK(check_ndim_min(t, fn, name, 2));
    return NT_OK;
}

}  // namespace

// out = alpha * op(a) @ op(b) + beta * out, with all the checks.
static int matmul(const char* fn, nt_tensor* out, const nt_tensor* a, const nt_tensor* b, bool ta, bool tb,
                  float alpha, float beta) {
    NT_CHECK(check_tensor(out, fn, "out"));
    NT_CHECK(check_dtype(out, fn, "out", NT_F32));
    NT_CHECK(check_gemm_operand(a, fn, "a"));
    NT_CHECK(check_gemm_operand(b, fn, "b"));
    NT_CHECK(check_finite(alpha, fn, "alpha"));
    NT_CHECK(check_finite(beta, fn, "beta"));
    NT_CHECK(check_no_alias(out, "out", a, "a", fn));
    NT_CHECK(check_no_alias(out, "out", b, "b", fn));
    int dev;
    NT_CHECK(route(fn, &dev, {{out, "out"}, {a, "a"}, {b, "b"}}));
    const int an = a->ndim, bn = b->ndim;
    const int64_t M = ta ? a->shape[an - 1] : a->shape[an - 2];
    const int64_t K = ta ? a->shape[an - 2] : a->shape[an - 1];
    const int64_t Kb = tb ? b->shape[bn - 1] : b->shape[bn - 2];
    const int64_t N = tb ? b->shape[bn - 2] : b->shape[bn - 1];
    if (K != Kb)
        return fail(NT_ERR_SHAPE, "%s: inner dimensions differ: op(a) of %s is [.., %" PRId64 ", %" PRId64
                    "] but op(b) of %s is [.., %" PRId64 ", %" PRId64 "]",
                    fn, shape_str(a).c_str(), M, K, shape_str(b).c_str(), Kb, N);
    GemmArgs g{};
    g.N = N;
    g.K = K;
    g.A = data_ptr(a);
    g.a_dtype = a->dtype;
    g.lda = a->shape[an - 1];
    g.trans_a = ta;
    g.B = data_ptr(b);
    g.b_dtype = b->dtype;
    g.ldb = b->shape[bn - 1];
    g.trans_b = tb;
    g.C = ptr<float>(out);
    g.ldc = N;
    g.alpha = alpha;
    g.beta = beta;
    if (bn == 2 && !ta) {
        // a's leading dims are rows: one GEMM of [prod(lead) * M, K]
        const int64_t rows = dims_product(a, 0, an - 1);
        bool ok = out->ndim == an && out->shape[an - 1] == N;
        for (int i = 0; ok && i < an - 1; i++) ok = out->shape[i] == a->shape[i];
        if (!ok)
            return fail(NT_ERR_SHAPE, "%s: 'out' has shape %s; expected a's leading dims then %" PRId64, fn,
                        shape_str(out).c_str(), N);
        g.M = rows;
        NT_API_BEGIN
        gemm_one(g, dev);
        return finish(fn, dev);
        NT_API_END
    }
    // batched: a [..., *, *], b [..., *, *] with equal batch dims, or b 2-D
    bool ok = bn == 2 || bn == an;
    for (int i = 0; ok && bn != 2 && i < an - 2; i++) ok = a->shape[i] == b->shape[i];
    if (!ok)
        return fail(NT_ERR_SHAPE, "%s: batch dims of a %s and b %s differ; expected equal, or b 2-D", fn,
                    shape_str(a).c_str(), shape_str(b).c_str());
    ok = out->ndim == an && out->shape[an - 2] == M && out->shape[an - 1] == N;
    for (int i = 0; ok && i < an - 2; i++) ok = out->shape[i] == a->shape[i];
    if (!ok)
        return fail(NT_ERR_SHAPE, "%s: 'out' has shape %s; expected batch dims of a then [%" PRId64 ", %" PRId64 "]", fn,
                    shape_str(out).c_str(), M, N);
    g.M = M;
    const int64_t batch = dims_product(a, 0, an - 2);
    const int64_t a_step = M * K * dtype_size(a->dtype), b_step = bn == 2 ? 0 : K * N * dtype_size(b->dtype);
    NT_API_BEGIN
    // one GEMM after another, each using the whole pool (small ones run inline)
    for (int64_t i = 0; i < batch; i++) {
        GemmArgs gi = g;
        gi.A = static_cast<const char*>(g.A) + i * a_step;
        gi.B = static_cast<const char*>(g.B) + i * b_step;
        gi.C = g.C + i * M * N;
        gemm_one(gi, dev);
    }
    return finish(fn, dev);
    NT_API_END
}

}  // namespace nt

using namespace nt;

extern "C" {

int nt_matmul(nt_tensor* out, const nt_tensor* a, const nt_tensor* b, int trans_a, int trans_b, float alpha,
              float beta) {
    return matmul("nt_matmul", out, a, b, trans_a != 0, trans_b != 0, alpha, beta);
}

int nt_matmul_backward(nt_tensor* da, nt_tensor* db, const nt_tensor* dout, const nt_tensor* a, const nt_tensor* b,
                       int trans_a, int trans_b, float alpha, float beta_a, float beta_b) {
    const char* fn = "nt_matmul_backward";
    NT_CHECK(check_tensor(dout, fn, "dout"));
    NT_CHECK(check_gemm_operand(a, fn, "a"));
    NT_CHECK(check_gemm_operand(b, fn, "b"));
    NT_CHECK(check_optional(da, fn, "da"));
    NT_CHECK(check_optional(db, fn, "db"));
    if (da) NT_CHECK(check_same_shape(da, "da", a, "a", fn));
    if (db) NT_CHECK(check_same_shape(db, "db", b, "b", fn));
    const bool ta = trans_a != 0, tb = trans_b != 0;
    if (da) {
        // op(a)' = alpha * dout op(b)^T;  a' = that (or its transpose)
        int rc = ta ? matmul(fn, da, b, dout, tb, true, alpha, beta_a) : matmul(fn, da, dout, b, false, !tb, alpha, beta_a);
        if (rc) return rc;
    }
    if (db) {
        if (b->ndim == 2 && a->ndim > 2 && ta) {
            // shared b, batched transposed a: sum the per-batch gradients
            const int an = a->ndim;
            const int64_t batch = dims_product(a, 0, an - 2);
            const int64_t sa[2] = {a->shape[an - 2], a->shape[an - 1]};
            const int64_t so[2] = {dout->shape[dout->ndim - 2], dout->shape[dout->ndim - 1]};
            if (dout->numel != batch * so[0] * so[1] || dout->ndim != an)
                return fail(NT_ERR_SHAPE, "%s: 'dout' has shape %s; expected the batch dims of a", fn,
                            shape_str(dout).c_str());
            for (int64_t i = 0; i < batch; i++) {
                nt_tensor *ai = nullptr, *oi = nullptr;
                NT_CHECK(nt_tensor_view(&ai, const_cast<nt_tensor*>(a), i * sa[0] * sa[1], 2, sa));
                int rc = nt_tensor_view(&oi, const_cast<nt_tensor*>(dout), i * so[0] * so[1], 2, so);
                if (rc == NT_OK)
                    rc = tb ? matmul(fn, db, oi, ai, true, true, alpha, i == 0 ? beta_b : 1.f)
                            : matmul(fn, db, ai, oi, false, false, alpha, i == 0 ? beta_b : 1.f);
                nt_tensor_free(ai);
                nt_tensor_free(oi);
                if (rc) return rc;
            }
            return NT_OK;
        }
        if (b->ndim == 2 && a->ndim > 2) {
            // shared b: flatten a's and dout's leading dims into rows
            const int64_t rows = dims_product(a, 0, a->ndim - 1);
            const int64_t s2a[2] = {rows, a->shape[a->ndim - 1]};
            const int64_t s2o[2] = {rows, dout->shape[dout->ndim - 1]};
            if (dout->numel != rows * s2o[1])
                return fail(NT_ERR_SHAPE, "%s: 'dout' has shape %s; expected a's leading dims", fn,
                            shape_str(dout).c_str());
            nt_tensor *a2 = nullptr, *o2 = nullptr;
            NT_CHECK(nt_tensor_view(&a2, const_cast<nt_tensor*>(a), 0, 2, s2a));
            int rc = nt_tensor_view(&o2, const_cast<nt_tensor*>(dout), 0, 2, s2o);
            if (rc == NT_OK)
                rc = tb ? matmul(fn, db, o2, a2, true, false, alpha, beta_b)
                        : matmul(fn, db, a2, o2, true, false, alpha, beta_b);
            nt_tensor_free(a2);
            nt_tensor_free(o2);
            return rc;
        }
        return tb ? matmul(fn, db, dout, a, true, ta, alpha, beta_b) : matmul(fn, db, a, dout, !ta, false, alpha, beta_b);
    }
    return NT_OK;
}

}  // extern "C"

// ------------------------------------------------------------------ FP8

namespace {

// The plain reference: dequantize on the fly, F32 accumulation.
void fp8_matmul_host(void* out, int out_dtype, const uint8_t* a, int a_dt, const uint8_t* b, int b_dt,
                     const float* sa, bool sa_row, const float* sb, bool sb_row, int64_t M, int64_t N, int64_t K,
                     float alpha) {
    float ta[256], tb[256];
    for (int i = 0; i < 256; i++) {
        const uint8_t c = (uint8_t)i;
        ta[i] = a_dt == NT_F8_E4M3 ? e4m3_to_f32(c) : e5m2_to_f32(c);
        tb[i] = b_dt == NT_F8_E4M3 ? e4m3_to_f32(c) : e5m2_to_f32(c);
    }
    parallel_for(M, 1, [&](int64_t m0, int64_t m1) {
        for (int64_t m = m0; m < m1; m++) {
            const uint8_t* ar = a + m * K;
            for (int64_t n = 0; n < N; n++) {
                const uint8_t* br = b + n * K;
                float acc = 0.f;
                for (int64_t k = 0; k < K; k++) acc += ta[ar[k]] * tb[br[k]];
                const float y = alpha * sa[sa_row ? m : 0] * sb[sb_row ? n : 0] * acc;
                if (out_dtype == NT_F32)
                    static_cast<float*>(out)[m * N + n] = y;
                else
                    static_cast<uint16_t*>(out)[m * N + n] = f32_to_bf16(y);
            }
        }
    });
}

}  // namespace

extern "C" int nt_fp8_matmul(nt_tensor* out, const nt_tensor* a, const nt_tensor* b, const nt_tensor* a_scale,
                             const nt_tensor* b_scale, float alpha) {
    const char* fn = "nt_fp8_matmul";
    int dev;
    NT_CHECK(route(fn, &dev, {{out, "out"}, {a, "a"}, {b, "b"}, {a_scale, "a_scale"}, {b_scale, "b_scale"}}));
    for (const TensorArg& x : {TensorArg{a, "a"}, TensorArg{b, "b"}}) {
        if (x.t->dtype != NT_F8_E4M3 && x.t->dtype != NT_F8_E5M2)
            return fail(NT_ERR_DTYPE, "%s: '%s' has dtype %s; expected F8_E4M3 or F8_E5M2", fn, x.name,
                        dtype_name(x.t->dtype));
        NT_CHECK(check_ndim(x.t, fn, x.name, 2));
    }
    if (out->dtype != NT_F32 && out->dtype != NT_BF16)
        return fail(NT_ERR_DTYPE, "%s: 'out' has dtype %s; expected F32 or BF16", fn, dtype_name(out->dtype));
    NT_CHECK(check_dtype(a_scale, fn, "a_scale", NT_F32));
    NT_CHECK(check_dtype(b_scale, fn, "b_scale", NT_F32));
    NT_CHECK(check_finite(alpha, fn, "alpha"));
    const int64_t M = a->shape[0], K = a->shape[1], N = b->shape[0];
    NT_CHECK(check_dim(b, fn, "b", 1, K));
    NT_CHECK(check_ndim(out, fn, "out", 2));
    NT_CHECK(check_dim(out, fn, "out", 0, M));
    NT_CHECK(check_dim(out, fn, "out", 1, N));
    if (a_scale->numel != 1 && a_scale->numel != M)
        return fail(NT_ERR_SHAPE, "%s: 'a_scale' has %" PRId64 " elements; expected 1 (per tensor) or %" PRId64
                    " (per row of a)", fn, a_scale->numel, M);
    if (b_scale->numel != 1 && b_scale->numel != N)
        return fail(NT_ERR_SHAPE, "%s: 'b_scale' has %" PRId64 " elements; expected 1 (per tensor) or %" PRId64
                    " (per row of b)", fn, b_scale->numel, N);
    NT_CHECK(check_no_alias(out, "out", a, "a", fn));
    NT_CHECK(check_no_alias(out, "out", b, "b", fn));
    const bool sa_row = a_scale->numel == M && M != 1, sb_row = b_scale->numel == N && N != 1;
    NT_API_BEGIN
    if (M == 0 || N == 0) return NT_OK;
    if (dev >= 0) {
        gpu::fp8_matmul(data_ptr(out), out->dtype, data_ptr(a), a->dtype, data_ptr(b), b->dtype,
                        ptr<const float>(a_scale), sa_row, ptr<const float>(b_scale), sb_row, M, N, K, alpha);
        return finish(fn, dev);
    }
    fp8_matmul_host(data_ptr(out), out->dtype, ptr<const uint8_t>(a), a->dtype, ptr<const uint8_t>(b), b->dtype,
                    ptr<const float>(a_scale), sa_row, ptr<const float>(b_scale), sb_row, M, N, K, alpha);
    return NT_OK;
    NT_API_END
}
