#!/bin/sh
# The risk register at national scale, through the command line: a register
# of 15,000 assets (tests/bench/gen_assets.awk) gets its risks from the
# generic catalog (about 950,000), every risk is rated (deterministically,
# straight in SQLite: the bench is not about the rating workshop), and then
# the commands a risk manager runs are timed one by one:
#   risks generate generic    creating every risk, one 'create' log row each
#   risks score               the first scoring: every risk changes, each
#                             changed field logged (about 4 log rows a risk)
#   risks score               again: nothing changes
#   assess                    the 6.2 a-j walk and the top 20
#   whatif qism-strict        the same risks under stricter bands
# Goal: assess, whatif and risks score under 2 s each on 1M risks, and the
# generation in a few seconds. Not part of make test:
#   sh tests/bench/register_risks.sh [BUILD [BEFORE_BUILD]]
# With BEFORE_BUILD (the build directory of another checkout, e.g. the
# code before a change) both are measured on the same data, side by side.
# ISMS_BENCH_ASSETS=N sets another size.
set -eu
BUILD=${1:-build}
BEFORE=${2:-}
ASSETS=${ISMS_BENCH_ASSETS:-15000}
DIR="$BUILD/bench"
CSV="$DIR/assets-$ASSETS.csv"
TIME=/usr/bin/time
mkdir -p "$DIR"
for b in "$BUILD" $BEFORE; do
  [ -x "$b/isms" ] || { echo "register: $b/isms is missing; run make" >&2; exit 1; }
done
[ -s "$CSV" ] || awk -v n="$ASSETS" -f tests/bench/gen_assets.awk > "$CSV"

# measure ISMS OUT: builds the register with ISMS and writes one line per
# step to OUT: "seconds peak_kb label".
measure() {
  isms=$1; out=$2; db="$DIR/register-risks.db"
  rm -f "$db" "$db-wal" "$db-shm" "$db-journal"
  "$isms" init "$db" --methodology qism-fmea >/dev/null
  "$isms" --db "$db" import assets "$CSV" >/dev/null
  : > "$out"
  timed() {  # timed LABEL ARGS...: runs isms ARGS once
    label=$1; shift
    $TIME -f "%e %M" -o "$DIR/time.txt" "$isms" --db "$db" "$@" > "$DIR/out.txt"
    echo "$(cat "$DIR/time.txt") $label" >> "$out"
  }
  timed "risks generate generic" risks generate generic
  # Ratings: S, O and D from a hash of the risk's position; one risk in 50
  # stays unrated, one in 7 carries obligations.
  sqlite3 "$db" "
  UPDATE risks SET
    r1 = CASE WHEN x % 50 = 0 THEN NULL ELSE 1 + x % 10 END,
    r2 = 1 + (x / 10) % 10, r3 = 1 + (x / 100) % 10,
    obligations = CASE WHEN x % 7 = 0 THEN (x / 1000) % 8 ELSE 0 END
  FROM (SELECT ref AS k, (row_number() OVER (ORDER BY ref)) * 2654435761 % 1000003 AS x
        FROM risks) WHERE ref = k;"
  timed "risks score (first: every risk changes)" risks score
  timed "risks score (again: nothing changes)" risks score
  timed "assess" assess
  timed "whatif demo/qism-strict.lua" whatif demo/qism-strict.lua
  risks=$(sqlite3 "$db" "SELECT count(*) FROM risks")
  mb=$(du -m "$db" | cut -f1)
}

measure "$BUILD/isms" "$DIR/register-after.txt"
echo "register  $ASSETS assets, $risks risks, generic catalog, qism-fmea ($mb MB register)"
if [ -n "$BEFORE" ]; then
  measure "$BEFORE/isms" "$DIR/register-before.txt"
  awk 'NR == FNR { s[FNR] = $1; kb[FNR] = $2; next }
    { label = ""; for (i = 3; i <= NF; i++) label = label (i > 3 ? " " : "") $i
      printf "register  %-40s before %7.2f s %7.1f MB   after %7.2f s %7.1f MB   %5.1fx\n",
        label, s[FNR], kb[FNR] / 1024, $1, $2 / 1024, ($1 > 0 ? s[FNR] / $1 : 0) }' \
    "$DIR/register-before.txt" "$DIR/register-after.txt"
else
  awk '{ label = ""; for (i = 3; i <= NF; i++) label = label (i > 3 ? " " : "") $i
    printf "register  %-40s %7.2f s  %7.1f MB peak\n", label, $1, $2 / 1024 }' \
    "$DIR/register-after.txt"
fi
