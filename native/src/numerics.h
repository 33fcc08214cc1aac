// Scalar float encodings shared by the CPU engine and the CUDA kernels (one
// definition, so both round exactly alike): BF16, F16, and the OCP FP8
// formats, round to nearest even; FP8 saturates.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define NT_HD __host__ __device__
#else
#define NT_HD
#include <cmath>
#endif

namespace nt {

NT_HD inline uint32_t f32_bits(float f) {
#if defined(__CUDA_ARCH__)
    return __float_as_uint(f);
#else
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
#endif
}
NT_HD inline float bits_f32(uint32_t u) {
#if defined(__CUDA_ARCH__)
    return __uint_as_float(u);
#else
    float f;
    std::memcpy(&f, &u, 4);
    return f;
#endif
}
NT_HD inline float nt_ldexp(float x, int e) {
#if defined(__CUDA_ARCH__)
    return ldexpf(x, e);
#else
    return std::ldexp(x, e);
#endif
}
NT_HD inline float nt_rint(float x) {
#if defined(__CUDA_ARCH__)
    return rintf(x);
#else
    return std::nearbyint(x);
#endif
}

NT_HD inline uint16_t f32_to_bf16(float f) {
    uint32_t u = f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);  // quiet NaN
    u += 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)(u >> 16);
}
NT_HD inline float bf16_to_f32(uint16_t h) { return bits_f32((uint32_t)h << 16); }

NT_HD inline uint16_t f32_to_f16(float f) {
    const uint32_t u = f32_bits(f);
    const uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    const uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return (uint16_t)(sign | 0x7e00u | ((a >> 13) & 0x3ffu));  // quiet NaN
    if (a >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);  // >= 65520 rounds to infinity
    if (a < 0x38800000u) {                                      // below 2^-14: subnormal (exact scaling)
        const float v = bits_f32(a) * 16777216.0f;              // * 2^24
        return (uint16_t)(sign | (uint16_t)nt_rint(v));
    }
    const uint32_t r = a + 0x0fffu + ((a >> 13) & 1u) - (112u << 23);
    return (uint16_t)(sign | (r >> 13));
}

NT_HD inline float f16_to_f32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    const uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0) {
        const float v = (float)m * 5.9604644775390625e-8f;  // 2^-24
        return sign ? -v : v;
    }
    if (e == 31) return bits_f32(sign | 0x7f800000u | (m << 13));
    return bits_f32(sign | ((e + 112u) << 23) | (m << 13));
}

// Saturating round-to-nearest-even encoder for an 8-bit float with MB
// mantissa bits and exponent bias BIAS; max_code is the largest finite code.
template <int MB, int BIAS>
NT_HD inline uint8_t encode_f8(float f, uint8_t max_code, float max_value) {
    const uint32_t u = f32_bits(f);
    const uint8_t sign = (uint8_t)((u >> 24) & 0x80u);
    const uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return (uint8_t)(sign | 0x7fu);  // NaN
    const float af = bits_f32(a);
    if (af >= max_value) return (uint8_t)(sign | max_code);
    const float min_normal = nt_ldexp(1.0f, 1 - BIAS);
    if (af < min_normal) {
        const float v = nt_ldexp(af, BIAS - 1 + MB);  // exact
        return (uint8_t)(sign | (uint8_t)nt_rint(v));
    }
    const uint32_t r = a + ((1u << (22 - MB)) - 1u) + ((a >> (23 - MB)) & 1u);
    uint32_t code = (r >> (23 - MB)) - ((uint32_t)(127 - BIAS) << MB);
    if (code > max_code) code = max_code;
    return (uint8_t)(sign | code);
}

// IEEE_SPECIALS: E5M2 has infinities and NaNs at the top exponent; E4M3 "fn"
// has only NaN (S.1111.111).
template <int MB, int BIAS, bool IEEE_SPECIALS>
NT_HD inline float decode_f8(uint8_t b) {
    const bool neg = b & 0x80u;
    const uint32_t e = (b >> MB) & ((1u << (7 - MB)) - 1u), m = b & ((1u << MB) - 1u);
    const uint32_t emax = (1u << (7 - MB)) - 1u;
    float v;
    if (IEEE_SPECIALS && e == emax) {
        v = m ? bits_f32(0x7fc00000u) : bits_f32(0x7f800000u);
    } else if (!IEEE_SPECIALS && e == emax && m == (1u << MB) - 1u) {
        v = bits_f32(0x7fc00000u);
    } else if (e == 0) {
        v = nt_ldexp((float)m, 1 - BIAS - MB);
    } else {
        v = nt_ldexp(1.0f + (float)m / (float)(1u << MB), (int)e - BIAS);
    }
    return neg ? -v : v;
}

constexpr float kE4M3Max = 448.0f;
constexpr float kE5M2Max = 57344.0f;
NT_HD inline uint8_t f32_to_e4m3(float f) { return encode_f8<3, 7>(f, 0x7e, kE4M3Max); }
NT_HD inline uint8_t f32_to_e5m2(float f) { return encode_f8<2, 15>(f, 0x7b, kE5M2Max); }

}  // namespace nt
