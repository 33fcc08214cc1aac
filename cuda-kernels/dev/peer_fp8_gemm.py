#!/usr/bin/env python3
"""Peer measurement for the FP8 GEMM lab (cuda-kernels/dev/fp8_gemm.cu):
torch._scaled_mm (cuBLASLt FP8) at the lab's five timing shapes, E4M3 inputs,
per-tensor scales, BF16 output. Prints one JSON line per shape:
  {"op":"fp8_gemm","shape":"MxNxK","peer_tflops":x}
Exits 0 with a message when torch, a GPU or FP8 support is missing.
"""
import json
import sys

import peer_timing

SHAPES = [
    (8192, 8192, 8192),
    (4096, 2688, 18432),
    (4096, 18432, 2304),
    (4096, 9216, 18432),
    (4096, 18432, 9216),
]
WARMUP = 5
REPS = 20


def main() -> int:
    try:
        import torch
    except ImportError:
        print("peer_fp8_gemm: torch is not installed; nothing measured")
        return 0
    if not torch.cuda.is_available():
        print("peer_fp8_gemm: no CUDA device; nothing measured")
        return 0
    if not hasattr(torch, "_scaled_mm") or not hasattr(torch, "float8_e4m3fn"):
        print(f"peer_fp8_gemm: torch {torch.__version__} has no FP8 _scaled_mm; nothing measured")
        return 0
    if torch.cuda.get_device_capability() < (8, 9):
        print("peer_fp8_gemm: FP8 GEMM needs compute capability 8.9+; nothing measured")
        return 0

    dev = torch.device("cuda")
    for m, n, k in SHAPES:
        a = torch.randn(m, k, device=dev).to(torch.float8_e4m3fn)  # row-major [M, K]
        b = torch.randn(n, k, device=dev).to(torch.float8_e4m3fn)  # row-major [N, K]
        bt = b.t()  # [K, N] column-major, as _scaled_mm wants its second operand
        sa = torch.tensor(1.0, device=dev)
        sb = torch.tensor(1.0, device=dev)

        def run():
            r = torch._scaled_mm(a, bt, scale_a=sa, scale_b=sb, out_dtype=torch.bfloat16)
            return r[0] if isinstance(r, tuple) else r  # older torch returned (out, amax)

        ms = peer_timing.median_ms(torch, run, REPS, warmup=WARMUP)
        tflops = 2.0 * m * n * k / (ms * 1e-3) / 1e12
        print(json.dumps({"op": "fp8_gemm", "shape": f"{m}x{n}x{k}", "peer_tflops": round(tflops, 2)}), flush=True)
        del a, b, bt
        torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
