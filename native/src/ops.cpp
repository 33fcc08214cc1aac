// Layer ops: argument validation, then the kernels (kernels.inc) or, for the
// cheap gather/rotate ops, the loops below.
#include <cinttypes>
#include <cmath>
#include <vector>

#include "engine.h"
#include "device.h"
#include "validate.h"

namespace nt {
void attention_reference_fwd(float* out, float* lse, const float* q, const float* k, const float* v,
                             const AttnArgs& a);
void attention_reference_bwd(float* dq, float* dk, float* dv, const float* dout, const float* out,
                             const float* lse, const float* q, const float* k, const float* v, const AttnArgs& a);
}  // namespace nt

using namespace nt;

namespace {

int check_f32(const nt_tensor* t, const char* fn, const char* name) {
    NT_CHECK(check_tensor(t, fn, name));
    return check_dtype(t, fn, name, NT_F32);
}

// ---------------------------------------------------------------- RoPE

// cos/sin of the rotary angles of one position, computed like Hugging Face:
// inv_freq_i = 1 / theta^(2i/rot) in F32, angle = F32(pos) * inv_freq_i.
void rope_tables(int64_t pos, int half, const float* inv_freq, float* c, float* s) {
    for (int i = 0; i < half; i++) {
        const float ang = (float)pos * inv_freq[i];
        c[i] = (float)std::cos((double)ang);
        s[i] = (float)std::sin((double)ang);
    }
}

int rope(const char* fn, nt_tensor* out, const nt_tensor* in, const nt_tensor* positions, int rot, float theta,
         float sign) {
    NT_CHECK(check_f32(out, fn, "out"));
    NT_CHECK(check_f32(in, fn, "in"));
    NT_CHECK(check_tensor(positions, fn, "positions"));
    NT_CHECK(check_index_dtype(positions, fn, "positions"));
    NT_CHECK(check_ndim_min(in, fn, "in", 2));
    NT_CHECK(check_same_shape(out, "out", in, "in", fn));
    const int64_t HD = in->shape[in->ndim - 1], H = in->shape[in->ndim - 2];
    const int64_t N = dims_product(in, 0, in->ndim - 2);
    if (rot <= 0 || rot > HD || rot % 2)
        return fail(NT_ERR_ARGUMENT, "%s: rot_dims = %d; expected an even number in [2, head_dim = %" PRId64 "]", fn,
                    rot, HD);
    if (!(theta > 0.f) || !std::isfinite(theta))
        return fail(NT_ERR_ARGUMENT, "%s: theta = %g; expected a finite value > 0", fn, (double)theta);
    const int64_t P = positions->numel;
    if (P == 0 || (N % P) != 0)
        return fail(NT_ERR_SHAPE, "%s: 'positions' has %" PRId64 " entries; expected the token count %" PRId64
                    " or a divisor of it", fn, P, N);
    if (!(in == out) && data_ptr(in) != data_ptr(out)) NT_CHECK(check_no_alias(out, "out", in, "in", fn));
    Indices pos;
    NT_CHECK(pos.load(positions));
    NT_CHECK(check_index_range(pos, 0, (int64_t)1 << 40, fn, "positions"));
    int dev;
    NT_CHECK(route(fn, &dev, {{out, "out"}, {in, "in"}}));
    NT_API_BEGIN
    const int half = rot / 2;
    std::vector<float> inv_freq((size_t)half);
    for (int i = 0; i < half; i++) inv_freq[(size_t)i] = 1.0f / std::pow(theta, (float)(2 * i) / (float)rot);
    if (dev >= 0) {
        gpu::rope(ptr<float>(out), ptr<const float>(in), pos.data(), P, inv_freq.data(), N, H, HD, rot, sign);
        return finish(fn, dev);
    }
    const float* x = ptr<const float>(in);
    float* y = ptr<float>(out);
    parallel_for(N, 8, [&](int64_t n0, int64_t n1) {
        std::vector<float> c((size_t)half), s((size_t)half);
        for (int64_t n = n0; n < n1; n++) {
            rope_tables(pos[n % P], half, inv_freq.data(), c.data(), s.data());
            for (int64_t h = 0; h < H; h++) {
                const float* xi = x + (n * H + h) * HD;
                float* yi = y + (n * H + h) * HD;
                for (int i = 0; i < half; i++) {
                    const float a = xi[i], b = xi[i + half], sn = sign * s[(size_t)i];
                    yi[i] = a * c[(size_t)i] - b * sn;
                    yi[i + half] = b * c[(size_t)i] + a * sn;
                }
                if (yi != xi)
                    for (int64_t d = rot; d < HD; d++) yi[d] = xi[d];
            }
        }
    });
    return NT_OK;
    NT_API_END
}

// ------------------------------------------------------------ attention

int attention_shapes(const char* fn, const nt_tensor* q, const nt_tensor* k, const nt_tensor* v,
                     const nt_tensor* seq_lens, const nt_tensor* seg_starts, float scale, AttnArgs* a, Indices* lens,
                     std::vector<int64_t>* full, Indices* starts) {
    // F32 everywhere; BF16 storage (F32 math) too on a GPU
    NT_CHECK(check_tensor(q, fn, "q"));
    if (q->dtype != NT_F32 && !(q->dtype == NT_BF16 && device_of(q) >= 0))
        return fail(NT_ERR_DTYPE, "%s: 'q' has dtype %s; expected F32 (or BF16 on a GPU)", fn, dtype_name(q->dtype));
    NT_CHECK(check_tensor(k, fn, "k"));
    NT_CHECK(check_dtype(k, fn, "k", q->dtype));
    NT_CHECK(check_tensor(v, fn, "v"));
    NT_CHECK(check_dtype(v, fn, "v", q->dtype));
    NT_CHECK(check_ndim(q, fn, "q", 4));
    NT_CHECK(check_ndim(k, fn, "k", 4));
    NT_CHECK(check_same_shape(v, "v", k, "k", fn));
    a->B = q->shape[0];
    a->T = q->shape[1];
    a->NH = q->shape[2];
    a->HD = q->shape[3];
    a->NKV = k->shape[2];
    NT_CHECK(check_dim(k, fn, "k", 0, a->B));
    NT_CHECK(check_dim(k, fn, "k", 1, a->T));
    NT_CHECK(check_dim(k, fn, "k", 3, a->HD));
    if (a->NKV == 0 || a->NH % a->NKV != 0)
        return fail(NT_ERR_SHAPE, "%s: %" PRId64 " query heads are not a multiple of %" PRId64 " key/value heads", fn,
                    a->NH, a->NKV);
    if (a->HD == 0) return fail(NT_ERR_SHAPE, "%s: head_dim is 0", fn);
    if (!std::isfinite(scale) || scale <= 0.f)
        return fail(NT_ERR_ARGUMENT, "%s: scale = %g; expected a finite value > 0", fn, (double)scale);
    a->scale = scale;
    if (seq_lens) {
        NT_CHECK(check_tensor(seq_lens, fn, "seq_lens"));
        NT_CHECK(check_index_dtype(seq_lens, fn, "seq_lens"));
        NT_CHECK(check_numel(seq_lens, fn, "seq_lens", a->B));
        NT_CHECK(lens->load(seq_lens));
        NT_CHECK(check_index_range(*lens, 0, a->T + 1, fn, "seq_lens"));
        a->lens = lens->data();
    } else {
        full->assign((size_t)a->B, a->T);
        a->lens = full->data();
    }
    a->starts = nullptr;
    if (seg_starts) {
        NT_CHECK(check_tensor(seg_starts, fn, "seg_starts"));
        NT_CHECK(check_index_dtype(seg_starts, fn, "seg_starts"));
        NT_CHECK(check_numel(seg_starts, fn, "seg_starts", a->B * a->T));
        NT_CHECK(starts->load(seg_starts));
        for (int64_t b = 0; b < a->B; b++)
            for (int64_t t = 0; t < a->T; t++) {
                const int64_t s = (*starts)[b * a->T + t];
                if (s < 0 || s > t)
                    return fail(NT_ERR_ARGUMENT, "%s: seg_starts[%" PRId64 ", %" PRId64 "] = %" PRId64
                                " is outside [0, %" PRId64 "] (a document starts at or before its token)",
                                fn, b, t, s, t);
            }
        a->starts = starts->data();
    }
    return NT_OK;
}

int attention_forward(const char* fn, bool reference, nt_tensor* out, nt_tensor* lse, const nt_tensor* q,
                      const nt_tensor* k, const nt_tensor* v, const nt_tensor* seq_lens, const nt_tensor* seg_starts,
                      float scale) {
    int dev;
    NT_CHECK(route(fn, &dev, {{out, "out"}, {lse, "lse", true}, {q, "q"}, {k, "k"}, {v, "v"}, {seq_lens, "seq_lens", true},
                              {seg_starts, "seg_starts", true}}));
    if (dev >= 0 && reference)
        return fail(NT_ERR_UNSUPPORTED, "%s: the plain reference runs on the host; these tensors are on a GPU", fn);
    AttnArgs a{};
    Indices lens, starts;
    std::vector<int64_t> full;
    NT_CHECK(attention_shapes(fn, q, k, v, seq_lens, seg_starts, scale, &a, &lens, &full, &starts));
    NT_CHECK(check_tensor(out, fn, "out"));
    NT_CHECK(check_dtype(out, fn, "out", q->dtype));
    NT_CHECK(check_same_shape(out, "out", q, "q", fn));
    if (lse) {
        NT_CHECK(check_f32(lse, fn, "lse"));
        const int64_t want[3] = {a.B, a.NH, a.T};
        if (lse->ndim != 3 || lse->shape[0] != want[0] || lse->shape[1] != want[1] || lse->shape[2] != want[2])
            return fail(NT_ERR_SHAPE, "%s: 'lse' has shape %s; expected [%" PRId64 ", %" PRId64 ", %" PRId64 "]", fn,
                        shape_str(lse).c_str(), want[0], want[1], want[2]);
    }
    NT_CHECK(check_no_alias(out, "out", q, "q", fn));
    NT_CHECK(check_no_alias(out, "out", k, "k", fn));
    NT_CHECK(check_no_alias(out, "out", v, "v", fn));
    NT_API_BEGIN
    if (out->numel == 0) return NT_OK;
    float* l = lse ? ptr<float>(lse) : nullptr;
    if (dev >= 0) {
        gpu::attention_fwd(data_ptr(out), l, data_ptr(q), data_ptr(k), data_ptr(v), q->dtype, a);
        return finish(fn, dev);
    }
    if (reference)
        attention_reference_fwd(ptr<float>(out), l, ptr<const float>(q), ptr<const float>(k), ptr<const float>(v), a);
    else
        kernels().attention_fwd(ptr<float>(out), l, ptr<const float>(q), ptr<const float>(k), ptr<const float>(v), a);
    return NT_OK;
    NT_API_END
}

int attention_backward(const char* fn, bool reference, nt_tensor* dq, nt_tensor* dk, nt_tensor* dv,
                       const nt_tensor* dout, const nt_tensor* out, const nt_tensor* lse, const nt_tensor* q,
                       const nt_tensor* k, const nt_tensor* v, const nt_tensor* seq_lens, const nt_tensor* seg_starts,
                       float scale) {
    int dev;
    NT_CHECK(route(fn, &dev, {{dq, "dq"}, {dk, "dk"}, {dv, "dv"}, {dout, "dout"}, {out, "out"}, {lse, "lse"},
                              {q, "q"}, {k, "k"}, {v, "v"}, {seq_lens, "seq_lens", true}, {seg_starts, "seg_starts", true}}));
    if (dev >= 0 && reference)
        return fail(NT_ERR_UNSUPPORTED, "%s: the plain reference runs on the host; these tensors are on a GPU", fn);
    AttnArgs a{};
    Indices lens, starts;
    std::vector<int64_t> full;
    NT_CHECK(attention_shapes(fn, q, k, v, seq_lens, seg_starts, scale, &a, &lens, &full, &starts));
    const nt_tensor* same[] = {dq, dk, dv, dout, out};
    const char* same_names[] = {"dq", "dk", "dv", "dout", "out"};
    for (int i = 0; i < 5; i++) {
        NT_CHECK(check_tensor(same[i], fn, same_names[i]));
        NT_CHECK(check_dtype(same[i], fn, same_names[i], q->dtype));
    }
    NT_CHECK(check_f32(lse, fn, "lse"));
    NT_CHECK(check_same_shape(dq, "dq", q, "q", fn));
    NT_CHECK(check_same_shape(dk, "dk", k, "k", fn));
    NT_CHECK(check_same_shape(dv, "dv", v, "v", fn));
    NT_CHECK(check_same_shape(dout, "dout", q, "q", fn));
    NT_CHECK(check_same_shape(out, "out", q, "q", fn));
    NT_CHECK(check_numel(lse, fn, "lse", a.B * a.NH * a.T));
    const nt_tensor* ins[] = {dout, out, lse, q, k, v};
    const char* in_names[] = {"dout", "out", "lse", "q", "k", "v"};
    nt_tensor* outs[] = {dq, dk, dv};
    const char* out_names[] = {"dq", "dk", "dv"};
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 6; j++) NT_CHECK(check_no_alias(outs[i], out_names[i], ins[j], in_names[j], fn));
        for (int j = i + 1; j < 3; j++) NT_CHECK(check_no_alias(outs[i], out_names[i], outs[j], out_names[j], fn));
    }
    NT_API_BEGIN
    if (q->numel == 0) return NT_OK;
    if (dev >= 0) {
        gpu::attention_bwd(data_ptr(dq), data_ptr(dk), data_ptr(dv), data_ptr(dout), data_ptr(out),
                           ptr<const float>(lse), data_ptr(q), data_ptr(k), data_ptr(v), q->dtype, a);
        return finish(fn, dev);
    }
    auto f = reference ? attention_reference_bwd : kernels().attention_bwd;
    f(ptr<float>(dq), ptr<float>(dk), ptr<float>(dv), ptr<const float>(dout), ptr<const float>(out),
      ptr<const float>(lse), ptr<const float>(q), ptr<const float>(k), ptr<const float>(v), a);
    return NT_OK;
    NT_API_END
}

}  // namespace

extern "C" {

// ------------------------------------------------------------ embedding

int nt_embedding_forward(nt_tensor* out, const nt_tensor* ids, const nt_tensor* weight) {
    const char* fn = "nt_embedding_forward";
    NT_CHECK(check_f32(out, fn, "out"));
    NT_CHECK(check_tensor(ids, fn, "ids"));
    NT_CHECK(check_index_dtype(ids, fn, "ids"));
    NT_CHECK(check_f32(weight, fn, "weight"));
    NT_CHECK(check_ndim(weight, fn, "weight", 2));
    const int64_t V = weight->shape[0], C = weight->shape[1];
    bool ok = out->ndim == ids->ndim + 1 && out->shape[out->ndim - 1] == C;
    for (int i = 0; ok && i < ids->ndim; i++) ok = out->shape[i] == ids->shape[i];
    if (!ok)
        return fail(NT_ERR_SHAPE, "%s: 'out' has shape %s; expected ids' shape %s then %" PRId64, fn,
                    shape_str(out).c_str(), shape_str(ids).c_str(), C);
    Indices ix;
    NT_CHECK(ix.load(ids));
    NT_CHECK(check_index_range(ix, 0, V, fn, "ids"));
    NT_CHECK(check_no_alias(out, "out", weight, "weight", fn));
    int dev;
    NT_CHECK(route(fn, &dev, {{out, "out"}, {ids, "ids"}, {weight, "weight"}}));
    NT_API_BEGIN
    if (dev >= 0) {
        gpu::embedding_fwd(ptr<float>(out), ix.data(), ptr<const float>(weight), ix.size(), C);
        return finish(fn, dev);
    }
    const float* w = ptr<const float>(weight);
    float* o = ptr<float>(out);
    parallel_for(ix.size(), 64, [&](int64_t b, int64_t e) {
        for (int64_t n = b; n < e; n++) std::memcpy(o + n * C, w + ix[n] * C, sizeof(float) * C);
    });
    return NT_OK;
    NT_API_END
}

int nt_embedding_backward(nt_tensor* dweight, const nt_tensor* dout, const nt_tensor* ids) {
    const char* fn = "nt_embedding_backward";
    NT_CHECK(check_f32(dweight, fn, "dweight"));
    NT_CHECK(check_f32(dout, fn, "dout"));
    NT_CHECK(check_tensor(ids, fn, "ids"));
    NT_CHECK(check_index_dtype(ids, fn, "ids"));
    NT_CHECK(check_ndim(dweight, fn, "dweight", 2));
    const int64_t V = dweight->shape[0], C = dweight->shape[1];
    NT_CHECK(check_numel(dout, fn, "dout", ids->numel * C));
    if (dout->ndim < 1 || dout->shape[dout->ndim - 1] != C)
        return fail(NT_ERR_SHAPE, "%s: 'dout' has shape %s; expected last dimension %" PRId64, fn,
                    shape_str(dout).c_str(), C);
    Indices ix;
    NT_CHECK(ix.load(ids));
    NT_CHECK(check_index_range(ix, 0, V, fn, "ids"));
    int dev;
    NT_CHECK(route(fn, &dev, {{dweight, "dweight"}, {dout, "dout"}, {ids, "ids"}}));
    NT_API_BEGIN
    if (dev >= 0) {
        gpu::embedding_bwd(ptr<float>(dweight), ptr<const float>(dout), ix.data(), ix.size(), C);
        return finish(fn, dev);
    }
    const float* g = ptr<const float>(dout);
    float* dw = ptr<float>(dweight);
    // Each thread owns a slice of channels and walks the tokens in order:
    // deterministic, no atomics.
    parallel_for(C, 16, [&](int64_t c0, int64_t c1) {
        for (int64_t n = 0; n < ix.size(); n++) {
            float* row = dw + ix[n] * C;
            const float* src = g + n * C;
            for (int64_t c = c0; c < c1; c++) row[c] += src[c];
        }
    });
    return NT_OK;
    NT_API_END
}

// ---------------------------------------------------------- LayerNorm1P

int nt_layernorm1p_forward(nt_tensor* out, nt_tensor* mean, nt_tensor* rstd, const nt_tensor* in,
                           const nt_tensor* weight, const nt_tensor* bias, float eps) {
    const char* fn = "nt_layernorm1p_forward";
    NT_CHECK(check_f32(out, fn, "out"));
    NT_CHECK(check_f32(in, fn, "in"));
    NT_CHECK(check_f32(weight, fn, "weight"));
    NT_CHECK(check_f32(bias, fn, "bias"));
    NT_CHECK(check_ndim_min(in, fn, "in", 1));
    NT_CHECK(check_same_shape(out, "out", in, "in", fn));
    const int64_t C = in->shape[in->ndim - 1], N = in->numel / (C ? C : 1);
    NT_CHECK(check_ndim(weight, fn, "weight", 1));
    NT_CHECK(check_dim(weight, fn, "weight", 0, C));
    NT_CHECK(check_same_shape(bias, "bias", weight, "weight", fn));
    if (mean) {
        NT_CHECK(check_f32(mean, fn, "mean"));
        NT_CHECK(check_numel(mean, fn, "mean", N));
    }
    if (rstd) {
        NT_CHECK(check_f32(rstd, fn, "rstd"));
        NT_CHECK(check_numel(rstd, fn, "rstd", N));
    }
    if (!(eps > 0.f) || !std::isfinite(eps))
        return fail(NT_ERR_ARGUMENT, "%s: eps = %g; expected a finite value > 0", fn, (double)eps);
    if (C == 0) return fail(NT_ERR_SHAPE, "%s: the normalized dimension of %s is 0", fn, shape_str(in).c_str());
    int dev;
    NT_CHECK(route(fn, &dev, {{out, "out"}, {mean, "mean", true}, {rstd, "rstd", true}, {in, "in"}, {weight, "weight"},
                              {bias, "bias"}}));
    NT_API_BEGIN
    kernels_on(dev).layernorm1p_fwd(ptr<float>(out), mean ? ptr<float>(mean) : nullptr, rstd ? ptr<float>(rstd) : nullptr,
                              ptr<const float>(in), ptr<const float>(weight), ptr<const float>(bias), eps, N, C);
    return finish(fn, dev);
    NT_API_END
}

int nt_layernorm1p_backward(nt_tensor* din, nt_tensor* dweight, nt_tensor* dbias, const nt_tensor* dout,
                            const nt_tensor* in, const nt_tensor* weight, const nt_tensor* mean,
                            const nt_tensor* rstd) {
    const char* fn = "nt_layernorm1p_backward";
    NT_CHECK(check_f32(din, fn, "din"));
    NT_CHECK(check_f32(dout, fn, "dout"));
    NT_CHECK(check_f32(in, fn, "in"));
    NT_CHECK(check_f32(weight, fn, "weight"));
    NT_CHECK(check_f32(mean, fn, "mean"));
    NT_CHECK(check_f32(rstd, fn, "rstd"));
    NT_CHECK(check_ndim_min(in, fn, "in", 1));
    NT_CHECK(check_same_shape(din, "din", in, "in", fn));
    NT_CHECK(check_same_shape(dout, "dout", in, "in", fn));
    const int64_t C = in->shape[in->ndim - 1], N = in->numel / (C ? C : 1);
    NT_CHECK(check_ndim(weight, fn, "weight", 1));
    NT_CHECK(check_dim(weight, fn, "weight", 0, C));
    NT_CHECK(check_numel(mean, fn, "mean", N));
    NT_CHECK(check_numel(rstd, fn, "rstd", N));
    if (dweight) {
        NT_CHECK(check_f32(dweight, fn, "dweight"));
        NT_CHECK(check_same_shape(dweight, "dweight", weight, "weight", fn));
    }
    if (dbias) {
        NT_CHECK(check_f32(dbias, fn, "dbias"));
        NT_CHECK(check_same_shape(dbias, "dbias", weight, "weight", fn));
    }
    if (din != dout) NT_CHECK(check_no_alias(din, "din", dout, "dout", fn));
    NT_CHECK(check_no_alias(din, "din", in, "in", fn));
    if (C == 0) return fail(NT_ERR_SHAPE, "%s: the normalized dimension of %s is 0", fn, shape_str(in).c_str());
    int dev;
    NT_CHECK(route(fn, &dev, {{din, "din"}, {dweight, "dweight", true}, {dbias, "dbias", true}, {dout, "dout"}, {in, "in"},
                              {weight, "weight"}, {mean, "mean"}, {rstd, "rstd"}}));
    NT_API_BEGIN
    kernels_on(dev).layernorm1p_bwd(ptr<float>(din), dweight ? ptr<float>(dweight) : nullptr,
                              dbias ? ptr<float>(dbias) : nullptr, ptr<const float>(dout), ptr<const float>(in),
                              ptr<const float>(weight), ptr<const float>(mean), ptr<const float>(rstd), N, C);
    return finish(fn, dev);
    NT_API_END
}

// ----------------------------------------------------------------- RoPE

int nt_rope_forward(nt_tensor* out, const nt_tensor* in, const nt_tensor* positions, int rot_dims, float theta) {
    return rope("nt_rope_forward", out, in, positions, rot_dims, theta, 1.f);
}

int nt_rope_backward(nt_tensor* din, const nt_tensor* dout, const nt_tensor* positions, int rot_dims, float theta) {
    // The rotation is orthogonal: its transpose rotates by the opposite angle.
    return rope("nt_rope_backward", din, dout, positions, rot_dims, theta, -1.f);
}

// --------------------------------------------------------- squared ReLU

int nt_relu2_forward(nt_tensor* out, const nt_tensor* in) {
    const char* fn = "nt_relu2_forward";
    NT_CHECK(check_f32(out, fn, "out"));
    NT_CHECK(check_f32(in, fn, "in"));
    NT_CHECK(check_same_shape(out, "out", in, "in", fn));
    int dev;
    NT_CHECK(route(fn, &dev, {{out, "out"}, {in, "in"}}));
    NT_API_BEGIN
    if (in->numel > 0) kernels_on(dev).relu2_fwd(ptr<float>(out), ptr<const float>(in), in->numel);
    return finish(fn, dev);
    NT_API_END
}

int nt_relu2_backward(nt_tensor* din, const nt_tensor* dout, const nt_tensor* in) {
    const char* fn = "nt_relu2_backward";
    NT_CHECK(check_f32(din, fn, "din"));
    NT_CHECK(check_f32(dout, fn, "dout"));
    NT_CHECK(check_f32(in, fn, "in"));
    NT_CHECK(check_same_shape(din, "din", in, "in", fn));
    NT_CHECK(check_same_shape(dout, "dout", in, "in", fn));
    int dev;
    NT_CHECK(route(fn, &dev, {{din, "din"}, {dout, "dout"}, {in, "in"}}));
    NT_API_BEGIN
    if (in->numel > 0) kernels_on(dev).relu2_bwd(ptr<float>(din), ptr<const float>(dout), ptr<const float>(in), in->numel);
    return finish(fn, dev);
    NT_API_END
}

// ------------------------------------------------------------ attention

int nt_attention_forward(nt_tensor* out, nt_tensor* lse, const nt_tensor* q, const nt_tensor* k, const nt_tensor* v,
                         const nt_tensor* seq_lens, const nt_tensor* seg_starts, float scale) {
    return attention_forward("nt_attention_forward", false, out, lse, q, k, v, seq_lens, seg_starts, scale);
}

int nt_attention_reference_forward(nt_tensor* out, nt_tensor* lse, const nt_tensor* q, const nt_tensor* k,
                                   const nt_tensor* v, const nt_tensor* seq_lens, const nt_tensor* seg_starts,
                                   float scale) {
    return attention_forward("nt_attention_reference_forward", true, out, lse, q, k, v, seq_lens, seg_starts, scale);
}

int nt_attention_backward(nt_tensor* dq, nt_tensor* dk, nt_tensor* dv, const nt_tensor* dout, const nt_tensor* out,
                          const nt_tensor* lse, const nt_tensor* q, const nt_tensor* k, const nt_tensor* v,
                          const nt_tensor* seq_lens, const nt_tensor* seg_starts, float scale) {
    return attention_backward("nt_attention_backward", false, dq, dk, dv, dout, out, lse, q, k, v, seq_lens,
                              seg_starts, scale);
}

int nt_attention_reference_backward(nt_tensor* dq, nt_tensor* dk, nt_tensor* dv, const nt_tensor* dout,
                                    const nt_tensor* out, const nt_tensor* lse, const nt_tensor* q,
                                    const nt_tensor* k, const nt_tensor* v, const nt_tensor* seq_lens,
                                    const nt_tensor* seg_starts, float scale) {
    return attention_backward("nt_attention_reference_backward", true, dq, dk, dv, dout, out, lse, q, k, v, seq_lens,
                              seg_starts, scale);
}

int nt_attention_decode(nt_tensor* out, const nt_tensor* q, const nt_tensor* k_cache, const nt_tensor* v_cache,
                        const nt_tensor* cache_lens, float scale) {
    const char* fn = "nt_attention_decode";
    NT_CHECK(check_f32(out, fn, "out"));
    NT_CHECK(check_f32(q, fn, "q"));
    NT_CHECK(check_f32(k_cache, fn, "k_cache"));
    NT_CHECK(check_f32(v_cache, fn, "v_cache"));
    NT_CHECK(check_tensor(cache_lens, fn, "cache_lens"));
    NT_CHECK(check_index_dtype(cache_lens, fn, "cache_lens"));
    NT_CHECK(check_ndim(q, fn, "q", 3));
    NT_CHECK(check_ndim(k_cache, fn, "k_cache", 4));
    NT_CHECK(check_same_shape(out, "out", q, "q", fn));
    NT_CHECK(check_same_shape(v_cache, "v_cache", k_cache, "k_cache", fn));
    const int64_t B = q->shape[0], NH = q->shape[1], HD = q->shape[2];
    const int64_t S = k_cache->shape[1], NKV = k_cache->shape[2];
    NT_CHECK(check_dim(k_cache, fn, "k_cache", 0, B));
    NT_CHECK(check_dim(k_cache, fn, "k_cache", 3, HD));
    if (NKV == 0 || NH % NKV != 0)
        return fail(NT_ERR_SHAPE, "%s: %" PRId64 " query heads are not a multiple of %" PRId64 " key/value heads", fn,
                    NH, NKV);
    NT_CHECK(check_numel(cache_lens, fn, "cache_lens", B));
    if (!std::isfinite(scale) || scale <= 0.f)
        return fail(NT_ERR_ARGUMENT, "%s: scale = %g; expected a finite value > 0", fn, (double)scale);
    Indices lens;
    NT_CHECK(lens.load(cache_lens));
    NT_CHECK(check_index_range(lens, 1, S + 1, fn, "cache_lens"));
    NT_CHECK(check_no_alias(out, "out", q, "q", fn));
    NT_CHECK(check_no_alias(out, "out", k_cache, "k_cache", fn));
    NT_CHECK(check_no_alias(out, "out", v_cache, "v_cache", fn));
    int dev;
    NT_CHECK(route(fn, &dev, {{out, "out"}, {q, "q"}, {k_cache, "k_cache"}, {v_cache, "v_cache"},
                              {cache_lens, "cache_lens"}}));
    NT_API_BEGIN
    if (out->numel == 0) return NT_OK;
    kernels_on(dev).attention_decode(ptr<float>(out), ptr<const float>(q), ptr<const float>(k_cache),
                               ptr<const float>(v_cache), lens.data(), B, S, NH, NKV, HD, scale);
    return finish(fn, dev);
    NT_API_END
}

// --------------------------------------------------------------- KV cache

int nt_kv_cache_write(nt_tensor* cache, const nt_tensor* src, const nt_tensor* start, const nt_tensor* count) {
    const char* fn = "nt_kv_cache_write";
    NT_CHECK(check_tensor(cache, fn, "cache"));
    NT_CHECK(check_tensor(src, fn, "src"));
    NT_CHECK(check_tensor(start, fn, "start"));
    NT_CHECK(check_index_dtype(start, fn, "start"));
    NT_CHECK(check_optional(count, fn, "count"));
    if (cache->dtype != NT_F32 && cache->dtype != NT_BF16)
        return fail(NT_ERR_DTYPE, "%s: 'cache' has dtype %s; expected F32 or BF16", fn, dtype_name(cache->dtype));
    NT_CHECK(check_dtype(src, fn, "src", cache->dtype));
    NT_CHECK(check_ndim(cache, fn, "cache", 4));
    NT_CHECK(check_ndim(src, fn, "src", 4));
    const int64_t B = cache->shape[0], S = cache->shape[1], T = src->shape[1];
    NT_CHECK(check_dim(src, fn, "src", 0, B));
    NT_CHECK(check_dim(src, fn, "src", 2, cache->shape[2]));
    NT_CHECK(check_dim(src, fn, "src", 3, cache->shape[3]));
    NT_CHECK(check_numel(start, fn, "start", B));
    Indices st, cn;
    NT_CHECK(st.load(start));
    if (count) {
        NT_CHECK(check_index_dtype(count, fn, "count"));
        NT_CHECK(check_numel(count, fn, "count", B));
        NT_CHECK(cn.load(count));
    }
    for (int64_t b = 0; b < B; b++) {
        const int64_t n = count ? cn[b] : T;
        if (n < 0 || n > T)
            return fail(NT_ERR_ARGUMENT, "%s: count[%" PRId64 "] = %" PRId64 " is out of range [0, %" PRId64 "]", fn, b, n, T);
        if (st[b] < 0 || st[b] > S - n)
            return fail(NT_ERR_ARGUMENT, "%s: start[%" PRId64 "] = %" PRId64 " with %" PRId64 " rows overflows the cache of %" PRId64
                        " positions", fn, b, st[b], n, S);
    }
    NT_CHECK(check_no_alias(cache, "cache", src, "src", fn));
    int dev;
    NT_CHECK(route(fn, &dev, {{cache, "cache"}, {src, "src"}}));
    NT_API_BEGIN
    const int64_t row = cache->shape[2] * cache->shape[3] * dtype_size(cache->dtype);
    char* c = (char*)data_ptr(cache);
    const char* s = (const char*)data_ptr(src);
    for (int64_t b = 0; b < B; b++) {
        const int64_t n = count ? cn[b] : T;
        if (dev >= 0)
            NT_CHECK(gpu::copy(c + (b * S + st[b]) * row, s + b * T * row, n * row));
        else
            std::memcpy(c + (b * S + st[b]) * row, s + b * T * row, (size_t)(n * row));
    }
    return NT_OK;
    NT_API_END
}

// -------------------------------------------------------- cross-entropy

static int ce_shapes(const char* fn, const nt_tensor* logits, const nt_tensor* targets, int64_t ignore, Indices* ix,
                     int64_t* N, int64_t* V) {
    NT_CHECK(check_f32(logits, fn, "logits"));
    NT_CHECK(check_ndim(logits, fn, "logits", 2));
    NT_CHECK(check_tensor(targets, fn, "targets"));
    NT_CHECK(check_index_dtype(targets, fn, "targets"));
    *N = logits->shape[0];
    *V = logits->shape[1];
    NT_CHECK(check_numel(targets, fn, "targets", *N));
    if (*V == 0 && *N > 0) return fail(NT_ERR_SHAPE, "%s: vocabulary size is 0", fn);
    NT_CHECK(ix->load(targets));
    NT_CHECK(check_index_range(*ix, 0, *V, fn, "targets", true, ignore));
    return NT_OK;
}

int nt_cross_entropy_forward(nt_tensor* logprobs, nt_tensor* lse, const nt_tensor* logits, const nt_tensor* targets,
                             int64_t ignore_index) {
    const char* fn = "nt_cross_entropy_forward";
    Indices ix;
    int64_t N, V;
    NT_CHECK(ce_shapes(fn, logits, targets, ignore_index, &ix, &N, &V));
    NT_CHECK(check_f32(logprobs, fn, "logprobs"));
    NT_CHECK(check_numel(logprobs, fn, "logprobs", N));
    if (lse) {
        NT_CHECK(check_f32(lse, fn, "lse"));
        NT_CHECK(check_numel(lse, fn, "lse", N));
    }
    int dev;
    NT_CHECK(route(fn, &dev, {{logprobs, "logprobs"}, {lse, "lse", true}, {logits, "logits"}, {targets, "targets"}}));
    NT_API_BEGIN
    if (N == 0) return NT_OK;
    kernels_on(dev).cross_entropy_fwd(ptr<float>(logprobs), lse ? ptr<float>(lse) : nullptr, ptr<const float>(logits),
                                ix.data(), ignore_index, N, V);
    return finish(fn, dev);
    NT_API_END
}

int nt_cross_entropy_backward(nt_tensor* dlogits, const nt_tensor* dlogprobs, const nt_tensor* logits,
                              const nt_tensor* lse, const nt_tensor* targets, int64_t ignore_index) {
    const char* fn = "nt_cross_entropy_backward";
    Indices ix;
    int64_t N, V;
    NT_CHECK(ce_shapes(fn, logits, targets, ignore_index, &ix, &N, &V));
    NT_CHECK(check_f32(dlogits, fn, "dlogits"));
    NT_CHECK(check_same_shape(dlogits, "dlogits", logits, "logits", fn));
    NT_CHECK(check_f32(dlogprobs, fn, "dlogprobs"));
    NT_CHECK(check_numel(dlogprobs, fn, "dlogprobs", N));
    NT_CHECK(check_f32(lse, fn, "lse"));
    NT_CHECK(check_numel(lse, fn, "lse", N));
    if (data_ptr(dlogits) != data_ptr(logits)) NT_CHECK(check_no_alias(dlogits, "dlogits", logits, "logits", fn));
    int dev;
    NT_CHECK(route(fn, &dev, {{dlogits, "dlogits"}, {dlogprobs, "dlogprobs"}, {logits, "logits"}, {lse, "lse"},
                              {targets, "targets"}}));
    NT_API_BEGIN
    if (N == 0) return NT_OK;
    kernels_on(dev).cross_entropy_bwd(ptr<float>(dlogits), ptr<const float>(dlogprobs), ptr<const float>(logits),
                                ptr<const float>(lse), ix.data(), ignore_index, N, V);
    return finish(fn, dev);
    NT_API_END
}

}  // extern "C"
