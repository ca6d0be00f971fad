#!/usr/bin/env bash
# Builds the launcher jar if needed and runs the gateway with conf/gateway.conf (or the args given,
# e.g. --config FILE), with the build's AOT cache when it matches the jar. The default config
# starts a demo echo upstream: curl localhost:8080/echo/hi
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/require.sh
JAVA_HOME=$(scripts/java-home.sh)
export JAVA_HOME
jar=gateway-launcher/target/nexus-gateway.jar
newest_source=$(find pom.xml */pom.xml conf gateway-webapp/src/main gateway-launcher/src/main -type f -newer "$jar" 2>/dev/null | head -n 1 || true)
if [[ ! -f "$jar" || -n "$newest_source" ]]; then
  require mvn maven
  echo "Building $jar ..."
  mvn -B -ntp -q package -DskipTests -pl gateway-launcher -am
fi
# The AOT cache the build trains next to the jar with JDK 25+ (docs/performance.md, "Start-up"):
# ready in about half the time, and near full speed within seconds. Used only when it was written
# after the jar: JDK 25.0.3 and older do not notice a rebuilt jar (JDK-8377932, fixed in 25.0.4)
# and would run the old jar's classes from the cache. A cache the JVM finds unusable (another JDK
# build, a damaged file) is skipped with a warning, never fatal; JDK 24 and older refuse the option.
aot=${jar%.jar}.aot
aot_option=()
java_major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$JAVA_HOME/release" 2>/dev/null || true)
if [[ -s $aot && ${java_major:-0} -ge 25 ]]; then
  if [[ $aot -nt $jar ]]; then
    aot_option=("-XX:AOTCache=$aot")
  else
    echo "Not using $aot: it is older than the jar (rebuild with mvn package to train it again)" >&2
  fi
fi
# Exit on OutOfMemoryError (as the image does) rather than limp on in back-to-back collections.
exec "$JAVA_HOME/bin/java" -XX:+ExitOnOutOfMemoryError "${aot_option[@]}" -jar "$jar" "$@"
