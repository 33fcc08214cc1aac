#!/usr/bin/env python3
"""Peer for cuda-kernels/dev/attention.cu: PyTorch's fused attention
(torch.nn.functional.scaled_dot_product_attention, causal, GQA) at the lab's
benchmark shapes, BF16. Prints one JSON line per measurement:
  {"op":"attention_fwd","hd":128,"T":4096,"ms":x,"peer_tflops":y}
ops: attention_fwd, attention_fwdbwd, attention_bwd (= fwdbwd - fwd).
FLOPs are counted as in the lab: causal forward 4*B*NH*T^2*HD/2, backward 2.5x.
Exits 0 with a message when torch or a GPU is missing."""
import json
import sys

import peer_timing


def main():
    try:
        import torch
        import torch.nn.functional as F
    except Exception as e:  # noqa: BLE001
        print(f"peer_attention: torch is not available ({e}); nothing to measure")
        return 0
    if not torch.cuda.is_available():
        print("peer_attention: no CUDA GPU; nothing to measure")
        return 0

    B, T, NH, NKV = 1, 4096, 96, 8
    reps_fwd, reps_bwd = 10, 5
    dev = torch.device("cuda")

    def sdpa(q, k, v):
        # q [B, NH, T, HD], k/v [B, NKV, T, HD]
        try:
            return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        except TypeError:  # torch < 2.5: no enable_gqa
            g = q.shape[1] // k.shape[1]
            return F.scaled_dot_product_attention(
                q, k.repeat_interleave(g, dim=1), v.repeat_interleave(g, dim=1), is_causal=True)

    def median_ms(fn, reps):
        return peer_timing.median_ms(torch, fn, reps)

    for hd in (128, 192):
        torch.manual_seed(0)
        # The engine's layout is [B, T, H, HD]; SDPA wants [B, H, T, HD]: a
        # transposed view, as a model would pass it.
        q = torch.randn(B, T, NH, hd, device=dev, dtype=torch.bfloat16).transpose(1, 2).requires_grad_(True)
        k = torch.randn(B, T, NKV, hd, device=dev, dtype=torch.bfloat16).transpose(1, 2).requires_grad_(True)
        v = torch.randn(B, T, NKV, hd, device=dev, dtype=torch.bfloat16).transpose(1, 2).requires_grad_(True)
        dout = torch.randn(B, NH, T, hd, device=dev, dtype=torch.bfloat16)

        def fwd():
            with torch.no_grad():
                sdpa(q, k, v)

        def fwdbwd():
            o = sdpa(q, k, v)
            o.backward(dout)
            q.grad = k.grad = v.grad = None

        try:
            t_f = median_ms(fwd, reps_fwd)
            t_fb = median_ms(fwdbwd, reps_bwd)
        except RuntimeError as e:
            print(json.dumps({"op": "attention_fwd", "hd": hd, "error": str(e)[:200]}))
            continue
        fwd_flops = 4.0 * B * NH * T * T * hd / 2.0
        bwd_flops = 2.5 * fwd_flops
        t_b = max(t_fb - t_f, 1e-6)
        for op, ms, fl in (("attention_fwd", t_f, fwd_flops), ("attention_bwd", t_b, bwd_flops),
                           ("attention_fwdbwd", t_fb, fwd_flops + bwd_flops)):
            print(json.dumps({"op": op, "hd": hd, "T": T, "B": B, "NH": NH, "NKV": NKV, "ms": round(ms, 4),
                              "peer_tflops": round(fl / (ms * 1e-3) / 1e12, 2)}))
        del q, k, v, dout
        torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
