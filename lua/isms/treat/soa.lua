--- The Statement of Applicability (mixed into Register), guideline 6.5 /
-- domain.md §4: every control of the chosen Annex A edition (and of the
-- organisation's own catalogs) is applicable or excluded; an inclusion
-- gives its reasons (risk, legal, contractual, business), an exclusion its
-- justification; applicable controls carry an implementation status and
-- the risks whose treatments select them. Issued revisions are numbered,
-- dated, approved and kept as snapshots.
--
-- What cannot be checked one entry at a time is reported by
-- reg:soa_problems(): an excluded control a treatment selects, an
-- applicable control without a reason, a control with no decision, a
-- treatment selecting a control the SoA does not list, an inclusion for
-- risk that no treatment backs. A revision is issued only without them.
local records = require "isms.store.records"
local controls = require "isms.treat.controls"
local cjson = require "cjson"
local kind = require "isms.store.kind"

local M = { methods = {} }
local S = M.methods

M.REASONS = { "risk", "legal", "contractual", "business" }
local REASON_BIT = { risk = 1, legal = 2, contractual = 4, business = 8 }
M.STATUSES = { "not_started", "planned", "partial", "implemented" }
local STATUS = require("isms.rules.check").set(M.STATUSES)
M.DEFAULT_CATALOGS = "iso27001-2022"

--- The reasons of a bit mask, in M.REASONS order.
function M.reasons_of(mask)
  local list = {}
  for k, name in ipairs(M.REASONS) do
    if math.floor((mask or 0) / 2 ^ (k - 1)) % 2 == 1 then list[#list + 1] = name end
  end
  return list
end

local catalog_cache = {}

--- The catalogs the SoA covers (setting soa_catalogs: names or paths,
-- comma-separated; the first is the Annex A edition), merged.
-- @treturn table `{ names, list = { catalog }, controls = { { id, title,
--   group, catalog } } in order, by_id }`, or nil, message, code
function S:soa_catalog()
  local names = self:setting("soa_catalogs") or M.DEFAULT_CATALOGS
  if catalog_cache[names] then return catalog_cache[names] end
  local merged = { names = names, list = {}, controls = {}, by_id = {} }
  for name in names:gmatch("[^,]+") do
    local cat, err, code = controls.load(name)
    if not cat then return nil, err, code end
    merged.list[#merged.list + 1] = cat
    for _, c in ipairs(cat.controls) do
      if merged.by_id[c.id] then
        return nil, ("control '%s' is in both %s and %s"):format(c.id,
                     merged.by_id[c.id].catalog, cat.name), "INPUT"
      end
      local entry = { id = c.id, title = c.title, group = c.group, catalog = cat.name }
      merged.controls[#merged.controls + 1] = entry
      merged.by_id[c.id] = entry
    end
  end
  catalog_cache[names] = merged
  return merged
end

-- Records of other kinds (audit findings, objectives, ...) refer to
-- controls of the register's SoA catalogs.
kind.resolver("control", function(reg, id)
  local cat = reg:soa_catalog()
  return cat ~= nil and cat.by_id[id] ~= nil
end)

--- Chooses the catalogs of the SoA (first: the Annex A edition). Refused
-- while SoA entries or treatments name controls the new catalogs lack
-- (carry the SoA with a mapping first: docs/controls.md).
function S:set_soa_catalogs(names, reason)
  if type(names) == "string" then names = { names } end
  local text = table.concat(names, ",")
  local old = self:setting("soa_catalogs")
  local ok, err, code = self:set_setting("soa_catalogs", text, reason)
  if not ok then return nil, err, code end
  local cat, cerr, ccode = self:soa_catalog()
  local orphan
  if cat then
    for row in self:rows("soa") do
      if not cat.by_id[row.control] then orphan = orphan or row.control end
    end
    for row in self:rows("selected_controls") do
      if not cat.by_id[row.control] then orphan = orphan or row.control end
    end
  end
  if not cat or orphan then
    self:set_setting("soa_catalogs", old or M.DEFAULT_CATALOGS, "undo: " .. (reason or ""))
    if not cat then return nil, cerr, ccode end
    return nil, ("control '%s' is recorded but not in %s; carry the SoA to the new edition "
                 .. "first"):format(orphan, text), "INPUT"
  end
  return true
end

-- One entry's fields, checked. Returns the stored fields or nil, reason.
local KNOWN = { applicable = true, reasons = true, justification = true, status = true,
                owner = true }

local function entry_fields(cat, id, e)
  local function bad(why) return nil, ("SoA %s: %s"):format(tostring(id), why) end
  if not cat.by_id[id] then
    return bad(("no such control in %s"):format(cat.names))
  end
  if type(e) ~= "table" then return bad("expected a table") end
  for k in pairs(e) do
    if not KNOWN[k] then return bad(("unknown field '%s'"):format(tostring(k))) end
  end
  if type(e.applicable) ~= "boolean" then return bad("applicable: expected true or false") end
  local mask = 0
  for _, r in ipairs(e.reasons or {}) do
    local bitv = REASON_BIT[r]
    if not bitv then
      return bad(("reasons: '%s' is not one of %s"):format(tostring(r),
                                                           table.concat(M.REASONS, ", ")))
    end
    if math.floor(mask / bitv) % 2 == 0 then mask = mask + bitv end
  end
  local just = e.justification or ""
  if e.applicable then
    if mask == 0 then
      return bad("an applicable control needs its reasons (risk, legal, contractual, business)")
    end
    if mask ~= REASON_BIT.risk and not just:match("%S") then
      return bad("a legal, contractual or business reason needs a justification naming it")
    end
    if e.status ~= nil and not STATUS[e.status] then
      return bad(("status: expected one of %s"):format(table.concat(M.STATUSES, ", ")))
    end
  else
    if mask ~= 0 then return bad("an excluded control has no reasons for inclusion") end
    if not just:match("%S") then return bad("an exclusion needs a justification") end
    if e.status ~= nil then return bad("an excluded control has no implementation status") end
  end
  return { control = id, applicable = e.applicable and 1 or 0, reasons = mask,
           justification = just, status = e.applicable and (e.status or "not_started") or "",
           owner = e.owner or "" }
end

--- Records SoA entries, all or nothing.
-- @tparam table entries `{ [control id] = { applicable = bool, reasons = {
--   "risk", "legal", ... }, justification, status, owner } }`
function S:put_soa(entries, reason)
  local cat, err, code = self:soa_catalog()
  if not cat then return nil, err, code end
  local ids = {}
  for id in pairs(entries) do ids[#ids + 1] = id end
  table.sort(ids)
  local fields = {}
  for k, id in ipairs(ids) do
    local f, why = entry_fields(cat, id, entries[id])
    if not f then return nil, why, "INPUT" end
    fields[k] = f
  end
  local rep, perr, pcode = records.run(self, "soa set", reason, function(w)
    for _, f in ipairs(fields) do w.put("soa", f) end
  end)
  if not rep then return nil, perr, pcode end
  return rep
end

--- One control's entry (see put_soa).
function S:set_soa(id, entry, reason)
  return self:put_soa({ [id] = entry }, reason)
end

local SOA_ENTRIES = "SELECT control, applicable, reasons, justification, status, owner FROM soa"

--- The SoA: one row per control of the catalogs, in catalog order.
-- @treturn table `{ catalogs, revision = last issued or nil, entries = {
--   { control, title, group, catalog, decided, applicable, reasons = {...},
--   justification, status, owner, risks (count), linked = { refs } } },
--   selected = { [control id] = risks whose treatments select it } (every
--   selected control, in the catalogs or not) }`
function S:soa(opts)
  opts = opts or {}
  local cat, err, code = self:soa_catalog()
  if not cat then return nil, err, code end
  local stored, selected = {}, {}
  -- the entries without the view's count of risks per entry (a pass over
  -- every treatment's controls; `selected` below counts them all at once)
  for row in self:query(SOA_ENTRIES) do stored[row.control] = row end
  for row in self:rows("selected_controls") do selected[row.control] = tonumber(row.risks) end
  local max_linked = opts.linked or 10
  local entries = {}
  for _, c in ipairs(cat.controls) do
    local s = stored[c.id]
    local e = { control = c.id, title = c.title, group = c.group, catalog = c.catalog,
                decided = s ~= nil, risks = selected[c.id] or 0, linked = {},
                reasons = {} }
    if s then
      e.applicable = s.applicable == "1"
      e.reasons = M.reasons_of(tonumber(s.reasons))
      e.justification, e.status, e.owner = s.justification, s.status, s.owner
    end
    -- the first few linked risks: the cursor stops (and is closed) early
    if e.risks > 0 and max_linked > 0 then
      local iter = self:rows("control_risks", c.id)
      for row in iter do
        e.linked[#e.linked + 1] = row.risk
        if #e.linked >= max_linked then break end
      end
    end
    entries[#entries + 1] = e
  end
  local revs = self:soa_revisions()
  return { catalogs = cat.names, revision = revs[#revs], entries = entries, selected = selected }
end

--- The consistency errors of the SoA with the treatments, as messages.
-- @tparam[opt] table soa the SoA as reg:soa({ linked = 5 }) just gave it
--   (the report reads it once: counting the selections of every control
--   is a pass over every treatment's controls); read here when nil
function S:soa_problems(soa)
  local err, code
  if not soa then
    soa, err, code = self:soa({ linked = 5 })
    if not soa then return nil, err, code end
  end
  local problems = {}
  local function add(fmt, ...) problems[#problems + 1] = fmt:format(...) end
  local function refs(e)
    local text = table.concat(e.linked, ", ")
    if e.risks > #e.linked then text = text .. (", and %d more"):format(e.risks - #e.linked) end
    return text
  end
  local cat = self:soa_catalog()
  for _, e in ipairs(soa.entries) do
    if not e.decided then
      if e.risks > 0 then
        add("%s is selected by the treatment of %d risk(s) (%s) but has no SoA entry",
            e.control, e.risks, refs(e))
      else
        add("%s has no SoA entry: decide whether it is applicable", e.control)
      end
    elseif not e.applicable and e.risks > 0 then
      add("%s is excluded but selected by the treatment of %d risk(s) (%s)", e.control, e.risks,
          refs(e))
    elseif e.applicable and #e.reasons == 0 then
      add("%s is applicable with no reason", e.control)
    elseif e.applicable and #e.reasons == 1 and e.reasons[1] == "risk" and e.risks == 0 then
      add("%s is applicable for risk, but no treatment selects it", e.control)
    end
  end
  -- Entries and selections of controls no catalog of the SoA has (left by
  -- a change of catalogs or written outside this module).
  local orphans = {}
  for row in self:query(SOA_ENTRIES) do
    if not cat.by_id[row.control] then orphans[row.control] = true end
  end
  for control in pairs(soa.selected) do
    if not cat.by_id[control] then orphans[control] = true end
  end
  local list = {}
  for id in pairs(orphans) do list[#list + 1] = id end
  table.sort(list)
  for _, id in ipairs(list) do add("%s is recorded but is in none of %s", id, cat.names) end
  return problems
end

--- Issued revisions, oldest first: `{ rev, edition, issued_at,
-- approved_by, note }` (entries: reg:soa_revision(rev)).
function S:soa_revisions()
  local list = {}
  for row in self:rows("soa_revisions") do
    row.rev = tonumber(row.rev)
    row.entries = nil
    list[#list + 1] = row
  end
  return list
end

--- One issued revision with its entries as they were.
function S:soa_revision(rev)
  local row = self:rows("soa_revisions", tostring(rev))()
  if row then
    row.rev = tonumber(row.rev)
    row.entries = cjson.decode(row.entries)
    return row
  end
  return nil
end

--- Issues the next revision of the SoA: refused while it has problems.
-- @tparam table r `{ approved_by, note, issued_at }`
-- @treturn integer|nil the revision number, or nil, message, code
function S:issue_soa(r, reason)
  r = r or {}
  local by, why = records.text(r.approved_by, "approved_by")
  if not by then return nil, "SoA revision: " .. why, "INPUT" end
  local at, dwhy = records.date(records.today(r.issued_at), "issued_at")
  if not at then return nil, "SoA revision: " .. dwhy, "INPUT" end
  local problems, err, code = self:soa_problems()
  if not problems then return nil, err, code end
  if #problems > 0 then
    return nil, ("the SoA has %d problem(s); fix them before issuing a revision: %s")
      :format(#problems, problems[1]), "INPUT"
  end
  local soa = self:soa({ linked = 0 })
  local snapshot = {}
  for k, e in ipairs(soa.entries) do
    snapshot[k] = { control = e.control, applicable = e.applicable, reasons = e.reasons,
                    justification = e.justification, status = e.status, owner = e.owner,
                    risks = e.risks }
  end
  local revs = self:soa_revisions()
  local rev = #revs > 0 and revs[#revs].rev + 1 or 1
  local rep, perr, pcode = records.run(self, "soa issue", reason, function(w)
    w.put("soa_revision", { rev = rev, edition = soa.catalogs, issued_at = at,
                            approved_by = by, note = r.note or "",
                            entries = cjson.encode(snapshot) })
  end)
  if not rep then return nil, perr, pcode end
  return rev
end

--- Carries the SoA to another catalog through a mapping (controls.lua):
-- each target control takes the entry of its single unchanged source;
-- merged, split and new controls are left undecided for a person to
-- decide, and returned. Nothing is written: put the result with put_soa
-- after set_soa_catalogs.
-- @treturn table `{ entries = { [id] = entry }, decide = { { id, change,
--   sources } } }`
function S:carry_soa(mapping)
  local map, err, code = controls.load_mapping(mapping)
  if not map then return nil, err, code end
  local current = {}
  for row in self:rows("soa") do
    current[row.control] = { applicable = row.applicable == "1",
                             reasons = M.reasons_of(tonumber(row.reasons)),
                             justification = row.justification, status = row.status,
                             owner = row.owner }
  end
  local rows = controls.carry(map, current)
  local out = { entries = {}, decide = {} }
  for _, r in ipairs(rows) do
    local src = r.sources[1]
    if #r.sources == 1 and src.entry and (r.change == "same" or r.change == "renumbered") then
      out.entries[r.id] = src.entry
    else
      out.decide[#out.decide + 1] = { id = r.id, change = r.change, sources = r.sources }
    end
  end
  return out
end

require("isms.store.register").extend(M.methods)

return M
