-- Risk-scoring baseline: the per-row Lua path.
--
--   luajit tests/bench/risks_perrow.lua SPEC.json
--
-- Scores N*T generated risks the way a rule engine that calls Lua once per
-- row would: for every risk, score_risk() computes the score from the
-- ratings, level_of() finds the level by scanning the bands (product), and
-- accept_risk() evaluates the acceptance rules; a bounded min-heap keeps the
-- top 100. The workload, the digest and the output format are defined in
-- tests/bench/risks-spec.md; risks_numpy.py must print the same digest line.
--
-- Arithmetic is on doubles holding exact integers: every intermediate stays
-- below 2^53 (the hash is computed in two halves; the spec is checked so the
-- score sum stays below 2^53 too).

local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path

local risks_spec = require "risks_spec"

local floor = math.floor
local TWO32 = 4294967296
local MULT = 2654435761
local UNIT = 1000000           -- scores are in millionths
local TOP = 100

local function die(msg)
  io.stderr:write("risks_perrow: ", msg, "\n")
  os.exit(2)
end

---------------------------------------------------------------------------
-- The per-row functions

local spec, err = risks_spec.load(arg[1] or die("usage: luajit risks_perrow.lua SPEC.json"))
if not spec then die(err) end
local N, T, F, L = spec.N, spec.T, spec.F, spec.L
local tiers, P = spec.tiers, spec.P
local lo, hi, matrix, rules = spec.lo, spec.hi, spec.matrix, spec.rules
local nrules = #rules
-- a rule's classes as a set, for accept_risk's classes[cls]
for _, r in ipairs(rules) do
  if r.classes then
    local set = { [0] = false, false, false }
    for _, c in ipairs(r.classes) do set[c] = true end
    r.classes = set
  end
end

-- score_risk(ratings) -> score (millionths), rank or nil
local score_risk
if spec.combine == "product" then
  score_risk = function(ratings)
    local p = 1
    for f = 1, F do p = p * ratings[f] end
    return p * UNIT, nil
  end
else
  score_risk = function(ratings)
    local rank = matrix[ratings[1]][ratings[2]]
    return rank * UNIT, rank
  end
end

-- level_of(score) -> rank of the first band containing score, 0 if none
local function level_of(score)
  for r = 1, L do
    if score >= lo[r] and score <= hi[r] then return r end
  end
  return 0
end

local band = bit.band
local POPCOUNT = { [0] = 0, 1, 1, 2, 1, 2, 2, 3 }

-- accept_risk(cls, ob, rank, score) -> true if some rule applies and every
-- applying rule holds
local function accept_risk(cls, ob, rank, score)
  local applied = false
  for n = 1, nrules do
    local r = rules[n]
    local classes, obl = r.classes, r.obligations
    if (classes == nil or classes[cls]) and (obl == nil or band(ob, obl) ~= 0) then
      applied = true
      local mr, ms = r.max_rank, r.max_score
      if (mr ~= nil and rank > mr) or (ms ~= nil and score > ms) then return false end
    end
  end
  return applied
end

---------------------------------------------------------------------------
-- Top 100: a min-heap on priority (worst kept risk at the root)

local hr, hs, hp, hk = {}, {}, {}, {}   -- rank, score, popcount, k
local hn = 0

-- is entry a a worse priority than entry b?
local function worse(ra, sa, pa, ka, rb, sb, pb, kb)
  if ra ~= rb then return ra < rb end
  if sa ~= sb then return sa < sb end
  if pa ~= pb then return pa < pb end
  return ka > kb
end

local function sift_up(x)
  while x > 1 do
    local parent = floor(x / 2)
    if not worse(hr[x], hs[x], hp[x], hk[x], hr[parent], hs[parent], hp[parent], hk[parent]) then
      break
    end
    hr[x], hr[parent] = hr[parent], hr[x]
    hs[x], hs[parent] = hs[parent], hs[x]
    hp[x], hp[parent] = hp[parent], hp[x]
    hk[x], hk[parent] = hk[parent], hk[x]
    x = parent
  end
end

local function sift_down(x)
  while true do
    local c = 2 * x
    if c > hn then break end
    if c < hn and worse(hr[c + 1], hs[c + 1], hp[c + 1], hk[c + 1], hr[c], hs[c], hp[c], hk[c]) then
      c = c + 1
    end
    if not worse(hr[c], hs[c], hp[c], hk[c], hr[x], hs[x], hp[x], hk[x]) then break end
    hr[x], hr[c] = hr[c], hr[x]
    hs[x], hs[c] = hs[c], hs[x]
    hp[x], hp[c] = hp[c], hp[x]
    hk[x], hk[c] = hk[c], hk[x]
    x = c
  end
end

local function offer_top(rank, score, pc, k)
  if hn < TOP then
    hn = hn + 1
    hr[hn], hs[hn], hp[hn], hk[hn] = rank, score, pc, k
    sift_up(hn)
  elseif worse(hr[1], hs[1], hp[1], hk[1], rank, score, pc, k) then
    hr[1], hs[1], hp[1], hk[1] = rank, score, pc, k
    sift_down(1)
  end
end

---------------------------------------------------------------------------
-- The run

local wall
do  -- wall clock with sub-second resolution, via clock_gettime
  local ok, ffi = pcall(require, "ffi")
  if ok then
    ffi.cdef [[
      typedef struct { long tv_sec; long tv_nsec; } risks_timespec;
      int clock_gettime(int clk, risks_timespec *tp);
    ]]
    local ts = ffi.new("risks_timespec")
    wall = function()
      ffi.C.clock_gettime(1, ts)          -- CLOCK_MONOTONIC
      return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
    end
  else
    wall = os.clock
  end
end

local t0 = wall()

local counts = {}
for r = 0, L do counts[r] = 0 end
local acceptable, score_sum = 0, 0
local ratings = {}
for f = 1, F do ratings[f] = 1 end

for i = 0, N - 1 do
  local cls = (i * 7) % 3
  for j = 0, T - 1 do
    local k = i * T + j
    -- h = k*2654435761 mod 2^32, split so every product stays below 2^53
    local h = ((k % 65536) * MULT + ((floor(k / 65536) * MULT) % 65536) * 65536) % TWO32
    for f = 1, F do ratings[f] = 1 + floor(h / P[f]) % tiers[f] end
    local ob = (i * 31 + j * 17) % 8
    local score, rank = score_risk(ratings)
    if rank == nil then rank = level_of(score) end
    counts[rank] = counts[rank] + 1
    score_sum = score_sum + score
    if accept_risk(cls, ob, rank, score) then acceptable = acceptable + 1 end
    offer_top(rank, score, POPCOUNT[ob], k)
  end
end

-- the kept entries, best first
local order = {}
for x = 1, hn do order[x] = x end
table.sort(order, function(a, b)
  return worse(hr[b], hs[b], hp[b], hk[b], hr[a], hs[a], hp[a], hk[a])
end)

local seconds = wall() - t0
if seconds <= 0 then seconds = 1e-9 end

local risks = N * T
local top = {}
for x = 1, hn do top[x] = string.format("%d", hk[order[x]]) end
local lv = {}
for r = 0, L do lv[r + 1] = string.format("%d", counts[r]) end
io.write(string.format("impl=perrow-lua risks=%d seconds=%.3f risks_per_s=%d\n",
                       risks, seconds, floor(risks / seconds)))
io.write(string.format("digest levels=%s acceptable=%d score_sum=%s top=%s\n",
                       table.concat(lv, ","), acceptable,
                       string.format("%.0f", score_sum), table.concat(top, ",")))
