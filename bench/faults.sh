#!/bin/sh
# Fault injection (figures in bench/README.md): runs FaultInjectionIT, which kills the packaged server
# with SIGKILL at random moments of a running 240-task project and at the instants a request reaches
# the model or an answer leaves it, restarting it each time on the same SQLite file, and checks the
# database after every kill. Prints the counts and leaves them in kernel/target/fault-injection.md.
#   bench/faults.sh [kills, default 25]
set -eu
ROOT=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
KILLS=${1:-25}
cd "$ROOT"
mvn -B -q -DskipTests install
mvn -B -q -pl kernel verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -DfailIfNoTests=false \
  -Dit.test=FaultInjectionIT -Dorch.faults.kills="$KILLS"
cat kernel/target/fault-injection.md
