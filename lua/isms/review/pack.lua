--- The management review pack (ISO/IEC 27001 9.3.2, guideline section 8
-- inputs a-f) as a report model (docs/report-model.md), assembled from the
-- register for a period: the status of actions from previous reviews;
-- changes in scope and context; nonconformity and corrective action
-- trends, measurement results against targets, audit results and
-- objectives; interested-party feedback; risk assessment results and the
-- RTP's status; opportunities for improvement; and the state of the
-- documented information. Everything that grows with the register is an
-- SQL aggregate or a capped list that says how many rows there are, so a
-- pack of a register with 100,000 findings, documents and actions takes
-- tens of milliseconds.
local kind = require "isms.store.kind"
local records = require "isms.store.records"
local docs = require "isms.docs"
local dates = require "isms.docs.dates"
local measure = require "isms.measure"
local audit = require "isms.audit"
local incidents = require "isms.incident"

local M = {}

M.LIMIT = 50  -- rows of a long list kept in the pack

local first = docs.first_row

local function n_of(reg, sql, ...)
  local row = first(reg, sql, ...)
  return row and tonumber(row.n) or 0
end

local function rows_of(reg, limit, sql, ...)
  local out = {}
  for row in reg:query(sql .. (" LIMIT %d"):format(limit), ...) do out[#out + 1] = row end
  return out
end

local function shown_note(shown, total, what)
  if total > shown then return ("%d of %d %s shown"):format(shown, total, what) end
end

-- Entities of the change log that are the ISMS's scope and context (the
-- registers of other areas log under these names as they land).
M.CONTEXT_ENTITIES = { "scope", "setting", "interested_party", "obligation", "issue",
                       "objective", "role" }

local function section_previous_actions(reg, p)
  local today = p.today
  -- Previous reviews: held (or ending) by the end of the period. Usually
  -- that is every review, and the counts come from review_actions_due
  -- alone; a pack of an earlier period leaves the later reviews out.
  local later = n_of(reg, "SELECT count(*) AS n FROM reviews WHERE coalesce(held, period_to) IS "
                     .. "NULL OR coalesce(held, period_to) > ?1", p.to)
  local previous = later == 0 and "?1 = ?1"
    or "review IN (SELECT id FROM reviews WHERE coalesce(held, period_to) <= ?1)"
  local counts, open_total = {}, 0
  for row in reg:query("SELECT status, count(*) AS n FROM review_actions WHERE " .. previous
                       .. " GROUP BY status ORDER BY status", p.to) do
    counts[#counts + 1] = { label = row.status, value = tonumber(row.n) }
    if row.status == "open" or row.status == "in_progress" then
      open_total = open_total + tonumber(row.n)
    end
  end
  -- the first due of each open status, by review_actions_due(status, due), merged
  local rows = {}
  for _, status in ipairs { "open", "in_progress" } do
    for _, row in ipairs(rows_of(reg, M.LIMIT, "SELECT id, review, title, owner, due, status FROM "
        .. "review_actions WHERE status = ?2 AND " .. previous .. " ORDER BY due, id", p.to, status)) do
      rows[#rows + 1] = row
    end
  end
  table.sort(rows, function(a, b) return a.due < b.due or a.due == b.due and a.id < b.id end)
  for k = #rows, M.LIMIT + 1, -1 do rows[k] = nil end
  for _, row in ipairs(rows) do
    row.overdue = row.due < today and dates.days(row.due, today) or nil
  end
  return {
    { id = "previous-actions-status", title = "a. Previous review actions",
      kind = "facts", facts = #counts > 0 and counts or { { label = "actions", value = 0 } } },
    { id = "previous-actions", title = "a. Open previous review actions", kind = "table",
      columns = { { key = "id", title = "Action" }, { key = "review", title = "Review" },
                  { key = "title", title = "Title" }, { key = "owner", title = "Owner" },
                  { key = "due", title = "Due" }, { key = "status", title = "Status" },
                  { key = "overdue", title = "Days overdue", numeric = true } },
      rows = rows, total = open_total, note = shown_note(#rows, open_total, "open actions") },
  }
end

local function section_context(reg, p)
  local ph = {}
  for k = 1, #M.CONTEXT_ENTITIES do ph[k] = "?" .. (k + 2) end
  local rows = {}
  for row in reg:query("SELECT l.entity, sum(l.action = 'create') AS created, sum(l.action = "
      .. "'update') AS updated, sum(l.action = 'delete') AS deleted FROM change_entries l JOIN "
      .. "change_batches b ON b.id = l.batch WHERE l.entity IN (" .. table.concat(ph, ", ")
      .. ") AND substr(b.at, 1, 10) >= ?1 AND substr(b.at, 1, 10) <= ?2 GROUP BY l.entity "
      .. "ORDER BY l.entity", p.from, p.to, unpack(M.CONTEXT_ENTITIES)) do
    rows[#rows + 1] = { entity = row.entity, created = tonumber(row.created),
                        updated = tonumber(row.updated), deleted = tonumber(row.deleted) }
  end
  local facts = {}
  for row in reg:query("SELECT title AS name, statement FROM scopes ORDER BY id") do
    facts[#facts + 1] = { label = "Scope: " .. row.name, value = row.statement }
  end
  local out = {
    { id = "context", title = "b. Changes in scope and context (change log)", kind = "table",
      columns = { { key = "entity", title = "Record" },
                  { key = "created", title = "Created", numeric = true },
                  { key = "updated", title = "Changed fields", numeric = true },
                  { key = "deleted", title = "Deleted", numeric = true } },
      rows = rows, total = #rows,
      note = #rows == 0 and "no change to scope, context or settings in the period" or nil },
  }
  if #facts > 0 then
    out[#out + 1] = { id = "scope", title = "b. Scope as it stands", kind = "facts", facts = facts }
  end
  return out
end

local function section_nonconformities(reg, p)
  local t = audit.nonconformity.trends(reg, { today = p.today, from = p.from, to = p.to })
  local open_now = n_of(reg, "SELECT count(*) AS n FROM nonconformities WHERE state <> 'closed'")
  local closed = n_of(reg, "SELECT count(*) AS n FROM nonconformities WHERE closed >= ?1 AND "
                      .. "closed <= ?2", p.from, p.to)
  local ca = {}
  for row in reg:query("SELECT status, count(*) AS n, sum(status IN ('planned', 'in_progress') "
      .. "AND due < ?1) AS overdue FROM corrective_actions GROUP BY status ORDER BY status",
      p.today) do
    ca[#ca + 1] = { status = row.status, actions = tonumber(row.n),
                    overdue = tonumber(row.overdue) }
  end
  local reqs = {}
  for k = 1, math.min(#t.by_requirement, 10) do reqs[k] = t.by_requirement[k] end
  return {
    { id = "nc-summary", title = "c. Nonconformities", kind = "facts", facts = {
      { label = "Raised in the period", value = t.total },
      { label = "Of those, still open", value = t.open },
      { label = "Closed in the period", value = closed },
      { label = "Open now (all)", value = open_now } } },
    { id = "nc-source", title = "c. Nonconformities by source", kind = "table",
      columns = { { key = "source", title = "Source" },
                  { key = "total", title = "Raised", numeric = true },
                  { key = "open", title = "Open", numeric = true } },
      rows = t.by_source, total = #t.by_source },
    { id = "nc-quarter", title = "c. Nonconformities by quarter raised", kind = "table",
      columns = { { key = "quarter", title = "Quarter" },
                  { key = "total", title = "Raised", numeric = true } },
      rows = t.by_quarter, total = #t.by_quarter },
    { id = "nc-requirement", title = "c. Nonconformities by requirement", kind = "table",
      columns = { { key = "requirement", title = "Requirement" },
                  { key = "total", title = "Raised", numeric = true } },
      rows = reqs, total = #t.by_requirement,
      note = shown_note(#reqs, #t.by_requirement, "requirements") },
    { id = "nc-age", title = "c. Open nonconformities by age", kind = "table",
      columns = { { key = "age", title = "Age" }, { key = "open", title = "Open", numeric = true } },
      rows = t.by_age, total = #t.by_age },
    { id = "corrective-actions", title = "c. Corrective actions", kind = "table",
      columns = { { key = "status", title = "Status" },
                  { key = "actions", title = "Actions", numeric = true },
                  { key = "overdue", title = "Overdue", numeric = true } },
      rows = ca, total = #ca },
  }
end

local function section_metrics(reg, p)
  local view, err = measure.view(reg, { today = p.today, from = p.from, to = p.to })
  local rows, charts = {}, {}
  for _, m in ipairs(view or {}) do
    if #m.trend > 0 then
      local points = {}
      for k, v in ipairs(m.trend) do points[k] = { label = m.trend_dates[k], value = v or nil } end
      charts[#charts + 1] = { title = m.id .. ": " .. m.title, unit = m.unit, target = m.target,
                              points = points }
    end
    local target = m.target and ((m.direction == "lower" and "<= " or ">= ") .. m.target) or nil
    rows[#rows + 1] = { id = m.id, title = m.title, unit = m.unit, target = target,
                        latest = m.latest, date = m.date, status = m.status, trend = m.spark,
                        points = #m.trend }
  end
  return {
    { id = "metrics", title = "c. Measurement results against targets", kind = "table",
      columns = { { key = "id", title = "Metric" }, { key = "title", title = "Title" },
                  { key = "unit", title = "Unit" }, { key = "target", title = "Target" },
                  { key = "latest", title = "Latest", numeric = true },
                  { key = "date", title = "Measured" }, { key = "status", title = "Status" },
                  { key = "trend", title = "Trend" },
                  { key = "points", title = "Measurements", numeric = true } },
      rows = rows, total = #rows, problems = not view and { err } or nil, charts = charts },
  }
end

local function section_audits(reg, p)
  local where = "FROM audits a WHERE coalesce(a.end_date, a.start_date) >= ?1 AND "
    .. "coalesce(a.start_date, a.end_date) <= ?2"
  local total = n_of(reg, "SELECT count(*) AS n " .. where, p.from, p.to)
  local rows = rows_of(reg, M.LIMIT, "SELECT a.id, a.title, a.start_date, a.end_date, a.status "
    .. where .. " ORDER BY a.start_date, a.id", p.from, p.to)
  local by_id, ids = {}, {}
  for _, r in ipairs(rows) do
    r.major, r.minor, r.ofi, r.obs = 0, 0, 0, 0
    by_id[r.id] = r
    ids[#ids + 1] = r.id
  end
  local KEY = { major = "major", minor = "minor", ofi = "ofi", observation = "obs" }
  -- the findings of the audits shown, by class: findings_audit(audit, class)
  for k = 1, #ids, 200 do
    local slice, ph = {}, {}
    for j = k, math.min(#ids, k + 199) do
      slice[#slice + 1] = ids[j]
      ph[#ph + 1] = "?" .. #slice
    end
    for row in reg:query("SELECT audit, class, count(*) AS n FROM findings WHERE audit IN ("
        .. table.concat(ph, ", ") .. ") GROUP BY audit, class", unpack(slice)) do
      local key, r = KEY[row.class], by_id[row.audit]
      if key and r then r[key] = tonumber(row.n) end
    end
  end
  local programme = audit.programme(reg, { today = p.today })
  local due = 0
  for _, a in ipairs(programme) do if a.overdue then due = due + 1 end end
  return {
    { id = "audits", title = "c. Audit results", kind = "table",
      columns = { { key = "id", title = "Audit" }, { key = "title", title = "Title" },
                  { key = "start_date", title = "Start" }, { key = "end_date", title = "End" },
                  { key = "status", title = "Status" },
                  { key = "major", title = "Major NC", numeric = true },
                  { key = "minor", title = "Minor NC", numeric = true },
                  { key = "ofi", title = "OFI", numeric = true },
                  { key = "obs", title = "Observations", numeric = true } },
      rows = rows, total = total,
      note = shown_note(#rows, total, "audits") or (total == 0 and "no audit in the period" or nil),
      problems = due > 0 and { ("%d area(s) of the audit programme are due and not planned")
        :format(due) } or nil },
  }
end

-- Information security incidents (feedback on performance, 9.3.2 c;
-- A.5.24-A.5.28): counts per severity in the period, the times to contain
-- and close, the incidents still open and those that raised a
-- nonconformity. The statistics are isms.incidents.stats (SQL over the
-- schema's indexes); the lists are capped.
local function section_incidents(reg, p)
  local s, err = incidents.stats(reg, { from = p.from, to = p.to, brief = true })
  if not s then
    return { { id = "incidents", title = "c. Information security incidents", kind = "facts",
               facts = {}, problems = { err } } }
  end
  local spec = incidents.rules.of(reg)
  local sev = {}
  for _, row in ipairs(s.by_severity) do sev[row.severity] = row.count end
  local severities = {}
  for _, label in ipairs(spec.scales.severity.labels) do
    severities[#severities + 1] = { severity = label, incidents = sev[label] or 0 }
    sev[label] = nil
  end
  for _, row in ipairs(s.by_severity) do
    if sev[row.severity] then
      severities[#severities + 1] = { severity = row.severity, incidents = row.count }
    end
  end
  local range = "detected >= ?1 AND detected <= ?2 || '~'"
  local closed = n_of(reg, "SELECT count(*) AS n FROM incidents WHERE closed >= ?1 AND closed <= ?2 || '~'",
                      p.from, p.to)
  local open_total = n_of(reg, "SELECT count(*) AS n FROM incidents WHERE closed IS NULL AND "
                          .. "detected <= ?1 || '~'", p.to)
  local open = rows_of(reg, M.LIMIT, "SELECT id, detected, severity, title, contained, owner FROM "
    .. "incidents WHERE closed IS NULL AND detected <= ?1 || '~' ORDER BY detected, id", p.to)
  local nc_total = n_of(reg, "SELECT count(*) AS n FROM incidents WHERE nonconformity IS NOT NULL AND "
                        .. range, p.from, p.to)
  local ncs = rows_of(reg, M.LIMIT, "SELECT i.id, i.detected, i.severity, i.title, i.nonconformity, "
    .. "c.state FROM incidents i LEFT JOIN nonconformities c ON c.id = i.nonconformity WHERE "
    .. "i.nonconformity IS NOT NULL AND i.detected >= ?1 AND i.detected <= ?2 || '~' "
    .. "ORDER BY i.detected, i.id", p.from, p.to)
  local times = {}
  for _, what in ipairs { "contain", "close" } do
    local t = s[what]
    times[#times + 1] = { time = "to " .. what, incidents = t.n, mean = t.mean, median = t.median,
                          p90 = t.p90 }
  end
  local function hours(v) return v and ("%s h"):format(v) or "none timed" end
  return {
    { id = "incidents", title = "c. Information security incidents", kind = "facts", facts = {
      { label = "Detected in the period", value = s.total },
      { label = "Closed in the period", value = closed },
      { label = "Open at the end of the period", value = open_total },
      { label = "Raised a nonconformity", value = nc_total },
      { label = "Median time to contain", value = hours(s.contain.median) },
      { label = "Median time to close", value = hours(s.close.median) } } },
    { id = "incidents-severity", title = "c. Incidents by severity", kind = "table",
      columns = { { key = "severity", title = "Severity" },
                  { key = "incidents", title = "Incidents", numeric = true } },
      rows = severities, total = #severities },
    { id = "incidents-times", title = "c. Incidents: times to contain and close (hours)",
      kind = "table",
      columns = { { key = "time", title = "Time" },
                  { key = "incidents", title = "Incidents timed", numeric = true },
                  { key = "mean", title = "Mean", numeric = true },
                  { key = "median", title = "Median", numeric = true },
                  { key = "p90", title = "90th percentile", numeric = true } },
      rows = times, total = #times },
    { id = "incidents-open", title = "c. Open incidents", kind = "table",
      columns = { { key = "id", title = "Incident" }, { key = "detected", title = "Detected" },
                  { key = "severity", title = "Severity" }, { key = "title", title = "Title" },
                  { key = "contained", title = "Contained" }, { key = "owner", title = "Owner" } },
      rows = open, total = open_total,
      note = shown_note(#open, open_total, "open incidents")
        or (open_total == 0 and "no incident open at the end of the period" or nil) },
    { id = "incidents-nc", title = "c. Incidents that raised a nonconformity", kind = "table",
      columns = { { key = "id", title = "Incident" }, { key = "detected", title = "Detected" },
                  { key = "severity", title = "Severity" }, { key = "title", title = "Title" },
                  { key = "nonconformity", title = "Nonconformity" },
                  { key = "state", title = "Its state" } },
      rows = ncs, total = nc_total,
      note = shown_note(#ncs, nc_total, "incidents")
        or (nc_total == 0 and "no incident of the period raised a nonconformity" or nil) },
  }
end

local function section_objectives(reg)
  local d = kind.get("objective")
  if not d or d.kind ~= "objective" then
    return { { id = "objectives", title = "c. Information security objectives", kind = "facts",
               facts = { { label = "Objectives", value = "no objectives register in this version" } } } }
  end
  local columns = {}
  for _, f in ipairs(d.fields) do
    if f.type ~= "links" and #columns < 6 then columns[#columns + 1] = { key = f.name, title = f.name } end
  end
  local rows = {}
  for _, r in ipairs(reg:records("objective"):list()) do
    local row = {}
    for _, c in ipairs(columns) do
      local v = r[c.key]
      row[c.key] = type(v) == "table" and table.concat(v, "; ") or v
    end
    rows[#rows + 1] = row
    if #rows >= M.LIMIT then break end
  end
  return { { id = "objectives", title = "c. Information security objectives", kind = "table",
             columns = columns, rows = rows, total = #rows } }
end

local function section_feedback(reg, p)
  local where = "FROM feedback WHERE received >= ?1 AND received <= ?2"
  local counts = {}
  for row in reg:query("SELECT kind, count(*) AS n " .. where .. " GROUP BY kind ORDER BY kind",
                       p.from, p.to) do
    counts[#counts + 1] = { label = row.kind or "other", value = tonumber(row.n) }
  end
  local total = n_of(reg, "SELECT count(*) AS n " .. where, p.from, p.to)
  local rows = rows_of(reg, M.LIMIT, "SELECT id, party, received, kind, summary, response "
                       .. where .. " ORDER BY received, id", p.from, p.to)
  return {
    { id = "feedback", title = "d. Interested-party feedback", kind = "table",
      columns = { { key = "id", title = "Entry" }, { key = "party", title = "Party" },
                  { key = "received", title = "Received" }, { key = "kind", title = "Kind" },
                  { key = "summary", title = "Summary" }, { key = "response", title = "Response" } },
      rows = rows, total = total,
      note = shown_note(#rows, total, "entries")
        or (total == 0 and "no feedback recorded in the period" or nil) },
    { id = "feedback-kinds", title = "d. Feedback by kind", kind = "facts",
      facts = #counts > 0 and counts or { { label = "entries", value = 0 } } },
  }
end

local function section_risks(reg, p)
  local r = first(reg, "SELECT count(*) AS n, sum(level IS NOT NULL) AS rated, sum(acceptable = 0) "
                  .. "AS unacceptable, sum(decision = 'treat') AS treat, sum(decision = 'accept') "
                  .. "AS accept FROM risks")
  local levels = {}
  for row in reg:query("SELECT level, level_rank, count(*) AS n FROM risks WHERE level IS NOT NULL "
                       .. "GROUP BY level, level_rank ORDER BY level_rank DESC") do
    levels[#levels + 1] = { level = row.level, risks = tonumber(row.n) }
  end
  local options = {}
  for row in reg:query("SELECT option, count(*) AS n FROM treatments GROUP BY option ORDER BY option") do
    options[#options + 1] = { label = "Treatment: " .. row.option, value = tonumber(row.n) }
  end
  local tasks = {}
  for row in reg:query("SELECT status, count(*) AS n, sum(status IN ('planned', 'in_progress') "
      .. "AND due < ?1) AS overdue FROM rtp_tasks GROUP BY status ORDER BY status", p.today) do
    tasks[#tasks + 1] = { status = row.status, tasks = tonumber(row.n),
                          overdue = tonumber(row.overdue) }
  end
  local facts = {
    { label = "Risks", value = tonumber(r.n) or 0 },
    { label = "Rated", value = tonumber(r.rated) or 0 },
    { label = "Above the acceptance criteria", value = tonumber(r.unacceptable) or 0 },
    { label = "Decided: treat", value = tonumber(r.treat) or 0 },
    { label = "Decided: accept", value = tonumber(r.accept) or 0 },
  }
  for _, o in ipairs(options) do facts[#facts + 1] = o end
  return {
    { id = "risks", title = "e. Risk assessment results", kind = "facts", facts = facts },
    { id = "risk-levels", title = "e. Risks by level", kind = "table",
      columns = { { key = "level", title = "Level" }, { key = "risks", title = "Risks", numeric = true } },
      rows = levels, total = #levels },
    { id = "rtp", title = "e. Risk treatment plan: status", kind = "table",
      columns = { { key = "status", title = "Status" },
                  { key = "tasks", title = "Tasks", numeric = true },
                  { key = "overdue", title = "Overdue", numeric = true } },
      rows = tasks, total = #tasks },
  }
end

local function section_improvement(reg, p)
  local total = n_of(reg, "SELECT count(*) AS n FROM findings WHERE class = 'ofi' AND raised >= ?1 "
                     .. "AND raised <= ?2", p.from, p.to)
    + n_of(reg, "SELECT count(*) AS n FROM feedback WHERE kind = 'suggestion' AND received >= ?1 "
           .. "AND received <= ?2", p.from, p.to)
  local rows = rows_of(reg, M.LIMIT, "SELECT id, 'audit finding' AS source, title, raised AS date "
    .. "FROM findings WHERE class = 'ofi' AND raised >= ?1 AND raised <= ?2 UNION ALL SELECT id, "
    .. "'feedback: ' || party, summary, received FROM feedback WHERE kind = 'suggestion' AND "
    .. "received >= ?1 AND received <= ?2 ORDER BY 4, 1", p.from, p.to)
  return {
    { id = "improvement", title = "f. Opportunities for improvement", kind = "table",
      columns = { { key = "id", title = "Ref" }, { key = "source", title = "Source" },
                  { key = "title", title = "Opportunity" }, { key = "date", title = "Date" } },
      rows = rows, total = total,
      note = shown_note(#rows, total, "opportunities")
        or (total == 0 and "no opportunity for improvement recorded in the period" or nil) },
  }
end

local function section_documents(reg, p)
  local s = docs.summary(reg, { today = p.today })
  if not s then return {} end
  local facts = {
    { label = "Documents", value = s.documents },
    { label = "Approved", value = s.approved },
    { label = "Drafts (not approved)", value = s.drafts },
    { label = "Overdue for review", value = s.review_overdue },
    { label = "Past retention, not disposed of", value = s.past_retention },
    { label = "Mandatory items met", value = ("%d of %d"):format(s.mandatory_met, s.mandatory) },
  }
  return { { id = "documents", title = "Documented information", kind = "facts", facts = facts,
             problems = #s.missing > 0 and { "mandatory documented information missing: "
               .. table.concat(s.missing, ", ") } or nil } }
end

--- The review pack for a period as a report model.
-- opts: { from, to (YYYY-MM-DD, required, from <= to), today, register }.
-- @treturn table|nil the model, or nil, message, code
function M.model(reg, opts)
  opts = opts or {}
  for _, k in ipairs { "from", "to" } do
    if not opts[k] then return nil, ("review pack: --%s DATE is required"):format(k), "USAGE" end
    local ok, why = records.date(opts[k], "--" .. k)
    if not ok then return nil, "review pack: " .. why, "INPUT" end
  end
  if opts.to < opts.from then
    return nil, ("review pack: --to %s is before --from %s"):format(opts.to, opts.from), "INPUT"
  end
  local p = { from = opts.from, to = opts.to, today = records.today(opts.today) }
  local sections = {
    { id = "period", title = "Review period", kind = "facts", facts = {
      { label = "From", value = p.from }, { label = "To", value = p.to },
      { label = "Prepared on", value = p.today },
      { label = "Reviews in the period", value = n_of(reg, "SELECT count(*) AS n FROM reviews "
        .. "WHERE held >= ?1 AND held <= ?2", p.from, p.to) } } },
  }
  for _, part in ipairs { section_previous_actions, section_context, section_nonconformities,
                          section_metrics, section_audits, section_incidents, section_objectives,
                          section_feedback,
                          section_risks, section_improvement, section_documents } do
    for _, s in ipairs(part(reg, p)) do sections[#sections + 1] = s end
  end
  return { title = "Management review pack", subtitle = ("ISO/IEC 27001 9.3, %s to %s"):format(
             p.from, p.to),
           generated_at = p.today, register = opts.register, sections = sections }
end

return M
