--- `help(x)` of the REPL: the documentation of any API object, drawn from
-- the LDoc comments (`---`) above its definition in the source, or from
-- a doc attached with M.attach. help() alone lists the topics.
local paths = require "isms.store._paths"

local M = {}

-- value -> doc text for what has no comment in a source file (builtins,
-- tables built at run time).
local attached = setmetatable({}, { __mode = "k" })

--- Attaches a doc to a value (a function or table without a source comment).
-- @param v the value
-- @tparam string text first line: what it is, in one line
function M.attach(v, text) attached[v] = text end

-- Attaches the docs of repl/docs.lua to the values their paths name:
-- "isms.X.Y" from the API, "reg:M" from the methods of obj (a register).
local function attach_by_path(obj)
  local isms = package.loaded.isms
  for path, text in pairs(require "isms.repl.docs") do
    local v
    local method = path:match("^reg:([%w_]+)$")
    if method then
      local mt = obj and getmetatable(obj)
      v = type(mt) == "table" and type(rawget(mt, "__index")) == "table" and mt.__index[method] or nil
    elseif isms then
      v = isms
      for part in path:gsub("^isms%.", ""):gmatch("[^%.]+") do
        v = type(v) == "table" and v[part] or nil
      end
    end
    if v ~= nil and not attached[v] then attached[v] = text end
  end
end
M.attach_docs = attach_by_path

-- ------------------------------------------------------------ source comments

local file_lines = {}

local function lines_of(path)
  local lines = file_lines[path]
  if lines == nil then
    lines = false
    local f = io.open(path, "rb")
    if f then
      lines = {}
      for l in f:lines() do lines[#lines + 1] = l end
      f:close()
    end
    file_lines[path] = lines
  end
  return lines or nil
end

-- The comment block ending on the line above `line` of path: its text
-- without the comment dashes, or nil.
local function comment_above(path, line)
  local lines = lines_of(path)
  if not lines or line < 2 then return nil end
  local k, block = line - 1, {}
  while k >= 1 and lines[k]:match("^%s*%-%-") and not lines[k]:match("^%s*%-%-%s*%-%-%-%-") do
    table.insert(block, 1, (lines[k]:gsub("^%s*%-%-+%s?", "")))
    k = k - 1
  end
  if #block == 0 then return nil end
  return table.concat(block, "\n")
end

-- The leading comment of a file (its module doc).
local function file_comment(path)
  local lines = lines_of(path)
  if not lines then return nil end
  local block = {}
  for _, l in ipairs(lines) do
    if not l:match("^%s*%-%-") then break end
    block[#block + 1] = (l:gsub("^%s*%-%-+%s?", ""))
  end
  if #block == 0 then return nil end
  return table.concat(block, "\n")
end

local function source_path(f)
  local info = debug.getinfo(f, "S")
  local path = info.what == "Lua" and paths.source_file(info.source)
  if not path then return nil end
  return path, info.linedefined
end

-- "function Register:value(m, reason)" -> "value(m, reason)", the
-- parameters of a function as its source spells them.
local function signature(f)
  local path, line = source_path(f)
  local lines = path and lines_of(path)
  local text = lines and lines[line]
  local params = text and text:match("function[^(]*(%b())")
  if params then return params end
  local info = debug.getinfo(f, "u")
  if info and info.nparams then
    local names = {}
    for k = 1, info.nparams do names[k] = "a" .. k end
    return "(" .. table.concat(names, ", ") .. (info.isvararg and ", ...)" or ")")
  end
  return "(...)"
end

-- The first sentence of a doc (up to max characters, 110 by default).
local function first_line(doc, max)
  max = max or 110
  if not doc then return nil end
  local body = {}
  for l in (doc .. "\n"):gmatch("(.-)\n") do
    if l:match("^%s*@") or l:match("^%s*$") then break end
    body[#body + 1] = l:match("^%s*(.-)%s*$")
  end
  local text = table.concat(body, " ")
  local sentence = text:match("^(.-%.)%s") or text
  if #sentence > max then sentence = sentence:sub(1, max - 3):gsub("%s*[^%s]*$", "") .. "..." end
  return sentence ~= "" and sentence or nil
end
M.first_line = first_line

-- module name -> value, for the packages that are loaded.
local function module_name(t)
  local best
  for name, v in pairs(package.loaded) do
    if v == t and type(name) == "string" and (not best or #name < #best) then best = name end
  end
  return best
end

local function module_path(name)
  return name and package.searchpath and package.searchpath(name, package.path)
end

-- ------------------------------------------------------------ docs of values

-- The comments above `isms.NAME = ...` (and `lazy.NAME = ...`, a package
-- loaded on first use) in isms/init.lua: the one place that introduces
-- each package.
local init_docs
local function isms_field_docs()
  if init_docs then return init_docs end
  init_docs = {}
  local path = module_path("isms")
  local lines = path and lines_of(path)
  for k, l in ipairs(lines or {}) do
    local name = l:match("^isms%.([%w_]+)%s*=") or l:match("^lazy%.([%w_]+)%s*=")
                 or l:match("^function isms%.([%w_]+)%s*%(")
    if name then init_docs[name] = comment_above(path, k) end
  end
  return init_docs
end

--- The doc of a value: attached text, the comment above a function's
-- definition, a package's entry in isms/init.lua or its file's header.
-- @param v any value
-- @tparam[opt] string name its name in isms (for packages)
-- @treturn string|nil
function M.doc(v, name)
  if not attached[v] then attach_by_path(nil) end
  if attached[v] then return attached[v] end
  if type(v) == "function" then
    local path, line = source_path(v)
    return path and comment_above(path, line)
  end
  if type(v) == "table" then
    if name and isms_field_docs()[name] then return isms_field_docs()[name] end
    local mt = getmetatable(v)
    if type(mt) == "table" and type(rawget(mt, "__index")) == "table" then
      local own = module_name(mt.__index) or module_name(mt)
      return own and file_comment(module_path(own))
    end
    local mod = module_name(v)
    return mod and file_comment(module_path(mod))
  end
  return nil
end

--- The one-line doc of a value, or nil.
function M.summary(v, name, max) return first_line(M.doc(v, name), max) end

-- ------------------------------------------------------------ listing

local function sorted_keys(t, want)
  local keys = {}
  for k, v in pairs(t) do
    if type(k) == "string" and not k:match("^_") and (not want or want(v)) then
      keys[#keys + 1] = k
    end
  end
  table.sort(keys)
  return keys
end

-- The methods of an object: the functions of its __index chain.
local function methods_of(obj)
  local found, seen = {}, {}
  local mt = getmetatable(obj)
  local depth = 0
  while type(mt) == "table" and depth < 5 do
    local index = rawget(mt, "__index")
    if type(index) ~= "table" or seen[index] then break end
    seen[index] = true
    for k, v in pairs(index) do
      if type(k) == "string" and type(v) == "function" and not k:match("^_") and found[k] == nil then
        found[k] = v
      end
    end
    mt, depth = getmetatable(index), depth + 1
  end
  return found
end
M.methods_of = methods_of

local function is_object(v)
  return type(v) == "table" and next(methods_of(v)) ~= nil
end

local function describe(k, v, sep, in_isms)
  local one = M.summary(v, in_isms and k or nil, 76)
  local what = type(v) == "function" and (k .. signature(v):gsub("^%((self,?%s*)", "(")) or
               type(v) == "table" and k .. " (table)" or ("%s = %s"):format(k, tostring(v))
  if sep == ":" and type(v) == "function" then what = ":" .. what end
  return ("  %-34s %s"):format(what, one or "")
end

--- The help text of a value (what help(v) prints).
-- @param v any value
-- @tparam[opt] string name its name, for the heading
-- @treturn string
function M.text(v, name)
  local out = {}
  local function add(s) out[#out + 1] = s end
  local t = type(v)
  if t == "function" then
    add((name or "function") .. signature(v))
    add(M.doc(v) or "(no documentation)")
  elseif is_object(v) then
    attach_by_path(v)
    local doc = M.doc(v)
    if name == "reg" then
      doc = "the open register (isms.open gives one)."
    end
    add((name or "an object") .. (doc and (": " .. first_line(doc)) or ""))
    add("methods (call as obj:name(...)):")
    local methods = methods_of(v)
    for _, k in ipairs(sorted_keys(methods)) do add(describe(k, methods[k], ":")) end
  elseif t == "table" then
    local doc = M.doc(v, name and name:match("^isms%.([%w_]+)$"))
    add(name or "table")
    if doc then add(doc) end
    local keys = sorted_keys(v)
    if #keys > 0 then
      add("fields:")
      for _, k in ipairs(keys) do
        local fv = v[k]
        local entry = describe(k, fv, ".", v == package.loaded.isms)
        if v == package.loaded.isms and type(fv) == "table" then
          entry = ("  %-34s %s"):format(k .. " (package)", M.summary(fv, k, 76) or "")
        end
        add(entry)
      end
    end
  else
    add(("%s: a %s, %s"):format(name or "value", t, tostring(v)))
  end
  return table.concat(out, "\n")
end

--- Resolves a topic name ("isms.gap", "reg:assets", "assets") to a value.
-- @tparam string topic
-- @tparam table env where names are looked up (the REPL's globals)
-- @return the value and its full name, or nil
function M.resolve(topic, env)
  local head, rest = topic:match("^([%a_][%w_]*)(.*)$")
  if head then
    local v = env[head]
    local ok = true
    for sep, part in rest:gmatch("([%.:])([%a_][%w_]*)") do
      if type(v) ~= "table" then ok = false break end
      if sep == ":" then v = methods_of(v)[part] else v = v[part] end
      if v == nil then ok = false break end
    end
    if ok and v ~= nil and rest:gsub("[%.:][%a_][%w_]*", "") == "" then return v, topic end
  end
  -- a bare name: a package of isms or a register method
  local isms = env.isms
  if isms and isms[topic] ~= nil then return isms[topic], "isms." .. topic end
  if env.reg and methods_of(env.reg)[topic] then
    return methods_of(env.reg)[topic], "reg:" .. topic
  end
  return nil
end

--- What help() alone prints: the topics.
function M.topics(env)
  local out = { "help(x) documents x: a function, a package or an object; help \"name\" looks",
                "a name up (\"isms.gap\", \"reg:assets\", \"assets\"). Tab completes names.", "" }
  local isms = env.isms
  if isms then
    out[#out + 1] = "packages and functions of isms:"
    for _, k in ipairs(sorted_keys(isms)) do
      local v = isms[k]
      if type(v) ~= "string" then
        out[#out + 1] = ("  %-18s %s"):format("isms." .. k, M.summary(v, k, 78) or "")
      end
    end
  end
  if env.reg then
    local n = 0
    for _ in pairs(methods_of(env.reg)) do n = n + 1 end
    out[#out + 1] = ""
    out[#out + 1] = ("reg: the open register, %d methods: help(reg) lists them."):format(n)
  else
    out[#out + 1] = ""
    out[#out + 1] = "no register open: reg = isms.open(\"FILE\") (or start with --db FILE)."
  end
  return table.concat(out, "\n")
end

--- The `help` function of the REPL's globals.
-- @tparam table env the REPL's globals
-- @tparam function write prints a string
function M.function_for(env, write)
  local function help(x, ...)
    if select("#", ...) > 0 then error("help takes one argument", 2) end
    if x == nil then
      write(M.topics(env))
      return
    end
    if type(x) == "string" then
      local v, name = M.resolve(x, env)
      if v == nil then
        write(("no topic '%s'; help() lists them"):format(x))
        return
      end
      write(M.text(v, name))
      return
    end
    -- name the value if the API holds it (help(isms.gap) -> "isms.gap")
    local name
    if x == env.reg then name = "reg" end
    if env.isms then
      if x == env.isms then name = "isms" end
      for k, v in pairs(env.isms) do
        if v == x then name = "isms." .. k end
        if type(v) == "table" and not name then
          for k2, v2 in pairs(v) do
            if v2 == x and type(k2) == "string" then name = "isms." .. k .. "." .. k2 end
          end
        end
      end
    end
    if not name and type(x) == "function" and env.reg then
      for k, f in pairs(methods_of(env.reg)) do
        if f == x then name = "reg:" .. k end
      end
    end
    write(M.text(x, name))
  end
  M.attach(help, "help(x): the documentation of x (a function, package or object); help() lists topics.")
  return help
end

return M
