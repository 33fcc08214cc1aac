// Collectives: sum all-reduce across ranks (the hand-written ring or NCCL on
// CUDA devices; a plain rank-order sum on the host, the reference).
#include <cinttypes>
#include <cstdio>
#include <vector>

#include "device.h"
#include "engine.h"
#include "validate.h"

using namespace nt;

extern "C" int nt_all_reduce(nt_tensor** tensors, int n, int algo) {
    const char* fn = "nt_all_reduce";
    if (n < 1) return fail(NT_ERR_ARGUMENT, "%s: n = %d; expected at least 1 rank", fn, n);
    if (!tensors) return fail(NT_ERR_ARGUMENT, "%s: tensors is null", fn);
    if (algo != 0 && algo != 1) return fail(NT_ERR_ARGUMENT, "%s: algo = %d; expected 0 (ring) or 1 (NCCL)", fn, algo);
    char name[32];
    for (int r = 0; r < n; r++) {
        snprintf(name, sizeof name, "tensors[%d]", r);
        NT_CHECK(check_tensor(tensors[r], fn, name));
        if (tensors[r]->dtype != NT_F32 && tensors[r]->dtype != NT_BF16)
            return fail(NT_ERR_DTYPE, "%s: '%s' has dtype %s; expected F32 or BF16", fn, name,
                        dtype_name(tensors[r]->dtype));
        NT_CHECK(check_dtype(tensors[r], fn, name, tensors[0]->dtype));
        NT_CHECK(check_same_shape(tensors[r], name, tensors[0], "tensors[0]", fn));
        if ((device_of(tensors[r]) < 0) != (device_of(tensors[0]) < 0))
            return fail(NT_ERR_DEVICE, "%s: '%s' and tensors[0] are not both on the host or both on GPUs", fn, name);
        for (int q = 0; q < r; q++)
            if (data_ptr(tensors[q]) == data_ptr(tensors[r]))
                return fail(NT_ERR_ARGUMENT, "%s: tensors[%d] and tensors[%d] are the same memory", fn, q, r);
    }
    const int64_t count = tensors[0]->numel;
    const int dt = tensors[0]->dtype;
    NT_API_BEGIN
    if (n == 1 || count == 0) return NT_OK;
    if (device_of(tensors[0]) >= 0) {
        std::vector<void*> bufs((size_t)n);
        std::vector<int> devs((size_t)n);
        for (int r = 0; r < n; r++) {
            bufs[(size_t)r] = data_ptr(tensors[r]);
            devs[(size_t)r] = device_of(tensors[r]);
        }
        return gpu::all_reduce(bufs.data(), devs.data(), n, count, dt, algo);
    }
    // host reference: sum in rank order (F32 accumulation), then broadcast
    std::vector<float> acc((size_t)count, 0.f);
    for (int r = 0; r < n; r++)
        for (int64_t i = 0; i < count; i++) acc[(size_t)i] += load_as_f32(data_ptr(tensors[r]), dt, i);
    for (int r = 0; r < n; r++)
        for (int64_t i = 0; i < count; i++) {
            if (dt == NT_F32)
                ptr<float>(tensors[r])[i] = acc[(size_t)i];
            else
                ptr<uint16_t>(tensors[r])[i] = f32_to_bf16(acc[(size_t)i]);
        }
    return NT_OK;
    NT_API_END
}
