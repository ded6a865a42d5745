--- Assessments and their answers (mixed into Register): answering one
-- requirement, the questionnaire round trip (CSV out, CSV back in, all or
-- nothing with file:line:column), pre-filling one assessment from another
-- through a mapping set, ISO 9001 credit, and comparing two assessments.
local kinds = require "isms.gap.kinds"
local method = require "isms.gap.method"
local tabular = require "isms.store.tabular"
local format = require "isms.store.format"
local fields = require "isms.store.fields"
local store_ffi = require "isms.store._ffi"

local M = { methods = {} }
local R = M.methods

--- The questionnaire's columns, in order: the requirement and its title
-- (read-only), then the answer's fields.
M.COLUMNS = { "requirement", "title", "status", "maturity", "target", "justification",
              "evidence", "owner", "remediation", "effort", "due", "notes", "origin" }
local ANSWER_FIELDS = { status = true, maturity = true, target = true, justification = true,
                        evidence = true, owner = true, remediation = true, effort = true,
                        due = true, notes = true, origin = true }
local ANSWER_LIST = {}
for _, c in ipairs(M.COLUMNS) do
  if ANSWER_FIELDS[c] then ANSWER_LIST[#ANSWER_LIST + 1] = c end
end

local function trim(s) return s:match("^%s*(.-)%s*$") end
local new_table = require "table.new"  -- sized up front: no rehash as a row fills

local function assessment(reg, id)
  kinds.ensure(reg)
  local a = reg:records("assessment"):get(id)
  if not a then return nil, ("no assessment '%s' in the register"):format(tostring(id)), "NOTFOUND" end
  local m, err, code = method.load(a.method or "default")
  if not m then return nil, err, code end
  return a, m
end
M.assessment = assessment

--- Starts an assessment: { framework, assessed_on, assessor, title,
-- scope, method, based_on }. Returns its id or nil, message, code.
function R:new_assessment(values, opts)
  kinds.ensure(self)
  local rep, err, code = self:records("assessment"):add(values, opts)
  if not rep then return nil, err, code end
  return rep.id
end

-- A status as typed (id, title, any case) in the method's own id.
local function normal_status(m, v)
  if v == nil or v == "" then return v end
  local s = method.status(m, v)
  return s and s.id or v
end

-- Evidence as stored: an item naming a file without its digest gets it,
-- "path#sha256" (the file as it is now; a relative path from the
-- register's folder, as documented information's paths are); URLs,
-- document ids and items that carry a digest stay as given. Returns the
-- items joined by "; ", or the value as it came when it holds none.
local hex = store_ffi.ffi.new("char[65]")
local function evidence_digests(reg, value)
  local list = type(value) == "table" and value or (type(value) == "string" and fields.items(value))
  if not list or #list == 0 then return value end
  local dir = (reg.path or ""):match("^(.*)/[^/]*$") or "."
  local out = {}
  for k, item in ipairs(list) do
    item = tostring(item)
    if not item:find("#", 1, true) and not item:find("^%a[%w+.-]*:") then
      local path = item:sub(1, 1) == "/" and item or (dir .. "/" .. item)
      if store_ffi.C.isms_sha256_file(path, hex) == 0 then
        item = item .. "#" .. store_ffi.ffi.string(hex)
      end
    end
    out[k] = item
  end
  return table.concat(out, "; ")
end
M.evidence_digests = evidence_digests

--- Answers one requirement (by its ref in the framework): values are the
-- answer's fields (status, maturity, target, justification, evidence,
-- owner, remediation, effort, due, notes). A manual answer clears the
-- origin of a pre-filled one unless origin is given.
function R:answer(assessment_id, ref, values, opts)
  local a, m, code = assessment(self, assessment_id)
  if not a then return nil, m, code end
  local v = { assessment = assessment_id, requirement = ref }
  for k, x in pairs(values) do v[k] = x end
  v.status = normal_status(m, v.status)
  if v.evidence ~= nil then v.evidence = evidence_digests(self, v.evidence) end
  if v.origin == nil then v.origin = "" end
  return self:records("answer"):put(v, opts)
end

--- The answers of an assessment by requirement ref (typed rows).
function R:answers(assessment_id)
  kinds.ensure(self)
  local out = {}
  for _, row in ipairs(self:records("answer"):list({ assessment = assessment_id })) do
    out[row.requirement] = row
  end
  return out
end

--- The questionnaire: one row per assessable requirement, in catalog
-- order, with the answer so far.
function R:questionnaire(assessment_id)
  local a, m, code = assessment(self, assessment_id)
  if not a then return nil, m, code end
  local answers = self:answers(assessment_id)
  local rows = {}
  for req in self:query("SELECT ref, title FROM requirements WHERE framework = ?1 AND "
      .. "assessable = 1 ORDER BY ord", a.framework) do
    local ans = answers[req.ref] or {}
    local row = { requirement = req.ref, title = req.title }
    for f in pairs(ANSWER_FIELDS) do
      local field = kinds.answer.by_name[f]
      row[f] = fields.cell(field, ans[f])
    end
    rows[#rows + 1] = row
  end
  return rows, a
end

-- The questionnaire's columns in a workbook: widths, what is locked, the
-- drop-down lists (the method's status ids, its maturity levels).
local function xlsx_columns(m)
  local statuses, levels = {}, {}
  for k, st in ipairs(m.statuses) do statuses[k] = st.id end
  for k, lv in ipairs(m.maturity) do levels[k] = tostring(lv.level) end
  local spec = {
    requirement = { width = 14, locked = true }, title = { width = 48, locked = true },
    status = { width = 16, values = statuses }, maturity = { width = 10, values = levels,
    numeric = true }, target = { width = 9, values = levels, numeric = true },
    justification = { width = 30 }, evidence = { width = 30 }, owner = { width = 16 },
    remediation = { width = 30 }, effort = { width = 9, numeric = true }, due = { width = 12 },
    notes = { width = 30 }, origin = { width = 24 },
  }
  local cols = {}
  for k, name in ipairs(M.COLUMNS) do
    local c = { name = name, title = name }
    for key, v in pairs(spec[name] or {}) do c[key] = v end
    cols[k] = c
  end
  return cols
end
M.xlsx_columns = xlsx_columns

--- Writes the questionnaire to path: CSV ("-" for standard output), or an
-- XLSX workbook when path ends in .xlsx (drop-down lists for status and
-- maturity, the requirement and title columns locked, printable).
function R:export_questionnaire(assessment_id, path)
  local rows, err, code = self:questionnaire(assessment_id)
  if not rows then return nil, err, code end
  if path and path ~= "-" and tabular.is_xlsx(path) then
    local _, m = assessment(self, assessment_id)
    local ok, werr, wcode = tabular.write_xlsx(path, "Questionnaire", xlsx_columns(m), rows)
    if not ok then return nil, werr, wcode end
    return #rows
  end
  local text = format.csv(rows, M.COLUMNS)
  if path == nil or path == "-" then
    io.stdout:write(text)
    return #rows
  end
  local f, ferr = io.open(path, "wb")
  if not f then return nil, ferr, "IO" end
  f:write(text)
  f:close()
  return #rows
end

--- Reads answers back from rows a questionnaire reader gave: each
-- { cells = { column = text }, where = { column = position }, at } (CSV
-- and XLSX readers alike). Unknown requirements, bad statuses, N/A
-- without justification, duplicate rows, titles that do not match the
-- requirement: each refused with its position; nothing is stored unless
-- every row is right. A row with no answer field filled is skipped.
function R:import_answers(assessment_id, rows, opts)
  opts = opts or {}
  local a, m, code = assessment(self, assessment_id)
  if not a then return nil, m, code end
  local titles = {}
  for req in self:tuples("SELECT ref, title FROM requirements WHERE framework = ?1",
                         a.framework) do
    titles[req[1]] = req[2]
  end
  local out, errors = {}, {}
  for _, row in ipairs(rows) do
    local c = row.cells
    -- The answer's fields as given, and whether any holds a value.
    local values, any = new_table(0, 14), false
    values.assessment = assessment_id
    for _, f in ipairs(ANSWER_LIST) do
      local v = c[f]
      if v ~= nil then
        values[f] = v
        if not any and v:find("%S") then any = true end
      end
    end
    local ref = c.requirement and trim(c.requirement)
    local title = ref and titles[ref]
    if title and c.title and c.title ~= title and c.title:find("%S")
        and trim(c.title) ~= title then
      errors[#errors + 1] = ("%s: title: the title of %s was edited ('%s'); the id and title "
        .. "columns are not to be changed"):format(row.where.title or row.at, ref, c.title)
    elseif any or (ref and not title) then
      values.requirement = ref
      values.status = normal_status(m, values.status)
      if values.evidence then values.evidence = evidence_digests(self, values.evidence) end
      out[#out + 1] = { values = values, where = row.where, at = row.at }
    end
  end
  if #errors > 0 then
    errors[#errors + 1] = (opts.source or "input") .. ": rejected; nothing was stored"
    return nil, table.concat(errors, "\n"), "INPUT"
  end
  return self:records("answer"):import_rows(out, {
    source = opts.source, reason = opts.reason, max_errors = opts.max_errors,
    command = opts.command or "gap import" })
end

-- Reads a questionnaire and imports its answers (import_questionnaire).
local function read_questionnaire(self, assessment_id, path, opts)
  opts = opts or {}
  local rd, err, code = tabular.open(path, { sheet = opts.sheet })
  if not rd then return nil, err .. "\n" .. path .. ": rejected; nothing was stored", code end
  local col, errors = {}, {}
  local known = {}
  for _, c in ipairs(M.COLUMNS) do known[c] = true end
  known.assessment = true
  for k, name in ipairs(rd.header) do
    local n = name:lower():gsub("[%s%-]+", "_")
    if not known[n] then
      errors[#errors + 1] = ("%s: header: unknown column '%s'; a questionnaire has %s")
        :format(rd.header_at[k], name, table.concat(M.COLUMNS, ", "))
    elseif col[n] then
      errors[#errors + 1] = ("%s: header: column '%s' appears twice"):format(rd.header_at[k], name)
    else
      col[n] = k
    end
  end
  if not col.requirement and #errors == 0 then
    errors[#errors + 1] = rd.header_at[1] .. ": header: missing the column 'requirement'"
  end
  local rows = {}
  if #errors == 0 then
    local names, index = {}, {}  -- the columns read, as two lists
    for n, k in pairs(col) do names[#names + 1], index[#index + 1] = n, k end
    for cells in rd.next, rd do
      local where, at = rd:positions(col)
      local c = new_table(0, #names)
      for j = 1, #names do c[names[j]] = cells[index[j]] end
      local given = c.assessment
      if given and given ~= assessment_id and given:find("%S") and trim(given) ~= assessment_id
      then
        errors[#errors + 1] = ("%s: assessment: '%s' is another assessment than %s")
          :format(where.assessment, given, assessment_id)
      end
      rows[#rows + 1] = { cells = c, where = where, at = at }
    end
  end
  rd:close()
  if #errors > 0 then
    errors[#errors + 1] = path .. ": rejected; nothing was stored"
    return nil, table.concat(errors, "\n"), "INPUT"
  end
  local o = { source = path }
  for k, v in pairs(opts) do if k ~= "sheet" then o[k] = v end end
  return self:import_answers(assessment_id, rows, o)
end

--- Imports a questionnaire: CSV, or a worksheet of an XLSX workbook
-- (opts.sheet; the first), as export_questionnaire writes them (the
-- columns of M.COLUMNS; requirement required, any order, any case).
-- Problems are named file:line:column, or file:Sheet!C7 in a workbook.
function R:import_questionnaire(assessment_id, path, opts)
  -- A questionnaire's rows make many short-lived tables (cells, positions,
  -- checked values): the collector runs at 4x the live heap instead of 2x
  -- while it is read, a third of the time it took, the memory bounded by
  -- the file's size.
  local pause = collectgarbage("setpause", 400)
  local ok, rep, err, code = pcall(read_questionnaire, self, assessment_id, path, opts)
  collectgarbage("setpause", pause)
  if not ok then error(rep, 0) end
  return rep, err, code
end

-- ------------------------------------------------------------ pre-filling

-- What a source answer says of a target through a relation: the status
-- to give (by score) and whether it is only partial.
local function carried(m, source_status, relation)
  local s = method.status(m, source_status)
  if not s or not s.assessed then return nil end
  if not s.applicable then return relation == "equal" and s.id or nil end
  local score = s.score
  if relation == "subset" or relation == "intersect" then score = math.min(score, 0.5) end
  -- The method's status with the greatest score not above the carried one.
  local best
  for _, x in ipairs(m.statuses) do
    if x.applicable and x.assessed and x.score <= score and (not best or x.score > best.score) then
      best = x
    end
  end
  return best and best.id or nil
end

--- Pre-fills assessment `to` from assessment `from` (another framework)
-- through the mapping sets between their frameworks in the register. A
-- mapping onto a requirement covers its sub-requirements; several sources
-- give the lowest result. Answers already given in `to` are kept unless
-- opts.overwrite. Each pre-filled answer's origin says where it came from
-- (opts.label, e.g. "credited from ISO 9001"). Returns { filled, kept,
-- covered, assessable } or nil, message, code.
function R:prefill(from_id, to_id, opts)
  opts = opts or {}
  local from, fm, code = assessment(self, from_id)
  if not from then return nil, fm, code end
  local to, tm, tcode = assessment(self, to_id)
  if not to then return nil, tm, tcode end
  return M.prefill_from(self, from.framework, self:answers(from_id), fm, to, tm, opts,
                        ("%s %s"):format(from.framework, from_id))
end

--- The body of prefill with the source answers given (ISO 9001 credit
-- gives them without a stored assessment).
function M.prefill_from(reg, from_framework, source_answers, fm, to, tm, opts, where)
  local pairs_list = reg:mapping_pairs(from_framework, to.framework)
  if #pairs_list == 0 then
    return nil, ("no mapping set between %s and %s in the register; import one with isms "
      .. "requirements import FILE"):format(from_framework, to.framework), "NOTFOUND"
  end
  -- Target nodes and their children, to spread a mapping down the tree.
  local children, assessable, order = {}, {}, {}
  for req in reg:query("SELECT ref, parent, assessable FROM requirements WHERE framework = ?1 "
      .. "ORDER BY ord", to.framework) do
    if req.parent then
      children[req.parent] = children[req.parent] or {}
      table.insert(children[req.parent], req.ref)
    end
    if req.assessable == "1" then assessable[req.ref] = true; order[#order + 1] = req.ref end
  end
  local function leaves(ref, out)
    if assessable[ref] then out[#out + 1] = ref end
    for _, c in ipairs(children[ref] or {}) do leaves(c, out) end
    return out
  end
  -- Per target: the sources that cover it whole (equal, superset) and
  -- those that cover a part (subset, intersect). Whole covers decide
  -- (the lowest of them); parts alone give at most a partial result.
  local cover = {}   -- target ref -> { whole = { }, part = { }, from = { } }
  for _, p in ipairs(pairs_list) do
    local ans = source_answers[p.source]
    local status = ans and p.relation ~= "none" and carried(fm, ans.status, p.relation)
    if status then
      local s = tm.status_by_id[status] and status or carried(tm, status, "equal")
      if s then
        for _, t in ipairs(leaves(p.target, {})) do
          local c = cover[t] or { whole = {}, part = {}, from = {} }
          cover[t] = c
          local whole = p.relation == "equal" or p.relation == "superset"
          table.insert(whole and c.whole or c.part, { status = s,
            maturity = p.relation == "equal" and ans.maturity or nil })
          table.insert(c.from, ("%s (%s)"):format(p.source, p.relation))
        end
      end
    end
  end
  local proposal = {}
  for t, c in pairs(cover) do
    local list, pick_lowest = #c.whole > 0 and c.whole or c.part, #c.whole > 0
    local best
    for _, x in ipairs(list) do
      local score = tm.status_by_id[x.status].score or 1
      if not best or (pick_lowest and score < best.score) or (not pick_lowest and score > best.score)
      then
        best = { status = x.status, maturity = x.maturity, score = score }
      end
    end
    proposal[t] = { status = best.status, maturity = best.maturity, from = c.from }
  end
  local existing = reg:answers(to.id)
  local rows, kept = {}, 0
  for _, ref in ipairs(order) do
    local p = proposal[ref]
    if p then
      local old = existing[ref]
      if old and old.status and not opts.overwrite and not (old.origin or ""):find("^credited")
          and not (old.origin or ""):find("^mapped") then
        kept = kept + 1
      else
        local origin = ("%s %s %s"):format(opts.label or "mapped from", where,
                                            table.concat(p.from, ", "))
        rows[#rows + 1] = { values = { assessment = to.id, requirement = ref, status = p.status,
                                       maturity = p.maturity, origin = origin,
                                       justification = tm.status_by_id[p.status].justification
                                         and ("as " .. where) or nil },
                            where = {}, at = where }
      end
    end
  end
  local covered = 0
  for _ in pairs(proposal) do covered = covered + 1 end
  if #rows == 0 then
    return { filled = 0, kept = kept, covered = covered, assessable = #order }
  end
  local rep, err, code = reg:records("answer"):import_rows(rows, {
    source = where, reason = opts.reason, command = opts.command or "gap prefill" })
  if not rep then return nil, err, code end
  return { filled = #rows, kept = kept, covered = covered, assessable = #order, batch = rep.batch }
end

--- ISO 9001 credit: pre-fills a 27001 assessment's management-system
-- requirements from a QMS state, through the 9001 -> 27001 mapping set
-- (imported from rules/requirement-mappings/ when the register lacks
-- it). The state is a 9001 assessment (opts.from) or "certified"
-- (opts.certified) with exceptions (opts.except: 9001 refs not met).
-- Returns the prefill counts and `share` (the part of the 27001
-- assessable management-system requirements the QMS covers).
function R:credit_9001(to_id, opts)
  opts = opts or {}
  local to, tm, code = assessment(self, to_id)
  if not to then return nil, tm, code end
  local mapping_name = opts.mapping or ("iso9001-2015-to-" .. to.framework)
  local qms = opts.framework or "iso9001-2015"
  if not self:records("framework"):get(qms) then
    local ok, err, ecode = self:import_framework(qms, { reason = "for ISO 9001 credit" })
    if not ok then return nil, err, ecode end
  end
  if #self:mapping_pairs(qms, to.framework) == 0 then
    local ok, err, ecode = self:import_mapping(mapping_name, { reason = "for ISO 9001 credit" })
    if not ok then return nil, err, ecode end
  end
  local source, fm, where
  if opts.from then
    local from, m2, c2 = assessment(self, opts.from)
    if not from then return nil, m2, c2 end
    if from.framework ~= qms then
      return nil, ("assessment %s is of %s, not %s"):format(opts.from, from.framework, qms), "INPUT"
    end
    source, fm, where = self:answers(opts.from), m2, ("ISO 9001 (%s)"):format(opts.from)
  elseif opts.certified then
    fm = method.load("default")
    local met, not_met = method.status(fm, "met"), method.status(fm, "not_met")
    if not met or not not_met then
      return nil, "the default gap method needs statuses met and not_met for certified credit",
        "RULE"
    end
    local except = {}
    for _, e in ipairs(opts.except or {}) do except[e] = true end
    source = {}
    for req in self:query("SELECT ref FROM requirements WHERE framework = ?1", qms) do
      local ex = except[req.ref]
      for pre in pairs(except) do
        if req.ref:sub(1, #pre + 1) == pre .. "." then ex = true end
      end
      source[req.ref] = { status = ex and not_met.id or met.id }
      except[req.ref] = nil
    end
    for e in pairs(except) do
      if not source[e] then
        return nil, ("'%s' is not a requirement of %s"):format(e, qms), "INPUT"
      end
    end
    where = "ISO 9001 certificate"
  else
    return nil, "give the QMS state: a 9001 assessment (from) or certified", "USAGE"
  end
  local rep, err, ecode = M.prefill_from(self, qms, source, fm, to, tm,
    { overwrite = opts.overwrite, reason = opts.reason, label = "credited from",
      command = "gap credit" }, where)
  if not rep then return nil, err, ecode end
  -- The share of 27001's management-system (clause) requirements covered.
  local clause_total = 0
  local covered = 0
  local now = self:answers(to_id)
  for req in self:query("SELECT ref FROM requirements WHERE framework = ?1 AND assessable = 1 "
      .. "AND control = 0", to.framework) do
    clause_total = clause_total + 1
    local a = now[req.ref]
    if a and (a.origin or ""):find("^credited from") then covered = covered + 1 end
  end
  rep.clause_requirements, rep.credited = clause_total, covered
  rep.share = clause_total > 0 and covered / clause_total or 0
  -- The same at the standard's sub-clause level (4.1 ... 10.2, the deepest
  -- numbered nodes): covered when any of its requirements is credited.
  local numbered, has_numbered_child, parent_of = {}, {}, {}
  for req in self:query("SELECT ref, parent FROM requirements WHERE framework = ?1 AND "
      .. "control = 0 ORDER BY ord", to.framework) do
    parent_of[req.ref] = req.parent
    if req.ref:match("^%d+%.%d+[%.%d]*$") then
      numbered[#numbered + 1] = req.ref
      if req.parent and req.parent:match("^%d+[%.%d]*$") then has_numbered_child[req.parent] = true end
    end
  end
  local credited_under = {}
  for ref, a in pairs(now) do
    if (a.origin or ""):find("^credited from") then
      local p = ref
      while p do
        credited_under[p] = true
        p = parent_of[p]
      end
    end
  end
  local subs, subs_covered = 0, 0
  for _, ref in ipairs(numbered) do
    if not has_numbered_child[ref] then
      subs = subs + 1
      if credited_under[ref] then subs_covered = subs_covered + 1 end
    end
  end
  rep.subclauses, rep.subclauses_credited = subs, subs_covered
  rep.subclause_share = subs > 0 and subs_covered / subs or 0
  return rep
end

--- Compares two assessments of one framework, requirement by requirement:
-- { improved, regressed, unchanged, new, dropped } lists of { ref, from,
-- to } (status ids; maturity breaks ties).
function R:compare_assessments(a_id, b_id)
  local a, am, code = assessment(self, a_id)
  if not a then return nil, am, code end
  local b, bm, bcode = assessment(self, b_id)
  if not b then return nil, bm, bcode end
  if a.framework ~= b.framework then
    return nil, ("%s is of %s and %s of %s; compare assessments of one framework"):format(
      a_id, a.framework, b_id, b.framework), "INPUT"
  end
  local A, B = self:answers(a_id), self:answers(b_id)
  local out = { improved = {}, regressed = {}, unchanged = {}, new = {}, dropped = {} }
  local function value(m, ans)
    local s = method.status(m, ans.status)
    return (s and s.score or 0) * 100 + (ans.maturity or 0)
  end
  for req in self:query("SELECT ref FROM requirements WHERE framework = ?1 AND assessable = 1 "
      .. "ORDER BY ord", a.framework) do
    local x, y = A[req.ref], B[req.ref]
    local xs, ys = x and x.status, y and y.status
    local item = { ref = req.ref, from = xs, to = ys, from_maturity = x and x.maturity,
                   to_maturity = y and y.maturity }
    if xs and ys then
      local vx, vy = value(am, x), value(bm, y)
      local list = vy > vx and out.improved or vy < vx and out.regressed or out.unchanged
      list[#list + 1] = item
    elseif ys then out.new[#out.new + 1] = item
    elseif xs then out.dropped[#out.dropped + 1] = item end
  end
  return out
end

require("isms.store.register").extend(M.methods)

return M
