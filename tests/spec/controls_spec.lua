-- Control catalogs and edition mappings (lua/isms/controls.lua, rules/controls,
-- rules/mappings, docs/controls.md): the three Annex A editions with their
-- counts and ids per clause or theme; the 2013 and 2022 catalogs and the
-- 2013 -> 2022 mapping against the independent CISO Assistant outlines, with
-- every known disagreement listed; mapping coverage; what a mapping reports
-- when an SoA is carried; and every rejected file with its file:line message.
local H = require "helper"
local lyaml = require "lyaml"
local controls = require "isms.treat.controls"

-- ------------------------------------------------------------ expectations

-- Controls per control objective, in order. The ids follow from these
-- counts (A.5.1 with 2 controls gives A.5.1.1 and A.5.1.2), so this table
-- is the whole id list of an edition, written independently of the rule
-- files.
local OBJECTIVES_2005 = {
  { "A.5.1", 2 },
  { "A.6.1", 8 }, { "A.6.2", 3 },
  { "A.7.1", 3 }, { "A.7.2", 2 },
  { "A.8.1", 3 }, { "A.8.2", 3 }, { "A.8.3", 3 },
  { "A.9.1", 6 }, { "A.9.2", 7 },
  { "A.10.1", 4 }, { "A.10.2", 3 }, { "A.10.3", 2 }, { "A.10.4", 2 }, { "A.10.5", 1 },
  { "A.10.6", 2 }, { "A.10.7", 4 }, { "A.10.8", 5 }, { "A.10.9", 3 }, { "A.10.10", 6 },
  { "A.11.1", 1 }, { "A.11.2", 4 }, { "A.11.3", 3 }, { "A.11.4", 7 }, { "A.11.5", 6 },
  { "A.11.6", 2 }, { "A.11.7", 2 },
  { "A.12.1", 1 }, { "A.12.2", 4 }, { "A.12.3", 2 }, { "A.12.4", 3 }, { "A.12.5", 5 },
  { "A.12.6", 1 },
  { "A.13.1", 2 }, { "A.13.2", 3 },
  { "A.14.1", 5 },
  { "A.15.1", 6 }, { "A.15.2", 2 }, { "A.15.3", 2 },
}

local OBJECTIVES_2013 = {
  { "A.5.1", 2 },
  { "A.6.1", 5 }, { "A.6.2", 2 },
  { "A.7.1", 2 }, { "A.7.2", 3 }, { "A.7.3", 1 },
  { "A.8.1", 4 }, { "A.8.2", 3 }, { "A.8.3", 3 },
  { "A.9.1", 2 }, { "A.9.2", 6 }, { "A.9.3", 1 }, { "A.9.4", 5 },
  { "A.10.1", 2 },
  { "A.11.1", 6 }, { "A.11.2", 9 },
  { "A.12.1", 4 }, { "A.12.2", 1 }, { "A.12.3", 1 }, { "A.12.4", 4 }, { "A.12.5", 1 },
  { "A.12.6", 2 }, { "A.12.7", 1 },
  { "A.13.1", 3 }, { "A.13.2", 4 },
  { "A.14.1", 3 }, { "A.14.2", 9 }, { "A.14.3", 1 },
  { "A.15.1", 3 }, { "A.15.2", 2 },
  { "A.16.1", 7 },
  { "A.17.1", 3 }, { "A.17.2", 1 },
  { "A.18.1", 5 }, { "A.18.2", 3 },
}

-- 2022 has no objectives: the theme is the prefix.
local THEMES_2022 = { { "A.5", 37 }, { "A.6", 8 }, { "A.7", 14 }, { "A.8", 34 } }

local PER_CLAUSE = {
  ["iso27001-2005"] = { ["A.5"] = 2, ["A.6"] = 11, ["A.7"] = 5, ["A.8"] = 9, ["A.9"] = 13,
                        ["A.10"] = 32, ["A.11"] = 25, ["A.12"] = 16, ["A.13"] = 5, ["A.14"] = 5,
                        ["A.15"] = 10 },
  ["iso27001-2013"] = { ["A.5"] = 2, ["A.6"] = 7, ["A.7"] = 6, ["A.8"] = 10, ["A.9"] = 14,
                        ["A.10"] = 2, ["A.11"] = 15, ["A.12"] = 14, ["A.13"] = 7, ["A.14"] = 13,
                        ["A.15"] = 5, ["A.16"] = 7, ["A.17"] = 4, ["A.18"] = 8 },
  ["iso27001-2022"] = { ["A.5"] = 37, ["A.6"] = 8, ["A.7"] = 14, ["A.8"] = 34 },
}

local TOTAL = { ["iso27001-2005"] = 133, ["iso27001-2013"] = 114, ["iso27001-2022"] = 93 }

-- Controls with no predecessor, per mapping.
local NEW = {
  ["iso27001-2005-to-2013"] = { "A.6.1.5", "A.12.6.2", "A.14.2.1", "A.14.2.5", "A.14.2.6",
                                "A.14.2.8", "A.15.1.1", "A.15.1.3", "A.16.1.4", "A.16.1.5",
                                "A.17.2.1" },
  ["iso27001-2013-to-2022"] = { "A.5.7", "A.5.23", "A.5.30", "A.7.4", "A.8.9", "A.8.10",
                                "A.8.11", "A.8.12", "A.8.16", "A.8.23", "A.8.28" },
}

-- Where rules/mappings/iso27001-2013-to-2022.lua and CISO Assistant's
-- mapping-iso27001-2013-to-iso27001-2022.yaml differ, Annex A only: the
-- pair, our relation and theirs (nil: no such link). docs/controls.md
-- ("Differences from CISO Assistant") gives the reason for each. A new
-- difference, or one that goes away, fails the test.
local DIFFERENCES = {
  -- links CISO Assistant lacks (controls it leaves unmapped, or half of a split)
  { "A.6.1.3", "A.5.5", "equal", nil },
  { "A.6.1.4", "A.5.6", "equal", nil },
  { "A.6.1.5", "A.5.8", "subset", nil },
  { "A.9.2.5", "A.5.18", "subset", nil },
  { "A.9.2.6", "A.5.18", "subset", nil },
  { "A.12.6.2", "A.8.19", "subset", nil },
  { "A.12.7.1", "A.8.34", "equal", nil },
  { "A.14.2.3", "A.8.32", "subset", nil },
  { "A.14.2.4", "A.8.32", "subset", nil },
  { "A.18.2.3", "A.8.8", "intersect", nil },
  -- information transfer: they send it to redundancy (A.8.14), we to A.5.14
  { "A.13.2.1", "A.5.14", "subset", nil },
  { "A.13.2.2", "A.5.14", "subset", nil },
  { "A.13.2.3", "A.5.14", "subset", nil },
  { "A.13.2.1", "A.8.14", nil, "subset" },
  { "A.13.2.2", "A.8.14", nil, "subset" },
  { "A.13.2.3", "A.8.14", nil, "subset" },
  -- same link, another relation
  { "A.11.2.6", "A.7.9", "equal", "superset" },
  { "A.17.2.1", "A.8.14", "equal", "intersect" },
}

-- ------------------------------------------------------------------ helpers

local function expected_ids(objectives)
  local ids = {}
  for _, o in ipairs(objectives) do
    for k = 1, o[2] do ids[#ids + 1] = o[1] .. "." .. k end
  end
  return ids
end

local EXPECTED_IDS = {
  ["iso27001-2005"] = expected_ids(OBJECTIVES_2005),
  ["iso27001-2013"] = expected_ids(OBJECTIVES_2013),
  ["iso27001-2022"] = expected_ids(THEMES_2022),
}

-- "A.10.1.2" -> "A.10"
local function clause_of(id) return id:match("^(A%.%d+)") end

local function ids_of(cat)
  local ids = {}
  for k, c in ipairs(cat.controls) do ids[k] = c.id end
  return ids
end

local function keys(t)
  local list = {}
  for k in pairs(t) do list[#list + 1] = k end
  table.sort(list)
  return list
end

-- Titles compared for "own words": case, punctuation and spacing ignored.
local function norm(s) return (s:lower():gsub("[^%w]", "")) end

-- A CISO Assistant framework's Annex A controls: id -> the id of its
-- clause or theme. 2013 nests clause > objective > control; 2022 nests
-- theme > control; either way a control is a node with no children.
local function ciso_controls(path)
  local lib = lyaml.load(H.read(path))
  local nodes = lib.objects.framework.requirement_nodes
  local by_urn, has_child = {}, {}
  for _, n in ipairs(nodes) do
    by_urn[n.urn] = n
    if n.parent_urn then has_child[n.parent_urn] = true end
  end
  local out = {}
  for _, n in ipairs(nodes) do
    if type(n.ref_id) == "string" and n.ref_id:match("^A%.") and not has_child[n.urn] then
      local clause = n
      while by_urn[clause.parent_urn] and by_urn[clause.parent_urn].ref_id
            and by_urn[clause.parent_urn].ref_id:match("^A%.") do
        clause = by_urn[clause.parent_urn]
      end
      out[n.ref_id] = { clause = clause.ref_id, name = n.name }
    end
  end
  return out
end

local function load(name) return assert(controls.load(name)) end
local function load_mapping(name) return assert(controls.load_mapping(name)) end

-- Fixture files: a small catalog pair and a mapping between them.
local function catalog_text(name, body)
  return ('control_catalog "%s" { title = "%s" }\n'):format(name, name) .. body
end

local OLD = catalog_text("old", table.concat({
  'control_group "G" { title = "Group" }',
  'control "G.1" { group = "G", title = "One" }',
  'control "G.2" { group = "G", title = "Two" }',
  'control "G.3" { group = "G", title = "Three" }',
}, "\n") .. "\n")

local NEWCAT = catalog_text("new", table.concat({
  'control_group "N" { title = "Group" }',
  'control "N.1" { group = "N", title = "One and two" }',
  'control "N.2" { group = "N", title = "Three, part" }',
  'control "N.3" { group = "N", title = "Three, other part" }',
  'control "N.4" { group = "N", title = "Fresh" }',
}, "\n") .. "\n")

local old_path, new_path
local function fixture_paths()
  old_path = old_path or H.file("old.lua", OLD)
  new_path = new_path or H.file("new.lua", NEWCAT)
  return old_path, new_path
end

local function mapping_text(lines)
  local from, to = fixture_paths()
  return ('control_mapping "m" { from = "%s", to = "%s" }\n'):format(from, to)
         .. table.concat(lines, "\n") .. "\n"
end

local GOOD_MAP = {
  'maps "G.1" { to = "N.1", relation = "subset" }',
  'maps "G.2" { to = "N.1", relation = "subset" }',
  'maps "G.3" { to = { "N.2", "N.3" }, relation = "superset" }',
  'new_control "N.4" {}',
}

-- The message of a file that must not load, without its directory.
local function rejected(loader, name, text)
  local path = H.file(name, text)
  local ok, err, code = loader(path)
  assert.is_nil(ok, "expected " .. name .. " to be rejected")
  assert.are.equal("RULE", code)
  assert.are.equal(path, err:sub(1, #path), err)
  return name .. err:sub(#path + 1)
end

-- ------------------------------------------------------------------- specs

describe("control catalogs", function()
  for _, name in ipairs({ "iso27001-2005", "iso27001-2013", "iso27001-2022" }) do
    it(name .. ": count, ids in order and controls per clause or theme", function()
      local cat = load(name)
      assert.are.equal(name, cat.name)
      assert.are.equal(TOTAL[name], #cat.controls)
      assert.are.same(EXPECTED_IDS[name], ids_of(cat))
      local per = {}
      for _, c in ipairs(cat.controls) do per[c.group] = (per[c.group] or 0) + 1 end
      assert.are.same(PER_CLAUSE[name], per)
      local groups = {}
      for _, g in ipairs(cat.groups) do
        groups[g.id] = #g.controls
        assert.are.equal(g, cat.group_by_id[g.id])
      end
      assert.are.same(PER_CLAUSE[name], groups)
    end)

    it(name .. ": each control sits in its own clause and has a short title", function()
      local cat = load(name)
      local seen = {}
      for _, c in ipairs(cat.controls) do
        assert.are.equal(clause_of(c.id), c.group, c.id)
        assert.are.equal(c, cat.by_id[c.id])
        assert.is_true(#c.title > 0 and #c.title <= 48, c.id .. ": " .. c.title)
        seen[c.id] = true
      end
      assert.are.equal(TOTAL[name], #keys(seen))
      for _, g in ipairs(cat.groups) do assert.is_true(#g.title > 0 and #g.title <= 40, g.id) end
    end)
  end

  it("the 2022 themes are organisational, people, physical and technological", function()
    local cat = load("iso27001-2022")
    local titles = {}
    for k, g in ipairs(cat.groups) do titles[k] = g.id .. " " .. g.title end
    assert.are.same({ "A.5 Organisational", "A.6 People", "A.7 Physical", "A.8 Technological" },
                    titles)
    assert.are.equal("2022", cat.edition)
  end)

  it("the shipped catalogs and mappings are listed", function()
    local list = controls.list()
    for _, name in ipairs({ "iso27001-2005", "iso27001-2013", "iso27001-2022" }) do
      assert.is_truthy(table.concat(list, " "):find(name, 1, true), name)
    end
    local maps = table.concat(controls.list_mappings(), " ")
    assert.is_truthy(maps:find("iso27001-2005-to-2013", 1, true))
    assert.is_truthy(maps:find("iso27001-2013-to-2022", 1, true))
  end)
end)

describe("catalogs against CISO Assistant", function()
  for _, edition in ipairs({ "2013", "2022" }) do
    it(edition .. ": the same ids, each in the same clause or theme, titles in our words", function()
      local theirs = ciso_controls(H.external("ciso-assistant/iso27001-" .. edition .. ".yaml",
                                              pending))
      local cat = load("iso27001-" .. edition)
      assert.are.same(keys(theirs), keys(cat.by_id))
      for _, c in ipairs(cat.controls) do
        assert.are.equal(theirs[c.id].clause, c.group, c.id)
        -- our short titles are paraphrases, never the published title
        assert.are_not.equal(norm(theirs[c.id].name), norm(c.title), c.id)
      end
    end)
  end

  it("2013 -> 2022: every difference from their mapping is a known one", function()
    local lib = lyaml.load(H.read(H.external(
      "ciso-assistant/mapping-iso27001-2013-to-iso27001-2022.yaml", pending)))
    local function id(urn)
      local s = urn:match(":a%.([%d%.]+)$")
      return s and ("A." .. s)
    end
    local theirs = {}
    for _, m in ipairs(lib.objects.requirement_mapping_set.requirement_mappings) do
      local from, to = id(m.source_requirement_urn), id(m.target_requirement_urn)
      if from then  -- Annex A only; the clauses 4-10 are not controls
        assert.is_truthy(to, m.target_requirement_urn)
        theirs[from .. " -> " .. to] = m.relationship
      end
    end
    local mine = {}
    for _, l in ipairs(load_mapping("iso27001-2013-to-2022").links) do
      mine[l.from .. " -> " .. l.to] = l.relation
    end
    local found, pairs_seen = {}, {}
    for k in pairs(mine) do pairs_seen[k] = true end
    for k in pairs(theirs) do pairs_seen[k] = true end
    for _, k in ipairs(keys(pairs_seen)) do
      if mine[k] ~= theirs[k] then
        found[#found + 1] = ("%s: ours %s, theirs %s"):format(k, tostring(mine[k]), tostring(theirs[k]))
      end
    end
    local expected = {}
    for k, d in ipairs(DIFFERENCES) do
      expected[k] = ("%s -> %s: ours %s, theirs %s"):format(d[1], d[2], tostring(d[3]), tostring(d[4]))
    end
    table.sort(found)
    table.sort(expected)
    assert.are.same(expected, found)
    -- and agree on the other 100 of our 115 links, relation included
    local agree, ours = 0, 0
    for k, rel in pairs(mine) do
      ours = ours + 1
      if theirs[k] == rel then agree = agree + 1 end
    end
    assert.are.equal(115, ours)
    assert.are.equal(100, agree)
  end)
end)

describe("edition mappings", function()
  for _, name in ipairs({ "iso27001-2005-to-2013", "iso27001-2013-to-2022" }) do
    it(name .. ": every old control goes somewhere, every new one comes from somewhere", function()
      local map = load_mapping(name)
      local gone = {}
      for _, l in ipairs(map.links) do gone[l.from] = true end
      for _, r in ipairs(map.removed) do
        assert.is_nil(gone[r.id], r.id .. " both removed and mapped")
        assert.is_truthy(r.note, r.id .. ": a removed control says where the concern went")
        gone[r.id] = true
      end
      for _, c in ipairs(map.from.controls) do assert.is_true(gone[c.id], c.id .. " maps nowhere") end

      local came, new = {}, {}
      for _, l in ipairs(map.links) do came[l.to] = true end
      for _, n in ipairs(map.new) do
        assert.is_nil(came[n.id], n.id .. " both new and mapped")
        new[#new + 1] = n.id
      end
      for _, n in ipairs(map.new) do came[n.id] = true end
      for _, c in ipairs(map.to.controls) do assert.is_true(came[c.id], c.id .. " has no source") end
      assert.are.same(NEW[name], new)
      for _, l in ipairs(map.links) do
        assert.is_truthy(({ equal = 1, subset = 1, superset = 1, intersect = 1 })[l.relation])
      end
    end)
  end

  it("2013 -> 2022 removes nothing; 2005 -> 2013 removes 13 controls", function()
    assert.are.same({}, load_mapping("iso27001-2013-to-2022").removed)
    local removed = {}
    for k, r in ipairs(load_mapping("iso27001-2005-to-2013").removed) do removed[k] = r.id end
    assert.are.same({ "A.6.1.1", "A.6.1.2", "A.6.1.4", "A.6.2.1", "A.6.2.2", "A.10.7.4",
                      "A.10.8.5", "A.12.2.1", "A.12.2.2", "A.12.2.3", "A.12.2.4", "A.12.5.4",
                      "A.15.3.2" }, removed)
  end)

  it("reports what merged, split, moved or is new", function()
    local ch = controls.changes(load_mapping("iso27001-2013-to-2022"))
    assert.are.same(NEW["iso27001-2013-to-2022"], ch.new)
    assert.are.same({ { from = "A.18.2.3", to = { "A.5.36", "A.8.8" } } }, ch.split)
    local merged = {}
    for _, m in ipairs(ch.merged) do merged[m.to] = m.from end
    assert.are.same({ "A.13.2.1", "A.13.2.2", "A.13.2.3" }, merged["A.5.14"])
    assert.are.same({ "A.8.3.1", "A.8.3.2", "A.8.3.3", "A.11.2.5" }, merged["A.7.10"])
    assert.are.same({ "A.12.1.2", "A.14.2.2", "A.14.2.3", "A.14.2.4" }, merged["A.8.32"])
    assert.are.same({ "A.12.6.1", "A.18.2.3" }, merged["A.8.8"])
    assert.are.equal(24, #ch.merged)
    assert.are.same({}, ch.same)
    assert.are.same({ from = "A.6.1.1", to = "A.5.2" }, ch.renumbered[1])
    assert.are.same({ "A.6.1.5", "A.14.1.1" }, merged["A.5.8"])
    -- each target is counted once: new, merged, renumbered or rescoped (no split-only target here)
    assert.are.equal(93, #ch.new + #ch.merged + #ch.renumbered + #ch.rescoped + #ch.same)

    local old = controls.changes(load_mapping("iso27001-2005-to-2013"))
    assert.are.same({ "A.5.1.1", "A.5.1.2", "A.12.6.1" }, old.same)
    local split = {}
    for _, s in ipairs(old.split) do split[s.from] = s.to end
    assert.are.same({ ["A.7.2.2"] = { "A.8.2.2", "A.8.2.3" }, ["A.11.2.1"] = { "A.9.2.1", "A.9.2.2" },
                      ["A.11.5.2"] = { "A.9.2.1", "A.9.4.2" } }, split)
  end)

  it("carries entries to the next edition, and across two", function()
    local m1, m2 = load_mapping("iso27001-2005-to-2013"), load_mapping("iso27001-2013-to-2022")
    local rows, removed = controls.carry(m2, { ["A.13.2.1"] = "yes", ["A.13.2.3"] = "no",
                                               ["A.6.1.1"] = "roles" })
    assert.are.equal(93, #rows)
    local by = {}
    for _, r in ipairs(rows) do by[r.id] = r end
    assert.are.equal("merged", by["A.5.14"].change)
    assert.are.same({ { id = "A.13.2.1", relation = "subset", entry = "yes" },
                      { id = "A.13.2.2", relation = "subset" },
                      { id = "A.13.2.3", relation = "subset", entry = "no" } }, by["A.5.14"].sources)
    assert.are.equal("renumbered", by["A.5.2"].change)
    assert.are.equal("roles", by["A.5.2"].sources[1].entry)
    assert.are.equal("new", by["A.5.7"].change)
    assert.are.same({}, by["A.5.7"].sources)
    assert.are.equal("rescoped", by["A.5.16"].change)
    assert.are.equal("A.5", by["A.5.16"].group)
    assert.are.same({}, removed)

    local rows1, removed1 = controls.carry(m1, { ["A.6.1.1"] = "commitment", ["A.10.5.1"] = "backup" })
    assert.are.equal(114, #rows1)
    assert.are.same({ id = "A.6.1.1", title = "Visible management support",
                      note = "top management commitment is a requirement of the ISMS itself (clause 5.1)",
                      entry = "commitment" }, removed1[1])
    assert.are.equal(13, #removed1)
    -- across two: the 2013 rows are the entries of the second step
    local step = {}
    for _, r in ipairs(rows1) do step[r.id] = r end
    local rows2 = controls.carry(m2, step)
    for _, r in ipairs(rows2) do
      if r.id == "A.8.13" then
        assert.are.equal("backup", r.sources[1].entry.sources[1].entry)
      end
    end
  end)
end)

describe("invalid control files", function()
  local load_catalog = function(p) return controls.load(p) end
  local load_map = function(p) return controls.load_mapping(p) end

  it("report the file and line of the faulty declaration", function()
    local cases = {
      { "dup.lua", catalog_text("c", 'control_group "G" { title = "G" }\n'
          .. 'control "G.1" { group = "G", title = "a" }\n'
          .. 'control "G.1" { group = "G", title = "b" }\n'),
        "dup.lua:4: control 'G.1': declared twice (first at line 3)" },
      { "group.lua", catalog_text("c", 'control_group "G" { title = "G" }\n'
          .. 'control "G.1" { group = "G", title = "a" }\n'
          .. 'control "H.1" { group = "H", title = "b" }\n'),
        "group.lua:4: control 'H.1': group: no control_group named 'H'" },
      { "dupgroup.lua", catalog_text("c", 'control_group "G" { title = "G" }\n'
          .. 'control_group "G" { title = "again" }\n'),
        "dupgroup.lua:3: control_group 'G': declared twice (first at line 2)" },
      { "empty.lua", catalog_text("c", 'control_group "G" { title = "G" }\n'
          .. 'control_group "E" { title = "E" }\n'
          .. 'control "G.1" { group = "G", title = "a" }\n'),
        "empty.lua:3: control_group 'E': no control is in this group" },
      { "typo.lua", catalog_text("c", 'control_group "G" { title = "G" }\n'
          .. 'control "G.1" { group = "G", titel = "a" }\n'),
        "typo.lua:3: control 'G.1': titel: unknown field; expected one of description, group, title" },
      { "notitle.lua", catalog_text("c", 'control_group "G" { title = "G" }\n'
          .. 'control "G.1" { group = "G" }\n'),
        "notitle.lua:3: control 'G.1': title: expected a non-empty string, got nothing" },
      { "badid.lua", catalog_text("c", 'control_group "G" { title = "G" }\n'
          .. 'control "G.1 " { group = "G", title = "a" }\n'),
        "badid.lua:3: control 'G.1 ': bad id; use up to 64 letters, digits, '.', '_', ':', '/', "
        .. "'-' or inner spaces, starting with a letter or digit" },
      { "none.lua", 'control_group "G" { title = "G" }\n',
        'none.lua:1: no control catalog declared; start with control_catalog "name" { ... }' },
      { "nocontrols.lua", catalog_text("c", ""),
        "nocontrols.lua:1: control_catalog 'c': declares no controls; "
        .. 'add control "ID" { group = ..., title = ... }' },
      { "two.lua", catalog_text("c", 'control_catalog "d" { title = "d" }\n'),
        "two.lua:2: control_catalog 'd': a file declares one catalog (first at line 1)" },
      { "words.lua", catalog_text("c", 'threat "T" { title = "x" }\n'),
        "words.lua:2: threat 'T': not a control catalog word (control, control_catalog, control_group)" },
    }
    for _, c in ipairs(cases) do
      assert.are.equal(c[3], rejected(load_catalog, c[1], c[2]))
    end
  end)

  it("check mappings against both catalogs, line by line", function()
    local ok = assert(controls.load_mapping(H.file("ok.lua", mapping_text(GOOD_MAP))))
    assert.are.equal(4, #ok.links)
    local cases = {
      { "unknown_to.lua", { 'maps "G.1" { to = "N.9", relation = "equal" }' },
        "unknown_to.lua:2: maps 'G.1': to: no control 'N.9' in catalog 'new'" },
      { "unknown_to2.lua", { 'maps "G.1" { to = { "N.1", "N.9" }, relation = "superset" }' },
        "unknown_to2.lua:2: maps 'G.1': to[2]: no control 'N.9' in catalog 'new'" },
      { "unknown_from.lua", { 'maps "G.9" { to = "N.1", relation = "equal" }' },
        "unknown_from.lua:2: maps 'G.9': no control 'G.9' in catalog 'old'" },
      { "relation.lua", { 'maps "G.1" { to = "N.1", relation = "same" }' },
        "relation.lua:2: maps 'G.1': relation: unknown relation 'same'; "
        .. "expected one of equal, subset, superset, intersect, removed" },
      { "norelation.lua", { 'maps "G.1" { to = "N.1" }' },
        "norelation.lua:2: maps 'G.1': relation: missing; "
        .. "expected one of equal, subset, superset, intersect, removed" },
      { "noto.lua", { 'maps "G.1" { relation = "equal" }' },
        'noto.lua:2: maps \'G.1\': to: expected a control id or a list of them, e.g. to = { "A.5.1" }' },
      { "removed_to.lua", { 'maps "G.1" { to = "N.1", relation = "removed" }' },
        "removed_to.lua:2: maps 'G.1': to: a removed control maps to nothing; "
        .. "drop `to` or choose another relation" },
      { "twice.lua", { 'maps "G.1" { to = "N.1", relation = "subset" }',
                       'maps "G.1" { to = { "N.4", "N.1" }, relation = "subset" }' },
        "twice.lua:3: maps 'G.1': to[2]: 'G.1' to 'N.1' already mapped at line 2" },
      { "removed_mapped.lua", { 'maps "G.1" { to = "N.1", relation = "subset" }',
                                'maps "G.1" { relation = "removed" }' },
        "removed_mapped.lua:3: maps 'G.1': marked removed, but mapped at line 2" },
      { "mapped_removed.lua", { 'maps "G.1" { relation = "removed" }',
                                'maps "G.1" { to = "N.1", relation = "subset" }' },
        "mapped_removed.lua:3: maps 'G.1': already marked removed at line 2" },
      { "new_mapped.lua", { 'new_control "N.1" {}', GOOD_MAP[1] },
        "new_mapped.lua:2: new_control 'N.1': marked new, but maps 'G.1' at line 3 leads to it" },
      { "new_unknown.lua", { 'new_control "N.9" {}' },
        "new_unknown.lua:2: new_control 'N.9': no control 'N.9' in catalog 'new'" },
      { "unmapped.lua", { GOOD_MAP[1], GOOD_MAP[4] },
        "unmapped.lua:1: control_mapping 'm': 2 controls of 'old' are not mapped: G.2, G.3; "
        .. 'add maps "G.2" { to = ..., relation = ... } or relation = "removed"' },
      { "orphan.lua", { GOOD_MAP[1], GOOD_MAP[2], 'maps "G.3" { to = "N.2", relation = "superset" }',
                        GOOD_MAP[4] },
        "orphan.lua:1: control_mapping 'm': 1 control of 'new' has no source and is not marked new: "
        .. 'N.3; add maps ... { to = "N.3" } or new_control "N.3" {}' },
      { "word.lua", { 'control "X" { group = "G", title = "x" }' },
        "word.lua:2: control 'X': not a control mapping word (control_mapping, maps, new_control)" },
    }
    for _, c in ipairs(cases) do
      assert.are.equal(c[3], rejected(load_map, c[1], mapping_text(c[2])))
    end
  end)

  it("name the catalog a mapping cannot load", function()
    local text = 'control_mapping "m" { from = "no-such-catalog", to = "iso27001-2022" }\n'
    local msg = rejected(function(p) return controls.load_mapping(p) end, "from.lua", text)
    assert.is_truthy(msg:find("from.lua:1: control_mapping 'm': from: catalog 'no-such-catalog' "
                              .. "does not load: no control rule file named 'no-such-catalog'", 1, true), msg)
    local bad = H.file("bad.lua", catalog_text("c", 'control "G.1" { group = "G", title = "a" }\n'))
    local msg2 = rejected(function(p) return controls.load_mapping(p) end, "to.lua",
      ('control_mapping "m" { from = "iso27001-2022", to = "%s" }\n'):format(bad))
    assert.is_truthy(msg2:find("to.lua:1: control_mapping 'm': to: catalog '" .. bad .. "' does not load: "
                               .. bad .. ":2: control 'G.1': group: no control_group named 'G'", 1, true),
                     msg2)
  end)

  it("reject a threat catalog read as a control catalog, and names not found", function()
    local ok, err = controls.load("rules/catalogs/generic.lua")
    assert.is_nil(ok)
    assert.is_truthy(err:find("rules/catalogs/generic.lua:%d+: catalog 'generic': not a control catalog word"),
                     err)
    local none, nerr, code = controls.load("iso27001-1999")
    assert.is_nil(none)
    assert.are.equal("NOTFOUND", code)
    assert.is_truthy(nerr:find("no control rule file named 'iso27001-1999'", 1, true), nerr)
  end)

  it("catalogs given to load_mapping are used as they are", function()
    local from, to = fixture_paths()
    local a, b = assert(controls.load(from)), assert(controls.load(to))
    local map = assert(controls.load_mapping(H.file("given.lua", mapping_text(GOOD_MAP)),
                                             { from = a, to = b }))
    assert.are.equal(a, map.from)
    assert.are.equal(b, map.to)
  end)
end)

describe("an organisation's own catalog", function()
  it("is found on ISMS_RULES_PATH under controls/ and loads like a shipped one", function()
    local dir = H.tmp("rules")
    assert(os.execute("mkdir -p " .. dir .. "/controls " .. dir .. "/mappings") == 0)
    H.write(dir .. "/controls/fab-code.lua", table.concat({
      'control_catalog "fab-code" { title = "Fab security code", edition = "2024" }',
      'control_group "FAB" { title = "Fab floor" }',
      'control_group "IP" { title = "Design IP" }',
      'control "FAB-01" { group = "FAB", title = "Cleanroom badge zones" }',
      'control "IP-01" { group = "IP", title = "Mask data vault" }',
      'control "IP-02" { group = "IP", title = "Tape-out sign-off" }',
    }, "\n") .. "\n")
    local script = H.file("org.lua", [[
      local c = require "isms.treat.controls"
      local cat = assert(c.load("fab-code"))
      io.write(table.concat(c.list(), ","), "|", #cat.controls, "|", cat.group_by_id.IP.title, "|",
               cat.file)
    ]])
    local p = io.popen(("ISMS_RULES_PATH=%s LUA_PATH='lua/?.lua;lua/?/init.lua;;' luajit %s 2>&1")
                       :format(H.shell_quote(dir), H.shell_quote(script)))
    local out = p:read("*a")
    p:close()
    local list, n, title, file = out:match("^([^|]*)|([^|]*)|([^|]*)|(.*)$")
    assert.is_truthy(list, out)
    assert.is_truthy(("," .. list .. ","):find(",fab-code,", 1, true), out)
    assert.is_truthy(("," .. list .. ","):find(",iso27001-2022,", 1, true), out)
    assert.are.same({ "3", "Design IP", dir .. "/controls/fab-code.lua" }, { n, title, file })
  end)
end)
