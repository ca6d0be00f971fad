#!/usr/bin/env bash
# Prints the home of a JDK >= 21: $JAVA_HOME if it qualifies, else the newest under /usr/lib/jvm.
# Nexus needs 21+ to build and run; the machine's default `java` may be older (17 on Debian 12).
set -euo pipefail

major() {
  local release="$1/release"
  [[ -x "$1/bin/javac" && -f "$release" ]] || { echo 0; return; }
  local version
  version=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
  echo "${version:-0}"
}

if [[ -n "${JAVA_HOME:-}" && $(major "$JAVA_HOME") -ge 21 ]]; then
  echo "$JAVA_HOME"
  exit 0
fi

best="" best_major=0
for home in /usr/lib/jvm/*/ /opt/java/*/ /opt/jdk*/; do
  [[ -d "$home" ]] || continue
  home=${home%/}
  m=$(major "$home")
  if (( m >= 21 && m > best_major )); then
    best=$home best_major=$m
  fi
done

if [[ -z "$best" ]]; then
  echo "No JDK 21 or newer found (looked at \$JAVA_HOME and /usr/lib/jvm). Install one, e.g. Temurin 21+." >&2
  exit 1
fi
echo "$best"
