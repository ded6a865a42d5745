--- The register handle: an open SQLite register, its settings, views,
-- read-only queries and change log. The domain packages (asset, risk,
-- treat, ...) add their methods with M.extend when they are loaded.
-- Failures from the world (bad files, rejected input, a locked register)
-- return nil, message, code; misuse of the API raises an error.
local b = require "isms.store._ffi"
local domains = require "isms.store._domains"

local ffi, C = b.ffi, b.C
local M = {}
local Register = {}
Register.__index = Register

-- The fields a register object holds itself (a closed register has no
-- db); every other name is a method, and a method no loaded package
-- defines loads the domain packages once (isms.store._domains).
local OWN_FIELDS = { db = true, path = true, actor = true }
setmetatable(Register, {
  __index = function(_, name)
    if type(name) ~= "string" or OWN_FIELDS[name] or name:sub(1, 1) == "_" then return nil end
    domains.load_all()
    return rawget(Register, name)
  end,
})

local db_out = ffi.new("isms_db *[1]")
local cur_out = ffi.new("isms_cursor *[1]")

local VIEWS = { assets = 0, changes = 1, batches = 2, asset = 3, risks = 4, threats = 5,
                treatments = 6, acceptances = 7, soa = 8, soa_revisions = 9, tasks = 10,
                delays = 11, control_risks = 12, selected_controls = 13, task = 14 }

local login
--- Who the change log names when --actor is not given: ISMS_ACTOR, USER,
-- LOGNAME, else the login name of the process's user (cron and
-- containers often leave USER unset).
function M.login_name()
  for _, v in ipairs({ "ISMS_ACTOR", "USER", "LOGNAME" }) do
    local s = os.getenv(v)
    if s and s ~= "" then return s end
  end
  if login == nil then
    -- the passwd entry of the effective user, read in-process: a fork of
    -- `id -un` cost every command about 3 ms of its start-up
    pcall(ffi.cdef, [[struct isms_passwd_name { char *pw_name; };
      struct isms_passwd_name *getpwuid(unsigned int uid); unsigned int geteuid(void);]])
    local ok, pw = pcall(function() return ffi.C.getpwuid(ffi.C.geteuid()) end)
    login = ok and pw ~= nil and pw.pw_name ~= nil and ffi.string(pw.pw_name) or false
    if login == "" then login = false end
  end
  return login or nil
end

local function failure(self, rc)
  return nil, ffi.string(C.isms_errmsg(self.db)), b.code_names[rc] or "ERROR"
end

local function check_open(self, fn)
  if not self.db then error(fn .. ": the register is closed", 3) end
end

--- Opens a register file and migrates its schema; creates it where no
-- file is, unless `opts.create` is false (then a missing register is
-- `nil, "no register at PATH; ...", "NOTFOUND"`).
-- @tparam string path
-- @tparam[opt] table opts `{ create = true }`
-- @treturn Register|nil the register, or nil, message, code
function M.open(path, opts)
  if type(path) ~= "string" then error("isms.open: expected a path", 2) end
  if opts ~= nil and type(opts) ~= "table" then error("isms.open: opts must be a table", 2) end
  local create = not (opts and opts.create == false)
  local rc = (create and C.isms_open or C.isms_open_existing)(path, db_out)
  local db = db_out[0]
  if rc ~= 0 then
    local msg = db ~= nil and ffi.string(C.isms_errmsg(db)) or "out of memory"
    C.isms_close(db)
    return nil, msg, b.code_names[rc]
  end
  local user = M.login_name()
  if user then C.isms_set_actor(db, user) end
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

--- Change-log entries (optionally for one entity id), oldest first.
function Register:changes(id) return collect(self, "changes", id) end

--- Change batches (one per command), oldest first.
function Register:batches() return collect(self, "batches") end

--- Adds a domain's methods to every register (each domain package calls
-- this for its own, when it is loaded: dependencies point down only).
-- A name defined twice is a programming error.
function M.extend(methods)
  for name, fn in pairs(methods) do
    local old = rawget(Register, name)
    if old and old ~= fn then
      error("register: method '" .. name .. "' defined twice", 2)
    end
    Register[name] = fn
  end
end

--- What domain methods need of the store: failures as nil, message, code,
-- the open check, and reading a view into a list.
M.failure = failure
M.check_open = check_open
M.collect = collect

return M
