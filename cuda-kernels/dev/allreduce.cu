// Lab: ring all-reduce (ntc::ring_all_reduce) and NCCL (ntc::nccl_all_reduce)
// checked against a CPU reference, then timed.
//
//   allreduce [--quick] [--json]
//     --quick  correctness checks only (no timing)
//     --json   measurements as one JSON line each on stdout (check lines go
//              to stderr then)
// Exit status 1 when any check fails.
//
// Checks: n in {2, 3, 4, 8} simulated ranks on device 0 (and, with >= 2
// devices, one rank per device, two ranks per device, NCCL when loadable),
// F32 and BF16, counts 1, 7, 1000003, 2^24, automatic and explicit chunk
// sizes, the staged receive path (NTC_RING_STAGING=1), buffers that are not
// 16-byte aligned, argument errors.
//
// Tolerance policy (one rule): a low-precision implementation may err by at
// most 2x the error bound of a plain implementation in the same precision.
// The reference is the sum in double of the (BF16-rounded) inputs; with
// S_i = sum over ranks of |x_r[i]|:
//   F32:  a sequential F32 sum errs by at most n * u32 * S_i (u32 = 2^-24),
//         so |y_i - ref_i| <= 2 * n * 2^-24 * S_i.
//   BF16: the ring rounds the partial sum to BF16 once per reduce step,
//         n-1 roundings (u16 = 2^-8 each), so |y_i - ref_i| <= 2 * (n-1) *
//         2^-8 * S_i.
// Every rank is checked; for the ring every rank must also hold exactly the
// same bits as rank 0 (the all-gather copies, it does not recompute).
#include "lab_args.h"
#include <cuda_runtime.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cuda_ops.h"
#include "nemotron4j.h"

#define CK(x)                                                                                     \
    do {                                                                                          \
        cudaError_t e_ = (x);                                                                     \
        if (e_ != cudaSuccess) {                                                                  \
            std::fprintf(stderr, "CUDA error %s at %s:%d: %s\n", cudaGetErrorString(e_), __FILE__, \
                         __LINE__, #x);                                                           \
            std::exit(1);                                                                         \
        }                                                                                         \
    } while (0)

namespace {

bool g_json = false;
FILE* g_log = stdout;  // check lines
int g_failures = 0;

struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed) {}
    uint64_t next() {  // splitmix64
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    float uniform() {  // [-1, 1)
        return (float)((double)(next() >> 40) * (1.0 / 8388608.0) - 1.0);
    }
};

uint16_t f32_to_bf16(float f) {  // round to nearest even
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}
float bf16_to_f32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

const char* dtype_str(int dtype) { return dtype == NT_F32 ? "f32" : "bf16"; }

int distinct(const std::vector<int>& devs) {
    int d = 0;
    for (size_t i = 0; i < devs.size(); ++i) {
        bool seen = false;
        for (size_t j = 0; j < i; ++j) seen = seen || devs[j] == devs[i];
        d += seen ? 0 : 1;
    }
    return d;
}

void set_staging(bool on) {
    if (on)
        setenv("NTC_RING_STAGING", "1", 1);
    else
        unsetenv("NTC_RING_STAGING");
}

enum Impl { RING, NCCL };

int call(Impl impl, void* const* bufs, const int* devs, int n, int64_t count, int dtype, int64_t chunk) {
    if (impl == RING) return ntc::ring_all_reduce(bufs, devs, n, count, dtype, chunk);
    return ntc::nccl_all_reduce(bufs, devs, n, count, dtype);
}

// Element i of a host copy of an F32 or BF16 buffer, as double.
static double element(const unsigned char* y, int dtype, int64_t i) {
    if (dtype == NT_F32) {
        float f;
        std::memcpy(&f, y + i * 4, 4);
        return f;
    }
    uint16_t h;
    std::memcpy(&h, y + i * 2, 2);
    return bf16_to_f32(h);
}


// One correctness case. misalign: buffers start one element past a 256-byte
// boundary (the kernels' scalar path).
void check(Impl impl, const std::vector<int>& devs, int64_t count, int dtype, int64_t chunk, bool staged,
           bool misalign) {
    const int n = (int)devs.size();
    const size_t esize = dtype == NT_F32 ? 4 : 2;
    const size_t bytes = (size_t)count * esize;
    char label[256];
    std::snprintf(label, sizeof label, "%s ranks=%d devices=%d dtype=%s count=%lld chunk=%lld%s%s",
                  impl == RING ? "ring" : "nccl", n, distinct(devs), dtype_str(dtype), (long long)count,
                  (long long)chunk, staged ? " staged" : "", misalign ? " misaligned" : "");

    std::vector<double> ref((size_t)count, 0.0), asum((size_t)count, 0.0);
    std::vector<unsigned char> host(bytes);
    std::vector<void*> raw(n, nullptr), ptr(n, nullptr);
    Rng rng(0x1234567ull + 1000003ull * (uint64_t)n + 7ull * (uint64_t)count + (uint64_t)dtype);
    for (int r = 0; r < n; ++r) {
        for (int64_t i = 0; i < count; ++i) {
            const float v = rng.uniform();
            double x;
            if (dtype == NT_F32) {
                std::memcpy(host.data() + i * 4, &v, 4);
                x = v;
            } else {
                const uint16_t h = f32_to_bf16(v);
                std::memcpy(host.data() + i * 2, &h, 2);
                x = bf16_to_f32(h);
            }
            ref[(size_t)i] += x;
            asum[(size_t)i] += std::fabs(x);
        }
        CK(cudaSetDevice(devs[r]));
        CK(cudaMalloc(&raw[r], bytes + 256));
        ptr[r] = static_cast<char*>(raw[r]) + (misalign ? esize : 0);
        CK(cudaMemcpy(ptr[r], host.data(), bytes, cudaMemcpyHostToDevice));
    }

    set_staging(staged);
    const int rc = call(impl, ptr.data(), devs.data(), n, count, dtype, chunk);
    set_staging(false);

    bool ok = rc == NT_OK;
    std::string why;
    double worst = 0.0;  // max err / tol
    if (!ok) why = std::string("returned ") + std::to_string(rc) + ": " + nt_last_error();
    const double factor = dtype == NT_F32 ? 2.0 * n * std::ldexp(1.0, -24) : 2.0 * (n - 1) * std::ldexp(1.0, -8);
    std::vector<unsigned char> first(bytes), got(bytes);
    for (int r = 0; r < n && ok; ++r) {
        CK(cudaSetDevice(devs[r]));
        CK(cudaMemcpy(r == 0 ? first.data() : got.data(), ptr[r], bytes, cudaMemcpyDeviceToHost));
        const unsigned char* y = r == 0 ? first.data() : got.data();
        int64_t bad = 0, first_bad = -1;
        for (int64_t i = 0; i < count; ++i) {
            const double v = element(y, dtype, i);
            const double err = std::fabs(v - ref[(size_t)i]);
            const double tol = factor * asum[(size_t)i];
            if (!(err <= tol)) {
                if (bad++ == 0) first_bad = i;
            } else if (tol > 0 && err / tol > worst) {
                worst = err / tol;
            }
        }
        if (bad) {
            ok = false;
            const double v = element(y, dtype, first_bad);
            char b[256];
            std::snprintf(b, sizeof b, "rank %d: %lld elements out of tolerance, first [%lld] = %.9g, ref %.9g, tol %.3g", r,
                          (long long)bad, (long long)first_bad, v, ref[(size_t)first_bad],
                          factor * asum[(size_t)first_bad]);
            why = b;
        } else if (impl == RING && r > 0 && std::memcmp(first.data(), got.data(), bytes) != 0) {
            ok = false;
            int64_t i = 0;
            while (i < (int64_t)bytes && first[(size_t)i] == got[(size_t)i]) ++i;
            why = "rank " + std::to_string(r) + " differs from rank 0 (first byte " + std::to_string(i) + ")";
        }
    }
    for (int r = 0; r < n; ++r) {
        CK(cudaSetDevice(devs[r]));
        CK(cudaFree(raw[r]));
    }
    if (ok) {
        std::fprintf(g_log, "ok   %s  max err/tol %.3f\n", label, worst);
    } else {
        std::fprintf(g_log, "FAIL %s: %s\n", label, why.c_str());
        ++g_failures;
    }
    std::fflush(g_log);
}

void expect_rc(const char* what, int rc, int want) {
    if (rc == want) {
        std::fprintf(g_log, "ok   %s -> %d (%s)\n", what, rc, rc ? nt_last_error() : "");
    } else {
        std::fprintf(g_log, "FAIL %s -> %d, want %d (%s)\n", what, rc, want, nt_last_error());
        ++g_failures;
    }
}

// Argument handling, n == 1, count == 0, device restore.
void api_checks(int ndev) {
    const int64_t count = 7;
    void* a = nullptr;
    void* b = nullptr;
    CK(cudaSetDevice(0));
    CK(cudaMalloc(&a, 64));
    CK(cudaMalloc(&b, 64));
    std::vector<float> h(count), back(count);
    for (int64_t i = 0; i < count; ++i) h[(size_t)i] = (float)i + 0.5f;
    CK(cudaMemcpy(a, h.data(), count * 4, cudaMemcpyHostToDevice));

    void* one[1] = {a};
    int dev1[1] = {0};
    expect_rc("ring n=1", ntc::ring_all_reduce(one, dev1, 1, count, NT_F32, 0), NT_OK);
    CK(cudaMemcpy(back.data(), a, count * 4, cudaMemcpyDeviceToHost));
    if (std::memcmp(back.data(), h.data(), count * 4) != 0) {
        std::fprintf(g_log, "FAIL ring n=1 changed the buffer\n");
        ++g_failures;
    }
    void* nulls[2] = {nullptr, nullptr};
    int dev2[2] = {0, 0};
    expect_rc("ring count=0 (null buffers)", ntc::ring_all_reduce(nulls, dev2, 2, 0, NT_F32, 0), NT_OK);
    void* two[2] = {a, b};
    expect_rc("ring n=0", ntc::ring_all_reduce(two, dev2, 0, count, NT_F32, 0), NT_ERR_ARGUMENT);
    expect_rc("ring bufs=null", ntc::ring_all_reduce(nullptr, dev2, 2, count, NT_F32, 0), NT_ERR_ARGUMENT);
    expect_rc("ring devices=null", ntc::ring_all_reduce(two, nullptr, 2, count, NT_F32, 0), NT_ERR_ARGUMENT);
    expect_rc("ring dtype=F16", ntc::ring_all_reduce(two, dev2, 2, count, NT_F16, 0), NT_ERR_ARGUMENT);
    expect_rc("ring count<0", ntc::ring_all_reduce(two, dev2, 2, -1, NT_F32, 0), NT_ERR_ARGUMENT);
    int bad_dev[2] = {0, ndev};
    expect_rc("ring device out of range", ntc::ring_all_reduce(two, bad_dev, 2, count, NT_F32, 0), NT_ERR_ARGUMENT);
    void* half_null[2] = {a, nullptr};
    expect_rc("ring bufs[1]=null", ntc::ring_all_reduce(half_null, dev2, 2, count, NT_F32, 0), NT_ERR_ARGUMENT);
    void* same[2] = {a, a};
    expect_rc("ring same buffer twice", ntc::ring_all_reduce(same, dev2, 2, count, NT_F32, 0), NT_ERR_ARGUMENT);
    expect_rc("nccl shared device", ntc::nccl_all_reduce(two, dev2, 2, count, NT_F32), NT_ERR_UNSUPPORTED);

    // The caller's device survives a call.
    CK(cudaSetDevice(ndev - 1));
    expect_rc("ring n=2 from the last device", ntc::ring_all_reduce(two, dev2, 2, count, NT_F32, 0), NT_OK);
    int cur = -1;
    CK(cudaGetDevice(&cur));
    if (cur != ndev - 1) {
        std::fprintf(g_log, "FAIL current device %d after the call, want %d\n", cur, ndev - 1);
        ++g_failures;
    }
    CK(cudaSetDevice(0));
    CK(cudaFree(a));
    CK(cudaFree(b));
}

void report(const char* impl, int n, int ndevs, int64_t bytes, double ms) {
    const double busbw = 2.0 * (n - 1) / n * (double)bytes / (ms * 1e-3) / 1e9;
    if (g_json)
        std::printf("{\"impl\":\"%s\",\"ranks\":%d,\"devices\":%d,\"dtype\":\"f32\",\"bytes\":%lld,\"ms\":%.4f,"
                    "\"busbw_gbps\":%.2f}\n",
                    impl, n, ndevs, (long long)bytes, ms, busbw);
    else
        std::printf("allreduce ranks=%d devices=%d bytes=%lld ms=%.4f busbw_gbps=%.2f impl=%s\n", n, ndevs,
                    (long long)bytes, ms, busbw, impl);
    std::fflush(stdout);
}

// Times impl on 256 MiB of F32 per rank (mean of 5 calls after 1 warm-up).
void timing(Impl impl, const std::vector<int>& devs) {
    const int n = (int)devs.size();
    const int64_t bytes = int64_t(256) << 20;
    const int64_t count = bytes / 4;
    std::vector<void*> ptr(n, nullptr);
    for (int r = 0; r < n; ++r) {
        CK(cudaSetDevice(devs[r]));
        CK(cudaMalloc(&ptr[r], (size_t)bytes));
        CK(cudaMemset(ptr[r], 0, (size_t)bytes));
    }
    for (int r = 0; r < n; ++r) {
        CK(cudaSetDevice(devs[r]));
        CK(cudaDeviceSynchronize());
    }
    const char* name = impl == RING ? "ring" : "nccl";
    int rc = call(impl, ptr.data(), devs.data(), n, count, NT_F32, 0);
    if (rc != NT_OK) {
        std::fprintf(stderr, "FAIL timing %s ranks=%d: %s\n", name, n, nt_last_error());
        ++g_failures;
    } else {
        const int iters = 5;
        auto t0 = std::chrono::steady_clock::now();
        for (int it = 0; it < iters && rc == NT_OK; ++it) rc = call(impl, ptr.data(), devs.data(), n, count, NT_F32, 0);
        auto t1 = std::chrono::steady_clock::now();
        if (rc != NT_OK) {
            std::fprintf(stderr, "FAIL timing %s ranks=%d: %s\n", name, n, nt_last_error());
            ++g_failures;
        } else {
            const double ms = std::chrono::duration<double, std::milli>(t1 - t0).count() / iters;
            report(name, n, distinct(devs), bytes, ms);
        }
    }
    for (int r = 0; r < n; ++r) {
        CK(cudaSetDevice(devs[r]));
        CK(cudaFree(ptr[r]));
    }
}

}  // namespace

int main(int argc, char** argv) {
    const LabArgs args = parse_lab_args(argc, argv);
    if (!args.ok) return 2;
    const bool quick = args.quick;
    g_json = args.json;
    if (g_json) g_log = stderr;

    int ndev = 0;
    cudaError_t e = cudaGetDeviceCount(&ndev);
    if (e != cudaSuccess || ndev < 1) {
        std::fprintf(stderr, "no CUDA device: %s\n", e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
        return 1;
    }
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    const char* ns = ntc::nccl_status();
    const bool nccl_ok = ns[0] == '\0';
    std::fprintf(g_log, "device 0: %s, %d device(s); NCCL: %s\n", prop.name, ndev, nccl_ok ? "loadable" : ns);

    api_checks(ndev);

    const int64_t counts[] = {1, 7, 1000003, int64_t(1) << 24};
    const int dtypes[] = {NT_F32, NT_BF16};
    const int ranks[] = {2, 3, 4, 8};
    for (int n : ranks) {
        const std::vector<int> devs(n, 0);
        for (int dt : dtypes) {
            for (int64_t c : counts) check(RING, devs, c, dt, 0, false, false);
            // Many small chunks (explicit size, capped per segment), the
            // staged path, unaligned buffers.
            check(RING, devs, 1000003, dt, 1000, false, false);
            check(RING, devs, 1000003, dt, 0, true, false);
            check(RING, devs, 1000003, dt, 1000, true, false);
            check(RING, devs, 7, dt, 0, true, false);
            check(RING, devs, 1000003, dt, 0, false, true);
        }
    }
    if (ndev >= 2) {
        std::vector<int> per(ndev), twice(2 * ndev);
        for (int d = 0; d < ndev; ++d) per[d] = d;
        for (int r = 0; r < 2 * ndev; ++r) twice[r] = r % ndev;  // neighbours on different devices
        for (int dt : dtypes) {
            for (int64_t c : counts) check(RING, per, c, dt, 0, false, false);
            check(RING, per, 1000003, dt, 1000, false, false);
            check(RING, per, 1000003, dt, 0, true, false);
            check(RING, twice, 1000003, dt, 0, false, false);
            if (nccl_ok) {
                check(NCCL, per, 7, dt, 0, false, false);
                check(NCCL, per, 1000003, dt, 0, false, false);
            }
        }
    }

    if (!quick) {
        for (int n : ranks) timing(RING, std::vector<int>(n, 0));
        if (ndev >= 2) {
            std::vector<int> per(ndev);
            for (int d = 0; d < ndev; ++d) per[d] = d;
            timing(RING, per);
            if (nccl_ok) timing(NCCL, per);
        }
    }

    if (g_failures) {
        std::fprintf(stderr, "%d check(s) failed\n", g_failures);
        return 1;
    }
    std::fprintf(g_log, "all checks passed\n");
    return 0;
}
