#!/bin/sh
# Start-up (issue #18) in make bench: a cold `isms assess` -- a new
# process: start, load the package, open the register, load the
# methodology, read and score the risks, print -- on the demo register
# (scripts/demo.sh's inventory and workshop ratings: 54 assets, 3,818
# risks), median of 20 runs. Goal: under 20 ms. Measured in the same run:
# a bare luajit start and the sqlite3 shell counting the register's risks
# (a process that starts and opens the same file), and `isms --version`
# (the executable and its package, no command).
# Wall time counts waiting for a CPU when the machine is shared; cpu (user
# + system, the methodology sandbox's child included) does not.
set -eu
BUILD=${1:-build}
ISMS="$BUILD/isms"
DIR="$BUILD/bench"
DB="$DIR/startup-demo.db"
RUNS=${ISMS_BENCH_RUNS:-20}
mkdir -p "$DIR"
[ -x "$ISMS" ] || { echo "startup: $ISMS is missing; run make" >&2; exit 1; }

# The demo register as `make demo` has it when it runs `isms assess`.
rm -f "$DB" "$DB-wal" "$DB-shm"
"$ISMS" init "$DB" --methodology qism-fmea >/dev/null
"$ISMS" --db "$DB" import assets demo/ic-design-centre-assets.csv >/dev/null
"$ISMS" --db "$DB" value >/dev/null
"$ISMS" --db "$DB" risks generate generic >/dev/null
"$ISMS" --db "$DB" risks import demo/ic-design-centre-risk-ratings.csv >/dev/null

t() { luajit tests/bench/startup_time.lua "$RUNS" "$@"; }   # median wall, median cpu, min wall
bare=$(t luajit -e "")
sq=$(t sqlite3 "$DB" "SELECT count(*) FROM risks")
version=$(t "$ISMS" --version)
assess=$(t "$ISMS" --db "$DB" assess)
assess_src=$(t env ISMS_NO_BYTECODE=1 "$ISMS" --db "$DB" assess)
load=$(cut -d' ' -f1 /proc/loadavg)
rm -f "$DB" "$DB-wal" "$DB-shm"

echo "startup   median of $RUNS runs (ms); load average $load"
awk -v b="$bare" -v s="$sq" -v v="$version" -v a="$assess" -v n="$assess_src" 'BEGIN {
  split(b, B, " "); split(s, S, " "); split(v, V, " "); split(a, A, " "); split(n, N, " ")
  printf "baseline  luajit -e \"\" (a bare start)                wall %6.1f  cpu %6.1f\n", B[1], B[2]
  printf "baseline  sqlite3 DB \"SELECT count(*) FROM risks\"   wall %6.1f  cpu %6.1f\n", S[1], S[2]
  printf "isms      --version (start-up, no command)           wall %6.1f  cpu %6.1f\n", V[1], V[2]
  printf "isms      assess, sources (ISMS_NO_BYTECODE=1)       wall %6.1f  cpu %6.1f\n", N[1], N[2]
  printf "isms      assess on the demo register (cold start)   wall %6.1f  cpu %6.1f  fastest %.1f  %.1fx sqlite3  goal < 20 ms\n", A[1], A[2], A[3], A[1] / S[1]
}'
