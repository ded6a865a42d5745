#!/bin/sh
# make bench: the import bench (tests/bench/import.sh: import + validation
# + valuation + commit of a deterministic 1,000,000-row inventory against
# the sqlite3 shell's bare .import, issue #2), then the risk-scoring bench
# (issue #3): tests/bench/risks.sh.
# (tests/bench/report.sh: SoA + RTP + HTML + XLSX of 3,000,000 risks), then
# every area's part, tests/bench/area-*.sh.
set -eu
BUILD=${1:-build}
# ISMS_BENCH=NAME runs only tests/bench/NAME.sh (import, risks, report, or an area's
# part tests/bench/area-NAME.sh, e.g. ISMS_BENCH=gap).
if [ -n "${ISMS_BENCH:-}" ]; then
  for f in "tests/bench/$ISMS_BENCH.sh" "tests/bench/area-$ISMS_BENCH.sh"; do
    if [ -f "$f" ]; then exec sh "$f" "$BUILD"; fi
  done
  echo "bench: no part named $ISMS_BENCH" >&2
  exit 2
fi
sh tests/bench/import.sh "$BUILD"

# ---------------------------------------------------------- risks (issue #3)
sh tests/bench/risks.sh "$BUILD"

# ---------------------------------------------------- reports (issue #4)
sh tests/bench/report.sh "$BUILD"

# ------------------------------------- the other areas, one part each
for part in tests/bench/area-*.sh; do
  [ -e "$part" ] || continue
  sh "$part" "$BUILD"
done
