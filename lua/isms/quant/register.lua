--- Quantitative risk on the register (docs/quantitative.md): the methods
-- `reg:quant_model`, `reg:quant_run`, `reg:quant_runs` and
-- `reg:quant_result`, added to every register when this module loads.
--
-- A run reads the risks with their asset's class, units and value, the
-- threat's class and the risk's treatment and selected controls; builds
-- each risk's estimates from the model (isms.quant.model); simulates them
-- in C (isms.quant.engine); bands each risk's loss statistic into the
-- methodology's risk levels and applies the acceptance criteria; and
-- stores the run, its curve and its results in one transaction.
-- @module isms.quant.register
local register = require "isms.store.register"
local methodology = require "isms.method.methodology"
local model = require "isms.quant.model"
local engine = require "isms.quant.engine"

local M = {}
local methods = {}

local check_open = register.check_open

--- The quantitative model of a methodology (by name or path; default the
-- register's): the model and the methodology, or nil, message, code.
function methods:quant_model(name)
  check_open(self, "quant_model")
  local m, err, code
  if name then m, err, code = methodology.load(name) else m, err, code = self:methodology() end
  if not m then return nil, err, code end
  local ok, spec = pcall(model.from, m)
  if not ok then
    if type(spec) == "table" and spec.msg then return nil, spec.msg, spec.code or "RULE" end
    error(spec, 0)
  end
  if not spec then
    return nil, ("methodology %s has no quantitative model (quant_model); choose one that has, "
                 .. "e.g. --method fair-qism"):format(m:name()), "INPUT"
  end
  return spec, m
end

local RISKS_SQL = [[SELECT r.ref, r.threat, th.class AS threat_class, a.class AS asset_class,
    a.units, a.value, t.option,
    (SELECT group_concat(control, ' ') FROM treatment_controls c WHERE c.risk = r.ref) AS controls
  FROM risks r JOIN assets a ON a.id = r.asset LEFT JOIN threats th ON th.id = r.threat
  LEFT JOIN treatments t ON t.risk = r.ref ORDER BY r.ref]]

-- The risks of the register as the model needs them.
local function read_risks(reg)
  local list = {}
  for row in reg:query(RISKS_SQL) do
    local controls = {}
    for id in (row.controls or ""):gmatch("%S+") do controls[#controls + 1] = id end
    list[#list + 1] = { ref = row.ref, threat = row.threat, threat_class = row.threat_class,
                        asset_class = row.asset_class, units = tonumber(row.units) or 1,
                        value = tonumber(row.value) or 0, option = row.option,
                        controls = controls }
  end
  return list
end

local function by_mean(x, y)
  if x.mean ~= y.mean then return x.mean > y.mean end
  return x.ref < y.ref
end

--- Simulates the register's risks under a quantitative model.
-- @tparam[opt] table opts `{ method = name, iterations, seed, threads,
--   correlation, store = true, reason, progress = function(fraction) }`
--   (settings not given come from the model's quant_model)
-- @treturn table|nil the result (see docs/quantitative.md), or nil, message, code
function methods:quant_run(opts)
  check_open(self, "quant_run")
  opts = opts or {}
  local spec, err0, code0 = self:quant_model(opts.method)
  if not spec then return nil, err0, code0 end
  local mdl = spec.model
  local list, skipped, info = {}, {}, {}
  for _, risk in ipairs(read_risks(self)) do
    local before, after, cost, used = model.estimates(spec, risk)
    if before then
      list[#list + 1] = { ref = risk.ref, before = before, after = after }
      info[#list] = { risk = risk, cost = cost, controls = used }
    else
      skipped[#skipped + 1] = { ref = risk.ref, why = after }
    end
  end
  if #list == 0 then
    return nil, ("no risk of the register has estimates under %s (%d risks; the first: %s)")
      :format(spec.method, #skipped, skipped[1] and (skipped[1].ref .. ": " .. skipped[1].why)
              or "the register has no risks"), "INPUT"
  end
  local settings = {
    seed = opts.seed or mdl.seed, iterations = opts.iterations or mdl.iterations,
    threads = opts.threads or 0, correlation = opts.correlation or mdl.correlation,
    threshold = mdl.threshold, risk_threshold = mdl.risk_threshold, progress = opts.progress,
  }
  local run, err, code = engine.run(list, settings)
  if not run then return nil, err, code end
  local res = { method = spec.method, currency = mdl.currency, metric = mdl.metric,
                seed = settings.seed, iterations = settings.iterations,
                correlation = settings.correlation, threshold = mdl.threshold,
                risk_threshold = mdl.risk_threshold, risks = #list, skipped = #skipped,
                skipped_first = skipped[1], rows = {} }
  res.before, res.after = run:portfolio(false), run:portfolio(true)
  local level, acceptable, after_level, after_acceptable, costs = {}, {}, {}, {}, {}
  local distinct = {}
  for i, r in ipairs(list) do
    local b0, a0 = run:risk(i, false), run:risk(i, true)
    local cls = info[i].risk.asset_class
    level[i] = model.level(spec, b0[mdl.metric])
    after_level[i] = model.level(spec, a0[mdl.metric])
    acceptable[i] = model.acceptable(spec, b0, cls, false)
    after_acceptable[i] = model.acceptable(spec, a0, cls, true)
    costs[i] = info[i].cost
    for _, id in ipairs(info[i].controls) do distinct[id] = true end
    local row = { ref = r.ref, level = level[i], acceptable = acceptable[i], after = a0,
                  after_level = after_level[i], after_acceptable = after_acceptable[i],
                  cost = costs[i], controls = table.concat(info[i].controls, " "),
                  treated = r.after ~= nil }
    for k, v in pairs(b0) do row[k] = v end
    res.rows[i] = row
  end
  local control_cost = 0
  for id in pairs(distinct) do control_cost = control_cost + spec.controls[id].cost end
  res.control_cost = control_cost
  res.reduction = res.before.mean - res.after.mean
  res.rosi = control_cost > 0 and (res.reduction - control_cost) / control_cost or nil
  local curve, x = run:curve(mdl.curve_points)
  res.curve = curve
  if opts.store ~= false then
    local id, serr, scode = run:save(self, {
      method = spec.method, currency = mdl.currency, metric = mdl.metric, reason = opts.reason,
      control_cost = control_cost, curve = x, npoints = #curve, level = level,
      acceptable = acceptable, after_level = after_level, after_acceptable = after_acceptable,
      cost = costs })
    if not id then return nil, serr, scode end
    res.run = id
  end
  table.sort(res.rows, by_mean)
  return res
end

local STAT_COLS = { "mean", "sd", "p50", "p90", "p95", "p99", "max", "p_exceed", "p_loss" }

-- Columns read as quote(col): SQLite's text of a REAL keeps 15 digits,
-- quote() all that reading it back needs.
local function exact(prefix, cols, as)
  local list = {}
  for k, c in ipairs(cols) do
    list[k] = ("quote(%s%s) AS %s%s"):format(prefix, c, as or "", c)
  end
  return table.concat(list, ", ")
end

-- "1" true, "0" false, NULL nil
local function flag(v)
  if v == nil then return nil end
  return v == "1"
end

local function stats_of(row, prefix)
  local s = {}
  for _, k in ipairs(STAT_COLS) do s[k] = tonumber(row[prefix .. k]) end
  return s
end

--- The stored runs, newest first: list of { run, at, actor, method,
-- currency, seed, iterations, risks, mean, after_mean, control_cost }.
function methods:quant_runs()
  check_open(self, "quant_runs")
  local list = {}
  for row in self:query([[SELECT q.id, b.at, b.actor, q.method, q.currency, q.seed, q.iterations,
      q.risks, q.mean, q.after_mean, q.control_cost FROM quant_runs q
      JOIN change_batches b ON b.id = q.batch ORDER BY q.id DESC]]) do
    list[#list + 1] = { run = tonumber(row.id), at = row.at, actor = row.actor,
                        method = row.method, currency = row.currency, seed = tonumber(row.seed),
                        iterations = tonumber(row.iterations), risks = tonumber(row.risks),
                        mean = tonumber(row.mean), after_mean = tonumber(row.after_mean),
                        control_cost = tonumber(row.control_cost) }
  end
  return list
end

--- A stored run (the latest without `id`) in the shape quant_run returns,
-- with its `top` risks by mean annual loss (all without `top`).
-- @treturn table|nil the result, or nil, message, "NOTFOUND"
function methods:quant_result(id, opts)
  check_open(self, "quant_result")
  opts = opts or {}
  local sql = "SELECT q.id, q.method, q.currency, q.metric, q.seed, q.iterations, "
    .. exact("q.", { "correlation", "risks", "threshold", "risk_threshold", "control_cost" }) .. ", "
    .. exact("q.", STAT_COLS) .. ", " .. exact("q.after_", STAT_COLS, "after_")
    .. ", b.at, b.actor FROM quant_runs q JOIN change_batches b ON b.id = q.batch "
  local row
  if id then
    row = self:query(sql .. "WHERE q.id = ?1", id)()
  else
    row = self:query(sql .. "ORDER BY q.id DESC LIMIT 1")()
  end
  if not row then
    return nil, id and ("no quantitative run %s in the register"):format(tostring(id))
      or "no quantitative run in the register yet; run isms quant first", "NOTFOUND"
  end
  local res = { run = tonumber(row.id), at = row.at, actor = row.actor, method = row.method,
                currency = row.currency, metric = row.metric, seed = tonumber(row.seed),
                iterations = tonumber(row.iterations), correlation = tonumber(row.correlation),
                risks = tonumber(row.risks), threshold = tonumber(row.threshold),
                risk_threshold = tonumber(row.risk_threshold),
                control_cost = tonumber(row.control_cost), rows = {}, curve = {} }
  res.before, res.after = stats_of(row, ""), stats_of(row, "after_")
  res.reduction = res.before.mean - res.after.mean
  res.rosi = (res.control_cost or 0) > 0
    and (res.reduction - res.control_cost) / res.control_cost or nil
  local limit = opts.top and (" LIMIT " .. math.floor(opts.top)) or ""
  for r in self:query("SELECT risk, level, acceptable, after_level, after_acceptable, "
                      .. exact("", STAT_COLS) .. ", " .. exact("after_", STAT_COLS, "after_")
                      .. ", " .. exact("", { "cost" })
                      .. " FROM quant_results WHERE run = ?1 ORDER BY quant_results.mean DESC, risk"
                      .. limit,
                      res.run) do
    local out = stats_of(r, "")
    out.ref, out.level, out.after_level = r.risk, r.level, r.after_level
    out.acceptable, out.after_acceptable = flag(r.acceptable), flag(r.after_acceptable)
    out.after = stats_of(r, "after_")
    out.cost = tonumber(r.cost)
    out.treated = out.after.mean ~= out.mean or out.cost ~= 0
    res.rows[#res.rows + 1] = out
  end
  for p in self:query("SELECT " .. exact("", { "loss", "before", "after" })
                      .. " FROM quant_curve WHERE run = ?1 ORDER BY point", res.run) do
    res.curve[#res.curve + 1] = { loss = tonumber(p.loss), before = tonumber(p.before),
                                  after = tonumber(p.after) }
  end
  return res
end

register.extend(methods)

M.methods = methods
return M
