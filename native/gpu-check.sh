#!/usr/bin/env bash
# One prepared run for a machine with an NVIDIA GPU (under 10 minutes): what the CUDA path of
# issue 7 does there, as one table. It runs the native module's tests (the GPU ones skip without a
# device, with the reason) through the self-contained bundle's own Java runtime, so the node needs
# only the NVIDIA driver and CUDA libraries — no JDK, no Maven, no network.
#
#   native/gpu-check.sh [BUNDLE_DIR]
#
# BUNDLE_DIR is a bundle made by `native/bundle.sh --with-tests` (default: target/overtune-gpu-bundle,
# built first when missing and a JDK 25 and Maven are at hand). Checks that cannot run yet (no
# GPU) are listed as NOT RUN with the reason, never as passed. Exit 0 when
# no test or check failed.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="${1:-$root/target/overtune-gpu-bundle}"
start=$(date +%s)

if [ ! -x "$bundle/runtime/bin/java" ] || [ ! -d "$bundle/tests" ]; then
  echo "gpu-check: no bundle with tests at $bundle; building one (needs JDK 25 + Maven)..." >&2
  "$root/native/bundle.sh" --with-tests "$bundle" >&2 || { echo "gpu-check: bundle build failed" >&2; exit 2; }
fi
java="$bundle/runtime/bin/java"
# The launchers' JVM flags (bin/jvm-options, copied into the bundle's tests/).
mapfile -t flags < <(grep -v -e '^#' -e '^[[:space:]]*$' "$bundle/tests/jvm-options" 2>/dev/null)
[ ${#flags[@]} -gt 0 ] || flags=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
classpath="$bundle/lib/*:$bundle/tests/*"

echo "== machine"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader || true
else
  echo "nvidia-smi: not installed (no NVIDIA driver on this machine?)"
fi
echo "bundle: $(du -sm "$bundle/runtime" "$bundle/lib" | awk '{s += $1} END {print s}') MB runtime+jars, $("$java" -version 2>&1 | head -n 1)"
"$bundle/bin/overtune" --version | head -n 1

echo "== what overtune finds"
"$bundle/bin/overtune-cuda-check"
cuda_status=$?

echo "== FFM vs JCuda call overhead (JMH, bench/)"
jcuda_summary="${TMPDIR:-/tmp}/overtune-gpu-check-jcuda.tsv"
rm -f "$jcuda_summary"
if [ -d "$bundle/bench" ]; then
  timeout 180 "$java" "${flags[@]}" -cp "$bundle/lib/*:$bundle/bench/*" dev.overtune.bench.cuda.CudaCallMain --quick --summary "$jcuda_summary"
  bench_status=$?
  if [ ! -s "$jcuda_summary" ]; then
    printf 'FAILED\tCudaCallMain exited %s without a summary (124: over its 180 s)\n' "$bench_status" > "$jcuda_summary"
  fi
else
  printf 'NOT RUN\tthe bundle has no bench/ (make it with native/bundle.sh --with-tests)\n' > "$jcuda_summary"
fi

# --- demo scan, GPU vs CPU (section owned by the --backend work; self-contained) ---
# The quick demo is pre-trained once, on the CPU; the GPU run reuses that series (pretrain --resume finds it
# complete), so both scans read the same checkpoints, and the noise is drawn on the host by the same Philox code:
# the stores differ only by the GPU's arithmetic. CudaBackend's GEMMs run at TF32, hence a relative tolerance
# well above float32's; a kernel that is wrong misses it by orders of magnitude.
echo "== demo scan: GPU vs CPU (--quick, same checkpoints, compare-stores --rtol 5e-3 --atol 1e-4)"
compare_dir="${TMPDIR:-/tmp}/overtune-gpu-check/demo-gpu-vs-cpu"
compare_status=0
demo_summary="${TMPDIR:-/tmp}/overtune-gpu-check-demo.tsv"
if [ $cuda_status != 0 ]; then
  echo "skipped: no usable device (see above)"
else
  rm -rf "$compare_dir" && mkdir -p "$compare_dir/cuda"
  if ! "$bundle/bin/overtune" demo --quick --no-report --backend cpu --out "$compare_dir/cpu" >"$compare_dir/cpu.log" 2>&1; then
    compare_status=1; echo "the CPU demo failed; the end of $compare_dir/cpu.log:"; tail -n 5 "$compare_dir/cpu.log"
  elif ! cp -r "$compare_dir/cpu/series" "$compare_dir/cuda/" \
      || ! "$bundle/bin/overtune" demo --quick --no-report --backend cuda --out "$compare_dir/cuda" >"$compare_dir/cuda.log" 2>&1; then
    compare_status=1; echo "the GPU demo failed; the end of $compare_dir/cuda.log:"; tail -n 5 "$compare_dir/cuda.log"
  else
    "$bundle/bin/overtune" compare-stores "$compare_dir/cpu/scan.db" "$compare_dir/cuda/scan.db" --rtol 5e-3 --atol 1e-4
    compare_status=$?
  fi
fi
if [ $cuda_status != 0 ]; then
  printf 'NOT RUN\tno usable CUDA device (see above)\n' > "$demo_summary"
elif [ $compare_status = 0 ]; then
  printf 'PASSED\tquick demo: every unit of the two stores within --rtol 5e-3 --atol 1e-4 (compare-stores above)\n' > "$demo_summary"
else
  printf 'FAILED\tcompare-stores or a demo failed (above, and %s)\n' "$compare_dir" > "$demo_summary"
fi
# --- end of demo scan, GPU vs CPU ---

echo "== native tests (GPU ones skip with the reason where there is no device)"
# KernelHostHarnessTest builds its CPU harness with nvcc where one is installed; the kernel sources travel in the bundle.
"$java" "${flags[@]}" -Xmx4g \
  -Dovertune.cuda.sources="$bundle/tests/cuda/main" -Dovertune.cuda.harness="$bundle/tests/cuda/test" \
  -Dovertune.reference.fixtures="$bundle/tests/reference" \
  -Dovertune.build.dir="${TMPDIR:-/tmp}/overtune-gpu-check" -Dovertune.gpucheck.jcuda="$jcuda_summary" -Dovertune.gpucheck.demo="$demo_summary" \
  -cp "$classpath" dev.overtune.cuda.GpuCheck
tests_status=$?


echo
echo "gpu-check: $(( $(date +%s) - start )) s; device $([ $cuda_status = 0 ] && echo usable || echo 'not usable (see above)'); tests $([ $tests_status = 0 ] && echo 'without failures' || echo FAILED)"
exit $tests_status
