#!/bin/sh
# Authenticated API throughput (issue figures in bench/README.md): starts the packaged server on a fresh
# data folder, signs a user up, creates three projects, then runs wrk against /api/auth/me and
# /api/projects with that user's bearer token.
#   bench/api.sh [duration, default 10s] [connections, default 64] [warm-up per path, default 10s]
# The warm-up lets the JIT compiler finish with each path first: in the first seconds it takes a core
# of its own, and the tail it causes is the server starting, not serving.
set -eu
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
JAR="$ROOT/kernel/target/kernel-0.1.0-SNAPSHOT.jar"
DURATION=${1:-10s}
CONNECTIONS=${2:-64}
WARMUP=${3:-10s}
command -v wrk >/dev/null || { echo "bench/api.sh needs wrk (Debian package wrk)" >&2; exit 2; }
[ -f "$JAR" ] || (cd "$ROOT" && mvn -B -q -DskipTests package)
DATA=$(mktemp -d)
PORT=${ORCH_BENCH_PORT:-5399}
trap 'kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$DATA"' EXIT
(cd "$ROOT" && ORCH_DATA_DIR="$DATA" ORCH_AUTH__SECRET_KEY=bench-secret-key-0123456789abcdef0123456789 \
  ORCH_SERVER__PORT="$PORT" ORCH_SERVER__HOST=127.0.0.1 ORCH_SERVER__RATE_LIMIT=100000000/minute \
  ORCH_SERVER__LOG_LEVEL=WARN ORCH_AUTH__BCRYPT_COST=4 exec java ${ORCH_JAVA_OPTS:-} -jar "$JAR" serve) \
  >"$DATA/server.log" 2>&1 &
PID=$!
BASE="http://127.0.0.1:$PORT"
i=0
until curl -sf "$BASE/api/health" >/dev/null; do
  i=$((i + 1)); [ "$i" -lt 300 ] || { echo "server did not start" >&2; cat "$DATA/server.log" >&2; exit 1; }
  sleep 0.2
done
json() { curl -sf -H 'Content-Type: application/json' "$@"; }
json -d '{"email":"bench@example.com","password":"password1"}' "$BASE/api/auth/register" >/dev/null
TOKEN=$(json -d '{"email":"bench@example.com","password":"password1"}' "$BASE/api/auth/login" \
  | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
for n in 1 2 3; do
  json -H "Authorization: Bearer $TOKEN" -d "{\"name\":\"bench $n\",\"requirements\":\"r\"}" "$BASE/api/projects" >/dev/null
done
for path in /api/auth/me /api/projects /api/health; do
  # One warm-up round, then the measured one.
  wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" -H "Authorization: Bearer $TOKEN" "$BASE$path" >/dev/null
  echo "== GET $path ($DURATION, $CONNECTIONS connections)"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" "$BASE$path" \
    | grep -E 'Requests/sec|Non-2xx|Socket errors|^ +(50|99)%'
done
