#!/usr/bin/env bash
# The two artifacts: the WAR for a Jetty installation and the launcher jar for the image.
source "$(dirname "$0")/common.sh"
cd "$ROOT"
JAVA_HOME=$(scripts/java-home.sh) mvn -B -ntp -DskipTests package -pl gateway-webapp,gateway-launcher -am
for artifact in gateway-webapp/target/nexus-gateway.war gateway-launcher/target/nexus-gateway.jar; do
  [[ -s $artifact ]] || { log "missing $artifact"; exit 1; }
  log "packaged $artifact"
done
