--- The ISMS as one scope sees it (ISO/IEC 27001 4.3, 6.1.2, 6.1.3 d, 9.2):
-- the assets a scope takes in (isms.context.scope.condition), their risks,
-- the assessment and the Statement of Applicability of that scope alone.
--
-- A risk is in scope S when its asset is. Scopes may nest (a site scope
-- inside the organisation's), share assets (an asset in two scopes is in
-- both their assessments) or take nothing in (an empty assessment, and an
-- SoA with no risk behind any control).
--
-- The scope's SoA is read from the register's one SoA and the scope:
--   * a control the organisation excludes is excluded, with its
--     justification;
--   * a control an exclusion of the scope names (its `controls`) is
--     excluded in the scope, with that exclusion's justification: a
--     location, unit or process left out takes its controls with it;
--   * an applicable control is applicable in the scope for its legal,
--     contractual and business reasons, and for risk when a risk of the
--     scope selects it; one applicable for risk alone that no risk of the
--     scope selects is not applicable there ("no risk of the scope calls
--     for it");
--   * a control with no decision stays undecided.
-- The scope's SoA problems are those of its risks: a control selected by
-- a risk of the scope but excluded (by the organisation or the scope) or
-- undecided.
local ffi_b = require "isms.store._ffi"
local records = require "isms.store.records"
local scope = require "isms.context.scope"
require "isms.treat.soa"  -- reg:soa(), reg:soa_catalog()

local C = ffi_b.C

local M = {}

local function notfound(id)
  return nil, ("no scope '%s' in the register"):format(tostring(id)), "NOTFOUND"
end

--- The SQL to run over one scope's assets: a WITH clause ending in the
-- table `scope_assets(id)` (the ids of the scope's assets), and its
-- parameters (the scope's id is ?1; add yours from ?2 on). Returns with,
-- params or nil, message, "NOTFOUND".
function M.with_assets(reg, id)
  if type(id) ~= "string" or not reg:records("scope"):get(id) then return notfound(id) end
  local with, cond, params = scope.condition(reg, id)
  if not with then return notfound(id) end
  return with .. ",\nscope_assets AS (SELECT a.id FROM assets a WHERE " .. cond .. ")", params
end

--- The condition "asset `a` is in the scope" for queries that reach few
-- assets (through the risks a treatment names, say): with (the CTEs),
-- condition (on `assets a`), params (the scope's id is ?1). Cheaper than
-- scope_assets when the query visits fewer assets than the scope holds.
-- Returns nil, message, "NOTFOUND" for an unknown scope.
function M.condition(reg, id)
  if type(id) ~= "string" or not reg:records("scope"):get(id) then return notfound(id) end
  local with, cond, params = scope.condition(reg, id)
  if not with then return notfound(id) end
  return with, cond, params
end

local function rows(reg, sql, params, ...)
  local all = {}
  for k = 1, #params do all[k] = params[k] end
  for k = 1, select("#", ...) do all[#all + 1] = (select(k, ...)) end
  local out = {}
  for row in reg:query(sql, unpack(all)) do out[#out + 1] = row end
  return out
end

--- The ids of a scope's assets as a set ({ [id] = true }) and their count,
-- or nil, message, "NOTFOUND".
function M.asset_set(reg, id)
  local with, params = M.with_assets(reg, id)
  if not with then return nil, params, "NOTFOUND" end
  local set, n = {}, 0
  for _, r in ipairs(rows(reg, with .. "\nSELECT id FROM scope_assets", params)) do
    set[r.id] = true
    n = n + 1
  end
  return set, n
end

--- Which assets of a RiskTable (reg:risk_table()) are in the scope: a
-- uint8 array over t.c.assets (1 = in), for isms.risk.assess; and how
-- many. Or nil, message, "NOTFOUND".
function M.mask(reg, id, t)
  local with, params = M.with_assets(reg, id)
  if not with then return nil, params, "NOTFOUND" end
  local n_all = tonumber(t.c.assets.n)
  local keep = ffi_b.ffi.new("uint8_t[?]", math.max(n_all, 1))
  local n = 0
  for row in reg:query(with .. "\nSELECT id FROM scope_assets", unpack(params)) do
    local a = C.isms_risk_table_find_asset(t.c, row.id)
    if a >= 0 then
      keep[a] = 1
      n = n + 1
    end
  end
  return keep, n
end

--- The risks of a scope as reg:risks() gives them (ref order), or nil,
-- message, "NOTFOUND".
function M.risks(reg, id)
  local set, e, code = M.asset_set(reg, id)
  if not set then return nil, e, code end
  local out = {}
  for _, r in ipairs(reg:risks()) do
    if set[r.asset] then out[#out + 1] = r end
  end
  return out
end

-- ------------------------------------------------------------ SoA

--- The exclusions of a scope: { { id, boundary, what, justification,
-- locations, parties, assets, controls } } in id order.
function M.exclusions(reg, id)
  return reg:records("scope_exclusion"):list({ scope = id })
end

--- The SoA of one scope (see the top of this file). opts.linked: how
-- many risk refs to list per control (default 5); opts.assets = false
-- leaves the count of the scope's assets out (one pass over them).
-- @treturn table { scope = { id, title }, catalogs, revision, assets (how
--   many the scope takes in), entries = { { control, title, group,
--   catalog, decided, applicable (nil: undecided), reasons, justification,
--   status, owner, risks (of the scope selecting it), linked, excluded_by
--   (exclusion ids) } }, exclusions, problems = { text } }; or nil,
--   message, code
function M.soa(reg, id, opts)
  opts = opts or {}
  local with, cond, params = M.condition(reg, id)
  if not with then return nil, cond, params end
  local soa, err, code = reg:soa({ linked = 0 })
  if not soa then return nil, err, code end
  local s = reg:records("scope"):get(id)
  local max_linked = opts.linked or 5
  -- The risks of the scope selecting each control, and the first few refs.
  local selected, linked = {}, {}
  -- From the treated risks to their assets: as many lookups as treated
  -- risks, however many assets the scope holds.
  local scoped = [[
    SELECT tc.control, tc.risk FROM treatment_controls tc JOIN risks r ON r.ref = tc.risk
    JOIN assets a ON a.id = r.asset WHERE ]] .. cond
  for _, r in ipairs(rows(reg, with .. "\nSELECT control, count(*) AS n FROM (" .. scoped
      .. ") GROUP BY control", params)) do
    selected[r.control] = tonumber(r.n)
  end
  if max_linked > 0 and next(selected) then
    for _, r in ipairs(rows(reg, with .. "\nSELECT control, risk FROM (SELECT control, risk, "
        .. "row_number() OVER (PARTITION BY control ORDER BY risk) AS k FROM (" .. scoped
        .. ")) WHERE k <= ?" .. (#params + 1) .. " ORDER BY control, risk", params, max_linked)) do
      local l = linked[r.control] or {}
      linked[r.control] = l
      l[#l + 1] = r.risk
    end
  end
  -- The controls the scope's exclusions take out, with their reasons.
  local exclusions = M.exclusions(reg, id)
  local excluded_by = {}
  for _, x in ipairs(exclusions) do
    for _, c in ipairs(x.controls) do
      local list = excluded_by[c] or {}
      excluded_by[c] = list
      list[#list + 1] = x
    end
  end
  local entries, problems = {}, {}
  local function problem(fmt, ...) problems[#problems + 1] = fmt:format(...) end
  local function refs(c, n)
    local l = linked[c] or {}
    local text = table.concat(l, ", ")
    if #l == 0 then return "not listed" end
    if n > #l then text = text .. (", and %d more"):format(n - #l) end
    return text
  end
  for _, g in ipairs(soa.entries) do
    local n = selected[g.control] or 0
    local e = { control = g.control, title = g.title, group = g.group, catalog = g.catalog,
                decided = g.decided, risks = n, linked = linked[g.control] or {},
                reasons = {}, owner = g.owner, excluded_by = {} }
    local by = excluded_by[g.control]
    if by then
      local why, ids = {}, {}
      for k, x in ipairs(by) do
        ids[k] = x.id
        why[k] = ("%s (%s): %s"):format(x.what, x.id, x.justification)
      end
      e.decided, e.applicable, e.excluded_by = true, false, ids
      e.justification = table.concat(why, "; ")
      if g.decided and not g.applicable and g.justification then
        e.justification = e.justification .. "; " .. g.justification
      end
      if n > 0 then
        problem("%s is excluded from scope %s by %s but selected by the treatment of %d risk(s) "
                .. "of the scope (%s)", g.control, id, table.concat(ids, ", "), n, refs(g.control, n))
      end
    elseif not g.decided then
      if n > 0 then
        problem("%s is selected by the treatment of %d risk(s) of scope %s (%s) but has no SoA "
                .. "entry", g.control, n, id, refs(g.control, n))
      end
    elseif not g.applicable then
      e.applicable, e.justification = false, g.justification
      if n > 0 then
        problem("%s is excluded but selected by the treatment of %d risk(s) of scope %s (%s)",
                g.control, n, id, refs(g.control, n))
      end
    else
      for _, r in ipairs(g.reasons) do
        if r ~= "risk" or n > 0 then e.reasons[#e.reasons + 1] = r end
      end
      if n > 0 and g.reasons[1] ~= "risk" then table.insert(e.reasons, 1, "risk") end
      if #e.reasons > 0 then
        e.applicable, e.justification, e.status = true, g.justification, g.status
      else
        e.applicable = false
        e.justification = ("no risk of scope %s calls for it (applicable in the organisation's "
                           .. "SoA for risk only)"):format(id)
      end
    end
    entries[#entries + 1] = e
  end
  local nassets
  if opts.assets ~= false then
    nassets = tonumber(rows(reg, with .. "\nSELECT count(*) AS n FROM assets a WHERE " .. cond,
                            params)[1].n)
  end
  return { scope = { id = s.id, title = s.title, statement = s.statement }, assets = nassets,
           catalogs = soa.catalogs, revision = soa.revision, entries = entries,
           exclusions = exclusions, problems = problems }
end

M.SOA_COLUMNS = {
  { key = "control", title = "Control" },
  { key = "title", title = "Title" },
  { key = "group", title = "Clause/theme" },
  { key = "applicable", title = "Applicable" },
  { key = "reasons", title = "Reasons" },
  { key = "justification", title = "Justification" },
  { key = "status", title = "Status" },
  { key = "owner", title = "Owner" },
  { key = "risks", title = "Risks of the scope", numeric = true },
  { key = "linked", title = "Linked risks" },
  { key = "excluded_by", title = "Excluded by" },
}

local EXCLUSION_COLUMNS = {
  { key = "id", title = "Exclusion" }, { key = "boundary", title = "Boundary" },
  { key = "what", title = "What is left out" }, { key = "justification", title = "Justification" },
  { key = "left_out", title = "Locations, parties, assets" },
  { key = "controls", title = "Controls not applicable" },
}

local function join(list) return list and #list > 0 and table.concat(list, "; ") or nil end

--- The sections of a scope's SoA as a report model's (docs/report-model.md):
-- summary, the scope's exclusions, the controls. Returns sections, the
-- SoA (M.soa) or nil, message, code.
function M.soa_sections(reg, id, opts)
  local soa, err, code = M.soa(reg, id, opts)
  if not soa then return nil, err, code end
  local applicable, excluded, undecided, implemented = 0, 0, 0, 0
  local rows_ = {}
  for k, e in ipairs(soa.entries) do
    if e.applicable == nil then undecided = undecided + 1
    elseif e.applicable then
      applicable = applicable + 1
      if e.status == "implemented" then implemented = implemented + 1 end
    else excluded = excluded + 1 end
    rows_[k] = { control = e.control, title = e.title, group = e.group, applicable = e.applicable,
                 reasons = table.concat(e.reasons, ", "), justification = e.justification,
                 status = e.status, owner = e.owner, risks = e.risks,
                 linked = table.concat(e.linked, " "), excluded_by = join(e.excluded_by) }
  end
  local xrows = {}
  for k, x in ipairs(soa.exclusions) do
    local out = {}
    for _, l in ipairs({ x.locations, x.parties, x.assets }) do
      for _, v in ipairs(l) do out[#out + 1] = v end
    end
    xrows[k] = { id = x.id, boundary = x.boundary, what = x.what, justification = x.justification,
                 left_out = join(out), controls = join(x.controls) }
  end
  local rev = soa.revision
  return {
    { id = "soa-summary", title = "Statement of Applicability of " .. id, kind = "facts", facts = {
      { label = "Scope", value = ("%s: %s"):format(soa.scope.id, soa.scope.title) },
      { label = "Assets in scope", value = soa.assets },
      { label = "Catalogs", value = soa.catalogs },
      { label = "Organisation's SoA revision", value = rev and ("%d of %s, approved by %s")
          :format(rev.rev, rev.issued_at, rev.approved_by) or "none issued" },
      { label = "Controls", value = #soa.entries },
      { label = "Applicable", value = applicable },
      { label = "Implemented", value = implemented },
      { label = "Excluded", value = excluded },
      { label = "Undecided", value = undecided },
      { label = "Problems", value = #soa.problems },
    } },
    { id = "scope-exclusions", title = "Exclusions from the scope", kind = "table",
      columns = EXCLUSION_COLUMNS, rows = xrows, total = #xrows,
      note = #xrows == 0 and "the scope excludes nothing" or nil },
    { id = "soa", title = "Controls", kind = "table", columns = M.SOA_COLUMNS, rows = rows_,
      total = #rows_, problems = soa.problems },
  }, soa
end

--- The SoA of one scope as a report model.
function M.soa_model(reg, id, opts)
  opts = opts or {}
  local sections, soa, code = M.soa_sections(reg, id, opts)
  if not sections then return nil, soa, code end
  return {
    title = "Statement of Applicability: " .. soa.scope.title,
    subtitle = ("scope %s; %s"):format(id, soa.catalogs),
    generated_at = records.today(opts.today), register = opts.register, sections = sections,
  }, soa
end

return M
