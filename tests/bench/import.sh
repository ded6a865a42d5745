#!/bin/sh
# The import bench (issue #2): import + validation + valuation + commit of
# a deterministic 1,000,000-row inventory (hash chain included), against
# the sqlite3 shell's bare .import of the same file into a plain table,
# measured in the same run (best of 3 each). Goal: at least 2x the speed of
# sqlite3 .import, peak memory under 300 MB.
#   sh tests/bench/import.sh [BUILD]    (ISMS_BENCH=import make bench)
set -eu
BUILD=${1:-build}
ROWS=${ISMS_BENCH_ROWS:-1000000}
DIR="$BUILD/bench"
CSV="$DIR/assets-$ROWS.csv"
mkdir -p "$DIR"
[ -s "$CSV" ] || awk -v n="$ROWS" -f tests/bench/gen_assets.awk > "$CSV"
echo "bench: $ROWS rows, $(du -m "$CSV" | cut -f1) MB ($CSV)"

TIME=/usr/bin/time
best() {  # best() LABEL COMMAND...: prints "seconds peak_kb cpu_s" of the fastest of 3 runs
  label=$1; shift
  best_s=""; best_kb=""; best_cpu=""
  for run in 1 2 3; do
    rm -f "$DIR"/b.db "$DIR"/b.db-wal "$DIR"/b.db-shm "$DIR"/b.db-journal
    if [ "$label" = isms ]; then "$BUILD/isms" init "$DIR/b.db" >/dev/null; fi
    $TIME -f "%e %M %U %S" -o "$DIR/time.txt" "$@" >/dev/null
    read -r s kb u sy < "$DIR/time.txt"
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then
      best_s=$s; best_kb=$kb; best_cpu=$(awk "BEGIN{print $u + $sy}")
    fi
  done
  echo "$best_s $best_kb $best_cpu"
}

set -- $(best sqlite3 sqlite3 "$DIR/b.db" ".import --csv $CSV assets")
sq_s=$1; sq_kb=$2; sq_cpu=$3
set -- $(best isms "$BUILD/isms" --db "$DIR/b.db" import assets "$CSV")
is_s=$1; is_kb=$2; is_cpu=$3
# Re-valuing the whole register in C (after the last import above).
"$TIME" -f "%e %M" -o "$DIR/time.txt" "$BUILD/isms" --db "$DIR/b.db" value \
  --methodology "$(pwd)/tests/bench/sum.lua" >/dev/null
rv=$(cut -d' ' -f1 "$DIR/time.txt"); rv_kb=$(cut -d' ' -f2 "$DIR/time.txt")

awk -v sq="$sq_s" -v sqkb="$sq_kb" -v is="$is_s" -v iskb="$is_kb" -v rv="$rv" -v rvkb="$rv_kb" \
    -v rows="$ROWS" -v sqc="$sq_cpu" -v isc="$is_cpu" 'BEGIN {
  printf "baseline  sqlite3 .import (plain table, no checks)  %6.2f s  %7.1f MB peak  cpu %5.2f s\n", sq, sqkb / 1024, sqc
  printf "isms      import + validation + valuation + commit %6.2f s  %7.1f MB peak  cpu %5.2f s  %9.0f rows/s\n", is, iskb / 1024, isc, rows / is
  printf "isms      re-value all assets (other methodology)  %6.2f s  %7.1f MB peak\n", rv, rvkb / 1024
  printf "ratio     isms import is %.2fx the speed of sqlite3 .import (goal >= 2.00x)\n", sq / is
  printf "memory    isms import peak %.0f MB (goal < 300 MB)\n", iskb / 1024
}'
rm -f "$DIR"/b.db "$DIR"/b.db-wal "$DIR"/b.db-shm "$DIR"/b.db-journal
