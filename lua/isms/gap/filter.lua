--- Iteration with filters over the lists of the gap analysis's objects
-- (a catalog's nodes, an assessment's results), for scripts and the REPL:
--   for it in res:each { gap = true, section = "A" } do ... end
--   local open = cat:select { assessable = true, parent = "6.1.2" }
-- A filter is a table of field = value (a list of values: any of them;
-- `groups` and `group` match one of an entry's groups) or a function(entry)
-- returning true for the entries wanted; nil selects every entry.
local M = {}

local function groups_of(x)
  local g = x.groups
  if type(g) == "table" then return g end
  local out = {}
  for name in tostring(g or ""):gmatch("[^;]+") do out[#out + 1] = name:match("^%s*(.-)%s*$") end
  return out
end

local function one(x, key, want)
  if key == "groups" or key == "group" then
    for _, g in ipairs(groups_of(x)) do
      if g == want then return true end
    end
    return false
  end
  return x[key] == want
end

--- Whether entry x passes filter.
function M.matches(x, filter)
  if filter == nil then return true end
  if type(filter) == "function" then return filter(x) and true or false end
  for key, want in pairs(filter) do
    if type(want) == "table" then
      local any = false
      for _, w in ipairs(want) do
        if one(x, key, w) then any = true break end
      end
      if not any then return false end
    elseif not one(x, key, want) then
      return false
    end
  end
  return true
end

--- Methods select(filter) and each(filter) over the list in field `key`
-- of the object they are given to.
function M.methods(key)
  local methods = {}
  function methods:select(filter)
    if filter ~= nil and type(filter) ~= "table" and type(filter) ~= "function" then
      error("select: expected a table of field = value or a function", 2)
    end
    local out = {}
    for _, x in ipairs(self[key]) do
      if M.matches(x, filter) then out[#out + 1] = x end
    end
    return out
  end
  function methods:each(filter)
    local list, k = self:select(filter), 0
    return function()
      k = k + 1
      return list[k]
    end
  end
  return { __index = methods }
end

return M
