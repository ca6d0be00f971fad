#!/usr/bin/env bash
# Runs the JMH microbenchmarks (docs/performance.md) at 1, 2 and 8 threads.
#   scripts/benchmarks.sh                 # every benchmark, default settings (about 25 minutes)
#   scripts/benchmarks.sh --quick         # short settings: 2 warm-up and 3 measurement iterations of 1s
#   scripts/benchmarks.sh --quick Limiter # only benchmarks whose name matches a regex
# Extra arguments after the regex go to JMH as they are (e.g. -p keys=1). Results go to
# benchmarks/target/jmh-<threads>.txt as well as to the terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=$(scripts/java-home.sh)
export JAVA_HOME
quick=()
if [[ "${1:-}" == "--quick" ]]; then
  quick=(-wi 2 -i 3 -w 1s -r 1s)
  shift
fi
pattern="${1:-.*}"
shift || true

# One reactor run, so that the webapp's classes come from this tree, not from ~/.m2.
mvn -B -ntp -q -pl benchmarks -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/classpath.txt
classpath="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"

for threads in 1 2 8; do
  echo "== $threads thread(s) =="
  "$JAVA_HOME/bin/java" -cp "$classpath" org.openjdk.jmh.Main "$pattern" -t "$threads" "${quick[@]}" "$@" \
    | tee "benchmarks/target/jmh-$threads.txt"
done
