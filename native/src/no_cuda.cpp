// Device queries of a build without the CUDA kernels.
#include "engine.h"
#include "validate.h"

extern "C" {

int nt_cuda_device_count(int* count) {
    if (!count) return nt::fail(NT_ERR_ARGUMENT, "nt_cuda_device_count: count is null");
    *count = 0;
    return NT_OK;
}

const char* nt_cuda_info(void) { return "no device: this build has no CUDA kernels (nvcc was not found)"; }

}  // extern "C"
