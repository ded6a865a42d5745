-- The per-row Lua baseline on the OWASP workload (method_owasp.lua): what
-- a rule engine calling Lua once per risk does: the risk's 16 ratings into
-- a table, score_risk() averages, bands, picks the impact and looks the
-- severity up, accept_risk() applies the two criteria. Prints
-- "risks=N seconds=S" and the digest line.
--   luajit tests/bench/method_perrow.lua N
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local ffi = require "ffi"
local owasp = require "method_owasp"

local n = tonumber(arg[1]) or 3000000
local cols, ob = owasp.generate(n)
local LEVELS = { "Note", "Low", "Medium", "High", "Critical" }
local SEVERITY = { { 1, 2, 3 }, { 2, 3, 4 }, { 3, 4, 5 } }

local function band(mean)
  if mean < 3 then return 1 elseif mean < 6 then return 2 end
  return 3
end

local function mean(r, from, to)
  local s = 0
  for f = from, to do
    if r[f] == nil then return nil end
    s = s + r[f]
  end
  return s / (to - from + 1)
end

local function score_risk(r)
  local likelihood = band(mean(r, 1, 8))
  local impact = mean(r, 13, 16) or mean(r, 9, 12)
  local rank = SEVERITY[band(impact)][likelihood]
  return rank, LEVELS[rank]
end

local function accept_risk(rank, obligations)
  if rank > 2 then return false end
  if obligations ~= 0 and rank > 1 then return false end
  return true
end

ffi.cdef [[ int clock_gettime(int clk, void *ts); ]]
local ts = ffi.new("long[2]")
local function wall()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts[0]) + tonumber(ts[1]) * 1e-9
end

local rank = ffi.new("int16_t[?]", n)
local acc = ffi.new("uint8_t[?]", n)
local s = math.huge
for _ = 1, owasp.REPS_SLOW do  -- the fastest pass, as the engine's
  local t0 = wall()
  for k = 0, n - 1 do
    local r = {}
    for f = 1, 16 do
      local p = cols[f - 1][k]
      r[f] = p ~= owasp.UNKNOWN and p - 1 or nil
    end
    local rk = score_risk(r)
    rank[k] = rk
    acc[k] = accept_risk(rk, ob[k]) and 1 or 0
  end
  s = math.min(s, wall() - t0)
end
print(("risks=%d seconds=%.6f"):format(n, s))
print(owasp.digest(n, rank, acc))
