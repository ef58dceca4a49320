# Sourced by the bin/ launchers: the JDK 25 (bin/jdk25.sh), the repository root, a jar rebuilt when its
# sources are newer, and the launchers' JVM flags (bin/jvm-options).
overtune_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$overtune_root/bin/jdk25.sh"

# overtune_build_if_stale NAME JAR MODULE SOURCE_DIR...: builds MODULE (and what it needs) with Maven when JAR is
# missing or older than any file under the source dirs or any pom.xml; says so on stderr as NAME.
overtune_build_if_stale() {
  local name="$1" jar="$2" module="$3"
  shift 3
  if [ ! -f "$jar" ] || [ -n "$(find "$@" "$overtune_root"/*/pom.xml "$overtune_root/pom.xml" -newer "$jar" -print -quit)" ]; then
    echo "$name: building (first run or sources changed)..." >&2
    (cd "$overtune_root" && mvn -B -q -ntp -DskipTests -pl "$module" -am package) >&2
  fi
}

# overtune_jvm_options: fills the array overtune_jvm with bin/jvm-options' flags (comments and blank lines left out).
overtune_jvm_options() {
  mapfile -t overtune_jvm < <(grep -v -e '^#' -e '^[[:space:]]*$' "$overtune_root/bin/jvm-options")
}
