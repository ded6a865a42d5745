#!/bin/sh
# Runs every test: the C unit tests (TAP) and the busted specs (TAP), then
# prints one summary line "N passed, N failed" (CI reads it).
BUILD=${1:-build}
export ISMS_TEST_BUILD="$BUILD"
# Every row a bulk writer feeds the hash chain is checked against the row
# SQLite stored (core/chain.c, "feeds"): a difference fails the write.
export ISMS_CHAIN_STRICT=1
passed=0
failed=0
log=$(mktemp)
# the specs' scratch registers (tests/spec/helper.lua): gone after the run
ISMS_TEST_TMP=$(mktemp -d)
export ISMS_TEST_TMP
trap 'rm -f "$log"; rm -rf "$ISMS_TEST_TMP"' EXIT

count() {  # reads TAP from $log, adds to the totals
  p=$(grep -c '^ok ' "$log" || true)
  f=$(grep -c '^not ok ' "$log" || true)
  passed=$((passed + p))
  failed=$((failed + f))
}

c_test() {  # c_test LABEL COMMAND...: runs one C test, counts its TAP
  label=$1; shift
  echo "# $label"
  if ! "$@" >"$log" 2>&1; then
    grep -q '^not ok ' "$log" || echo "not ok - $label exited with an error" >>"$log"
  fi
  grep -E '^(not ok|#)' "$log" | head -40
  count
}

for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] && c_test "$t" "$t"
done

# The bulk kernels' baseline copy, which a machine with AVX2 never runs
# by itself (core/cpu.c): the same checks with AVX2 off.
t="$BUILD/tests/test_risk_score"
c_test "$t with ISMS_DISABLE_AVX2=1" env ISMS_DISABLE_AVX2=1 "$t"
t="$BUILD/tests/test_method"  # the stage kernels' baseline copy (core/method_stage.c)
c_test "$t with ISMS_DISABLE_AVX2=1" env ISMS_DISABLE_AVX2=1 "$t"

echo "# busted specs"
luajit /usr/bin/busted -o TAP >"$log" 2>&1
status=$?
grep -E '^not ok' -A8 "$log" | head -150
if [ $status -ne 0 ] && ! grep -q '^not ok ' "$log"; then
  cat "$log" | tail -30
  echo "not ok - busted failed to run" >>"$log"
fi
count

echo "# luacheck"
if luacheck -q lua tests/spec tests/bench rules scripts demo >"$log" 2>&1; then
  echo "ok - luacheck" >"$log"
else
  cat "$log" | tail -20
  echo "not ok - luacheck found problems" >"$log"
fi
count

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
