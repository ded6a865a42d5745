#!/bin/sh
# Gap analysis at size (issue #13): a synthetic 5,000-requirement CISO
# Assistant framework imported, a 5,000-answer questionnaire imported from
# CSV, results rolled up, `isms gap` end to end. Baseline, measured in the
# same run: the sqlite3 shell's bare .import of the same questionnaire CSV
# into a plain table (no checks, no change log). Goals: catalog < 0.5 s,
# answers + roll-up < 0.2 s, isms gap < 100 ms.
#
# Where import + roll-up goes (callgrind, instructions of the one-process
# run; issue #13, 2026-12-07), before -> after the speed work:
#   start-up (exec, Lua state, modules)              38M ->  38M
#   CSV parse and cell positions (C)                 37M ->  24M
#   answers INSERTs (hash chain hook included)      120M -> 120M
#   change log INSERTs (chain hook included)        281M -> 132M
#     (change_log's "action IN (...)" CHECK built a temporary table per
#     row: ~150M; schema 18 makes it comparisons)
#   chain: registry at begin, settle at commit       89M ->  89M
#   queries (titles, requirements, results)          74M ->  74M
#   Lua: reading, checking, roll-up, JIT, GC        894M -> 340M
#     (keyed rows -> arrays, tables sized up front, no pattern trims,
#     a compiled merge sort instead of table.sort's C->Lua comparisons)
#   lua_close at exit                                42M ->  29M
#   total                                          1628M -> 876M
set -eu
BUILD=${1:-build}
DIR="$BUILD/bench/gap"
N=${ISMS_BENCH_GAP:-5000}
mkdir -p "$DIR"
ISMS="$BUILD/isms"
TIME=/usr/bin/time
luajit tests/bench/gap_catalog.lua "$N" > "$DIR/catalog.yaml"

secs() {  # secs COMMAND...: best of 3 wall seconds (the register reset before each);
          # the best CPU seconds (user + system) of the 3 go to $DIR/cpu
  best=""
  bcpu=""
  for run in 1 2 3; do
    "$TIME" -f "%e %U %S" -o "$DIR/t" "$@" >/dev/null
    s=$(awk '{ print $1 }' "$DIR/t")
    c=$(awk '{ print $2 + $3 }' "$DIR/t")
    if [ -z "$best" ] || awk "BEGIN{exit !($s < $best)}"; then best=$s; fi
    if [ -z "$bcpu" ] || awk "BEGIN{exit !($c < $bcpu)}"; then bcpu=$c; fi
  done
  echo "$bcpu" > "$DIR/cpu"
  echo "$best"
}

init_s=$(secs sh -c "rm -f '$DIR'/g.db*; '$ISMS' init '$DIR/g.db'")
cat_s=$(secs sh -c "rm -f '$DIR'/g.db*; '$ISMS' init '$DIR/g.db' >/dev/null; \
  '$ISMS' --db '$DIR/g.db' requirements import '$DIR/catalog.yaml'")
"$ISMS" --db "$DIR/g.db" gap new --framework big --assessor bench --date 2026-01-01 >/dev/null
"$ISMS" --db "$DIR/g.db" gap export GA-001 "$DIR/q.csv"
awk -F, 'NR == 1 { print; next } { s = (NR % 4 == 0) ? "partially_met" : (NR % 9 == 0 ? "not_met" : "met")
  print $1 ",," s "," (NR % 6) ",4,,,owner" (NR % 7) ",," (NR % 5) ",,," }' "$DIR/q.csv" > "$DIR/answers.csv"
cp "$DIR/g.db" "$DIR/base.db"
ans_s=$(secs sh -c "cp '$DIR/base.db' '$DIR/g.db'; rm -f '$DIR'/g.db-wal '$DIR'/g.db-shm; \
  '$ISMS' --db '$DIR/g.db' gap import GA-001 '$DIR/answers.csv'")
# The goal's whole: import and roll-up in one process (process start included).
both_s=$(secs sh -c "cp '$DIR/base.db' '$DIR/g.db'; rm -f '$DIR'/g.db-wal '$DIR'/g.db-shm; \
  '$ISMS' --db '$DIR/g.db' run tests/bench/gap_import_rollup.lua GA-001 '$DIR/answers.csv'")
both_cpu=$(cat "$DIR/cpu")  # on a shared machine the CPU time says more than the wall time
copy_s=$(secs sh -c "cp '$DIR/base.db' '$DIR/g.db'; rm -f '$DIR'/g.db-wal '$DIR'/g.db-shm")
sq_s=$(secs sh -c "rm -f '$DIR/sq.db'; sqlite3 '$DIR/sq.db' '.import --csv $DIR/answers.csv answers'")
gap_s=$(secs "$ISMS" --db "$DIR/g.db" gap GA-001)
gap_cpu=$(cat "$DIR/cpu")
json_s=$(secs "$ISMS" --db "$DIR/g.db" gap GA-001 --json)
start_s=$(secs "$ISMS" --db "$DIR/g.db" requirements shipped)

awk -v n="$N" -v cat="$cat_s" -v init="$init_s" -v ans="$ans_s" -v copy="$copy_s" -v sq="$sq_s" -v both="$both_s" \
    -v gap="$gap_s" -v js="$json_s" -v st="$start_s" -v bcpu="$both_cpu" -v gcpu="$gap_cpu" 'BEGIN {
  c = cat - init; a = ans - copy
  printf "gap       %d-requirement framework (CISO YAML) import  %6.3f s (goal < 0.5 s)\n", n, c
  printf "baseline  sqlite3 .import of the answers CSV           %6.3f s\n", sq
  printf "gap       %d answers import (checked, logged)         %6.3f s  %.1fx the baseline\n", n, a, a / sq
  printf "gap       %d answers import + roll-up, one process    %6.3f s (goal < 0.2 s; CPU %.3f s)\n", n, both - copy, bcpu
  printf "gap       isms gap (results, roll-up, top gaps)        %6.3f s (goal < 0.1 s; CPU %.3f s; process start %.3f s)\n", gap, gcpu, st
  printf "gap       isms gap --json (every gap)                  %6.3f s\n", js
}'
