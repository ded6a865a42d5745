#!/bin/sh
# The quantitative part of make bench (issue #17): models A and B of the
# issue, 1,000 risks x 100,000 simulated years, by libisms
# (quant_models.lua through the FFI, all cores) and by vectorised NumPy
# (quant_numpy.py), in the same run, best of 3 each. Prints the ratio of
# wall-clock times (the goal: A >= 10x NumPy, B >= 4x), the ratio of CPU
# seconds (the work, whatever else the machine is doing), peak memory (goal
# < 200 MB: the engine streams the years, it never holds risks x years),
# and how far each portfolio mean is from the exact E[S] in standard errors
# (goal < 4).
#   sh tests/bench/area-quant.sh [BUILD]    (ISMS_BENCH=quant make bench)
# ISMS_QUANT_RISKS and ISMS_QUANT_YEARS change the size.
set -eu
BUILD=${1:-build}
DIR="$BUILD/bench"
N=${ISMS_QUANT_RISKS:-1000}
YEARS=${ISMS_QUANT_YEARS:-100000}
PY=${ISMS_BENCH_PYTHON:-/usr/bin/python3}  # Debian's, which has python3-numpy
mkdir -p "$DIR"
numpy=yes
if ! "$PY" -c 'import numpy' 2>/dev/null; then
  numpy=no
  echo "quant     NumPy SKIPPED: $PY cannot import numpy (Debian: apt-get install python3-numpy)"
fi

# best LABEL COMMAND...: the fastest of 3 runs by wall clock, as
# "OUTPUT_LINE wall_s cpu_s peak_kb" (the output line: quant_models.lua's).
best() {
  label=$1; shift
  best_line=""; best_s=""
  for run in 1 2 3; do
    /usr/bin/time -f "%e %U %S %M" -o "$DIR/quant-time.txt" "$@" > "$DIR/quant-out.txt"
    read -r s u sy kb < "$DIR/quant-time.txt"
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then
      best_s=$s
      best_line="$(cat "$DIR/quant-out.txt") $s $(awk "BEGIN{print $u + $sy}") $kb"
    fi
  done
  echo "$best_line"
}

failed=0
for model in A B; do
  isms=$(best isms "$BUILD/isms" run tests/bench/quant_models.lua "$model" "$N" "$YEARS")
  if [ "$numpy" = yes ]; then
    np=$(best numpy "$PY" tests/bench/quant_numpy.py "$model" "$N" "$YEARS")
  else
    np=""
  fi
  goal=10; [ "$model" = B ] && goal=4
  echo "$isms|$np" | awk -F'|' -v goal="$goal" -v name="$model" '
    function money(x,   s, out) { s = sprintf("%.0f", x); out = "";
      while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
      return s out }
    {
      split($1, a, " ")  # model n years sim_s mean sd se exact wall cpu kb
      z = (a[5] - a[8]) / a[7]; if (z < 0) z = -z
      printf "quant     model %s, %d risks x %d years: isms %.2f s wall (%.2f s simulating), %.2f s CPU, %.0f MB peak\n", name, a[2], a[3], a[9], a[4], a[10], a[11] / 1024
      printf "quant     model %s: mean %s vs exact E[S] %s: %.2f standard errors (goal < 4)%s\n", name, money(a[5]), money(a[8]), z, z < 4 ? "" : "  *** OFF ***"
      if ($2 != "") {
        split($2, b, " ")
        zb = (b[5] - b[8]) / b[7]; if (zb < 0) zb = -zb
        printf "numpy     model %s: %.2f s wall, %.2f s CPU, %.0f MB peak; mean within %.2f standard errors\n", name, b[9], b[10], b[11] / 1024, zb
        printf "ratio     model %s: isms is %.1fx the speed of NumPy (goal >= %dx); %.1fx in CPU seconds\n", name, b[9] / a[9], goal, b[10] / a[10]
      }
      printf "memory    model %s: isms peak %.0f MB (goal < 200 MB)\n", name, a[11] / 1024
      exit (z < 4 && a[11] / 1024 < 200) ? 0 : 1
    }' || failed=1
done
exit $failed
