// Lab program for the training ops on the GPU, through the engine's public C
// API: every op runs on host tensors (the CPU engine: the reference) and on
// device tensors with the same inputs, and the results are compared; then
// the GPU op is timed at a model-sized shape.
//
// Tolerance policy (the project's, written down once): a low-precision
// kernel's error may be at most 2x that of a plain implementation in the same
// precision. Here both sides are F32 implementations of the same formula, so
// the GPU result may differ from the CPU result by at most 2x the rounding a
// plain F32 evaluation accumulates: 2 * n_terms * 2^-24 relative to the
// magnitude of the result for reductions (n_terms: the reduction length), and
// exactly 0 for ops that only move or round values (embedding, fill, copies,
// conversions, KV-cache writes), whose results must be bit-identical.
//
//   lab_training_ops [--quick] [--json]
#include "lab_args.h"
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "nemotron4j.h"

namespace {

bool g_json = false;
int g_failures = 0;

#define CHECK(x)                                                                      \
    do {                                                                              \
        if ((x) != NT_OK) {                                                           \
            std::fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #x, nt_last_error()); \
            std::exit(2);                                                             \
        }                                                                             \
    } while (0)

struct T {
    nt_tensor* t = nullptr;
    T() = default;
    T(int dev, int dtype, std::vector<int64_t> shape) {
        CHECK(nt_tensor_new_on(&t, dev, dtype, (int)shape.size(), shape.data()));
    }
    ~T() { nt_tensor_free(t); }
    T(const T&) = delete;
    T& operator=(const T&) = delete;
    operator nt_tensor*() const { return t; }
    int64_t bytes() const { return nt_tensor_nbytes(t); }
};

std::vector<int64_t> shape_of(nt_tensor* t) {
    std::vector<int64_t> s((size_t)nt_tensor_ndim(t));
    for (size_t i = 0; i < s.size(); i++) s[i] = nt_tensor_dim(t, (int)i);
    return s;
}

// A pair of tensors with equal contents, one on the host, one on device 0.
struct Pair {
    T h, d;
    Pair(int dtype, std::vector<int64_t> shape) : h(-1, dtype, shape), d(0, dtype, shape) {}
    void sync_to_device() {
        CHECK(nt_tensor_copy_bytes(d, 0, h, 0, h.bytes()));
    }
};

Pair* randn(std::vector<int64_t> shape, uint64_t seed, float std = 1.f) {
    Pair* p = new Pair(NT_F32, shape);
    CHECK(nt_fill_normal(p->h, seed, 0.f, std));
    p->sync_to_device();
    return p;
}

Pair* ids(std::vector<int64_t> shape, int64_t hi, uint64_t seed) {
    Pair* p = new Pair(NT_I64, shape);
    std::mt19937_64 r(seed);
    std::vector<int64_t> v((size_t)nt_tensor_numel(p->h));
    for (auto& x : v) x = (int64_t)(r() % (uint64_t)hi);
    CHECK(nt_tensor_write(p->h, 0, v.data(), (int64_t)v.size() * 8));
    p->sync_to_device();
    return p;
}

std::vector<float> as_f32(nt_tensor* t) {
    T h(-1, NT_F32, shape_of(t));
    if (nt_tensor_dtype(t) == NT_F32)
        CHECK(nt_tensor_copy_bytes(h, 0, t, 0, nt_tensor_nbytes(t)));
    else
        CHECK(nt_convert(h, t, nullptr));
    std::vector<float> v((size_t)nt_tensor_numel(h));
    CHECK(nt_tensor_read(h, 0, v.data(), nt_tensor_nbytes(h)));
    return v;
}

// Compares the device tensor with the host one: max |d - h| <= tol_rel * max|h|
// (tol_rel 0: bit-identical bytes).
void compare(const char* op, const char* what, Pair& p, double tol_rel) {
    bool ok;
    double err = 0, mag = 0;
    if (tol_rel == 0) {
        std::vector<char> a((size_t)p.h.bytes()), b((size_t)p.h.bytes());
        CHECK(nt_tensor_read(p.h, 0, a.data(), p.h.bytes()));
        CHECK(nt_tensor_read(p.d, 0, b.data(), p.d.bytes()));
        ok = a == b;
        err = ok ? 0 : 1;
    } else {
        std::vector<float> a = as_f32(p.h), b = as_f32(p.d);
        for (size_t i = 0; i < a.size(); i++) {
            if (std::isfinite(a[i])) mag = std::max(mag, (double)std::fabs(a[i]));
            const double e = (std::isinf(a[i]) && a[i] == b[i]) ? 0 : std::fabs((double)a[i] - b[i]);
            err = std::max(err, std::isnan(e) ? INFINITY : e);
        }
        ok = err <= tol_rel * std::max(mag, 1e-30);
    }
    if (!ok) g_failures++;
    if (g_json)
        std::printf("{\"op\":\"%s\",\"tensor\":\"%s\",\"max_abs_err\":%.3g,\"max_abs\":%.3g,\"tol_rel\":%.3g,\"ok\":%s}\n", op,
                    what, err, mag, tol_rel, ok ? "true" : "false");
    else
        std::printf("%-22s %-10s max_abs_err=%.3g max_abs=%.3g tol_rel=%.3g %s\n", op, what, err, mag, tol_rel,
                    ok ? "ok" : "FAIL");
}

double reduction_tol(int64_t n) { return 2.0 * (double)n * std::ldexp(1.0, -24); }

// Median milliseconds of fn on the GPU.
double time_ms(const std::function<void()>& fn, int reps = 20) {
    fn();
    CHECK(nt_cuda_synchronize(0));
    std::vector<double> t;
    for (int i = 0; i < reps; i++) {
        auto a = std::chrono::steady_clock::now();
        fn();
        CHECK(nt_cuda_synchronize(0));
        t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

void report_time(const char* op, const char* shape, double ms, double gbytes, double gflop) {
    if (g_json)
        std::printf("{\"op\":\"%s\",\"shape\":\"%s\",\"ms\":%.4f,\"gbps\":%.1f,\"tflops\":%.2f}\n", op, shape, ms,
                    gbytes / (ms * 1e-3), gflop / (ms * 1e-3) / 1e3);
    else
        std::printf("time %-18s %-22s ms=%.4f GB/s=%.1f TFLOP/s=%.2f\n", op, shape, ms, gbytes / (ms * 1e-3),
                    gflop / (ms * 1e-3) / 1e3);
}

}  // namespace

int main(int argc, char** argv) {
    const LabArgs args = parse_lab_args(argc, argv);
    if (!args.ok) return 2;
    const bool quick = args.quick;
    g_json = args.json;
    int n = 0;
    CHECK(nt_cuda_device_count(&n));
    if (n == 0) {
        std::printf("lab_training_ops: no CUDA device (%s); nothing to check\n", nt_cuda_info());
        return 0;
    }
    std::printf("# %s\n", nt_cuda_info());

    // ------------------------------------------------------------ matmul
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            const int64_t M = 77, K = 130, N = 65;
            Pair* a = randn(ta ? std::vector<int64_t>{K, M} : std::vector<int64_t>{M, K}, 1);
            Pair* b = randn(tb ? std::vector<int64_t>{N, K} : std::vector<int64_t>{K, N}, 2);
            Pair out(NT_F32, {M, N});
            CHECK(nt_fill_normal(out.h, 3, 0, 1));
            out.sync_to_device();
            CHECK(nt_matmul(out.h, a->h, b->h, ta, tb, 0.5f, 1.f));
            CHECK(nt_matmul(out.d, a->d, b->d, ta, tb, 0.5f, 1.f));
            char name[32];
            std::snprintf(name, sizeof name, "matmul t%d%d", ta, tb);
            compare(name, "out", out, reduction_tol(K));
            Pair ab(NT_BF16, shape_of(a->h));
            CHECK(nt_convert(ab.h, a->h, nullptr));
            ab.sync_to_device();
            CHECK(nt_matmul(out.h, ab.h, b->h, ta, tb, 1.f, 0.f));
            CHECK(nt_matmul(out.d, ab.d, b->d, ta, tb, 1.f, 0.f));
            std::snprintf(name, sizeof name, "matmul-bf16 t%d%d", ta, tb);
            compare(name, "out", out, reduction_tol(K));
            delete a;
            delete b;
        }

    // BF16 matmul (the tensor-core path on sm_80+) at awkward shapes: M, N or
    // K of 1, K not a multiple of the 32-wide K tile (with and without 16-byte
    // aligned rows), M and N one past a 128 tile, and a batch whose BF16
    // matrices start at odd addresses; every transpose; a, b or both BF16
    // (the other F32, rounded on the fly); beta 0 and 1.
    {
        struct Case { int64_t batch, M, K, N; };
        const Case cases[] = {{0, 1, 64, 96},   {0, 77, 64, 1},    {0, 64, 1, 80},  {0, 33, 33, 33},
                              {0, 200, 136, 136}, {0, 129, 300, 257}, {3, 5, 7, 9}};
        for (const Case& c : cases)
            for (int ta = 0; ta < 2; ta++)
                for (int tb = 0; tb < 2; tb++) {
                    std::vector<int64_t> ash = ta ? std::vector<int64_t>{c.K, c.M} : std::vector<int64_t>{c.M, c.K};
                    std::vector<int64_t> bsh = tb ? std::vector<int64_t>{c.N, c.K} : std::vector<int64_t>{c.K, c.N};
                    std::vector<int64_t> osh{c.M, c.N};
                    if (c.batch) {
                        ash.insert(ash.begin(), c.batch);
                        bsh.insert(bsh.begin(), c.batch);
                        osh.insert(osh.begin(), c.batch);
                    }
                    Pair* a = randn(ash, 11);
                    Pair* b = randn(bsh, 12);
                    Pair ab(NT_BF16, ash), bb(NT_BF16, bsh);
                    CHECK(nt_convert(ab.h, a->h, nullptr));
                    CHECK(nt_convert(bb.h, b->h, nullptr));
                    ab.sync_to_device();
                    bb.sync_to_device();
                    Pair out(NT_F32, osh);
                    for (int which = 0; which < 3; which++) {  // a BF16, b BF16, both
                        const Pair& pa = which == 1 ? *a : ab;
                        const Pair& pb = which == 0 ? *b : bb;
                        const float beta = which == 2 ? 1.f : 0.f;
                        CHECK(nt_fill_normal(out.h, 13, 0, 1));
                        out.sync_to_device();
                        CHECK(nt_matmul(out.h, pa.h, pb.h, ta, tb, 0.5f, beta));
                        CHECK(nt_matmul(out.d, pa.d, pb.d, ta, tb, 0.5f, beta));
                        char name[64];
                        std::snprintf(name, sizeof name, "matmul-bf16 %s%lldx%lldx%lld t%d%d %s",
                                      c.batch ? "3x" : "", (long long)c.M, (long long)c.K, (long long)c.N, ta, tb,
                                      which == 0 ? "a16" : which == 1 ? "b16" : "ab16+C");
                        compare(name, "out", out, reduction_tol(c.K));
                    }
                    delete a;
                    delete b;
                }
    }

    // ------------------------------------------------- LayerNorm1P + RoPE
    {
        const int64_t N = 37, C = 200;
        Pair* x = randn({N, C}, 4, 2.f);
        Pair* w = randn({C}, 5, 0.1f);
        Pair* bias = randn({C}, 6, 0.1f);
        Pair out(NT_F32, {N, C}), mean(NT_F32, {N}), rstd(NT_F32, {N});
        CHECK(nt_layernorm1p_forward(out.h, mean.h, rstd.h, x->h, w->h, bias->h, 1e-5f));
        CHECK(nt_layernorm1p_forward(out.d, mean.d, rstd.d, x->d, w->d, bias->d, 1e-5f));
        compare("layernorm1p_fwd", "out", out, reduction_tol(C));
        compare("layernorm1p_fwd", "rstd", rstd, reduction_tol(C));
        Pair* dout = randn({N, C}, 7);
        Pair din(NT_F32, {N, C}), dw(NT_F32, {C}), db(NT_F32, {C});
        CHECK(nt_layernorm1p_backward(din.h, dw.h, db.h, dout->h, x->h, w->h, mean.h, rstd.h));
        CHECK(nt_layernorm1p_backward(din.d, dw.d, db.d, dout->d, x->d, w->d, mean.d, rstd.d));
        compare("layernorm1p_bwd", "din", din, reduction_tol(C));
        compare("layernorm1p_bwd", "dweight", dw, reduction_tol(N));
        compare("layernorm1p_bwd", "dbias", db, reduction_tol(N));
        delete x; delete w; delete bias; delete dout;

        Pair* q = randn({2, 9, 4, 48}, 8);
        Pair* pos = ids({18}, 4096, 9);
        Pair r(NT_F32, {2, 9, 4, 48});
        CHECK(nt_rope_forward(r.h, q->h, pos->h, 24, 10000.f));
        CHECK(nt_rope_forward(r.d, q->d, pos->d, 24, 10000.f));
        compare("rope_fwd", "out", r, 4 * std::ldexp(1.0, -24));
        delete q; delete pos;
    }

    // ------------------------------------- embedding, relu2, cross-entropy
    {
        const int64_t V = 1000, C = 96, N = 50;
        Pair* w = randn({V, C}, 10);
        Pair* id = ids({N}, V, 11);
        Pair e(NT_F32, {N, C});
        CHECK(nt_embedding_forward(e.h, id->h, w->h));
        CHECK(nt_embedding_forward(e.d, id->d, w->d));
        compare("embedding_fwd", "out", e, 0);
        Pair dw(NT_F32, {V, C});
        CHECK(nt_embedding_backward(dw.h, e.h, id->h));
        CHECK(nt_embedding_backward(dw.d, e.d, id->d));
        compare("embedding_bwd", "dweight", dw, reduction_tol(N));
        Pair r(NT_F32, {N, C}), dr(NT_F32, {N, C});
        CHECK(nt_relu2_forward(r.h, e.h));
        CHECK(nt_relu2_forward(r.d, e.d));
        compare("relu2_fwd", "out", r, 0);
        CHECK(nt_relu2_backward(dr.h, r.h, e.h));
        CHECK(nt_relu2_backward(dr.d, r.d, e.d));
        compare("relu2_bwd", "din", dr, std::ldexp(1.0, -23));

        Pair* logits = randn({N, V}, 12, 3.f);
        Pair* tg = ids({N}, V, 13);
        int64_t ignore_at = 3, ig = -100;
        CHECK(nt_tensor_write(tg->h, ignore_at * 8, &ig, 8));
        tg->sync_to_device();
        Pair lp(NT_F32, {N}), lse(NT_F32, {N});
        CHECK(nt_cross_entropy_forward(lp.h, lse.h, logits->h, tg->h, -100));
        CHECK(nt_cross_entropy_forward(lp.d, lse.d, logits->d, tg->d, -100));
        compare("cross_entropy_fwd", "logprobs", lp, reduction_tol(V));
        compare("cross_entropy_fwd", "lse", lse, reduction_tol(V));  // every row, the ignored one too
        Pair* g = randn({N}, 14);
        CHECK(nt_cross_entropy_backward(logits->h, g->h, logits->h, lse.h, tg->h, -100));  // in place
        CHECK(nt_cross_entropy_backward(logits->d, g->d, logits->d, lse.d, tg->d, -100));
        compare("cross_entropy_bwd", "dlogits", *logits, reduction_tol(V));
        delete w; delete id; delete logits; delete tg; delete g;
    }

    // ------------------------------------------ AdamW, norms, conversions
    {
        const int64_t n = 100003;
        Pair* p = randn({n}, 15);
        Pair* m = randn({n}, 16, 0.01f);
        Pair v(NT_F32, {n});
        Pair* g = randn({n}, 17);
        CHECK(nt_adamw_step(p->h, m->h, v.h, g->h, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 3, 0.5f));
        CHECK(nt_adamw_step(p->d, m->d, v.d, g->d, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 3, 0.5f));
        compare("adamw", "param", *p, 8 * std::ldexp(1.0, -24));
        compare("adamw", "v", v, 8 * std::ldexp(1.0, -24));
        double sh = 0, sd = 0;
        CHECK(nt_sum_squares(&sh, g->h));
        CHECK(nt_sum_squares(&sd, g->d));
        const bool ok = std::fabs(sh - sd) <= 1e-12 * sh;
        if (!ok) g_failures++;
        std::printf("%-22s %-10s host=%.17g device=%.17g %s\n", "sum_squares", "", sh, sd, ok ? "ok" : "FAIL");
        const int fp8[2] = {NT_F8_E4M3, NT_F8_E5M2};
        const int narrow[4] = {NT_BF16, NT_F16, NT_F8_E4M3, NT_F8_E5M2};
        Pair* x = randn({100, 1000}, 18, 30.f);
        for (int d : narrow) {
            Pair q(d, {100, 1000}), s(NT_F32, {100});
            const nt_tensor* sh_scale = nullptr;
            const nt_tensor* sd_scale = nullptr;
            if (d == NT_F8_E4M3 || d == NT_F8_E5M2) {
                CHECK(nt_compute_scales(s.h, x->h, d));
                CHECK(nt_compute_scales(s.d, x->d, d));
                compare("compute_scales", d == fp8[0] ? "e4m3" : "e5m2", s, 0);
                sh_scale = s.h;
                sd_scale = s.d;
            }
            CHECK(nt_convert(q.h, x->h, sh_scale));
            CHECK(nt_convert(q.d, x->d, sd_scale));
            compare("convert", d == NT_BF16 ? "bf16" : d == NT_F16 ? "f16" : d == NT_F8_E4M3 ? "e4m3" : "e5m2", q, 0);
            Pair back(NT_F32, {100, 1000});
            CHECK(nt_convert(back.h, q.h, sh_scale));
            CHECK(nt_convert(back.d, q.d, sd_scale));
            compare("convert-back", "f32", back, 0);
        }
        delete p; delete m; delete g; delete x;
    }

    // ----------------------------------------------------------- timings
    if (!quick) {
        const int64_t N = 4096, C = 18432, V = 256000;
        T x(0, NT_F32, {N, C}), y(0, NT_F32, {N, C}), w(0, NT_F32, {C}), b(0, NT_F32, {C}), mean(0, NT_F32, {N}),
            rstd(0, NT_F32, {N});
        CHECK(nt_fill_normal(x, 1, 0, 1));
        double ms = time_ms([&] { CHECK(nt_layernorm1p_forward(y, mean, rstd, x, w, b, 1e-5f)); });
        report_time("layernorm1p_fwd", "4096x18432", ms, 2.0 * N * C * 4 / 1e9, 0);
        ms = time_ms([&] { CHECK(nt_relu2_forward(y, x)); });
        report_time("relu2_fwd", "4096x18432", ms, 2.0 * N * C * 4 / 1e9, 0);
        T logits(0, NT_F32, {1024, V}), lp(0, NT_F32, {1024}), lse(0, NT_F32, {1024}), tg(0, NT_I64, {1024});
        ms = time_ms([&] { CHECK(nt_cross_entropy_forward(lp, lse, logits, tg, -100)); });
        report_time("cross_entropy_fwd", "1024x256000", ms, 1024.0 * V * 4 / 1e9, 0);
        const int64_t M = 4096, K = 4096, Nc = 4096;
        T a(0, NT_F32, {M, K}), bb(0, NT_F32, {K, Nc}), c(0, NT_F32, {M, Nc});
        ms = time_ms([&] { CHECK(nt_matmul(c, a, bb, 0, 0, 1.f, 0.f)); }, 5);
        report_time("matmul_f32", "4096^3", ms, 0, 2.0 * M * K * Nc / 1e9);
        T a16(0, NT_BF16, {M, K}), b16(0, NT_BF16, {K, Nc});  // random values (not whatever memory held)
        CHECK(nt_fill_normal(a, 7, 0, 1));
        CHECK(nt_fill_normal(bb, 8, 0, 1));
        CHECK(nt_convert(a16, a, nullptr));
        CHECK(nt_convert(b16, bb, nullptr));
        ms = time_ms([&] { CHECK(nt_matmul(c, a16, b16, 0, 0, 1.f, 0.f)); }, 5);
        report_time("matmul_bf16", "4096^3", ms, 0, 2.0 * M * K * Nc / 1e9);
    }
    std::printf("lab_training_ops: %s\n", g_failures ? "FAILED" : "all ok");
    return g_failures ? 1 : 0;
}
