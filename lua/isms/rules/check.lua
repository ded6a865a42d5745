--- Checks shared by the rule-file loaders (methodologies, catalogs).
-- A fault is raised as { msg = "file:line: kind 'name': field: reason" },
-- like a compiler's message; loaders catch it and return nil, msg.
local M = {}

--- Raises a fault against a declaration (its own file if it came from a
-- parent methodology, else `file`).
function M.fail(file, decl, field, reason)
  local what = decl.kind .. (decl.name and (" '" .. tostring(decl.name) .. "'") or "")
  error({ msg = ("%s:%d: %s: %s%s"):format(decl.file or file, decl.line or 0, what,
                                          field and (field .. ": ") or "", reason) })
end

--- A list as a set: { "a", "b" } -> { a = true, b = true }.
function M.set(list)
  local t = {}
  for _, v in ipairs(list) do t[v] = true end
  return t
end

function M.is_int(v) return type(v) == "number" and v == math.floor(v) end

--- Unknown fields are errors, so a typo such as `lable` is caught.
function M.fields(file, decl, tbl, allowed, prefix)
  for k in pairs(tbl) do
    if not allowed[k] then
      local names = {}
      for n in pairs(allowed) do names[#names + 1] = n end
      table.sort(names)
      M.fail(file, decl, (prefix or "") .. tostring(k),
             "unknown field; expected one of " .. table.concat(names, ", "))
    end
  end
end

function M.string(file, decl, field, v, optional)
  if v == nil and optional then return end
  if type(v) ~= "string" or v == "" then
    M.fail(file, decl, field, "expected a non-empty string, got " ..
           (v == nil and "nothing" or type(v) == "string" and "an empty string" or type(v)))
  end
end

--- A list of non-empty strings; returns it (or an empty list when optional).
function M.strings(file, decl, field, v, optional)
  if v == nil and optional then return {} end
  if type(v) ~= "table" or (#v == 0 and next(v) ~= nil) then
    M.fail(file, decl, field, "expected a list of strings")
  end
  for k, s in ipairs(v) do M.string(file, decl, ("%s[%d]"):format(field, k), s) end
  return v
end

--- Is v a function marker from the sandbox ({__function__ = true, line = N})?
function M.is_function(v) return type(v) == "table" and v.__function__ == true end

return M
