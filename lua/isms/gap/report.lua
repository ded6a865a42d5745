--- The gap report as a report model (docs/report-model.md): the summary,
-- the roll-up by section and by group (with bars in HTML), the gaps in
-- priority order, and the comparison with an earlier assessment. Every
-- renderer of isms.report turns it into text, Markdown, HTML, JSON, CSV
-- or XLSX.
local format = require "isms.store.format"

local M = {}

local function pct(v) return v and tonumber(("%.1f"):format(v)) or nil end

local function rollup_table(id, title, list, res)
  local is_pct = res.rollup == "percent_met" or res.rollup == "weighted"
  local rows = {}
  for k, g in ipairs(list) do
    rows[k] = { id = g.id, title = g.title, value = is_pct and pct(g.value) or g.value,
                requirements = g.counts.requirements, applicable = g.counts.applicable,
                met = g.counts.met, gaps = g.counts.gaps,
                assessed = g.counts.assessed }
  end
  return { id = id, title = title, kind = "table", total = #rows, rows = rows, columns = {
    { key = "id", title = "Id" }, { key = "title", title = "Title" },
    { key = "value", title = is_pct and "% met" or res.rollup:gsub("_", " "), numeric = true,
      bar = is_pct and 100 or nil },
    { key = "requirements", title = "Requirements", numeric = true },
    { key = "assessed", title = "Assessed", numeric = true },
    { key = "met", title = "Met", numeric = true },
    { key = "gaps", title = "Gaps", numeric = true },
  } }
end

--- The model of an assessment's results (reg:gap_results).
-- opts: top (gaps shown, default all), compare (reg:compare_assessments
-- output, with opts.compare_with its id), generated_at.
function M.model(res, opts)
  opts = opts or {}
  local a = res.assessment
  local top = opts.top or #res.gaps
  local gap_rows = {}
  for k = 1, math.min(top, #res.gaps) do
    local g = res.gaps[k]
    gap_rows[k] = { priority = g.priority, ref = g.ref, title = g.title, section = g.section,
                    status = g.status, maturity = g.maturity, target = g.target,
                    mandatory = g.mandatory, risks = g.risk_count > 0 and g.risk_count or nil,
                    owner = g.owner, effort = g.effort, due = g.due, reason = g.reason,
                    origin = g.origin }
  end
  local facts = {
    { label = "Assessment", value = a.id .. (a.title and (" - " .. a.title) or "") },
    { label = "Framework", value = res.framework },
    { label = "Assessed on", value = a.assessed_on },
    { label = "Assessor", value = a.assessor },
    { label = "Scope", value = a.scope },
    { label = "Method", value = res.method .. " (" .. res.method_title .. ")" },
    { label = res.rollup == "percent_met" and "Met overall (%)"
        or res.rollup == "weighted" and "Met overall, weighted (%)" or "Overall",
      value = (res.rollup == "percent_met" or res.rollup == "weighted") and pct(res.total.value)
        or res.total.value },
    { label = "Requirements assessable", value = res.total.counts.requirements },
    { label = "Assessed", value = res.total.counts.assessed },
    { label = "Gaps", value = #res.gaps },
    { label = "Remediation effort (person-days)", value = res.effort },
    { label = "Gaps without an estimate", value = res.unestimated },
    { label = ("Timeline (weeks, team of %d)"):format(res.team),
      value = tonumber(("%.1f"):format(res.weeks)) },
  }
  -- What the QMS covers already (ISO 9001 credit) and what remains.
  if (res.credited or 0) > 0 then
    table.insert(facts, 11, { label = "Credited from ISO 9001",
      value = ("%d of %d management-system requirements (%.0f%%); the other %d and the "
        .. "controls are the ISMS's own work"):format(res.credited, res.clause_requirements,
        100 * res.credited / res.clause_requirements, res.clause_requirements - res.credited) })
  end
  local sections = {
    { id = "summary", title = "Summary", kind = "facts", facts = facts },
    rollup_table("sections", "By clause", res.sections, res),
    rollup_table("groups", "By theme", res.groups, res),
    { id = "gaps", title = "Gaps in priority order", kind = "table", total = #res.gaps,
      rows = gap_rows,
      note = #gap_rows < #res.gaps and ("the first %s of %s gaps"):format(format.number(#gap_rows),
        format.number(#res.gaps)) or nil,
      columns = {
        { key = "priority", title = "#", numeric = true }, { key = "ref", title = "Requirement" },
        { key = "title", title = "Title" }, { key = "section", title = "Clause" },
        { key = "status", title = "Status" },
        { key = "maturity", title = "Maturity", numeric = true },
        { key = "target", title = "Target", numeric = true },
        { key = "mandatory", title = "Mandatory" },
        { key = "risks", title = "Risks treated", numeric = true },
        { key = "owner", title = "Owner" }, { key = "effort", title = "Effort", numeric = true },
        { key = "due", title = "Due" }, { key = "reason", title = "Why" },
        { key = "origin", title = "Pre-filled from" },
      } },
  }
  if opts.compare then
    local rows = {}
    for _, kind in ipairs({ "improved", "regressed", "new", "dropped" }) do
      for _, it in ipairs(opts.compare[kind]) do
        rows[#rows + 1] = { change = kind, ref = it.ref, from = it.from, to = it.to,
                            from_maturity = it.from_maturity, to_maturity = it.to_maturity }
      end
    end
    sections[#sections + 1] = {
      id = "trend", title = "Since " .. tostring(opts.compare_with), kind = "table",
      total = #rows, rows = rows,
      note = ("%d improved, %d regressed, %d unchanged, %d new"):format(#opts.compare.improved,
        #opts.compare.regressed, #opts.compare.unchanged, #opts.compare.new),
      columns = { { key = "change", title = "Change" }, { key = "ref", title = "Requirement" },
                  { key = "from", title = "Was" }, { key = "to", title = "Now" },
                  { key = "from_maturity", title = "Maturity was", numeric = true },
                  { key = "to_maturity", title = "Maturity now", numeric = true } } }
  end
  return { title = "Gap analysis: " .. res.framework, subtitle = a.title,
           generated_at = opts.generated_at or os.date("!%Y-%m-%d"), sections = sections }
end

return M
