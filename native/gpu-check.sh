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
# CudaBackend merged, no GPU) are listed as NOT RUN with the reason, never as passed. Exit 0 when
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
flags=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
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

echo "== native tests (GPU ones skip with the reason where there is no device)"
# KernelHostHarnessTest builds its CPU harness with nvcc where one is installed; the kernel sources travel in the bundle.
"$java" "${flags[@]}" -Xmx4g \
  -Dovertune.cuda.sources="$bundle/tests/cuda/main" -Dovertune.cuda.harness="$bundle/tests/cuda/test" \
  -Dovertune.build.dir="${TMPDIR:-/tmp}/overtune-gpu-check" -Dovertune.gpucheck.jcuda="$jcuda_summary" \
  -cp "$classpath" dev.overtune.cuda.GpuCheck
tests_status=$?

echo
echo "gpu-check: $(( $(date +%s) - start )) s; device $([ $cuda_status = 0 ] && echo usable || echo 'not usable (see above)'); tests $([ $tests_status = 0 ] && echo 'without failures' || echo FAILED)"
exit $tests_status
