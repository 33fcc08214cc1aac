// Errors, the thread pool, scratch accounting and ISA dispatch.
#include <immintrin.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine.h"
#include "validate.h"

namespace nt {

// ------------------------------------------------------------------ errors

static thread_local std::string tl_error;

int fail(int code, const char* fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    tl_error = buf;
    return code;
}

void clear_error() { tl_error.clear(); }

// ------------------------------------------------------------- thread pool

namespace {

thread_local bool tl_in_region = false;

int default_threads() {
    if (const char* env = std::getenv("NEMOTRON4J_THREADS")) {
        int n = std::atoi(env);
        if (n >= 1 && n <= 1024) return n;
    }
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n >= 1) return n;
    }
    unsigned n = std::thread::hardware_concurrency();
    return n ? (int)n : 1;
}

class Pool {
   public:
    Pool() { start(default_threads()); }
    ~Pool() { stop(); }

    int size() const { return n_; }

    void resize(int n) {
        std::lock_guard<std::mutex> region(region_mu_);
        if (n == n_) return;
        stop();
        start(n);
    }

    void run(FnRef<void(int, int)> fn) {
        if (tl_in_region || n_ == 1) {
            bool was = tl_in_region;
            tl_in_region = true;
            fn(0, 1);
            tl_in_region = was;
            return;
        }
        std::lock_guard<std::mutex> region(region_mu_);
        tl_in_region = true;
        job_ = &fn;
        pending_.store(n_ - 1, std::memory_order_relaxed);
        {
            std::lock_guard<std::mutex> lk(mu_);
            gen_.fetch_add(1, std::memory_order_release);
        }
        cv_.notify_all();
        fn(0, n_);
        while (pending_.load(std::memory_order_acquire) != 0) _mm_pause();
        job_ = nullptr;
        tl_in_region = false;
    }

   private:
    void start(int n) {
        n_ = n;
        stopping_ = false;
        uint64_t g0 = gen_.load(std::memory_order_acquire);
        for (int t = 1; t < n; t++) workers_.emplace_back([this, t, g0] { loop(t, g0); });
    }

    void stop() {
        {
            std::lock_guard<std::mutex> lk(mu_);
            stopping_ = true;
            gen_.fetch_add(1, std::memory_order_release);
        }
        cv_.notify_all();
        for (auto& w : workers_) w.join();
        workers_.clear();
    }

    void loop(int tid, uint64_t seen) {
        tl_in_region = true;
        for (;;) {
            uint64_t g;
            int spins = 0;
            while ((g = gen_.load(std::memory_order_acquire)) == seen) {
                if (++spins < kSpins) {
                    _mm_pause();
                } else {
                    std::unique_lock<std::mutex> lk(mu_);
                    cv_.wait(lk, [&] { return gen_.load(std::memory_order_acquire) != seen; });
                }
            }
            seen = g;
            if (stopping_) return;
            (*job_)(tid, n_);
            pending_.fetch_sub(1, std::memory_order_acq_rel);
        }
    }

    static constexpr int kSpins = 20000;
    int n_ = 1;
    std::vector<std::thread> workers_;
    std::mutex region_mu_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::atomic<uint64_t> gen_{0};
    std::atomic<int> pending_{0};
    FnRef<void(int, int)>* job_ = nullptr;
    bool stopping_ = false;
};

Pool& pool() {
    static Pool* p = new Pool();  // never destroyed: workers may outlive static destructors
    return *p;
}

}  // namespace

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
    pool().resize(n);
}

void parallel_region(FnRef<void(int, int)> fn) { pool().run(fn); }

void parallel_for(int64_t n, int64_t grain, FnRef<void(int64_t, int64_t)> fn) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    int64_t chunks = (n + grain - 1) / grain;
    int threads = num_threads();
    if (chunks <= 1 || threads <= 1 || tl_in_region) {
        fn(0, n);
        return;
    }
    int64_t used = chunks < threads ? chunks : threads;
    parallel_region([&](int tid, int) {
        if (tid >= used) return;
        int64_t c0 = chunks * tid / used, c1 = chunks * (tid + 1) / used;
        int64_t b = c0 * grain, e = c1 * grain < n ? c1 * grain : n;
        if (b < e) fn(b, e);
    });
}

// ---------------------------------------------------------------- scratch

static std::atomic<int64_t> g_scratch_now{0}, g_scratch_peak{0};

void* scratch_alloc(size_t bytes) {
    size_t rounded = (bytes + 63) & ~(size_t)63;
    if (rounded == 0) rounded = 64;
    void* p = std::aligned_alloc(64, rounded);
    if (!p) throw std::bad_alloc();
    int64_t now = g_scratch_now.fetch_add((int64_t)bytes) + (int64_t)bytes;
    int64_t peak = g_scratch_peak.load();
    while (now > peak && !g_scratch_peak.compare_exchange_weak(peak, now)) {
    }
    return p;
}

void scratch_free(void* p, size_t bytes) {
    if (!p) return;
    std::free(p);
    g_scratch_now.fetch_sub((int64_t)bytes);
}

// --------------------------------------------------------------- dispatch

namespace isa_generic { const KernelTable* table(); }
namespace isa_avx2 { const KernelTable* table(); }
namespace isa_avx512 { const KernelTable* table(); }
namespace isa_avx512bf16 { const KernelTable* table(); }

namespace {

struct Level {
    const char* name;
    bool (*supported)();
    const KernelTable* (*table)();
};

bool has_generic() { return true; }
bool has_avx2() {
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
bool has_avx512() {
    return has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
}
bool has_avx512bf16() { return has_avx512() && __builtin_cpu_supports("avx512bf16"); }

const Level kLevels[] = {
    {"generic", has_generic, isa_generic::table},
    {"avx2", has_avx2, isa_avx2::table},
    {"avx512", has_avx512, isa_avx512::table},
    {"avx512bf16", has_avx512bf16, isa_avx512bf16::table},
};

const Level* find_level(const char* name) {
    for (const Level& l : kLevels)
        if (std::strcmp(l.name, name) == 0) return &l;
    return nullptr;
}

const KernelTable* best_table() {
    const KernelTable* best = nullptr;
    for (const Level& l : kLevels)
        if (l.supported()) best = l.table();
    return best;
}

std::atomic<const KernelTable*>& active() {
    static std::atomic<const KernelTable*> a{best_table()};
    return a;
}

}  // namespace

const KernelTable& kernels() { return *active().load(std::memory_order_relaxed); }

const KernelTable* kernel_table(const char* name) {
    const Level* l = find_level(name);
    return (l && l->supported()) ? l->table() : nullptr;
}

}  // namespace nt

using namespace nt;

extern "C" {

const char* nt_last_error(void) { return tl_error.c_str(); }

const char* nt_version(void) { return "nemotron4j-engine 0.1.0"; }

int nt_set_num_threads(int n) {
    if (n < 1 || n > 1024) return fail(NT_ERR_ARGUMENT, "num_threads must be in [1, 1024], got %d", n);
    NT_API_BEGIN
    set_num_threads(n);
    return NT_OK;
    NT_API_END
}

int nt_num_threads(void) { return num_threads(); }

const char* nt_isa(void) { return kernels().name; }

int nt_isa_supported(const char* name) {
    if (!name) return -1;
    const Level* l = find_level(name);
    if (!l) return -1;
    return l->supported() ? 1 : 0;
}

int nt_set_isa(const char* name) {
    if (!name) return fail(NT_ERR_ARGUMENT, "isa name is null; expected one of auto, generic, avx2, avx512, avx512bf16");
    if (std::strcmp(name, "auto") == 0) {
        active().store(best_table());
        return NT_OK;
    }
    const Level* l = find_level(name);
    if (!l)
        return fail(NT_ERR_ARGUMENT, "unknown isa '%s'; expected one of auto, generic, avx2, avx512, avx512bf16", name);
    if (!l->supported()) return fail(NT_ERR_UNSUPPORTED, "this CPU cannot run isa '%s'", name);
    active().store(l->table());
    return NT_OK;
}

int nt_read_bandwidth(double* gbps, int64_t bytes, int reps) {
    if (!gbps) return fail(NT_ERR_ARGUMENT, "nt_read_bandwidth: gbps is null");
    if (bytes < (1 << 20) || bytes > ((int64_t)1 << 36))
        return fail(NT_ERR_ARGUMENT, "nt_read_bandwidth: bytes = %lld; expected 1 MiB .. 64 GiB", (long long)bytes);
    if (reps < 1 || reps > 1000) return fail(NT_ERR_ARGUMENT, "nt_read_bandwidth: reps = %d; expected 1..1000", reps);
    NT_API_BEGIN
    const int64_t n = bytes / 64;  // 64-byte lines of 8 doubles' worth
    Scratch<uint64_t> buf((size_t)(n * 8));
    parallel_for(n, 4096, [&](int64_t b, int64_t e) {
        for (int64_t i = b * 8; i < e * 8; i++) buf[(size_t)i] = (uint64_t)i;
    });
    double best = 0;
    std::atomic<uint64_t> sink{0};
    for (int r = 0; r < reps; r++) {
        auto t0 = std::chrono::steady_clock::now();
        parallel_for(n, 4096, [&](int64_t b, int64_t e) {
            uint64_t acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            const uint64_t* p = buf.get();
            for (int64_t i = b; i < e; i++)
                for (int j = 0; j < 8; j++) acc[j] ^= p[i * 8 + j];
            uint64_t x = 0;
            for (int j = 0; j < 8; j++) x ^= acc[j];
            sink.fetch_xor(x);
        });
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, (double)(n * 64) / s / 1e9);
    }
    *gbps = best + (sink.load() == 42 ? 1e-12 : 0.0);
    return NT_OK;
    NT_API_END
}

int64_t nt_scratch_peak_bytes(void) { return g_scratch_peak.load(); }

void nt_scratch_reset_peak(void) { g_scratch_peak.store(g_scratch_now.load()); }

}  // extern "C"
