// FP8 GEMM lab (in the style of llm.c dev/cuda): checks every path of
// ntc::fp8_gemm that the device supports against a CPU reference, then times
// them. Built by CMake together with the engine sources (it uses nt::fail,
// nt::f32_to_e4m3, ...).
//
//   fp8_gemm [--quick] [--json]
//     --quick  correctness shapes only (skips the 8192^3 and 340B timings)
//     --json   one JSON line per measurement instead of the text lines
//
// Tolerance policy (the one place it is written down): a low-precision kernel's
// error may be at most 2x that of a plain implementation in the same
// precision. Error = max |gpu - ref| / max |ref| over the checked entries,
// ref = the double-precision sum of the dequantized FP8 values. The plain
// implementation is the SIMT path (sequential F32 accumulation, F32 output);
// a path passes when
//     err <= 2 * max(err_simt_f32, 2^-21) + (out == BF16 ? 2 * 2^-8 : 0)
// The 2^-21 floor (a few F32 roundings) keeps the check from being flaky
// when the SIMT sum happens to be exact (small K: short sums of FP8 products
// are often exact in F32); 2^-8 is the BF16 rounding error (unit roundoff).
// Exit status 1 when any check fails.
#include "lab_args.h"
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "cuda_ops.h"
#include "engine.h"
#include "nemotron4j.h"

#define CK(x)                                                                                  \
    do {                                                                                       \
        cudaError_t e_ = (x);                                                                  \
        if (e_ != cudaSuccess) {                                                               \
            std::fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, cudaGetErrorString(e_));   \
            std::exit(1);                                                                      \
        }                                                                                      \
    } while (0)

namespace {

bool g_json = false;
int g_failures = 0;

// ------------------------------------------------------------ random data

struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed) {}
    uint64_t next() {  // splitmix64
        uint64_t z = (s += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return ((next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }  // (0, 1)
    float normal() {  // Box-Muller
        const double u = uniform(), v = uniform();
        return (float)(std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v));
    }
};

// A quantized operand [rows, K]: codes plus per-row (or one) dequantization
// scale, so value = decode(q) * scale.
struct Operand {
    int dtype = NT_F8_E4M3;
    int64_t rows = 0, K = 0;
    bool per_row = true;
    std::vector<uint8_t> q;
    std::vector<float> scale;  // rows values, or 1
    float lut[256];            // decode table
};

const char* dname(int dt) { return dt == NT_F8_E5M2 ? "e5m2" : dt == NT_F8_E4M3 ? "e4m3" : dt == NT_BF16 ? "bf16" : "f32"; }

// Random normals, quantized with scale = amax / fp8_max (per row, or over the
// whole matrix when !per_row; a per-row amax then quantizes rows with less).
void make_operand(Operand& o, int64_t rows, int64_t K, int dtype, bool per_row, uint64_t seed) {
    o.dtype = dtype;
    o.rows = rows;
    o.K = K;
    o.per_row = per_row;
    o.q.assign((size_t)(rows * K), 0);
    o.scale.assign(per_row ? (size_t)rows : 1, 1.f);
    const float fmax = dtype == NT_F8_E5M2 ? nt::kE5M2Max : nt::kE4M3Max;
    for (int i = 0; i < 256; ++i) o.lut[i] = dtype == NT_F8_E5M2 ? nt::e5m2_to_f32((uint8_t)i) : nt::e4m3_to_f32((uint8_t)i);
    // Row values are regenerated from a per-row seed so no F32 copy of the whole matrix is kept.
    auto row_values = [&](int64_t r, std::vector<float>& x) {
        Rng rr(seed * 0x100000001B3ull + (uint64_t)r);
        for (int64_t k = 0; k < K; ++k) x[(size_t)k] = rr.normal();
    };
    std::vector<float> x((size_t)K);
    float global_amax = 0.f;
    if (!per_row) {
        for (int64_t r = 0; r < rows; ++r) {
            row_values(r, x);
            for (float v : x) global_amax = std::max(global_amax, std::fabs(v));
        }
        o.scale[0] = global_amax > 0.f ? global_amax / fmax : 1.f;
    }
    for (int64_t r = 0; r < rows; ++r) {
        row_values(r, x);
        float s;
        if (per_row) {
            float amax = 0.f;
            for (float v : x) amax = std::max(amax, std::fabs(v));
            s = amax > 0.f ? amax / fmax : 1.f;
            o.scale[(size_t)r] = s;
        } else {
            s = o.scale[0];
        }
        const float inv = 1.f / s;
        uint8_t* qr = &o.q[(size_t)(r * K)];
        for (int64_t k = 0; k < K; ++k)
            qr[k] = dtype == NT_F8_E5M2 ? nt::f32_to_e5m2(x[(size_t)k] * inv) : nt::f32_to_e4m3(x[(size_t)k] * inv);
    }
}

float row_scale(const Operand& o, int64_t r) { return o.per_row ? o.scale[(size_t)r] : o.scale[0]; }

// Plain CPU reference of one entry: double accumulation of the dequantized values.
double ref_entry(const Operand& A, const Operand& B, int64_t m, int64_t n, double alpha) {
    const uint8_t* a = &A.q[(size_t)(m * A.K)];
    const uint8_t* b = &B.q[(size_t)(n * B.K)];
    const double sa = row_scale(A, m), sb = row_scale(B, n);
    double s = 0.0;
    for (int64_t k = 0; k < A.K; ++k) s += ((double)A.lut[a[k]] * sa) * ((double)B.lut[b[k]] * sb);
    return alpha * s;
}

// ------------------------------------------------------------ device side

struct DevBufs {
    uint8_t* a = nullptr;
    uint8_t* b = nullptr;
    float* sa = nullptr;
    float* sb = nullptr;
    void* out = nullptr;
    ~DevBufs() {
        cudaFree(a);
        cudaFree(b);
        cudaFree(sa);
        cudaFree(sb);
        cudaFree(out);
    }
};

struct PathDef {
    int path;
    const char* name;
};
// Path 4 is not in cuda_ops.h: fp8_gemm.cu's kFp8WgmmaBasic, the previous
// Hopper kernel (128x128 tiles, one per CTA), kept as a reference point for
// FP8_WGMMA (persistent, warp-specialized, 128x192 tiles).
const PathDef kPaths[] = {{ntc::FP8_SIMT, "simt"}, {ntc::FP8_MMA_SYNC, "mma_sync"}, {ntc::FP8_WGMMA, "wgmma"},
                          {4, "wgmma_basic"}, {ntc::FP8_AUTO, "auto"}};

float bf16_bits_to_f32(uint16_t h) { return nt::bf16_to_f32(h); }

// Median of `reps` timed runs (cudaEvents on the default stream) after `warm` untimed ones.
double time_ms(const std::function<int()>& f, int warm, int reps) {
    for (int i = 0; i < warm; ++i) f();
    CK(cudaDeviceSynchronize());
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0));
    CK(cudaEventCreate(&e1));
    std::vector<float> t;
    for (int i = 0; i < reps; ++i) {
        CK(cudaEventRecord(e0, 0));
        f();
        CK(cudaEventRecord(e1, 0));
        CK(cudaEventSynchronize(e1));
        float ms = 0.f;
        CK(cudaEventElapsedTime(&ms, e0, e1));
        t.push_back(ms);
    }
    CK(cudaEventDestroy(e0));
    CK(cudaEventDestroy(e1));
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

void report(const std::string& shape, const char* path, const Operand& A, const Operand& B, int out_dtype, double ms,
            double tflops, double err, double tol, bool ok) {
    if (g_json) {
        std::printf(
            "{\"op\":\"fp8_gemm\",\"shape\":\"%s\",\"path\":\"%s\",\"a\":\"%s\",\"b\":\"%s\",\"out\":\"%s\","
            "\"ms\":%.4f,\"tflops\":%.2f,\"max_rel_err\":%.3e,\"tol\":%.3e,\"ok\":%s}\n",
            shape.c_str(), path, dname(A.dtype), dname(B.dtype), dname(out_dtype), ms, tflops, err, tol,
            ok ? "true" : "false");
    } else {
        std::printf("fp8_gemm shape=%s path=%s ms=%.4f tflops=%.2f max_rel_err=%.3e %s  [a=%s%s b=%s%s out=%s tol=%.3e]\n",
                    shape.c_str(), path, ms, tflops, err, ok ? "ok" : "FAIL", dname(A.dtype), A.per_row ? "/row" : "",
                    dname(B.dtype), B.per_row ? "/row" : "", dname(out_dtype), tol);
    }
    std::fflush(stdout);
}

// Runs every path on (A, B), checks against the reference at the given
// entries (all entries when `full`), times each path.
void run_case(const Operand& A, const Operand& B, int64_t M, int64_t N, int64_t K, bool full, int n_samples,
              const std::vector<int>& out_dtypes, bool big) {
    const float alpha = 0.5f;
    char shape_buf[96];
    std::snprintf(shape_buf, sizeof shape_buf, "%lldx%lldx%lld", (long long)M, (long long)N, (long long)K);
    const std::string shape = shape_buf;

    // Checked entries and their reference values.
    std::vector<int64_t> idx;
    if (full) {
        idx.resize((size_t)(M * N));
        for (int64_t i = 0; i < M * N; ++i) idx[(size_t)i] = i;
    } else {
        Rng rng(12345 + (uint64_t)(M * 31 + N * 7 + K));
        for (int i = 0; i < n_samples; ++i) idx.push_back((int64_t)(rng.next() % (uint64_t)(M * N)));
        // Plus the corners and the entries around the first tile edges (128 rows; 128 and 192 columns).
        const int64_t rows[] = {0, 63, 64, 127, 128, M - 1}, cols[] = {0, 127, 128, 191, 192, N - 1};
        for (int64_t r : rows)
            for (int64_t c : cols)
                if (r >= 0 && r < M && c >= 0 && c < N) idx.push_back(r * N + c);
    }
    std::vector<double> ref(idx.size());
    if (full) {
        // Dequantize once, then plain double dot products.
        std::vector<double> ad((size_t)(M * K)), bd((size_t)(N * K));
        for (int64_t m = 0; m < M; ++m)
            for (int64_t k = 0; k < K; ++k) ad[(size_t)(m * K + k)] = (double)A.lut[A.q[(size_t)(m * K + k)]] * row_scale(A, m);
        for (int64_t n = 0; n < N; ++n)
            for (int64_t k = 0; k < K; ++k) bd[(size_t)(n * K + k)] = (double)B.lut[B.q[(size_t)(n * K + k)]] * row_scale(B, n);
        for (int64_t m = 0; m < M; ++m)
            for (int64_t n = 0; n < N; ++n) {
                const double* a = &ad[(size_t)(m * K)];
                const double* b = &bd[(size_t)(n * K)];
                double s = 0.0;
                for (int64_t k = 0; k < K; ++k) s += a[k] * b[k];
                ref[(size_t)(m * N + n)] = (double)alpha * s;
            }
    } else {
        for (size_t i = 0; i < idx.size(); ++i) ref[i] = ref_entry(A, B, idx[i] / N, idx[i] % N, alpha);
    }
    double ref_max = 0.0;
    for (double r : ref) ref_max = std::max(ref_max, std::fabs(r));
    if (ref_max == 0.0) ref_max = 1.0;

    DevBufs d;
    CK(cudaMalloc(&d.a, std::max<size_t>(A.q.size(), 16)));
    CK(cudaMalloc(&d.b, std::max<size_t>(B.q.size(), 16)));
    CK(cudaMalloc(&d.sa, A.scale.size() * sizeof(float)));
    CK(cudaMalloc(&d.sb, B.scale.size() * sizeof(float)));
    CK(cudaMalloc(&d.out, (size_t)(M * N) * sizeof(float)));
    if (!A.q.empty()) CK(cudaMemcpy(d.a, A.q.data(), A.q.size(), cudaMemcpyHostToDevice));
    if (!B.q.empty()) CK(cudaMemcpy(d.b, B.q.data(), B.q.size(), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(d.sa, A.scale.data(), A.scale.size() * sizeof(float), cudaMemcpyHostToDevice));
    CK(cudaMemcpy(d.sb, B.scale.data(), B.scale.size() * sizeof(float), cudaMemcpyHostToDevice));

    ntc::Fp8Gemm g;
    g.M = M;
    g.N = N;
    g.K = K;
    g.a = d.a;
    g.a_dtype = A.dtype;
    g.b = d.b;
    g.b_dtype = B.dtype;
    g.a_scale = d.sa;
    g.a_per_row = A.per_row;
    g.b_scale = d.sb;
    g.b_per_row = B.per_row;
    g.out = d.out;
    g.alpha = alpha;

    // Error of one run against the reference (NaN/inf count as failure).
    std::vector<float> host_f32;
    std::vector<uint16_t> host_bf16;
    auto measure = [&](int out_dtype) -> double {
        const size_t n_out = (size_t)(M * N);
        std::vector<float> vals(idx.size());
        if (out_dtype == NT_BF16) {
            host_bf16.resize(n_out);
            CK(cudaMemcpy(host_bf16.data(), d.out, n_out * 2, cudaMemcpyDeviceToHost));
            for (size_t i = 0; i < idx.size(); ++i) vals[i] = bf16_bits_to_f32(host_bf16[(size_t)idx[i]]);
        } else {
            host_f32.resize(n_out);
            CK(cudaMemcpy(host_f32.data(), d.out, n_out * 4, cudaMemcpyDeviceToHost));
            for (size_t i = 0; i < idx.size(); ++i) vals[i] = host_f32[(size_t)idx[i]];
        }
        double err = 0.0;
        for (size_t i = 0; i < idx.size(); ++i) {
            const double e = std::fabs((double)vals[i] - ref[i]);
            if (!(e <= 1e300)) return INFINITY;  // NaN or inf
            err = std::max(err, e);
        }
        return err / ref_max;
    };
    auto clear_out = [&]() { CK(cudaMemset(d.out, 0xFF, (size_t)(M * N) * sizeof(float))); };  // NaN pattern

    // Baseline: SIMT, F32 output.
    g.out_dtype = NT_F32;
    clear_out();
    if (ntc::fp8_gemm(g, ntc::FP8_SIMT, nullptr) != NT_OK) {
        std::printf("fp8_gemm shape=%s path=simt FAIL: %s\n", shape.c_str(), nt_last_error());
        ++g_failures;
        return;
    }
    CK(cudaDeviceSynchronize());
    const double err_simt = measure(NT_F32);
    const double base = std::max(err_simt, std::ldexp(1.0, -21));

    const double flop = 2.0 * (double)M * (double)N * (double)K;
    for (const PathDef& p : kPaths) {
        if (big && p.path == ntc::FP8_AUTO) continue;  // the same kernel as one of the others
        for (int od : out_dtypes) {
            g.out_dtype = od;
            clear_out();
            const int rc = ntc::fp8_gemm(g, p.path, nullptr);
            if (rc == NT_ERR_UNSUPPORTED) {
                // Expected for K % 16 != 0 or a device without the architecture.
                if (!g_json) std::printf("fp8_gemm shape=%s path=%s skipped: %s\n", shape.c_str(), p.name, nt_last_error());
                break;
            }
            if (rc != NT_OK) {
                std::printf("fp8_gemm shape=%s path=%s FAIL: status %d: %s\n", shape.c_str(), p.name, rc, nt_last_error());
                ++g_failures;
                break;
            }
            const cudaError_t ce = cudaDeviceSynchronize();
            if (ce != cudaSuccess) {
                std::printf("fp8_gemm shape=%s path=%s FAIL: %s\n", shape.c_str(), p.name, cudaGetErrorString(ce));
                std::exit(1);  // the context is gone
            }
            const double err = measure(od);
            const double tol = 2.0 * base + (od == NT_BF16 ? 2.0 * std::ldexp(1.0, -8) : 0.0);
            const bool ok = err <= tol;
            if (!ok) ++g_failures;
            const bool slow = p.path == ntc::FP8_SIMT && big;
            const double ms = time_ms([&] { return ntc::fp8_gemm(g, p.path, nullptr); }, slow ? 1 : 3, slow ? 3 : 20);
            CK(cudaGetLastError());
            report(shape, p.name, A, B, od, ms, flop / (ms * 1e-3) / 1e12, err, tol, ok);
        }
    }
}

// K == 0 must write zeros (every path), M or N == 0 must be a no-op.
void check_empty() {
    float* out = nullptr;
    uint8_t* ab = nullptr;
    float* sc = nullptr;
    CK(cudaMalloc(&out, 64 * sizeof(float)));
    CK(cudaMalloc(&ab, 64));
    CK(cudaMalloc(&sc, sizeof(float)));
    const float one = 1.f;
    CK(cudaMemcpy(sc, &one, sizeof one, cudaMemcpyHostToDevice));
    for (const PathDef& p : kPaths) {
        ntc::Fp8Gemm g;
        std::memset(&g, 0, sizeof g);
        g.M = 8;
        g.N = 8;
        g.K = 0;
        g.a = ab;
        g.b = ab;
        g.a_dtype = g.b_dtype = NT_F8_E4M3;
        g.a_scale = g.b_scale = sc;
        g.out = out;
        g.out_dtype = NT_F32;
        g.alpha = 1.f;
        CK(cudaMemset(out, 0xFF, 64 * sizeof(float)));
        int rc = ntc::fp8_gemm(g, p.path, nullptr);
        CK(cudaDeviceSynchronize());
        std::vector<float> h(64);
        CK(cudaMemcpy(h.data(), out, 64 * sizeof(float), cudaMemcpyDeviceToHost));
        bool zeros = rc == NT_OK;
        for (float v : h) zeros = zeros && v == 0.f;
        g.M = 0;  // no-op, must not touch out
        CK(cudaMemset(out, 0xFF, 64 * sizeof(float)));
        const int rc0 = ntc::fp8_gemm(g, p.path, nullptr);
        CK(cudaDeviceSynchronize());
        CK(cudaMemcpy(h.data(), out, 64 * sizeof(float), cudaMemcpyDeviceToHost));
        bool untouched = rc0 == NT_OK;
        for (float v : h) untouched = untouched && std::isnan(v);
        if (!zeros || !untouched) {
            std::printf("fp8_gemm empty-shape check path=%s FAIL (K=0 zeros: %d, M=0 no-op: %d)\n", p.name, (int)zeros,
                        (int)untouched);
            ++g_failures;
        } else if (!g_json) {
            std::printf("fp8_gemm empty-shape check path=%s ok\n", p.name);
        }
    }
    cudaFree(out);
    cudaFree(ab);
    cudaFree(sc);
}

}  // namespace

int main(int argc, char** argv) {
    const LabArgs args = parse_lab_args(argc, argv);
    if (!args.ok) return 2;
    const bool quick = args.quick;
    g_json = args.json;
    int ndev = 0;
    if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev == 0) {
        std::printf("fp8_gemm: no CUDA device, nothing to do\n");
        return 0;
    }
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    if (!g_json) std::printf("fp8_gemm lab on %s (sm_%d%d)\n", prop.name, prop.major, prop.minor);

    check_empty();

    // Correctness: awkward shapes, every dtype combination, per-row and
    // per-tensor scales, F32 and BF16 output, full reference.
    struct Shape {
        int64_t M, N, K;
    };
    const Shape small[] = {{16, 24, 32}, {129, 257, 96}, {33, 17, 40}, {1000, 1000, 512}};  // K = 40: tensor paths must refuse
    const int combos[4][2] = {{NT_F8_E4M3, NT_F8_E4M3}, {NT_F8_E4M3, NT_F8_E5M2}, {NT_F8_E5M2, NT_F8_E4M3}, {NT_F8_E5M2, NT_F8_E5M2}};
    uint64_t seed = 1;
    for (const Shape& s : small) {
        for (int c = 0; c < 4; ++c) {
            Operand A, B;
            make_operand(A, s.M, s.K, combos[c][0], /*per_row=*/c % 2 == 0, seed++);
            make_operand(B, s.N, s.K, combos[c][1], /*per_row=*/c != 3, seed++);
            run_case(A, B, s.M, s.N, s.K, /*full=*/true, 0, {NT_F32, NT_BF16}, /*big=*/false);
        }
    }
    {
        // More tiles than SMs (168 tiles of 128x192 for FP8_WGMMA: some CTAs run
        // two, and their k-tile ring of 5 stages wraps across tiles: 2 x 4 k
        // tiles), edges in M, N (1500 % 128, 2500 % 192) and K (400 % 128).
        Operand A, B;
        make_operand(A, 1500, 400, NT_F8_E4M3, true, seed++);
        make_operand(B, 2500, 400, NT_F8_E5M2, true, seed++);
        run_case(A, B, 1500, 2500, 400, /*full=*/true, 0, {NT_F32, NT_BF16}, /*big=*/false);
    }

    if (!quick) {
        // 8192^3 and the 340B tensor-parallel shapes; E4M3 x E4M3, BF16 out,
        // checked on 256 sampled entries.
        const Shape bigs[] = {{8192, 8192, 8192},
                              {4096, 2688, 18432},
                              {4096, 18432, 2304},
                              {4096, 9216, 18432},
                              {4096, 18432, 9216}};
        for (const Shape& s : bigs) {
            Operand A, B;
            make_operand(A, s.M, s.K, NT_F8_E4M3, true, seed++);
            make_operand(B, s.N, s.K, NT_F8_E4M3, true, seed++);
            run_case(A, B, s.M, s.N, s.K, /*full=*/false, 256, {NT_BF16}, /*big=*/true);
        }
    }

    if (g_failures) {
        std::printf("fp8_gemm: %d check(s) FAILED\n", g_failures);
        return 1;
    }
    if (!g_json) std::printf("fp8_gemm: all checks passed\n");
    return 0;
}
