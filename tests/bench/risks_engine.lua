-- Risk-scoring benchmark: the isms engine path.
--
--   luajit tests/bench/risks_engine.lua SPEC.json [--unfused] [--rescore OTHER.json]
--
-- The workload, the digest and the output format are those of
-- tests/bench/risks-spec.md (the baselines are risks_perrow.lua and
-- risks_numpy.py). Timed: building the isms scorer from the spec (its cells
-- and acceptance rules), generating the rating, class and obligation columns
-- of the N*T risks (bench-side C, risks_engine.c, on all cores) and
-- libisms's public API doing the engine work:
--   default     each thread generates its risks a chunk at a time and
--               feeds every chunk to isms_scorer_evaluate (score, accept,
--               top 100 and the counts in one pass) into its own tally;
--               the tallies are merged (isms_risk_tally_merge);
--   --unfused   the whole columns first, then isms_scorer_score +
--               isms_scorer_accept + isms_risk_order over them and a
--               bench-side tally of the result columns.
-- --rescore OTHER.json: afterwards, with the spec's columns generated in
-- memory (untimed: they stand for a register already loaded), times
-- building a scorer from OTHER (same assets, threats and factor tiers) and
-- evaluating all the columns under it, and prints two more lines,
-- "rescore impl=... seconds=..." and the digest under OTHER.
--
-- Environment: ISMS_LIB (libisms.so), RISKS_ENGINE_SO (the bench helper,
-- default build/bench/risks_engine.so), RISKS_THREADS (threads of the bench
-- side, 0 = one per core).

local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. here .. "/../../lua/?.lua;" .. package.path

local ffi = require "ffi"
local risks_spec = require "risks_spec"
local b = require "isms.store._ffi"
local C = b.C

local floor = math.floor
local TOP = 100

local function die(msg)
  io.stderr:write("risks_engine: ", msg, "\n")
  os.exit(2)
end

ffi.cdef [[
  void *malloc(size_t n);
  void free(void *p);
  typedef struct { long tv_sec; long tv_nsec; } risks_timespec;
  int clock_gettime(int clk, risks_timespec *tp);
]]
do  -- the bench side's calls: the FFI block of risks_engine.h, risks_engine.c's own header
  local h = here .. "/risks_engine.h"
  local fh = io.open(h, "rb") or die("cannot read " .. h)
  local block = fh:read("*a"):match("RISKS%-FFI%-BEGIN %*/\n(.-)/%* RISKS%-FFI%-END")
  fh:close()
  ffi.cdef(block or die(h .. ": no RISKS-FFI block"))
end
local so_path = os.getenv("RISKS_ENGINE_SO") or (here .. "/../../build/bench/risks_engine.so")
local okload, G = pcall(ffi.load, so_path)
if not okload then die("cannot load " .. so_path .. " (make bench builds it): " .. tostring(G)) end

local ts = ffi.new("risks_timespec")
local function wall()
  ffi.C.clock_gettime(1, ts)  -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

---------------------------------------------------------------------------
-- The spec (risks_spec.lua, with the limits of the engine)

local ENGINE_LIMITS = {
  who = "the isms engine",
  risk_bits = 32,  -- risk numbers are uint32 in the engine's top list
  factors = C.ISMS_MAX_FACTORS, tiers = C.ISMS_MAX_TIER, levels = C.ISMS_MAX_LEVELS,
  rules = 64,
}

local function load_spec(path)
  local spec, err = risks_spec.load(path, ENGINE_LIMITS)
  return spec or die(err)
end

---------------------------------------------------------------------------
-- The engine work

-- A scorer for the spec: every cell's score and rank, then the rules.
-- (Timed: the NumPy baseline builds its lookup table inside its run too.)
local function build_scorer(spec)
  local F = spec.F
  local ntiers = ffi.new("int[?]", F)
  for f = 1, F do ntiers[f - 1] = spec.tiers[f] end
  local out = ffi.new("isms_scorer *[1]")
  if C.isms_scorer_new(F, ntiers, out) ~= 0 then die("isms_scorer_new failed") end
  local s = ffi.gc(out[0], C.isms_scorer_free)
  -- the cells' scores and levels from the spec's formula (bench-side C:
  -- in Lua the loop's trace compilation alone costs about a millisecond)
  local L = spec.L
  local lo, hi, matrix = ffi.new("int64_t[?]", L), ffi.new("int64_t[?]", L), nil
  for r = 1, L do lo[r - 1], hi[r - 1] = spec.lo[r] or 0, spec.hi[r] or 0 end
  if spec.matrix then
    matrix = ffi.new("int[?]", spec.tiers[1] * spec.tiers[2])
    for r1 = 1, spec.tiers[1] do
      for r2 = 1, spec.tiers[2] do matrix[(r1 - 1) * spec.tiers[2] + r2 - 1] = spec.matrix[r1][r2] end
    end
  end
  local rc = G.risks_fill_cells(s, F, ntiers, L, lo, hi, matrix)
  if rc < 0 then die("isms_scorer_set_cell failed") end
  if rc > 0 then
    -- libisms methods put every score in a level; the digest would differ
    die("cell " .. (rc - 1) .. "'s score is in no level; the isms engine needs one")
  end
  local cr = ffi.new("isms_accept_rule")
  for _, r in ipairs(spec.rules) do
    ffi.fill(cr, ffi.sizeof(cr))
    cr.residual, cr.predicate = 0, -1
    -- an empty when_class or a when_obligations of 0 never applies, so the
    -- rule has no effect (the library reads an empty condition as "any")
    local never = (r.classes and #r.classes == 0) or r.obligations == 0
    if not never then
      for _, c in ipairs(r.classes or {}) do
        cr.classes[0] = bit.bor(cr.classes[0], bit.lshift(1ULL, c))
      end
      cr.obligations = r.obligations or 0
      if r.max_rank == 0 then
        -- rank <= 0 never holds for a rated risk; in library terms: score <= -1
        cr.has_max_score, cr.max_score = 1, -1
      else
        cr.max_rank = r.max_rank or 0
        if r.max_score then cr.has_max_score, cr.max_score = 1, r.max_score end
      end
      if C.isms_scorer_add_rule(s, cr) ~= 0 then die("isms_scorer_add_rule failed") end
    end
  end
  return s
end

local threads = tonumber(os.getenv("RISKS_THREADS") or "0") or 0

-- Whole columns (--unfused, --rescore). malloc, not ffi.new: no zeroing,
-- the pages are first touched by the generation. The C side only sees raw
-- pointers, so every array stays referenced from here until the end.
local alive = {}
local function alloc(ctype, n)
  local p = ffi.C.malloc(n * ffi.sizeof(ctype))
  if p == nil then die("out of memory") end
  local a = ffi.gc(ffi.cast(ctype .. " *", p), ffi.C.free)
  alive[#alive + 1] = a
  return a
end

local function tiers_array(spec)
  local tiers = ffi.new("int[?]", spec.F)
  for f = 1, spec.F do tiers[f - 1] = spec.tiers[f] end
  return tiers
end

local function generate(spec, n)
  local cols = ffi.new("isms_risk_cols")
  local ratings = ffi.new("uint8_t *[4]")
  for f = 1, spec.F do
    ratings[f - 1] = alloc("uint8_t", n)
    cols.ratings[f - 1] = ratings[f - 1]
  end
  local cls, ob = alloc("int8_t", n), alloc("uint8_t", n)
  if G.risks_generate(spec.N, spec.T, spec.F, tiers_array(spec), ratings, cls, ob, threads) ~= 0 then
    die("risks_generate failed")
  end
  cols.n, cols.asset_class, cols.obligations = n, cls, ob
  return cols
end

local levels = ffi.new("int64_t[33]")
local count = ffi.new("int64_t[2]")  -- acceptable, score sum

local function new_tally(k)
  local out = ffi.new("isms_risk_tally *[1]")
  assert(C.isms_risk_tally_new(k, out) == 0)
  return ffi.gc(out[0], C.isms_risk_tally_free)
end

local function tally_result(t, m)
  local sum, top, ntop = ffi.new("isms_risk_summary"), ffi.new("uint32_t[?]", m), ffi.new("size_t[1]")
  assert(C.isms_risk_tally_result(t, sum, top, ntop) == 0)
  for r = 0, 32 do levels[r] = sum.levels[r] end
  count[0], count[1] = sum.acceptable, sum.score_sum
  return top, tonumber(ntop[0])
end

-- The default run: generate and evaluate chunk by chunk on every core.
-- Returns the top list (uint32_t[]) and its length; levels and count hold
-- the aggregates.
local function stream(s, spec, n)
  local m = math.min(TOP, n)
  local t = new_tally(m)
  local rc = G.risks_stream(spec.N, spec.T, spec.F, tiers_array(spec), s, threads, m, t)
  if rc ~= 0 then die("risks_stream failed: " .. rc) end
  return tally_result(t, m)
end

-- Scores, accepts and ranks columns already generated.
local function evaluate(s, cols, n, unfused)
  local m = math.min(TOP, n)
  if unfused then
    local top = ffi.new("uint32_t[?]", m)
    local score, rank, acc = alloc("int64_t", n), alloc("int16_t", n), alloc("uint8_t", n)
    cols.score, cols.rank = score, rank
    assert(C.isms_scorer_score(s, cols) == 0)
    assert(C.isms_scorer_accept(s, cols, 0, acc) == 0)
    assert(C.isms_risk_order(n, rank, score, cols.obligations, m, top) == 0)
    G.risks_tally(n, rank, score, acc, levels, count, count + 1)
    cols.score, cols.rank = nil, nil
    return top, m
  end
  local t = new_tally(m)
  assert(C.isms_scorer_evaluate(s, cols, 0, 0, nil, t) == 0)  -- split over the cores
  return tally_result(t, m)
end

local function i64(x) return (tostring(x):gsub("U?LL$", "")) end

local function digest(spec, top, m)
  local lv, tl = {}, {}
  for r = 0, spec.L do lv[r + 1] = i64(levels[r]) end
  for x = 0, m - 1 do tl[x + 1] = string.format("%d", top[x]) end
  return string.format("digest levels=%s acceptable=%s score_sum=%s top=%s\n",
                       table.concat(lv, ","), i64(count[0]), i64(count[1]), table.concat(tl, ","))
end

---------------------------------------------------------------------------
-- The run

local path, unfused, rescore_path
do
  local a = 1
  while arg[a] do
    if arg[a] == "--unfused" then unfused = true
    elseif arg[a] == "--rescore" then a = a + 1; rescore_path = arg[a] or die("--rescore: want a spec")
    elseif not path then path = arg[a]
    else die("unexpected argument " .. arg[a]) end
    a = a + 1
  end
end
local spec = load_spec(path or die("usage: luajit risks_engine.lua SPEC.json [--unfused] [--rescore SPEC]"))
local other = rescore_path and load_spec(rescore_path)
if other then
  if other.N ~= spec.N or other.T ~= spec.T or other.F ~= spec.F then
    die("--rescore: the spec must have the same assets, threats and factors")
  end
  for f = 1, spec.F do
    if other.tiers[f] ~= spec.tiers[f] then die("--rescore: factor " .. f .. " has other tiers") end
  end
end
local n = spec.N * spec.T

local t0 = wall()
local scorer = build_scorer(spec)
local top, m, cols
if unfused then
  cols = generate(spec, n)
  top, m = evaluate(scorer, cols, n, true)
else
  top, m = stream(scorer, spec, n)
end
local seconds = wall() - t0
if seconds <= 0 then seconds = 1e-9 end

io.write(string.format("impl=%s risks=%d seconds=%.3f risks_per_s=%d\n",
                       unfused and "isms-c-unfused" or "isms-c", n, seconds, floor(n / seconds)))
io.write(digest(spec, top, m))

if other then
  if not cols then cols = generate(spec, n) end  -- the register, in memory
  local t1 = wall()
  local s2 = build_scorer(other)
  local top2, m2 = evaluate(s2, cols, n, unfused)
  local s = wall() - t1
  if s <= 0 then s = 1e-9 end
  io.write(string.format("rescore impl=%s risks=%d seconds=%.3f risks_per_s=%d\n",
                         unfused and "isms-c-unfused" or "isms-c", n, s, floor(n / s)))
  io.write(digest(other, top2, m2))
end
alive = nil
