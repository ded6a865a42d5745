--- The asset register (methods of Register): the methodology a register
-- uses, asset import and export, valuation in C, and editing one asset.
local b = require "isms.store._ffi"
local store = require "isms.store.register"
local methodology = require "isms.method.methodology"
local tabular = require "isms.store.tabular"

local ffi, C = b.ffi, b.C
local failure, check_open, collect = store.failure, store.check_open, store.collect
local Register = {}

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

--- Imports an asset inventory (all or nothing): CSV, or a worksheet of an
-- XLSX workbook when path ends in .xlsx (opts.sheet: which; the first).
-- @tparam string path
-- @tparam[opt] table opts `{reason=, source_name=, max_errors=, threads=, methodology=,
--   encoding=, sheet=}`; encoding is a CSV file's (an iconv name such as "cp1252"; default
--   UTF-8); sheet a workbook's worksheet (default the first)
-- @treturn table|nil `{rows, created, updated, unchanged, batch}`, or nil,
--   message (one "file:line:column: reason" line per error, "file:Sheet!C7:
--   reason" in a workbook), code
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
                                          threads = opts.threads or 0,
                                          encoding = opts.encoding })
  local rc
  if tabular.is_xlsx(path) then
    if opts.encoding then
      return nil, ("%s: --encoding is for CSV files; a workbook's text is Unicode"):format(path),
        "USAGE"
    end
    rc = C.isms_import_assets_xlsx(self.db, path, opts.sheet, h, o, import_report)
  elseif opts.sheet then
    return nil, ("%s: --sheet is for XLSX workbooks; this is read as CSV"):format(path), "USAGE"
  else
    rc = C.isms_import_assets(self.db, path, h, o, import_report)
  end
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

-- A field's value as the C layer takes it: C, I and A checked against the
-- register's methodology as the import checks them (labels become tier
-- numbers, a tier it lacks is refused); booleans yes/no. Without a
-- methodology that values assets, C, I and A take tier numbers only.
local function field_text(self, field, value)
  if field == "c" or field == "i" or field == "a" then
    if value ~= nil and value ~= "" then
      local m, err, code = self:methodology()
      if not m and not tonumber(value) then return nil, err, code end
      if m and (m:values_assets() or not tonumber(value)) then
        local v, perr = m:parse(field:upper(), value)
        if not v then return nil, field .. ": " .. perr, "INPUT" end
        value = v
      end
    end
  elseif type(value) == "boolean" then
    value = value and "yes" or "no"
  end
  if value ~= nil then value = tostring(value) end
  return true, value
end

--- Changes fields of one asset in one transaction and change batch:
-- values = { field = value, ... } (fields as in the CSV format; nil or ""
-- clears one). Every field is checked first; one refused, nothing is
-- written. A change of C, I or A re-values the register with its
-- methodology (a second batch).
-- @treturn true|nil
function Register:set_asset_fields(id, values, reason)
  check_open(self, "set_asset_fields")
  local names, texts, n = {}, {}, 0
  for field in pairs(values) do names[#names + 1] = field end
  table.sort(names)
  local cnames = ffi.new("const char *[?]", math.max(#names, 1))
  local cvalues = ffi.new("const char *[?]", math.max(#names, 1))
  local rated = false
  for _, field in ipairs(names) do
    local ok, text, code = field_text(self, field, values[field])
    if not ok then return nil, text, code end
    texts[#texts + 1] = text   -- kept alive for the call
    cnames[n], cvalues[n] = field, text
    n = n + 1
    rated = rated or field == "c" or field == "i" or field == "a"
  end
  local rc = C.isms_asset_set_fields(self.db, id, n, cnames, cvalues, reason)
  assert(#texts <= n)   -- (texts keeps the strings alive through the call)
  if rc ~= 0 then return failure(self, rc) end
  if rated then
    local m = self:methodology()
    if m then
      local ok, err, code = self:value(m, reason)
      if not ok then return nil, err, code end
    end
  end
  return true
end

--- Changes one field of an asset; C, I and A changes re-value it.
-- @treturn true|nil
function Register:set_asset(id, field, value, reason)
  return self:set_asset_fields(id, { [field] = value == nil and "" or value }, reason)
end

--- Deletes assets (an id or a list of ids) in one transaction and change
-- batch, all or none; their last values stay in the change log.
function Register:delete_asset(ids, reason)
  check_open(self, "delete_asset")
  if type(ids) ~= "table" then ids = { ids } end
  local cids = ffi.new("const char *[?]", math.max(#ids, 1))
  local texts = {}   -- kept alive through the call
  for k, id in ipairs(ids) do
    texts[k] = tostring(id)
    cids[k - 1] = texts[k]
  end
  local rc = C.isms_assets_delete(self.db, #texts, cids, reason)
  if rc ~= 0 then return failure(self, rc) end
  return true
end

store.extend(Register)

return { methods = Register }
