# Sourced by bin/overtune, bin/test and bin/bench: points JAVA_HOME at a JDK 25.
# Honours a JAVA_HOME that already is 25+; otherwise looks where Debian and Temurin install JDKs.
overtune_java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }
overtune_find_jdk25() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(overtune_java_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
    return 0
  fi
  for candidate in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25* /opt/java/openjdk* /usr/lib/jvm/*; do
    if [ -x "$candidate/bin/java" ] && [ "$(overtune_java_major "$candidate")" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "overtune: no JDK 25 found (looked at JAVA_HOME and /usr/lib/jvm); install Temurin 25 from https://adoptium.net and set JAVA_HOME" >&2
  return 1
}
overtune_find_jdk25 || exit 3
export PATH="$JAVA_HOME/bin:$PATH"
