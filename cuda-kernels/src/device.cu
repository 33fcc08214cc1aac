// Device discovery for the engine. cudaGetDeviceCount fails cleanly (no
// driver, no device) on machines without a GPU: that is "0 devices".
#include <cuda_runtime.h>

#include <cstdio>
#include <mutex>
#include <string>

#include "engine.h"

namespace {
std::once_flag g_once;
int g_count = 0;
std::string g_info;

void probe() {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        g_count = 0;
        g_info = std::string("no device: ") + cudaGetErrorString(e);
        return;
    }
    g_count = n;
    if (n == 0) {
        g_info = "no device: the CUDA runtime reports 0 devices";
        return;
    }
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, 0) == cudaSuccess) {
        char buf[256];
        std::snprintf(buf, sizeof buf, "%s (sm_%d%d, %.1f GiB), %d device(s)", p.name, p.major, p.minor,
                      (double)p.totalGlobalMem / (1024.0 * 1024.0 * 1024.0), n);
        g_info = buf;
    } else {
        g_info = "device 0: properties unavailable";
    }
}
}  // namespace

extern "C" {

int nt_cuda_device_count(int* count) {
    if (!count) return nt::fail(NT_ERR_ARGUMENT, "nt_cuda_device_count: count is null");
    std::call_once(g_once, probe);
    *count = g_count;
    return NT_OK;
}

const char* nt_cuda_info(void) {
    std::call_once(g_once, probe);
    return g_info.c_str();
}

}  // extern "C"
