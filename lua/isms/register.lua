--- The register: an open SQLite register of assets and its change log.
-- Failures from the world (bad files, rejected input, a locked register)
-- return nil, message, code; misuse of the API raises an error.
local b = require "isms._ffi"
local methodology = require "isms.methodology"

local ffi, C = b.ffi, b.C
local M = {}
local Register = {}
Register.__index = Register

local db_out = ffi.new("isms_db *[1]")
local cur_out = ffi.new("isms_cursor *[1]")

local VIEWS = { assets = 0, changes = 1, batches = 2, asset = 3, risks = 4, threats = 5,
                treatments = 6, acceptances = 7, soa = 8, soa_revisions = 9, tasks = 10,
                delays = 11, control_risks = 12, selected_controls = 13, task = 14 }

local function failure(self, rc)
  return nil, ffi.string(C.isms_errmsg(self.db)), b.code_names[rc] or "ERROR"
end

local function check_open(self, fn)
  if not self.db then error(fn .. ": the register is closed", 3) end
end

--- Opens (creating if needed) a register file and migrates its schema.
-- @treturn Register|nil the register, or nil, message, code
function M.open(path)
  if type(path) ~= "string" then error("isms.open: expected a path", 2) end
  local rc = C.isms_open(path, db_out)
  local db = db_out[0]
  if rc ~= 0 then
    local msg = db ~= nil and ffi.string(C.isms_errmsg(db)) or "out of memory"
    C.isms_close(db)
    return nil, msg, b.code_names[rc]
  end
  local user = os.getenv("ISMS_ACTOR") or os.getenv("USER") or os.getenv("LOGNAME")
  if user and user ~= "" then C.isms_set_actor(db, user) end
  return setmetatable({ db = ffi.gc(db, C.isms_close), path = path,
                        actor = user ~= "" and user or nil }, Register)
end

--- Closes the register (also done by the garbage collector).
function Register:close()
  if self.db then
    C.isms_close(ffi.gc(self.db, nil))
    self.db = nil
  end
end

--- Sets who the change log records for later writes.
function Register:set_actor(name)
  check_open(self, "set_actor")
  local rc = C.isms_set_actor(self.db, name)
  if rc ~= 0 then return failure(self, rc) end
  self.actor = name
  return true
end

function Register:schema_version()
  check_open(self, "schema_version")
  local out = ffi.new("int[1]")
  local rc = C.isms_schema_version(self.db, out)
  if rc ~= 0 then return failure(self, rc) end
  return out[0]
end

local setting_buf = ffi.new("char[4096]")

--- A register setting, or nil if unset.
function Register:setting(key)
  check_open(self, "setting")
  local rc = C.isms_setting_get(self.db, key, setting_buf, 4096)
  if rc == 8 then return nil end
  if rc ~= 0 then return failure(self, rc) end
  return ffi.string(setting_buf)
end

function Register:set_setting(key, value, reason)
  check_open(self, "set_setting")
  local rc = C.isms_setting_set(self.db, key, value, reason)
  if rc ~= 0 then return failure(self, rc) end
  return true
end

--- The register's methodology (setting "methodology"), loaded and compiled.
-- @treturn Methodology|nil
function Register:methodology()
  local name = self:setting("methodology")
  if not name then
    return nil, "the register has no methodology; set one with isms init --methodology NAME",
      "NOTFOUND"
  end
  if self._method and self._method_name == name then return self._method end
  local m, err, code = methodology.load(name)
  if not m then return nil, err, code end
  self._method, self._method_name = m, name
  return m
end

--- Chooses the register's methodology after checking it loads.
function Register:set_methodology(name, reason)
  local m, err, code = methodology.load(name)
  if not m then return nil, err, code end
  local ok, serr, scode = self:set_setting("methodology", name, reason)
  if not ok then return nil, serr, scode end
  self._method, self._method_name = m, name
  return m
end

local function method_handle(self, m)
  if m == nil then
    local err, code
    m, err, code = self:methodology()
    if not m then return nil, err, code end
  end
  if getmetatable(m) == nil or m.spec == nil then
    error("expected a methodology from isms.methodology.load", 3)
  end
  if m.handle == nil then
    return nil, ("methodology %s does not value assets (no C, I, A and asset_class)")
      :format(m:name()), "INPUT"
  end
  return m.handle
end

local import_report = ffi.new("isms_import_report")

--- Imports an asset CSV (all or nothing).
-- @tparam string path
-- @tparam[opt] table opts `{reason=, source_name=, max_errors=, threads=, methodology=}`
-- @treturn table|nil `{rows, created, updated, unchanged, batch}`, or nil,
--   message (one "file:line:column: reason" line per error), code
function Register:import_assets(path, opts)
  check_open(self, "import_assets")
  opts = opts or {}
  local h, err, code = method_handle(self, opts.methodology)
  -- A methodology that only scores risks still lets C, I and A be imported
  -- as tier numbers; they are just not valued.
  if not h and code ~= "INPUT" then return nil, err, code end
  -- Keyed initialiser: a positional one would stop at the first nil.
  local o = ffi.new("isms_import_opts", { reason = opts.reason, source_name = opts.source_name,
                                          max_errors = opts.max_errors or 0,
                                          threads = opts.threads or 0 })
  local rc = C.isms_import_assets(self.db, path, h, o, import_report)
  if rc ~= 0 then return failure(self, rc) end
  local r = import_report
  return { rows = tonumber(r.rows), created = tonumber(r.created),
           updated = tonumber(r.updated), unchanged = tonumber(r.unchanged),
           batch = tonumber(r.batch) }
end

--- Writes the register's assets as CSV in the import format.
function Register:export_assets(path)
  check_open(self, "export_assets")
  local rc = C.isms_export_assets(self.db, path)
  if rc ~= 0 then return failure(self, rc) end
  return true
end

local value_report = ffi.new("isms_value_report")

--- Values every asset (in C) with a methodology (default: the register's).
-- @treturn table|nil `{assets, valued, unvalued, changed, batch}`
function Register:value(m, reason)
  check_open(self, "value")
  local h, err, code = method_handle(self, m)
  if not h then return nil, err, code end
  local rc = C.isms_value_assets(self.db, h, reason, value_report)
  if rc ~= 0 then return failure(self, rc) end
  local r = value_report
  return { assets = tonumber(r.assets), valued = tonumber(r.valued),
           unvalued = tonumber(r.unvalued), changed = tonumber(r.changed),
           batch = tonumber(r.batch) }
end

-- Typed values for asset rows; everything else stays text.
local NUMERIC = { units = true, c = true, i = true, a = true, value = true, batch = true,
                  created = true, updated = true, deleted = true, id = false,
                  created_batch = true, updated_batch = true }
local FLAG = { outsourced = true, group = true }

-- An iterator over an open cursor (cur_out[0]): each row is a table keyed
-- by column name, each value passed through convert(text, name); the
-- cursor closes at the end (or when collected). Returns it and the names.
local function iterate(self, convert)
  local cur = ffi.gc(cur_out[0], C.isms_cursor_close)
  local n = C.isms_cursor_columns(cur)
  local names = {}
  for k = 0, n - 1 do names[k + 1] = ffi.string(C.isms_cursor_name(cur, k)) end
  local function next_row()
    if cur == nil then return nil end
    local step = C.isms_cursor_next(cur)
    if step ~= 100 then
      C.isms_cursor_close(ffi.gc(cur, nil))
      cur = nil
      if step ~= 101 then error(ffi.string(C.isms_errmsg(self.db)), 2) end
      return nil
    end
    local row = {}
    for k = 1, n do
      local s = b.str(C.isms_cursor_text(cur, k - 1))
      if s ~= nil and convert then s = convert(s, names[k]) end
      row[names[k]] = s
    end
    return row
  end
  return next_row, names
end

--- Iterates the rows of a view: for row in reg:rows("assets", filter) do … end.
-- Rows are tables keyed by column name, with a `columns` order list in
-- the iterator's second value.
function Register:rows(view, filter)
  check_open(self, "rows")
  local v = VIEWS[view]
  if not v then error("rows: unknown view '" .. tostring(view) .. "'", 2) end
  local rc = C.isms_cursor_open(self.db, v, filter, cur_out)
  if rc ~= 0 then error(ffi.string(C.isms_errmsg(self.db)), 2) end
  local asset_like = view == "assets" or view == "asset"
  local text_ids = view ~= "changes" and view ~= "batches"
  return iterate(self, function(s, name)
    if NUMERIC[name] or (name == "id" and not text_ids) then return tonumber(s) end
    if FLAG[name] and asset_like then return s == "1" end
    return s
  end)
end

--- Iterates the rows of a read-only SQL query of the caller's (reports,
-- scripts, the REPL): for row in reg:query("SELECT ...", p1, ...) do … end.
-- Values are text (nil for NULL); a statement that writes is refused.
function Register:query(sql, ...)
  check_open(self, "query")
  local np = select("#", ...)
  local params = ffi.new("const char *[?]", math.max(np, 1))
  local keep = {}
  for k = 1, np do
    keep[k] = tostring((select(k, ...)))
    params[k - 1] = keep[k]
  end
  local rc = C.isms_cursor_query(self.db, sql, np, params, cur_out)
  assert(keep)  -- the strings params points into live until here
  if rc ~= 0 then error(ffi.string(C.isms_errmsg(self.db)), 2) end
  return iterate(self, nil)
end

local function collect(self, view, filter)
  local list = {}
  local iter, names = self:rows(view, filter)
  for row in iter do list[#list + 1] = row end
  return list, names
end

--- All assets (optionally of one class), ordered by id.
-- @tparam[opt] table opts `{class = "A"}`
-- @treturn table list of asset rows, and the column order
function Register:assets(opts)
  return collect(self, "assets", opts and opts.class)
end

--- One asset by id, or nil.
function Register:asset(id)
  local list = collect(self, "asset", id)
  return list[1]
end

--- Change-log entries (optionally for one entity id), oldest first.
function Register:changes(id) return collect(self, "changes", id) end

--- Change batches (one per command), oldest first.
function Register:batches() return collect(self, "batches") end

--- Changes one field of an asset; C, I and A changes re-value it.
-- @treturn true|nil
function Register:set_asset(id, field, value, reason)
  check_open(self, "set_asset")
  local text = value
  if field == "c" or field == "i" or field == "a" then
    if value ~= nil and value ~= "" and not tonumber(value) then
      local m, err, code = self:methodology()
      if not m then return nil, err, code end
      local v, perr = m:parse(field:upper(), value)
      if not v then return nil, field .. ": " .. perr, "INPUT" end
      text = v
    end
  elseif type(value) == "boolean" then
    text = value and "yes" or "no"
  end
  if text ~= nil then text = tostring(text) end
  local rc = C.isms_asset_set(self.db, id, field, text, reason)
  if rc ~= 0 then return failure(self, rc) end
  if field == "c" or field == "i" or field == "a" then
    local m = self:methodology()
    if m then
      local ok, err, code = self:value(m, reason)
      if not ok then return nil, err, code end
    end
  end
  return true
end

--- Deletes an asset; its last values stay in the change log.
function Register:delete_asset(id, reason)
  check_open(self, "delete_asset")
  local rc = C.isms_asset_delete(self.db, id, reason)
  if rc ~= 0 then return failure(self, rc) end
  return true
end

-- The risk register: risks, put_risks, generate_risks, score_risks, ...
for name, fn in pairs(require("isms.risk_register").methods) do Register[name] = fn end
-- Treatment, the Statement of Applicability and the Risk Treatment Plan.
for _, mod in ipairs { "isms.treatment", "isms.soa", "isms.rtp" } do
  for name, fn in pairs(require(mod).methods) do Register[name] = fn end
end

return M
