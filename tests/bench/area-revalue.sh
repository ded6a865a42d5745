#!/bin/sh
# Re-valuation at size (issue #18): 1,000,000 assets imported from the
# deterministic inventory (gen_assets.awk), then re-valued under another
# methodology (tests/bench/sum.lua), which moves every asset's class and
# most values, so the change log gets about 1.83M field changes (one
# change set: core/change_set.c). Baseline,
# measured in the same run: the import of the same file into an empty
# register (best of 3 each; the re-value runs on a fresh copy of the
# imported register each time, the copy not timed). Goal: re-valuing takes
# no longer than importing (ratio <= 1.00). Also printed: a second
# re-valuation under the same methodology, where nothing moves.
#   sh tests/bench/area-revalue.sh [BUILD]    (ISMS_BENCH=revalue make bench)
# ISMS_BENCH_ROWS changes the size.
set -eu
BUILD=${1:-build}
ROWS=${ISMS_BENCH_ROWS:-1000000}
DIR="$BUILD/bench"
CSV="$DIR/assets-$ROWS.csv"
DB="$DIR/revalue.db"
METHOD="$(pwd)/tests/bench/sum.lua"
ISMS="$BUILD/isms"
TIME=/usr/bin/time
mkdir -p "$DIR"
[ -s "$CSV" ] || awk -v n="$ROWS" -f tests/bench/gen_assets.awk > "$CSV"

clean() { rm -f "$1" "$1-wal" "$1-shm" "$1-journal"; }

# best PREPARE COMMAND...: runs the shell text PREPARE (untimed), then times
# COMMAND; prints "wall_s cpu_s peak_kb" of the fastest of 3 by wall clock.
best() {
  prep=$1; shift
  best_s=""; best_line=""
  for run in 1 2 3; do
    sh -c "$prep"
    "$TIME" -f "%e %U %S %M" -o "$DIR/revalue-time.txt" "$@" > /dev/null
    read -r s u sy kb < "$DIR/revalue-time.txt"
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then
      best_s=$s
      best_line="$s $(awk "BEGIN{print $u + $sy}") $kb"
    fi
  done
  echo "$best_line"
}

set -- $(best "rm -f '$DB' '$DB-wal' '$DB-shm' '$DB-journal'; '$ISMS' init '$DB' >/dev/null" \
  "$ISMS" --db "$DB" import assets "$CSV")
im_s=$1; im_cpu=$2; im_kb=$3
cp "$DB" "$DIR/revalue-base.db"
set -- $(best "cp '$DIR/revalue-base.db' '$DB'; rm -f '$DB-wal' '$DB-shm' '$DB-journal'" \
  "$ISMS" --db "$DB" value --methodology "$METHOD")
rv_s=$1; rv_cpu=$2; rv_kb=$3
# What the re-valuation logged (the last run's register): its change set's
# lines per field (core/change_set.c: "id TAB field TAB old TAB new").
logged=$(sqlite3 "$DB" "SELECT 'class ' || ((length(changes) - length(replace(changes,
    char(9) || 'class' || char(9), ''))) / 7) || ', value ' || ((length(changes) -
    length(replace(changes, char(9) || 'value' || char(9), ''))) / 7) FROM change_sets
  WHERE batch = (SELECT max(id) FROM change_batches)")
set -- $(best "true" "$ISMS" --db "$DB" value --methodology "$METHOD")
same_s=$1
clean "$DIR/revalue-base.db"

awk -v rows="$ROWS" -v im="$im_s" -v imc="$im_cpu" -v imkb="$im_kb" -v rv="$rv_s" \
    -v rvc="$rv_cpu" -v rvkb="$rv_kb" -v same="$same_s" -v logged="$logged" 'BEGIN {
  printf "revalue   import %d assets (baseline)              %6.2f s  cpu %6.2f s  %6.1f MB peak\n", rows, im, imc, imkb / 1024
  printf "revalue   re-value all under another methodology   %6.2f s  cpu %6.2f s  %6.1f MB peak  (log: %s)\n", rv, rvc, rvkb / 1024, logged
  printf "revalue   re-value again, nothing moves            %6.2f s\n", same
  printf "ratio     re-value / import %.2f (goal <= 1.00); cpu %.2f\n", rv / im, rvc / imc
}'
