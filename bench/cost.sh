#!/bin/sh
# Runs the cost bench (bench/README.md, "Cost"): a 100-task reference plan against the local
# Anthropic-protocol server, which counts prompt-cache writes and reads; writes bench/cost-results.md.
#   bench/cost.sh            (-Dbench.tasks=N in JAVA_OPTS for another plan size)
set -eu
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$ROOT"
mvn -B -q -DskipTests install
CP=$(mvn -B -q -pl kernel dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
exec java ${JAVA_OPTS:-} -Dorch.repo.root="$ROOT" -cp "kernel/target/test-classes:kernel/target/classes:$CP" \
  dev.orch.kernel.bench.CostBench bench/cost-results.md
