--- Rule files: finding them and evaluating them in the sandbox.
-- A rule file is untrusted text. It is evaluated by libisms in a separate,
-- locked-down process (isms_rules_eval) and only its declarations come back,
-- as data. See docs/rule-files.md for the language and the sandbox.
local cjson = require "cjson.safe"
local b = require "isms.store._ffi"
local paths = require "isms.store._paths"
local format = require "isms.store.format"

local ffi, C = b.ffi, b.C
local M = {}

local json_out = ffi.new("char *[1]")

-- `{time_ms=, memory_bytes=, instructions=, output_bytes=}` as the C struct.
local function limits_of(limits)
  if not limits then return nil end
  return ffi.new("isms_rule_limits", {
    time_ms = limits.time_ms or 0, memory_bytes = limits.memory_bytes or 0,
    instructions = limits.instructions or 0, output_bytes = limits.output_bytes or 0,
  })
end
local err_out = ffi.new("char *[1]")

--- Finds a rule file by name within a kind of rules ("methodologies", …).
-- A name containing a slash or ending in .lua is taken as a path; with
-- `from` (the rule file that names it), a relative path is taken from
-- that file's directory, as an #include "..." is, so a set of rule files
-- works wherever it is run from.
-- @treturn string|nil the path, or nil and a message listing where it looked
function M.find(kind, name, from)
  if name:find("/", 1, true) or name:match("%.lua$") then
    local path = name
    if from and name:sub(1, 1) ~= "/" then
      path = paths.normalize((from:match("^(.*)/[^/]*$") or ".") .. "/" .. name)
    end
    if paths.exists(path) then return path end
    return nil, path .. ": no such rule file"
  end
  local looked = {}
  for _, dir in ipairs(paths.rules_dirs()) do
    local path = dir .. "/" .. kind .. "/" .. name .. ".lua"
    if paths.exists(path) then return path end
    looked[#looked + 1] = dir .. "/" .. kind
  end
  local singular = kind:gsub("ies$", "y"):gsub("s$", "")
  return nil, ("no %s rule file named '%s' (looked in %s; set ISMS_RULES_PATH to add places)")
    :format(singular, name, #looked > 0 and table.concat(looked, ", ") or "nowhere")
end

--- Lists the rule names of a kind found on the rules path.
function M.list(kind)
  local names, seen = {}, {}
  for _, dir in ipairs(paths.rules_dirs()) do
    local p = io.popen('ls "' .. dir .. '/' .. kind .. '" 2>/dev/null')
    if p then
      for file in p:lines() do
        local name = file:match("^(.*)%.lua$")
        if name and not seen[name] then
          seen[name] = true
          names[#names + 1] = name
        end
      end
      p:close()
    end
  end
  table.sort(names)
  return names
end

--- Finds a rule file of a kind by name or path, evaluates it and checks
-- its declarations: validate(path, decls) returns the model or raises
-- { msg = "file:line: ..." } (isms.rules.check.fail).
-- @treturn table|nil the model and its path, or nil, message, code
--   (NOTFOUND, RULE)
function M.load(kind, name, validate)
  local path, err = M.find(kind, name)
  if not path then return nil, err, "NOTFOUND" end
  local decls, eerr, code = M.eval(path)
  if not decls then return nil, eerr, code end
  local ok, model = pcall(validate, path, decls)
  if ok then return model, path end
  if type(model) == "table" and model.msg then return nil, model.msg, "RULE" end
  error(model, 0)
end

--- Evaluates a rule file in the sandbox.
-- @tparam string path
-- @tparam[opt] table limits `{time_ms=, memory_bytes=, instructions=, output_bytes=}`
-- @treturn table|nil the declarations, in file order; or nil, message, "RULE"
function M.eval(path, limits)
  local lim = limits_of(limits)
  json_out[0], err_out[0] = nil, nil
  local rc = C.isms_rules_eval(path, lim, json_out, err_out)
  local json, err = b.str(json_out[0]), b.str(err_out[0])
  C.isms_free(json_out[0])
  C.isms_free(err_out[0])
  if rc ~= 0 then return nil, err or path .. ": rule file rejected", b.code_names[rc] end
  local decls, jerr = cjson.decode(json)
  if not decls then return nil, path .. ": bad declaration data: " .. jerr, "RULE" end
  return decls
end

-- Plain data as Lua source, for the calls chunk the sandbox loads.
local function serialize(v, out)
  local t = type(v)
  if t == "table" then
    out[#out + 1] = "{"
    local n = #v
    for k = 1, n do serialize(v[k], out); out[#out + 1] = "," end
    for _, k in ipairs(format.extra_keys(v, n)) do
      out[#out + 1] = "["
      serialize(k, out)
      out[#out + 1] = "]="
      serialize(v[k], out)
      out[#out + 1] = ","
    end
    out[#out + 1] = "}"
  elseif t == "string" then
    out[#out + 1] = ("%q"):format(v)
  elseif t == "number" then
    out[#out + 1] = v == math.floor(v) and math.abs(v) < 2 ^ 53 and ("%d"):format(v)
                    or ("%.17g"):format(v)
  elseif t == "boolean" or t == "nil" then
    out[#out + 1] = tostring(v)
  else
    error("rules.call: cannot pass a " .. t .. " to a rule function", 3)
  end
end

--- Plain data as Lua source text, keys in a fixed order: the same data
-- gives the same text (what tests compare, unlike cjson's hash order).
function M.serialize(v)
  local out = {}
  serialize(v, out)
  return table.concat(out)
end

--- Evaluates a rule file and calls functions it declared.
-- @tparam string path
-- @tparam table calls list of `{ decl = index, field = name, args = { ... } }`
-- @treturn table|nil the declarations and the list of results
--   (`{ ok = true, value =, reason = }` or `{ ok = false, error = }`);
--   or nil, message, "RULE"
function M.call(path, calls, limits)
  local out = { "return " }
  serialize(calls, out)
  local lim = limits_of(limits)
  json_out[0], err_out[0] = nil, nil
  local rc = C.isms_rules_call(path, table.concat(out), lim, json_out, err_out)
  local json, err = b.str(json_out[0]), b.str(err_out[0])
  C.isms_free(json_out[0])
  C.isms_free(err_out[0])
  if rc ~= 0 then return nil, err or path .. ": rule file rejected", b.code_names[rc] end
  local data, jerr = cjson.decode(json)
  if not data then return nil, path .. ": bad call results: " .. jerr, "RULE" end
  local results = data.results
  if #calls == 0 or type(results) ~= "table" then results = {} end
  return data.declarations, results
end

--- The JSON null sentinel used in declarations.
M.null = cjson.null

local CALLS_PER_RUN = 1000  -- rule-function calls sent to one sandbox run

--- Runs functions declared in rule files: calls name declarations (which
-- carry .file and .index), grouped into one sandbox run per file.
function M.call_functions(calls)
  local by_file, order = {}, {}
  for k, c in ipairs(calls) do
    local f = c.decl.file
    if not by_file[f] then by_file[f] = {}; order[#order + 1] = f end
    local list = by_file[f]
    list[#list + 1] = { k = k, call = { decl = c.decl.index, field = c.field, args = c.args } }
  end
  local results = {}
  for _, f in ipairs(order) do
    local list = by_file[f]
    -- The calls travel as one Lua chunk, and a chunk holds at most 65536
    -- constants: send them in slices of CALLS_PER_RUN.
    for first = 1, #list, CALLS_PER_RUN do
      local plain = {}
      for j = first, math.min(#list, first + CALLS_PER_RUN - 1) do
        plain[#plain + 1] = list[j].call
      end
      local _, res, code = M.call(f, plain)
      if not _ then error({ msg = res, code = code }) end
      for j = 1, #plain do
        results[list[first + j - 1].k] = res[j] or { ok = false, error = "no result" }
      end
    end
  end
  return results
end

return M
