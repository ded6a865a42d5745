--- Threat and vulnerability catalogs (docs/risk-rules.md, "Catalogs"):
-- rule files under catalogs/ declaring threat classes, threats and
-- vulnerabilities, checked here with file:line like methodologies.
local rules = require "isms.rules"
local check = require "isms.rules.check"
local risk_method = require "isms.method.risk_method"

local fail = check.fail
local M = {}

local set = check.set

local ALLOWED = {
  catalog = set { "title", "description", "reference" },
  threat_class = set { "title", "description" },
  threat = set { "class", "title", "description", "applies_to", "vulnerabilities", "category",
                 "impacts", "affects", "ratings" },
  vulnerability = set { "title", "description", "applies_to", "ratings" },
}

-- A threat's or vulnerability's own ratings on methodology scales (read
-- by a score's threat.NAME or vulnerability.NAME): { likelihood =
-- "Possible", ... }, stored as text "likelihood=Possible;..."; nil if none.
local function own_ratings(file, d, given)
  if given == nil then return nil end
  if type(given) ~= "table" or #given > 0 then
    fail(file, d, "ratings", "expected ratings by scale name, e.g. { likelihood = \"Possible\" }")
  end
  local names = {}
  for k in pairs(given) do names[#names + 1] = k end
  table.sort(names, function(x, y) return tostring(x) < tostring(y) end)
  local parts = {}
  for _, k in ipairs(names) do
    local v = given[k]
    if type(k) ~= "string" or not k:match("^[%a_][%w_]*$") then
      fail(file, d, "ratings", ("'%s' is not a scale name"):format(tostring(k)))
    end
    if (type(v) ~= "string" and type(v) ~= "number") or tostring(v):find("[;=]") then
      fail(file, d, "ratings." .. k, "expected a tier's value or label (no ';' or '=')")
    end
    parts[#parts + 1] = k .. "=" .. tostring(v)
  end
  return table.concat(parts, ";")
end

local function types(file, d, field, v)
  local list = check.strings(file, d, field, v, true)
  for k, t in ipairs(list) do
    if not risk_method.TYPE_INDEX[t] then
      fail(file, d, ("%s[%d]"):format(field, k), ("unknown asset type '%s'; expected %s")
           :format(t, table.concat(risk_method.TYPES, ", ")))
    end
  end
  return list
end

local function validate(file, decls)
  local cat = { file = file, classes = {}, threats = {}, vulnerabilities = {} }
  local seen = { threat_class = {}, threat = {}, vulnerability = {} }
  for _, d in ipairs(decls) do
    local f = type(d.fields) == "table" and d.fields or {}
    local allowed = ALLOWED[d.kind]
    if not allowed then
      fail(file, d, nil, "not a catalog word (catalog, threat_class, threat, vulnerability)")
    end
    check.fields(file, d, f, allowed)
    check.string(file, d, "title", f.title, d.kind == "catalog" or d.kind == "threat_class")
    check.string(file, d, "description", f.description, true)
    if d.kind == "catalog" then
      if cat.name then fail(file, d, nil, "a file declares one catalog") end
      cat.name, cat.title = d.name, f.title
    else
      if seen[d.kind][d.name] then
        fail(file, d, nil, ("declared twice (first at line %d)"):format(seen[d.kind][d.name].line))
      end
      seen[d.kind][d.name] = d
      if d.kind == "threat_class" then
        cat.classes[#cat.classes + 1] = { id = d.name, title = f.title, line = d.line }
      elseif d.kind == "vulnerability" then
        cat.vulnerabilities[#cat.vulnerabilities + 1] = {
          id = d.name, title = f.title, description = f.description, line = d.line,
          applies_to = f.applies_to ~= nil and types(file, d, "applies_to", f.applies_to) or nil,
          ratings = own_ratings(file, d, f.ratings) }
      else
        check.string(file, d, "class", f.class)
        if f.category ~= nil and not risk_method.CATEGORY_INDEX[f.category] then
          fail(file, d, "category", ("unknown category '%s'; expected %s")
               :format(tostring(f.category), table.concat(risk_method.CATEGORIES, ", ")))
        end
        local impacts = check.strings(file, d, "impacts", f.impacts, true)
        for k, i in ipairs(impacts) do
          if not risk_method.IMPACT_INDEX[i] then
            fail(file, d, ("impacts[%d]"):format(k), ("unknown impact kind '%s'; expected %s")
                 :format(i, table.concat(risk_method.IMPACTS, ", ")))
          end
        end
        -- the properties the threat affects, for per-property scores
        local affects = check.strings(file, d, "affects", f.affects, true)
        local seen_prop = {}
        for k, p in ipairs(affects) do
          if p ~= "C" and p ~= "I" and p ~= "A" then
            fail(file, d, ("affects[%d]"):format(k),
                 ("'%s' is not C, I or A (the properties a threat affects)"):format(tostring(p)))
          end
          if seen_prop[p] then fail(file, d, ("affects[%d]"):format(k), ("'%s' given twice"):format(p)) end
          seen_prop[p] = true
        end
        -- the threat's own ratings on methodology scales (read by a score's
        -- threat.NAME): { likelihood = "Possible", ... }, stored as text
        local ratings = own_ratings(file, d, f.ratings)
        local applies = types(file, d, "applies_to", f.applies_to)
        if #applies == 0 then fail(file, d, "applies_to", "expected a non-empty list of asset types") end
        cat.threats[#cat.threats + 1] = {
          id = d.name, class = f.class, title = f.title, description = f.description,
          applies_to = applies, category = f.category, impacts = impacts, line = d.line,
          affects = #affects > 0 and affects or nil, ratings = ratings,
          decl = d,
          vulnerabilities = check.strings(file, d, "vulnerabilities", f.vulnerabilities, true) }
      end
    end
  end
  if not cat.name then
    error({ msg = file .. ":1: no catalog declared; start with catalog \"name\" { ... }" })
  end
  for _, t in ipairs(cat.threats) do
    if not seen.threat_class[t.class] then
      fail(file, t.decl, "class", ("no threat_class named '%s'"):format(t.class))
    end
    for k, v in ipairs(t.vulnerabilities) do
      if not seen.vulnerability[v] then
        fail(file, t.decl, ("vulnerabilities[%d]"):format(k), ("no vulnerability named '%s'"):format(v))
      end
    end
    t.decl = nil
  end
  cat.vulnerability_by_id = {}
  for _, v in ipairs(cat.vulnerabilities) do cat.vulnerability_by_id[v.id] = v end
  return cat
end

--- Loads a catalog by name (catalogs/NAME.lua on the rules path) or path.
-- @treturn table|nil { name, title, file, classes, threats, vulnerabilities }
function M.load(name)
  local cat, err, code = rules.load("catalogs", name, validate)
  if not cat then return nil, err, code end
  return cat
end

--- The risks a catalog gives an asset of a type: list of
-- { threat = t, vulnerability = v or nil }.
function M.pairs_for(cat, asset_type)
  local list = {}
  for _, t in ipairs(cat.threats) do
    local applies = false
    for _, ty in ipairs(t.applies_to) do if ty == asset_type then applies = true end end
    if applies then
      local any = false
      for _, vid in ipairs(t.vulnerabilities) do
        local v = cat.vulnerability_by_id[vid]
        local ok = v.applies_to == nil
        for _, ty in ipairs(v.applies_to or {}) do if ty == asset_type then ok = true end end
        if ok then
          list[#list + 1] = { threat = t, vulnerability = v }
          any = true
        end
      end
      if not any and #t.vulnerabilities == 0 then list[#list + 1] = { threat = t } end
    end
  end
  return list
end

--- Names of the catalogs on the rules path.
function M.list() return rules.list("catalogs") end

return M
