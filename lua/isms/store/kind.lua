--- Record kinds: the one way a register gains a new kind of record.
--
-- A domain package describes its records once -- the table its migration
-- created, the key, the fields and their types (isms.store.fields), a
-- record check and a register check -- and gets, from this module:
-- writes as one transaction and one change batch with every field logged
-- (isms_records_* in C), typed Lua rows, all-or-nothing CSV import with
-- file:line:column errors, CSV export, references checked against the
-- register, and the same verbs on the command line (isms.cli.records):
-- list, show, add, set, delete, import, export, check, --json.
--
--   local kind = require "isms.store.kind"
--   kind.define {
--     kind = "incident", plural = "incidents", table = "incidents",
--     key = "id", id_prefix = "INC-", title = "Information security incidents",
--     fields = {
--       { name = "id", type = "id" },
--       { name = "title", type = "text", required = true },
--       { name = "severity", type = "enum", values = { "low", "medium", "high" } },
--       { name = "assets", type = "links", to = "asset" },
--     },
--     -- a field may carry check = function(stored, reg) -> stored | nil, reason
--     -- (a value on a scale of the register's rule files, normalised)
--     validate = function(row, old, reg, batch) return nil end,  -- or a reason
--     check = function(reg, rows, problem) end,           -- whole-register checks
--   }
--   reg:records("incident"):add { title = "Laptop lost", severity = "high" }
local b = require "isms.store._ffi"
local fields = require "isms.store.fields"
local records = require "isms.store.records"
local register = require "isms.store.register"
local tabular = require "isms.store.tabular"
local format = require "isms.store.format"
local domains = require "isms.store._domains"

local ffi, C = b.ffi, b.C
local new_table = require "table.new"  -- sized up front: no rehash as a row fills
local M = {}

local kinds, by_noun, order = {}, {}, {}
local resolvers = {}

-- Kinds the C store knows already (records.lua); not to be redefined.
local BUILT_IN = { treatment = true, treatment_control = true, acceptance = true, soa = true,
                   soa_revision = true, task = true, delay = true, link = true, asset = true,
                   risk = true, threat = true, control = true }

--- Defines a record kind (see the module comment); returns the descriptor.
function M.define(d)
  if type(d.kind) ~= "string" or not d.kind:match("^[a-z][a-z0-9_]*$") or BUILT_IN[d.kind] then
    error("kind.define: kind must be a new lower-case name", 2)
  end
  if kinds[d.kind] then error("kind.define: kind '" .. d.kind .. "' defined twice", 2) end
  if type(d.table) ~= "string" then error("kind.define: " .. d.kind .. " needs a table", 2) end
  d.key = type(d.key) == "table" and d.key or { d.key or "id" }
  d.plural = d.plural or d.kind .. "s"
  d.title = d.title or d.plural
  d.by_name = fields.validate_descriptor(d.kind, d.fields)
  d.columns, d.link_fields, d.is_key = {}, {}, {}
  for _, k in ipairs(d.key) do
    local f = d.by_name[k]
    if not f or f.type == "links" then error("kind.define: " .. d.kind .. ": bad key " .. k, 2) end
    d.is_key[k] = true
    d.columns[#d.columns + 1] = f
  end
  for _, f in ipairs(d.fields) do
    if f.type == "links" then
      d.link_fields[#d.link_fields + 1] = f
    elseif not d.is_key[f.name] then
      d.columns[#d.columns + 1] = f
    end
  end
  -- The fields prepare visits for every record written: those with a
  -- default, the required ones, the references.
  d.default_fields, d.required_fields, d.ref_fields = {}, {}, {}
  for _, f in ipairs(d.fields) do
    if f.default ~= nil then d.default_fields[#d.default_fields + 1] = f end
    if f.required then d.required_fields[#d.required_fields + 1] = f end
    if f.type == "links" or f.type == "ref" then d.ref_fields[#d.ref_fields + 1] = f end
  end
  if #d.link_fields > 0 and #d.key ~= 1 then
    error("kind.define: " .. d.kind .. ": links need a single key field", 2)
  end
  kinds[d.kind] = d
  by_noun[d.plural] = d
  if d.noun then by_noun[d.noun] = d end  -- the command's name, when not the plural
  order[#order + 1] = d
  return d
end

--- The descriptor of a kind, by kind or plural name (nil if none).
-- A name not defined yet loads the domain packages first.
function M.get(name)
  local d = kinds[name] or by_noun[name]
  if d then return d end
  domains.load_all()
  return kinds[name] or by_noun[name]
end

--- Every defined kind, in the order defined (the domain packages load first).
function M.all()
  domains.load_all()
  return order
end

--- Says how to tell whether a record of a kind the generic store does not
-- hold exists (assets, risks, controls, ...): fn(reg, id) -> boolean.
function M.resolver(kind, fn) resolvers[kind] = fn end

local function sql_exists(sql)
  return function(reg, id)
    local next_row = reg:query(sql, id)
    local found = next_row() ~= nil
    if found then next_row() end  -- past the one row: the cursor closes now
    return found
  end
end
M.resolver("asset", sql_exists("SELECT 1 FROM assets WHERE id = ?1"))
M.resolver("risk", sql_exists("SELECT 1 FROM risks WHERE ref = ?1"))
M.resolver("threat", sql_exists("SELECT 1 FROM threats WHERE id = ?1"))
M.resolver("task", sql_exists("SELECT 1 FROM rtp_tasks WHERE id = ?1"))
M.resolver("treatment", sql_exists("SELECT 1 FROM treatments WHERE risk = ?1"))

-- ------------------------------------------------------------ reading

local Records = {}
Records.__index = Records

--- The records of one kind in a register (also reg:records(name)).
function M.collection(reg, name)
  register.check_open(reg, "records")
  local d = M.get(name)
  if not d then error(("records: unknown record kind '%s'"):format(tostring(name)), 2) end
  reg._records = reg._records or {}
  local coll = reg._records[d.kind]
  if coll then return coll end
  local names = ffi.new("const char *[?]", #d.columns)
  for k, f in ipairs(d.columns) do names[k - 1] = f.name end
  local rc = C.isms_records_define(reg.db, d.kind, d.table, #d.key, #d.columns, names)
  if rc ~= 0 then error(ffi.string(C.isms_errmsg(reg.db)), 2) end
  coll = setmetatable({ reg = reg, d = d }, Records)
  reg._records[d.kind] = coll
  return coll
end

register.extend({ records = M.collection })

local function exists(reg, kind, id)
  if not resolvers[kind] and not kinds[kind] then domains.load_all() end
  local r = resolvers[kind]
  if r then return r(reg, id) end
  if kinds[kind] then return M.collection(reg, kind):get(id) ~= nil end
  error(("records: no way to look up records of kind '%s'"):format(kind), 3)
end
M.exists = exists

-- The key of a row as one text (the change log's entity id).
local function id_of(d, row)
  local key = d.key
  if #key <= 2 then  -- most kinds: the text without a list to join
    local v = row[key[1]]
    if v == nil or v == false or v == "" then return nil, key[1] end
    if #key == 1 then return tostring(v) end
    local w = row[key[2]]
    if w == nil or w == false or w == "" then return nil, key[2] end
    return tostring(v) .. " / " .. tostring(w)
  end
  local parts = {}
  for k, name in ipairs(d.key) do
    local v = row[name]
    if v == nil or v == false or v == "" then return nil, name end
    parts[k] = tostring(v)
  end
  return table.concat(parts, " / ")
end

local function column_list(d)
  local names = {}
  for k, f in ipairs(d.columns) do names[k] = f.name end
  return table.concat(names, ", ")
end

local function key_order(d) return table.concat(d.key, ", ") end

-- Rows of a SELECT over the kind's table as stored texts, links added.
function Records:raw(where, ...)
  local d, reg = self.d, self.reg
  local list = {}
  local sql = ("SELECT %s FROM %s%s ORDER BY %s"):format(column_list(d), d.table, where or "",
                                                        key_order(d))
  for row in reg:query(sql, ...) do list[#list + 1] = row end
  if #d.link_fields > 0 then
    local by_id = {}
    for _, row in ipairs(list) do
      by_id[row[d.key[1]]] = row
      for _, f in ipairs(d.link_fields) do row[f.name] = {} end
    end
    local lsql = "SELECT id, rel, target FROM record_links WHERE kind = ?1"
    local iter
    if #list == 1 then
      iter = reg:query(lsql .. " AND id = ?2", d.kind, list[1][d.key[1]])
    else
      iter = reg:query(lsql .. " ORDER BY id, rel, target", d.kind)
    end
    for l in iter do
      local row = by_id[l.id]
      if row and row[l.rel] then table.insert(row[l.rel], l.target) end
    end
  end
  return list
end

local function typed(d, raw)
  local row = new_table(0, #d.fields)
  for _, f in ipairs(d.fields) do row[f.name] = fields.read(f, raw[f.name]) end
  return row
end

--- Records as typed rows, ordered by key. filter: { field = value, ... }
-- (values as a user would type them; a links field matches records that
-- link to the value).
function Records:list(filter)
  local d = self.d
  local where, args = {}, {}
  for name, v in pairs(filter or {}) do
    local f = d.by_name[name]
    if not f then return nil, ("%s: unknown field '%s'"):format(d.plural, name), "USAGE" end
    local s, e = fields.check(f, v)
    if s and f.check then s, e = f.check(s, self.reg) end
    if s == nil then return nil, e, "USAGE" end
    if f.type == "links" then
      for _, target in ipairs(s or {}) do
        args[#args + 1] = target
        where[#where + 1] = ("%s IN (SELECT id FROM record_links WHERE kind = '%s' AND "
          .. "rel = '%s' AND target = ?%d)"):format(d.key[1], d.kind, f.name, #args)
      end
    elseif s == false then
      where[#where + 1] = f.name .. " IS NULL"
    else
      args[#args + 1] = s
      where[#where + 1] = ("%s = ?%d"):format(f.name, #args)
    end
  end
  local clause = #where > 0 and " WHERE " .. table.concat(where, " AND ") or ""
  local out = {}
  for k, raw in ipairs(self:raw(clause, unpack(args))) do out[k] = typed(d, raw) end
  return out
end

-- Key fields of an id text ("a / b" for two-field keys) as a WHERE clause.
local function key_where(d, id)
  local parts = {}
  if #d.key == 1 then parts[1] = id
  else
    for p in (id .. " / "):gmatch("(.-) / ") do parts[#parts + 1] = p end
    if #parts ~= #d.key then return nil end
  end
  local w = {}
  for k, name in ipairs(d.key) do w[k] = ("%s = ?%d"):format(name, k) end
  return " WHERE " .. table.concat(w, " AND "), parts
end

function Records:raw_one(id)
  local clause, parts = key_where(self.d, tostring(id))
  if not clause then return nil end
  return self:raw(clause, unpack(parts))[1]
end

--- One record as a typed row, or nil.
function Records:get(id)
  local raw = self:raw_one(id)
  return raw and typed(self.d, raw) or nil
end

--- The change-log entries of one record of kind `entity` (a record kind,
-- or "asset"): its fields' and its links', oldest first: { at, actor,
-- command, reason, action, field, old, new }.
function M.history(reg, entity, id)
  local pattern = (entity .. " / " .. tostring(id) .. " / "):gsub("[%%_\\]", "\\%0") .. "%"
  local out = {}
  -- change_entries: the change log and the change sets of bulk writes (a
  -- re-valuation); the record's own entries (an equality on entity_id,
  -- which a change set answers without reading all its lines), then its
  -- links', in the order they were written
  local cols = "SELECT l.batch, l.part, l.seq, b.at, b.actor, b.command, b.reason, l.action, "
    .. "l.field, l.entity, l.entity_id, l.old, l.new FROM change_entries l "
    .. "JOIN change_batches b ON b.id = l.batch "
  for row in reg:query(
      cols .. "WHERE l.entity = ?1 AND l.entity_id = ?2 UNION ALL "
      .. cols .. "WHERE l.entity = 'link' AND l.entity_id LIKE ?3 ESCAPE '\\' "
      .. "ORDER BY 1, 2, 3",
      entity, tostring(id), pattern) do
    row.batch, row.part, row.seq = nil, nil, nil
    if row.entity == "link" then
      -- "kind / id / rel / target": the link shows as its field gaining or losing an id
      local rest = row.entity_id:sub(#entity + #tostring(id) + 7)
      local rel, target = rest:match("^(.-) / (.*)$")
      row.field = rel
      if row.action == "create" then row.new = target else row.old = target end
      row.action = row.action == "create" and "link" or "unlink"
    end
    row.entity, row.entity_id = nil, nil
    out[#out + 1] = row
  end
  return out
end

function Records:history(id) return M.history(self.reg, self.d.kind, id) end

-- ------------------------------------------------------------ writing

-- The next free id "PREFIX-NNN" for kinds with id_prefix.
local function next_id(coll, taken)
  local d = coll.d
  local prefix = d.id_prefix
  local most = 0
  local pat = "^" .. prefix:gsub("%p", "%%%0") .. "(%d+)$"
  for row in coll.reg:query(("SELECT %s AS id FROM %s WHERE %s LIKE ?1"):format(d.key[1],
      d.table, d.key[1]), prefix:gsub("[%%_]", "") .. "%") do
    local n = tonumber((row.id or ""):match(pat))
    if n and n > most then most = n end
  end
  for id in pairs(taken) do
    local n = tonumber(id:match(pat))
    if n and n > most then most = n end
  end
  return ("%s%03d"):format(prefix, most + 1)
end

-- Private keys of an import's batch table: the stored rows it preloaded
-- and the references it found, so a large import does not look up each
-- row and each reference one query at a time.
local PRELOADED, EXISTS = {}, {}

-- Loads the stored rows an import's rows may change, a chunk of first-key
-- values per query: { keys = { id = true }, rows = { id = raw } }.
local function preload(coll, rows)
  local d = coll.d
  local first, firsts, keys = d.key[1], {}, {}
  for _, row in ipairs(rows) do
    local id = id_of(d, row.values)
    if id then
      keys[id] = true
      local v = row.values[first]
      if v ~= nil and not firsts[tostring(v)] then
        firsts[tostring(v)] = true
        firsts[#firsts + 1] = tostring(v)
      end
    end
  end
  local out = { keys = keys, rows = {} }
  for i = 1, #firsts, 500 do
    local chunk, marks = {}, {}
    for j = i, math.min(#firsts, i + 499) do
      chunk[#chunk + 1] = firsts[j]
      marks[#marks + 1] = "?" .. #chunk
    end
    for _, raw in ipairs(coll:raw((" WHERE %s IN (%s)"):format(first, table.concat(marks, ",")),
                                  unpack(chunk))) do
      local id = id_of(d, raw)
      if keys[id] then out.rows[id] = raw end
    end
  end
  return out
end

-- A problem of a write: errs gets { field, reason }. (A function of the
-- module, not a closure per call: LuaJIT compiles no closure creation, and
-- prepare runs once per row of an import.)
local function bad(errs, field, reason) errs[#errs + 1] = { field = field, reason = reason } end

-- Checks one write (values: field -> value as given) against the stored
-- record; returns an op { id, old, cols, links } or nil and a list of
-- { field, reason }. mode: "add" (must be new), "set" (must exist),
-- "put" (either). pending: ids this batch writes, for references between
-- records of one file; batch: the typed rows this batch has accepted so
-- far, by id (what validate sees besides the register).
local function prepare(coll, values, mode, pending, batch)
  local d, reg = coll.d, coll.reg
  local errs = {}
  local cols, links = new_table(0, #d.fields), {}
  for name, v in pairs(values) do
    local f = d.by_name[name]
    if not f then
      local known = {}
      for _, g in ipairs(d.fields) do known[#known + 1] = g.name end
      bad(errs, name, ("unknown field; %s has %s"):format(d.plural, table.concat(known, ", ")))
    else
      local s, e = fields.check(f, v)
      if s and f.check then s, e = f.check(s, reg) end  -- the kind's own rule for the value
      if s == nil then bad(errs, name, (e:gsub("^" .. name .. ": ", "")))
      elseif f.type == "links" then links[name] = s or {}
      else cols[name] = s end
    end
  end
  if mode ~= "set" and #d.key == 1 and not cols[d.key[1]] and d.id_prefix then
    cols[d.key[1]] = next_id(coll, pending)
  end
  local id, missing = id_of(d, cols)
  if not id then
    errs[#errs + 1] = { field = missing, reason = "the key field is missing" }
    return nil, errs
  end
  -- The stored record: from the import's preloaded rows when it has them.
  local old
  local known = batch and rawget(batch, PRELOADED)
  if known and known.keys[id] then old = known.rows[id] else old = coll:raw_one(id) end
  if mode == "add" and old then
    return nil, { { field = d.key[1], reason = ("%s '%s' exists already"):format(d.kind, id) } },
      "INPUT"
  end
  if mode == "set" and not old then
    return nil, { { field = d.key[1], reason = ("no %s '%s' in the register"):format(d.kind, id) } },
      "NOTFOUND"
  end
  -- The record as it will be: defaults on create, then the given fields.
  local new = new_table(0, #d.fields)
  if old then
    for _, f in ipairs(d.fields) do new[f.name] = old[f.name] end
  else
    for _, f in ipairs(d.default_fields) do
      local s = fields.check(f, f.default)
      new[f.name] = s or nil
      if f.type ~= "links" and s then cols[f.name] = cols[f.name] == nil and s or cols[f.name] end
    end
  end
  for name, s in pairs(cols) do new[name] = s or nil end
  for name, list in pairs(links) do new[name] = list end
  local refused  -- fields refused above are not "required" as well
  if #errs > 0 then
    refused = {}
    for _, x in ipairs(errs) do refused[x.field] = true end
  end
  for _, f in ipairs(d.required_fields) do
    local v = new[f.name]
    if not (refused and refused[f.name]) and (values[f.name] ~= nil or not old) then
      if v == nil or (type(v) == "table" and #v == 0) then bad(errs, f.name, "required") end
    end
  end
  -- References: to records in the register, or written by this batch.
  for _, f in ipairs(d.ref_fields) do
    local given = f.type == "links" and links[f.name] or (f.type == "ref" and cols[f.name])
    if given then
      local targets = type(given) == "table" and given or { given }
      for _, t in ipairs(targets) do
        local here = f.to == d.kind and pending[t]
        local seen = batch and rawget(batch, EXISTS)
        local key = f.to .. "\0" .. t
        local found = here or (seen and seen[key])
        if not found then
          found = exists(reg, f.to, t)
          if seen and found then seen[key] = true end
        end
        if not found then
          bad(errs, f.name, ("no %s '%s' in the register"):format(f.to, t))
        end
      end
    end
  end
  -- Fields the kind works out itself (a file's digest, a next review
  -- date): derive(row, old, reg) -> { field = value } | nil, reason, field.
  if #errs == 0 and d.derive then
    local more, why, wfield = d.derive(typed(d, new), old and typed(d, old) or nil, reg)
    if why then bad(errs, wfield or "record", why) end
    for name, v in pairs(more or {}) do
      local f = d.by_name[name]
      if not f or f.type == "links" then
        error(("kind %s: derive gave an unknown column field '%s'"):format(d.kind, name))
      end
      local s, e = fields.check(f, v)
      if s == nil then bad(errs, name, (e:gsub("^" .. name .. ": ", "")))
      else cols[name], new[name] = s, s or nil end
    end
  end
  local typed_new
  if #errs == 0 and d.validate then
    typed_new = typed(d, new)
    local reason, field = d.validate(typed_new, old and typed(d, old) or nil, reg, batch or {})
    if reason then bad(errs, field or "record", reason) end
  end
  if #errs > 0 then return nil, errs end
  return { id = id, old = old, cols = cols, links = links, row = typed_new }
end

-- Writes prepared ops through an open batch writer w; returns the
-- counts of created and updated records.
local function write_ops(coll, w, ops)
  local d = coll.d
  local created, updated = 0, 0
  for _, op in ipairs(ops) do
    local changed = false
    if op.old then
      local put = {}
      for _, k in ipairs(d.key) do put[k] = op.cols[k] end
      for name, s in pairs(op.cols) do
        if not d.is_key[name] then
          local was = op.old[name] or false
          -- A number column gives back "2.0" for "2": compare numbers as numbers.
          local numeric = d.by_name[name].type == "number" or d.by_name[name].type == "int"
          local same = was == s or (numeric and was and s and tonumber(was) == tonumber(s))
          if not same then
            put[name] = s or ""
            changed = true
          end
        end
      end
      w.put(d.kind, put)
    else
      -- A record checked as new (prepare read the register) is inserted
      -- without reading it again: its checked columns as they are (false,
      -- no value, goes to the store as "").
      w.create(d.kind, op.cols)
      changed = true
    end
    for rel, list in pairs(op.links) do
      local had = {}
      for _, t in ipairs(op.old and op.old[rel] or {}) do had[t] = true end
      local want = {}
      for _, t in ipairs(list) do
        want[t] = true
        if not had[t] then
          w.put("link", { kind = d.kind, id = op.id, rel = rel, target = t })
          changed = true
        end
      end
      for t in pairs(had) do
        if not want[t] then
          w.delete("link", { kind = d.kind, id = op.id, rel = rel, target = t })
          changed = true
        end
      end
    end
    if not op.old then created = created + 1 elseif changed then updated = updated + 1 end
  end
  return created, updated
end

-- Applies prepared ops in one batch; returns { created, updated, batch }.
local function apply(coll, ops, command, reason, source)
  local created, updated = 0, 0
  local rep, e, code = records.run(coll.reg, command, reason, function(w)
    created, updated = write_ops(coll, w, ops)
  end, source)
  if not rep then return nil, e, code end
  return { created = created, updated = updated, batch = rep.batch }
end

local function joined(d, id, errs)
  local lines = {}
  for _, x in ipairs(errs) do
    lines[#lines + 1] = ("%s %s: %s: %s"):format(d.kind, id or "(new)", x.field, x.reason)
  end
  return table.concat(lines, "\n")
end

local function write_one(coll, values, mode, opts)
  opts = opts or {}
  local d = coll.d
  if type(values) ~= "table" then error(("%s: expected a table of fields"):format(d.kind), 3) end
  local op, errs, code = prepare(coll, values, mode, {}, {})
  if not op then
    return nil, joined(d, id_of(d, values), errs), code or "INPUT"
  end
  local rep, e, ecode = apply(coll, { op }, opts.command or (d.plural .. " " .. mode), opts.reason,
                              opts.source)
  if not rep then return nil, e, ecode end
  rep.id = op.id
  return rep
end

--- Adds a new record; returns { id, created, updated, batch } or nil,
-- message, code. A kind with id_prefix numbers records without an id.
function Records:add(values, opts) return write_one(self, values, "add", opts) end

-- The values of a set: the given fields and the key fields of id.
local function set_values(d, id, values)
  local v = {}
  for k, x in pairs(values) do v[k] = x end
  local parts = #d.key == 1 and { tostring(id) } or {}
  if #d.key > 1 then for p in (tostring(id) .. " / "):gmatch("(.-) / ") do parts[#parts + 1] = p end end
  for k, name in ipairs(d.key) do v[name] = parts[k] end
  return v
end

--- Changes fields of an existing record (nil or "" clears one).
function Records:set(id, values, opts)
  if type(values) ~= "table" then error(("%s: expected a table of fields"):format(self.d.kind), 2) end
  return write_one(self, set_values(self.d, id, values), "set", opts)
end

--- Adds or changes a record, by its key.
function Records:put(values, opts) return write_one(self, values, "put", opts) end

--- Writes records of several kinds in one batch (one transaction, one
-- change-log batch): fn(tx) calls tx.add(kind, values), tx.set(kind, id,
-- values) and tx.put(kind, values), each checked as Records:add/set/put
-- against the register as the batch has left it so far; each returns the
-- record's id. The first refused write gives the batch up: nothing is
-- written. opts: command, reason, source.
-- @treturn table|nil { created, updated, batch, ids = { id, ... } }, or
--   nil, message, code
function M.batch(reg, opts, fn)
  opts = opts or {}
  local created, updated, ids = 0, 0, {}
  local rep, e, code = records.run(reg, opts.command or "records", opts.reason, function(w)
    local function write(name, values, mode)
      local coll = M.collection(reg, name)
      if type(values) ~= "table" then error(("%s: expected a table of fields"):format(name), 3) end
      local op, errs, ecode = prepare(coll, values, mode, {})
      if not op then w.fail(joined(coll.d, id_of(coll.d, values), errs), ecode or "INPUT") end
      local c, u = write_ops(coll, w, { op })
      created, updated = created + c, updated + u
      ids[#ids + 1] = op.id
      return op.id
    end
    local tx = {
      add = function(name, values) return write(name, values, "add") end,
      put = function(name, values) return write(name, values, "put") end,
      set = function(name, id, values)
        local d = M.get(name)
        if not d then error(("records: unknown record kind '%s'"):format(tostring(name)), 2) end
        return write(name, set_values(d, id, values), "set")
      end,
    }
    fn(tx)
  end, opts.source)
  if not rep then return nil, e, code end
  return { created = created, updated = updated, batch = rep.batch, ids = ids }
end

--- Adds or changes several records, by their keys, in one batch: every
-- record is checked first (references between them count), then all are
-- written, or none. Returns { created, updated, batch, rows } or nil,
-- message (one line per problem), code.
function Records:put_all(list, opts)
  opts = opts or {}
  local d = self.d
  if type(list) ~= "table" then error(("%s: expected a list of records"):format(d.kind), 2) end
  local rows = {}
  for k, values in ipairs(list) do
    if type(values) ~= "table" then error(("%s: expected a list of records"):format(d.kind), 2) end
    rows[k] = { values = values, where = {}, at = ("%s %s"):format(d.kind,
                                                                 id_of(d, values) or "(new)") }
  end
  if #rows == 0 then return { created = 0, updated = 0, rows = 0 } end
  return self:import_rows(rows, { source = opts.source or (d.plural .. " put"),
    reason = opts.reason, command = opts.command or (d.plural .. " put"),
    max_errors = opts.max_errors or 1000 })
end

-- Who among the record kinds points at a record of kind `target`:
-- { { kind =, id =, field = }, ... }.
local function referring(reg, target, id)
  local found = {}
  for _, other in ipairs(order) do
    for _, f in ipairs(other.fields) do
      if f.to == target then
        local sql = f.type == "links"
          and ("SELECT id FROM record_links WHERE kind = '%s' AND rel = '%s' AND target = ?1")
            :format(other.kind, f.name)
          or ("SELECT %s AS id FROM %s WHERE %s = ?1"):format(other.key[1], other.table, f.name)
        for row in reg:query(sql, id) do
          found[#found + 1] = { kind = other.kind, id = tostring(row.id), field = f.name }
        end
      end
    end
  end
  return found
end

--- Who among the record kinds points at a record of kind `target` (a
-- record kind or a resolver's name: "asset"): { "kind id (field)", ... }.
function M.referrers(reg, target, id)
  local list = referring(reg, target, id)
  for k, r in ipairs(list) do list[k] = ("%s %s (%s)"):format(r.kind, r.id, r.field) end
  return list
end

--- Deletes a record (or a list of ids, in one batch: all or none) and its
-- links. Refused while other records refer to one, unless opts.force (then
-- `check` reports their dangling references); a reference from a record
-- deleted with it does not count.
function Records:delete(ids, opts)
  opts = opts or {}
  local d = self.d
  if type(ids) ~= "table" then ids = { ids } end
  local olds, going = {}, {}
  for k, id in ipairs(ids) do
    id = tostring(id)
    if going[id] then return nil, ("%s '%s' given twice"):format(d.kind, id), "INPUT" end
    local old = self:raw_one(id)
    if not old then return nil, ("no %s '%s' in the register"):format(d.kind, id), "NOTFOUND" end
    olds[k], going[id] = old, true
  end
  if not opts.force then
    for _, id in ipairs(ids) do
      local refs = {}
      for _, r in ipairs(referring(self.reg, d.kind, tostring(id))) do
        if not (r.kind == d.kind and going[r.id]) then
          refs[#refs + 1] = ("%s %s (%s)"):format(r.kind, r.id, r.field)
        end
      end
      if #refs > 0 then
        return nil, ("%s %s is referred to by %s; change those first or use force"):format(
          d.kind, id, table.concat(refs, ", ", 1, math.min(#refs, 5))
            .. (#refs > 5 and (" and %d more"):format(#refs - 5) or "")), "INPUT"
      end
    end
  end
  local rep, e, code = records.run(self.reg, opts.command or (d.plural .. " delete"), opts.reason,
    function(w)
      for k, old in ipairs(olds) do
        local id = tostring(ids[k])
        for _, f in ipairs(d.link_fields) do
          for _, t in ipairs(old[f.name] or {}) do
            w.delete("link", { kind = d.kind, id = id, rel = f.name, target = t })
          end
        end
        local key = {}
        for _, name in ipairs(d.key) do key[name] = old[name] end
        w.delete(d.kind, key)
      end
    end)
  if not rep then return nil, e, code end
  return { deleted = #olds, batch = rep.batch }
end

-- ------------------------------------------------------------ CSV

-- Header names as people write them: any case, spaces or hyphens for '_'.
local function canonical(name) return name:lower():gsub("[%s%-]+", "_") end

--- Imports a CSV file or a worksheet of an XLSX workbook (header row of
-- field names; any order; absent columns left as they are, empty cells
-- clear): every row is checked against the register and the rest of the
-- file first, then all are written in one batch, or none. Positions in
-- messages are file:line:column, or file:Sheet!C7 in a workbook.
-- opts: reason, max_errors (20), sheet (a workbook's sheet; the first).
-- @treturn table|nil { created, updated, batch, rows }, or nil, message, code
function Records:import(path, opts)
  opts = opts or {}
  local d = self.d
  local rd, e, code = tabular.open(path, { sheet = opts.sheet })
  if not rd then return nil, e .. "\n" .. path .. ": rejected; nothing was stored", code end
  local errors = {}
  local function report(where, field, reason)
    errors[#errors + 1] = ("%s: %s: %s"):format(where, field, reason)
  end
  local col_of, field_at = {}, {}
  for k, name in ipairs(rd.header) do
    local f = d.by_name[canonical(name)]
    if not f then
      local known = {}
      for _, g in ipairs(d.fields) do known[#known + 1] = g.name end
      report(rd.header_at[k], "header", ("unknown column '%s'; %s has %s"):format(name, d.plural,
             table.concat(known, ", ")))
    elseif col_of[f.name] then
      report(rd.header_at[k], "header", ("column '%s' appears twice"):format(name))
    else
      col_of[f.name], field_at[k] = k, f.name
    end
  end
  for _, k in ipairs(d.key) do
    if not col_of[k] and not (d.id_prefix and #d.key == 1) and #errors == 0 then
      report(rd.header_at[1], "header", ("missing the key column '%s'"):format(k))
    end
  end
  local rows = {}
  if #errors == 0 then
    for cells in rd.next, rd do
      local values = {}
      for k, name in pairs(field_at) do values[name] = cells[k] or "" end
      local where, at = rd:positions(col_of)
      rows[#rows + 1] = { values = values, where = where, at = at }
    end
  end
  rd:close()
  if #errors > 0 then
    errors[#errors + 1] = path .. ": rejected; nothing was stored"
    return nil, table.concat(errors, "\n"), "INPUT"
  end
  local o = { source = path }
  for k, v in pairs(opts) do if k ~= "sheet" then o[k] = v end end
  return self:import_rows(rows, o)
end

--- Imports rows read from any file (CSV, XLSX, a questionnaire): each
-- { values = { field = text }, where = { field = "file:line:col" },
-- at = "file:line:col" of the row }. Every row is checked against the
-- register and the other rows first; then all are written in one batch,
-- or none. opts: source (the file), reason, command, max_errors (20).
function Records:import_rows(rows, opts)
  opts = opts or {}
  local d = self.d
  local max_errors = opts.max_errors or 20
  local source = opts.source or "input"
  local errors, more = {}, 0
  local function report(where, field, reason)
    if #errors < max_errors then
      errors[#errors + 1] = ("%s: %s: %s"):format(where, field, reason)
    else
      more = more + 1
    end
  end
  -- Pass 1: the rows' ids (references inside the file, duplicates).
  local pending, first_at = {}, {}
  for _, row in ipairs(rows) do
    local id = id_of(d, row.values)
    if id then
      local at = first_at[id]
      if at then
        -- "line 7" of a CSV, "row 7" of a worksheet (file:Sheet!A7).
        local line, sheet_row = at:match(":(%d+):%d+$"), at:match("!%u+(%d+)$")
        report(row.where[d.key[#d.key]] or row.at, d.key[#d.key],
               ("'%s' is also on %s"):format(id, line and ("line " .. line)
                 or sheet_row and ("row " .. sheet_row) or at))
      else
        first_at[id] = row.at
        pending[id] = true
      end
    end
  end
  -- Pass 2: each row against the register and the rows before it.
  local ops, batch = {}, {}
  if #rows > 20 then
    rawset(batch, PRELOADED, preload(self, rows))
    rawset(batch, EXISTS, {})
  end
  for _, row in ipairs(rows) do
    if #errors >= max_errors then more = more + 1 else
      local op, errs = prepare(self, row.values, "put", pending, batch)
      if op then
        ops[#ops + 1] = op
        pending[op.id] = true
        batch[op.id] = op.row
      else
        for _, x in ipairs(errs) do report(row.where[x.field] or row.at, x.field, x.reason) end
      end
    end
  end
  if #errors > 0 then
    if more > 0 then errors[#errors + 1] = ("... and %d more problems"):format(more) end
    errors[#errors + 1] = source .. ": rejected; nothing was stored"
    return nil, table.concat(errors, "\n"), "INPUT"
  end
  local rep, werr, wcode = apply(self, ops, opts.command or ("import " .. d.plural), opts.reason,
                                 source)
  if not rep then return nil, werr, wcode end
  rep.rows = #ops
  return rep
end

--- The records as CSV text (every field, links as "a; b").
function Records:csv(filter)
  local d = self.d
  local list, e, code = self:list(filter)
  if not list then return nil, e, code end
  local names, cells = {}, {}
  for k, f in ipairs(d.fields) do names[k] = f.name end
  for k, row in ipairs(list) do
    local c = {}
    for _, f in ipairs(d.fields) do c[f.name] = fields.cell(f, row[f.name]) end
    cells[k] = c
  end
  return format.csv(cells, names)
end

--- Writes the records as CSV to path ("-" for standard output).
function Records:export(path, filter)
  local text, e, code = self:csv(filter)
  if not text then return nil, e, code end
  if path == "-" or path == nil then
    io.stdout:write(text)
    return true
  end
  local f, ferr = io.open(path, "wb")
  if not f then return nil, ferr, "IO" end
  f:write(text)
  f:close()
  return true
end

-- ------------------------------------------------------------ checks

--- What is wrong with the records as they stand: required fields left
-- empty, references to records no longer there, and the kind's own
-- register checks. Returns a list of { id, field, problem }.
function Records:check()
  local d, reg = self.d, self.reg
  local problems = {}
  local function problem(id, field, text)
    problems[#problems + 1] = { id = id, field = field, problem = text }
  end
  local rows = self:list()
  for _, row in ipairs(rows) do
    local id = id_of(d, row)
    for _, f in ipairs(d.fields) do
      local v = row[f.name]
      if f.required and (v == nil or (type(v) == "table" and #v == 0)) then
        problem(id, f.name, "required, but empty")
      end
      if fields.TYPES[f.type].ref and v ~= nil then
        for _, t in ipairs(type(v) == "table" and v or { v }) do
          if not exists(reg, f.to, t) then
            problem(id, f.name, ("refers to %s '%s', which is not in the register"):format(f.to, t))
          end
        end
      end
    end
  end
  if d.check then d.check(reg, rows, problem) end
  return problems
end

return M
