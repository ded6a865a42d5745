--- Report sections of quantitative risk (docs/report-model.md), from the
-- latest stored run: the portfolio's annual loss before and after
-- treatment, the loss exceedance curve (a table of points whose `chart`
-- the HTML renderer draws, log loss axis) and the risks with the largest
-- expected annual loss; and for XLSX every risk of the run, streamed from
-- the register. Plain data: the report package renders it.
-- @module isms.quant.report
local M = {}

local function money(x) return x and math.floor(x + 0.5) or nil end
local function prob(p) return p and math.floor(p * 10000 + 0.5) / 10000 or nil end

-- 3000000 -> "3M", 25000 -> "25k"
local function short(x)
  for _, u in ipairs({ { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" } }) do
    if x >= u[1] then return (("%.1f"):format(x / u[1]):gsub("%.0$", "")) .. u[2] end
  end
  return tostring(money(x))
end

local function plural(n, one) return ("%d %s%s"):format(n, one, n == 1 and "" or "s") end

--- The sections of the latest run, or {} when the register has none.
-- @tparam table opts `{ limit = rows of the risk table (100) }`
function M.sections(reg, opts)
  opts = opts or {}
  local limit = opts.limit or 100
  local res = reg:quant_result(nil, { top = limit })
  if not res then return {} end
  local cur = res.currency and (" (" .. res.currency .. ")") or ""
  local b0, a0 = res.before, res.after
  local facts = {
    { label = "Method", value = res.method },
    { label = "Run", value = ("%d, %s by %s"):format(res.run, res.at or "", res.actor or "") },
    { label = "Simulated", value = ("%s x %s years, seed %s"):format(plural(res.risks, "risk"),
                                                                     res.iterations, res.seed) },
    { label = "Expected annual loss" .. cur, value = money(b0.mean) },
    { label = "... after treatment", value = money(a0.mean) },
    { label = "p90 / p99 annual loss", value = ("%s / %s"):format(money(b0.p90), money(b0.p99)) },
    { label = "... after treatment", value = ("%s / %s"):format(money(a0.p90), money(a0.p99)) },
  }
  if res.threshold then
    facts[#facts + 1] = { label = ("P(year above %s)"):format(money(res.threshold)),
                          value = ("%.1f%% before, %.1f%% after"):format(b0.p_exceed * 100,
                                                                         a0.p_exceed * 100) }
  end
  if (res.control_cost or 0) > 0 then
    facts[#facts + 1] = { label = "Controls' yearly cost", value = money(res.control_cost) }
    facts[#facts + 1] = { label = "Loss reduction", value = money(res.reduction) }
    facts[#facts + 1] = { label = "Return on the controls",
                          value = res.rosi and math.floor(res.rosi * 100 + 0.5) / 100 or nil }
  end
  local points = {}
  for k, p in ipairs(res.curve) do
    points[k] = { loss = money(p.loss), before = prob(p.before), after = prob(p.after) }
  end
  local marks = {}
  if res.threshold then
    marks[1] = { x = res.threshold, label = "threshold " .. short(res.threshold) }
  end
  local rows = {}
  for k, r in ipairs(res.rows) do
    rows[k] = { ref = r.ref, level = r.level, mean = money(r.mean), p90 = money(r.p90),
                p99 = money(r.p99), p_exceed = prob(r.p_exceed), acceptable = r.acceptable,
                after_level = r.after_level, after_mean = money(r.after.mean),
                after_acceptable = r.after_acceptable,
                cost = (r.cost or 0) > 0 and money(r.cost) or nil }
  end
  -- Rated level (rows) against quantitative level (columns), as whatif's
  -- matrix: the two scales side by side.
  -- Columns in band order: the bands rise with the statistic they band.
  local metric = ({ mean = 1, p50 = 1, p90 = 1, p95 = 1, p99 = 1, max = 1 })[res.metric or ""]
    and res.metric or "mean"
  local levels = {}
  for r in reg:query(("SELECT coalesce(level, 'none') AS level FROM quant_results WHERE run = ?1 "
                      .. "GROUP BY 1 ORDER BY min(%s)"):format(metric), res.run) do
    levels[#levels + 1] = r.level
  end
  local function level_col(name) return name or "none" end
  local cross, order = {}, {}
  for r in reg:query([[SELECT coalesce(k.level, 'unrated') AS rated, q.level AS quant,
      min(coalesce(k.level_rank, 0)) AS rank, count(*) AS n
    FROM quant_results q LEFT JOIN risks k ON k.ref = q.risk WHERE q.run = ?1
    GROUP BY 1, 2 ORDER BY 3, 1]], res.run) do
    if not cross[r.rated] then
      cross[r.rated] = { rated = r.rated }
      order[#order + 1] = r.rated
    end
    cross[r.rated][level_col(r.quant)] = tonumber(r.n)
  end
  local cross_cols = { { key = "rated", title = "Rated level \\ quantitative level" } }
  for _, l in ipairs(levels) do
    cross_cols[#cross_cols + 1] = { key = l, title = l, numeric = true }
  end
  local cross_rows = {}
  for k, name in ipairs(order) do cross_rows[k] = cross[name] end
  local over = res.risk_threshold and ("P(year > %s)"):format(money(res.risk_threshold))
    or "P(year > threshold)"
  return {
    { id = "quant-summary", title = "Annual loss (quantitative)", kind = "facts", facts = facts,
      note = "FAIR-style Monte Carlo of each risk's annual loss (docs/quantitative.md); after "
        .. "treatment the selected controls' effects apply" },
    { id = "quant-curve", title = "Loss exceedance curve", kind = "table",
      columns = { { key = "loss", title = "Annual loss" .. cur, numeric = true },
                  { key = "before", title = "P(year above), before treatment", numeric = true },
                  { key = "after", title = "P(year above), after treatment", numeric = true } },
      rows = points, total = #points,
      note = "The probability that a year's loss of the whole register is above each amount",
      chart = { x = "loss", x_title = "Annual loss" .. cur .. ", log scale",
                y_title = "Probability of a year above", log_x = true, marks = marks,
                series = { { key = "before", name = "Before treatment", color = "#C62828" },
                           { key = "after", name = "After treatment", color = "#2E7D32" } } } },
    { id = "quant-levels", title = "Rated and quantitative levels", kind = "table",
      columns = cross_cols, rows = cross_rows, total = #cross_rows,
      note = "Risks of the run by the level their ratings give (rows) and the level their "
        .. "annual loss bands into (columns)" },
    { id = "quant-risks", title = "Risks by expected annual loss", kind = "table",
      columns = {
        { key = "ref", title = "Risk" }, { key = "level", title = "Level" },
        { key = "mean", title = "Expected annual loss", numeric = true },
        { key = "p90", title = "p90", numeric = true }, { key = "p99", title = "p99", numeric = true },
        { key = "p_exceed", title = over, numeric = true },
        { key = "acceptable", title = "Acceptable" },
        { key = "after_level", title = "Level after" },
        { key = "after_mean", title = "Expected loss after", numeric = true },
        { key = "after_acceptable", title = "Acceptable after" },
        { key = "cost", title = "Controls' yearly cost", numeric = true } },
      rows = rows, total = res.risks,
      note = #rows < res.risks and ("%d of %d shown; every risk is in the XLSX report")
        :format(#rows, res.risks) or nil },
  }
end

--- XLSX sheets streamed from the register: every risk of the latest run.
function M.sheets(reg)
  local row = reg:query("SELECT max(id) AS run FROM quant_runs")()
  local run = row and tonumber(row.run)
  if not run then return {} end
  local cols = {
    { "risk", "Risk" }, { "level", "Level" }, { "mean", "Expected annual loss", number = true },
    { "sd", "sd", number = true }, { "p50", "p50", number = true }, { "p90", "p90", number = true },
    { "p95", "p95", number = true }, { "p99", "p99", number = true },
    { "max", "Worst year", number = true },
    { "p_exceed", "P(year > threshold)", number = true },
    { "p_loss", "P(any loss in a year)", number = true },
    { "acceptable", "Acceptable", number = true }, { "after_level", "Level after" },
    { "after_mean", "Expected loss after", number = true },
    { "after_p90", "p90 after", number = true }, { "after_p99", "p99 after", number = true },
    { "after_acceptable", "Acceptable after", number = true },
    { "cost", "Controls' yearly cost", number = true },
  }
  local exprs = {}
  for k, c in ipairs(cols) do exprs[k] = c[1] end
  return { { name = "Annual loss", cols = cols,
             query = ("SELECT %s FROM quant_results WHERE run = %d ORDER BY mean DESC, risk")
               :format(table.concat(exprs, ", "), run) } }
end

return M
