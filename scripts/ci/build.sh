#!/usr/bin/env bash
# Compiles every module (tests come in the next stage).
source "$(dirname "$0")/common.sh"
cd "$ROOT"
JAVA_HOME=$(scripts/java-home.sh) mvn -B -ntp -DskipTests install
