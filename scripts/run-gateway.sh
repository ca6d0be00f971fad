#!/usr/bin/env bash
# Builds the launcher jar if needed and runs the gateway with conf/gateway.conf (or the args given,
# e.g. --config FILE). The default config starts a demo echo upstream: curl localhost:8080/echo/hi
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
# Exit on OutOfMemoryError (as the image does) rather than limp on in back-to-back collections.
exec "$JAVA_HOME/bin/java" -XX:+ExitOnOutOfMemoryError -jar "$jar" "$@"
