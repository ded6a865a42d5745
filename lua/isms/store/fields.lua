--- Field types of record kinds (isms.store.kind): how a value given as
-- text (CSV, the command line) or as a Lua value (scripts) is checked and
-- normalised to the text the store keeps, and how stored text reads back
-- as a Lua value. One table per type; a kind's descriptor names the type
-- of each field and the options it takes (values, min, max, to).
local records = require "isms.store.records"

local M = {}

-- Most texts have nothing to trim: a look at both ends says so without a
-- pattern match (an import trims every cell).
local function trim(s)
  local first, last = s:byte(1), s:byte(-1)
  if not first or (first > 32 and last > 32) then return s end
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- Items of a list cell: ';' separates; ',' too where items are ids, which
-- never hold one (so "A.5.1, A.5.2" reads as spreadsheets write it).
local function items(text, commas)
  local list = {}
  local pattern = commas and "[^;,]+" or "[^;]+"
  for item in text:gmatch(pattern) do
    item = trim(item)
    if item ~= "" then list[#list + 1] = item end
  end
  return list
end
M.items = items

-- Ids: shown in tables, CSV and the change log (which joins key fields
-- with " / "): printable, no separators, no line breaks.
local function check_id(s, what)
  if #s > 128 then return nil, what .. ": longer than 128 characters" end
  if s:find("[%c;,]") or s:find(" / ", 1, true) then
    return nil, ("%s: '%s' is not an id (no control characters, ';', ',' or ' / ')"):format(
      what, s)
  end
  return s
end

local function number_in(f, n, what, whole)
  if not n or n ~= n or n == math.huge or n == -math.huge then
    return nil, ("%s: expected %s"):format(what, whole and "a whole number" or "a number")
  end
  if whole and n ~= math.floor(n) then
    return nil, ("%s: expected a whole number, got %s"):format(what, tostring(n))
  end
  if f.min and n < f.min then
    return nil, ("%s: %s is below the least allowed, %s"):format(what, tostring(n), f.min)
  end
  if f.max and n > f.max then
    return nil, ("%s: %s is above the most allowed, %s"):format(what, tostring(n), f.max)
  end
  if whole then return ("%d"):format(n) end
  local short = ("%.15g"):format(n)  -- the shortest text that reads back as n
  return tonumber(short) == n and short or ("%.17g"):format(n)
end

local BOOL = { ["1"] = "1", ["0"] = "0", yes = "1", no = "0", y = "1", n = "0", ["true"] = "1",
               ["false"] = "0", x = "1" }

-- Each type: check(f, value, what) -> stored text | nil, reason (value is
-- a non-empty trimmed string or a Lua value); read(f, text) -> Lua value.
local TYPES = {}

TYPES.text = {
  check = function(f, v, what)
    v = tostring(v)
    if f.max_length and #v > f.max_length then
      return nil, ("%s: longer than %d characters"):format(what, f.max_length)
    end
    if v:find("\0", 1, true) then return nil, what .. ": holds a NUL byte" end
    return v
  end,
}

TYPES.id = { check = function(_, v, what) return check_id(tostring(v), what) end }

TYPES.enum = {
  check = function(f, v, what)
    v = tostring(v)
    local want = v:lower():gsub("[%s%-]+", "_")
    for _, allowed in ipairs(f.values) do
      if allowed:lower() == want or allowed:lower() == v:lower() then return allowed end
    end
    return nil, ("%s: '%s' is not one of %s"):format(what, v, table.concat(f.values, ", "))
  end,
}

TYPES.date = {
  check = function(_, v, what)
    if type(v) ~= "string" then return nil, what .. ": expected a date YYYY-MM-DD" end
    return records.date(v, what)
  end,
}

TYPES.datetime = {
  check = function(_, v, what)
    if type(v) ~= "string" then return nil, what .. ": expected a time YYYY-MM-DDTHH:MM[:SS]" end
    local d, rest = v:match("^(%d%d%d%d%-%d%d%-%d%d)(.*)$")
    local ok = d and records.date(d, what)
    if ok and rest ~= "" then
      local h, mi, tail = rest:match("^[T ](%d%d):(%d%d)(.*)$")
      ok = h and tonumber(h) < 24 and tonumber(mi) < 60
        and (tail == "" or tail:match("^:[0-5]%d%.?%d*Z?$") or tail == "Z"
             or tail:match("^:[0-5]%d[%+%-]%d%d:%d%d$") or tail:match("^[%+%-]%d%d:%d%d$"))
    end
    if not ok then
      return nil, ("%s: '%s' is not a time YYYY-MM-DDTHH:MM[:SS][Z]"):format(what, v)
    end
    return v
  end,
}

TYPES.int = {
  check = function(f, v, what) return number_in(f, tonumber(v), what, true) end,
  read = function(_, s) return tonumber(s) end,
}

TYPES.number = {
  check = function(f, v, what) return number_in(f, tonumber(v), what, false) end,
  read = function(_, s) return tonumber(s) end,
}

TYPES.bool = {
  check = function(_, v, what)
    if type(v) == "boolean" then return v and "1" or "0" end
    local b = BOOL[tostring(v):lower()]
    if not b then return nil, ("%s: '%s' is not yes or no"):format(what, tostring(v)) end
    return b
  end,
  read = function(_, s) return s == "1" end,
}

-- A list of texts in one column, kept as "a; b; c".
TYPES.list = {
  list = true,
  check = function(f, v, what)
    local list = type(v) == "table" and v or items(tostring(v))
    for k, item in ipairs(list) do
      if type(item) ~= "string" or item:find("[%c;]") then
        return nil, ("%s: item %d is not a text without ';'"):format(what, k)
      end
      if f.values then
        local ok, e = TYPES.enum.check(f, item, what)
        if not ok then return nil, e end
        list[k] = ok
      end
    end
    return table.concat(list, "; ")
  end,
  read = function(_, s) return items(s) end,
}

-- One reference to a record of kind f.to (checked against the register
-- by the kind layer, which knows the resolvers).
TYPES.ref = {
  ref = true,
  check = function(_, v, what) return check_id(tostring(v), what) end,
}

-- Many references, kept as links (record kind "link"), not in a column.
TYPES.links = {
  ref = true,
  list = true,
  check = function(_, v, what)
    local list = type(v) == "table" and v or items(tostring(v), true)
    local seen, out = {}, {}
    for _, item in ipairs(list) do
      local id, e = check_id(tostring(item), what)
      if not id then return nil, e end
      if not seen[id] then
        seen[id] = true
        out[#out + 1] = id
      end
    end
    return out  -- a list: the kind layer writes one link per item
  end,
  read = function(_, s) return s end,
}

M.TYPES = TYPES

--- Checks one value for field f: returns the stored form (text, or a list
-- of ids for links), false for "no value", or nil and a reason naming
-- the field.
function M.check(f, v)
  local what = f.name
  if v == nil or v == false and f.type ~= "bool" then return false end
  if type(v) == "string" then
    v = trim(v)
    if v == "" then return false end
  elseif type(v) == "table" and not TYPES[f.type].list then
    return nil, what .. ": expected one value, not a list"
  end
  return TYPES[f.type].check(f, v, what)
end

--- Stored text of field f as a Lua value.
function M.read(f, s)
  if s == nil then return TYPES[f.type].list and {} or nil end
  local read = TYPES[f.type].read
  if read then return read(f, s) end
  return s
end

--- A Lua value of field f as one cell of text (CSV, tables).
function M.cell(f, v)
  if v == nil then return "" end
  if type(v) == "table" then return table.concat(v, "; ") end
  if type(v) == "boolean" then return v and "yes" or "no" end
  if type(v) == "number" then return f.type == "int" and ("%d"):format(v) or ("%.15g"):format(v) end
  return tostring(v)
end

--- Checks a descriptor's field list (programming errors raise).
function M.validate_descriptor(kind, fields)
  local names = {}
  for k, f in ipairs(fields) do
    if type(f.name) ~= "string" or not f.name:match("^[a-z_][a-z0-9_]*$") then
      error(("kind %s: field %d needs a lower-case name"):format(kind, k), 3)
    end
    if names[f.name] then error(("kind %s: field %s twice"):format(kind, f.name), 3) end
    names[f.name] = f
    if not TYPES[f.type] then
      error(("kind %s: field %s has unknown type '%s'"):format(kind, f.name, tostring(f.type)), 3)
    end
    if f.type == "enum" and (type(f.values) ~= "table" or #f.values == 0) then
      error(("kind %s: enum field %s needs values"):format(kind, f.name), 3)
    end
    if f.check ~= nil and type(f.check) ~= "function" then
      error(("kind %s: field %s: check must be a function"):format(kind, f.name), 3)
    end
    if TYPES[f.type].ref and type(f.to) ~= "string" then
      error(("kind %s: field %s needs to = KIND"):format(kind, f.name), 3)
    end
  end
  return names
end

return M
