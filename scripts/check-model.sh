#!/usr/bin/env bash
# Checks the cluster's handoff model (model/handoff.pml) with Spin: the
# protocol as designed must pass every assertion, and each mutant (a design
# with one safeguard taken out) must fail one, which shows that the
# assertions can fail. Needs `spin` (Debian package) and a C compiler.
# Exhaustive search: about 9 million states, 1 GB of memory, 10 s.
set -euo pipefail
model="$(cd "$(dirname "$0")/.." && pwd)/model/handoff.pml"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# Prints the verifier's error count for the model built with flags "$@".
errors_of() {
  rm -f pan pan.* ./*.trail
  spin "$@" -a "$model" >/dev/null
  gcc -O2 -w -DSAFETY -o pan pan.c
  ./pan -m100000 >report.txt 2>&1 || true
  grep -Eo 'errors: [0-9]+' report.txt | grep -Eo '[0-9]+' || echo unknown
}

status=0
n="$(errors_of)"
if [ "$n" = 0 ]; then
  echo "handoff model: $(grep -Eo '[0-9]+ states, stored' report.txt), no assertion violated"
else
  echo "handoff model: FAILED ($n errors)"
  cat report.txt
  spin -t -p "$model" 2>/dev/null | tail -40 || true
  status=1
fi
for mutant in NO_FENCE ACK_BEFORE_LOG KEEP_DIVERGED NO_CLAIM; do
  n="$(errors_of "-D$mutant")"
  if [ "$n" != 0 ] && [ "$n" != unknown ]; then
    echo "mutant $mutant: caught ($(grep -m1 'assertion violated' report.txt | sed 's/^pan:1: //'))"
  else
    echo "mutant $mutant: NOT caught (errors: $n)"
    status=1
  fi
done
exit $status
