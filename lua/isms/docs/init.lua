--- Documented information (ISO/IEC 27001 7.5, guideline 5.1-5.3): the
-- register of documents -- identification, type, version, author,
-- approval, review cycle, distribution, access, storage, retention and
-- disposition -- with the SHA-256 of each referenced file taken when it is
-- registered, the version history with a reason for every change, the
-- mandatory list of a rule file (isms.docs.mandatory) and the checks an
-- auditor asks first: what is missing, unapproved, overdue for review,
-- past retention, or evidence of nothing.
--
--   local docs = require "isms.docs"
--   reg:records("document"):add { id = "POL-001", title = "Information security policy",
--     type = "policy", path = "policies/isp.pdf", fulfils = "policy" }
--   docs.revise(reg, "POL-001", { version = "2.0", reason = "2022 edition" })
--   docs.check(reg)   --> { problems = { { category, id, field, problem } }, coverage = ... }
--   docs.verify(reg)  --> { { id, path, status = "ok"|"changed"|"missing"|..., recorded, actual } }
local b = require "isms.store._ffi"
local kind = require "isms.store.kind"
local records = require "isms.store.records"
local mandatory = require "isms.docs.mandatory"
local dates = require "isms.docs.dates"
require "isms.treat.soa"  -- the "control" resolver and reg:soa_catalog()
require "isms.gap.kinds"  -- the "requirement" kind that documents, audits and findings link to

local ffi, C = b.ffi, b.C
local M = {}

M.mandatory = mandatory
M.TYPES = { "policy", "procedure", "standard", "guideline", "plan", "record", "form", "report",
            "register", "other" }
M.STATUSES = { "draft", "approved", "withdrawn", "disposed" }
M.ACCESS = { "public", "internal", "restricted", "confidential", "secret" }

-- ------------------------------------------------------------ files

local function is_url(path) return path:match("^%a[%w+.%-]*://") ~= nil end
M.is_url = is_url

--- Where a document's path points: absolute as given, relative from the
-- register's directory (so a register and its documents move together).
function M.resolve(reg, path)
  if path:sub(1, 1) == "/" then return path end
  local dir = (reg.path or ""):match("^(.*)/[^/]*$") or "."
  return dir .. "/" .. path
end

local hex = ffi.new("char[65]")

--- The SHA-256 of a file (hex), or nil and why.
function M.sha256_file(path)
  local rc = C.isms_sha256_file(path, hex)
  if rc == 0 then return ffi.string(hex) end
  if rc == 8 then return nil, ("no file at %s"):format(path), "NOTFOUND" end
  return nil, ("%s cannot be read as a file"):format(path), "IO"
end

--- The SHA-256 of a string (hex).
function M.sha256(text)
  assert(C.isms_sha256(text, #text, hex) == 0)
  return ffi.string(hex)
end

-- ------------------------------------------------------------ requirements

M.DEFAULT_FRAMEWORK = "iso27001-2022"
M.FRAMEWORK_SETTING = "requirements.framework"

--- The framework a requirement ref without one ("9.2", "A.5.18") belongs
-- to: setting requirements.framework, else the ISO/IEC 27001 catalog the
-- register imported last, else iso27001-2022.
function M.default_framework(reg)
  local fw = reg:setting(M.FRAMEWORK_SETTING)
  if fw then return fw end
  local ok, row = pcall(function()
    local iter = reg:query("SELECT id FROM frameworks WHERE id LIKE 'iso27001-%' ORDER BY "
                           .. "imported_at DESC, id DESC LIMIT 1")
    local r = iter()
    if r then iter() end
    return r
  end)
  return ok and row and row.id or M.DEFAULT_FRAMEWORK
end

--- A links field to requirements of the gap analysis's catalogs (kind
-- "requirement", ids "FRAMEWORK:REF"); a ref given without its framework
-- is taken from M.default_framework, so "9.2; A.5.18" is enough.
function M.requirements_field(help)
  return { name = "requirements", type = "links", to = "requirement", help = help,
           check = function(list, reg)
             local fw
             local out = {}
             for k, id in ipairs(list) do
               if not id:find(":", 1, true) then
                 fw = fw or M.default_framework(reg)
                 id = fw .. ":" .. id
               end
               out[k] = id
             end
             return out
           end }
end

--- A requirement id without the register's default framework, for tables.
function M.short_ref(reg, id, fw)
  fw = fw or M.default_framework(reg)
  return id:sub(1, #fw + 1) == fw .. ":" and id:sub(#fw + 2) or id
end

-- ------------------------------------------------------------ kinds

local function before(a, b_) return a and b_ and a < b_ end

local function derive(row, old, reg)
  local more = {}
  if row.path and not is_url(row.path)
     and (not old or old.path ~= row.path or not row.sha256) then
    local digest, why = M.sha256_file(M.resolve(reg, row.path))
    if not digest then
      return nil, why .. " (a relative path is taken from the register's directory)", "path"
    end
    more.sha256 = digest
  elseif not row.path and old and old.path and row.sha256 == old.sha256 then
    more.sha256 = ""  -- no file any more: no digest of it
  end
  local function unchanged(f) return not old or old[f] == row[f] end
  if row.approved and row.review_months and unchanged("next_review")
     and (not old or not row.next_review or old.approved ~= row.approved
          or old.review_months ~= row.review_months) then
    more.next_review = dates.add_months(row.approved, row.review_months)
  end
  local base = row.withdrawn or row.approved
  if row.retention_months and base and unchanged("retain_until")
     and (not old or not row.retain_until or old.retention_months ~= row.retention_months
          or (old.withdrawn or old.approved) ~= base) then
    more.retain_until = dates.add_months(base, row.retention_months)
  end
  return more
end

local function validate(row, _, reg)
  if row.status == "approved" and not (row.approver and row.approved) then
    return "an approved document names its approver and the approval date", "status"
  end
  if row.status == "withdrawn" and not row.withdrawn then
    return "a withdrawn document has the date it was withdrawn", "withdrawn"
  end
  if row.status == "disposed" and not (row.disposed and row.disposed_by and row.disposal_reason) then
    return "a disposed document records when (disposed), who (disposed_by) and why "
      .. "(disposal_reason)", "status"
  end
  if before(row.next_review, row.approved) then
    return ("%s is before the approval on %s"):format(row.next_review, row.approved), "next_review"
  end
  if before(row.withdrawn, row.approved) then
    return ("%s is before the approval on %s"):format(row.withdrawn, row.approved), "withdrawn"
  end
  if before(row.disposed, row.withdrawn or row.approved) then
    return ("%s is before %s"):format(row.disposed, row.withdrawn or row.approved), "disposed"
  end
  if before(row.retain_until, row.approved) then
    return ("%s is before the approval on %s"):format(row.retain_until, row.approved), "retain_until"
  end
  if row.sha256 and not row.sha256:match("^%x+$") or row.sha256 and #row.sha256 ~= 64 then
    return "expected 64 hex digits", "sha256"
  end
  if #row.fulfils > 0 then
    local list, err = mandatory.of(reg)
    if not list then return "the mandatory list does not load: " .. err, "fulfils" end
    for _, item in ipairs(row.fulfils) do
      if not list.by_id[item] then
        local ids = {}
        for _, it in ipairs(list.items) do ids[#ids + 1] = it.id end
        return ("'%s' is not an item of the mandatory list %s (%s)"):format(
          item, list.name, table.concat(ids, ", ")), "fulfils"
      end
    end
  end
end

M.kind = kind.define {
  kind = "document", plural = "documents", noun = "docs", table = "documents", key = "id",
  id_prefix = "DOC-", title = "Documented information (ISO/IEC 27001 7.5)",
  summary = "documented information: register, check, verify, revise",
  list_columns = { "id", "title", "type", "version", "status", "approved", "next_review" },
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text", required = true },
    { name = "type", type = "enum", values = M.TYPES },
    { name = "version", type = "text", max_length = 32 },
    { name = "status", type = "enum", values = M.STATUSES, default = "draft" },
    { name = "author", type = "text" },
    { name = "approver", type = "text" },
    { name = "approved", type = "date", help = "approval date" },
    { name = "review_months", type = "int", min = 1, max = 120, help = "review cycle" },
    { name = "next_review", type = "date", help = "approved + review_months unless given" },
    { name = "distribution", type = "list" },
    { name = "access", type = "enum", values = M.ACCESS },
    { name = "location", type = "text", help = "where it is stored" },
    { name = "path", type = "text", help = "file (from the register's directory) or URL" },
    { name = "sha256", type = "text", help = "taken from the file when it is registered" },
    { name = "retention_months", type = "int", min = 1 },
    { name = "retain_until", type = "date", help = "(withdrawn or approved) + retention" },
    { name = "withdrawn", type = "date" },
    { name = "disposed", type = "date" },
    { name = "disposed_by", type = "text" },
    { name = "disposal_reason", type = "text" },
    { name = "fulfils", type = "list", help = "mandatory items (isms docs mandatory)" },
    M.requirements_field("requirements it evidences"),
    { name = "controls", type = "links", to = "control", help = "controls it evidences" },
  },
  derive = derive,
  validate = validate,
  check = function(reg, _, problem)
    for _, p in ipairs(M.check(reg, { links = false }).problems) do problem(p.id, p.field, p.problem) end
  end,
}

M.version_kind = kind.define {
  kind = "document_version", plural = "document_versions", noun = "document-versions",
  table = "document_versions",
  key = { "document", "version" }, title = "Versions of documented information",
  fields = {
    { name = "document", type = "ref", to = "document" },
    { name = "version", type = "text", max_length = 32 },
    { name = "date", type = "date", required = true },
    { name = "author", type = "text" },
    { name = "reason", type = "text", required = true },
    { name = "sha256", type = "text" },
    { name = "approved_by", type = "text" },
  },
  validate = function(_, old)
    if old then return "a version, once recorded, stays as it was; record a new version", "version" end
  end,
}

-- ------------------------------------------------------------ revising

--- Records a new version of a document in one batch: the document's
-- version (and path, author, approval) change, its file's digest is taken
-- again, and the version history gains an entry with the reason.
-- fields: { version, reason (both required), date (today), author,
-- approved_by (approves it at once; else the new version is a draft),
-- path }. opts: { today }.
-- @treturn table|nil the batch report, or nil, message, code
function M.revise(reg, id, fields, opts)
  opts = opts or {}
  if type(fields) ~= "table" then error("docs.revise: expected a table of fields", 2) end
  local coll = reg:records("document")
  local old = coll:get(id)
  if not old then return nil, ("no document '%s' in the register"):format(tostring(id)), "NOTFOUND" end
  if type(fields.version) ~= "string" or not fields.version:match("%S") then
    return nil, ("document %s: version: the new version is required"):format(id), "INPUT"
  end
  if type(fields.reason) ~= "string" or not fields.reason:match("%S") then
    return nil, ("document %s: reason: a new version records the reason for the change"):format(id),
      "INPUT"
  end
  if fields.version == old.version then
    return nil, ("document %s: version: %s is the current version"):format(id, old.version), "INPUT"
  end
  local date = fields.date or records.today(opts.today)
  local ok, why = records.date(date, "date")
  if not ok then return nil, ("document %s: %s"):format(id, why), "INPUT" end
  local change = { version = fields.version, sha256 = "", author = fields.author or old.author,
                   path = fields.path or old.path }
  if fields.approved_by then
    change.status, change.approver, change.approved = "approved", fields.approved_by, date
  else
    change.status, change.approver, change.approved, change.next_review = "draft", "", "", ""
  end
  return kind.batch(reg, { command = "docs revise", reason = fields.reason }, function(tx)
    tx.set("document", id, change)
    local now = coll:get(id)  -- inside the batch: the digest just taken
    tx.add("document_version", { document = id, version = fields.version, date = date,
                                 author = change.author, reason = fields.reason,
                                 sha256 = now.sha256, approved_by = fields.approved_by })
  end)
end

--- The version history of a document, oldest first.
function M.versions(reg, id)
  return reg:records("document_version"):list({ document = id })
end

-- ------------------------------------------------------------ checking

-- Tables of the record kinds a mandatory item may name in `records`.
local BUILT_IN_TABLES = { risk = "risks", soa_revision = "soa_revisions", task = "rtp_tasks",
                          treatment = "treatments", asset = "assets", soa = "soa" }

local function records_table(name)
  if BUILT_IN_TABLES[name] then return BUILT_IN_TABLES[name] end
  local d = kind.get(name)
  return d and d.kind == name and d.table or nil
end

-- The one row of an aggregate query (the cursor stepped to its end).
local function first(reg, sql, ...)
  local iter = reg:query(sql, ...)
  local row = iter()
  if row then iter() end
  return row
end
M.first_row = first

local function count(reg, sql, ...)
  local row = first(reg, sql, ...)
  return row and tonumber(row.n) or 0
end

--- How each item of the register's mandatory list is met: approved
-- documents that fulfil it, or records of the kind it names.
-- @treturn table|nil { list, items = { { id, title, clause_2013, clause_2022,
--   documents (count), records (count), met } } }, or nil, message, code
function M.coverage(reg)
  local list, err, code = mandatory.of(reg)
  if not list then return nil, err, code end
  local out = { list = list, items = {} }
  -- one pass: approved documents by the items they fulfil
  local fulfilled = {}
  for row in reg:query("SELECT fulfils, count(*) AS n FROM documents WHERE status = 'approved' "
                       .. "AND fulfils IS NOT NULL GROUP BY fulfils") do
    for id in row.fulfils:gmatch("[^;]+") do
      id = id:match("^%s*(.-)%s*$")
      fulfilled[id] = (fulfilled[id] or 0) + tonumber(row.n)
    end
  end
  for _, item in ipairs(list.items) do
    local n = fulfilled[item.id] or 0
    local nrec, unknown = 0, nil
    if item.records then
      local tbl = records_table(item.records)
      if tbl then nrec = count(reg, ("SELECT count(*) AS n FROM %s"):format(tbl))
      else unknown = item.records end
    end
    out.items[#out.items + 1] = {
      id = item.id, title = item.title, clause_dis = item.clause_dis,
      clause_2013 = item.clause_2013, clause_2022 = item.clause_2022, records_kind = item.records,
      documents = n, records = nrec, met = n > 0 or nrec > 0, unknown_kind = unknown }
  end
  return out
end

-- Certification readiness (rules/readiness/default.lua): "every mandatory
-- document present and approved" is every item of the mandatory list met.
require("isms.gap.readiness").check("mandatory_documents", function(reg)
  local cov, err = M.coverage(reg)
  if not cov then return "fail", err, {} end
  local missing = {}
  for _, item in ipairs(cov.items) do
    if not item.met then
      missing[#missing + 1] = ("%s %s: nothing approved fulfils it"):format(item.id, item.title)
    end
  end
  return #missing == 0 and "pass" or "fail", ("%d of %d mandatory items met (list %s)"):format(
    #cov.items - #missing, #cov.items, cov.list.name or "?"), missing
end)

local function clause_text(item)
  local parts = {}
  if item.clause_2013 then parts[#parts + 1] = "2013: " .. item.clause_2013 end
  if item.clause_2022 then parts[#parts + 1] = "2022: " .. item.clause_2022 end
  return table.concat(parts, ", ")
end

M.CATEGORIES = { "missing", "unapproved", "review", "retention", "links", "fulfils" }

--- What an auditor would find wrong with the documented information, as
-- SQL over the register (a register of 100,000 documents is checked in a
-- few tens of milliseconds): mandatory items nothing fulfils, drafts,
-- approved documents without a review cycle or overdue for review,
-- documents past their retention and not disposed of, evidence links to
-- controls the SoA catalogs lack, and fulfils naming items the list lacks.
-- opts: { today, links = false (leave link checks to the record kit) }.
-- @treturn table { problems = { { category, id, field, problem } }, counts
--   = { category = n }, coverage }, or nil, message, code
function M.check(reg, opts)
  opts = opts or {}
  local today = records.today(opts.today)
  local problems, counts = {}, {}
  for _, c in ipairs(M.CATEGORIES) do counts[c] = 0 end
  local function problem(category, id, field, text)
    counts[category] = counts[category] + 1
    problems[#problems + 1] = { category = category, id = id, field = field, problem = text }
  end
  local cov, err, code = M.coverage(reg)
  if not cov then return nil, err, code end
  for _, item in ipairs(cov.items) do
    if item.unknown_kind then
      problem("missing", item.id, "records", ("the list names records of kind '%s', which this "
              .. "register does not keep"):format(item.unknown_kind))
    end
    if not item.met then
      problem("missing", item.id, "fulfils", ("mandatory: %s (%s): no approved document fulfils "
              .. "it%s"):format(item.title, clause_text(item), item.records_kind and
              (" and no %s is on record"):format(item.records_kind) or ""))
    end
  end
  for row in reg:query("SELECT id FROM documents WHERE status = 'draft' ORDER BY id") do
    problem("unapproved", row.id, "status", "a draft: not approved")
  end
  -- two range reads of documents_status(status, next_review)
  for row in reg:query("SELECT id FROM documents WHERE status = 'approved' AND next_review IS NULL "
                       .. "ORDER BY id") do
    problem("review", row.id, "review_months", "approved without a review cycle or next review date")
  end
  for row in reg:query("SELECT id, next_review, CAST(julianday(?1) - julianday(next_review) AS "
      .. "INTEGER) AS days FROM documents WHERE status = 'approved' AND next_review < ?1 "
      .. "ORDER BY next_review, id", today) do
    problem("review", row.id, "next_review", ("review overdue since %s (%s days)"):format(
      row.next_review, row.days))
  end
  for row in reg:query("SELECT id, retain_until FROM documents WHERE retain_until < ?1 AND "
      .. "status <> 'disposed' ORDER BY retain_until, id", today) do
    problem("retention", row.id, "retain_until", ("retained until %s: dispose of it (disposed, "
            .. "disposed_by, disposal_reason) or extend the retention"):format(row.retain_until))
  end
  if opts.links ~= false then
    local cat = reg:soa_catalog()
    local bad = {}
    for row in reg:query("SELECT DISTINCT target FROM record_links WHERE kind = 'document' AND "
        .. "rel = 'controls'") do
      if not (cat and cat.by_id[row.target]) then bad[#bad + 1] = row.target end
    end
    for _, target in ipairs(bad) do
      for row in reg:query("SELECT id FROM record_links WHERE kind = 'document' AND rel = "
          .. "'controls' AND target = ?1 ORDER BY id", target) do
        problem("links", row.id, "controls", ("evidences control '%s', which is not in the SoA "
                .. "catalogs (%s)"):format(target, cat and cat.names or "none load"))
      end
    end
  end
  local bad_sets = {}
  for row in reg:query("SELECT DISTINCT fulfils FROM documents WHERE fulfils IS NOT NULL") do
    for item in row.fulfils:gmatch("[^;]+") do
      item = item:match("^%s*(.-)%s*$")
      if not cov.list.by_id[item] then bad_sets[#bad_sets + 1] = { row.fulfils, item } end
    end
  end
  for _, s in ipairs(bad_sets) do
    for row in reg:query("SELECT id FROM documents WHERE fulfils = ?1 ORDER BY id", s[1]) do
      problem("fulfils", row.id, "fulfils", ("'%s' is not an item of the mandatory list %s"):format(
        s[2], cov.list.name))
    end
  end
  return { problems = problems, counts = counts, coverage = cov }
end

--- Counts for reports (the management review pack): documents, approved,
-- drafts, overdue for review, past retention, and the mandatory items met.
function M.summary(reg, opts)
  opts = opts or {}
  local today = records.today(opts.today)
  local r = first(reg, "SELECT (SELECT count(*) FROM documents) AS n, (SELECT count(*) FROM "
    .. "documents WHERE status = 'approved') AS approved, (SELECT count(*) FROM documents WHERE "
    .. "status = 'draft') AS drafts, (SELECT count(*) FROM documents WHERE status = 'approved' AND "
    .. "next_review < ?1) AS review, (SELECT count(*) FROM documents WHERE retain_until < ?1 AND "
    .. "status <> 'disposed') AS retention", today)
  local cov, err, code = M.coverage(reg)
  if not cov then return nil, err, code end
  local met, missing = 0, {}
  for _, item in ipairs(cov.items) do
    if item.met then met = met + 1 else missing[#missing + 1] = item.id end
  end
  return { documents = tonumber(r.n) or 0, approved = tonumber(r.approved) or 0,
           drafts = tonumber(r.drafts) or 0, review_overdue = tonumber(r.review) or 0,
           past_retention = tonumber(r.retention) or 0, mandatory = #cov.items,
           mandatory_met = met, missing = missing }
end

--- Checks each registered file against the digest recorded for it.
-- opts: { ids = { ... } (default every document with a path) }.
-- @treturn table { { id, path, status, recorded, actual } }, status one of
--   ok, changed, missing, unreadable, unrecorded (no digest), url (not checked)
function M.verify(reg, opts)
  opts = opts or {}
  local out = {}
  local function one(row)
    local r = { id = row.id, path = row.path, recorded = row.sha256 }
    if is_url(row.path) then r.status = "url"
    else
      local digest, _, code = M.sha256_file(M.resolve(reg, row.path))
      r.actual = digest
      if not digest then r.status = code == "NOTFOUND" and "missing" or "unreadable"
      elseif not row.sha256 then r.status = "unrecorded"
      elseif digest ~= row.sha256 then r.status = "changed"
      else r.status = "ok" end
    end
    out[#out + 1] = r
  end
  if opts.ids and #opts.ids > 0 then
    for _, id in ipairs(opts.ids) do
      local found = false
      for row in reg:query("SELECT id, path, sha256 FROM documents WHERE id = ?1", id) do
        found = true
        if row.path then one(row) else
          out[#out + 1] = { id = id, status = "no file", recorded = row.sha256 }
        end
      end
      if not found then return nil, ("no document '%s' in the register"):format(id), "NOTFOUND" end
    end
  else
    for row in reg:query("SELECT id, path, sha256 FROM documents WHERE path IS NOT NULL ORDER BY id") do
      one(row)
    end
  end
  return out
end

return M
