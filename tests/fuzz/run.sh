#!/bin/sh
# Runs the libFuzzer harnesses (make fuzz): each for SECONDS from its
# corpus in BUILD/fuzz/corpus/NAME (kept between runs), its seeds from
# tests/fixtures/ and its regression inputs tests/fixtures/fuzz/NAME/.
# A crash, leak, timeout or out-of-memory input is copied into
# tests/fixtures/fuzz/NAME/, so it is replayed by every later run (and by
# the slice in make test) until fixed; commit it with the fix.
#   sh tests/fuzz/run.sh BUILD SECONDS [NAME...]
# (without NAMEs, the Lua importers' mutation run, catalog_mutate.lua, too)
set -u
BUILD=${1:-build}
SECONDS_EACH=${2:-60}
shift 2 2>/dev/null || shift $#
NAMES=${*:-"csv_import csv_reader rules xlsx yaml"}

seeds() {  # the seed directories of a harness
  case $1 in
    csv_import) echo tests/fixtures/csv/assets ;;
    csv_reader) echo tests/fixtures/csv/assets tests/fixtures/csv/risks ;;
    rules) echo tests/fixtures/rules/good tests/fixtures/rules/hostile rules/methodologies ;;
    xlsx) echo tests/fixtures/xlsx ;;
    yaml) echo tests/fixtures/yaml tests/fixtures/methods ;;
  esac
}

# Leaks are checked; the rule harness's sandbox child exits through _exit,
# and inputs that time out are the sandbox's business (its own limits).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

status=0
for name in $NAMES; do
  bin="$BUILD/fuzz/fuzz_$name"
  corpus="$BUILD/fuzz/corpus/$name"
  art="$BUILD/fuzz/artifacts/$name"
  regress="tests/fixtures/fuzz/$name"
  mkdir -p "$corpus" "$art" "$regress"
  log="$BUILD/fuzz/$name.log"
  echo "# fuzz $name: $SECONDS_EACH s"
  # shellcheck disable=SC2046
  "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$art/" "$corpus" "$regress" $(seeds "$name") \
    >"$log" 2>&1
  rc=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+.*(DONE|INITED))' "$log" \
    | sed "s/^/#   /"
  echo "#   corpus: $(ls "$corpus" | wc -l) inputs"
  found=$(ls "$art" 2>/dev/null)
  if [ $rc -ne 0 ] || [ -n "$found" ]; then
    status=1
    for f in $found; do
      cp "$art/$f" "$regress/$f" && echo "#   new regression input: $regress/$f"
      rm -f "$art/$f"
    done
    grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -20
    echo "not ok - fuzz $name (log: $log)"
  else
    echo "ok - fuzz $name"
  fi
done
# The importers behind the YAML and JSON readers are Lua, which libFuzzer
# cannot guide: a structure-aware mutation run of their own (needs the
# shared external frameworks; ISMS_SHARED, default ../shared).
if [ -z "$*" ]; then
  echo "# fuzz catalog (Lua importers of frameworks and mapping sets): $SECONDS_EACH s"
  if LUA_PATH="lua/?.lua;lua/?/init.lua;;" luajit tests/fuzz/catalog_mutate.lua "$SECONDS_EACH" \
      >"$BUILD/fuzz/catalog.log" 2>&1; then
    sed "s/^/#   /" "$BUILD/fuzz/catalog.log"
    echo "ok - fuzz catalog"
  else
    status=1
    sed "s/^/#   /" "$BUILD/fuzz/catalog.log" | head -40
    echo "not ok - fuzz catalog (log: $BUILD/fuzz/catalog.log)"
  fi
fi
exit $status
