-- Gap analysis (issue #13): requirement catalogs from rule files, CISO
-- Assistant and OSCAL (the external files in ../shared/external, which the
-- issue lets tests read), mapping sets, assessments, the questionnaire
-- round trip, ISO 9001 credit, results, readiness, and every bad input
-- refused with nothing stored.
local H = require "helper"
local isms = require "isms"
local catalog = require "isms.gap.catalog"

local EXT = "../shared/external/"
local CISO22 = EXT .. "ciso-assistant/iso27001-2022.yaml"
local CISO13 = EXT .. "ciso-assistant/iso27001-2013.yaml"
local CISO_MAP = EXT .. "ciso-assistant/mapping-iso27001-2013-to-iso27001-2022.yaml"
local OSCAL = EXT .. "oscal/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json"

local function have(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end

local function new_register()
  local path = H.tmp("gap.db")
  os.remove(path)
  return assert(isms.open(path)), path
end

local function dump(path)
  local p = io.popen("sqlite3 " .. H.shell_quote(path) .. " 'SELECT count(*) FROM requirements;"
    .. " SELECT count(*) FROM frameworks; SELECT * FROM answers ORDER BY 1, 2;"
    .. " SELECT count(*) FROM change_log'")
  local s = p:read("*a")
  p:close()
  return s
end

describe("requirement catalogs", function()
  it("ship ISO/IEC 27001:2013, :2022 and ISO 9001:2015 as checked trees", function()
    local c22 = assert(catalog.load("iso27001-2022"))
    assert.are.equal("6.1.2 c)", c22.by_ref["6.1.2 c) 1)"].parent)
    assert.are.equal(5, c22.by_ref["6.1.2 c) 1)"].depth)
    assert.is_true(c22.by_ref["6.1.2 c) 1)"].assessable)
    assert.is_false(c22.by_ref["6.1.2"].assessable)      -- a heading: it has sub-items
    assert.is_true(c22.by_ref["A.8.34"].assessable)      -- Annex A from the control catalog
    assert.is_false(c22.by_ref["A.8.34"].mandatory)
    assert.is_true(c22.by_ref["6.3"].mandatory)
    local c13 = assert(catalog.load("iso27001-2013"))
    assert.is_nil(c13.by_ref["6.3"])                     -- new in 2022
    assert.truthy(c13.by_ref["A.18.2.3"])
    local q = assert(catalog.load("iso9001-2015"))
    assert.truthy(q.by_ref["8.5"])
  end)

  it("hold every assessable node CISO Assistant lists, by the same ids", function()
    if not have(CISO22) then pending("no external CISO Assistant files") return end
    for _, pair in ipairs({ { "iso27001-2022", CISO22 }, { "iso27001-2013", CISO13 } }) do
      local ours = assert(catalog.load(pair[1]))
      local theirs = assert(catalog.load(pair[2]))
      local missing = {}
      for _, n in ipairs(theirs.nodes) do
        if n.assessable and not ours.by_ref[n.ref] then missing[#missing + 1] = n.ref end
      end
      assert.are.same({}, missing, pair[1])
    end
  end)

  it("read CISO Assistant frameworks: urns, parents, depth, implementation groups", function()
    if not have(CISO22) then pending("no external CISO Assistant files") return end
    local c = assert(catalog.load(CISO22))
    assert.are.equal("iso27001-2022", c.id)
    assert.are.equal(140, #c.nodes)
    local n = c.by_ref["6.1.2"]
    assert.are.equal("6.1", n.parent)
    assert.are.equal(4, n.depth)
    assert.are.equal("urn:intuitem:risk:req_node:iso27001-2022:6.1.2", n.urn)
    assert.are.same({ "Clauses" }, n.groups)
    local c13 = assert(catalog.load(CISO13))
    assert.are.equal(200, #c13.nodes)
  end)

  it("read OSCAL catalogs: families, controls, enhancements, parameters in the text", function()
    if not have(OSCAL) then pending("no external OSCAL file") return end
    local c = assert(catalog.load(OSCAL))
    local families, controls = 0, 0
    for _, n in ipairs(c.nodes) do
      if n.depth == 1 then families = families + 1 else controls = controls + 1 end
    end
    assert.are.equal(18, families)
    assert.is_true(controls >= 131)
    local ac1 = c.by_ref["AC-1"]
    assert.are.equal("ac", ac1.parent)
    assert.truthy(ac1.text:find("[Selection:", 1, true) or ac1.text:find("[Assignment:", 1, true),
                  ac1.text)
  end)

  it("refuse bad catalogs naming the file and the node, and store nothing", function()
    local reg, path = new_register()
    assert(reg:import_framework("iso27001-2022"))
    local before = dump(path)
    local cases = {
      { "dup.lua", 'requirement_catalog "x" { title = "X" }\nrequirement "1" { title = "a" }\n'
        .. 'requirement "1" { title = "b" }\n', "dup.lua:3: node '1': the id appears twice (first at line 2)" },
      { "orphan.lua", 'requirement_catalog "x" { title = "X" }\nrequirement "1.1" { parent = "1", title = "a" }\n',
        "orphan.lua:2: node '1.1': its parent '1' is not in the catalog" },
      { "cycle.lua", 'requirement_catalog "x" { title = "X" }\nrequirement "a" { parent = "b", title = "a" }\n'
        .. 'requirement "b" { parent = "a", title = "b" }\n', "its parents form a cycle: a -> b -> a" },
      { "bad.yaml", "objects:\n  framework: [unclosed\n", "not valid YAML" },
      { "bad.json", '{"catalog": {', "not valid JSON" },
      { "profile.json", '{"profile": {"imports": []}}', "an OSCAL profile that is not resolved" },
      { "noframework.yaml", "name: x\n", "without objects.framework" },
      { "ciso_orphan.yaml", "objects:\n  framework:\n    urn: urn:x:framework:f\n    requirement_nodes:\n"
        .. "    - urn: urn:x:n:1\n      ref_id: '1'\n      parent_urn: urn:x:n:0\n",
        "node '1': its parent urn:x:n:0 is not in the framework" },
      -- found by tests/fuzz/catalog_mutate.lua: a group that is not an id was a traceback
      { "ciso_groups.yaml", "objects:\n  framework:\n    urn: urn:x:framework:f\n    requirement_nodes:\n"
        .. "    - urn: urn:x:n:1\n      ref_id: '1'\n      implementation_groups: [IG1, {}]\n",
        "node '1': implementation_groups must be a list of group ids, got a nested list or mapping" },
      { "bytecode.lua", "\27LJ\2", "" },
    }
    for _, c in ipairs(cases) do
      local file = H.file(c[1], c[2])
      local ok, err = reg:import_framework(file)
      assert.is_nil(ok, c[1])
      assert.truthy(err:find(c[3], 1, true), c[1] .. ": " .. err)
      assert.are.equal(before, dump(path), c[1])
    end
    local saved = catalog.MAX_NODES
    catalog.MAX_NODES = 10
    local ok, err = reg:import_framework("iso9001-2015")
    catalog.MAX_NODES = saved
    assert.is_nil(ok)
    assert.truthy(err:find("at most 10 are accepted", 1, true), err)
    assert.are.equal(before, dump(path))
  end)
end)

describe("assessments", function()
  local reg, path, a
  before_each(function()
    reg, path = new_register()
    assert(reg:import_framework("iso27001-2022"))
    a = assert(reg:new_assessment({ framework = "iso27001-2022", assessed_on = "2026-12-01",
                                    assessor = "Auditor A", title = "Baseline" }))
  end)
  after_each(function() reg:close() end)

  it("record answers with history and roll them up by clause", function()
    assert(reg:answer(a, "4.1", { status = "Met", maturity = 3 }))
    assert(reg:answer(a, "4.2 a)", { status = "partially met", maturity = 2, effort = 3 }))
    assert(reg:answer(a, "A.5.1", { status = "not_applicable", justification = "no such thing" }))
    local res = assert(reg:gap_results(a))
    local four
    for _, s in ipairs(res.sections) do if s.id == "4" then four = s end end
    -- 4.1 met (1), 4.2 a) half, six more not assessed (0): 1.5 of 8
    assert.are.equal(8, four.counts.requirements)
    assert.are.equal(100 * 1.5 / 8, four.value)
    assert.are.equal(3, res.effort)
    local h = reg:records("answer"):history(a .. " / 4.1")
    assert.are.equal("create", h[1].action)
    -- N/A is not a gap; a not-assessed mandatory requirement comes before a control
    for _, g in ipairs(res.gaps) do assert.are_not.equal("A.5.1", g.ref) end
    assert.is_true(res.gaps[1].mandatory)
  end)

  it("refuse bad answers and write nothing", function()
    local before = dump(path)
    local cases = {
      { "9.9", { status = "met" }, "'9.9' is not a requirement of iso27001-2022" },
      { "6.1.2", { status = "met" }, "'6.1.2' is a heading" },
      { "4.1", { status = "done" }, "'done' is not a status of method default" },
      { "4.1", { status = "not_applicable" }, "justification: not_applicable needs a justification" },
      { "4.1", { status = "met", maturity = 9 }, "9 is not on the maturity scale 0-5" },
      { "4.1", { status = "met", due = "2026-13-01" }, "is not a date" },
    }
    for _, c in ipairs(cases) do
      local ok, err = reg:answer(a, c[1], c[2])
      assert.is_nil(ok)
      assert.truthy(err:find(c[3], 1, true), err)
    end
    assert.are.equal(before, dump(path))
  end)

  it("round-trip the questionnaire and refuse a bad one whole, with positions", function()
    local q = H.tmp("q.csv")
    assert.are.equal(207, assert(reg:export_questionnaire(a, q)))
    local text = H.read(q)
    assert.truthy(text:find("^requirement,title,status,maturity,target,justification,evidence,"))
    local filled = text:gsub("\n4%.1,([^\n]-),,", "\n4.1,%1,met,", 1)
    filled = filled:gsub("\nA%.5%.2,([^\n]-),,", "\nA.5.2,%1,Partially met,", 1)
    H.write(q, filled)
    local rep = assert(reg:import_questionnaire(a, q))
    assert.are.equal(2, rep.created)
    assert.are.equal("partially_met", reg:answers(a)["A.5.2"].status)
    local before = dump(path)
    local bad = H.file("bad-q.csv", "requirement,title,status,justification\n"
      .. "4.1,Know the organisation and its context,met,\n"
      .. "9.9,,met,\n"
      .. "4.3 a),,sort of,\n"
      .. "A.5.3,,not applicable,\n"
      .. "4.1,,met,\n")
    local ok, err = reg:import_questionnaire(a, bad)
    assert.is_nil(ok)
    assert.truthy(err:find(bad .. ":3:1: requirement: '9.9' is not a requirement", 1, true), err)
    assert.truthy(err:find(bad .. ":4:9: status: 'sort of' is not a status", 1, true), err)
    assert.truthy(err:find(bad .. ":5:23: justification: not_applicable needs a justification", 1, true), err)
    assert.truthy(err:find(bad .. ":6:1: requirement: '" .. a .. " / 4.1' is also on line 2", 1, true), err)
    assert.truthy(err:find("rejected; nothing was stored", 1, true))
    assert.are.equal(before, dump(path))
    local edited = H.file("edited.csv", "requirement,title,status\n4.1,Something else,met\n")
    ok, err = reg:import_questionnaire(a, edited)
    assert.is_nil(ok)
    assert.truthy(err:find(edited .. ":2:5: title: the title of 4.1 was edited", 1, true), err)
    assert.are.equal(before, dump(path))
  end)

  it("credit ISO 9001: the management system is mostly shared, the risk method is not", function()
    local rep = assert(reg:credit_9001(a, { certified = true }))
    local ans = reg:answers(a)
    assert.are.equal("met", ans["4.1"].status)
    assert.truthy(ans["4.1"].origin:find("credited from ISO 9001 certificate 4.1 (equal)", 1, true))
    assert.are.equal("partially_met", ans["4.2 c)"].status)  -- subset: 27001 asks for more
    assert.is_nil(ans["6.1.2 a) 1)"])
    assert.is_nil(ans["8.2"])
    assert.is_nil(ans["A.5.1"])
    -- roughly 90% of the sub-clauses (26 of 30: not 6.1.2, 6.1.3, 8.2, 8.3)
    assert.are.equal(30, rep.subclauses)
    assert.are.equal(26, rep.subclauses_credited)
    assert.is_true(rep.share > 0.75 and rep.share < 0.95, tostring(rep.share))
    -- an exception is not credited as met; a manual answer is kept
    local b = assert(reg:new_assessment({ framework = "iso27001-2022", assessed_on = "2026-12-02",
                                          assessor = "x" }))
    assert(reg:answer(b, "9.2.1 a)", { status = "not_met" }))
    assert(reg:credit_9001(b, { certified = true, except = { "9.2" } }))
    ans = reg:answers(b)
    assert.are.equal("not_met", ans["9.2.1 a)"].status)
    assert.are.equal("", ans["9.2.1 a)"].origin or "")
    assert.are.equal("not_met", ans["9.2.2 a)"].status)
    local _, err = reg:credit_9001(b, { certified = true, except = { "99.1" } })
    assert.truthy(err:find("'99.1' is not a requirement of iso9001-2015", 1, true))
  end)

  it("pre-fill 2022 from a 2013 assessment through the CISO Assistant mapping", function()
    if not have(CISO_MAP) then pending("no external CISO Assistant files") return end
    assert(reg:import_framework("iso27001-2013"))
    local rep = assert(reg:import_requirements(CISO_MAP))
    assert.are.equal(134, rep.pairs)
    local old = assert(reg:new_assessment({ framework = "iso27001-2013", assessed_on = "2025-06-01",
                                            assessor = "x" }))
    assert(reg:answer(old, "A.5.1.1", { status = "met", maturity = 4 }))
    assert(reg:answer(old, "A.5.1.2", { status = "met", maturity = 4 }))
    assert(reg:answer(old, "4.1", { status = "met", maturity = 4 }))
    local p = assert(reg:prefill(old, a))
    assert.are.equal(2, p.filled)
    -- 4.1 -> 4.1 is equal: the answer carries, maturity too
    local ans = reg:answers(a)["4.1"]
    assert.are.equal("met", ans.status)
    assert.are.equal(4, ans.maturity)
    -- A.5.1.1 and A.5.1.2 are each a subset of A.5.1: together only a partial credit
    ans = reg:answers(a)["A.5.1"]
    assert.are.equal("partially_met", ans.status)
    assert.truthy(ans.origin:find("mapped from iso27001-2013 " .. old .. " A.5.1.1 (subset), "
      .. "A.5.1.2 (subset)", 1, true), ans.origin)
    -- a mapping to ids the register lacks is refused
    local bad = H.file("badmap.lua", 'requirement_mapping "m" { from = "iso27001-2013", to = "iso27001-2022" }\n'
      .. 'maps "A.5.1.1" { to = "Z.9", relation = "equal" }\n')
    local ok, err = reg:import_requirements(bad)
    assert.is_nil(ok)
    assert.truthy(err:find("node 'Z.9': maps to 'Z.9', which is not a requirement of iso27001-2022", 1, true), err)
  end)

  it("compare two assessments and keep answers whose requirement a new version dropped", function()
    assert(reg:answer(a, "4.1", { status = "partially_met" }))
    assert(reg:answer(a, "6.3", { status = "met" }))
    local b = assert(reg:new_assessment({ framework = "iso27001-2022", assessed_on = "2026-12-05",
                                          assessor = "x" }))
    assert(reg:answer(b, "4.1", { status = "met" }))
    assert(reg:answer(b, "5.1 a)", { status = "met" }))
    local cmp = assert(reg:compare_assessments(a, b))
    assert.are.equal("4.1", cmp.improved[1].ref)
    assert.are.equal("5.1 a)", cmp.new[1].ref)
    assert.are.equal("6.3", cmp.dropped[1].ref)
    -- a new version of the catalog without 6.3: the answer stays, named
    local v2 = H.read(require("isms.rules").find("requirements", "iso27001-2022"))
      :gsub('requirement "6%.3"[^\n]*\n', "")
    local rep = assert(reg:import_framework(H.file("iso27001-2022.lua", v2)))
    assert.are.equal(1, rep.removed)
    assert.are.equal(a, rep.lost[1].assessment)
    assert.are.equal("6.3", rep.lost[1].requirement)
    assert.truthy(reg:answers(a)["6.3"])
  end)

  it("uses a method's own gap test and roll-up, run in the sandbox", function()
    local dir = H.tmp("gaprules")
    os.execute("mkdir -p " .. H.shell_quote(dir .. "/gap"))
    H.write(dir .. "/gap/strict.lua", [[
gap_method "strict" { title = "Only not met is a gap", rollup = function(list)
  local n = 0
  for _, a in ipairs(list) do if a.status == "met" then n = n + 1 end end
  return n
end, gap = function(a) return a.status == "not_met", "not met at all" end }
answer_status "not_assessed" { title = "Not assessed", score = 0, assessed = false }
answer_status "not_met" { title = "Not met", score = 0 }
answer_status "met" { title = "Met", score = 1 }
]])
    local b = assert(reg:new_assessment({ framework = "iso27001-2022", assessed_on = "2026-12-05",
                                          assessor = "x", method = dir .. "/gap/strict.lua" }))
    assert(reg:answer(b, "4.1", { status = "met" }))
    assert(reg:answer(b, "4.2 a)", { status = "not_met" }))
    local res = assert(reg:gap_results(b))
    assert.are.equal(1, #res.gaps)
    assert.are.equal("not met at all", res.gaps[1].reason)
    assert.are.equal(1, res.total.value)
  end)
end)

describe("readiness", function()
  it("fails with 'no records' until the records exist, and explains each criterion", function()
    local reg = new_register()
    local r = assert(reg:readiness({ today = "2026-12-07" }))
    assert.is_false(r.ready)
    for _, c in ipairs(r.criteria) do assert.are.equal("no records", c.state, c.id) end
    assert(reg:import_framework("iso27001-2022"))
    local a = assert(reg:new_assessment({ framework = "iso27001-2022", assessed_on = "2026-12-01",
                                          assessor = "x" }))
    assert(reg:answer(a, "4.1", { status = "met" }))
    r = assert(reg:readiness({ today = "2026-12-07" }))
    local c = r.criteria[1]
    assert.are.equal("fail", c.state)
    assert.truthy(c.detail:find("open mandatory gaps in " .. a, 1, true))
    assert.truthy(c.records[1]:find("4.2 a)", 1, true))
  end)

  it("is a command that exits 1 when not ready", function()
    local _, path = new_register()
    local out, _, code = H.run("--db", path, "readiness")
    assert.are.equal(1, code)
    assert.truthy(out:find("NOT READY", 1, true))
  end)
end)

describe("isms requirements and isms gap", function()
  it("import, list, assess, export and report from the command line", function()
    local _, path = new_register()
    local out, err, code = H.run("--db", path, "requirements", "import", "iso27001-2022")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("framework iso27001-2022: 247 requirements", 1, true))
    out, err, code = H.run("--db", path, "gap", "new", "--framework", "iso27001-2022",
                           "--assessor", "ciso", "--date", "2026-12-01")
    assert.are.equal(0, code, err)
    assert.are.equal("GA-001\n", out)
    _, err, code = H.run("--db", path, "gap", "answer", "GA-001", "4.1", "status=met", "maturity=3")
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", path, "gap", "answer", "GA-001", "4.1", "status=nope")
    assert.are.equal(3, code)
    assert.truthy(err:find("'nope' is not a status", 1, true))
    out, err, code = H.run("--db", path, "gap", "--json")
    assert.are.equal(0, code, err)
    local model = require("cjson").decode(out)
    assert.are.equal("summary", model.sections[1].id)
    local html = H.tmp("gap.html")
    _, err, code = H.run("--db", path, "gap", "report", "GA-001", "--format", "html", "--out", html)
    assert.are.equal(0, code, err)
    assert.truthy(H.read(html):find('<svg class="bar"', 1, true))
    _, err, code = H.run("--db", path, "requirements", "import", H.file("x.json", "{"))
    assert.are.equal(3, code)
    assert.truthy(err:find("not valid JSON", 1, true))
  end)
end)

describe("the first hour: mistyped commands and options", function()
  it("says what was probably meant", function()
    local _, err, code = H.run("reqirements", "list")
    assert.are.equal(2, code)
    assert.truthy(err:find("unknown command 'reqirements'; did you mean 'requirements'?", 1, true), err)
    local _, path = new_register()
    _, err, code = H.run("--db", path, "gap", "--tpo", "3")
    assert.are.equal(2, code)
    assert.truthy(err:find("unknown option --tpo; did you mean --top?", 1, true), err)
    _, err = H.run("frobnicate")
    assert.falsy(err:find("did you mean", 1, true))
  end)
end)

describe("scripts/gap_questionnaire.lua", function()
  it("reads a questionnaire CSV and writes the HTML report", function()
    local _, path = new_register()
    local csv = H.file("answers.csv", "requirement,status,maturity\n4.1,met,3\n4.2 a),Partially met,2\n")
    local html = H.tmp("q.html")
    local out, err, code = H.run("--db", path, "run", "scripts/gap_questionnaire.lua", "iso27001-2022", csv, html)
    assert.are.equal(0, code, err)
    assert.truthy(out:find("GA-001: 2 answers", 1, true), out)
    assert.truthy(H.read(html):find("Gaps in priority order", 1, true))
    local bad = H.file("bad-answers.csv", "requirement,status\n4.1,maybe\n")
    _, err, code = H.run("--db", path, "run", "scripts/gap_questionnaire.lua", "iso27001-2022", bad, html)
    assert.are.equal(3, code)
    assert.truthy(err:find(":2:5: status: 'maybe' is not a status", 1, true), err)
  end)
end)
