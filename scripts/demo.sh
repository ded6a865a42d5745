#!/bin/sh
# make demo: builds a register from the bundled inventory of an IC design
# centre, values it with the qism-fmea methodology and prints the classes.
set -eu
BUILD=${1:-build}
ISMS="$BUILD/isms"
DB="$BUILD/demo.db"
CSV=demo/ic-design-centre-assets.csv

rm -f "$DB" "$DB-wal" "$DB-shm"
echo "== isms init $DB --methodology qism-fmea"
"$ISMS" init "$DB" --methodology qism-fmea
echo
echo "== isms import assets $CSV"
"$ISMS" --db "$DB" import assets "$CSV" --reason "initial inventory (demo)"
echo
echo "== isms value"
"$ISMS" --db "$DB" value --reason "qism-fmea valuation (demo)"
echo
echo "== isms methodology show"
"$ISMS" --db "$DB" methodology show | sed -n '/^asset value/,$p'
echo
echo "== isms assets (class table)"
"$ISMS" --db "$DB" assets
