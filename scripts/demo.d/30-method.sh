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
echo "== a register under OWASP's 16 factors, and one scored on the asset's C, I, A"
OW=$(mktemp -d)
"$ISMS" init "$OW/owasp.db" --methodology owasp-risk-rating
printf 'id,name,type,c,i,a\nDB-1,Customer DB,information,5,2,3\n' > "$OW/assets.csv"
"$ISMS" --db "$OW/owasp.db" import assets "$OW/assets.csv"
"$ISMS" --db "$OW/owasp.db" risks generate generic
"$ISMS" --db "$OW/owasp.db" risks set DB-1/T-ABUSE-OF-RIGHTS/V-EXCESS-ACCESS skill=5 motive=2 \
  opportunity=7 size=1 discovery=3 exploit=6 awareness=9 detection=2 confidentiality=2 \
  integrity=1 availability=1 accountability=1 financial=1 reputation=2 compliance=1 privacy=5
"$ISMS" --db "$OW/owasp.db" assess --top 1
"$ISMS" init "$OW/annex-e.db" --methodology tests/fixtures/methods/iso27005-annex-e.lua
"$ISMS" --db "$OW/annex-e.db" import assets "$OW/assets.csv"
"$ISMS" --db "$OW/annex-e.db" risks generate tests/fixtures/catalogs/affects.lua
for t in T-LEAK T-TAMPER T-OUTAGE; do
  "$ISMS" --db "$OW/annex-e.db" risks set "DB-1/$t" threat=High ease=Medium
done
echo "-- the asset's C falls from 5 to 2: the disclosure risk falls with it"
printf 'id,name,type,c,i,a\nDB-1,Customer DB,information,2,2,3\n' > "$OW/assets.csv"
"$ISMS" --db "$OW/annex-e.db" import assets "$OW/assets.csv"
"$ISMS" --db "$OW/annex-e.db" assess --top 3 | tail -5
rm -rf "$OW"
echo
