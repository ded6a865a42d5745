#!/bin/sh
# The risk-scoring part of make bench (issue #3): 100,000 assets x 30
# threats = 3,000,000 risks generated, scored, evaluated for acceptance and
# the top 100 taken, under the QISM FMEA product and under a 5x5 matrix, by
# the isms engine (risks_engine.lua: libisms through the FFI), by a per-row
# LuaJIT function and by vectorised NumPy, in the same run, best of 3 each;
# every run's digest must be the same (tests/bench/risks-spec.md). Then the
# same 3M risks re-scored under another methodology.
# Goal: >= 30x the per-row Lua path, >= 3x NumPy, re-scoring well under 1 s.
#   sh tests/bench/risks.sh [BUILD]     (make bench runs it after run.sh's part)
set -eu
BUILD=${1:-build}
DIR="$BUILD/bench"
B=tests/bench
PY=${ISMS_BENCH_PYTHON:-/usr/bin/python3}  # Debian's, which has python3-numpy
export ISMS_LIB="$BUILD/libisms.so" RISKS_ENGINE_SO="$DIR/risks_engine.so"
mkdir -p "$DIR"
if [ ! -f "$RISKS_ENGINE_SO" ]; then
  echo "risks: $RISKS_ENGINE_SO is missing; run make bench" >&2
  exit 1
fi
numpy=yes
if ! "$PY" -c 'import numpy' 2>/dev/null; then
  numpy=no
  echo "numpy     SKIPPED: $PY cannot import numpy (Debian: apt-get install python3-numpy)"
fi

failed=0
mismatch() {
  echo "risks     *** MISMATCH *** $1" >&2
  echo "risks     *** MISMATCH *** $1"
  failed=1
}

# seconds LINE FILE: the unrounded seconds of line LINE of an output
# (risks / risks_per_s); LINE 0: the fastest of lines 3, 7, 11, ... (re-scores).
seconds() {
  awk -v line="$1" '(line > 0 ? NR == line : NR % 4 == 3) {
      for (i = 1; i <= NF; i++) { split($i, kv, "=");
        if (kv[1] == "risks") n = kv[2]; if (kv[1] == "risks_per_s") r = kv[2] }
      if (best == "" || n / r < best) best = n / r }
    END { printf "%.9f", best }' "$2"
}

# best NAME CMD...: runs CMD 3 times; sets best_s (the fastest run's
# seconds), risks and digest (the same in every run, or a MISMATCH is
# reported).
# Every run's output is kept in $DIR/NAME.out (3 runs one after the other).
best() {
  name=$1; shift
  best_s=""; digest=""
  : > "$DIR/$name.out"
  for run in 1 2 3; do
    "$@" > "$DIR/$name.run"
    cat "$DIR/$name.run" >> "$DIR/$name.out"
    s=$(seconds 1 "$DIR/$name.run")
    d=$(sed -n 2p "$DIR/$name.run")
    risks=$(sed -n '1s/.* risks=\([0-9]*\).*/\1/p' "$DIR/$name.run")
    if [ -z "$digest" ]; then digest=$d; elif [ "$d" != "$digest" ]; then mismatch "$name: run $run"; fi
    if [ -z "$best_s" ] || awk "BEGIN { exit !($s < $best_s) }"; then best_s=$s; fi
  done
}

for spec in qism 5x5; do
  case $spec in qism) label=qism-fmea ;; *) label=5x5-matrix ;; esac
  rescore=""
  [ "$spec" = qism ] && rescore="--rescore $B/risks-qism-alt.json"
  # shellcheck disable=SC2086
  best "engine-$spec" luajit $B/risks_engine.lua "$B/risks-$spec.json" $rescore
  eng_s=$best_s; eng_d=$digest
  best "perrow-$spec" luajit $B/risks_perrow.lua "$B/risks-$spec.json"
  lua_s=$best_s
  [ "$digest" = "$eng_d" ] || mismatch "$label: isms-c and per-row Lua digests differ"
  np_s=""
  if [ $numpy = yes ]; then
    best "numpy-$spec" "$PY" $B/risks_numpy.py "$B/risks-$spec.json"
    np_s=$best_s
    [ "$digest" = "$eng_d" ] || mismatch "$label: isms-c and numpy digests differ"
  fi
  awk -v label="$label" -v e="$eng_s" -v l="$lua_s" -v np="$np_s" -v n="$risks" 'BEGIN {
    line = sprintf("risks     %-10s isms-c %.4f s (%.0fM risks/s)  per-row Lua %.3f s", label, e,
                   n / e / 1e6, l)
    line = line sprintf(np == "" ? "  numpy n/a" : "  numpy %.3f s", np)
    line = line sprintf("  ratio vs Lua %.1fx (goal >= 30x)", l / e)
    line = line (np == "" ? "  vs numpy n/a (goal >= 3x)" : sprintf("  vs numpy %.1fx (goal >= 3x)", np / e))
    print line
  }'

  if [ -n "$rescore" ]; then
    # lines 3 and 4 of each run: the re-score time and digest; best of 3
    rs=$(seconds 0 "$DIR/engine-$spec.out")
    want=$(luajit $B/risks_perrow.lua $B/risks-qism-alt.json | sed -n 2p)
    for d in $(awk 'NR % 4 == 0 { print NR }' "$DIR/engine-$spec.out"); do
      [ "$(sed -n "${d}p" "$DIR/engine-$spec.out")" = "$want" ] ||
        mismatch "re-score: isms-c and per-row Lua digests differ under risks-qism-alt.json"
    done
    awk -v s="$rs" -v n="$risks" 'BEGIN {
      printf "risks     re-score   isms-c %.4f s (%.0fM risks/s)  the same %.0fM risks (columns in memory) under risks-qism-alt.json: a new scorer, 5 levels, 4 rules (goal: well under 1 s)\n", s, n / s / 1e6, n / 1e6
    }'
  fi
done

# The baseline copies (SSE2 generator, libisms's baseline kernels), which
# an AVX2 machine never runs by itself: untimed, the same digests.
for spec in qism 5x5; do
  want=$(sed -n 2p "$DIR/engine-$spec.out")
  got=$(ISMS_DISABLE_AVX2=1 luajit $B/risks_engine.lua "$B/risks-$spec.json" | sed -n 2p)
  [ "$got" = "$want" ] || mismatch "$spec: with ISMS_DISABLE_AVX2=1 the digest differs"
done

if [ "${ISMS_BENCH_UNFUSED:-}" = 1 ]; then  # for comparison: the separate kernels
  for spec in qism 5x5; do
    best "unfused-$spec" luajit $B/risks_engine.lua "$B/risks-$spec.json" --unfused
    awk -v s="$best_s" -v spec="$spec" 'BEGIN {
      printf "risks     %-10s isms-c unfused (score, accept, order over whole columns) %.3f s\n", spec, s }'
  done
fi

if [ $failed = 0 ]; then
  echo "risks     digests: every run of every implementation agrees (spec: tests/bench/risks-spec.md)"
fi
exit $failed
