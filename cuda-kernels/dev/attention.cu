// Lab program for cuda-kernels/src/attention.cu (in the style of llm.c's
// dev/cuda): checks the forward, backward and decode against a plain
// double-precision CPU reference on awkward shapes, then times the forward
// and backward at the benchmark shape.
//
// Build (standalone: this file includes the kernels' source and defines the
// one engine function they need, nt::fail):
//   nvcc -std=c++17 -O3 -arch=sm_90a -Icuda-kernels/src -Inative/src -Inative/include \
//        cuda-kernels/dev/attention.cu -o attention_lab
// Run: ./attention_lab [--quick] [--json]
//   --quick: correctness only (no timing); --json: one JSON line per timing.
// Exit status 1 when a check fails.
//
// Tolerance policy (the project's): a low-precision kernel's error may be at
// most 2x that of a plain implementation in the same precision.
//  * BF16 tensors (out, dq, dk, dv): the exact result is computed in double
//    from the same BF16-rounded inputs. The plain implementation's error is
//    the larger of (a) rounding the exact result to BF16 and (b) for the
//    forward output, a plain BF16 attention that rounds the probabilities to
//    BF16 before P·V (as every BF16 attention does) and rounds the output.
//    For the backward (dq, dk, dv), (b) is a plain BF16 backward that rounds
//    P and dS to BF16 before the products (as the tensor-core backward and
//    FlashAttention do) and rounds its outputs.
//    Allowed max abs error = 2 * plain error + F32 accumulation slack
//    (1e-5 * max |exact|; for dq, dk, dv 1e-5 * the largest magnitude of the
//    summed terms, sum |P (dP - D) scale| |k or q| with |dP - D| taken as
//    |dP| + |D|: an exact gradient can cancel to 0, e.g. at T = 1, while F32
//    rounding of dP - D does not).
//  * F32 tensors (out, dq, dk, dv in F32; lse always): a plain F32
//    implementation's error is estimated as 1e-5 relative to the tensor's
//    largest magnitude: allowed max abs error = 2e-5 * max |exact| (lse:
//    2e-5 * max(1, max |lse|); dq, dk, dv: 2e-5 * the magnitude above). Rows without a visible key must give out = 0
//    and lse = -inf exactly.
#include "lab_args.h"
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "../src/attention.cu"

namespace nt {
static char g_err[1024];
int fail(int code, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_err, sizeof g_err, fmt, ap);
    va_end(ap);
    return code;
}
}  // namespace nt

#define CUDA_CHECK(x)                                                                          \
    do {                                                                                       \
        cudaError_t e_ = (x);                                                                  \
        if (e_ != cudaSuccess) {                                                               \
            fprintf(stderr, "CUDA error %s at %s:%d\n", cudaGetErrorString(e_), __FILE__, __LINE__); \
            exit(2);                                                                           \
        }                                                                                      \
    } while (0)
#define NT_CHECK(x)                                                                  \
    do {                                                                             \
        int rc_ = (x);                                                               \
        if (rc_ != NT_OK) {                                                          \
            fprintf(stderr, "%s failed: %d %s (line %d)\n", #x, rc_, nt::g_err, __LINE__); \
            exit(2);                                                                 \
        }                                                                            \
    } while (0)

static double round_bf16(double x) { return nt::bf16_to_f32(nt::f32_to_bf16((float)x)); }

// ------------------------------------------------------------ device buffers
struct DevBuf {
    void* p = nullptr;
    size_t bytes = 0;
    DevBuf() = default;
    explicit DevBuf(size_t b) : bytes(b) { CUDA_CHECK(cudaMalloc(&p, std::max<size_t>(b, 16))); }
    ~DevBuf() {
        if (p) cudaFree(p);
    }
    DevBuf(const DevBuf&) = delete;
    DevBuf& operator=(const DevBuf&) = delete;
};

// Uploads float values as F32 or BF16.
static void upload(DevBuf& d, const std::vector<float>& x, int dtype) {
    if (dtype == NT_F32) {
        CUDA_CHECK(cudaMemcpy(d.p, x.data(), x.size() * 4, cudaMemcpyHostToDevice));
    } else {
        std::vector<uint16_t> h(x.size());
        for (size_t i = 0; i < x.size(); i++) h[i] = nt::f32_to_bf16(x[i]);
        CUDA_CHECK(cudaMemcpy(d.p, h.data(), h.size() * 2, cudaMemcpyHostToDevice));
    }
}
static std::vector<float> download(const DevBuf& d, size_t n, int dtype) {
    std::vector<float> x(n);
    if (dtype == NT_F32) {
        CUDA_CHECK(cudaMemcpy(x.data(), d.p, n * 4, cudaMemcpyDeviceToHost));
    } else {
        std::vector<uint16_t> h(n);
        CUDA_CHECK(cudaMemcpy(h.data(), d.p, n * 2, cudaMemcpyDeviceToHost));
        for (size_t i = 0; i < n; i++) x[i] = nt::bf16_to_f32(h[i]);
    }
    return x;
}
static size_t esize(int dtype) { return dtype == NT_F32 ? 4 : 2; }

// ------------------------------------------------------------ checking
static int g_failures = 0;

// got vs exact; plain_err: extra plain-implementation error (BF16), or 0.
// slack_ref: magnitude the F32 accumulation slack is relative to (0: max |exact|).
static void check(const char* what, const char* tensor, const std::vector<float>& got,
                  const std::vector<double>& exact, int dtype, double plain_extra, bool is_lse = false,
                  double slack_ref = 0) {
    double maxref = 0, err = 0, round_err = 0;
    bool inf_mismatch = false;
    for (size_t i = 0; i < got.size(); i++) {
        const double e = exact[i], g = got[i];
        if (std::isinf(e) || std::isinf(g) || std::isnan(g)) {
            if (!(std::isinf(e) && std::isinf(g) && (e < 0) == (g < 0))) inf_mismatch = true;
            continue;
        }
        maxref = std::max(maxref, std::fabs(e));
        err = std::max(err, std::fabs(g - e));
        round_err = std::max(round_err, std::fabs(round_bf16(e) - e));
    }
    double allowed;
    const double slack = std::max(maxref, slack_ref);
    if (dtype == NT_BF16 && !is_lse) {
        allowed = 2.0 * std::max(round_err, plain_extra) + 1e-5 * slack;
    } else {
        allowed = 2e-5 * (is_lse ? std::max(1.0, maxref) : slack);
    }
    const bool ok = !inf_mismatch && err <= allowed;
    if (!ok) g_failures++;
    printf("  %-4s %-5s max_err=%.3e allowed=%.3e max_ref=%.3e%s %s\n", tensor, dtype == NT_F32 || is_lse ? "f32" : "bf16",
           err, allowed, maxref, inf_mismatch ? " (inf/nan mismatch)" : "", ok ? "ok" : "FAIL");
    (void)what;
}

// ------------------------------------------------------------ reference
struct Shape {
    int B, T, NH, NKV, HD;
};

static bool visible(int t, int j, int len, int st) { return j >= st && j <= t && j < len; }

// Exact forward in double; out_plain: the plain BF16 implementation
// (probabilities rounded to BF16, output rounded to BF16).
static void ref_forward(const Shape& s, const std::vector<float>& q, const std::vector<float>& k,
                        const std::vector<float>& v, const std::vector<int64_t>& lens, const std::vector<int64_t>& starts,
                        double scale, std::vector<double>& out, std::vector<double>& lse, std::vector<double>& out_plain) {
    const int B = s.B, T = s.T, NH = s.NH, NKV = s.NKV, HD = s.HD, G = NH / NKV;
    out.assign((size_t)B * T * NH * HD, 0.0);
    out_plain.assign(out.size(), 0.0);
    lse.assign((size_t)B * NH * T, -INFINITY);
    std::vector<double> sc(T), acc(HD), accp(HD);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const int kvh = h / G, len = (int)lens[b];
            for (int t = 0; t < T; t++) {
                const int st = starts.empty() ? 0 : (int)starts[(size_t)b * T + t];
                const float* qr = &q[(((size_t)b * T + t) * NH + h) * HD];
                double mx = -INFINITY;
                for (int j = 0; j < T; j++) {
                    sc[j] = -INFINITY;
                    if (!visible(t, j, len, st)) continue;
                    const float* kr = &k[(((size_t)b * T + j) * NKV + kvh) * HD];
                    double d = 0;
                    for (int x = 0; x < HD; x++) d += (double)qr[x] * kr[x];
                    sc[j] = d * scale;
                    mx = std::max(mx, sc[j]);
                }
                if (mx == -INFINITY) continue;
                double Z = 0;
                for (int j = 0; j < T; j++)
                    if (sc[j] != -INFINITY) Z += std::exp(sc[j] - mx);
                const double L = mx + std::log(Z);
                lse[((size_t)b * NH + h) * T + t] = L;
                std::fill(acc.begin(), acc.end(), 0.0);
                std::fill(accp.begin(), accp.end(), 0.0);
                for (int j = 0; j < T; j++) {
                    if (sc[j] == -INFINITY) continue;
                    const double p = std::exp(sc[j] - L), pp = round_bf16(p);
                    const float* vr = &v[(((size_t)b * T + j) * NKV + kvh) * HD];
                    for (int x = 0; x < HD; x++) {
                        acc[x] += p * vr[x];
                        accp[x] += pp * vr[x];
                    }
                }
                double* o = &out[(((size_t)b * T + t) * NH + h) * HD];
                double* op = &out_plain[(((size_t)b * T + t) * NH + h) * HD];
                for (int x = 0; x < HD; x++) {
                    o[x] = acc[x];
                    op[x] = round_bf16(accp[x]);
                }
            }
        }
}

// Exact backward in double from the given out and lse (as the kernel gets them).
// pdq, pdk, pdv: the plain BF16 backward (P and dS rounded to BF16 before the
// products; the caller rounds the sums). mdq, mdk, mdv: magnitudes of the
// summed terms (|dP - D| as |dP| + |D|), for the F32 slack.
static void ref_backward(const Shape& s, const std::vector<float>& q, const std::vector<float>& k,
                         const std::vector<float>& v, const std::vector<float>& dout, const std::vector<float>& out,
                         const std::vector<float>& lse, const std::vector<int64_t>& lens,
                         const std::vector<int64_t>& starts, double scale, std::vector<double>& dq,
                         std::vector<double>& dk, std::vector<double>& dv, std::vector<double>& pdq,
                         std::vector<double>& pdk, std::vector<double>& pdv, std::vector<double>& mdq,
                         std::vector<double>& mdk, std::vector<double>& mdv) {
    const int B = s.B, T = s.T, NH = s.NH, NKV = s.NKV, HD = s.HD, G = NH / NKV;
    dq.assign((size_t)B * T * NH * HD, 0.0);
    dk.assign((size_t)B * T * NKV * HD, 0.0);
    dv.assign(dk.size(), 0.0);
    pdq.assign(dq.size(), 0.0);
    pdk.assign(dk.size(), 0.0);
    pdv.assign(dk.size(), 0.0);
    mdq.assign(dq.size(), 0.0);
    mdk.assign(dk.size(), 0.0);
    mdv.assign(dk.size(), 0.0);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const int kvh = h / G, len = (int)lens[b];
            for (int t = 0; t < T; t++) {
                const double L = lse[((size_t)b * NH + h) * T + t];
                if (L == -INFINITY) continue;
                const int st = starts.empty() ? 0 : (int)starts[(size_t)b * T + t];
                const size_t ro = (((size_t)b * T + t) * NH + h) * HD;
                double D = 0;
                for (int x = 0; x < HD; x++) D += (double)dout[ro + x] * out[ro + x];
                for (int j = 0; j < T; j++) {
                    if (!visible(t, j, len, st)) continue;
                    const size_t ko = (((size_t)b * T + j) * NKV + kvh) * HD;
                    double sdot = 0, dp = 0;
                    for (int x = 0; x < HD; x++) {
                        sdot += (double)q[ro + x] * k[ko + x];
                        dp += (double)dout[ro + x] * v[ko + x];
                    }
                    const double p = std::exp(sdot * scale - L);
                    const double ds = p * (dp - D) * scale;
                    const double pb = round_bf16(p), dsb = round_bf16(ds);
                    const double mag = p * (std::fabs(dp) + std::fabs(D)) * scale;
                    for (int x = 0; x < HD; x++) {
                        dq[ro + x] += ds * k[ko + x];
                        dk[ko + x] += ds * q[ro + x];
                        dv[ko + x] += p * dout[ro + x];
                        pdq[ro + x] += dsb * k[ko + x];
                        pdk[ko + x] += dsb * q[ro + x];
                        pdv[ko + x] += pb * dout[ro + x];
                        mdq[ro + x] += mag * std::fabs(k[ko + x]);
                        mdk[ko + x] += mag * std::fabs(q[ro + x]);
                        mdv[ko + x] += p * std::fabs(dout[ro + x]);
                    }
                }
            }
        }
}

// ------------------------------------------------------------ test cases
struct Case {
    const char* name;
    Shape s;
    int dtype;
    std::vector<int64_t> lens;  // empty: all T
    int doc_max;                // > 0: packed documents of length 1..doc_max (starts)
    bool force_general;
};

static std::vector<float> randn(size_t n, std::mt19937& rng, float stdv, int dtype) {
    std::normal_distribution<float> nd(0.f, stdv);
    std::vector<float> x(n);
    for (auto& e : x) {
        e = nd(rng);
        if (dtype == NT_BF16) e = nt::bf16_to_f32(nt::f32_to_bf16(e));  // the kernel sees exactly these
    }
    return x;
}

static void run_case(const Case& c, std::mt19937& rng) {
    const Shape& s = c.s;
    const int B = s.B, T = s.T, NH = s.NH, NKV = s.NKV, HD = s.HD, dt = c.dtype;
    printf("case %s: B=%d T=%d NH=%d NKV=%d HD=%d %s%s%s\n", c.name, B, T, NH, NKV, HD, dt == NT_F32 ? "f32" : "bf16",
           c.doc_max > 0 ? " packed" : "", c.force_general ? " (general path forced)" : "");
    std::vector<int64_t> lens = c.lens;
    if (lens.empty()) lens.assign(B, T);
    std::vector<int64_t> starts;
    if (c.doc_max > 0) {
        starts.resize((size_t)B * T);
        std::uniform_int_distribution<int> dl(1, c.doc_max);
        for (int b = 0; b < B; b++) {
            int t = 0;
            while (t < T) {
                int n = dl(rng), st = t;
                for (int i = 0; i < n && t < T; i++, t++) starts[(size_t)b * T + t] = st;
            }
        }
    }
    const size_t nq = (size_t)B * T * NH * HD, nk = (size_t)B * T * NKV * HD, nl = (size_t)B * NH * T;
    std::vector<float> q = randn(nq, rng, 1.5f, dt), k = randn(nk, rng, 1.f, dt), v = randn(nk, rng, 1.f, dt),
                       dout = randn(nq, rng, 1.f, dt);
    const double scale = 1.0 / std::sqrt((double)HD);

    std::vector<double> out_ref, lse_ref, out_plain;
    ref_forward(s, q, k, v, lens, starts, scale, out_ref, lse_ref, out_plain);

    DevBuf dq_(nq * esize(dt)), dk_(nk * esize(dt)), dv_(nk * esize(dt)), dout_(nq * esize(dt)), dO(nq * esize(dt)),
        dQ(nq * esize(dt)), dK(nk * esize(dt)), dV(nk * esize(dt)), dLse(nl * 4), dLens(B * 8),
        dStarts(std::max<size_t>(starts.size(), 1) * 8);
    upload(dq_, q, dt);
    upload(dk_, k, dt);
    upload(dv_, v, dt);
    upload(dout_, dout, dt);
    CUDA_CHECK(cudaMemcpy(dLens.p, lens.data(), B * 8, cudaMemcpyHostToDevice));
    if (!starts.empty()) CUDA_CHECK(cudaMemcpy(dStarts.p, starts.data(), starts.size() * 8, cudaMemcpyHostToDevice));

    ntc::Attn a{B, T, NH, NKV, HD, (const int64_t*)dLens.p, starts.empty() ? nullptr : (const int64_t*)dStarts.p,
                (float)scale};
    ntc::attn_detail::g_force_general = c.force_general;
    NT_CHECK(ntc::attention_forward(dO.p, (float*)dLse.p, dq_.p, dk_.p, dv_.p, dt, a, nullptr));
    CUDA_CHECK(cudaDeviceSynchronize());
    ntc::attn_detail::g_force_general = false;
    std::vector<float> out = download(dO, nq, dt), lse = download(dLse, nl, NT_F32);
    double plain_extra = 0;
    if (dt == NT_BF16)
        for (size_t i = 0; i < nq; i++) plain_extra = std::max(plain_extra, std::fabs(out_plain[i] - out_ref[i]));
    check(c.name, "out", out, out_ref, dt, plain_extra);
    check(c.name, "lse", lse, lse_ref, dt, 0, true);

    // Backward from the exact out (rounded to the storage type) and lse.
    std::vector<float> out_in(nq), lse_in(nl);
    for (size_t i = 0; i < nq; i++) out_in[i] = dt == NT_BF16 ? (float)round_bf16(out_ref[i]) : (float)out_ref[i];
    for (size_t i = 0; i < nl; i++) lse_in[i] = (float)lse_ref[i];
    upload(dO, out_in, dt);
    CUDA_CHECK(cudaMemcpy(dLse.p, lse_in.data(), nl * 4, cudaMemcpyHostToDevice));
    std::vector<double> dq_ref, dk_ref, dv_ref, dq_pl, dk_pl, dv_pl, dq_mag, dk_mag, dv_mag;
    ref_backward(s, q, k, v, dout, out_in, lse_in, lens, starts, scale, dq_ref, dk_ref, dv_ref, dq_pl, dk_pl, dv_pl,
                 dq_mag, dk_mag, dv_mag);
    // Plain BF16 backward error per tensor (its sums rounded to BF16), and the slack magnitudes.
    auto plain_err = [&](const std::vector<double>& pl, const std::vector<double>& ex) {
        double e = 0;
        if (dt == NT_BF16)
            for (size_t i = 0; i < ex.size(); i++) e = std::max(e, std::fabs(round_bf16(pl[i]) - ex[i]));
        return e;
    };
    auto maxv = [](const std::vector<double>& x) {
        double m = 0;
        for (double e : x) m = std::max(m, e);
        return m;
    };
    const double pe_q = plain_err(dq_pl, dq_ref), pe_k = plain_err(dk_pl, dk_ref), pe_v = plain_err(dv_pl, dv_ref);
    const double mg_q = maxv(dq_mag), mg_k = maxv(dk_mag), mg_v = maxv(dv_mag);
    const bool bwd_tc = !c.force_general && ntc::attn_detail::bwd_tc_applies(dt, HD);
    printf("  backward path: %s\n", bwd_tc ? "tensor cores" : "general");
    // Poison the outputs: the kernel must overwrite every element.
    CUDA_CHECK(cudaMemset(dQ.p, 0x7f, dQ.bytes));
    CUDA_CHECK(cudaMemset(dK.p, 0x7f, dK.bytes));
    CUDA_CHECK(cudaMemset(dV.p, 0x7f, dV.bytes));
    ntc::attn_detail::g_force_general = c.force_general;
    NT_CHECK(ntc::attention_backward(dQ.p, dK.p, dV.p, dout_.p, dO.p, (const float*)dLse.p, dq_.p, dk_.p, dv_.p, dt, a,
                                     nullptr));
    CUDA_CHECK(cudaDeviceSynchronize());
    std::vector<float> gq = download(dQ, nq, dt), gk = download(dK, nk, dt), gv = download(dV, nk, dt);
    check(c.name, "dq", gq, dq_ref, dt, pe_q, false, mg_q);
    check(c.name, "dk", gk, dk_ref, dt, pe_k, false, mg_k);
    check(c.name, "dv", gv, dv_ref, dt, pe_v, false, mg_v);
    // Determinism: a second run gives the same bits.
    NT_CHECK(ntc::attention_backward(dQ.p, dK.p, dV.p, dout_.p, dO.p, (const float*)dLse.p, dq_.p, dk_.p, dv_.p, dt, a,
                                     nullptr));
    CUDA_CHECK(cudaDeviceSynchronize());
    ntc::attn_detail::g_force_general = false;
    std::vector<float> gq2 = download(dQ, nq, dt), gk2 = download(dK, nk, dt), gv2 = download(dV, nk, dt);
    const bool same = memcmp(gq.data(), gq2.data(), nq * 4) == 0 && memcmp(gk.data(), gk2.data(), nk * 4) == 0 &&
                      memcmp(gv.data(), gv2.data(), nk * 4) == 0;
    printf("  backward deterministic: %s\n", same ? "ok" : "FAIL");
    if (!same) g_failures++;
}

static void run_decode_case(const char* name, int B, int S, int NH, int NKV, int HD, int dt, std::mt19937& rng) {
    printf("decode %s: B=%d S=%d NH=%d NKV=%d HD=%d %s\n", name, B, S, NH, NKV, HD, dt == NT_F32 ? "f32" : "bf16");
    const int G = NH / NKV;
    std::vector<int64_t> lens(B);
    std::uniform_int_distribution<int> dl(1, S);
    for (int b = 0; b < B; b++) lens[b] = b == 0 ? S : dl(rng);
    const size_t nq = (size_t)B * NH * HD, nc = (size_t)B * S * NKV * HD;
    std::vector<float> q = randn(nq, rng, 1.5f, dt), kc = randn(nc, rng, 1.f, dt), vc = randn(nc, rng, 1.f, dt);
    const double scale = 1.0 / std::sqrt((double)HD);
    std::vector<double> ref(nq, 0.0), plain(nq, 0.0);
    std::vector<double> sc(S);
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const int kvh = h / G;
            double mx = -INFINITY;
            for (int j = 0; j < lens[b]; j++) {
                double d = 0;
                for (int x = 0; x < HD; x++)
                    d += (double)q[((size_t)b * NH + h) * HD + x] * kc[(((size_t)b * S + j) * NKV + kvh) * HD + x];
                sc[j] = d * scale;
                mx = std::max(mx, sc[j]);
            }
            double Z = 0;
            for (int j = 0; j < lens[b]; j++) Z += std::exp(sc[j] - mx);
            for (int j = 0; j < lens[b]; j++) {
                const double p = std::exp(sc[j] - mx) / Z, pp = round_bf16(p);
                for (int x = 0; x < HD; x++) {
                    const double vx = vc[(((size_t)b * S + j) * NKV + kvh) * HD + x];
                    ref[((size_t)b * NH + h) * HD + x] += p * vx;
                    plain[((size_t)b * NH + h) * HD + x] += pp * vx;
                }
            }
        }
    double plain_extra = 0;
    for (size_t i = 0; i < nq; i++) plain_extra = std::max(plain_extra, std::fabs(round_bf16(plain[i]) - ref[i]));
    DevBuf dq_(nq * esize(dt)), dk_(nc * esize(dt)), dv_(nc * esize(dt)), dO(nq * esize(dt)), dLens(B * 8);
    upload(dq_, q, dt);
    upload(dk_, kc, dt);
    upload(dv_, vc, dt);
    CUDA_CHECK(cudaMemcpy(dLens.p, lens.data(), B * 8, cudaMemcpyHostToDevice));
    NT_CHECK(ntc::attention_decode(dO.p, dq_.p, dk_.p, dv_.p, (const int64_t*)dLens.p, dt, B, S, NH, NKV, HD,
                                   (float)scale, nullptr));
    CUDA_CHECK(cudaDeviceSynchronize());
    check(name, "out", download(dO, nq, dt), ref, dt, dt == NT_BF16 ? plain_extra : 0);
}

// ------------------------------------------------------------ timing
__global__ void fill_bf16(__nv_bfloat16* p, size_t n, uint32_t seed, float amp) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        uint32_t x = (uint32_t)i * 2654435761u ^ seed;
        x ^= x >> 15;
        x *= 2246822519u;
        x ^= x >> 13;
        x *= 3266489917u;
        x ^= x >> 16;
        p[i] = __float2bfloat16_rn(amp * ((x & 0xffffff) / 8388608.f - 1.f));
    }
}

static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

static void time_shape(int HD, bool json) {
    const int B = 1, T = 4096, NH = 96, NKV = 8;
    const size_t nq = (size_t)B * T * NH * HD, nk = (size_t)B * T * NKV * HD;
    DevBuf q(nq * 2), k(nk * 2), v(nk * 2), o(nq * 2), dout(nq * 2), dq(nq * 2), dk(nk * 2), dv(nk * 2),
        lse((size_t)B * NH * T * 4), lens(B * 8);
    fill_bf16<<<1024, 256>>>((__nv_bfloat16*)q.p, nq, 1u, 2.f);
    fill_bf16<<<1024, 256>>>((__nv_bfloat16*)k.p, nk, 2u, 2.f);
    fill_bf16<<<1024, 256>>>((__nv_bfloat16*)v.p, nk, 3u, 1.f);
    fill_bf16<<<1024, 256>>>((__nv_bfloat16*)dout.p, nq, 4u, 1.f);
    std::vector<int64_t> hl(B, T);
    CUDA_CHECK(cudaMemcpy(lens.p, hl.data(), B * 8, cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaDeviceSynchronize());
    ntc::Attn a{B, T, NH, NKV, HD, (const int64_t*)lens.p, nullptr, (float)(1.0 / std::sqrt((double)HD))};
    const double fwd_flops = 4.0 * B * NH * (double)T * T * HD / 2.0, bwd_flops = 2.5 * fwd_flops;
    cudaEvent_t e0, e1;
    CUDA_CHECK(cudaEventCreate(&e0));
    CUDA_CHECK(cudaEventCreate(&e1));
    auto fwd = [&] { NT_CHECK(ntc::attention_forward(o.p, (float*)lse.p, q.p, k.p, v.p, NT_BF16, a, nullptr)); };
    auto bwd = [&] {
        NT_CHECK(ntc::attention_backward(dq.p, dk.p, dv.p, dout.p, o.p, (const float*)lse.p, q.p, k.p, v.p, NT_BF16, a,
                                         nullptr));
    };
    auto time_it = [&](auto&& f, int reps) {
        f();
        CUDA_CHECK(cudaDeviceSynchronize());
        std::vector<double> ms;
        for (int r = 0; r < reps; r++) {
            CUDA_CHECK(cudaEventRecord(e0));
            f();
            CUDA_CHECK(cudaEventRecord(e1));
            CUDA_CHECK(cudaEventSynchronize(e1));
            float x = 0;
            CUDA_CHECK(cudaEventElapsedTime(&x, e0, e1));
            ms.push_back(x);
        }
        return median(ms);
    };
    const double tf = time_it(fwd, 10);
    const double tb = time_it(bwd, 3);
    // The general (SIMT) backward for comparison where the tensor-core one applies.
    double tbg = 0;
    if (ntc::attn_detail::bwd_tc_applies(NT_BF16, HD)) {
        ntc::attn_detail::g_force_general = true;
        tbg = time_it(bwd, 1);
        ntc::attn_detail::g_force_general = false;
    }
    struct {
        const char* op;
        double ms, flops;
    } rows[] = {{"attention_fwd", tf, fwd_flops},
                {"attention_bwd", tb, bwd_flops},
                {"attention_fwdbwd", tf + tb, fwd_flops + bwd_flops},
                {"attention_bwd_general", tbg, bwd_flops}};
    for (auto& r : rows) {
        if (r.ms <= 0) continue;
        const double tflops = r.flops / (r.ms * 1e-3) / 1e12;
        if (json)
            printf("{\"op\":\"%s\",\"hd\":%d,\"T\":%d,\"B\":%d,\"NH\":%d,\"NKV\":%d,\"ms\":%.4f,\"tflops\":%.2f}\n", r.op, HD, T,
                   B, NH, NKV, r.ms, tflops);
        else
            printf("attention %s hd=%d T=%d ms=%.3f tflops=%.1f\n", r.op + 10, HD, T, r.ms, tflops);
    }
    CUDA_CHECK(cudaEventDestroy(e0));
    CUDA_CHECK(cudaEventDestroy(e1));
}

int main(int argc, char** argv) {
    const LabArgs args = parse_lab_args(argc, argv);
    if (!args.ok) return 2;
    const bool quick = args.quick, json = args.json;
    int ndev = 0;
    if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev == 0) {
        printf("no CUDA device; nothing to do\n");
        return 0;
    }
    std::mt19937 rng(1234);
    const int F = NT_F32, H = NT_BF16;
    const std::vector<Case> cases = {
        {"t1", {1, 1, 2, 1, 64}, F, {}, 0, false},
        {"t1-bf16", {2, 1, 4, 2, 128}, H, {}, 0, false},
        {"t37-hd40", {2, 37, 4, 2, 40}, F, {37, 20}, 0, false},
        {"t37-hd40-bf16", {2, 37, 8, 4, 40}, H, {30, 37}, 0, false},
        {"t37-hd128", {1, 37, 8, 8, 128}, F, {}, 0, false},
        {"t200-gqa8-hd128-bf16", {2, 200, 8, 1, 128}, H, {200, 150}, 24, false},
        {"t200-gqa8-hd128-bf16-general", {2, 200, 8, 1, 128}, H, {200, 150}, 24, true},
        {"t200-gqa12-hd192-bf16", {1, 200, 12, 1, 192}, H, {170}, 40, false},
        {"t200-gqa4-hd64-bf16", {2, 200, 8, 2, 64}, H, {131, 200}, 0, false},
        {"t200-gqa4-hd64-bf16-general", {2, 200, 8, 2, 64}, H, {131, 200}, 0, true},
        {"t130-gqa12-hd64-bf16-packed", {1, 130, 12, 1, 64}, H, {130}, 50, false},
        {"t260-gqa2-hd128-bf16-short", {2, 260, 4, 2, 128}, H, {260, 61}, 0, false},
        {"t64-hd128-bf16", {1, 64, 2, 2, 128}, H, {}, 0, false},
        {"t2-hd64-bf16", {3, 2, 4, 4, 64}, H, {2, 1, 2}, 1, false},
        {"t200-gqa2-hd64-f32", {2, 200, 4, 2, 64}, F, {200, 77}, 30, false},
        {"t200-gqa1-hd192-f32", {1, 200, 2, 2, 192}, F, {}, 0, false},
        {"t150-hd7-f32", {1, 150, 4, 2, 7}, F, {100}, 16, false},
        {"t90-hd256-f32", {1, 90, 2, 1, 256}, F, {}, 12, false},
        {"t300-hd128-bf16-long-docs", {1, 300, 4, 1, 128}, H, {260}, 120, false},
    };
    for (const Case& c : cases) run_case(c, rng);
    run_decode_case("s1", 2, 1, 4, 2, 64, F, rng);
    run_decode_case("s300-gqa4", 3, 300, 8, 2, 128, H, rng);
    run_decode_case("s77-hd40", 2, 77, 4, 4, 40, F, rng);
    run_decode_case("s5000-gqa12-hd192", 1, 5000, 12, 1, 192, H, rng);
    run_decode_case("s2000-hd256-f32", 2, 2000, 2, 1, 256, F, rng);
    // T == 0 / B == 0: no launch, NT_OK.
    {
        ntc::Attn a0{0, 5, 2, 1, 64, nullptr, nullptr, 0.1f};
        ntc::Attn a1{1, 0, 2, 1, 64, nullptr, nullptr, 0.1f};
        bool ok = ntc::attention_forward(nullptr, nullptr, nullptr, nullptr, nullptr, F, a0, nullptr) == NT_OK &&
                  ntc::attention_forward(nullptr, nullptr, nullptr, nullptr, nullptr, F, a1, nullptr) == NT_OK &&
                  ntc::attention_backward(nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                          F, a1, nullptr) == NT_OK;
        ntc::Attn a2{1, 4, 2, 1, 300, nullptr, nullptr, 0.1f};
        ok = ok && ntc::attention_forward(nullptr, nullptr, nullptr, nullptr, nullptr, F, a2, nullptr) == NT_ERR_UNSUPPORTED;
        printf("empty shapes and HD > 256: %s\n", ok ? "ok" : "FAIL");
        if (!ok) g_failures++;
    }
    if (g_failures) {
        printf("%d check(s) FAILED\n", g_failures);
        return 1;
    }
    printf("all checks passed\n");
    if (!quick) {
        time_shape(128, json);
        time_shape(192, json);
    }
    return 0;
}
