// Fill, random init, copy, add/scale/axpy, conversions, norms, AdamW.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cmath>
#include <limits>
#include <vector>

#include "engine.h"
#include "device.h"
#include "validate.h"

namespace nt {

// ----------------------------------------------------- scalar conversions

namespace {

struct F8Tables {
    float e4m3[256], e5m2[256];
    F8Tables() {
        for (int i = 0; i < 256; i++) {
            e4m3[i] = decode_f8<3, 7, false>((uint8_t)i);
            e5m2[i] = decode_f8<2, 15, true>((uint8_t)i);
        }
    }
};
const F8Tables& f8_tables() {
    static const F8Tables t;
    return t;
}

}  // namespace

float e4m3_to_f32(uint8_t b) { return f8_tables().e4m3[b]; }
float e5m2_to_f32(uint8_t b) { return f8_tables().e5m2[b]; }

float load_as_f32(const void* base, int dtype, int64_t i) {
    switch (dtype) {
        case NT_F32: return static_cast<const float*>(base)[i];
        case NT_BF16: return bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
        case NT_F16: return f16_to_f32(static_cast<const uint16_t*>(base)[i]);
        case NT_F8_E4M3: return e4m3_to_f32(static_cast<const uint8_t*>(base)[i]);
        case NT_F8_E5M2: return e5m2_to_f32(static_cast<const uint8_t*>(base)[i]);
        default: return 0.f;
    }
}

static inline void store_from_f32(void* base, int dtype, int64_t i, float x) {
    switch (dtype) {
        case NT_F32: static_cast<float*>(base)[i] = x; break;
        case NT_BF16: static_cast<uint16_t*>(base)[i] = f32_to_bf16(x); break;
        case NT_F16: static_cast<uint16_t*>(base)[i] = f32_to_f16(x); break;
        case NT_F8_E4M3: static_cast<uint8_t*>(base)[i] = f32_to_e4m3(x); break;
        case NT_F8_E5M2: static_cast<uint8_t*>(base)[i] = f32_to_e5m2(x); break;
        default: break;
    }
}

// Row-wise conversion loop, specialized on the (in, out) dtype pair so the
// inner loop has no switch.
template <int IN, int OUT>
static void convert_rows(void* out, const void* in, int64_t rows, int64_t cols, const float* scale, int64_t nscale,
                         bool encode) {
    parallel_for(rows, std::max<int64_t>(1, 65536 / std::max<int64_t>(cols, 1)), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) {
            const float s = scale ? scale[nscale == 1 ? 0 : r] : 1.f;
            for (int64_t c = 0; c < cols; c++) {
                const int64_t i = r * cols + c;
                float x = load_as_f32(in, IN, i);
                if (scale) x = encode ? x / s : x * s;
                store_from_f32(out, OUT, i, x);
            }
        }
    });
}

using ConvertFn = void (*)(void*, const void*, int64_t, int64_t, const float*, int64_t, bool);

template <int IN>
static ConvertFn convert_for_out(int out) {
    switch (out) {
        case NT_F32: return convert_rows<IN, NT_F32>;
        case NT_BF16: return convert_rows<IN, NT_BF16>;
        case NT_F16: return convert_rows<IN, NT_F16>;
        case NT_F8_E4M3: return convert_rows<IN, NT_F8_E4M3>;
        default: return convert_rows<IN, NT_F8_E5M2>;
    }
}

static ConvertFn convert_fn(int in, int out) {
    switch (in) {
        case NT_F32: return convert_for_out<NT_F32>(out);
        case NT_BF16: return convert_for_out<NT_BF16>(out);
        case NT_F16: return convert_for_out<NT_F16>(out);
        case NT_F8_E4M3: return convert_for_out<NT_F8_E4M3>(out);
        default: return convert_for_out<NT_F8_E5M2>(out);
    }
}

// ---------------------------------------------------------------- random

static inline uint64_t splitmix64(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Two uniforms in (0, 1] and [0, 1) from (seed, index).
static inline void uniform2(uint64_t seed, int64_t i, double* u1, double* u2) {
    const uint64_t h = splitmix64(splitmix64(seed) ^ ((uint64_t)i * 0xd1b54a32d192ed03ull));
    *u1 = ((double)(h >> 32) + 1.0) * (1.0 / 4294967296.0);
    *u2 = (double)(h & 0xffffffffu) * (1.0 / 4294967296.0);
}

}  // namespace nt

using namespace nt;

extern "C" {

int nt_fill(nt_tensor* out, double value) {
    int dev;
    NT_CHECK(route("nt_fill", &dev, {{out, "out"}}));
    NT_API_BEGIN
    const int dt = out->dtype;
    if (dt == NT_I32 || dt == NT_I64 || dt == NT_U8) {
        const double lo = dt == NT_I32 ? -2147483648.0 : dt == NT_U8 ? 0.0 : -9223372036854775808.0;
        const double hi = dt == NT_I32 ? 2147483647.0 : dt == NT_U8 ? 255.0 : 9223372036854775807.0;
        if (!(value >= lo && value <= hi) || std::floor(value) != value)
            return fail(NT_ERR_ARGUMENT, "nt_fill: %g is not representable as %s", value, dtype_name(dt));
        if (dev >= 0) {
            const uint64_t bits = dt == NT_I32 ? (uint64_t)(uint32_t)(int32_t)value
                                  : dt == NT_I64 ? (uint64_t)(int64_t)value : (uint64_t)(uint8_t)value;
            gpu::fill_pattern(data_ptr(out), out->numel, dtype_size(dt), bits);
            return finish("nt_fill", dev);
        }
        for (int64_t i = 0; i < out->numel; i++) {
            if (dt == NT_I32) ptr<int32_t>(out)[i] = (int32_t)value;
            else if (dt == NT_I64) ptr<int64_t>(out)[i] = (int64_t)value;
            else ptr<uint8_t>(out)[i] = (uint8_t)value;
        }
        return NT_OK;
    }
    const float f = (float)value;
    if (dev >= 0) {
        uint64_t bits = 0;
        store_from_f32(&bits, dt, 0, f);  // the element's encoding (little-endian)
        gpu::fill_pattern(data_ptr(out), out->numel, dtype_size(dt), bits);
        return finish("nt_fill", dev);
    }
    if (dt == NT_F32) {
        float* p = ptr<float>(out);
        parallel_for(out->numel, 65536, [&](int64_t b, int64_t e) {
            for (int64_t i = b; i < e; i++) p[i] = f;
        });
        return NT_OK;
    }
    void* p = data_ptr(out);
    parallel_for(out->numel, 65536, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; i++) store_from_f32(p, dt, i, f);
    });
    return NT_OK;
    NT_API_END
}

static int fill_random(nt_tensor* out, uint64_t seed, float a, float b, bool normal, const char* fn) {
    NT_CHECK(check_tensor(out, fn, "out"));
    if (!is_float_dtype(out->dtype))
        return fail(NT_ERR_DTYPE, "%s: 'out' has dtype %s; expected a float dtype", fn, dtype_name(out->dtype));
    NT_CHECK(check_finite(a, fn, normal ? "mean" : "low"));
    NT_CHECK(check_finite(b, fn, normal ? "std" : "high"));
    if (normal && b < 0) return fail(NT_ERR_ARGUMENT, "%s: std must be >= 0, got %g", fn, (double)b);
    if (!normal && b < a) return fail(NT_ERR_ARGUMENT, "%s: high (%g) < low (%g)", fn, (double)b, (double)a);
    int dev;
    NT_CHECK(route(fn, &dev, {{out, "out"}}));
    NT_API_BEGIN
    if (dev >= 0) {  // generated on the host (same values), then uploaded
        const int64_t nb = out->numel * dtype_size(out->dtype);
        std::vector<char> host((size_t)nb);
        nt_tensor* h = nullptr;
        NT_CHECK(nt_tensor_wrap(&h, host.data(), nb, out->dtype, out->ndim, out->shape));
        int rc = fill_random(h, seed, a, b, normal, fn);
        nt_tensor_free(h);
        NT_CHECK(rc);
        return gpu::copy(data_ptr(out), host.data(), nb);
    }
    void* p = data_ptr(out);
    const int dt = out->dtype;
    parallel_for(out->numel, 16384, [&](int64_t s, int64_t e) {
        for (int64_t i = s; i < e; i++) {
            double u1, u2;
            uniform2(seed, i, &u1, &u2);
            double x = normal ? a + b * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2)
                              : a + (b - a) * u2;
            store_from_f32(p, dt, i, (float)x);
        }
    });
    return NT_OK;
    NT_API_END
}

int nt_fill_normal(nt_tensor* out, uint64_t seed, float mean, float std) {
    return fill_random(out, seed, mean, std, true, "nt_fill_normal");
}

int nt_fill_uniform(nt_tensor* out, uint64_t seed, float low, float high) {
    return fill_random(out, seed, low, high, false, "nt_fill_uniform");
}

int nt_copy(nt_tensor* out, const nt_tensor* in) {
    NT_CHECK(check_tensor(out, "nt_copy", "out"));
    NT_CHECK(check_tensor(in, "nt_copy", "in"));
    NT_CHECK(check_dtype(in, "nt_copy", "in", out->dtype));
    NT_CHECK(check_numel(in, "nt_copy", "in", out->numel));
    if (device_of(out) >= 0 || device_of(in) >= 0)  // any pair of devices
        return gpu::copy(data_ptr(out), data_ptr(in), out->numel * dtype_size(out->dtype));
    NT_API_BEGIN
    std::memmove(data_ptr(out), data_ptr(in), (size_t)(out->numel * dtype_size(out->dtype)));
    return NT_OK;
    NT_API_END
}

int nt_add(nt_tensor* out, const nt_tensor* a, const nt_tensor* b) {
    const char* fn = "nt_add";
    NT_CHECK(check_tensor(out, fn, "out"));
    NT_CHECK(check_tensor(a, fn, "a"));
    NT_CHECK(check_tensor(b, fn, "b"));
    NT_CHECK(check_dtype(out, fn, "out", NT_F32));
    NT_CHECK(check_dtype(a, fn, "a", NT_F32));
    NT_CHECK(check_dtype(b, fn, "b", NT_F32));
    NT_CHECK(check_same_shape(out, "out", a, "a", fn));
    // b: a's shape, or a's trailing dims
    bool ok = b->ndim <= a->ndim;
    for (int i = 0; ok && i < b->ndim; i++) ok = b->shape[b->ndim - 1 - i] == a->shape[a->ndim - 1 - i];
    if (!ok)
        return fail(NT_ERR_SHAPE, "%s: 'b' has shape %s; expected a's shape %s or a suffix of it", fn,
                    shape_str(b).c_str(), shape_str(a).c_str());
    int dev;
    NT_CHECK(route(fn, &dev, {{out, "out"}, {a, "a"}, {b, "b"}}));
    NT_API_BEGIN
    if (a->numel > 0 && b->numel > 0)
        kernels_on(dev).add(ptr<float>(out), ptr<const float>(a), ptr<const float>(b), a->numel, b->numel);
    return finish(fn, dev);
    NT_API_END
}

int nt_scale(nt_tensor* out, const nt_tensor* in, float alpha) {
    const char* fn = "nt_scale";
    NT_CHECK(check_tensor(out, fn, "out"));
    NT_CHECK(check_tensor(in, fn, "in"));
    NT_CHECK(check_dtype(out, fn, "out", NT_F32));
    NT_CHECK(check_dtype(in, fn, "in", NT_F32));
    NT_CHECK(check_numel(in, fn, "in", out->numel));
    int dev;
    NT_CHECK(route(fn, &dev, {{out, "out"}, {in, "in"}}));
    NT_API_BEGIN
    if (out->numel > 0) kernels_on(dev).scale(ptr<float>(out), ptr<const float>(in), alpha, out->numel);
    return finish(fn, dev);
    NT_API_END
}

int nt_axpy(nt_tensor* out, float alpha, const nt_tensor* in) {
    const char* fn = "nt_axpy";
    NT_CHECK(check_tensor(out, fn, "out"));
    NT_CHECK(check_tensor(in, fn, "in"));
    NT_CHECK(check_dtype(out, fn, "out", NT_F32));
    NT_CHECK(check_dtype(in, fn, "in", NT_F32));
    NT_CHECK(check_numel(in, fn, "in", out->numel));
    int dev;
    NT_CHECK(route(fn, &dev, {{out, "out"}, {in, "in"}}));
    NT_API_BEGIN
    if (out->numel > 0) kernels_on(dev).axpy(ptr<float>(out), alpha, ptr<const float>(in), out->numel);
    return finish(fn, dev);
    NT_API_END
}

}  // extern "C"

namespace nt {

// Deterministic sum of squares: fixed blocks, block sums added in order.
static double sum_squares(const nt_tensor* t) {
    if (device_of(t) >= 0) {
        gpu::set_device(device_of(t));
        return gpu::sum_squares(data_ptr(t), t->dtype, t->numel);
    }
    constexpr int64_t BS = 8192;
    const int64_t n = t->numel, nb = (n + BS - 1) / BS;
    std::vector<double> part((size_t)nb, 0.0);
    const void* p = data_ptr(t);
    const int dt = t->dtype;
    parallel_for(nb, 1, [&](int64_t b0, int64_t b1) {
        for (int64_t blk = b0; blk < b1; blk++) {
            double s = 0.0;
            const int64_t e = std::min(n, (blk + 1) * BS);
            if (dt == NT_F32) {
                const float* f = static_cast<const float*>(p);
                for (int64_t i = blk * BS; i < e; i++) s += (double)f[i] * (double)f[i];
            } else {
                for (int64_t i = blk * BS; i < e; i++) {
                    double x = load_as_f32(p, dt, i);
                    s += x * x;
                }
            }
            part[(size_t)blk] = s;
        }
    });
    double total = 0.0;
    for (double s : part) total += s;
    return total;
}

}  // namespace nt

extern "C" {

int nt_sum_squares(double* result, const nt_tensor* in) {
    if (!result) return fail(NT_ERR_ARGUMENT, "nt_sum_squares: result is null");
    NT_CHECK(check_tensor(in, "nt_sum_squares", "in"));
    if (!is_float_dtype(in->dtype))
        return fail(NT_ERR_DTYPE, "nt_sum_squares: 'in' has dtype %s; expected a float dtype", dtype_name(in->dtype));
    int dev;
    NT_CHECK(route("nt_sum_squares", &dev, {{in, "in"}}));
    NT_API_BEGIN
    *result = sum_squares(in);
    return finish("nt_sum_squares", dev);
    NT_API_END
}

int nt_convert(nt_tensor* out, const nt_tensor* in, const nt_tensor* scale) {
    const char* fn = "nt_convert";
    NT_CHECK(check_tensor(out, fn, "out"));
    NT_CHECK(check_tensor(in, fn, "in"));
    NT_CHECK(check_optional(scale, fn, "scale"));
    if (!is_float_dtype(in->dtype))
        return fail(NT_ERR_DTYPE, "%s: 'in' has dtype %s; expected F32, BF16, F16, F8_E4M3 or F8_E5M2", fn,
                    dtype_name(in->dtype));
    if (!is_float_dtype(out->dtype))
        return fail(NT_ERR_DTYPE, "%s: 'out' has dtype %s; expected F32, BF16, F16, F8_E4M3 or F8_E5M2", fn,
                    dtype_name(out->dtype));
    NT_CHECK(check_numel(in, fn, "in", out->numel));
    const int64_t cols = in->ndim ? in->shape[in->ndim - 1] : 1;
    const int64_t rows = cols ? in->numel / cols : 0;
    if (device_of(out) != device_of(in) && !scale) {
        // between devices: convert where the source is, then copy the result
        if (in->dtype == out->dtype) return gpu::copy(data_ptr(out), data_ptr(in), out->numel * dtype_size(out->dtype));
        nt_tensor* tmp = nullptr;
        NT_CHECK(nt_tensor_new_on(&tmp, device_of(in), out->dtype, in->ndim, in->shape));
        int rc = nt_convert(tmp, in, nullptr);
        if (rc == NT_OK) rc = gpu::copy(data_ptr(out), data_ptr(tmp), out->numel * dtype_size(out->dtype));
        nt_tensor_free(tmp);
        return rc;
    }
    int dev;
    NT_CHECK(route(fn, &dev, {{out, "out"}, {in, "in"}, {scale, "scale", true}}));
    bool encode = false;
    if (scale) {
        NT_CHECK(check_dtype(scale, fn, "scale", NT_F32));
        const int si = dtype_size(in->dtype), so = dtype_size(out->dtype);
        if (si == so)
            return fail(NT_ERR_ARGUMENT, "%s: a scale needs one narrower side, but %s -> %s have equal widths", fn,
                        dtype_name(in->dtype), dtype_name(out->dtype));
        encode = so < si;
        if (scale->numel != 1 && scale->numel != rows)
            return fail(NT_ERR_SHAPE, "%s: 'scale' has %" PRId64 " elements; expected 1 (per tensor) or %" PRId64
                        " (per row)", fn, scale->numel, rows);
        const float* s = ptr<const float>(scale);
        float x = 0.f;
        int64_t bad = -1;
        if (dev >= 0) {
            bad = gpu::first_bad_scale(s, scale->numel, &x);
        } else {
            for (int64_t i = 0; i < scale->numel && bad < 0; i++)
                if (!(std::isfinite(s[i]) && s[i] > 0.f)) bad = i, x = s[i];
        }
        if (bad >= 0)
            return fail(NT_ERR_ARGUMENT, "%s: scale[%" PRId64 "] = %g; expected a finite value > 0", fn, bad, (double)x);
    }
    NT_API_BEGIN
    if (dev >= 0) {
        if (in->dtype == out->dtype && !scale)
            NT_CHECK(gpu::copy(data_ptr(out), data_ptr(in), in->numel * dtype_size(in->dtype)));
        else if (rows > 0)
            gpu::convert(data_ptr(out), out->dtype, data_ptr(in), in->dtype, rows, cols,
                         scale ? ptr<const float>(scale) : nullptr, scale ? scale->numel : 0, encode);
        return finish(fn, dev);
    }
    if (in->dtype == out->dtype && !scale) {
        std::memmove(data_ptr(out), data_ptr(in), (size_t)(in->numel * dtype_size(in->dtype)));
        return NT_OK;
    }
    if (rows > 0)
        convert_fn(in->dtype, out->dtype)(data_ptr(out), data_ptr(in), rows, cols,
                                          scale ? ptr<const float>(scale) : nullptr, scale ? scale->numel : 0, encode);
    return NT_OK;
    NT_API_END
}

int nt_compute_scales(nt_tensor* scale, const nt_tensor* in, int fp8_dtype) {
    const char* fn = "nt_compute_scales";
    NT_CHECK(check_tensor(scale, fn, "scale"));
    NT_CHECK(check_tensor(in, fn, "in"));
    NT_CHECK(check_dtype(scale, fn, "scale", NT_F32));
    if (!is_float_dtype(in->dtype))
        return fail(NT_ERR_DTYPE, "%s: 'in' has dtype %s; expected a float dtype", fn, dtype_name(in->dtype));
    if (fp8_dtype != NT_F8_E4M3 && fp8_dtype != NT_F8_E5M2)
        return fail(NT_ERR_DTYPE, "%s: fp8_dtype %d; expected NT_F8_E4M3 (3) or NT_F8_E5M2 (4)", fn, fp8_dtype);
    const int64_t cols = in->ndim ? in->shape[in->ndim - 1] : 1;
    const int64_t rows = cols ? in->numel / cols : 0;
    if (scale->numel != 1 && scale->numel != rows)
        return fail(NT_ERR_SHAPE, "%s: 'scale' has %" PRId64 " elements; expected 1 (per tensor) or %" PRId64 " (per row)",
                    fn, scale->numel, rows);
    int dev;
    NT_CHECK(route(fn, &dev, {{scale, "scale"}, {in, "in"}}));
    NT_API_BEGIN
    const float fmax = fp8_dtype == NT_F8_E4M3 ? kE4M3Max : kE5M2Max;
    if (dev >= 0) {
        gpu::compute_scales(ptr<float>(scale), scale->numel, data_ptr(in), in->dtype, rows, cols, fmax);
        return finish(fn, dev);
    }
    std::vector<float> amax((size_t)std::max<int64_t>(rows, 1), 0.f);
    const void* p = data_ptr(in);
    const int dt = in->dtype;
    parallel_for(rows, 16, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++) {
            float m = 0.f;
            for (int64_t c = 0; c < cols; c++) {
                float a = std::fabs(load_as_f32(p, dt, r * cols + c));
                if (a > m) m = a;  // NaN never compares greater: ignored
            }
            amax[(size_t)r] = m;
        }
    });
    float* s = ptr<float>(scale);
    if (scale->numel == 1 && rows != 1) {
        float m = 0.f;
        for (float a : amax) m = a > m ? a : m;
        s[0] = (m > 0.f && std::isfinite(m)) ? m / fmax : 1.f;
    } else {
        for (int64_t r = 0; r < rows; r++) {
            const float m = amax[(size_t)r];
            s[r] = (m > 0.f && std::isfinite(m)) ? m / fmax : 1.f;
        }
    }
    return NT_OK;
    NT_API_END
}

int nt_adamw_step(nt_tensor* param, nt_tensor* m, nt_tensor* v, const nt_tensor* grad, float lr, float beta1,
                  float beta2, float eps, float weight_decay, int64_t step, float grad_scale) {
    const char* fn = "nt_adamw_step";
    NT_CHECK(check_tensor(param, fn, "param"));
    NT_CHECK(check_tensor(m, fn, "m"));
    NT_CHECK(check_tensor(v, fn, "v"));
    NT_CHECK(check_tensor(grad, fn, "grad"));
    NT_CHECK(check_dtype(param, fn, "param", NT_F32));
    NT_CHECK(check_dtype(m, fn, "m", NT_F32));
    NT_CHECK(check_dtype(v, fn, "v", NT_F32));
    NT_CHECK(check_dtype(grad, fn, "grad", NT_F32));
    NT_CHECK(check_same_shape(m, "m", param, "param", fn));
    NT_CHECK(check_same_shape(v, "v", param, "param", fn));
    NT_CHECK(check_same_shape(grad, "grad", param, "param", fn));
    if (step < 1) return fail(NT_ERR_ARGUMENT, "%s: step must be >= 1, got %" PRId64, fn, step);
    if (!(lr >= 0.f) || !std::isfinite(lr)) return fail(NT_ERR_ARGUMENT, "%s: lr must be finite and >= 0, got %g", fn, (double)lr);
    if (!(beta1 >= 0.f && beta1 < 1.f)) return fail(NT_ERR_ARGUMENT, "%s: beta1 must be in [0, 1), got %g", fn, (double)beta1);
    if (!(beta2 >= 0.f && beta2 < 1.f)) return fail(NT_ERR_ARGUMENT, "%s: beta2 must be in [0, 1), got %g", fn, (double)beta2);
    if (!(eps > 0.f) || !std::isfinite(eps)) return fail(NT_ERR_ARGUMENT, "%s: eps must be finite and > 0, got %g", fn, (double)eps);
    if (!(weight_decay >= 0.f) || !std::isfinite(weight_decay))
        return fail(NT_ERR_ARGUMENT, "%s: weight_decay must be finite and >= 0, got %g", fn, (double)weight_decay);
    NT_CHECK(check_finite(grad_scale, fn, "grad_scale"));
    int dev;
    NT_CHECK(route(fn, &dev, {{param, "param"}, {m, "m"}, {v, "v"}, {grad, "grad"}}));
    NT_API_BEGIN
    const float bc1 = (float)(1.0 - std::pow((double)beta1, (double)step));
    const float bc2 = (float)(1.0 - std::pow((double)beta2, (double)step));
    if (param->numel > 0)
        kernels_on(dev).adamw(ptr<float>(param), ptr<float>(m), ptr<float>(v), ptr<const float>(grad), param->numel, lr,
                              beta1, beta2, eps, weight_decay, bc1, bc2, grad_scale);
    return finish(fn, dev);
    NT_API_END
}

int nt_clip_grad_norm(float* total_norm, nt_tensor** grads, int n, float max_norm) {
    const char* fn = "nt_clip_grad_norm";
    if (!total_norm) return fail(NT_ERR_ARGUMENT, "%s: total_norm is null", fn);
    if (n < 0) return fail(NT_ERR_ARGUMENT, "%s: n is negative (%d)", fn, n);
    if (n > 0 && !grads) return fail(NT_ERR_ARGUMENT, "%s: grads is null", fn);
    if (std::isnan(max_norm)) return fail(NT_ERR_ARGUMENT, "%s: max_norm is NaN", fn);
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "grads[%d]", i);
        NT_CHECK(check_tensor(grads[i], fn, name));
        NT_CHECK(check_dtype(grads[i], fn, name, NT_F32));
    }
    NT_API_BEGIN
    double ss = 0.0;
    for (int i = 0; i < n; i++) {
        ss += sum_squares(grads[i]);
        if (device_of(grads[i]) >= 0) NT_CHECK(gpu::status(fn));
    }
    const double norm = std::sqrt(ss);
    *total_norm = (float)norm;
    if (max_norm > 0.f) {
        const double coef = (double)max_norm / (norm + 1e-6);
        if (coef < 1.0)
            for (int i = 0; i < n; i++) {
                const int dev = device_of(grads[i]);
                if (dev >= 0) NT_CHECK(gpu::set_device(dev));
                if (grads[i]->numel > 0)
                    kernels_on(dev).scale(ptr<float>(grads[i]), ptr<const float>(grads[i]), (float)coef,
                                          grads[i]->numel);
                NT_CHECK(finish(fn, dev));
            }
    }
    return NT_OK;
    NT_API_END
}

}  // extern "C"
