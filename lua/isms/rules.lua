--- Rule files: finding them and evaluating them in the sandbox.
-- A rule file is untrusted text. It is evaluated by libisms in a separate,
-- locked-down process (isms_rules_eval) and only its declarations come back,
-- as data. See docs/rule-files.md for the language and the sandbox.
local cjson = require "cjson.safe"
local b = require "isms._ffi"
local paths = require "isms._paths"

local ffi, C = b.ffi, b.C
local M = {}

local json_out = ffi.new("char *[1]")
local err_out = ffi.new("char *[1]")

--- Finds a rule file by name within a kind of rules ("methodologies", …).
-- A name containing a slash or ending in .lua is taken as a path.
-- @treturn string|nil the path, or nil and a message listing where it looked
function M.find(kind, name)
  if name:find("/", 1, true) or name:match("%.lua$") then
    if paths.exists(name) then return name end
    return nil, name .. ": no such rule file"
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

--- Evaluates a rule file in the sandbox.
-- @tparam string path
-- @tparam[opt] table limits `{time_ms=, memory_bytes=, instructions=, output_bytes=}`
-- @treturn table|nil the declarations, in file order; or nil, message, "RULE"
function M.eval(path, limits)
  local lim = nil
  if limits then
    lim = ffi.new("isms_rule_limits", {
      time_ms = limits.time_ms or 0, memory_bytes = limits.memory_bytes or 0,
      instructions = limits.instructions or 0, output_bytes = limits.output_bytes or 0,
    })
  end
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

--- The JSON null sentinel used in declarations.
M.null = cjson.null

return M
