-- Roadmap workflows (lua/isms/roadmap/workflow.lua): the shipped files
-- load; every bad input is refused whole with file:line, the declaration
-- and the field; `extends` inherits and overrides steps.
local H = require "helper"
local roadmap = require "isms.roadmap"

local BASE = [[
roadmap "t" { title = "T" }
role "lead" { title = "Lead" }
phase "p1" { title = "P1" }
criterion "c1" { text = "assets on record", counts = { "assets" },
                 check = function(r) return r.count.assets > 0 end }
step "a" { phase = "p1", role = "lead", title = "A", duration = 5 }
step "b" { phase = "p1", role = "lead", title = "B", duration = { 2, 4 }, depends = { "a" } }
]]

local function load(text, name)
  local path = H.file(name or "t.lua", text)
  local wf, err, code = roadmap.load(path)
  return wf, err, code, path
end

-- The base with its step lines replaced by `steps`.
local function with_steps(steps)
  return BASE:gsub('step "a".*$', "") .. steps
end

local function refused(text, needle)
  local wf, err, code, path = load(text)
  assert.is_nil(wf, "expected a refusal: " .. needle)
  assert.are.equal("RULE", code)
  assert.truthy(err:find(path, 1, true), err)
  assert.truthy(err:find(needle, 1, true), "\nwant: " .. needle .. "\ngot:  " .. err)
  return err
end

describe("roadmap workflows", function()
  it("ships five workflows that load", function()
    local names = roadmap.list()
    for _, want in ipairs({ "certification", "internal-audit", "pre-implementation", "qism-24",
                            "risk-assessment" }) do
      local found = false
      for _, n in ipairs(names) do found = found or n == want end
      assert.is_true(found, want)
      local wf, err = roadmap.load(want)
      assert.truthy(wf, err)
    end
    local q = assert(roadmap.load("qism-24"))
    assert.are.equal(24, #q.steps)
    local phases = {}
    for k, p in ipairs(q.phases) do phases[k] = p.title end
    assert.are.same({ "Awareness", "Preparation", "Implementation", "Validation" }, phases)
    for i = 1, 24 do assert.truthy(q.by_id[tostring(i)], "step " .. i) end
    local ra = assert(roadmap.load("risk-assessment"))
    local ids = {}
    for k, s in ipairs(ra:reading_order()) do ids[k] = s.id end
    assert.are.same({ "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" }, ids)
    local ia = assert(roadmap.load("internal-audit"))
    assert.are.same({ "pre", "during", "post" }, { ia.phases[1].id, ia.phases[2].id, ia.phases[3].id })
    local pre = assert(roadmap.load("pre-implementation"))
    assert.is_true(pre.by_id["gap-analysis"].optional)
    local cert = assert(roadmap.load("certification"))
    assert.is_true(cert.by_id["pre-assessment"].optional)
    assert.are.equal(2, #cert.by_id.recertification.deadline)
  end)

  it("reads steps, roles, durations, dependencies with lag and criteria", function()
    local wf = assert(load(BASE .. [[
step "c" { phase = "p1", role = "lead", title = "C", duration = { 1, 2, 6 },
           depends = { "a", { "b", lag = 3 } }, evidence = { "minutes" }, exit = { "c1" },
           entry = { { "c1" } } }
]]))
    local c = wf.by_id.c
    assert.are.same({ lo = 1, mid = 2, hi = 6 }, c.duration)
    assert.are.same({ lo = 2, mid = 3, hi = 4 }, wf.by_id.b.duration)
    assert.are.equal(3, c.pred[2].lag)
    assert.are.equal("lead", c.role.id)
    assert.are.same({ "minutes" }, c.evidence)
    assert.are.equal("c1", c.exit[1].criterion.id)
    assert.are.same({ 1, 2, 3 }, wf.order)
  end)

  it("refuses an unknown role, naming the roles there are", function()
    refused(with_steps('step "a" { phase = "p1", role = "boss", title = "A", duration = 5 }\n'),
            ":6: step 'a': role: unknown role 'boss'; the roles are lead")
  end)

  it("refuses a dependency cycle, naming the loop", function()
    local err = refused(with_steps([[
step "a" { phase = "p1", role = "lead", title = "A", duration = 1, depends = { "c" } }
step "b" { phase = "p1", role = "lead", title = "B", duration = 1, depends = { "a" } }
step "c" { phase = "p1", role = "lead", title = "C", duration = 1, depends = { "b" } }
]]), ":6: step 'a': depends: dependency cycle: a waits for c, c waits for b, b waits for a")
    assert.is_nil(err:find("\n"))
    refused(with_steps('step "a" { phase = "p1", role = "lead", title = "A", duration = 1, '
                       .. 'depends = { "a" } }\n'),
            "step 'a': depends[1]: a step cannot wait for itself")
    -- A cycle through an `earliest` date counts too.
    refused(with_steps([[
step "a" { phase = "p1", role = "lead", title = "A", duration = 1, depends = { "b" } }
step "b" { phase = "p1", role = "lead", title = "B", duration = 1,
           earliest = { after = "a", months = 1 } }
]]), "dependency cycle: a waits for b, b waits for a")
  end)

  it("refuses an unknown step in depends", function()
    refused(with_steps([[
step "a" { phase = "p1", role = "lead", title = "A", duration = 1 }
step "b" { phase = "p1", role = "lead", title = "B", duration = 1, depends = { "a", "zz" } }
]]), ":7: step 'b': depends[2]: unknown step 'zz'")
    refused(with_steps([[
step "a" { phase = "p1", role = "lead", title = "A", duration = 1,
           deadline = { after = "nope", months = 12 } }
]]), "step 'a': deadline.after: unknown step 'nope'")
  end)

  it("refuses a duration that is not a duration", function()
    local cases = {
      { "-1", "duration: expected working days (a whole number from 0 to 100000) or a range "
              .. "{ low, high } of them, got -1" },
      { "2.5", "got 2.5" },
      { '"two weeks"', "got 'two weeks'" },
      { "{ 5, 2 }", "duration: a range runs low to high; got { 5, 2 }" },
      { "{ 1, 2, 3, 4 }", "got a table" },
      { '{ 1, "x" }', "got a table" },
      { "{ 2, 9, 4 }", "a range runs low to high; got { 2, 9, 4 }" },
      { "1e9", "got 1000000000" },
    }
    for _, c in ipairs(cases) do
      refused(with_steps(('step "a" { phase = "p1", role = "lead", title = "A", duration = %s }\n')
                         :format(c[1])), c[2])
    end
    refused(with_steps('step "a" { phase = "p1", role = "lead", title = "A" }\n'),
            "step 'a': duration: required: working days, e.g. 5")
    refused(with_steps([[
step "a" { phase = "p1", role = "lead", title = "A", duration = 1 }
step "b" { phase = "p1", role = "lead", title = "B", duration = 1, depends = { { "a", lag = -2 } } }
]]), "step 'b': depends[1].lag: expected working days, a whole number from 0 to 10000, got -2")
  end)

  it("refuses unknown criteria, counts, fields and words", function()
    refused(with_steps('step "a" { phase = "p1", role = "lead", title = "A", duration = 1, '
                       .. 'exit = { "c1", "nope" } }\n'),
            "step 'a': exit[2]: unknown criterion 'nope'; the criteria are c1")
    refused(BASE .. 'criterion "c2" { text = "x", counts = { "asets" }, check = function() '
                 .. 'return true end }\n', ":8: criterion 'c2': counts[1]: unknown count 'asets'")
    refused(BASE .. 'criterion "c2" { text = "x" }\n',
            "criterion 'c2': check: expected a function(r, ...) returning true or false")
    refused(BASE .. 'criterion "c2" { text = "x", check = function() return true end, '
                 .. 'sql = { n = 5 } }\n', "criterion 'c2': sql.n: expected a non-empty string")
    refused(with_steps('step "a" { phase = "p1", role = "lead", titel = "A", duration = 1 }\n'),
            "step 'a': titel: unknown field")
    refused(with_steps('step "a" { phase = "p9", role = "lead", title = "A", duration = 1 }\n'),
            "step 'a': phase: unknown phase 'p9'; the phases are p1")
    refused(BASE .. 'scale "C" { tiers = {} }\n', ":8: scale 'C': not a roadmap word")
    refused(BASE .. 'roadmap "u" { }\n', "a file declares one roadmap (first at line 1)")
    refused(BASE .. 'step "a" { phase = "p1", role = "lead", title = "A", duration = 1 }\n',
            ":8: step 'a': declared twice in this file (first at line 6)")
    refused('role "lead" { }\n', ":1: no roadmap declared")
    refused(BASE .. 'step "z" { phase = "p1", role = "lead", title = "Z", duration = 1, '
                 .. 'optional = "yes" }\n', "step 'z': optional: expected true or false")
  end)

  it("refuses a bytecode file and a file that does not parse", function()
    local bytes = string.dump(function() return 1 end)
    local path = H.file("bytecode.lua", bytes)
    local wf, err, code = roadmap.load(path)
    assert.is_nil(wf)
    assert.are.equal("RULE", code)
    assert.truthy(err:find("binary (precompiled) chunks are refused", 1, true), err)
    refused(BASE .. 'step "x" {\n', "unexpected symbol near '<eof>'")
  end)

  it("extends another workflow: inherits, changes the fields a step gives, removes", function()
    local parent = H.file("parent.lua", BASE .. [[
step "c" { phase = "p1", role = "lead", title = "C", duration = 1, depends = { "b" } }
]])
    local dir = parent:match("^(.*)/")
    local child_text = ([[
roadmap "child" { extends = "%s", title = "Child" }
role "auditor" { title = "Auditor" }
step "b" { duration = 10, role = "auditor" }
step "c" { remove = true }
step "d" { phase = "p1", role = "auditor", title = "D", duration = 2, depends = { "b" },
           exit = { "c1" } }
]]):format(parent:match("[^/]+$"))
    local child = H.write(dir .. "/child.lua", child_text)
    local wf = assert(roadmap.load(child))
    assert.are.equal("child", wf.name)
    assert.are.same({ "a", "b", "d" }, { wf.steps[1].id, wf.steps[2].id, wf.steps[3].id })
    assert.are.equal(10, wf.by_id.b.duration.mid)
    assert.are.equal("B", wf.by_id.b.title)                -- kept from the parent
    assert.are.same({ "a" }, { wf.by_id.b.depends[1].id })  -- kept from the parent
    assert.are.equal("auditor", wf.by_id.b.role.id)
    assert.are.equal(parent, wf.criteria.c1.file)           -- runs in the parent's file
    -- Removing a step others wait for leaves a dangling reference: named.
    H.write(dir .. "/child2.lua", ([[
roadmap "child2" { extends = "%s" }
step "b" { remove = true }
]]):format(parent:match("[^/]+$")))
    local _, err = roadmap.load(dir .. "/child2.lua")
    assert.truthy(err:find("step 'c': depends[1]: unknown step 'b'", 1, true), err)
    H.write(dir .. "/child3.lua", 'roadmap "c3" { extends = "nope.lua" }\n')
    _, err = roadmap.load(dir .. "/child3.lua")
    assert.truthy(err:find("extends: " .. dir .. "/nope.lua: no such rule file", 1, true), err)
    H.write(dir .. "/child4.lua", ([[
roadmap "c4" { extends = "%s" }
step "zz" { remove = true }
]]):format(parent:match("[^/]+$")))
    _, err = roadmap.load(dir .. "/child4.lua")
    assert.truthy(err:find(":2: step 'zz': remove: nothing inherited by that kind and name", 1,
                           true), err)
    H.write(dir .. "/loop.lua", 'roadmap "loop" { extends = "loop.lua" }\n')
    _, err = roadmap.load(dir .. "/loop.lua")
    assert.truthy(err:find("roadmap extends itself (a cycle)", 1, true), err)
  end)

  it("accepts the reserved word roadmap_step as step", function()
    local wf = assert(load(BASE .. 'roadmap_step "c" { phase = "p1", role = "lead", title = "C", '
                                 .. 'duration = 0, depends = { "b" } }\n'))
    assert.are.equal(0, wf.by_id.c.duration.hi)
  end)
end)
