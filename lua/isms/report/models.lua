--- Report models (docs/report-model.md) built from the register: the SoA,
-- the RTP and the whole report (summary, heat maps before and after
-- treatment, the most urgent risks, acceptances still missing, SoA, RTP),
-- and their XLSX workbooks. What grows with the register (counts, heat
-- maps, the overdue list) is computed in SQL or the C kernels; the model
-- keeps the first `limit` rows of long tables and says how many there are,
-- while the XLSX workbook carries every row, streamed from SQLite in C.
local b = require "isms.store._ffi"
local decimal = require "isms.store.decimal"
local records = require "isms.store.records"
local treatment = require "isms.treat.treatment"
local xlsx = require "isms.report.xlsx"
local rtp_rules = require "isms.treat.rtp"
local quant_report = require "isms.quant.report"

local ffi, C = b.ffi, b.C

local M = {}

M.LIMIT = 100  -- rows of a long table kept in the model (the rest: XLSX, CSV)

local function count_of(reg, sql, ...)
  local row = reg:query(sql, ...)()  -- one row: the cursor ends with it
  return row and tonumber(row.n) or 0
end

local function note_more(shown, total, where)
  if total > shown then
    return ("%d of %d shown; %s"):format(shown, total, where or "every row is in the XLSX report")
  end
end

-- ------------------------------------------------------------ columns

-- Confidential: what tells an attacker where the organisation is weak
-- (vulnerabilities, the controls in place or missing) and why management
-- took a risk knowingly.
M.SOA_COLUMNS = {
  { key = "control", title = "Control" },
  { key = "title", title = "Title" },
  { key = "group", title = "Clause/theme" },
  { key = "applicable", title = "Applicable" },
  { key = "reasons", title = "Reasons" },
  { key = "justification", title = "Justification" },
  { key = "status", title = "Status" },
  { key = "owner", title = "Owner" },
  { key = "risks", title = "Linked risks", numeric = true },
  { key = "linked", title = "First linked risks", confidential = true },
}

M.TASK_COLUMNS = {
  { key = "id", title = "Task" },
  { key = "risk", title = "Risk" },
  { key = "control", title = "Control" },
  { key = "title", title = "Title" },
  { key = "owner", title = "Owner" },
  { key = "status", title = "Status" },
  { key = "due", title = "Due" },
  { key = "first_due", title = "First due" },
  { key = "delays", title = "Delays", numeric = true },
  { key = "days_overdue", title = "Days overdue", numeric = true },
  { key = "last_delay", title = "Last delay (reason, approved by)" },
}

local function risk_columns(factors, residual_too)
  local cols = {
    { key = "ref", title = "Risk" },
    { key = "asset", title = "Asset" },
    { key = "threat", title = "Threat" },
    { key = "vulnerability", title = "Vulnerability", confidential = true },
    { key = "owners", title = "Owners" },
  }
  for _, f in ipairs(factors) do cols[#cols + 1] = { key = "r:" .. f, title = f, numeric = true } end
  for _, c in ipairs {
    { key = "score", title = "Score", numeric = true },
    { key = "level", title = "Level" },
    { key = "acceptable", title = "Acceptable" },
    { key = "option", title = "Treatment" },
    { key = "controls", title = "Selected controls", confidential = true },
  } do cols[#cols + 1] = c end
  if residual_too then
    for _, c in ipairs {
      { key = "residual_score", title = "Residual score", numeric = true },
      { key = "residual_level", title = "Residual level" },
      { key = "residual_acceptable", title = "Residual acceptable" },
    } do cols[#cols + 1] = c end
  end
  return cols
end

-- ------------------------------------------------------------ heat maps

-- Heat maps count risks per (first factor, second factor) tier with the
-- highest level rank in each cell. Before treatment: from the risk table's
-- columns, one pass in LuaJIT over the arrays, into counts per (cell,
-- rank). After: the same counts with each treated risk moved to its
-- residual cell and rank (avoided risks leave), from one aggregate query
-- over the treatments -- exact, because the counts are kept per rank.
local MAXR = 33  -- ranks 0..32
local AFTER_SQL = [[SELECT r.r1, r.r2, r.level_rank AS rank, t.rr1, t.rr2, t.residual_rank,
    t.option = 'avoid' AS gone, count(*) AS n
  FROM treatments t JOIN risks r ON r.ref = t.risk WHERE r.r1 IS NOT NULL
  GROUP BY 1, 2, 3, 4, 5, 6, 7]]

-- Counts per (first rating, second rating, rank) and the number unrated.
local function cell_counts(t, nfactors)
  local counts = ffi.new("uint32_t[?]", 256 * 256 * MAXR)
  local c = t.c
  local r1, rank = c.ratings[0], c.level_rank
  local r2 = nfactors > 1 and c.ratings[1] or ffi.new("uint8_t[?]", math.max(tonumber(t.n), 1))
  local unrated = 0
  for i = 0, tonumber(t.n) - 1 do
    local a = r1[i]
    if a > 0 then
      local at = (a * 256 + r2[i]) * MAXR + rank[i]
      counts[at] = counts[at] + 1
    else
      unrated = unrated + 1
    end
  end
  return counts, unrated
end

local function move_treated(reg, counts)
  local function at(a, b2, rank) return (a * 256 + b2) * MAXR + rank end
  for row in reg:query(AFTER_SQL) do
    local n = tonumber(row.n)
    local a, b2, rank = tonumber(row.r1), tonumber(row.r2) or 0, tonumber(row.rank) or 0
    counts[at(a, b2, rank)] = counts[at(a, b2, rank)] - n
    if row.gone ~= "1" then
      local na, nb = tonumber(row.rr1) or a, tonumber(row.rr2) or b2
      local nr = tonumber(row.residual_rank) or rank
      counts[at(na, nb, nr)] = counts[at(na, nb, nr)] + n
    end
  end
end

local function tier_labels(m, factor)
  local list = {}
  for _, t in ipairs(m.spec.scales[factor].tiers) do
    list[#list + 1] = ("%d %s"):format(t.value, t.label)
  end
  return list
end

local function heatmap(m, counts, title)
  local factors = m:factors()
  local rows_f, cols_f = factors[1], factors[2]
  local row_labels = tier_labels(m, rows_f)
  local col_labels = cols_f and tier_labels(m, cols_f) or { "all" }
  local levels = m:levels()
  local nr, nc = #row_labels, #col_labels
  local cells, total = {}, 0
  for r = 1, nr do
    local tier1 = nr - r + 1  -- highest tier on top
    cells[r] = {}
    for c = 1, nc do
      local cell = { count = 0 }
      local tier2 = cols_f and c or 0
      for rank = 0, MAXR - 1 do
        local n = counts[(tier1 * 256 + tier2) * MAXR + rank]
        if n > 0 then
          cell.count = cell.count + n
          if rank > 0 and levels[rank] then cell.level = levels[rank].name end
        end
      end
      total = total + cell.count
      cells[r][c] = cell
    end
  end
  local labels = {}
  for r = 1, nr do labels[r] = row_labels[nr - r + 1] end
  local map = { title = title, row_title = rows_f, col_title = cols_f or "", rows = labels,
                cols = col_labels, cells = cells, total = total }
  if #factors > 2 then
    map.note = ("%s x %s; a cell's colour is the highest level of its risks over %s")
      :format(rows_f, cols_f, table.concat(factors, ", ", 3))
  end
  return map
end

local function heatmaps_section(reg, m, t)
  local counts, unrated = cell_counts(t, #m:factors())
  local before = heatmap(m, counts, "Before treatment")
  move_treated(reg, counts)
  local after = heatmap(m, counts, "After treatment")
  local avoided = count_of(reg, "SELECT count(*) AS n FROM treatments WHERE option = 'avoid'")
  if unrated > 0 then before.note = (before.note and before.note .. "; " or "")
    .. ("%d risk(s) not rated"):format(unrated) end
  if avoided > 0 then after.note = (after.note and after.note .. "; " or "")
    .. ("%d risk(s) avoided"):format(avoided) end
  local levels = {}
  for k, lv in ipairs(m:levels()) do
    levels[k] = { name = lv.name, rank = lv.rank or k, color = lv.color }
  end
  return { id = "heatmap", title = "Risk heat map", kind = "heatmaps", maps = { before, after },
           levels = levels }
end

-- ------------------------------------------------------------ risks

-- The `limit` most urgent risks (stored level, score, obligations, ref;
-- ordered in C) with their treatments.
local function top_risks(reg, m, t, limit, today)
  local n = t.n
  local k = math.min(limit, n)
  local out = ffi.new("uint32_t[?]", math.max(k, 1))
  assert(C.isms_risk_order(n, t.c.level_rank, t.c.score, t.c.obligations, k, out) == 0)
  local factors = reg:risk_factors() or m:factors()
  local rows = {}
  for x = 0, k - 1 do
    local i = out[x]
    local ref = t:ref(i)
    local r = { ref = ref, asset = t:asset_id(i), threat = t:threat(i) }
    rows[#rows + 1] = r
    for row in reg:query([[SELECT r.vulnerability, r.owners, r.r1, r.r2, r.r3, r.r4, r.score,
        r.level, r.acceptable, t.option, t.residual_score, t.residual_level,
        t.residual_acceptable,
        (SELECT group_concat(control, ' ') FROM (SELECT control FROM treatment_controls c
           WHERE c.risk = r.ref ORDER BY control)) AS controls
      FROM risks r LEFT JOIN treatments t ON t.risk = r.ref WHERE r.ref = ?1]], ref) do
      r.vulnerability, r.owners, r.level = row.vulnerability, row.owners, row.level
      for f, name in ipairs(factors) do r["r:" .. name] = tonumber(row["r" .. f]) end
      r.score = row.score and decimal.to_number(tonumber(row.score))
      if row.acceptable then r.acceptable = row.acceptable == "1" end
      r.option, r.controls, r.residual_level = row.option, row.controls, row.residual_level
      r.residual_score = row.residual_score and decimal.to_number(tonumber(row.residual_score))
      if row.residual_acceptable then r.residual_acceptable = row.residual_acceptable == "1" end
    end
  end
  return { id = "risks", title = "Most urgent risks", kind = "table",
           columns = require("isms.incident.beside").report_columns(reg, rows,
             risk_columns(factors, true), { today = today }), rows = rows, total = n,
           note = note_more(#rows, n, "ordered by level, score and obligations; every risk is "
                            .. "in the XLSX report") }
end

-- Treated risks whose residual risk management or an owner has not yet
-- accepted (the first `limit`, and how many in all).
local function acceptance_section(reg, limit)
  local rows, missing_total = {}, 0
  for row in reg:query([[SELECT t.risk, t.option, t.residual_level, r.owners,
      (SELECT group_concat(role || '|' || who, ';') FROM acceptances a WHERE a.risk = t.risk)
        AS accepted
    FROM treatments t JOIN risks r ON r.ref = t.risk ORDER BY t.risk]]) do
    local tr = { acceptances = {} }
    for item in (row.accepted or ""):gmatch("[^;]+") do
      local role, who = item:match("^(.-)|(.*)$")
      tr.acceptances[#tr.acceptances + 1] = { role = role, who = who }
    end
    local state = treatment.acceptance_state({ owners = row.owners }, tr)
    if not state.accepted then
      missing_total = missing_total + 1
      if #rows < limit then
        rows[#rows + 1] = { risk = row.risk, option = row.option,
                            residual_level = row.residual_level,
                            missing = table.concat(state.missing, ", ") }
      end
    end
  end
  return { id = "acceptance", title = "Residual risk awaiting acceptance", kind = "table",
           columns = { { key = "risk", title = "Risk" }, { key = "option", title = "Treatment" },
                       { key = "residual_level", title = "Residual level" },
                       { key = "missing", title = "Still to accept" } },
           rows = rows, total = missing_total, note = note_more(#rows, missing_total) },
         missing_total
end

-- ------------------------------------------------------------ SoA

local function soa_rows(soa)
  local rows = {}
  for k, e in ipairs(soa.entries) do
    rows[k] = { control = e.control, title = e.title, group = e.group,
                applicable = e.applicable,  -- nil while undecided
                reasons = table.concat(e.reasons, ", "), justification = e.justification,
                status = e.status, owner = e.owner, risks = e.risks,
                linked = table.concat(e.linked, " ") }
  end
  return rows
end

--- The SoA as a model.
function M.soa(reg, opts)
  opts = opts or {}
  local soa, err, code = reg:soa({ linked = 5 })
  if not soa then return nil, err, code end
  local problems = assert(reg:soa_problems())
  local applicable, excluded, undecided, implemented = 0, 0, 0, 0
  for _, e in ipairs(soa.entries) do
    if not e.decided then undecided = undecided + 1
    elseif e.applicable then
      applicable = applicable + 1
      if e.status == "implemented" then implemented = implemented + 1 end
    else excluded = excluded + 1 end
  end
  local rev = soa.revision
  local facts = {
    { label = "Catalogs", value = soa.catalogs },
    { label = "Revision", value = rev and ("%d of %s, approved by %s"):format(rev.rev,
                                  rev.issued_at, rev.approved_by) or "none issued" },
    { label = "Controls", value = #soa.entries },
    { label = "Applicable", value = applicable },
    { label = "Implemented", value = implemented },
    { label = "Excluded", value = excluded },
    { label = "Undecided", value = undecided },
    { label = "Problems", value = #problems },
  }
  return {
    title = "Statement of Applicability",
    subtitle = soa.catalogs .. (rev and (", revision %d"):format(rev.rev) or ", draft"),
    generated_at = records.today(opts.today), register = opts.register,
    sections = {
      { id = "summary", title = "Summary", kind = "facts", facts = facts },
      { id = "soa", title = "Controls", kind = "table", columns = M.SOA_COLUMNS,
        rows = soa_rows(soa), total = #soa.entries, problems = problems },
    },
  }, problems
end

-- ------------------------------------------------------------ RTP

local TASK_SQL = [[SELECT k.id, k.risk, k.control, k.title, k.owner, k.status, k.due,
    coalesce((SELECT old_due FROM rtp_delays d WHERE d.task = k.id AND d.seq = 1), k.due)
      AS first_due,
    (SELECT count(*) FROM rtp_delays d WHERE d.task = k.id) AS delays,
    CASE WHEN k.status IN ('done', 'cancelled') OR k.due >= ?1 THEN 0
         ELSE CAST(julianday(?1) - julianday(k.due) AS INTEGER) END AS days_overdue,
    (SELECT reason || ' (' || approved_by || ')' FROM rtp_delays d WHERE d.task = k.id
       ORDER BY seq DESC LIMIT 1) AS last_delay
  FROM rtp_tasks k]]
local OPEN = "k.status NOT IN ('done', 'cancelled')"

-- The first `limit` tasks that match, in order: chosen on the bare table
-- first, so the per-task subqueries run for those rows only.
local function task_rows(reg, where, order, limit, today, ...)
  local rows = {}
  local sql = TASK_SQL .. " JOIN (SELECT k.id AS pick FROM rtp_tasks k WHERE " .. where
    .. " ORDER BY " .. order .. " LIMIT " .. limit .. ") ON pick = k.id ORDER BY " .. order
  for row in reg:query(sql, today, ...) do
    row.delays, row.days_overdue = tonumber(row.delays), tonumber(row.days_overdue)
    rows[#rows + 1] = row
  end
  return rows
end

local function rtp_sections(reg, opts)
  local today = records.today(opts.today)
  local limit = opts.limit or M.LIMIT
  local warn = ("date(?1, '+%d days')"):format(opts.warn_days or rtp_rules.WARN_DAYS)
  local overdue_where = OPEN .. " AND k.due < ?1"
  local slipping_where = OPEN .. " AND k.due >= ?1 AND (EXISTS (SELECT 1 FROM rtp_delays d"
    .. " WHERE d.task = k.id) OR (k.status = 'planned' AND k.due <= " .. warn .. "))"
  local function total(where)
    return count_of(reg, "SELECT count(*) AS n FROM rtp_tasks k WHERE " .. where, today)
  end
  local n_tasks = total("1")
  local n_overdue, n_slipping = total(overdue_where), total(slipping_where)
  local by_status = {}
  for row in reg:query("SELECT status, count(*) AS n FROM rtp_tasks GROUP BY status") do
    by_status[row.status] = tonumber(row.n)
  end
  local facts = { { label = "Tasks", value = n_tasks } }
  for _, s in ipairs(rtp_rules.STATUSES) do
    facts[#facts + 1] = { label = s:gsub("_", " "):gsub("^%l", string.upper),
                          value = by_status[s] or 0 }
  end
  facts[#facts + 1] = { label = "Overdue", value = n_overdue }
  facts[#facts + 1] = { label = "Slipping", value = n_slipping }
  local overdue = task_rows(reg, overdue_where, "k.due, k.id", limit, today)  -- most overdue first
  local slipping = task_rows(reg, slipping_where, "k.due, k.id", limit, today)
  local all = task_rows(reg, "1", "k.id", limit, today)
  return {
    { id = "rtp-summary", title = "Risk treatment plan", kind = "facts", facts = facts },
    { id = "overdue", title = "Overdue tasks", kind = "table", columns = M.TASK_COLUMNS,
      rows = overdue, total = n_overdue, note = note_more(#overdue, n_overdue) },
    { id = "slipping", title = "Slipping tasks", kind = "table", columns = M.TASK_COLUMNS,
      rows = slipping, total = n_slipping,
      note = "re-dated at least once, or due within the warning window and not started" },
    { id = "tasks", title = "All tasks", kind = "table", columns = M.TASK_COLUMNS, rows = all,
      total = n_tasks, note = note_more(#all, n_tasks) },
  }, { overdue = n_overdue, slipping = n_slipping, tasks = n_tasks }
end

--- The RTP as a model, as of opts.today.
function M.rtp(reg, opts)
  opts = opts or {}
  local sections, counts = rtp_sections(reg, opts)
  return { title = "Risk Treatment Plan", subtitle = "as of " .. records.today(opts.today),
           generated_at = records.today(opts.today), register = opts.register,
           sections = sections }, counts
end

-- ------------------------------------------------------------ the whole report

--- The whole report: summary, heat maps, most urgent risks, acceptance,
-- SoA and RTP.
-- @tparam table opts `{ today, limit, register, methodology = m }`
function M.full(reg, opts)
  opts = opts or {}
  local m = opts.methodology
  if not m then
    local err, code
    m, err, code = reg:methodology()
    if not m then return nil, err, code end
  end
  local limit = opts.limit or M.LIMIT
  local t, terr, tcode = reg:risk_table()
  if not t then return nil, terr, tcode end
  local risks = top_risks(reg, m, t, limit, opts.today)
  local acceptance, awaiting = acceptance_section(reg, limit)
  local soa_model, problems = M.soa(reg, opts)
  if not soa_model then return nil, problems end
  local rtp, counts = rtp_sections(reg, opts)
  local by_option = {}
  for row in reg:query("SELECT option, count(*) AS n FROM treatments GROUP BY option") do
    by_option[row.option] = tonumber(row.n)
  end
  local facts = {
    { label = "Methodology", value = m:name() },
    { label = "Assets", value = count_of(reg, "SELECT count(*) AS n FROM assets") },
    { label = "Risks", value = risks.total },
    { label = "Not acceptable before treatment",
      value = count_of(reg, "SELECT count(*) AS n FROM risks WHERE acceptable = 0") },
  }
  for _, o in ipairs(treatment.OPTIONS) do
    facts[#facts + 1] = { label = "Treatment: " .. o, value = by_option[o] or 0 }
  end
  for _, f in ipairs {
    { label = "Residual not acceptable", value = count_of(reg,
      "SELECT count(*) AS n FROM treatments WHERE residual_acceptable = 0") },
    { label = "Management overrides", value = count_of(reg,
      "SELECT count(*) AS n FROM treatments WHERE override_by IS NOT NULL") },
    { label = "Awaiting acceptance", value = awaiting },
    { label = "SoA", value = soa_model.subtitle },
    { label = "SoA problems", value = #problems },
    { label = "RTP tasks", value = counts.tasks },
    { label = "Overdue tasks", value = counts.overdue },
    { label = "Slipping tasks", value = counts.slipping },
  } do facts[#facts + 1] = f end
  local sections = {
    { id = "summary", title = "Summary", kind = "facts", facts = facts },
    heatmaps_section(reg, m, t),
    risks,
    acceptance,
    soa_model.sections[2],
  }
  sections[5].id, sections[5].title = "soa", "Statement of Applicability"
  for _, s in ipairs(rtp) do sections[#sections + 1] = s end
  -- the latest quantitative run, if any (docs/quantitative.md)
  for _, s in ipairs(quant_report.sections(reg, { limit = limit })) do sections[#sections + 1] = s end
  return { title = "Information security risk report", subtitle = m:name(),
           generated_at = records.today(opts.today), register = opts.register,
           sections = sections }
end

-- ------------------------------------------------------------ XLSX

-- Every risk with its treatment, straight from SQLite (C streams it).
local function risk_sheet(reg, m)
  local factors = reg:risk_factors() or m:factors()
  local cols = {
    { "r.ref", "Risk" }, { "r.asset", "Asset" }, { "a.name", "Asset name" },
    { "a.class", "Asset class" }, { "r.threat", "Threat" }, { "th.title", "Threat title" },
    { "r.vulnerability", "Vulnerability", confidential = true },
    { "v.title", "Vulnerability title", confidential = true },
    { "r.category", "Category" }, { "r.owners", "Owners" },
    { "r.controls", "Existing controls", confidential = true },
    { "r.obligations", "Obligations (1 legal, 2 regulatory, 4 contractual)", number = true },
  }
  for k, f in ipairs(factors) do cols[#cols + 1] = { "r.r" .. k, f, number = true } end
  for _, c in ipairs {
    { "r.score / 1000000.0", "Score", number = true }, { "r.level", "Level" },
    { "r.acceptable", "Acceptable", number = true }, { "t.option", "Treatment" },
    { "(SELECT group_concat(control, ' ') FROM treatment_controls c WHERE c.risk = r.ref)",
      "Selected controls", confidential = true },
  } do cols[#cols + 1] = c end
  for k, f in ipairs(factors) do cols[#cols + 1] = { "t.rr" .. k, "Residual " .. f, number = true } end
  for _, c in ipairs {
    { "t.residual_score / 1000000.0", "Residual score", number = true },
    { "t.residual_level", "Residual level" },
    { "t.residual_acceptable", "Residual acceptable", number = true },
    { "t.override_by", "Override by" },
    { "t.override_reason", "Override reason", confidential = true },
    { "(SELECT group_concat(role || ': ' || who || ' ' || at, '; ') FROM acceptances x"
      .. " WHERE x.risk = r.ref)", "Accepted by" },
    { "r.rationale", "Rationale", confidential = true },
  } do cols[#cols + 1] = c end
  local exprs = {}
  for k, c in ipairs(cols) do exprs[k] = c[1] end
  return {
    name = "Risks", cols = cols,
    query = "SELECT " .. table.concat(exprs, ", ") .. " FROM risks r JOIN assets a ON a.id = r.asset"
      .. " LEFT JOIN threats th ON th.id = r.threat"
      .. " LEFT JOIN vulnerabilities v ON v.id = r.vulnerability"
      .. " LEFT JOIN treatments t ON t.risk = r.ref ORDER BY r.ref",
  }
end

local function task_sheet(today)
  local cols = {}
  for k, c in ipairs(M.TASK_COLUMNS) do
    cols[k] = { c.key, c.title, number = c.numeric, confidential = c.confidential }
  end
  return { name = "Tasks", cols = cols, params = { today },
           query = TASK_SQL .. " ORDER BY k.id" }
end

local function delay_sheet()
  return { name = "Delays", cols = {
      { "task", "Task" }, { "seq", "Delay", number = true }, { "reason", "Reason" },
      { "old_due", "Old due" }, { "revised_due", "Revised due" },
      { "approved_by", "Approved by" }, { "recorded_at", "Recorded" } },
    query = "SELECT task, seq, reason, old_due, revised_due, approved_by, recorded_at"
      .. " FROM rtp_delays ORDER BY task, seq" }
end

--- The sheets of a model in a workbook: its sections, and for a report
-- naming them (opts.full_risks, opts.full_tasks) every risk and task.
function M.xlsx(reg, model, path, opts)
  opts = opts or {}
  local sheets = {}
  for _, s in ipairs(model.sections) do
    local full = (s.id == "risks" and opts.full_risks) or (s.id == "tasks" and opts.full_tasks)
      or (s.id == "quant-risks" and opts.full_risks)
    if not full then xlsx.section_sheets(s, sheets) end
  end
  if opts.full_risks then
    local m = opts.methodology or assert(reg:methodology())
    table.insert(sheets, 2, risk_sheet(reg, m))
  end
  if opts.full_tasks then
    sheets[#sheets + 1] = task_sheet(records.today(opts.today))
    sheets[#sheets + 1] = delay_sheet()
  end
  if opts.full_risks then
    for _, sh in ipairs(quant_report.sheets(reg)) do sheets[#sheets + 1] = sh end
  end
  return xlsx.write(reg, path, model.title, sheets)
end


return M
