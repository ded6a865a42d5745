#!/bin/sh
# The methodology engine's part of make bench (issue #16): OWASP Risk
# Rating with its 16 factors on 3,000,000 risks (tests/bench/method_owasp.lua
# says the workload and the digest), scored and judged by the isms stage
# kernels (method_engine.lua), by a per-row LuaJIT function
# (method_perrow.lua) and by vectorised NumPy (method_numpy.py), in the same
# run; each times the fastest of several passes in-process (10, 3 for the
# slow per-row Lua), best of 3 processes (a shared machine is noisy); the
# digests must agree.
# Goal: >= 30x the per-row Lua path, >= 3x NumPy, peak memory under 1 GB.
# The tabulated methods (qism-fmea, 5x5) are timed by tests/bench/risks.sh
# in the same make bench, with their goals there.
#   sh tests/bench/area-method.sh [BUILD]      (ISMS_BENCH=method runs it alone)
set -eu
BUILD=${1:-build}
DIR="$BUILD/bench"
B=tests/bench
N=${ISMS_BENCH_METHOD_ROWS:-3000000}
PY=${ISMS_BENCH_PYTHON:-/usr/bin/python3}
export ISMS_LIB="$BUILD/libisms.so"
mkdir -p "$DIR"
failed=0

# best NAME CMD...: 3 runs; best_s = the fastest "seconds=", best_kb = its
# peak memory; digest = line 2, the same in every run
best() {
  name=$1; shift
  best_s=""; best_kb=""; digest=""
  for run in 1 2 3; do
    /usr/bin/time -f "%M" -o "$DIR/$name.kb" "$@" > "$DIR/$name.out"
    s=$(sed -n '1s/.*seconds=\([0-9.]*\).*/\1/p' "$DIR/$name.out")
    d=$(sed -n 2p "$DIR/$name.out")
    kb=$(tail -1 "$DIR/$name.kb")
    if [ -z "$digest" ]; then digest=$d
    elif [ "$d" != "$digest" ]; then echo "method    *** MISMATCH *** $name run $run"; failed=1; fi
    if [ -z "$best_s" ] || awk "BEGIN { exit !($s < $best_s) }"; then best_s=$s; best_kb=$kb; fi
  done
}

best engine luajit $B/method_engine.lua "$N"
eng_s=$best_s; eng_kb=$best_kb; eng_d=$digest
# the heat map's count of the same risks (line 3; the last run's fastest pass)
heat_s=$(sed -n '3s/.*seconds=\([0-9.]*\).*/\1/p' "$DIR/engine.out")
best perrow luajit $B/method_perrow.lua "$N"
lua_s=$best_s
[ "$digest" = "$eng_d" ] || { echo "method    *** MISMATCH *** isms-c and per-row Lua digests differ"; failed=1; }
np_s=""
if "$PY" -c 'import numpy' 2>/dev/null; then
  best numpy "$PY" $B/method_numpy.py "$N"
  np_s=$best_s
  [ "$digest" = "$eng_d" ] || { echo "method    *** MISMATCH *** isms-c and numpy digests differ"; failed=1; }
else
  echo "numpy     SKIPPED: $PY cannot import numpy (Debian: apt-get install python3-numpy)"
fi
awk -v e="$eng_s" -v l="$lua_s" -v np="$np_s" -v n="$N" -v kb="$eng_kb" 'BEGIN {
  line = sprintf("method    owasp-16   isms-c %.4f s (%.0fM risks/s)  per-row Lua %.3f s", e, n / e / 1e6, l)
  line = line sprintf(np == "" ? "  numpy n/a" : "  numpy %.3f s", np)
  line = line sprintf("  ratio vs Lua %.1fx (goal >= 30x)", l / e)
  line = line (np == "" ? "  vs numpy n/a (goal >= 3x)" : sprintf("  vs numpy %.1fx (goal >= 3x)", np / e))
  print line
  printf "method    owasp-16   isms-c peak memory %.0f MB for %d risks x 16 factors (goal < 1024 MB)\n", kb / 1024, n
}'
[ -n "$heat_s" ] && awk -v h="$heat_s" -v e="$eng_s" -v n="$N" 'BEGIN {
  printf "method    owasp-16   heat map impact x likelihood bands (isms_stages_cells) %.4f s (%.0fM risks/s), %.2fx the scoring pass\n", h, n / h / 1e6, h / e
}'
[ $failed = 0 ] && echo "method    digests: the engine, per-row Lua and NumPy agree ($eng_d)"

# The same method in a register (issue #16, second stage): OWASP's 16
# factors stored as r1..r4 and rx, generated from the generic catalog for
# ISMS_BENCH_METHOD_ASSETS assets (default 5,000: about 300,000 risks) and
# rated straight in SQLite (as tests/bench/register_risks.sh does); then
# tests/bench/method_register.lua reads the register into columns and
# scores, levels and judges every risk as `isms assess` does, against a
# per-row Lua function over the same columns. Goal: >= 30x.
RA=${ISMS_BENCH_METHOD_ASSETS:-5000}
RDB="$DIR/method-register.db"
RCSV="$BUILD/bench/assets-$RA.csv"
[ -s "$RCSV" ] || awk -v n="$RA" -f $B/gen_assets.awk > "$RCSV"
rm -f "$RDB" "$RDB-wal" "$RDB-shm" "$RDB-journal"
# the inventory's C, I and A are qism-fmea's labels: import under it, then switch
"$BUILD/isms" init "$RDB" --methodology qism-fmea >/dev/null
"$BUILD/isms" --db "$RDB" import assets "$RCSV" >/dev/null
"$BUILD/isms" init "$RDB" --methodology owasp-risk-rating >/dev/null
"$BUILD/isms" --db "$RDB" risks generate generic >/dev/null
# factor f of risk x: 1 + (x * 2654435761 + f * 2654404609) mod 2^32 / 2048 mod 10 (its
# position: values 0..9); the business factors (13..16) unknown (11) for one risk in 8
p() { echo "1 + ((x * 2654435761 + $1 * 2654404609) % 4294967296) / 2048 % 10"; }
u() { echo "CASE WHEN ((x * 2246822519) % 4294967296) / 8192 % 8 = 0 THEN 11 ELSE $(p "$1") END"; }
sqlite3 "$RDB" "UPDATE risks SET r1 = $(p 0), r2 = $(p 1), r3 = $(p 2), r4 = $(p 3),
  rx = CAST(char($(p 4), $(p 5), $(p 6), $(p 7), $(p 8), $(p 9), $(p 10), $(p 11),
                  $(u 12), $(u 13), $(u 14), $(u 15)) AS BLOB),
  obligations = (x * 31) % 8
  FROM (SELECT ref AS k, row_number() OVER (ORDER BY ref) AS x FROM risks) WHERE ref = k;"
best register luajit $B/method_register.lua "$RDB"
reg_line=$(sed -n 1p "$DIR/register.out")
if [ "$(sed -n 2p "$DIR/register.out")" != "$(sed -n 3p "$DIR/register.out")" ]; then
  echo "method    *** MISMATCH *** register: the engine and per-row Lua disagree"; failed=1
fi
echo "$reg_line" | awk -v kb="$best_kb" '{
  for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
  printf "method    register   owasp-16 over %d risks of a register: read %.3f s, scored %.4f s (isms-c)  per-row Lua %.3f s  ratio %.1fx (goal >= 30x), peak %.0f MB\n",
    v["risks"], v["read"], v["engine"], v["perrow"], v["perrow"] / v["engine"], kb / 1024
}'
[ $failed = 0 ] && echo "method    register   digests agree ($(sed -n 2p "$DIR/register.out"))"
exit $failed
