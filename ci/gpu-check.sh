#!/usr/bin/env bash
# GPU check, for a machine with an NVIDIA GPU, nvcc and (for the peers)
# PyTorch: builds the engine with its CUDA kernels, runs every lab program
# (each checks its kernel against the plain CPU reference, then times it), the
# peers (cuBLASLt FP8 through torch._scaled_mm, PyTorch's
# scaled_dot_product_attention, NCCL through the ring lab), the GPU-tagged Java
# tests and the model fixtures on the GPU, and prints one table.
# Under 5 minutes on an H100.
#
#   ci/gpu-check.sh [--quick]      (--quick: correctness only, no timings)
#
# Exit status: 0 when every check passed; the table is printed either way.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${GPU_CHECK_OUT:-$ROOT/target/gpu-check}
mkdir -p "$OUT"
QUICK=""
[[ "${1:-}" == "--quick" ]] && QUICK="--quick"
STATUS=0
step() { echo "== $*" >&2; }
fail() { echo "FAILED: $*" >&2; STATUS=1; }

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader >&2
ARCH=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d . )
case "$ARCH" in
  90) ARCHS="90a" ;;
  "") ARCHS="80;90a" ;;
  *) ARCHS="$ARCH" ;;
esac

step "build (CUDA architectures $ARCHS)"
cmake -S . -B "$OUT/build" -DCMAKE_BUILD_TYPE=Release -DNT_CUDA_ARCHS="$ARCHS" >"$OUT/cmake.log" 2>&1 \
  && cmake --build "$OUT/build" -j"$(nproc)" >>"$OUT/cmake.log" 2>&1 || { tail -40 "$OUT/cmake.log"; echo "build failed" >&2; exit 2; }
BIN=$OUT/build/bin

run_lab() {  # name, timeout seconds
  local name=$1 limit=$2
  step "lab $name"
  timeout "$limit" "$BIN/lab_$name" $QUICK --json >"$OUT/$name.jsonl" 2>"$OUT/$name.err"
  local rc=$?
  [[ $rc -eq 0 ]] || fail "lab_$name (exit $rc; $OUT/$name.err)"
  tail -3 "$OUT/$name.err" >&2
}
run_lab training_ops 120
run_lab fp8_gemm 150
run_lab attention 150
run_lab allreduce 120

if [[ -z "$QUICK" ]] && python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  step "peers (PyTorch)"
  timeout 120 python3 cuda-kernels/dev/peer_fp8_gemm.py >"$OUT/peer_fp8_gemm.jsonl" 2>"$OUT/peer_fp8_gemm.err" || fail "peer_fp8_gemm.py"
  timeout 120 python3 cuda-kernels/dev/peer_attention.py >"$OUT/peer_attention.jsonl" 2>"$OUT/peer_attention.err" || fail "peer_attention.py"
else
  step "peers skipped (--quick, or no PyTorch with CUDA)"
  : >"$OUT/peer_fp8_gemm.jsonl"; : >"$OUT/peer_attention.jsonl"
fi

MVN_OK=0
if command -v mvn >/dev/null; then
  step "Java: build"
  # a bare GPU machine may have no Maven repository: then the Java tests are skipped (CI runs
  # them without a GPU) and the CLI check below uses the jars carried to the machine
  if mvn -B -q install -DskipTests >"$OUT/mvn-build.log" 2>&1; then
    MVN_OK=1
  else
    echo "   Maven could not build (see $OUT/mvn-build.log): Java GPU tests skipped" >&2
  fi
fi

# The model fixture through the CLI on the GPU (needs no Maven once the CLI jar
# and its lib/ exist, e.g. carried to a bare GPU machine): logits, loss and
# every gradient against ../shared/fixtures/model within the README's tolerances.
CLI=java-sdk/cli/target
FIX=${NEMOTRON4J_SHARED:-$ROOT/../shared}/fixtures/model
if [[ -f $CLI/nemotron4j-cli.jar && -d $FIX ]] && command -v java >/dev/null; then
  step "model fixture forward + backward on the GPU (CLI)"
  NEMOTRON4J_DEVICE=cuda timeout 120 java -cp "$CLI/nemotron4j-cli.jar:$CLI/lib/*" dev.nemotron4j.cli.Main forward \
      --model "$FIX" --inputs "$FIX/expected.safetensors" --out "$OUT/fixture-gpu.safetensors" --backward \
      >"$OUT/fixture-gpu.log" 2>&1 \
    && python3 ci/compare_safetensors.py "$OUT/fixture-gpu.safetensors" "$FIX/expected.safetensors" >"$OUT/fixture-gpu.txt" \
    || fail "model fixture on the GPU (see $OUT/fixture-gpu.log, $OUT/fixture-gpu.txt)"
  tail -1 "$OUT/fixture-gpu.txt" >&2
else
  fail "model fixture on the GPU not checked: needs $CLI/nemotron4j-cli.jar and lib/ (mvn install, or carry them), java, and $FIX"
fi

if [[ $MVN_OK == 1 ]]; then
  step "Java: GPU tests and the model fixtures on the GPU"
  (cd java-sdk/core && mvn -B test -Dnemotron4j.test.device=cuda \
      -Dtest='GpuParityTest,CausalLmFixtureTest,RewardFixtureTest,AlignmentFixtureTest' \
      -Dsurefire.failIfNoSpecifiedTests=false) >"$OUT/mvn-gpu-tests.log" 2>&1 || fail "GPU Java tests (see $OUT/mvn-gpu-tests.log)"
  grep -E 'Tests run:|FAIL' "$OUT/mvn-gpu-tests.log" | tail -6 >&2
else
  step "Java tests skipped (no Maven build)"
fi

step "summary"
python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]
def rows(name):
    p = os.path.join(out, name)
    r = []
    if os.path.exists(p):
        for line in open(p):
            line = line.strip()
            if line.startswith("{"):
                try:
                    r.append(json.loads(line))
                except ValueError:
                    pass
    return r
print(f"{'check':<44} {'ours':>10} {'peer':>10} {'ratio':>7}  note")
ok = lambda rs: all(r.get("ok", True) not in (False, "false") for r in rs)
for lab in ("training_ops", "fp8_gemm", "attention", "allreduce"):
    rs = rows(lab + ".jsonl")
    checks = [r for r in rs if "ok" in r]
    print(f"{'lab ' + lab + ' correctness':<44} {'':>10} {'':>10} {'':>7}  "
          f"{sum(1 for r in checks if r['ok'] in (True, 'true'))}/{len(checks)} ok")
# FP8 GEMM: best of our paths per shape vs cuBLASLt
peer = {r["shape"]: r.get("peer_tflops") for r in rows("peer_fp8_gemm.jsonl") if "shape" in r}
best = {}
for r in rows("fp8_gemm.jsonl"):
    if "tflops" in r and r.get("ok") in (True, "true") and r.get("a") == "e4m3" and r.get("b") == "e4m3":
        s = r["shape"]
        if s not in best or r["tflops"] > best[s][0]:
            best[s] = (r["tflops"], r["path"])
for s, (t, path) in best.items():
    p = peer.get(s)
    print(f"{'fp8 gemm ' + s:<44} {t:>10.1f} {p if p else '-':>10} {(t / p if p else float('nan')):>7.2f}  path {path}, TFLOP/s vs cuBLASLt (target >= 0.8)")
# attention vs SDPA
pa = {(r["op"], r["hd"]): r.get("peer_tflops") for r in rows("peer_attention.jsonl") if "op" in r and "hd" in r}
for r in rows("attention.jsonl"):
    if "tflops" in r and "op" in r:
        op = r["op"] if r["op"].startswith("attention") else "attention_" + r["op"]
        p = pa.get((op, r["hd"]))
        print(f"{op + ' hd=' + str(r['hd']) + ' T=' + str(r.get('T', '')):<44} {r['tflops']:>10.1f} {p if p else '-':>10} "
              f"{(r['tflops'] / p if p else float('nan')):>7.2f}  TFLOP/s vs SDPA" + (" (target >= 0.7)" if "fwd" == op[-3:] else ""))
for r in rows("allreduce.jsonl"):
    if "busbw_gbps" in r:
        print(f"{'all-reduce ' + r['impl'] + ' ranks=' + str(r['ranks']) + ' devices=' + str(r['devices']):<44} "
              f"{r['busbw_gbps']:>10.1f} {'':>10} {'':>7}  bus GB/s" + ("" if r["devices"] > 1 else " (simulated ranks on one GPU)"))
for r in rows("training_ops.jsonl"):
    if "ms" in r:
        print(f"{'op ' + r['op'] + ' ' + r['shape']:<44} {r['ms']:>10.3f} {'':>10} {'':>7}  ms ({r['gbps']:.0f} GB/s, {r['tflops']:.1f} TFLOP/s)")
PY
exit $STATUS
