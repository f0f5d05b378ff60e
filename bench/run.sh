#!/bin/sh
# Runs the executor benchmark against the local model server; writes bench/results.md.
#   bench/run.sh [all|makespan|overhead|rules|profile|timeline]
#     rules: the executor's rule simulated without overhead; profile: 4 x 1,000 zero-latency tasks, to run
#     under a profiler; timeline: each task's claim, request and completion in one 30-task run
set -eu
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$ROOT"
mvn -B -q -DskipTests install
CP=$(mvn -B -q -pl kernel dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
exec java -Dorch.repo.root="$ROOT" -cp "kernel/target/test-classes:kernel/target/classes:$CP" \
  dev.orch.kernel.bench.ExecutorBench "${1:-all}" bench/results.md
