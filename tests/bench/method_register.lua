-- OWASP's 16 factors in a register (tests/bench/area-method.sh builds it):
-- the register read into columns (r1..r4 and the 12 further ratings of
-- rx), then every risk scored, levelled and judged by the stage kernels
-- (reg:risk_table(), risk_register.evaluate_table: what `isms assess` and
-- `isms risks score` do), against a per-row Lua function over the same
-- columns. Prints one line per part and the digest of both, which must
-- agree:
--   read=S engine=S perrow=S risks=N seconds=S (the engine's, for the bench's best())
--   levels(...)=... acceptable=...   (the engine's)
--   levels(...)=... acceptable=...   (per-row Lua's)
--   luajit tests/bench/method_register.lua DB
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/../../lua/?.lua;" .. here .. "/../../lua/?/init.lua;" .. package.path
local ffi = require "ffi"
local isms = require "isms"
local risk_register = require "isms.risk.register"

ffi.cdef [[ int clock_gettime(int clk, void *ts); ]]
local ts = ffi.new("long[2]")
local function wall()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts[0]) + tonumber(ts[1]) * 1e-9
end

local db = arg[1] or error("usage: method_register.lua DB")
local reg = assert(isms.open(db))
local m = assert(reg:methodology())
local t0 = wall()
local t = assert(reg:risk_table())
local read_s = wall() - t0
local n = t.n

local engine_s, res = math.huge, nil
for _ = 1, 3 do
  t0 = wall()
  res = assert(risk_register.try_evaluate_table(m, t))
  engine_s = math.min(engine_s, wall() - t0)
end

-- The same in plain Lua, risk by risk, from the same columns: the
-- methodology's formula (rules/methodologies/owasp-risk-rating.lua).
local LEVELS = { "Note", "Low", "Medium", "High", "Critical" }
local SEVERITY = { { 1, 2, 3 }, { 2, 3, 4 }, { 3, 4, 5 } }
local UNKNOWN = 11
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
local col = {}
for f = 1, 16 do col[f] = t.c.rating[f - 1] end
local ob = t.c.obligations
-- Each side makes its own result arrays inside its timing, as
-- evaluate_table does; the fastest of two passes.
local rank, acc
local perrow_s = math.huge
for _ = 1, 2 do
  t0 = wall()
  rank = ffi.new("int16_t[?]", math.max(n, 1))
  acc = ffi.new("uint8_t[?]", math.max(n, 1))
  for k = 0, n - 1 do
    local r = {}
    local rated = true
    for f = 1, 16 do
      local p = col[f][k]
      if p == 0 then rated = false end
      r[f] = p ~= UNKNOWN and p > 0 and p - 1 or nil
    end
    local rk, ok = 0, false
    local l = rated and mean(r, 1, 8)
    local impact = rated and (mean(r, 13, 16) or mean(r, 9, 12))
    if l and impact then
      rk = SEVERITY[band(impact)][band(l)]
      ok = rk <= 2 and (ob[k] == 0 or rk <= 1)
    end
    rank[k], acc[k] = rk, ok and 1 or 0
  end
  perrow_s = math.min(perrow_s, wall() - t0)
end

local function digest(rk, ac)
  local levels, a = { [0] = 0, 0, 0, 0, 0, 0 }, 0
  for k = 0, n - 1 do
    levels[rk[k]] = levels[rk[k]] + 1
    a = a + (rk[k] > 0 and ac[k] or 0)
  end
  return ("levels(unrated,%s)=%d,%d,%d,%d,%d,%d acceptable=%d"):format(table.concat(LEVELS, ","),
    levels[0], levels[1], levels[2], levels[3], levels[4], levels[5], a)
end
print(("read=%.4f engine=%.4f perrow=%.4f risks=%d seconds=%.6f"):format(read_s, engine_s,
  perrow_s, n, engine_s))
print(digest(res.rank, res.acceptable))
print(digest(rank, acc))
reg:close()
