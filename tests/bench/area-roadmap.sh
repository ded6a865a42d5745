#!/bin/sh
# The roadmap part of make bench (issue #15): a 10,000-step programme -- a
# multi-site rollout, the 24 QISM steps at each of 400 sites after 400
# programme gates -- written as one rule file with loops. Timed, best of
# 3: loading and validating it (sandbox, checks, topological order), the
# schedule (forward and backward pass, slack, critical path), a what-if
# (one delay: two passes and the comparison), and every criterion (400
# site criteria with an argument each, and the programme's risk
# assessment counts) on the report bench's register of 3,000,000 risks
# when it is there (tests/bench/report.sh builds it), else on a register
# of 10,000 assets. Baseline in the same run: tsort(1) ordering the same
# dependency graph (a topological sort, no dates). Goal: schedule and
# criteria together under 300 ms.
#   sh tests/bench/area-roadmap.sh [BUILD]     (ISMS_BENCH=roadmap: only this part)
set -eu
BUILD=${1:-build}
DIR="$BUILD/bench"
ISMS="$BUILD/isms"
mkdir -p "$DIR"
[ -x "$ISMS" ] || { echo "roadmap: $ISMS is missing; run make" >&2; exit 1; }

RULE="$DIR/rollout-10000.lua"
cat > "$RULE" <<'EOF'
-- 400 programme gates, then the 24 QISM steps at each of 400 sites.
roadmap "rollout" { title = "Multi-site ISMS rollout (bench)" }
role "programme" { title = "Programme office" }
role "site" { title = "Site team" }
phase "gates" { title = "Programme gates" }
phase "sites" { title = "Site roll-outs" }
criterion "site-valued" {
  text = "the site's assets are valued",
  sql = { unvalued = "SELECT o.name, count(*) FROM assets a JOIN parties o ON o.id = a.owner "
                     .. "WHERE a.value IS NULL GROUP BY o.name" },
  check = function(r, site)
    local n = r.sql.unvalued[site] or 0
    return n == 0, n .. " assets without a value"
  end,
}
criterion "assessed" {
  text = "the risk assessment counts are complete",
  counts = { "assets", "assets_unvalued", "risks", "risks_unrated", "risks_without_level",
             "risks_undecided" },
  check = function(r)
    local c = r.count
    return c.risks > 0 and c.risks_unrated == 0 and c.risks_without_level == 0,
           c.risks .. " risks"
  end,
}
-- The dependencies of the 24 steps (rules/roadmaps/qism-24.lua).
local DEPS = { [2] = { 1 }, [3] = { 2 }, [4] = { 3 }, [5] = { 4 }, [6] = { 5 }, [7] = { 5 },
  [8] = { 6 }, [9] = { 8 }, [10] = { 6 }, [11] = { 7, 9, 10 }, [12] = { 11 }, [13] = { 11 },
  [14] = { 13 }, [15] = { 12, 13 }, [16] = { 14, 15 }, [17] = { 16 }, [18] = { 17 },
  [19] = { 18 }, [20] = { 19 }, [21] = { 19 }, [22] = { 21 }, [23] = { 20, 22 }, [24] = { 23 } }
for g = 1, 400 do
  step ("G" .. g) { phase = "gates", role = "programme", title = "Gate " .. g, duration = 1,
                    depends = g > 1 and { "G" .. (g - 1) } or nil,
                    exit = g == 400 and { "assessed" } or nil }
end
for s = 1, 400 do
  for k = 1, 24 do
    local deps = {}
    for j, d in ipairs(DEPS[k] or {}) do deps[j] = s .. "-" .. d end
    if k == 1 then deps[1] = "G" .. s end
    step (s .. "-" .. k) { phase = "sites", role = "site", title = "Site " .. s .. " step " .. k,
                           duration = { 1 + (s + k) % 5, 1 + (s + k) % 5 + (s * k) % 9 }, depends = deps,
                           exit = k == 15 and { { "site-valued", "Owner " .. s } } or nil }
  end
end
EOF

REG="$DIR/report-100000.db"
if [ ! -s "$REG" ]; then
  REG="$DIR/roadmap-10000.db"
  if [ ! -s "$REG" ]; then
    [ -s "$DIR/assets-10000.csv" ] || awk -v n=10000 -f tests/bench/gen_assets.awk > "$DIR/assets-10000.csv"
    "$ISMS" init "$REG" >/dev/null
    "$ISMS" --db "$REG" import assets "$DIR/assets-10000.csv" >/dev/null
  fi
fi

SCRIPT="$DIR/roadmap_bench.lua"
cat > "$SCRIPT" <<'EOF'
local isms = require "isms"
local roadmap = require "isms.roadmap"
local ffi = require "ffi"
pcall(ffi.cdef, "struct isms_bench_ts { long tv_sec; long tv_nsec; };"
  .. "int clock_gettime(int clk, struct isms_bench_ts *ts);")
local ts = ffi.new("struct isms_bench_ts")
local function now() ffi.C.clock_gettime(1, ts); return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9 end
local function best(fn)
  local b, r
  for _ = 1, 3 do
    local t = now()
    r = fn()
    t = now() - t
    if not b or t < b then b = t end
  end
  return b, r
end
local path, edges = arg[1], arg[2]
local wf
local t_load = best(function()
  require("isms.roadmap.progress").reload()
  wf = assert(roadmap.load(path))
  return wf
end)
local f = assert(io.open(edges, "w"))
for _, s in ipairs(wf.steps) do
  f:write(s.id, " ", s.id, "\n")
  for _, p in ipairs(s.pred) do f:write(wf.steps[p.index].id, " ", s.id, "\n") end
end
f:close()
local S
local t_sched = best(function()
  S = assert(roadmap.plan(wf, { start = "2027-01-04", target = "2029-12-31" }))
  return S
end)
local cal = assert(wf:calendar_of())
local opts = { calendar = cal, start = S.start, today = S.start, target = S.target }
local mid = wf.steps[#wf.steps - 10].id
local t_whatif, w = best(function() return roadmap.schedule.whatif(wf, opts, mid, 10) end)
local reg = assert(isms.open(isms.default_db()))
local refs, seen = {}, {}
for _, s in ipairs(wf.steps) do
  for _, ref in ipairs(s.exit) do
    if not seen[ref.key] then seen[ref.key] = true; refs[#refs + 1] = ref end
  end
end
local t_crit, res = best(function() return roadmap.criteria.evaluate(reg, refs, "2027-06-01") end)
local held, failed = 0, 0
for _, r in ipairs(res) do
  if r.state == "holds" then held = held + 1 elseif r.state == "fails" then failed = failed + 1
  else error(r.reason) end
end
local nrisks, nassets = 0, 0
for row in reg:query("SELECT (SELECT count(*) FROM risks) AS r, (SELECT count(*) FROM assets) AS a") do
  nrisks, nassets = tonumber(row.r), tonumber(row.a)
end
reg:close()
local nedges = 0
for _, s in ipairs(wf.steps) do nedges = nedges + #s.pred end
print(("%d %d %d %.6f %.6f %.6f %.6f %d %d %d %d %s %d %d"):format(#wf.steps, nedges, #S.path,
  t_load, t_sched, t_whatif, t_crit, #refs, held, failed, w.finish_by,
  roadmap.dates.format(S.finish), nrisks, nassets))
EOF

EDGES="$DIR/rollout-edges.txt"
set -- $("$ISMS" --db "$REG" run "$SCRIPT" "$(pwd)/$RULE" "$EDGES")
steps=$1; nedges=$2; path=$3; load=$4; sched=$5; whatif=$6; crit=$7; ncrit=$8; held=$9
shift 9
failed=$1; moved=$2; finish=$3; nrisks=$4; nassets=$5

# Baseline: tsort(1) on the same graph, best of 3 (process start included,
# as the schedule's numbers above are inside a running process: a floor).
tbest=""
for run in 1 2 3; do
  t0=$(date +%s%N)
  tsort "$EDGES" >/dev/null
  t1=$(date +%s%N)
  t=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) / 1e9 }')
  if [ -z "$tbest" ] || awk "BEGIN{exit !($t < $tbest)}"; then tbest=$t; fi
done

awk -v steps="$steps" -v edges="$nedges" -v path="$path" -v load="$load" -v sched="$sched" \
    -v whatif="$whatif" -v crit="$crit" -v ncrit="$ncrit" -v held="$held" -v failed="$failed" \
    -v moved="$moved" -v finish="$finish" -v risks="$nrisks" -v assets="$nassets" \
    -v tsort="$tbest" 'BEGIN {
  printf "roadmap   %d steps, %d dependencies; plan to %s, critical path of %d steps\n", steps, edges, finish, path
  printf "roadmap   load + validate the rule file        %8.1f ms\n", load * 1000
  printf "roadmap   schedule (forward + backward pass)   %8.1f ms  %6.2f us/step\n", sched * 1000, sched * 1e6 / steps
  printf "roadmap   what-if (one step +10 days)          %8.1f ms  (finish moves %d working days)\n", whatif * 1000, moved
  printf "roadmap   %d criteria on %d assets, %d risks  %8.1f ms  (%d hold, %d do not)\n", ncrit, assets, risks, crit * 1000, held, failed
  printf "baseline  tsort(1) of the same graph          %8.1f ms (process included)\n", tsort * 1000
  if (tsort > 0) printf "ratio     schedule is %.2fx tsort'"'"'s time\n", sched / tsort
  printf "goal      schedule + criteria %.1f ms (goal < 300 ms)\n", (sched + crit) * 1000
}'
