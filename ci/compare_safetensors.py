#!/usr/bin/env python3
"""Compares the F32 tensors of two safetensors files with the fixtures'
metric (../shared/fixtures/README.md): max|got - expected| / max|expected| per
tensor, against 1e-4 for logits and 1e-3 for gradients, and
abs diff <= 1e-5 * max(1, |expected|) for scalar losses. Pure Python (no
numpy), so it runs on a bare GPU machine.

  compare_safetensors.py GOT.safetensors EXPECTED.safetensors [NAME ...]

With no names: every F32 tensor GOT has that EXPECTED also has. Exit 1 on a
mismatch, 2 on a missing tensor or a malformed file."""
import json
import struct
import sys
from array import array


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        sys.exit(f"{path}: {len(data)} bytes; not a safetensors file")
    n = struct.unpack("<Q", data[:8])[0]
    if 8 + n > len(data):
        sys.exit(f"{path}: header length {n} runs past the end of the file ({len(data)} bytes)")
    header = json.loads(data[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__" or e.get("dtype") != "F32":
            continue
        a, b = e["data_offsets"]
        v = array("f")
        v.frombytes(data[8 + n + a:8 + n + b])
        if sys.byteorder != "little":
            v.byteswap()
        out[name] = v
    return out


def tolerance(name, size):
    if name.startswith("grad."):
        return "rel", 1e-3
    if size == 1 and "loss" in name:
        return "abs", 1e-5
    return "rel", 1e-4


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    got, exp = read(sys.argv[1]), read(sys.argv[2])
    names = sys.argv[3:] or sorted(n for n in got if n in exp)
    bad = 0
    for name in names:
        if name not in got or name not in exp:
            print(f"{name}: missing in {'got' if name not in got else 'expected'}")
            sys.exit(2)
        g, e = got[name], exp[name]
        if len(g) != len(e):
            print(f"{name}: {len(g)} values, expected {len(e)}")
            bad += 1
            continue
        kind, tol = tolerance(name, len(e))
        diff = max((abs(x - y) for x, y in zip(g, e)), default=0.0)
        if kind == "abs":
            limit = tol * max(1.0, abs(e[0]))
            ok = diff <= limit
            print(f"{name:<48} abs diff {diff:.3e} (limit {limit:.1e}) {'ok' if ok else 'FAIL'}")
        else:
            mag = max((abs(y) for y in e), default=0.0)
            err = diff / mag if mag > 0 else diff
            ok = err <= tol
            print(f"{name:<48} rel err {err:.3e} (limit {tol:.0e}) {'ok' if ok else 'FAIL'}")
        bad += 0 if ok else 1
    print(f"{len(names) - bad}/{len(names)} tensors within tolerance")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
