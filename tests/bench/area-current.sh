#!/bin/sh
# Keeping the register current (issue #21), in make bench: `isms stale`
# over 3,000,000 risks (1,000,000 assets x 3 threats of 30) with 100,000
# incidents and 10,000 suppliers, and the statistics of the incidents;
# the incident figures of the measurement programme and the incident
# history of the ten risks a list shows (tests/bench/current_figures.lua).
# Goals: stale under 500 ms, incident statistics under 100 ms.
#
# The register is built straight in SQLite (the bench is not about
# writing it; kept in build/bench/current-N.db): every risk rated and
# scored as qism-fmea does, all in one batch of 2026-07-01; then the
# history stale is computed from -- 10,000 assets re-valued (batch of
# 2026-09-01), 100,000 incidents each on one asset and one of its
# threats (2026-10-01), 10,000 suppliers holding 100,000 outsourced
# assets with contracts and certificates (2026-10-15), and the risks of
# every tenth asset re-rated since (2026-11-15). On 2026-12-07 that
# leaves the risks of the re-valued assets and those the incidents
# touched stale, less the re-rated ones; a year later every risk's
# review is due as well.
#
# Baselines in the same run: the sqlite3 shell counting the risks (one
# pass over the risk table: what any per-risk computation costs at
# least) and counting the incidents per severity (one pass over them).
#   sh tests/bench/area-current.sh [BUILD]  (ISMS_BENCH=current: only this part)
set -eu
BUILD=${1:-build}
ASSETS=${ISMS_BENCH_ASSETS:-1000000}
INCIDENTS=${ISMS_BENCH_INCIDENTS:-100000}
SUPPLIERS=${ISMS_BENCH_SUPPLIERS:-10000}
DIR="$BUILD/bench"
DB="$DIR/current-$ASSETS.db"
ISMS="$BUILD/isms"
mkdir -p "$DIR"
[ -x "$ISMS" ] || { echo "current: $ISMS is missing; run make" >&2; exit 1; }

# The register is built again when the schema it was built with is not this isms's.
schema() {
  sqlite3 "$1" "SELECT group_concat(name || ':' || sql, ';') FROM (SELECT name, sql FROM sqlite_master
    WHERE name NOT LIKE 'sqlite_%' AND sql IS NOT NULL ORDER BY name)" 2>/dev/null | cksum
}
rm -f "$DIR/current-schema.db"
"$ISMS" init "$DIR/current-schema.db" >/dev/null
if [ ! -s "$DB" ] || [ "$(schema "$DB")" != "$(schema "$DIR/current-schema.db")" ]; then
  rm -f "$DB" "$DB-wal" "$DB-shm"
  echo "current   building the register: $ASSETS assets, $((ASSETS * 3)) risks, $INCIDENTS" \
    "incidents, $SUPPLIERS suppliers (once; kept in $DB)"
  "$ISMS" init "$DB" --methodology qism-fmea >/dev/null
  # The risks' indexes and triggers, dropped for the bulk insert and made again after it.
  sqlite3 "$DB" "SELECT sql || ';' FROM sqlite_master WHERE tbl_name = 'risks' AND
    type IN ('index', 'trigger') AND sql IS NOT NULL" > "$DIR/current-risks-schema.sql"
  drops=$(sqlite3 "$DB" "SELECT 'DROP ' || upper(type) || ' ' || name || ';' FROM sqlite_master
    WHERE tbl_name = 'risks' AND type IN ('index', 'trigger') AND sql IS NOT NULL")
  sqlite3 "$DB" >/dev/null <<EOF
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
BEGIN;
$drops
INSERT INTO change_batches(id, at, actor, command, reason, created) VALUES
  (1000000, '2026-07-01T00:00:00Z', 'bench', 'import', 'bench register', $ASSETS),
  (1000001, '2026-09-01T00:00:00Z', 'bench', 'value', 'bench re-valuation', 0),
  (1000002, '2026-10-01T00:00:00Z', 'bench', 'import incidents', 'bench incidents', $INCIDENTS),
  (1000003, '2026-10-15T00:00:00Z', 'bench', 'import suppliers', 'bench suppliers', $SUPPLIERS),
  (1000004, '2026-11-15T00:00:00Z', 'bench', 'risks put', 'bench re-rating', 0);
INSERT INTO threats(id, class, title, catalog)
  WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < 29)
  SELECT printf('T-BENCH-%02d', k), 'bench', 'Bench threat ' || k, 'bench' FROM n;
INSERT INTO assets(id, name, type, c, i, a, value, class, created_batch)
  WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < $ASSETS - 1)
  SELECT printf('AST-%07d', k), 'Asset ' || k, 1 + k % 6, 1 + k % 4, 1 + (k / 4) % 3,
         1 + (k / 12) % 3, (1 + k % 4) * (1 + (k / 4) % 3) * (1 + (k / 12) % 3),
         CASE WHEN (1 + k % 4) * (1 + (k / 4) % 3) * (1 + (k / 12) % 3) >= 18 THEN 'A'
              WHEN (1 + k % 4) * (1 + (k / 4) % 3) * (1 + (k / 12) % 3) >= 8 THEN 'B' ELSE 'C' END,
         1000000 FROM n;
INSERT INTO risks(ref, asset, threat, category, r1, r2, r3, score, level, level_rank, acceptable,
                  created_batch, assessed_batch)
  WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < $ASSETS * 3 - 1),
  h AS (SELECT k, (k * 2654435761) % 1000003 AS h, printf('AST-%07d', k / 3) AS asset,
               printf('T-BENCH-%02d', ((k / 3) * 7 + (k % 3) * 11) % 30) AS threat FROM n)
  SELECT asset || '/' || threat, asset, threat, 'operational',
         1 + h % 10, 1 + (h / 10) % 10, 1 + (h / 100) % 10,
         (1 + h % 10) * (1 + (h / 10) % 10) * (1 + (h / 100) % 10) * 1000000, NULL, NULL, NULL,
         1000000, 1000000
  FROM h;
UPDATE risks SET level_rank = CASE WHEN score < 100000000 THEN 1 WHEN score < 200000000 THEN 2 ELSE 3 END;
UPDATE risks SET level = CASE level_rank WHEN 1 THEN 'Low' WHEN 2 THEN 'Medium' ELSE 'High' END,
                 acceptable = CASE WHEN level_rank <= 2 THEN 1 ELSE 0 END;
-- 2026-09-01: one asset in a hundred re-valued
INSERT INTO change_log(batch, entity, entity_id, action, field, old, new)
  SELECT 1000001, 'asset', id, 'update', 'value', value, value + 1 FROM assets
  WHERE CAST(substr(id, 5) AS INTEGER) % 100 = 0;
-- 2026-10-01: incidents, each on one asset and one of its three threats
CREATE TEMP TABLE inc(x INTEGER PRIMARY KEY, id TEXT, asset TEXT, threat TEXT, detected TEXT);
INSERT INTO inc(x, id, asset, threat, detected)
  WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < $INCIDENTS - 1)
  SELECT k, printf('INC-%06d', k), printf('AST-%07d', (k * 7919) % $ASSETS),
         printf('T-BENCH-%02d', (((k * 7919) % $ASSETS) * 7 + (k % 3) * 11) % 30),
         date('2025-10-01', '+' || (k % 365) || ' days') || 'T' || printf('%02d:%02d', k % 24, k % 60)
  FROM n;
INSERT INTO incidents(id, title, detected, reported, contained, closed, category, severity, lessons)
  SELECT id, 'Bench incident ' || x, detected,
         strftime('%Y-%m-%dT%H:%M', detected, '+' || (x % 5) || ' minutes'),
         strftime('%Y-%m-%dT%H:%M', detected, '+' || (1 + x % 48) || ' hours'),
         CASE WHEN x % 5 <> 0 THEN strftime('%Y-%m-%dT%H:%M', detected, '+' || (49 + x % 240) || ' hours') END,
         CASE x % 10 WHEN 0 THEN 'malware' WHEN 1 THEN 'phishing' WHEN 2 THEN 'unauthorised_access'
           WHEN 3 THEN 'data_leak' WHEN 4 THEN 'loss_or_theft' WHEN 5 THEN 'denial_of_service'
           WHEN 6 THEN 'misconfiguration' WHEN 7 THEN 'physical' WHEN 8 THEN 'supplier' ELSE 'other' END,
         CASE x % 4 WHEN 0 THEN 'low' WHEN 1 THEN 'medium' WHEN 2 THEN 'high' ELSE 'critical' END,
         CASE WHEN x % 5 <> 0 THEN 'bench' END
  FROM inc;
INSERT INTO record_links(kind, id, rel, target)
  SELECT 'incident', id, 'assets', asset FROM inc UNION ALL
  SELECT 'incident', id, 'threats', threat FROM inc;
-- the schema's trigger dates each link by the newest batch; these were made in 1000002
UPDATE incident_touches SET batch = 1000002;
INSERT INTO change_log(batch, entity, entity_id, action)
  SELECT 1000002, 'incident', id, 'create' FROM inc UNION ALL
  SELECT 1000002, 'link', 'incident / ' || id || ' / assets / ' || asset, 'create' FROM inc UNION ALL
  SELECT 1000002, 'link', 'incident / ' || id || ' / threats / ' || threat, 'create' FROM inc;
-- 2026-10-15: suppliers, ten outsourced assets each, a contract and a certificate
INSERT INTO suppliers(id, name, services, criticality, owner)
  WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < $SUPPLIERS - 1)
  SELECT printf('SUP-%05d', k), 'Supplier ' || k, 'hosting; support',
         CASE k % 4 WHEN 0 THEN 'low' WHEN 1 THEN 'medium' WHEN 2 THEN 'high' ELSE 'critical' END,
         'Owner ' || (k % 50) FROM n;
INSERT INTO record_links(kind, id, rel, target)
  WITH RECURSIVE m(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM m WHERE j < 9)
  SELECT 'supplier', s.id, 'assets', printf('AST-%07d', (CAST(substr(s.id, 5) AS INTEGER) * 10 + m.j) % $ASSETS)
  FROM suppliers s, m;
UPDATE assets SET outsourced = 1 WHERE id IN (SELECT target FROM record_links WHERE kind = 'supplier');
INSERT INTO supplier_contracts(id, supplier, title, starts, ends, notice_days, status, right_to_audit)
  SELECT 'CON-' || substr(id, 5), id, 'Services', '2025-01-01',
         date('2026-12-31', '+' || (CAST(substr(id, 5) AS INTEGER) % 730) || ' days'), 90, 'active', 1
  FROM suppliers;
INSERT INTO supplier_certifications(id, supplier, standard, expires)
  SELECT 'CERT-' || substr(id, 5), id, 'ISO/IEC 27001:2022',
         date('2026-12-01', '+' || (CAST(substr(id, 5) AS INTEGER) % 1000) || ' days') FROM suppliers;
INSERT INTO change_log(batch, entity, entity_id, action)
  SELECT 1000003, 'supplier', id, 'create' FROM suppliers;
COMMIT;
EOF
  sqlite3 "$DB" < "$DIR/current-risks-schema.sql"
  # 2026-11-15: a workshop re-rates the risks of every tenth asset (the schema's trigger marks
  # them assessed in that batch)
  sqlite3 "$DB" "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
    UPDATE risks SET r1 = 1 + r1 % 10, updated_batch = 1000004
      WHERE CAST(substr(ref, 5, 7) AS INTEGER) % 10 = 5;" >/dev/null
  sqlite3 "$DB" "ANALYZE" >/dev/null
fi
echo "current   register: $(sqlite3 "$DB" 'SELECT count(*) FROM risks') risks," \
  "$(sqlite3 "$DB" 'SELECT count(*) FROM incidents') incidents," \
  "$(sqlite3 "$DB" 'SELECT count(*) FROM suppliers') suppliers"

# best LABEL COMMAND...: the fastest of 3 runs: "wall_ms cpu_ms" (cpu: user + system, which
# a busy machine does not inflate as it does the wall clock); output in $DIR/current-out.txt
best() {
  best_w=""; best_c=""
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %U %S" -o "$DIR/current-time.txt" "$@" > "$DIR/current-out.txt"

    w=$(awk '{ printf "%d", $1 * 1000 }' "$DIR/current-time.txt")
    c=$(awk '{ printf "%d", ($2 + $3) * 1000 }' "$DIR/current-time.txt")
    if [ -z "$best_w" ] || [ "$w" -lt "$best_w" ]; then best_w=$w; best_c=$c; fi
  done
  echo "$best_w $best_c"
}

start=$(best "$ISMS" --version)
scan=$(best sqlite3 "$DB" "SELECT count(*) FROM risks WHERE coalesce(r1, r2, r3, r4) IS NOT NULL")
incscan=$(best sqlite3 "$DB" "SELECT severity, count(*) FROM incidents GROUP BY severity")
summary=$(best "$ISMS" --db "$DB" stale --summary --today 2026-12-07)
stale_n=$(grep -o '^[0-9]* stale records' "$DIR/current-out.txt" | cut -d' ' -f1)
listing=$(best "$ISMS" --db "$DB" stale --json --today 2026-12-07)
due=$(best "$ISMS" --db "$DB" stale --summary --today 2027-12-07)
due_n=$(grep -o '^[0-9]* stale records' "$DIR/current-out.txt" | cut -d' ' -f1)
stats=$(best "$ISMS" --db "$DB" incident-stats --json)
figures=$(best "$ISMS" run tests/bench/current_figures.lua "$DB")

echo "$start $scan $incscan $summary $listing $due $stats $stale_n $due_n $figures" | awk '
function x(a, b) { return b > 0 ? sprintf("%.2fx", a / b) : "-" }
{
  printf "current   %-52s %7s %7s\n", "", "wall ms", "cpu ms"
  printf "current   %-52s %7d %7d\n", "baseline  isms --version (process start)", $1, $2
  printf "current   %-52s %7d %7d\n", "baseline  sqlite3: one pass over the 3M risks", $3, $4
  printf "current   %-52s %7d %7d\n", "baseline  sqlite3: incidents per severity", $5, $6
  printf "current   %-52s %7d %7d  %s the risk pass (goal < 500 ms)\n", \
    "isms stale --summary (" $15 " stale of 3M risks)", $7, $8, x($7, $3)
  printf "current   %-52s %7d %7d  %s the risk pass\n", "isms stale --json (every reason in words)", \
    $9, $10, x($9, $3)
  printf "current   %-52s %7d %7d  %s the risk pass\n", "isms stale --summary a year on (" $16 " due)", \
    $11, $12, x($11, $3)
  printf "current   %-52s %7d %7d  %s the severity pass (goal < 100 ms)\n", \
    "isms incident-stats (100k incidents)", $13, $14, x($13, $5)
  printf "current   %-52s %7d %7d  %s the severity pass\n", \
    "incident figures (12 months) + history of 10 risks", $17, $18, x($17, $5)
}'
