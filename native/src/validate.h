// Argument validation shared by the API functions.
#pragma once

#include <new>
#include <stdexcept>
#include <vector>

#include "engine.h"

// Every exported function that can fail wraps its body in these, so that no
// C++ exception crosses the C boundary.
#define NT_API_BEGIN \
    try {            \
        ::nt::clear_error();
#define NT_API_END                                                                      \
    }                                                                                   \
    catch (const std::bad_alloc&) {                                                     \
        return ::nt::fail(NT_ERR_MEMORY, "%s: out of memory", __func__);                \
    }                                                                                   \
    catch (const std::exception& e) {                                                   \
        return ::nt::fail(NT_ERR_INTERNAL, "%s: internal error: %s", __func__, e.what()); \
    }                                                                                   \
    catch (...) {                                                                       \
        return ::nt::fail(NT_ERR_INTERNAL, "%s: unknown internal error", __func__);     \
    }

#define NT_CHECK(expr)                  \
    do {                                \
        int nt_rc_ = (expr);            \
        if (nt_rc_ != NT_OK) return nt_rc_; \
    } while (0)

namespace nt {

// A tensor argument: non-null handle with a valid magic number.
int check_tensor(const nt_tensor* t, const char* fn, const char* name);
// Same, but NULL is allowed (optional argument).
int check_optional(const nt_tensor* t, const char* fn, const char* name);
int check_dtype(const nt_tensor* t, const char* fn, const char* name, int dtype);
int check_index_dtype(const nt_tensor* t, const char* fn, const char* name);
int check_ndim_min(const nt_tensor* t, const char* fn, const char* name, int min_ndim);
int check_ndim(const nt_tensor* t, const char* fn, const char* name, int ndim);
int check_dim(const nt_tensor* t, const char* fn, const char* name, int i, int64_t expected);
int check_numel(const nt_tensor* t, const char* fn, const char* name, int64_t expected);
int check_same_shape(const nt_tensor* a, const char* an, const nt_tensor* b, const char* bn,
                     const char* fn);
int check_no_alias(const nt_tensor* a, const char* an, const nt_tensor* b, const char* bn,
                   const char* fn);
int check_finite(float x, const char* fn, const char* name);

// Product of dims [from, to).
int64_t dims_product(const nt_tensor* t, int from, int to);

// Index tensor (I32 or I64) read as int64, copying only for I32.
class Indices {
   public:
    Indices() = default;
    int load(const nt_tensor* t);
    const int64_t* data() const { return p_; }
    int64_t size() const { return n_; }
    int64_t operator[](int64_t i) const { return p_[i]; }

   private:
    std::vector<int64_t> copy_;
    const int64_t* p_ = nullptr;
    int64_t n_ = 0;
};

// Checks every index is in [lo, hi), allowing `except` too.
int check_index_range(const Indices& ix, int64_t lo, int64_t hi, const char* fn,
                      const char* name, bool has_except = false, int64_t except = 0);

}  // namespace nt
