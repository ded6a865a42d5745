#!/bin/sh
# The reporting part of make bench (issues #4, #18): SoA + RTP + the HTML
# and XLSX reports (goals: HTML under 2 s and 20 MB, XLSX under 10 s; the
# HTML again with its scan in one thread, which must give the same page) and
# the --full workbook of every risk and task, for a
# register of 3,000,000 risks (100,000 assets x 30 threats), time and peak
# memory of each command. The register is built straight in SQLite (the
# bench is not about generation or rating, timed elsewhere): every risk
# rated S, O, D from a hash of its position and scored as qism-fmea does;
# every High risk modified with one to three 2022 controls and a residual
# rating, one Medium in four retained, one in ten shared; one RTP task per
# modified risk, one in five re-dated; an SoA entry for all 93 controls.
# Baseline in the same run: the sqlite3 shell writing the same risk rows
# as CSV (`.mode csv`), i.e. what a spreadsheet export costs with no
# formatting at all. ISMS_BENCH_ASSETS=N sets another size.
#   sh tests/bench/report.sh [BUILD]      (make bench runs it; ISMS_BENCH=report: only it)
set -eu
BUILD=${1:-build}
ASSETS=${ISMS_BENCH_ASSETS:-100000}
THREATS=30
DIR="$BUILD/bench"
CSV="$DIR/assets-$ASSETS.csv"
DB="$DIR/report-$ASSETS.db"
TIME=/usr/bin/time
ISMS="$BUILD/isms"
mkdir -p "$DIR"
[ -x "$ISMS" ] || { echo "report: $ISMS is missing; run make" >&2; exit 1; }
[ -s "$CSV" ] || awk -v n="$ASSETS" -f tests/bench/gen_assets.awk > "$CSV"

if [ ! -s "$DB" ] || [ "$(sqlite3 "$DB" 'PRAGMA user_version')" != \
     "$(sqlite3 "$DIR/version.db" 'PRAGMA user_version' 2>/dev/null || echo x)" ]; then
  rm -f "$DB" "$DB-wal" "$DB-shm" "$DIR/version.db"
  "$ISMS" init "$DIR/version.db" >/dev/null
  echo "report    building the register: $ASSETS assets x $THREATS threats (once; kept in $DB)"
  "$ISMS" init "$DB" --methodology qism-fmea >/dev/null
  "$ISMS" --db "$DB" import assets "$CSV" >/dev/null
  sqlite3 "$DB" >/dev/null <<EOF
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
BEGIN;
INSERT INTO change_batches(id, at, actor, command, reason)
  VALUES (1000000, '2026-11-23T00:00:00Z', 'bench', 'bench', 'report bench register');
CREATE TEMP TABLE th(k INTEGER PRIMARY KEY, id TEXT);
WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < $THREATS - 1)
  INSERT INTO th SELECT k, printf('T-BENCH-%02d', k) FROM n;
INSERT INTO threats(id, class, title, catalog) SELECT id, 'bench', 'Bench threat ' || k, 'bench' FROM th;
CREATE TEMP TABLE ar(x INTEGER PRIMARY KEY, ref TEXT, asset TEXT, k INTEGER, h INTEGER);
INSERT INTO ar(ref, asset, k, h)
  SELECT a.id || '/' || th.id, a.id, th.k, ((a.rowid_ * 2654435761 + th.k * 40503) % 1000003)
  FROM (SELECT id, row_number() OVER (ORDER BY id) AS rowid_ FROM assets) a, th;
INSERT INTO risks(ref, asset, threat, category, owners, obligations, r1, r2, r3, score, level,
                  level_rank, acceptable, created_batch)
  SELECT ref, asset, 'T-BENCH-' || printf('%02d', k), 'operational', 'Owner ' || (h % 300),
         CASE WHEN h % 7 = 0 THEN 1 + h % 7 ELSE 0 END,
         1 + h % 10, 1 + (h / 10) % 10, 1 + (h / 100) % 10,
         (1 + h % 10) * (1 + (h / 10) % 10) * (1 + (h / 100) % 10) * 1000000,
         NULL, NULL, NULL, 1000000
  FROM ar;
UPDATE risks SET level_rank = CASE WHEN score < 100000000 THEN 1 WHEN score < 200000000 THEN 2 ELSE 3 END;
UPDATE risks SET level = CASE level_rank WHEN 1 THEN 'Low' WHEN 2 THEN 'Medium' ELSE 'High' END,
                 acceptable = CASE WHEN level_rank <= 2 THEN 1 ELSE 0 END;
INSERT INTO treatments(risk, option, rationale, shared_with, rr1, rr2, rr3, residual_score,
                       residual_level, residual_rank, residual_acceptable, decided_by, decided_at)
  SELECT ref,
         CASE WHEN level_rank = 3 THEN 'modify' WHEN x % 10 = 0 THEN 'share' ELSE 'retain' END,
         'bench', CASE WHEN level_rank <> 3 AND x % 10 = 0 THEN 'Insurer' END,
         r1, CASE WHEN level_rank = 3 THEN 1 ELSE r2 END, r3,
         r1 * CASE WHEN level_rank = 3 THEN 1 ELSE r2 END * r3 * 1000000, NULL, NULL, NULL,
         'bench', '2026-11-01'
  FROM risks JOIN ar USING (ref) WHERE level_rank = 3 OR (level_rank = 2 AND x % 4 = 0);
UPDATE treatments SET residual_rank = CASE WHEN residual_score < 100000000 THEN 1
                      WHEN residual_score < 200000000 THEN 2 ELSE 3 END;
UPDATE treatments SET residual_level = CASE residual_rank WHEN 1 THEN 'Low' WHEN 2 THEN 'Medium' ELSE 'High' END,
                      residual_acceptable = CASE WHEN residual_rank = 1 THEN 1 ELSE 0 END;
CREATE TEMP TABLE ctl(k INTEGER PRIMARY KEY, id TEXT);
INSERT INTO ctl(k, id) VALUES (0, 'A.5.15'), (1, 'A.8.7'), (2, 'A.8.13'), (3, 'A.7.8'),
  (4, 'A.8.16'), (5, 'A.5.24'), (6, 'A.8.2'), (7, 'A.8.24');
INSERT OR IGNORE INTO treatment_controls(risk, control)
  SELECT t.risk, c.id FROM treatments t JOIN ar ON ar.ref = t.risk JOIN ctl c
  ON c.k IN (ar.h % 8, (ar.h / 8) % 8, (ar.h / 64) % 8) WHERE t.option = 'modify';
INSERT INTO rtp_tasks(id, risk, control, title, owner, due, status)
  SELECT printf('RTP-%07d', ar.x), t.risk, (SELECT min(control) FROM treatment_controls c WHERE c.risk = t.risk),
         'Carry out the treatment', 'Owner ' || (ar.h % 300),
         date('2026-06-01', '+' || (ar.h % 400) || ' days'),
         CASE ar.h % 4 WHEN 0 THEN 'planned' WHEN 1 THEN 'in_progress' WHEN 2 THEN 'done' ELSE 'planned' END
  FROM treatments t JOIN ar ON ar.ref = t.risk WHERE t.option = 'modify';
INSERT INTO rtp_delays(task, seq, reason, old_due, revised_due, approved_by, recorded_at)
  SELECT id, 1, 'supplier late', date(due, '-30 days'), due, 'CISO', '2026-05-01'
  FROM rtp_tasks WHERE CAST(substr(id, 5) AS INTEGER) % 5 = 0;
INSERT INTO acceptances(risk, role, who, at, rationale)
  SELECT t.risk, 'management', 'CEO', '2026-11-01', 'bench' FROM treatments t
  JOIN ar ON ar.ref = t.risk WHERE ar.x % 2 = 0;
COMMIT;
EOF
  "$ISMS" --db "$DB" run scripts/soa_from_treatments.lua "not in the bench's scope" >/dev/null
fi
echo "report    register: $(sqlite3 "$DB" 'SELECT count(*) FROM risks') risks, $(sqlite3 "$DB" \
  'SELECT count(*) FROM treatments') treatments, $(sqlite3 "$DB" 'SELECT count(*) FROM rtp_tasks') tasks"

# timed LABEL ARGS...: runs isms ARGS once; prints seconds and peak memory.
timed() {
  label=$1; shift
  $TIME -f "%e %M" -o "$DIR/time.txt" "$ISMS" --db "$DB" "$@" > "$DIR/report-out.txt"
  set -- $(cat "$DIR/time.txt")
  printf 'report    %-28s %7.2f s  %6d MB peak\n' "$label" "$1" $(( $2 / 1024 ))
  last_s=$1; last_kb=$2
}

OUT="$DIR/report-out"
mkdir -p "$OUT"
# Baseline: the risk rows as plain CSV by the sqlite3 shell.
$TIME -f "%e %M" -o "$DIR/time.txt" sqlite3 -csv -header "$DB" \
  "SELECT r.*, t.option, t.residual_score, t.residual_level FROM risks r
   LEFT JOIN treatments t ON t.risk = r.ref ORDER BY r.ref" > "$OUT/baseline.csv"
set -- $(cat "$DIR/time.txt")
base_s=$1
printf 'report    %-28s %7.2f s  %6d MB peak  (baseline)\n' "sqlite3 -csv risks" "$1" $(( $2 / 1024 ))
timed "soa (table)" soa --today 2027-01-15
timed "soa --format xlsx" soa --format xlsx --out "$OUT/soa.xlsx" --today 2027-01-15
timed "rtp (table)" rtp --today 2027-01-15
timed "rtp --format xlsx" rtp --format xlsx --out "$OUT/rtp.xlsx" --today 2027-01-15
timed "report --format html" report --format html --out "$OUT/report.html" --today 2027-01-15
html_s=$last_s; html_kb=$last_kb
# The same in one pass (no threads: core/report_scan.c's parts), the same page.
export ISMS_REPORT_THREADS=1
timed "report html in 1 thread" report --format html --out "$OUT/report-1.html" --today 2027-01-15
unset ISMS_REPORT_THREADS
one_s=$last_s
cmp -s "$OUT/report.html" "$OUT/report-1.html" || echo "report    WRONG: the HTML report in parts differs from one pass"
timed "report --format xlsx" report --format xlsx --out "$OUT/report.xlsx" --today 2027-01-15
xlsx_s=$last_s
timed "report --full --format xlsx" report --full --format xlsx --out "$OUT/full.xlsx" --today 2027-01-15
full_s=$last_s
# The report's model alone, CPU seconds: the one-pass scan against the
# register read into columns (as before issue #18), in one process.
set -- $("$ISMS" --db "$DB" run tests/bench/report_paths.lua 2027-01-15)
echo "report    report model: $1 s CPU from the one-pass scan, $2 s read into columns;" \
  "$(awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }') the columns path's time; models $3"
html_mb=$(du -k "$OUT/report.html" | awk '{ printf "%.2f", $1 / 1024 }')
echo "report    html report: $html_mb MB file, $(( html_kb / 1024 )) MB peak;" \
  "$(awk -v a="$html_s" 'BEGIN { printf "%.2f", a / 2 }')x the 2 s goal (goal <= 1.00x, file < 20 MB);" \
  "$(awk -v a="$html_s" -v b="$one_s" 'BEGIN { printf "%.2fx", a / b }') the time of one pass"
echo "report    xlsx report: $(du -k "$OUT/report.xlsx" | awk '{ printf "%.2f", $1 / 1024 }') MB;" \
  "$(awk -v a="$xlsx_s" 'BEGIN { printf "%.2f", a / 10 }')x the 10 s goal (goal <= 1.00x)"
echo "report    xlsx of every risk and task (--full): $(du -m "$OUT/full.xlsx" | cut -f1) MB;" \
  "$(awk -v a="$full_s" -v b="$base_s" 'BEGIN { printf "%.2fx", a / b }') the time of the plain CSV baseline"
