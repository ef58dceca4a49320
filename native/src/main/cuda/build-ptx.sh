#!/usr/bin/env bash
# Compiles every kernel source (*.cu) to PTX for Hopper (compute_90) and for Ampere and later
# (compute_80), so the driver can JIT them for the card it finds. Run by Maven's `cuda` profile
# where nvcc exists; any warning fails the build, so a syntax error never waits for a GPU.
# usage: build-ptx.sh NVCC OUTPUT_DIR
set -euo pipefail
nvcc="$1"
out="$2"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$out"
pids=()
for cu in "$src"/*.cu; do
  name="$(basename "$cu" .cu)"
  for arch in 90 80; do
    "$nvcc" -ptx -arch="compute_$arch" -std=c++17 --Werror all-warnings -I"$src" "$cu" -o "$out/$name.compute_$arch.ptx" &
    pids+=($!)
  done
done
status=0
for pid in "${pids[@]}"; do
  wait "$pid" || status=1
done
if [ "$status" -ne 0 ]; then
  echo "build-ptx: nvcc failed on a kernel source (see above)" >&2
  exit 1
fi
echo "build-ptx: $(ls "$out"/*.ptx | wc -l) PTX files in $out ($("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'))"
