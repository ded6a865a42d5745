#!/bin/sh
# Roadmaps (issue #15): the case study's 24-step QISM roadmap as a run in
# the demo register, where the register has already done some steps (the
# gap assessment, the methodology; risks are rated in part); the
# rest recorded by hand with evidence; the status, the schedule with its
# Gantt chart (text and HTML), what a delay does, and the certification
# cycle with its dates computed from the ones recorded.
set -eu
: "${ISMS:?}" "${DB:?}" "${BUILD:?}"
TODAY=2027-02-15

echo "== isms roadmap list"
"$ISMS" --db "$DB" roadmap list
echo
echo "== isms roadmap start qism-24 (started 2026-09-01, target 2027-09-30)"
"$ISMS" --db "$DB" roadmap start qism-24 --start 2026-09-01 --target 2027-09-30 \
  --title "QISM roll-out, IC design centre" --reason "ISMS project approved (demo)"
for d in 2:2026-09-18 3:2026-09-24 4:2026-09-29 5:2026-10-02 6:2026-10-23 \
         7:2026-10-16 8:2026-11-06 9:2026-11-13 11:2026-11-27 12:2026-12-04 13:2026-12-18; do
  "$ISMS" --db "$DB" roadmap complete "${d%%:*}" --date "${d#*:}" \
    --evidence "minutes and records of step ${d%%:*} (demo)" >/dev/null
done
"$ISMS" --db "$DB" roadmap complete 14 --begin --date 2027-01-11 >/dev/null
echo
echo "== isms roadmap status --today $TODAY (records the steps the register shows done)"
"$ISMS" --db "$DB" roadmap status --today "$TODAY"
echo
echo "== isms roadmap schedule --today $TODAY (text Gantt; HTML in $BUILD/demo-roadmap.html)"
"$ISMS" --db "$DB" roadmap schedule --today "$TODAY" | sed -n '/^id  /,$p'
"$ISMS" --db "$DB" roadmap schedule --today "$TODAY" --format html --out "$BUILD/demo-roadmap.html"
echo
echo "== isms roadmap whatif 16 --delay 20 (the implementation slips four weeks)"
"$ISMS" --db "$DB" roadmap whatif 16 --delay 20 --today "$TODAY" | sed -n '1,4p'
echo
echo "== the certification cycle: stage 2 ends on 29 February, the first surveillance comes late"
CERT=$("$ISMS" --db "$DB" roadmap start certification --start 2027-10-01 --id CERT-2028)
"$ISMS" --db "$DB" roadmap complete "$CERT" pre-assessment --skip >/dev/null
"$ISMS" --db "$DB" roadmap complete "$CERT" stage-2-actions --skip >/dev/null
for d in readiness:2027-10-08 application:2027-11-05 stage-1:2027-12-03 \
         stage-1-actions:2028-01-28 stage-2:2028-02-29 approval:2028-04-14 \
         certificate:2028-04-20 surveillance-1:2029-03-15; do
  "$ISMS" --db "$DB" roadmap complete "$CERT" "${d%%:*}" --date "${d#*:}" \
    --evidence "${d%%:*} record (demo)" --override "recorded from the CB's letters" >/dev/null
done
"$ISMS" --db "$DB" roadmap status "$CERT" --today 2029-03-20 --no-record \
  | sed -n '/^step /,/^$/p'
