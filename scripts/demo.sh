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
echo
# Treatment (guideline 6.3): the three most urgent risks of the workshop.
EMP=IC-PHY-002/T-EM-PULSE/V-NO-SHIELDING
FLOOD=IC-INF-014/T-FLOOD/V-NO-OFFSITE-BACKUP
POLL=IC-PPL-001/T-POLLUTION/V-ENV-SENSITIVE
echo "== isms treat (modify, modify, retain with a management override)"
"$ISMS" --db "$DB" treat "$EMP" modify --controls A.7.8,A.7.11 --residual S=9,O=1,D=3 \
  --rationale "shielded lab room"
"$ISMS" --db "$DB" treat "$FLOOD" modify --controls A.8.13,A.5.30 --residual S=7,O=3,D=5 \
  --rationale "off-site backup and ICT continuity"
"$ISMS" --db "$DB" treat "$POLL" retain --override-by "Managing Director" \
  --override-reason "clean-room relocation budgeted for 2027"
echo
echo "== isms accept (residual risk: top management and the risk owner)"
"$ISMS" --db "$DB" accept "$EMP" --role management --who "Managing Director" \
  --rationale "shielding funded in the 2026 budget"
echo
echo "== isms rtp add / delay"
"$ISMS" --db "$DB" rtp add --risk "$EMP" --control A.7.8 --title "Build the shielded lab room" \
  --owner Facilities --due 2026-10-01
"$ISMS" --db "$DB" rtp add --risk "$FLOOD" --control A.8.13 --title "Nightly off-site backup" \
  --owner "IT Operations" --due 2026-12-15
"$ISMS" --db "$DB" rtp delay RTP-0001 --to 2027-01-31 --why "contractor unavailable" \
  --approved-by CISO
echo
echo "== a first SoA from the treatments (scripts/soa_from_treatments.lua), then isms soa check"
"$ISMS" --db "$DB" run scripts/soa_from_treatments.lua "no risk, law or contract calls for it (demo)"
"$ISMS" --db "$DB" soa check
"$ISMS" --db "$DB" soa issue --approved-by "Managing Director" --note "first issue (demo)"
echo
echo "== isms rtp --today 2027-02-15"
"$ISMS" --db "$DB" rtp --today 2027-02-15 | sed -n '1,24p'
echo
# The rest of the ISMS cycle, one part per area (scripts/demo.d/NN-area.sh,
# run in name order with the same BUILD, ISMS and DB), before the report.
for part in scripts/demo.d/*.sh; do
  [ -e "$part" ] || continue
  BUILD="$BUILD" ISMS="$ISMS" DB="$DB" sh "$part"
done
echo "== isms report (HTML with heat maps and the roadmaps' Gantt charts; XLSX report; --full: every register)"
"$ISMS" --db "$DB" report --format html --out "$BUILD/demo-report.html" --today 2027-02-15
"$ISMS" --db "$DB" report --format xlsx --out "$BUILD/demo-report.xlsx" --today 2027-02-15
"$ISMS" --db "$DB" report --full --format xlsx --out "$BUILD/demo-register.xlsx" --today 2027-02-15
echo "wrote $BUILD/demo-report.html, $BUILD/demo-report.xlsx and $BUILD/demo-register.xlsx"
