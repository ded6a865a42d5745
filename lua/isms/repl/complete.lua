--- Tab completion of the REPL: global names and keywords, fields of
-- tables (`isms.<TAB>`, nested: `isms.gap.<TAB>`), methods of objects
-- (`reg:<TAB>`). Inside a string the host completes file names instead.
local help = require "isms.repl.help"

local M = {}

local KEYWORDS = { "and", "break", "do", "else", "elseif", "end", "false", "for", "function",
                   "goto", "if", "in", "local", "nil", "not", "or", "repeat", "return", "then",
                   "true", "until", "while" }

-- Is position pos (1-based, the start of the word) inside an open string?
local function in_string(line, pos)
  local quote
  local k = 1
  while k < pos do
    local ch = line:sub(k, k)
    if quote then
      if ch == "\\" then k = k + 1
      elseif ch == quote then quote = nil end
    elseif ch == '"' or ch == "'" then
      quote = ch
    elseif line:sub(k, k + 1) == "[[" then
      local close = line:find("]]", k + 2, true)
      if not close or close >= pos then return true end
      k = close + 1
    elseif line:sub(k, k + 1) == "--" then
      return true  -- a comment: nothing to complete
    end
    k = k + 1
  end
  return quote ~= nil
end
M.in_string = in_string

local function identifier(k) return type(k) == "string" and k:match("^[%a_][%w_]*$") end

-- Keys of t and, for an object, of its __index chain (tables only).
local function fields_of(t)
  local names, seen = {}, {}
  local depth = 0
  while type(t) == "table" and depth < 5 do
    for k in pairs(t) do
      if identifier(k) and not seen[k] then
        seen[k] = true
        names[#names + 1] = k
      end
    end
    local mt = getmetatable(t)
    t = type(mt) == "table" and rawget(mt, "__index") or nil
    depth = depth + 1
  end
  return names
end

--- Candidates completing `word` (the text before the cursor back to a
-- space or bracket: "isms.gap.ca", "reg:as", "pri").
-- @tparam string word
-- @tparam table env the REPL's globals
-- @treturn table sorted list of whole words
function M.candidates(word, env)
  local path, sep, partial = word:match("^(.-)([%.:])([%w_]*)$")
  local names = {}
  if not path then
    partial = word
    if not word:match("^[%a_]?[%w_]*$") then return {} end
    for _, k in ipairs(fields_of(env)) do names[#names + 1] = k end
    if env ~= _G then
      for _, k in ipairs(fields_of(_G)) do names[#names + 1] = k end
    end
    for _, k in ipairs(KEYWORDS) do names[#names + 1] = k end
    path, sep = "", ""
  else
    -- walk the dotted path from the globals: only plain names, no calls
    if not path:match("^[%a_][%w_]*[%w_%.]*$") or path:match("%.%.") or path:match("%.$") then
      return {}
    end
    local v = env
    for part in path:gmatch("[^%.]+") do
      if type(v) ~= "table" then return {} end
      local ok, x = pcall(function() return v[part] end)
      if not ok then return {} end
      v = x
    end
    if type(v) ~= "table" then return {} end
    if sep == ":" then
      for k in pairs(help.methods_of(v)) do names[#names + 1] = k end
      for k, f in pairs(v) do
        if identifier(k) and type(f) == "function" then names[#names + 1] = k end
      end
    else
      names = fields_of(v)
    end
  end
  local out, seen = {}, {}
  for _, k in ipairs(names) do
    -- private names (_x) only when asked for
    local shown = partial:sub(1, 1) == "_" or k:sub(1, 1) ~= "_" or path == ""
    if shown and not seen[k] and k:sub(1, #partial) == partial then
      seen[k] = true
      out[#out + 1] = path .. sep .. k
    end
  end
  table.sort(out)
  return out
end

--- What the host's completion asks: the whole line and the word's byte
-- range (0-based start, end as readline gives them).
-- @treturn table|nil candidates, or nil for file names (inside a string)
function M.complete(line, start, stop, env)
  if in_string(line, start + 1) then return nil end
  return M.candidates(line:sub(start + 1, stop), env or _G)
end

return M
