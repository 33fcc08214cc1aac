// Tensor handles, storage, accounting and argument validation.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine.h"
#include "device.h"
#include "validate.h"

namespace nt {

static std::atomic<int64_t> g_live_tensors{0}, g_live_bytes{0};

// Largest single allocation we accept (2^46 bytes = 64 TiB): anything larger
// is a corrupted size, not a real request.
static constexpr int64_t kMaxBytes = (int64_t)1 << 46;

int dtype_size(int dtype) {
    switch (dtype) {
        case NT_F32: return 4;
        case NT_BF16: return 2;
        case NT_F16: return 2;
        case NT_F8_E4M3: return 1;
        case NT_F8_E5M2: return 1;
        case NT_I32: return 4;
        case NT_I64: return 8;
        case NT_U8: return 1;
        default: return 0;
    }
}

const char* dtype_name(int dtype) {
    switch (dtype) {
        case NT_F32: return "F32";
        case NT_BF16: return "BF16";
        case NT_F16: return "F16";
        case NT_F8_E4M3: return "F8_E4M3";
        case NT_F8_E5M2: return "F8_E5M2";
        case NT_I32: return "I32";
        case NT_I64: return "I64";
        case NT_U8: return "U8";
        default: return "?";
    }
}

bool is_float_dtype(int dtype) { return dtype >= NT_F32 && dtype <= NT_F8_E5M2; }

std::string shape_str(const nt_tensor* t) {
    std::string s = "[";
    for (int i = 0; i < t->ndim; i++) {
        if (i) s += ", ";
        s += std::to_string(t->shape[i]);
    }
    return s + "]";
}

static int validate_shape(const char* fn, int dtype, int ndim, const int64_t* shape, int64_t* numel,
                          int64_t* nbytes) {
    if (dtype_size(dtype) == 0)
        return fail(NT_ERR_DTYPE, "%s: unknown dtype %d; expected 0..7 (F32, BF16, F16, F8_E4M3, F8_E5M2, I32, I64, U8)", fn, dtype);
    if (ndim < 0 || ndim > NT_MAX_DIMS)
        return fail(NT_ERR_SHAPE, "%s: ndim %d out of range [0, %d]", fn, ndim, NT_MAX_DIMS);
    if (ndim > 0 && !shape) return fail(NT_ERR_ARGUMENT, "%s: shape is null but ndim is %d", fn, ndim);
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0)
            return fail(NT_ERR_SHAPE, "%s: dimension %d is negative (%" PRId64 ")", fn, i, shape[i]);
        if (__builtin_mul_overflow(n, shape[i], &n))
            return fail(NT_ERR_MEMORY, "%s: element count overflows int64 at dimension %d", fn, i);
    }
    int64_t b;
    if (__builtin_mul_overflow(n, (int64_t)dtype_size(dtype), &b) || b > kMaxBytes)
        return fail(NT_ERR_MEMORY, "%s: %" PRId64 " elements of %s exceed the %" PRId64 "-byte limit", fn, n,
                    dtype_name(dtype), kMaxBytes);
    *numel = n;
    *nbytes = b;
    return NT_OK;
}

static nt_tensor* make_tensor(nt_storage* s, int64_t offset_bytes, int dtype, int ndim, const int64_t* shape,
                              int64_t numel) {
    nt_tensor* t = new nt_tensor();
    t->magic = kTensorMagic;
    t->storage = s;
    t->offset_bytes = offset_bytes;
    t->dtype = dtype;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
    t->numel = numel;
    g_live_tensors.fetch_add(1);
    return t;
}

static void release_storage(nt_storage* s) {
    if (s->refs.fetch_sub(1) == 1) {
        if (s->kind == nt_storage::OWNED) {
            std::free(s->data);
            g_live_bytes.fetch_sub(s->nbytes);
        } else if (s->kind == nt_storage::MAPPED && s->nbytes > 0) {
            munmap(s->data, (size_t)s->nbytes);
        } else if (s->kind == nt_storage::DEVICE) {
            gpu::release(s->data, s->device);
            g_live_bytes.fetch_sub(s->nbytes);
        }
        delete s;
    }
}

// ------------------------------------------------------------- validation

int check_tensor(const nt_tensor* t, const char* fn, const char* name) {
    if (!t) return fail(NT_ERR_ARGUMENT, "%s: tensor '%s' is null", fn, name);
    if (t->magic != kTensorMagic)
        return fail(NT_ERR_ARGUMENT, "%s: '%s' is not a live tensor handle (freed or corrupt)", fn, name);
    return NT_OK;
}

int check_optional(const nt_tensor* t, const char* fn, const char* name) {
    return t ? check_tensor(t, fn, name) : NT_OK;
}

int check_dtype(const nt_tensor* t, const char* fn, const char* name, int dtype) {
    if (t->dtype != dtype)
        return fail(NT_ERR_DTYPE, "%s: '%s' has dtype %s; expected %s", fn, name, dtype_name(t->dtype),
                    dtype_name(dtype));
    return NT_OK;
}

int check_index_dtype(const nt_tensor* t, const char* fn, const char* name) {
    if (t->dtype != NT_I32 && t->dtype != NT_I64)
        return fail(NT_ERR_DTYPE, "%s: '%s' has dtype %s; expected I32 or I64", fn, name, dtype_name(t->dtype));
    return NT_OK;
}

int check_ndim_min(const nt_tensor* t, const char* fn, const char* name, int min_ndim) {
    if (t->ndim < min_ndim)
        return fail(NT_ERR_SHAPE, "%s: '%s' has shape %s; expected at least %d dimensions", fn, name,
                    shape_str(t).c_str(), min_ndim);
    return NT_OK;
}

int check_ndim(const nt_tensor* t, const char* fn, const char* name, int ndim) {
    if (t->ndim != ndim)
        return fail(NT_ERR_SHAPE, "%s: '%s' has shape %s; expected %d dimensions", fn, name, shape_str(t).c_str(),
                    ndim);
    return NT_OK;
}

int check_dim(const nt_tensor* t, const char* fn, const char* name, int i, int64_t expected) {
    if (i >= t->ndim || t->shape[i] != expected)
        return fail(NT_ERR_SHAPE, "%s: '%s' has shape %s; expected dimension %d to be %" PRId64, fn, name,
                    shape_str(t).c_str(), i, expected);
    return NT_OK;
}

int check_numel(const nt_tensor* t, const char* fn, const char* name, int64_t expected) {
    if (t->numel != expected)
        return fail(NT_ERR_SHAPE, "%s: '%s' has shape %s (%" PRId64 " elements); expected %" PRId64 " elements", fn,
                    name, shape_str(t).c_str(), t->numel, expected);
    return NT_OK;
}

int check_same_shape(const nt_tensor* a, const char* an, const nt_tensor* b, const char* bn, const char* fn) {
    bool same = a->ndim == b->ndim;
    for (int i = 0; same && i < a->ndim; i++) same = a->shape[i] == b->shape[i];
    if (!same)
        return fail(NT_ERR_SHAPE, "%s: '%s' has shape %s but '%s' has shape %s; expected equal shapes", fn, an,
                    shape_str(a).c_str(), bn, shape_str(b).c_str());
    return NT_OK;
}

int check_no_alias(const nt_tensor* a, const char* an, const nt_tensor* b, const char* bn, const char* fn) {
    if (!a || !b) return NT_OK;
    const char* a0 = (const char*)data_ptr(a);
    const char* a1 = a0 + a->numel * dtype_size(a->dtype);
    const char* b0 = (const char*)data_ptr(b);
    const char* b1 = b0 + b->numel * dtype_size(b->dtype);
    if (a0 < b1 && b0 < a1)
        return fail(NT_ERR_ARGUMENT, "%s: '%s' and '%s' overlap in memory; this function needs them distinct", fn,
                    an, bn);
    return NT_OK;
}

int check_finite(float x, const char* fn, const char* name) {
    if (!std::isfinite(x)) return fail(NT_ERR_ARGUMENT, "%s: %s must be finite, got %g", fn, name, (double)x);
    return NT_OK;
}

int64_t dims_product(const nt_tensor* t, int from, int to) {
    int64_t p = 1;
    for (int i = from; i < to; i++) p *= t->shape[i];
    return p;
}

const char* device_name(int dev, char* buf, int n) {
    if (dev < 0) snprintf(buf, (size_t)n, "cpu");
    else snprintf(buf, (size_t)n, "cuda:%d", dev);
    return buf;
}

int route(const char* fn, int* dev, std::initializer_list<TensorArg> args) {
    int d = -1;
    const char* first = nullptr;
    for (const TensorArg& a : args) {
        if (!a.t && a.optional) continue;
        NT_CHECK(check_tensor(a.t, fn, a.name));
        if (!first) {
            d = device_of(a.t);
            first = a.name;
        } else if (device_of(a.t) != d) {
            char x[16], y[16];
            return fail(NT_ERR_DEVICE, "%s: '%s' is on %s but '%s' is on %s; expected every tensor on one device", fn,
                        a.name, device_name(device_of(a.t), x, sizeof x), first, device_name(d, y, sizeof y));
        }
    }
    *dev = d;
    if (d >= 0) NT_CHECK(gpu::set_device(d));
    return NT_OK;
}

int Indices::load(const nt_tensor* t) {
    n_ = t->numel;
    if (device_of(t) >= 0) {  // validated on the host: copy the (small) index tensor
        copy_.resize((size_t)n_);
        if (t->dtype == NT_I64) {
            NT_CHECK(gpu::copy(copy_.data(), data_ptr(t), n_ * 8));
        } else {
            std::vector<int32_t> tmp((size_t)n_);
            NT_CHECK(gpu::copy(tmp.data(), data_ptr(t), n_ * 4));
            for (int64_t i = 0; i < n_; i++) copy_[(size_t)i] = tmp[(size_t)i];
        }
        p_ = copy_.data();
        return NT_OK;
    }
    if (t->dtype == NT_I64) {
        p_ = ptr<const int64_t>(t);
    } else {
        copy_.resize((size_t)n_);
        const int32_t* s = ptr<const int32_t>(t);
        for (int64_t i = 0; i < n_; i++) copy_[(size_t)i] = s[i];
        p_ = copy_.data();
    }
    return NT_OK;
}

int check_index_range(const Indices& ix, int64_t lo, int64_t hi, const char* fn, const char* name,
                      bool has_except, int64_t except) {
    for (int64_t i = 0; i < ix.size(); i++) {
        int64_t v = ix[i];
        if ((v < lo || v >= hi) && !(has_except && v == except)) {
            if (has_except)
                return fail(NT_ERR_ARGUMENT, "%s: %s[%" PRId64 "] = %" PRId64 " is out of range [%" PRId64
                            ", %" PRId64 ") and is not the ignore index %" PRId64, fn, name, i, v, lo, hi, except);
            return fail(NT_ERR_ARGUMENT, "%s: %s[%" PRId64 "] = %" PRId64 " is out of range [%" PRId64 ", %" PRId64 ")",
                        fn, name, i, v, lo, hi);
        }
    }
    return NT_OK;
}

}  // namespace nt

using namespace nt;

extern "C" {

int nt_dtype_size(int dtype) { return dtype_size(dtype); }

int nt_cuda_device_count(int* count) {
    if (!count) return fail(NT_ERR_ARGUMENT, "nt_cuda_device_count: count is null");
    *count = gpu::device_count();
    return NT_OK;
}

const char* nt_cuda_info(void) { return gpu::info(); }

int nt_cuda_synchronize(int device) { return gpu::synchronize(device); }

int nt_tensor_new(nt_tensor** out, int dtype, int ndim, const int64_t* shape) {
    if (!out) return fail(NT_ERR_ARGUMENT, "nt_tensor_new: out is null");
    *out = nullptr;
    int64_t numel, nbytes;
    NT_CHECK(validate_shape("nt_tensor_new", dtype, ndim, shape, &numel, &nbytes));
    NT_API_BEGIN
    size_t alloc = ((size_t)nbytes + 63) & ~(size_t)63;
    if (alloc == 0) alloc = 64;
    void* data = std::aligned_alloc(64, alloc);
    if (!data)
        return fail(NT_ERR_MEMORY, "nt_tensor_new: cannot allocate %" PRId64 " bytes for a %s tensor", nbytes,
                    dtype_name(dtype));
    std::memset(data, 0, alloc);
    nt_storage* s = new nt_storage{data, nbytes, {1}, nt_storage::OWNED, -1};
    g_live_bytes.fetch_add(nbytes);
    *out = make_tensor(s, 0, dtype, ndim, shape, numel);
    return NT_OK;
    NT_API_END
}

int nt_tensor_new_on(nt_tensor** out, int device, int dtype, int ndim, const int64_t* shape) {
    const char* fn = "nt_tensor_new_on";
    if (device < 0) return nt_tensor_new(out, dtype, ndim, shape);
    if (!out) return fail(NT_ERR_ARGUMENT, "%s: out is null", fn);
    *out = nullptr;
    int64_t numel, nbytes;
    NT_CHECK(validate_shape(fn, dtype, ndim, shape, &numel, &nbytes));
    const int n = gpu::device_count();
    if (device >= n)
        return fail(NT_ERR_DEVICE, "%s: device %d does not exist; this machine has %d CUDA device(s) (%s)", fn, device,
                    n, nt_cuda_info());
    NT_API_BEGIN
    void* data = nullptr;
    NT_CHECK(gpu::alloc(&data, device, nbytes));
    nt_storage* s = new nt_storage{data, nbytes, {1}, nt_storage::DEVICE, device};
    g_live_bytes.fetch_add(nbytes);
    *out = make_tensor(s, 0, dtype, ndim, shape, numel);
    return NT_OK;
    NT_API_END
}

int nt_tensor_device(const nt_tensor* t) { return t && t->magic == kTensorMagic ? device_of(t) : -2; }

int nt_tensor_view(nt_tensor** out, nt_tensor* base, int64_t offset, int ndim, const int64_t* shape) {
    if (!out) return fail(NT_ERR_ARGUMENT, "nt_tensor_view: out is null");
    *out = nullptr;
    NT_CHECK(check_tensor(base, "nt_tensor_view", "base"));
    int64_t numel, nbytes;
    NT_CHECK(validate_shape("nt_tensor_view", base->dtype, ndim, shape, &numel, &nbytes));
    int64_t esz = dtype_size(base->dtype);
    if (offset < 0 || offset > base->numel || numel > base->numel - offset)
        return fail(NT_ERR_SHAPE,
                    "nt_tensor_view: view of %" PRId64 " elements at offset %" PRId64
                    " does not fit in base of %" PRId64 " elements",
                    numel, offset, base->numel);
    NT_API_BEGIN
    base->storage->refs.fetch_add(1);
    *out = make_tensor(base->storage, base->offset_bytes + offset * esz, base->dtype, ndim, shape, numel);
    return NT_OK;
    NT_API_END
}

int nt_tensor_wrap(nt_tensor** out, void* data, int64_t capacity_bytes, int dtype, int ndim, const int64_t* shape) {
    if (!out) return fail(NT_ERR_ARGUMENT, "nt_tensor_wrap: out is null");
    *out = nullptr;
    int64_t numel, nbytes;
    NT_CHECK(validate_shape("nt_tensor_wrap", dtype, ndim, shape, &numel, &nbytes));
    if (!data && nbytes > 0) return fail(NT_ERR_ARGUMENT, "nt_tensor_wrap: data is null");
    if (capacity_bytes < nbytes)
        return fail(NT_ERR_SHAPE, "nt_tensor_wrap: shape needs %" PRId64 " bytes but capacity is %" PRId64, nbytes,
                    capacity_bytes);
    if (((uintptr_t)data) % (uintptr_t)dtype_size(dtype) != 0)
        return fail(NT_ERR_ARGUMENT, "nt_tensor_wrap: data address is not aligned to the %d-byte %s element",
                    dtype_size(dtype), dtype_name(dtype));
    NT_API_BEGIN
    nt_storage* s = new nt_storage{data, capacity_bytes, {1}, nt_storage::BORROWED, -1};
    *out = make_tensor(s, 0, dtype, ndim, shape, numel);
    return NT_OK;
    NT_API_END
}

int nt_tensor_map_file(nt_tensor** out, const char* path) {
    const char* fn = "nt_tensor_map_file";
    if (!out) return fail(NT_ERR_ARGUMENT, "%s: out is null", fn);
    *out = nullptr;
    if (!path) return fail(NT_ERR_ARGUMENT, "%s: path is null", fn);
    NT_API_BEGIN
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(NT_ERR_ARGUMENT, "%s: cannot open '%s': %s", fn, path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail(NT_ERR_ARGUMENT, "%s: '%s' is not a regular file", fn, path);
    }
    const int64_t size = (int64_t)st.st_size;
    void* data = nullptr;
    if (size > 0) {
        // copy-on-write: a write through a view stays in this process, never a fault
        data = mmap(nullptr, (size_t)size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        if (data == MAP_FAILED) {
            int err = errno;
            close(fd);
            return fail(NT_ERR_MEMORY, "%s: cannot map '%s' (%" PRId64 " bytes): %s", fn, path, size, strerror(err));
        }
    }
    close(fd);
    nt_storage* s = new nt_storage{data, size, {1}, nt_storage::MAPPED, -1};
    const int64_t shape[1] = {size};
    *out = make_tensor(s, 0, NT_U8, 1, shape, size);
    return NT_OK;
    NT_API_END
}

int nt_tensor_view_as(nt_tensor** out, nt_tensor* base, int64_t byte_offset, int dtype, int ndim, const int64_t* shape) {
    const char* fn = "nt_tensor_view_as";
    if (!out) return fail(NT_ERR_ARGUMENT, "%s: out is null", fn);
    *out = nullptr;
    NT_CHECK(check_tensor(base, fn, "base"));
    int64_t numel, nbytes;
    NT_CHECK(validate_shape(fn, dtype, ndim, shape, &numel, &nbytes));
    const int64_t total = base->numel * dtype_size(base->dtype);
    if (byte_offset < 0 || byte_offset > total || nbytes > total - byte_offset)
        return fail(NT_ERR_SHAPE, "%s: %" PRId64 " bytes at offset %" PRId64 " do not fit in base of %" PRId64 " bytes", fn,
                    nbytes, byte_offset, total);
    const int64_t abs = base->offset_bytes + byte_offset;
    if (((uintptr_t)base->storage->data + (uintptr_t)abs) % (uintptr_t)dtype_size(dtype) != 0)
        return fail(NT_ERR_ARGUMENT, "%s: offset %" PRId64 " is not aligned to the %d-byte %s element", fn, byte_offset,
                    dtype_size(dtype), dtype_name(dtype));
    NT_API_BEGIN
    base->storage->refs.fetch_add(1);
    *out = make_tensor(base->storage, abs, dtype, ndim, shape, numel);
    return NT_OK;
    NT_API_END
}

int nt_tensor_copy_bytes(nt_tensor* dst, int64_t dst_offset, const nt_tensor* src, int64_t src_offset, int64_t nbytes) {
    const char* fn = "nt_tensor_copy_bytes";
    NT_CHECK(check_tensor(dst, fn, "dst"));
    NT_CHECK(check_tensor(src, fn, "src"));
    const int64_t dt = dst->numel * dtype_size(dst->dtype), st = src->numel * dtype_size(src->dtype);
    if (nbytes < 0 || dst_offset < 0 || src_offset < 0 || dst_offset > dt || src_offset > st || nbytes > dt - dst_offset ||
        nbytes > st - src_offset)
        return fail(NT_ERR_ARGUMENT, "%s: %" PRId64 " bytes from offset %" PRId64 " of %" PRId64 " to offset %" PRId64
                    " of %" PRId64 " are out of bounds", fn, nbytes, src_offset, st, dst_offset, dt);
    if (device_of(dst) >= 0 || device_of(src) >= 0)
        return gpu::copy((char*)data_ptr(dst) + dst_offset, (const char*)data_ptr(src) + src_offset, nbytes);
    std::memmove((char*)data_ptr(dst) + dst_offset, (const char*)data_ptr(src) + src_offset, (size_t)nbytes);
    return NT_OK;
}

void nt_tensor_free(nt_tensor* t) {
    if (!t || t->magic != kTensorMagic) return;
    t->magic = 0;
    release_storage(t->storage);
    delete t;
    g_live_tensors.fetch_sub(1);
}

int nt_tensor_reshape(nt_tensor* t, int ndim, const int64_t* shape) {
    NT_CHECK(check_tensor(t, "nt_tensor_reshape", "t"));
    int64_t numel, nbytes;
    NT_CHECK(validate_shape("nt_tensor_reshape", t->dtype, ndim, shape, &numel, &nbytes));
    if (numel != t->numel)
        return fail(NT_ERR_SHAPE, "nt_tensor_reshape: cannot reshape %s (%" PRId64 " elements) to %" PRId64 " elements",
                    shape_str(t).c_str(), t->numel, numel);
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
    return NT_OK;
}

int nt_tensor_dtype(const nt_tensor* t) { return t && t->magic == kTensorMagic ? t->dtype : -1; }
int nt_tensor_ndim(const nt_tensor* t) { return t && t->magic == kTensorMagic ? t->ndim : -1; }
int64_t nt_tensor_dim(const nt_tensor* t, int i) {
    if (!t || t->magic != kTensorMagic || i < 0 || i >= t->ndim) return -1;
    return t->shape[i];
}
int64_t nt_tensor_numel(const nt_tensor* t) { return t && t->magic == kTensorMagic ? t->numel : -1; }
int64_t nt_tensor_nbytes(const nt_tensor* t) {
    return t && t->magic == kTensorMagic ? t->numel * dtype_size(t->dtype) : -1;
}
void* nt_tensor_data(const nt_tensor* t) { return t && t->magic == kTensorMagic ? data_ptr(t) : nullptr; }

int nt_tensor_write(nt_tensor* t, int64_t byte_offset, const void* src, int64_t nbytes) {
    NT_CHECK(check_tensor(t, "nt_tensor_write", "t"));
    if (nbytes < 0) return fail(NT_ERR_ARGUMENT, "nt_tensor_write: nbytes is negative (%" PRId64 ")", nbytes);
    if (nbytes > 0 && !src) return fail(NT_ERR_ARGUMENT, "nt_tensor_write: src is null");
    int64_t total = t->numel * dtype_size(t->dtype);
    if (byte_offset < 0 || byte_offset > total || nbytes > total - byte_offset)
        return fail(NT_ERR_ARGUMENT, "nt_tensor_write: range [%" PRId64 ", +%" PRId64 ") outside the tensor's %" PRId64 " bytes",
                    byte_offset, nbytes, total);
    if (device_of(t) >= 0) return gpu::copy((char*)data_ptr(t) + byte_offset, src, nbytes);
    std::memcpy((char*)data_ptr(t) + byte_offset, src, (size_t)nbytes);
    return NT_OK;
}

int nt_tensor_read(const nt_tensor* t, int64_t byte_offset, void* dst, int64_t nbytes) {
    NT_CHECK(check_tensor(t, "nt_tensor_read", "t"));
    if (nbytes < 0) return fail(NT_ERR_ARGUMENT, "nt_tensor_read: nbytes is negative (%" PRId64 ")", nbytes);
    if (nbytes > 0 && !dst) return fail(NT_ERR_ARGUMENT, "nt_tensor_read: dst is null");
    int64_t total = t->numel * dtype_size(t->dtype);
    if (byte_offset < 0 || byte_offset > total || nbytes > total - byte_offset)
        return fail(NT_ERR_ARGUMENT, "nt_tensor_read: range [%" PRId64 ", +%" PRId64 ") outside the tensor's %" PRId64 " bytes",
                    byte_offset, nbytes, total);
    if (device_of(t) >= 0) return gpu::copy(dst, (const char*)data_ptr(t) + byte_offset, nbytes);
    std::memcpy(dst, (const char*)data_ptr(t) + byte_offset, (size_t)nbytes);
    return NT_OK;
}

int64_t nt_live_tensors(void) { return g_live_tensors.load(); }
int64_t nt_live_bytes(void) { return g_live_bytes.load(); }

}  // extern "C"
