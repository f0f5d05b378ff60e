#!/bin/sh
# Runs the executor benchmark against the local model server; writes bench/results.md.
#   bench/run.sh [all|makespan|short|overhead|rules|profile|timeline]
#     short: only the short-task makespan table (its own DAGs; minutes, not ten);
#     BENCH_SYNCHRONOUS=NORMAL runs SQLite without the fsync the default FULL pays per commit
#     rules: the executor's rule simulated without overhead; profile: 4 x 1,000 zero-latency tasks, to run
#     under a profiler; timeline: each task's claim, request and completion in one 30-task run
set -eu
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$ROOT"
mvn -B -q -DskipTests install
CP=$(mvn -B -q -pl kernel dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
exec java -Dorch.repo.root="$ROOT" -Dbench.synchronous="${BENCH_SYNCHRONOUS:-FULL}" -cp "kernel/target/test-classes:kernel/target/classes:$CP" \
  dev.orch.kernel.bench.ExecutorBench "${1:-all}" bench/results.md
