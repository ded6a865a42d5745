#!/bin/sh
# make bench: import + validation + valuation + commit of a deterministic
# 1,000,000-row inventory, against the sqlite3 shell's bare .import of the
# same file into a plain table, measured in the same run (best of 3 each).
# Goal (issue #2): at least 2x the speed of sqlite3 .import, peak memory
# under 300 MB. Then the risk-scoring bench (issue #3): tests/bench/risks.sh.
# (tests/bench/report.sh: SoA + RTP + HTML + XLSX of 3,000,000 risks), then
# every area's part, tests/bench/area-*.sh.
set -eu
BUILD=${1:-build}
# ISMS_BENCH=NAME runs only tests/bench/NAME.sh (risks, report, or an area's
# part tests/bench/area-NAME.sh, e.g. ISMS_BENCH=gap).
if [ -n "${ISMS_BENCH:-}" ]; then
  for f in "tests/bench/$ISMS_BENCH.sh" "tests/bench/area-$ISMS_BENCH.sh"; do
    if [ -f "$f" ]; then exec sh "$f" "$BUILD"; fi
  done
  echo "bench: no part named $ISMS_BENCH" >&2
  exit 2
fi
ROWS=${ISMS_BENCH_ROWS:-1000000}
DIR="$BUILD/bench"
CSV="$DIR/assets-$ROWS.csv"
mkdir -p "$DIR"
[ -s "$CSV" ] || awk -v n="$ROWS" -f tests/bench/gen_assets.awk > "$CSV"
echo "bench: $ROWS rows, $(du -m "$CSV" | cut -f1) MB ($CSV)"

TIME=/usr/bin/time
best() {  # best() LABEL COMMAND...: prints "seconds peak_kb" of the fastest of 3 runs
  label=$1; shift
  best_s=""; best_kb=""
  for run in 1 2 3; do
    rm -f "$DIR"/b.db "$DIR"/b.db-wal "$DIR"/b.db-shm "$DIR"/b.db-journal
    if [ "$label" = isms ]; then "$BUILD/isms" init "$DIR/b.db" >/dev/null; fi
    $TIME -f "%e %M" -o "$DIR/time.txt" "$@" >/dev/null
    s=$(cut -d' ' -f1 "$DIR/time.txt"); kb=$(cut -d' ' -f2 "$DIR/time.txt")
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; best_kb=$kb; fi
  done
  echo "$best_s $best_kb"
}

set -- $(best sqlite3 sqlite3 "$DIR/b.db" ".import --csv $CSV assets")
sq_s=$1; sq_kb=$2
set -- $(best isms "$BUILD/isms" --db "$DIR/b.db" import assets "$CSV")
is_s=$1; is_kb=$2
# Re-valuing the whole register in C (after the last import above).
"$TIME" -f "%e %M" -o "$DIR/time.txt" "$BUILD/isms" --db "$DIR/b.db" value \
  --methodology "$(pwd)/tests/bench/sum.lua" >/dev/null
rv=$(cut -d' ' -f1 "$DIR/time.txt"); rv_kb=$(cut -d' ' -f2 "$DIR/time.txt")

awk -v sq="$sq_s" -v sqkb="$sq_kb" -v is="$is_s" -v iskb="$is_kb" -v rv="$rv" -v rvkb="$rv_kb" \
    -v rows="$ROWS" 'BEGIN {
  printf "baseline  sqlite3 .import (plain table, no checks)  %6.2f s  %7.1f MB peak\n", sq, sqkb / 1024
  printf "isms      import + validation + valuation + commit %6.2f s  %7.1f MB peak  %9.0f rows/s\n", is, iskb / 1024, rows / is
  printf "isms      re-value all assets (other methodology)  %6.2f s  %7.1f MB peak\n", rv, rvkb / 1024
  printf "ratio     isms import is %.2fx the speed of sqlite3 .import (goal >= 2.00x)\n", sq / is
  printf "memory    isms import peak %.0f MB (goal < 300 MB)\n", iskb / 1024
}'

# ---------------------------------------------------------- risks (issue #3)
sh tests/bench/risks.sh "$BUILD"

# ---------------------------------------------------- reports (issue #4)
sh tests/bench/report.sh "$BUILD"

# ------------------------------------- the other areas, one part each
for part in tests/bench/area-*.sh; do
  [ -e "$part" ] || continue
  sh "$part" "$BUILD"
done
