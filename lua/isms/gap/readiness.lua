--- Certification readiness (mixed into Register): the criteria of a
-- readiness rule file (rules/readiness/), each evaluated against the
-- register and explained; ready only when every criterion holds. A
-- criterion whose records do not exist yet (a table another part of the
-- ISMS fills, not there or empty) says "no records" and fails.
local rules = require "isms.rules"
local check = require "isms.rules.check"
local records = require "isms.store.records"

local M = { methods = {}, checks = {} }
local R = M.methods

--- Adds a check a criterion can name that another package evaluates
-- (dependencies point down: the documents package adds
-- mandatory_documents). fn(reg, criterion, today) returns the state
-- ("pass", "fail", "no records"), a detail and the records behind it.
function M.check(name, fn) M.checks[name] = fn end

local WORDS = {
  readiness = check.set { "title", "description" },
  criterion = check.set { "title", "check", "framework", "mandatory_only", "months", "query",
                          "list", "at_least", "at_most", "needs" },
}
local CHECKS = check.set { "gaps", "count", "since", "mandatory_documents" }

local function validate(path, decls)
  local r = { file = path, criteria = {} }
  local head
  for _, d in ipairs(decls) do
    local f = type(d.fields) == "table" and d.fields or {}
    if not WORDS[d.kind] then check.fail(path, d, nil, "not a readiness word (readiness, criterion)") end
    check.fields(path, d, f, WORDS[d.kind])
    if d.kind == "readiness" then
      if head then check.fail(path, d, nil, "a file declares one readiness") end
      head = d
      check.string(path, d, "title", f.title)
      r.name, r.title = d.name, f.title
    else
      if not head then check.fail(path, d, nil, "declare readiness \"NAME\" { ... } first") end
      check.string(path, d, "title", f.title)
      if not CHECKS[f.check or ""] then
        check.fail(path, d, "check", "expected gaps, count, since or mandatory_documents")
      end
      if f.check == "gaps" then
        check.string(path, d, "framework", f.framework)
      elseif f.check ~= "mandatory_documents" then
        check.string(path, d, "query", f.query)
        check.string(path, d, "list", f.list, true)
        if f.check == "count" and f.at_least == nil and f.at_most == nil then
          check.fail(path, d, "at_least", "a count check needs at_least or at_most")
        end
        if f.check == "since" and (type(f.months) ~= "number" or f.months < 0) then
          check.fail(path, d, "months", "expected a number of months")
        end
      end
      check.string(path, d, "needs", f.needs, true)
      local c = { id = d.name, line = d.line }
      for k, v in pairs(f) do c[k] = v end
      r.criteria[#r.criteria + 1] = c
    end
  end
  if not head then check.fail(path, { kind = "file", line = 1 }, nil, "no readiness declaration") end
  if #r.criteria == 0 then check.fail(path, head, nil, "declares no criterion") end
  return r
end

--- Loads readiness criteria by name (rules/readiness/NAME.lua) or path.
function M.load(name)
  local r, err, code = rules.load("readiness", name or "default", validate)
  if not r then return nil, err, code end
  return r
end

-- Runs a read-only query; returns its rows, or nil and "missing" when a
-- table it reads is not in the register, or nil and the message.
local function query(reg, sql)
  local ok, result = pcall(function()
    local rows = {}
    for row in reg:query(sql) do rows[#rows + 1] = row end
    return rows
  end)
  if ok then return result end
  if tostring(result):find("no such table") or tostring(result):find("no such column") then
    return nil, "missing"
  end
  return nil, tostring(result)
end

local function first_value(rows)
  local row = rows and rows[1]
  if not row then return nil end
  local _, v = next(row)
  return v
end

local function months_between(from, to)
  local y1, m1, d1 = from:match("^(%d+)%-(%d+)%-(%d+)")
  local y2, m2, d2 = to:match("^(%d+)%-(%d+)%-(%d+)")
  if not y1 or not y2 then return nil end
  local m = (tonumber(y2) - tonumber(y1)) * 12 + tonumber(m2) - tonumber(m1)
  if tonumber(d2) < tonumber(d1) then m = m - 1 end
  return m
end

local function table_rows(reg, name)
  local rows, err = query(reg, ("SELECT count(*) AS n FROM %s"):format(name))
  if not rows then return nil, err end
  return tonumber(rows[1].n)
end

local function evaluate(reg, c, today)
  local res = { id = c.id, title = c.title, state = "fail", records = {} }
  if c.needs and not c.needs:match("^[%a_][%w_]*$") then
    res.detail = "needs: not a table name"
    return res
  end
  if c.needs then
    local n = table_rows(reg, c.needs)
    if not n or n == 0 then  -- not there, or empty: nothing on record yet
      res.state, res.detail = "no records", ("the register holds no %s yet"):format(c.needs)
      return res
    end
  end
  if c.check == "gaps" then
    local latest
    for row in reg:query("SELECT id FROM assessments WHERE framework = ?1 ORDER BY "
        .. "assessed_on DESC, id DESC LIMIT 1", c.framework) do
      latest = row.id
    end
    if not latest then
      res.state, res.detail = "no records", ("no assessment of %s yet"):format(c.framework)
      return res
    end
    local results, err = reg:gap_results(latest)
    if not results then res.detail = err return res end
    for _, g in ipairs(results.gaps) do
      if g.mandatory or not c.mandatory_only then
        res.records[#res.records + 1] = ("%s %s (%s)"):format(g.ref, g.title, g.reason or g.status)
      end
    end
    res.state = #res.records == 0 and "pass" or "fail"
    res.detail = ("%d open %sgaps in %s"):format(#res.records,
                                                 c.mandatory_only and "mandatory " or "", latest)
    return res
  end
  if c.check == "mandatory_documents" then
    local fn = M.checks[c.check]
    if not fn then
      res.detail = "the documents package (isms.docs) is not loaded"
      return res
    end
    res.state, res.detail, res.records = fn(reg, c, today)
    res.records = res.records or {}
    return res
  end
  local rows, err = query(reg, c.query)
  if not rows then
    if err == "missing" then
      res.state, res.detail = "no records", "the register holds no such records yet"
    else
      res.detail = "query failed: " .. err
    end
    return res
  end
  local v = first_value(rows)
  if c.check == "count" then
    local n = tonumber(v) or 0
    local ok = (c.at_least == nil or n >= c.at_least) and (c.at_most == nil or n <= c.at_most)
    res.value = n
    if n == 0 and c.at_least and c.at_least > 0 then
      res.state, res.detail = "no records", "none on record"
      return res
    end
    res.state = ok and "pass" or "fail"
    res.detail = ("%d on record%s%s"):format(n, c.at_least and (", at least " .. c.at_least) or "",
                                            c.at_most and (", at most " .. c.at_most) or "")
  else
    if v == nil then
      res.state, res.detail = "no records", "none on record"
      return res
    end
    local months = months_between(tostring(v), today)
    res.value = v
    res.state = months and months >= c.months and "pass" or "fail"
    res.detail = ("since %s: %s months, at least %d"):format(tostring(v),
                                                           tostring(months or "?"), c.months)
  end
  if res.state ~= "pass" and c.list then
    local list = query(reg, c.list) or {}
    for _, row in ipairs(list) do
      local parts = {}
      for _, x in pairs(row) do parts[#parts + 1] = tostring(x) end
      table.sort(parts)
      res.records[#res.records + 1] = table.concat(parts, " ")
    end
  end
  return res
end

--- Evaluates the readiness criteria (opts.criteria: a name or path,
-- default "default"; opts.today). Returns { name, title, ready,
-- criteria = { { id, title, state = pass|fail|no records, detail,
-- records } } } or nil, message, code.
function R:readiness(opts)
  opts = opts or {}
  local r, err, code = M.load(opts.criteria)
  if not r then return nil, err, code end
  local today = records.today(opts.today)
  local out = { name = r.name, title = r.title, ready = true, criteria = {} }
  for _, c in ipairs(r.criteria) do
    local res = evaluate(self, c, today)
    out.criteria[#out.criteria + 1] = res
    if res.state ~= "pass" then out.ready = false end
  end
  return out
end

require("isms.store.register").extend(M.methods)

return M
