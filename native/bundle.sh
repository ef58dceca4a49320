#!/usr/bin/env bash
# Builds the self-contained GPU bundle: a jlinked Java runtime (only the modules jdeps finds the
# jars need) plus overtune's jars, slimmed to linux-x86_64 natives, runnable on a node that has
# the NVIDIA driver and CUDA libraries but no JDK and no network.
#   native/bundle.sh [--gpu-check [--with-bench]] [OUTPUT_DIR]
#       (default OUTPUT_DIR: target/overtune-gpu-bundle, or target/overtune-gpu-check with --gpu-check)
# The archive: OUTPUT_DIR.tar.gz, or OUTPUT_DIR.tar.xz with --gpu-check.
# --gpu-check adds what native/gpu-check.sh runs on the GPU node and nothing else: the native module's
# test classes (one jar), the JUnit console and the five reference fixtures; the archive
# OUTPUT_DIR.tar.xz is then the whole of it, the one file to carry (with the working tree, for the
# script). --with-bench adds bench's FFM-vs-JCuda JMH benchmark (bench/: its jar, JMH, JCuda with
# its natives), an optional row of gpu-check. --with-tests is the old name of --gpu-check --with-bench.
# Not part of the default test run. Needs JDK 25 and Maven here (bin/jdk25.sh finds the JDK).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/bin/jdk25.sh"
with_tests=0
with_bench=0
while [ $# -gt 0 ]; do
  case "$1" in
    --gpu-check) with_tests=1; shift ;;
    --with-bench) with_bench=1; shift ;;
    --with-tests) with_tests=1; with_bench=1; shift ;;
    -*) echo "bundle: unknown option $1 (--gpu-check, --with-bench)" >&2; exit 2 ;;
    *) break ;;
  esac
done
default_out="$root/target/overtune-gpu-bundle"
[ "$with_tests" = 1 ] && default_out="$root/target/overtune-gpu-check"
out="${1:-$default_out}"
junit_console="org.junit.platform:junit-platform-console-standalone:1.11.4"

cd "$root"
echo "bundle: building jars (tests compiled, not run)..." >&2
modules_to_build=cli
[ "$with_bench" = 1 ] && modules_to_build=cli,bench
mvn -B -q -ntp -DskipTests -pl "$modules_to_build" -am package >&2
rm -rf "$out"
mkdir -p "$out/lib" "$out/bin"
cp cli/target/overtune-cli.jar "$out/lib/"
cp cli/target/lib/*.jar "$out/lib/"
if [ "$with_bench" = 1 ]; then
  # Only what the benchmark adds to lib/: the bench jar, JMH and its two dependencies, JCuda and its natives.
  mkdir -p "$out/bench"
  cp bench/target/overtune-bench.jar "$out/bench/"
  for jar in bench/target/lib/*.jar; do
    [ -e "$out/lib/$(basename "$jar")" ] || cp "$jar" "$out/bench/"
  done
fi

# Only linux-x86_64 natives travel: ONNX Runtime and sqlite-jdbc ship every platform's.
for jar in "$out"/lib/onnxruntime-*.jar; do
  zip -q -d "$jar" 'ai/onnxruntime/native/osx-*' 'ai/onnxruntime/native/win-*' 'ai/onnxruntime/native/linux-aarch64/*' >/dev/null || true
done
# jtokkit ships four tokenizers' ranks; overtune uses GPT-2's (r50k_base) alone, loaded lazily.
for jar in "$out"/lib/jtokkit-*.jar; do
  zip -q -d "$jar" 'com/knuddels/jtokkit/cl100k_base.tiktoken' 'com/knuddels/jtokkit/o200k_base.tiktoken' \
    'com/knuddels/jtokkit/p50k_base.tiktoken' >/dev/null || true
done
for jar in "$out"/lib/sqlite-jdbc-*.jar; do
  zip -q -d "$jar" 'org/sqlite/native/FreeBSD/*' 'org/sqlite/native/Mac/*' 'org/sqlite/native/Windows/*' \
    'org/sqlite/native/Linux-Android/*' 'org/sqlite/native/Linux-Musl/*' 'org/sqlite/native/Linux/aarch64/*' \
    'org/sqlite/native/Linux/arm*' 'org/sqlite/native/Linux/x86/*' 'org/sqlite/native/Linux/ppc64/*' \
    'org/sqlite/native/Linux/riscv64/*' >/dev/null || true
done

modules="$(jdeps --ignore-missing-deps --multi-release 25 --print-module-deps "$out"/lib/*.jar $([ -d "$out/bench" ] && echo "$out"/bench/*.jar) | tail -n 1)"
# jackson-databind 'requires static java.desktop' for two java.beans annotations it probes for and
# does without; the AWT/Swing module would double the runtime, so it stays out.
modules="$(echo "$modules" | tr ',' '\n' | grep -vx 'java.desktop' | paste -sd, -)"
# jdk.zipfs (0.1 MB): JUnit finds the tests in the bundle's jars through the jar file system.
modules="$modules,jdk.zipfs"
echo "bundle: runtime modules (jdeps): $modules" >&2
# The GPU-check archive is xz-compressed whole: jlink's own compression would leave xz nothing to find in
# lib/modules (zip-9 then xz: 15.5 MB; uncompressed then xz: 7.2 MB).
compress=zip-9
[ "$with_tests" = 1 ] && compress=zip-0
jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=$compress \
  --dedup-legal-notices=error-if-not-same-content --output "$out/runtime"
if command -v strip >/dev/null; then
  # jlink keeps libjvm.so's symbol table (29 MB); without it, 25 MB. Stack traces are unaffected.
  find "$out/runtime/lib" -name '*.so' -exec strip --strip-unneeded {} +
fi

flags="$(grep -v -e "^#" -e "^[[:space:]]*$" bin/jvm-options | tr "\n" " ")"
cat > "$out/bin/overtune" <<LAUNCH
#!/usr/bin/env bash
# overtune from the GPU bundle: its own Java runtime, no JDK needed.
here="\$(cd "\$(dirname "\${BASH_SOURCE[0]}")/.." && pwd)"
exec "\$here/runtime/bin/java" $flags -cp "\$here/lib/*" dev.overtune.cli.Main "\$@"
LAUNCH
cat > "$out/bin/overtune-cuda-check" <<LAUNCH
#!/usr/bin/env bash
# Prints which CUDA driver, cuBLAS and NVRTC overtune finds, and the GPU it would use.
here="\$(cd "\$(dirname "\${BASH_SOURCE[0]}")/.." && pwd)"
exec "\$here/runtime/bin/java" $flags -cp "\$here/lib/*" dev.overtune.backends.CudaCheck "\$@"
LAUNCH
chmod +x "$out/bin/overtune" "$out/bin/overtune-cuda-check"

if [ "$with_tests" = 1 ]; then
  mkdir -p "$out/tests"
  cp bin/jvm-options "$out/tests/"
  mvn -B -q -ntp dependency:copy -Dartifact="$junit_console" -DoutputDirectory="$out/tests" >&2
  # The test classes alone: gpu-check runs only the GPU-tagged ones, which need no nvcc and no kernel sources.
  (cd native/target/test-classes && zip -q -r "$out/tests/overtune-native-tests.jar" .)
  # The engine's reference fixtures (weights + a batch), all five: the GPU tests and host tests use each.
  mkdir -p "$out/tests/reference"
  cp -r engine/src/test/resources/reference/*/ "$out/tests/reference/"
fi

size_mb() { du -sm "$@" | awk '{s += $1} END {print s}'; }
tarball="$out.tar.gz"
if [ "$with_tests" = 1 ]; then
  # The GPU-check archive is everything gpu-check.sh needs on the node (which unpacks it with tar, needing xz).
  tarball="$out.tar.xz"
  rm -f "$out.tar.gz"
  tar -C "$(dirname "$out")" -cf - "$(basename "$out")" | xz -6 -T0 > "$tarball"
else
  tar -C "$(dirname "$out")" -czf "$tarball" --exclude=tests --exclude=bench "$(basename "$out")"
fi
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
echo "bundle: $out: runtime $(size_mb "$out/runtime") MB + jars $(size_mb "$out/lib") MB + launchers = $(size_mb "$out/runtime" "$out/lib" "$out/bin") MB on disk"\
"$([ "$with_tests" = 1 ] && echo " + tests $(size_mb "$out/tests") MB")$([ "$with_bench" = 1 ] && echo " + bench $(size_mb "$out/bench") MB");"\
" $(basename "$tarball"): $(mib "$(stat -c %s "$tarball")")"
