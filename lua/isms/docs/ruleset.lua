--- Rule sets that extend one another: the mandatory document lists
-- (rules/documents/), metric sets (rules/metrics/) and workflows
-- (rules/workflows/). A file declares one head (document_list, metric_set,
-- workflow) and items (mandatory, metric, state, transition); with
-- `extends = "NAME"` in the head, the parent's items come first and the
-- child's replace those of the same word and name, or drop them with
-- `remove = true`. Every file is evaluated in the sandbox (isms.rules);
-- faults come back as "file:line: word 'name': field: reason".
local rules = require "isms.rules"
local check = require "isms.rules.check"

local M = {}

local MAX_DEPTH = 8
local cache = {}

--- Runs fn(...) and turns a raised check fault into nil, message, "RULE".
function M.protect(fn, ...)
  local ok, result = pcall(fn, ...)
  if ok then return result end
  if type(result) == "table" and result.msg then return nil, result.msg, "RULE" end
  error(result, 0)
end

-- Loads one file and its parents: { head, items = { decl }, file }.
local function load(spec, name, from, seen, depth)
  local path, err = rules.find(spec.dir, name, from)
  if not path then error({ msg = err, code = "NOTFOUND" }) end
  if seen[path] then
    error({ msg = ("%s: extends itself through %s"):format(path, table.concat(seen, " -> ")) })
  end
  if depth > MAX_DEPTH then error({ msg = path .. ": extends more than 8 files deep" }) end
  seen[path] = true
  seen[#seen + 1] = path
  local decls, eerr, code = rules.eval(path)
  if not decls then error({ msg = eerr, code = code }) end
  local head
  for _, d in ipairs(decls) do
    d.file = path
    d.fields = type(d.fields) == "table" and d.fields or {}
    if d.kind == spec.head then
      if head then
        check.fail(path, d, nil, ("a file declares one %s (first at line %d)"):format(spec.head,
                                                                                       head.line))
      end
      head = d
      check.fields(path, d, d.fields, spec.head_fields)
    elseif spec.items[d.kind] then
      local allowed = {}
      for k in pairs(spec.items[d.kind]) do allowed[k] = true end
      allowed.remove = true
      check.fields(path, d, d.fields, allowed)
    else
      local words = { spec.head }
      for w in pairs(spec.items) do words[#words + 1] = w end
      table.sort(words)
      check.fail(path, d, nil, ("not a word of %s rule files (%s)"):format(spec.dir,
                 table.concat(words, ", ")))
    end
  end
  if not head then
    error({ msg = ("%s:1: no %s declared; start with %s \"name\" { ... }"):format(path, spec.head,
                                                                                spec.head) })
  end
  local items, index = {}, {}
  local parent = head.fields.extends
  if parent ~= nil then
    check.string(path, head, "extends", parent)
    local base = load(spec, parent, path, seen, depth + 1)
    for _, d in ipairs(base.items) do
      items[#items + 1] = d
      index[d.kind .. "\0" .. d.name] = #items
    end
  end
  for _, d in ipairs(decls) do
    if d ~= head then
      local key = d.kind .. "\0" .. d.name
      local at = index[key]
      if d.fields.remove == true then
        if not at then check.fail(path, d, "remove", "nothing of that name to remove") end
        items[at] = false
        index[key] = nil
      elseif d.fields.remove ~= nil then
        check.fail(path, d, "remove", "expected true")
      elseif at then
        items[at] = d
      else
        items[#items + 1] = d
        index[key] = #items
      end
    end
  end
  local out = {}
  for _, d in ipairs(items) do if d then out[#out + 1] = d end end
  return { head = head, items = out, file = path }
end

--- Loads a rule set by name (on the rules path, under spec.dir) or path.
-- spec: { dir = "documents", head = "document_list", head_fields = set,
-- items = { word = set of fields } }. Cached per file for the process.
-- @treturn table|nil { head, items, file }, or nil, message, code
function M.load(spec, name)
  local key = spec.dir .. "\0" .. name
  if cache[key] then return cache[key] end
  local ok, result = pcall(load, spec, name, nil, {}, 1)
  if not ok then
    if type(result) == "table" and result.msg then return nil, result.msg, result.code or "RULE" end
    error(result, 0)
  end
  cache[key] = result
  return result
end

--- Forgets the loaded files (after a rule file changed, in the REPL).
function M.forget() cache = {} end

return M
