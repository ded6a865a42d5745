#!/bin/sh
# make demo: builds a register from the bundled inventory of an IC design
# centre, values it with the qism-fmea methodology, generates its risks from
# the generic threat catalog, rates a workshop's worth of them, walks the
# assessment (guideline 6.2 a-j) and asks what a stricter method would change.
set -eu
BUILD=${1:-build}
ISMS="$BUILD/isms"
DB="$BUILD/demo.db"
CSV=demo/ic-design-centre-assets.csv
RATINGS=demo/ic-design-centre-risk-ratings.csv

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
echo
echo "== isms risks generate generic"
"$ISMS" --db "$DB" risks generate generic --reason "risk identification (demo)"
echo
echo "== isms risks import $RATINGS"
"$ISMS" --db "$DB" risks import "$RATINGS" --reason "rating workshop (demo)"
echo
echo "== isms assess --top 10"
"$ISMS" --db "$DB" assess --top 10
echo
echo "== isms whatif demo/qism-strict.lua"
"$ISMS" --db "$DB" whatif demo/qism-strict.lua --limit 10
