-- The shipped threat and vulnerability catalog (rules/catalogs/generic.lua):
-- the eight ISO/IEC 27005 Annex C classes of guideline 6.2 c, and a
-- catalog that is complete and consistent. Checked twice: on the raw
-- declarations from the sandbox, and through isms.catalog.load.
local isms = require "isms"

local PATH = "rules/catalogs/generic.lua"

-- Guideline 6.2 c points to ISO/IEC 27005 Annex C for the generic classes.
local CLASSES = {
  "Physical damage", "Natural events", "Loss of essential services", "Disturbance due to radiation",
  "Compromise of information", "Technical failures", "Unauthorised actions", "Compromise of functions",
}
local TYPES = { "information", "software", "physical", "service", "people", "intangible" }
local CATEGORIES = { "management", "operational", "reputation", "governance", "project" }
local IMPACTS = { "repair", "time_loss", "opportunity", "health_safety", "skills_cost", "reputation" }

local function set(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

-- The catalog as plain lists, from the sandbox declarations.
local function from_sandbox()
  local decls, err = isms.rules.eval(PATH)
  assert(decls, err)
  local cat = { catalogs = {}, classes = {}, threats = {}, vulnerabilities = {} }
  for _, d in ipairs(decls) do
    local f = d.fields
    if d.kind == "catalog" then
      cat.catalogs[#cat.catalogs + 1] = { name = d.name, title = f.title }
    elseif d.kind == "threat_class" then
      cat.classes[#cat.classes + 1] = { id = d.name, title = f.title }
    elseif d.kind == "threat" then
      cat.threats[#cat.threats + 1] = { id = d.name, class = f.class, title = f.title,
        applies_to = f.applies_to, vulnerabilities = f.vulnerabilities or {},
        category = f.category, impacts = f.impacts or {} }
    elseif d.kind == "vulnerability" then
      cat.vulnerabilities[#cat.vulnerabilities + 1] = { id = d.name, title = f.title,
                                                        applies_to = f.applies_to }
    else
      error(("%s:%d: unexpected declaration %s in a catalog"):format(PATH, d.line, d.kind))
    end
  end
  return cat
end

-- The loader may keep lists or maps keyed by id, and a threat's
-- vulnerabilities as ids or entries: read either as id -> entry.
local function by_id(list)
  local out = {}
  for k, v in pairs(list or {}) do
    if type(v) == "string" then
      out[v] = { id = v }
    elseif type(k) == "string" then
      out[k] = v
    else
      out[v.id or v.name] = v
    end
  end
  return out
end

local function count(map)
  local n = 0
  for _ in pairs(map) do n = n + 1 end
  return n
end

-- The checks every form of the catalog must pass.
local function check(cat)
  local classes, vulns = by_id(cat.classes), by_id(cat.vulnerabilities)
  local threats = by_id(cat.threats)
  local types, categories, impacts = set(TYPES), set(CATEGORIES), set(IMPACTS)

  assert.are.equal(#CLASSES, count(classes))
  local titles = {}
  for _, c in pairs(classes) do titles[c.title] = true end
  for _, title in ipairs(CLASSES) do assert.is_true(titles[title], title) end

  assert.truthy(count(threats) >= 40, "at least 40 threats")
  assert.truthy(count(vulns) >= 40, "at least 40 vulnerabilities")
  assert.are.equal(#cat.threats, count(threats), "threat ids are unique")
  assert.are.equal(#cat.vulnerabilities, count(vulns), "vulnerability ids are unique")

  local per_type, per_class, used = {}, {}, {}
  for id, t in pairs(threats) do
    assert.truthy(id:match("^T%-[A-Z0-9]+[A-Z0-9-]*$"), id)
    assert.is_string(t.title)
    assert.truthy(classes[t.class], id .. ": class " .. tostring(t.class))
    per_class[t.class] = (per_class[t.class] or 0) + 1
    assert.truthy(#t.applies_to > 0, id .. ": applies_to")
    local mine = {}
    for _, ty in ipairs(t.applies_to) do
      assert.is_true(types[ty], id .. ": asset type " .. tostring(ty))
      per_type[ty] = (per_type[ty] or 0) + 1
      mine[ty] = true
    end
    if t.category ~= nil then assert.is_true(categories[t.category], id .. ": category") end
    for _, kind in ipairs(t.impacts or {}) do assert.is_true(impacts[kind], id .. ": impact " .. kind) end
    for vid in pairs(by_id(t.vulnerabilities)) do
      local v = vulns[vid]
      assert.truthy(v, id .. " refers to unknown " .. vid)
      used[vid] = true
      -- A vulnerability that narrows its asset types must share one with the
      -- threat, or the pair could never make a risk.
      if v.applies_to then
        local shared = false
        for _, ty in ipairs(v.applies_to) do
          assert.is_true(types[ty], vid .. ": asset type " .. tostring(ty))
          if mine[ty] then shared = true end
        end
        assert.is_true(shared, id .. " x " .. vid .. " share no asset type")
      end
    end
  end
  for _, ty in ipairs(TYPES) do assert.truthy((per_type[ty] or 0) > 0, "no threat applies to " .. ty) end
  for cid in pairs(classes) do assert.truthy((per_class[cid] or 0) > 0, "class " .. cid .. " is empty") end
  for vid, v in pairs(vulns) do
    assert.truthy(vid:match("^V%-[A-Z0-9]+[A-Z0-9-]*$"), vid)
    assert.is_string(v.title)
    assert.is_true(used[vid], vid .. " is listed by no threat")
  end
end

describe("generic catalog", function()
  it("evaluates in the sandbox as one catalog of threat classes, threats and vulnerabilities", function()
    local cat = from_sandbox()
    assert.are.same({ { name = "generic", title = cat.catalogs[1].title } }, cat.catalogs)
    assert.is_string(cat.catalogs[1].title)
    check(cat)
  end)

  it("names typical threats and vulnerabilities", function()
    local cat = from_sandbox()
    local threats, vulns = by_id(cat.threats), by_id(cat.vulnerabilities)
    for _, id in ipairs({ "T-FIRE", "T-FLOOD", "T-POWER-LOSS", "T-MALWARE", "T-ERROR-IN-USE",
                          "T-EQUIPMENT-FAILURE", "T-EAVESDROPPING", "T-ABUSE-OF-RIGHTS" }) do
      assert.truthy(threats[id], id)
    end
    for _, id in ipairs({ "V-NO-BACKUP", "V-NO-FIRE-DETECTION", "V-UNPATCHED", "V-WEAK-PASSWORDS",
                          "V-NO-AWARENESS", "V-KEY-PERSON" }) do
      assert.truthy(vulns[id], id)
    end
    assert.are.equal("physical", threats["T-FIRE"].class)
    assert.are.same(set({ "physical", "information", "service", "people" }),
                    set(threats["T-FIRE"].applies_to))
  end)

  describe("through isms.catalog.load", function()
    local function load()
      assert(isms.catalog and isms.catalog.load, "isms.catalog.load is not available yet")
      local cat, err = isms.catalog.load("generic")
      assert(cat, err)
      return cat
    end

    it("loads by name and by path", function()
      local cat = load()
      assert.are.equal("generic", cat.name)
      local again, err = isms.catalog.load(PATH)
      assert(again, err)
      assert.are.equal("generic", again.name)
    end)

    it("is complete and consistent", function()
      check(load())
    end)

    it("holds every declared threat with its fields", function()
      local raw = from_sandbox()
      local threats = by_id(load().threats)
      assert.are.equal(#raw.threats, count(threats))
      for _, t in ipairs(raw.threats) do
        local got = threats[t.id]
        assert.truthy(got, t.id)
        assert.are.equal(t.class, got.class, t.id)
        assert.are.equal(t.title, got.title, t.id)
        assert.are.same(set(t.applies_to), set(got.applies_to), t.id)
        assert.are.same(set(t.vulnerabilities), (function()
          local s = {}
          for vid in pairs(by_id(got.vulnerabilities)) do s[vid] = true end
          return s
        end)(), t.id)
        assert.are.equal(t.category, got.category, t.id)
        assert.are.same(set(t.impacts), set(got.impacts or {}), t.id)
      end
    end)

    it("reports an unknown catalog name", function()
      assert(isms.catalog and isms.catalog.load, "isms.catalog.load is not available yet")
      local cat, err = isms.catalog.load("no-such-catalog")
      assert.is_nil(cat)
      assert.is_string(err)
    end)
  end)
end)
