// The plain, unfused attention: materializes the T x T scores of one
// (batch, head) at a time. The reference the fused kernels are tested and
// benchmarked against; same contract as nt_attention_forward/backward.
#include <algorithm>
#include <cmath>
#include <limits>

#include "engine.h"

namespace nt {

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

inline bool visible(int64_t t, int64_t j, int64_t len, int64_t start) { return j >= start && j <= t && j < len; }
}  // namespace

void attention_reference_fwd(float* out, float* lse, const float* q, const float* k, const float* v,
                             const AttnArgs& a) {
    const int64_t T = a.T, NH = a.NH, NKV = a.NKV, HD = a.HD, G = NH / NKV;
    parallel_for(a.B * NH, 1, [&](int64_t i0, int64_t i1) {
        Scratch<float> P((size_t)(T * T));
        for (int64_t item = i0; item < i1; item++) {
            const int64_t b = item / NH, h = item % NH, kvh = h / G, len = a.lens[b];
            auto Q = [&](int64_t t) { return q + ((b * T + t) * NH + h) * HD; };
            auto Kr = [&](int64_t j) { return k + ((b * T + j) * NKV + kvh) * HD; };
            auto Vr = [&](int64_t j) { return v + ((b * T + j) * NKV + kvh) * HD; };
            for (int64_t t = 0; t < T; t++) {
                float* p = P.get() + t * T;
                float mx = kNegInf;
                for (int64_t j = 0; j < T; j++) {
                    if (!visible(t, j, len, a.start(b, t))) {
                        p[j] = kNegInf;
                        continue;
                    }
                    float s = 0.f;
                    for (int64_t d = 0; d < HD; d++) s += Q(t)[d] * Kr(j)[d];
                    p[j] = s * a.scale;
                    mx = std::max(mx, p[j]);
                }
                float sum = 0.f;
                for (int64_t j = 0; j < T; j++) {
                    p[j] = mx == kNegInf ? 0.f : std::exp(p[j] - mx);
                    sum += p[j];
                }
                float* o = out + ((b * T + t) * NH + h) * HD;
                for (int64_t d = 0; d < HD; d++) o[d] = 0.f;
                if (sum == 0.f) {
                    if (lse) lse[(b * NH + h) * T + t] = kNegInf;
                    continue;
                }
                for (int64_t j = 0; j < T; j++) {
                    p[j] /= sum;
                    for (int64_t d = 0; d < HD; d++) o[d] += p[j] * Vr(j)[d];
                }
                if (lse) lse[(b * NH + h) * T + t] = mx + std::log(sum);
            }
        }
    });
}

void attention_reference_bwd(float* dq, float* dk, float* dv, const float* dout, const float* out,
                             const float* lse, const float* q, const float* k, const float* v, const AttnArgs& a) {
    const int64_t B = a.B, T = a.T, NH = a.NH, NKV = a.NKV, HD = a.HD, G = NH / NKV;
    std::fill(dq, dq + B * T * NH * HD, 0.f);
    std::fill(dk, dk + B * T * NKV * HD, 0.f);
    std::fill(dv, dv + B * T * NKV * HD, 0.f);
    // One item per (batch, kv head): the heads of a group write the same dk/dv.
    parallel_for(B * NKV, 1, [&](int64_t i0, int64_t i1) {
        Scratch<float> P((size_t)(T * T)), dP((size_t)(T * T));
        for (int64_t item = i0; item < i1; item++) {
            const int64_t b = item / NKV, kvh = item % NKV, len = a.lens[b];
            for (int64_t h = kvh * G; h < (kvh + 1) * G; h++) {
                auto row = [&](const float* base, int64_t t) { return base + ((b * T + t) * NH + h) * HD; };
                auto kv = [&](const float* base, int64_t j) { return base + ((b * T + j) * NKV + kvh) * HD; };
                // P = exp(S - lse), dP = dO V^T
                for (int64_t t = 0; t < T; t++) {
                    const float l = lse[(b * NH + h) * T + t];
                    for (int64_t j = 0; j < T; j++) {
                        float* p = &P[(size_t)(t * T + j)];
                        float* dp = &dP[(size_t)(t * T + j)];
                        if (!visible(t, j, len, a.start(b, t)) || l == kNegInf) {
                            *p = 0.f;
                            *dp = 0.f;
                            continue;
                        }
                        float s = 0.f, g = 0.f;
                        for (int64_t d = 0; d < HD; d++) {
                            s += row(q, t)[d] * kv(k, j)[d];
                            g += row(dout, t)[d] * kv(v, j)[d];
                        }
                        *p = std::exp(s * a.scale - l);
                        *dp = g;
                    }
                }
                for (int64_t t = 0; t < T; t++) {
                    // D_t = sum_j P dP = sum_d dO * O
                    float D = 0.f;
                    for (int64_t d = 0; d < HD; d++) D += row(dout, t)[d] * row(out, t)[d];
                    for (int64_t j = 0; j < T; j++) {
                        const float p = P[(size_t)(t * T + j)];
                        if (p == 0.f) continue;
                        const float ds = p * (dP[(size_t)(t * T + j)] - D) * a.scale;
                        float* dqr = dq + ((b * T + t) * NH + h) * HD;
                        float* dkr = dk + ((b * T + j) * NKV + kvh) * HD;
                        float* dvr = dv + ((b * T + j) * NKV + kvh) * HD;
                        for (int64_t d = 0; d < HD; d++) {
                            dqr[d] += ds * kv(k, j)[d];
                            dkr[d] += ds * row(q, t)[d];
                            dvr[d] += p * row(dout, t)[d];
                        }
                    }
                }
            }
        }
    });
}

}  // namespace nt
