--- The Monte Carlo engine of libisms (core/quant_*.c) from Lua: risks'
-- estimates in, per-risk and portfolio statistics and the loss exceedance
-- curve out. The simulation runs on the engine's own threads; `run` polls
-- it and reports progress between polls (C never calls back into Lua).
-- @module isms.quant.engine
local b = require "isms.store._ffi"
local model = require "isms.quant.model"

local ffi, C = b.ffi, b.C

local M = {}

M.STATS = { "mean", "sd", "p50", "p90", "p95", "p99", "max", "p_exceed", "p_loss" }

local Run = {}
Run.__index = Run

local handle_out = ffi.new("isms_quant *[1]")
local stats_out = ffi.new("isms_quant_stats")
local progress_out = ffi.new("double[1]")
local finished_out = ffi.new("int[1]")

local function stats_table(s)
  local t = {}
  for _, k in ipairs(M.STATS) do t[k] = s[k] end
  return t
end

local function fill_risk(cr, e)
  cr.events = model.EVENTS[e.events or "poisson"]
  model.to_c(cr.lef, e.lef)
  model.to_c(cr.tef, e.tef)
  model.to_c(cr.vuln, e.vulnerability)
  model.to_c(cr.primary, e.primary)
  model.to_c(cr.secondary_p, e.secondary_probability)
  model.to_c(cr.secondary, e.secondary)
end

--- Runs a simulation.
-- @tparam table list `{ { ref =, before = estimates, after = estimates | nil }, ... }`
-- @tparam table opts `{ seed, iterations, threads, correlation, threshold,
--   risk_threshold, progress = function(fraction) | nil, poll_ms }`
-- @treturn Run|nil the finished run, or nil, message, code
function M.run(list, opts)
  if C.isms_quant_new(handle_out) ~= 0 then return nil, "out of memory", "NOMEM" end
  local q = ffi.gc(handle_out[0], C.isms_quant_free)
  local before, after = ffi.new("isms_quant_risk"), ffi.new("isms_quant_risk")
  for _, r in ipairs(list) do
    local ref = r.ref
    before.ref, after.ref = ref, ref
    fill_risk(before, r.before)
    if r.after then fill_risk(after, r.after) end
    local rc = C.isms_quant_add(q, before, r.after and after or nil)
    if rc ~= 0 then return nil, ffi.string(C.isms_quant_errmsg(q)), b.code_names[rc] end
  end
  local o = ffi.new("isms_quant_opts")
  o.seed = opts.seed or 1
  o.iterations = opts.iterations or model.DEFAULTS.iterations
  o.threads = opts.threads or 0
  o.correlation = opts.correlation or 0
  o.threshold = opts.threshold or -1
  o.risk_threshold = opts.risk_threshold or -1
  local rc = C.isms_quant_start(q, o)
  if rc ~= 0 then return nil, ffi.string(C.isms_quant_errmsg(q)), b.code_names[rc] end
  local poll = opts.poll_ms or 100
  repeat
    rc = C.isms_quant_wait(q, poll, progress_out, finished_out)
    if rc ~= 0 then return nil, ffi.string(C.isms_quant_errmsg(q)), b.code_names[rc] end
    if opts.progress then opts.progress(progress_out[0]) end
  until finished_out[0] == 1
  return setmetatable({ q = q, n = #list, opts = o }, Run)
end

--- Statistics of risk i (1-based, in the order given) before or after.
function Run:risk(i, after)
  assert(C.isms_quant_risk_stats(self.q, i - 1, after and 1 or 0, stats_out) == 0)
  return stats_table(stats_out)
end

--- The portfolio's statistics before or after.
function Run:portfolio(after)
  assert(C.isms_quant_portfolio(self.q, after and 1 or 0, stats_out) == 0)
  return stats_table(stats_out)
end

--- The portfolio loss at quantile p.
function Run:quantile(p, after)
  local out = ffi.new("double[1]")
  assert(C.isms_quant_quantile(self.q, after and 1 or 0, p, out) == 0)
  return out[0]
end

--- The loss exceedance curve at n log-spaced losses from about the
-- smallest loss of a year with any loss to the worst year, before and
-- after: list of { loss, before, after } and the C array of losses.
function Run:curve(n)
  local b0, a0 = self:portfolio(false), self:portfolio(true)
  local lo = self:quantile(math.min(1, 1 - b0.p_loss + 0.001), false)
  local hi = math.max(b0.max, a0.max)
  if lo < 1 then lo = 1 end
  if hi <= lo then hi = lo * 10 end
  local x = ffi.new("double[?]", n)
  for k = 0, n - 1 do
    x[k] = n > 1 and math.exp(math.log(lo) + (math.log(hi) - math.log(lo)) * k / (n - 1)) or hi
  end
  local pb, pa = ffi.new("double[?]", n), ffi.new("double[?]", n)
  assert(C.isms_quant_exceedance(self.q, 0, n, x, pb) == 0)
  assert(C.isms_quant_exceedance(self.q, 1, n, x, pa) == 0)
  local list = {}
  for k = 0, n - 1 do list[k + 1] = { loss = x[k], before = pb[k], after = pa[k] } end
  return list, x
end

--- Stores the run in the register (isms_quant_save).
-- @tparam table rec `{ method, currency, metric, reason, control_cost,
--   curve = C array of losses, npoints, level = { ... }, acceptable = { ... },
--   after_level, after_acceptable, cost = { ... } }` (per-risk lists, 1-based)
-- @treturn integer|nil the run's id, or nil, message, code
function Run:save(reg, rec)
  local n = self.n
  local keep = {}
  local function strings(list)
    local arr = ffi.new("const char *[?]", math.max(n, 1))
    for i = 1, n do
      local s = list and list[i]
      if s ~= nil then keep[#keep + 1] = s; arr[i - 1] = s end
    end
    return arr
  end
  local function flags(list)
    local arr = ffi.new("int8_t[?]", math.max(n, 1))
    for i = 1, n do
      local v = list and list[i]
      arr[i - 1] = v == true and 1 or v == false and 0 or -1
    end
    return arr
  end
  local cost = ffi.new("double[?]", math.max(n, 1))
  for i = 1, n do cost[i - 1] = rec.cost and rec.cost[i] or 0 end
  local r = ffi.new("isms_quant_record")
  r.method, r.currency, r.metric, r.reason = rec.method, rec.currency, rec.metric, rec.reason
  r.control_cost = rec.control_cost or 0
  r.npoints = rec.npoints or 0
  r.curve_loss = rec.curve
  local level, acceptable = strings(rec.level), flags(rec.acceptable)
  local after_level, after_acceptable = strings(rec.after_level), flags(rec.after_acceptable)
  r.level, r.acceptable, r.after_level, r.after_acceptable = level, acceptable, after_level,
    after_acceptable
  r.cost = cost
  local out = ffi.new("int64_t[1]")
  local rc = C.isms_quant_save(reg.db, self.q, r, out)
  assert(keep)
  if rc ~= 0 then return nil, ffi.string(C.isms_errmsg(reg.db)), b.code_names[rc] end
  return tonumber(out[0])
end

return M
