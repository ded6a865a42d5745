#!/bin/sh
# Gap analysis of the demo organisation (issue #13): ISO/IEC 27001:2022 in
# the register, a baseline assessment credited from the centre's ISO 9001
# certificate, a few answers of the ISMS's own, the gaps in priority order
# and the readiness verdict (not ready yet: that is the point).
set -eu
: "${ISMS:?}" "${DB:?}"
echo "== isms requirements import iso27001-2022"
"$ISMS" --db "$DB" requirements import iso27001-2022 --reason "gap analysis (demo)"
echo
echo "== isms gap new --framework iso27001-2022"
A=$("$ISMS" --db "$DB" gap new --framework iso27001-2022 --assessor "Lead Implementer" \
  --date 2026-11-02 --title "Baseline before implementation" --scope "IC design centre")
echo "$A"
echo
echo "== isms gap credit $A --certified (the QMS is ISO 9001 certified, except design control)"
"$ISMS" --db "$DB" gap credit "$A" --certified --except 8.3
echo
echo "== isms gap answer (risk method and Annex A, from the workshop)"
"$ISMS" --db "$DB" gap answer "$A" "6.1.2 a) 1)" status=met maturity=3 \
  evidence="qism-fmea methodology" owner=CISO
"$ISMS" --db "$DB" gap answer "$A" "6.1.3 d)" status=not_met maturity=0 owner=CISO \
  remediation="issue the SoA" effort=5 due=2027-01-15
"$ISMS" --db "$DB" gap answer "$A" A.7.8 status=partially_met maturity=2 owner="Facilities" \
  remediation="shield the lab room" effort=20
"$ISMS" --db "$DB" gap answer "$A" A.5.1 status=not_applicable justification="demo: policy set kept by the group" || true
echo
echo "== isms gap $A --top 8"
"$ISMS" --db "$DB" gap "$A" --top 8
echo
echo "== isms readiness"
"$ISMS" --db "$DB" readiness || echo "(exit $?: not ready yet)"
