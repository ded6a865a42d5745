--- The REPL's printer: values as short readable text, bounded in depth,
-- items and length, with cycles named; a list of flat records (what most
-- register methods return) as an aligned table.
local format = require "isms.store.format"

local M = {}

--- Limits of one printed value (the REPL's; a caller may pass its own).
M.LIMITS = { depth = 3, items = 30, rows = 40, width = 2000 }

local KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do KEYWORDS[w] = true end

local function is_name(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") and not KEYWORDS[k]
end
M.is_name = is_name

local function scalar(v)
  local t = type(v)
  if t == "string" then return ("%q"):format(v):gsub("\\\n", "\\n") end
  if t == "number" then return format.number(v) end
  if t == "function" then
    local info = debug.getinfo(v, "S")
    if info.what == "C" then return "function (builtin)" end
    local src = info.source:gsub("^@", ""):gsub("^.*/lua/", "")
    return ("function (%s:%d)"):format(src, info.linedefined)
  end
  if t == "cdata" then
    return "<" .. tostring(require("ffi").typeof(v)):gsub("^ctype<", ""):gsub(">$", "") .. ">"
  end
  return tostring(v)
end

-- metatable -> function(object) -> its name ("<register demo.db>").
local classes = setmetatable({}, { __mode = "k" })

--- Names the objects of one metatable in printed values.
-- @tparam table mt the metatable (e.g. getmetatable(reg))
-- @tparam function fn object -> text
function M.name_class(mt, fn) classes[mt] = fn end

-- Objects (tables with a metatable) print as one short name, not their
-- insides: "<register demo.db>", "<object: 12 methods>".
local function object_name(v)
  local mt = getmetatable(v)
  if type(mt) ~= "table" then return nil end
  local named = classes[mt]
  if named then
    local ok, s = pcall(named, v)
    if ok and s then return tostring(s) end
  end
  if rawget(mt, "__tostring") then
    local ok, s = pcall(tostring, v)
    if ok then return s end
  end
  local index = rawget(mt, "__index")
  if type(index) == "table" then
    local n = 0
    for _, f in pairs(index) do
      if type(f) == "function" then n = n + 1 end
    end
    if n > 0 then return ("<object: %d methods; help(x) lists them>"):format(n) end
  end
  return nil
end

-- A loaded package prints as its name: its insides are for help(x).
local function package_name(v)
  for name, p in pairs(package.loaded) do
    if p == v and type(name) == "string" and name:match("^isms") then
      local n = 0
      for _ in pairs(v) do n = n + 1 end
      return ("<package %s: %d fields; help(x) describes them>"):format(name, n)
    end
  end
end

local function show(v, limits, depth, seen)
  if type(v) ~= "table" then return scalar(v) end
  local named = object_name(v) or package_name(v)
  if named then return named end
  if seen[v] then return "<cycle>" end
  if depth >= limits.depth then return "{…}" end
  seen[v] = true
  local parts, n, shown = {}, #v, 0
  for k = 1, n do
    if shown >= limits.items then break end
    shown = shown + 1
    parts[shown] = show(v[k], limits, depth + 1, seen)
  end
  local keys = format.extra_keys(v, n)
  for _, k in ipairs(keys) do
    if shown >= limits.items then break end
    shown = shown + 1
    local key = is_name(k) and k or ("[" .. scalar(k) .. "]")
    parts[shown] = key .. " = " .. show(v[k], limits, depth + 1, seen)
  end
  local total = n + #keys
  if total > shown then parts[#parts + 1] = ("… %d more"):format(total - shown) end
  seen[v] = nil
  if #parts == 0 then return "{}" end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

-- A list of tables holding only scalars (at least two rows): its columns,
-- the usual identifying ones first; else nil.
local FIRST = { id = 1, ref = 2, name = 3, title = 4 }
local function record_columns(v)
  if type(v) ~= "table" or getmetatable(v) or #v < 2 then return nil end
  local seen, cols = {}, {}
  for k = 1, math.min(#v, 200) do
    local row = v[k]
    if type(row) ~= "table" or getmetatable(row) or #row > 0 then return nil end
    for key, x in pairs(row) do
      if type(key) ~= "string" then return nil end
      local t = type(x)
      if t == "table" or t == "function" or t == "userdata" then return nil end
      if not seen[key] then
        seen[key] = true
        cols[#cols + 1] = key
      end
    end
  end
  if next(format.extra_keys(v, #v)) ~= nil or #cols == 0 then return nil end
  table.sort(cols, function(a, b)
    local fa, fb = FIRST[a] or 99, FIRST[b] or 99
    if fa ~= fb then return fa < fb end
    return a < b
  end)
  return cols
end

--- The text the REPL prints for one value.
-- @param v any value
-- @tparam[opt] table limits { depth, items, rows, width } (M.LIMITS)
-- @treturn string
function M.show(v, limits)
  limits = limits or M.LIMITS
  local cols = record_columns(v)
  if cols then
    local rows = {}
    for k = 1, math.min(#v, limits.rows) do rows[k] = v[k] end
    local text = format.table(rows, cols)
    if #v > #rows then text = text .. ("… %d more rows (%d in all)\n"):format(#v - #rows, #v) end
    return (text:gsub("\n$", ""))
  end
  local text = show(v, limits, 0, {})
  if #text > limits.width then text = text:sub(1, limits.width) .. "… (cut)" end
  return text
end

return M
