#!/bin/sh
# Demo part (scripts/demo.sh runs it with BUILD, ISMS, DB): the gap
# questionnaire as a workbook (issue #13 point 6). Exported with drop-down
# lists and locked id columns, filled in (here by a script, as a workshop
# would in Excel), read back all or nothing: a not-applicable answer
# without its justification is refused by its cell, then corrected.
set -eu
: "${ISMS:?}" "${DB:?}" "${BUILD:?}"
A=$("$ISMS" --db "$DB" assessments list --format csv | tail -n 1 | cut -d, -f1)
Q="$BUILD/demo-questionnaire.xlsx"
FILLED="$BUILD/demo-questionnaire-filled.xlsx"
echo "== isms gap export $A $Q"
"$ISMS" --db "$DB" gap export "$A" "$Q"
echo
echo "== filled in by the workshop (scripts/fill_questionnaire.lua), with one slip"
"$ISMS" --db "$DB" run scripts/fill_questionnaire.lua "$A" "$Q" "$FILLED" \
  "A.8.13|status=partially_met|maturity=2|owner=IT Operations|remediation=off-site copies" \
  "A.7.4|status=not_applicable"
"$ISMS" --db "$DB" gap import "$A" "$FILLED" --reason "workshop (demo)" \
  || echo "(refused whole, exit $?: nothing was stored)"
echo
echo "== corrected and read back"
"$ISMS" --db "$DB" run scripts/fill_questionnaire.lua "$A" "$Q" "$FILLED" \
  "A.8.13|status=partially_met|maturity=2|owner=IT Operations|remediation=off-site copies" \
  "A.7.4|status=not_applicable|justification=no monitored premises of our own"
"$ISMS" --db "$DB" gap import "$A" "$FILLED" --reason "workshop (demo)"
echo
