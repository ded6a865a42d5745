# Demo part of the methodology engine (issue #16): explain the most urgent
# risk and an asset's value step by step, its score after a planned
# change, and the shipped OWASP and CVSS methods, which score through
# stages over columns (env: BUILD, ISMS, DB).
set -eu
echo "== isms risks explain: the most urgent risk, step by step, and its target after O=1"
REF=$("$ISMS" --db "$DB" assess --top 1 --format csv | sed -n 2p | cut -d, -f2)
"$ISMS" --db "$DB" risks explain "$REF" --target O=1
echo
echo "== isms value --explain IC-INF-014"
"$ISMS" --db "$DB" value --explain IC-INF-014
echo
echo "== isms methodology check owasp-risk-rating / cvss-3.1-base (how their scores run)"
"$ISMS" methodology check owasp-risk-rating
"$ISMS" methodology check cvss-3.1-base
echo
