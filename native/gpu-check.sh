#!/usr/bin/env bash
# The first run on a machine with an NVIDIA GPU and no network: only what needs the GPU, each section in
# a JVM of its own under its own time limit, each row printed and appended to the results file as soon
# as its section ends (a time limit loses at most the section it stopped). The node needs the NVIDIA
# driver, cuBLAS and NVRTC (pip wheels in a virtual environment do), not a JDK or Maven: the bundle
# brings its own Java runtime.
#
#   native/gpu-check.sh [--out FILE] [--fake DIR] [BUNDLE_DIR | ARCHIVE.tar.xz]
#
# BUNDLE_DIR or ARCHIVE: made by `native/bundle.sh --gpu-check` (default target/overtune-gpu-check, or
# its .tar.xz beside it; built first where both are missing and JDK 25 and Maven are at hand).
# --out FILE: the results table (default ./gpu-check-results.md), appended row by row.
# --fake DIR: a dry run against the checking fake driver the native tests build (DIR is
# native/target/fake-cuda): every launch and GEMM checked, nothing executed; rows whose results are
# numbers say RAN ON FAKE (not meaningful), and a last row sums the fake's findings.
#
# Exit: 0 no section failed; 1 a section failed; 4 no usable GPU (a GPU listed by nvidia-smi that overtune
# cannot open, or none at all); 6 a GPU but no cuBLAS or NVRTC (one line names what and where it looked).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$PWD/gpu-check-results.md"
fake=""
bundle=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --fake) fake="$(cd "$2" && pwd)" || exit 2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "gpu-check: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) bundle="$1"; shift ;;
  esac
done
start=$(date +%s)
work="${TMPDIR:-/tmp}/overtune-gpu-check"
mkdir -p "$work"

# --- the bundle ---
if [ -z "$bundle" ]; then
  bundle="$root/target/overtune-gpu-check"
  [ -d "$bundle" ] || [ ! -f "$bundle.tar.xz" ] || bundle="$bundle.tar.xz"
fi
if [ -f "$bundle" ]; then
  rm -rf "$work/bundle" && mkdir -p "$work/bundle"
  tar -C "$work/bundle" -xf "$bundle" || { echo "gpu-check: cannot unpack $bundle (tar needs xz for a .tar.xz)" >&2; exit 2; }
  bundle="$(find "$work/bundle" -mindepth 2 -maxdepth 2 -name runtime -type d -printf '%h\n' | head -n 1)"
fi
if [ ! -x "$bundle/runtime/bin/java" ] || [ ! -d "$bundle/tests" ]; then
  echo "gpu-check: no GPU-check bundle at $bundle; building one (needs JDK 25 + Maven)..." >&2
  "$root/native/bundle.sh" --gpu-check "$bundle" >&2 || { echo "gpu-check: bundle build failed" >&2; exit 2; }
fi
java="$bundle/runtime/bin/java"
mapfile -t flags < <(grep -v -e '^#' -e '^[[:space:]]*$' "$bundle/tests/jvm-options" 2>/dev/null)
[ ${#flags[@]} -gt 0 ] || flags=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
classpath="$bundle/lib/*:$bundle/tests/*"

# --- where CUDA libraries are: pip wheels in virtual environments, besides what overtune looks in itself ---
if [ -n "$fake" ]; then
  export OVERTUNE_LIBCUDA="$fake/libcuda.so.1" OVERTUNE_CUBLAS="$fake/libcublas.so.13"
  [ -f "$fake/nvrtc/libnvrtc.so.13" ] && export OVERTUNE_NVRTC="$fake/nvrtc/libnvrtc.so.13"
  export FAKE_CUDA_REPORT="$work/fake-report.txt" OVERTUNE_CACHE="$work/cache"
  rm -f "$FAKE_CUDA_REPORT"
fi
looked=()
for base in "${VIRTUAL_ENV:-}" "${CONDA_PREFIX:-}" "$HOME" /opt /workspace /root /usr/local/lib /usr/lib "$PWD"; do
  [ -n "$base" ] && [ -d "$base" ] || continue
  while IFS= read -r dir; do
    looked+=("$dir")
    if compgen -G "$dir/libcublas.so.*" >/dev/null || compgen -G "$dir/libnvrtc.so.*" >/dev/null; then
      case ":${OVERTUNE_CUDA_PATH:-}:" in *":$dir:"*) ;; *) export OVERTUNE_CUDA_PATH="${OVERTUNE_CUDA_PATH:+$OVERTUNE_CUDA_PATH:}$dir" ;; esac
    fi
  done < <(find "$base" -maxdepth 7 -type d -path '*-packages/nvidia/*/lib' 2>/dev/null | sort -u)
done

# --- the table ---
mkdir -p "$(dirname "$out")"
if [ ! -s "$out" ]; then
  printf '| section | status | seconds | CPU s | detail |\n|---|---|---|---|---|\n' >> "$out"
fi
failed=0
row() { # name status seconds cpu-seconds detail
  local line
  line="$(printf '| %s | %s | %s | %s | %s |' "$1" "$2" "$3" "$4" "$(echo "$5" | tr '|\n\t' '/  ')")"
  echo "$line"
  echo "$line" >> "$out"
  [ "$2" != FAILED ] || failed=1
}
# CPU seconds (user + system) of this shell's finished children so far: a section's difference is what it
# cost the host, which, unlike wall time, does not depend on what else the machine is running.
children_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($16 + $17) / hz}' "/proc/$$/stat"
}
# section NAME TIMEOUT_S COMMAND...: runs it, its output to the terminal and $work/NAME.log; its row is the
# command's last "gpu-check-row<TAB>STATUS<TAB>detail" line (GpuCheck), else PASSED/FAILED by exit status.
section() {
  local name="$1" limit="$2"; shift 2
  local log="$work/$(echo "$name" | tr -c 'A-Za-z0-9.\n-' '_').log" t0=$(date +%s) c0=$(children_cpu)
  echo "== $name (limit ${limit} s, log $log)"
  # In the background and waited for, so that a signal to this script reaches the section (timeout makes it
  # a process group of its own) at once, instead of after it.
  timeout --kill-after=10 "$limit" "$@" > "$log" 2>&1 &
  section_pid=$!
  wait "$section_pid"
  local rc=$? seconds=$(( $(date +%s) - t0 ))
  section_pid=""
  grep -v -e '^gpu-check-row' -e '^\s*at ' "$log" | tail -n 15
  local cpu
  cpu=$(awk -v a="$c0" -v b="$(children_cpu)" 'BEGIN {printf "%.1f", b - a}')
  local result
  result="$(grep '^gpu-check-row' "$log" | tail -n 1)"
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    row "$name" FAILED "$seconds" "$cpu" "over its ${limit} s limit; log: $log"
  elif [ -n "$result" ]; then
    row "$name" "$(echo "$result" | cut -f2)" "$seconds" "$cpu" "$(echo "$result" | cut -f3-)"
  elif [ "$rc" = 0 ]; then
    row "$name" PASSED "$seconds" "$cpu" "log: $log"
  else
    row "$name" FAILED "$seconds" "$cpu" "exited $rc; last line: $(grep -v '^\s*$' "$log" | tail -n 1); log: $log"
  fi
}

section_pid=""
trap 'if [ -n "$section_pid" ]; then kill -TERM -- "-$section_pid" 2>/dev/null; fi; echo "gpu-check: stopped; the rows so far are in $out" >&2; exit 143' TERM INT
echo "gpu-check: results appended to $out; logs in $work"
echo "== machine"
gpus=""
if command -v nvidia-smi >/dev/null; then
  gpus="$(nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader 2>&1)"
  echo "$gpus"
  nvidia-smi -L >/dev/null 2>&1 || gpus=""
else
  echo "nvidia-smi: not installed"
fi
echo "bundle: $(du -sm "$bundle" | cut -f1) MB, $("$java" -version 2>&1 | head -n 1)"
echo "looked for cuBLAS/NVRTC in ${#looked[@]} Python package folder(s): ${looked[*]:-none}; OVERTUNE_CUDA_PATH=${OVERTUNE_CUDA_PATH:-}"

# --- the device: CudaCheck says what overtune finds, exit 0 when the GPU opens ---
t0=$(date +%s)
check="$(timeout 120 "$java" "${flags[@]}" -cp "$bundle/lib/*" dev.overtune.backends.CudaCheck 2>&1)"
cuda_status=$?
echo "$check"
device="$(echo "$check" | grep '^device: ' | head -n 1 | cut -c9-)"
if [ $cuda_status != 0 ]; then
  missing="$(echo "$check" | grep -E '^(cuBLAS|NVRTC): +missing: ' | sed -E 's/^(cuBLAS|NVRTC): +missing: //')"
  if [ -n "$gpus" ] && [ -n "$missing" ] && ! echo "$check" | grep -q '^driver: missing: '; then
    row device FAILED $(( $(date +%s) - t0 )) - "$(echo "$missing" | head -n 1)"
    echo "gpu-check: a GPU and its driver are here, but $(echo "$missing" | awk 'NR > 1 {printf " And "} {printf "%s", $0}')." \
      "Besides those, looked in ${#looked[@]} site-packages/nvidia/*/lib folder(s) under the venv/conda, ~, /opt, /workspace, /root, /usr/local/lib, /usr/lib and $PWD${looked[*]:+ (${looked[*]})}:" \
      "set OVERTUNE_CUDA_PATH to the folder holding libcublas.so.13 and libnvrtc.so.13"
    exit 6
  fi
  row device "NOT RUN" $(( $(date +%s) - t0 )) - "${device:-$check}"
  if [ -n "$gpus" ]; then
    echo "gpu-check: nvidia-smi lists a GPU, but overtune cannot use it: $device"
  else
    echo "gpu-check: no usable GPU here: $device"
  fi
  exit 4
fi
row device PASSED $(( $(date +%s) - t0 )) - "$device"

# --- the GPU test classes, one JVM each ---
props=(-Dovertune.reference.fixtures="$bundle/tests/reference" -Dovertune.build.dir="$work")
for test in CudaDeviceGpuTest exec.CudaBackendGpuTest train.DeviceTrainingStateGpuTest; do
  section "$test" 300 "$java" "${flags[@]}" -Xmx6g "${props[@]}" -cp "$classpath" dev.overtune.cuda.GpuCheck tests "$test"
done

# --- the quick demo's scan on the CPU and on the GPU over the same checkpoints, compared unit by unit ---
# The GPU run reuses the CPU's pre-trained series, and the noise is drawn on the host by the same Philox
# code: the stores differ only by the GPU's arithmetic (TF32 GEMMs, hence a tolerance well above float32's).
demo() {
  local dir="$work/demo"
  rm -rf "$dir" && mkdir -p "$dir/cuda"
  "$bundle/bin/overtune" demo --quick --no-report --backend cpu --out "$dir/cpu" > "$dir/cpu.log" 2>&1 \
    || { echo "gpu-check-row	FAILED	the CPU demo failed: $(tail -n 1 "$dir/cpu.log")"; return 1; }
  cp -r "$dir/cpu/series" "$dir/cuda/"
  "$bundle/bin/overtune" demo --quick --no-report --backend cuda --out "$dir/cuda" > "$dir/cuda.log" 2>&1 \
    || { echo "gpu-check-row	FAILED	the GPU demo failed: $(tail -n 1 "$dir/cuda.log")"; return 1; }
  if [ -n "$fake" ]; then
    echo "gpu-check-row	RAN ON FAKE	the quick demo's scan ran on --backend cuda; compare-stores not meaningful under the fake"
    return 0
  fi
  if "$bundle/bin/overtune" compare-stores "$dir/cpu/scan.db" "$dir/cuda/scan.db" --rtol 5e-3 --atol 1e-4; then
    echo "gpu-check-row	PASSED	every unit of the two stores within --rtol 5e-3 --atol 1e-4"
  else
    echo "gpu-check-row	FAILED	compare-stores found units apart (above; stores in $dir)"
    return 1
  fi
}
export bundle work fake
section "demo scan GPU vs CPU" 300 bash -c "$(declare -f demo); demo"

# --- GPT-2-124M training steps: throughput and MFU ---
section "GPT-2-124M step (BF16)" 300 "$java" "${flags[@]}" -Xmx8g "${props[@]}" -cp "$classpath" dev.overtune.cuda.GpuCheck gpt2

# --- optional: FFM vs JCuda call overhead (only in a bundle made with --with-bench) ---
if [ -d "$bundle/bench" ]; then
  jcuda() {
    "$java" "${flags[@]}" -cp "$bundle/lib/*:$bundle/bench/*" dev.overtune.bench.cuda.CudaCallMain --quick --summary "$work/jcuda.tsv" || true
    [ -s "$work/jcuda.tsv" ] && echo "gpu-check-row	$(head -n 1 "$work/jcuda.tsv")"
  }
  export java
  section "FFM vs JCuda call overhead (JMH)" 180 bash -c "flags=(${flags[*]}); $(declare -f jcuda); jcuda"
fi

if [ -n "$fake" ]; then
  report="${FAKE_CUDA_REPORT}"
  sum() { grep '^process ' "$report" 2>/dev/null | grep -o "$1 [0-9]*" | awk '{s += $2} END {print s + 0}'; }
  findings=$(sum findings)
  detail="$(sum launches) launches, $(sum gemms) GEMM calls ($(sum gemm_matrices) matrices) checked in $(grep -c '^process ' "$report" 2>/dev/null) processes"
  if [ "$findings" = 0 ]; then
    row "checking fake driver" PASSED - - "no finding: $detail"
  else
    row "checking fake driver" FAILED - - "$findings finding(s) in $detail; first: $(grep -m1 '^finding: ' "$report" | cut -c10-)"
  fi
fi

echo
echo "gpu-check: $(( $(date +%s) - start )) s, $(children_cpu) CPU s; $([ $failed = 0 ] && echo 'no section failed' || echo 'a section FAILED'); table in $out"
exit $failed
