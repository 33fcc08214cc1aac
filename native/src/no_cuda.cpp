// The device layer of a build without the CUDA kernels: no devices, and every
// device entry point reports that (route() never selects a device here,
// because no tensor can be allocated on one).
#include "device.h"
#include "validate.h"

namespace nt {
namespace gpu {

namespace {
int none(const char* what) {
    return fail(NT_ERR_DEVICE, "%s: this build has no CUDA kernels (nvcc was not found when it was built)", what);
}
}  // namespace

const char* info() { return "no device: this build has no CUDA kernels (nvcc was not found)"; }
int device_count() { return 0; }
int set_device(int) { return none("set_device"); }
int alloc(void** p, int, int64_t) {
    *p = nullptr;
    return none("alloc");
}
void release(void*, int) {}
int copy(void*, const void*, int64_t) { return none("copy"); }
int status(const char* fn) { return none(fn); }
int synchronize(int) { return none("nt_cuda_synchronize"); }
const KernelTable& kernels() { return ::nt::kernels(); }  // unreachable: no device tensors exist
void embedding_fwd(float*, const int64_t*, const float*, int64_t, int64_t) {}
void embedding_bwd(float*, const float*, const int64_t*, int64_t, int64_t) {}
void rope(float*, const float*, const int64_t*, int64_t, const float*, int64_t, int64_t, int64_t, int, float) {}
void fill_pattern(void*, int64_t, int, uint64_t) {}
void convert(void*, int, const void*, int, int64_t, int64_t, const float*, int64_t, bool) {}
void compute_scales(float*, int64_t, const void*, int, int64_t, int64_t, float) {}
double sum_squares(const void*, int, int64_t) { return 0.0; }
int64_t first_bad_scale(const float*, int64_t, float*) { return -1; }
void attention_fwd(void*, float*, const void*, const void*, const void*, int, const AttnArgs&) {}
void attention_bwd(void*, void*, void*, const void*, const void*, const float*, const void*, const void*, const void*,
                   int, const AttnArgs&) {}
void fp8_matmul(void*, int, const void*, int, const void*, int, const float*, bool, const float*, bool, int64_t,
                int64_t, int64_t, float) {}
int all_reduce(void* const*, const int*, int, int64_t, int, int) { return none("nt_all_reduce"); }

}  // namespace gpu
}  // namespace nt
