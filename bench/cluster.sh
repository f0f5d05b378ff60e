#!/bin/sh
# Cluster benchmark (bench/README.md, "Cluster"): for 1, 2 and 3 packaged servers started with
# --cluster on one PostgreSQL schema, tasks per second of a 1,000-task project against local
# Anthropic-protocol servers answering after 5 ms, and authenticated API requests per second from
# wrk against every node at once (GET /api/projects).
#   bench/cluster.sh [node counts, default 1,2,3] [wrk duration, default 10s]
# Needs PostgreSQL (ORCH_TEST_PG_URL, default jdbc:postgresql://127.0.0.1:5432/test?user=postgres)
# and wrk (Debian package wrk).
set -eu
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$ROOT"
command -v wrk >/dev/null || { echo "bench/cluster.sh needs wrk (Debian package wrk)" >&2; exit 2; }
mvn -B -q -DskipTests install
CP=$(mvn -B -q -pl kernel dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
exec java -Dorch.repo.root="$ROOT" -Dorch.kernel.jar="$ROOT/kernel/target/kernel-0.1.0-SNAPSHOT.jar" \
  -cp "kernel/target/test-classes:kernel/target/classes:$CP" \
  dev.orch.kernel.launcher.ClusterBench "${1:-1,2,3}" "${2:-10s}"
