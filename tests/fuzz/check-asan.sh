#!/bin/sh
# make check-asan: runs the whole test suite (tests/run.sh) on the build
# made with AddressSanitizer and UBSan (BUILD, default build-asan).
#
# The C tests and the isms executable are linked with the sanitizers. The
# busted specs run under the system luajit, which is not: a luajit of the
# same name first in PATH starts it with the runtimes preloaded, loading
# the sanitized libisms (ISMS_LIB), and takes LD_PRELOAD out of its
# environment at once, so the programs a spec starts (sh, sqlite3,
# chromium, the fuzz harnesses) run as they are. Reports go to files in
# BUILD/san/ (a spec that checks a command's stderr still sees only the
# command's own words); any report there fails the run.
set -u
BUILD=${1:-build-asan}
san="$BUILD/san"
rm -rf "$san"
mkdir -p "$san" "$BUILD/san-bin"

real_luajit=$(command -v luajit)
asan=$(gcc -print-file-name=libasan.so)
ubsan=$(gcc -print-file-name=libubsan.so)
# LuaJIT's own allocator is not malloc, so the leak checker would not see
# the pointers to libisms objects it holds: no leak checks in luajit itself,
# the programs it starts get the checks back (ISMS_ASAN_OPTIONS).
cat >"$BUILD/san-bin/luajit" <<WRAP
#!/bin/sh
# luajit -b (save bytecode) takes its option first and runs no libisms.
case "\$1" in -b) exec "$real_luajit" "\$@" ;; esac
LD_PRELOAD="$asan:$ubsan" ASAN_OPTIONS="\$ISMS_ASAN_OPTIONS:detect_leaks=0" exec "$real_luajit" \\
  -e "local ffi = require 'ffi'
      ffi.cdef 'int unsetenv(const char *); int setenv(const char *, const char *, int);'
      ffi.C.unsetenv 'LD_PRELOAD'
      ffi.C.setenv('ASAN_OPTIONS', os.getenv 'ISMS_ASAN_OPTIONS', 1)" \\
  "\$@"
WRAP
chmod +x "$BUILD/san-bin/luajit"
export PATH="$PWD/$BUILD/san-bin:$PATH"
export ISMS_LIB="$PWD/$BUILD/libisms.so"
export ISMS_ASAN_OPTIONS="detect_leaks=1:log_path=$PWD/$san/asan:verify_asan_link_order=0"
export ASAN_OPTIONS="$ISMS_ASAN_OPTIONS"
# the rule sandbox's child runs 10-50 times slower under the sanitizers
export ISMS_RULE_TIME_MS=${ISMS_RULE_TIME_MS:-20000}
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$PWD/$san/ubsan"

sh tests/run.sh "$BUILD" | tee "$san/../check-asan.log"
status=$?
tail -1 "$san/../check-asan.log" | grep -q ' 0 failed$' || status=1
if [ -n "$(ls "$san")" ]; then
  echo "not ok - sanitizer reports in $san:"
  for f in "$san"/*; do echo "## $f"; head -30 "$f"; done
  status=1
else
  echo "ok - no sanitizer report"
fi
exit $status
