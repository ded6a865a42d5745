-- The ISMS run per scope (issue #19: "the risk assessment, SoA and audits
-- run per scope"): the risks and the assessment of one scope's assets,
-- the scope's Statement of Applicability (the controls its risks select,
-- the organisation's exclusions and the scope's own, each justified), the
-- scope report, audits bound to a scope and the programme across scopes.
-- The general cases: nested scopes, an asset in two scopes, a scope with
-- no assets, a scope that leaves out a location and one that leaves out a
-- process; bad input refused whole with nothing written.
local H = require "helper"
local audit = require "isms.audit"
local view = require "isms.context.scope_view"
local scope_report = require "isms.context.scope_report"
local render = require("isms.report").render

-- Five assets: A-1 and A-2 at Site A, A-3 at Site B, A-4 in the Lab, A-5
-- remote. Scopes:
--   ORG   Site A, Site B and the Lab, leaving out Site B (being sold): A-1 A-2 A-4
--   SITE  Site A (nested in ORG), leaving out the software development
--         process (its controls, no assets): A-1 A-2
--   LAB   the asset A-4 and the party Design: A-1 A-3 A-4 (A-1 in three scopes)
--   EMPTY nothing
-- One risk per asset is rated; R1 (A-1) is treated with A.8.7, R2 (A-2)
-- and R3 (A-3) with A.8.28.
local function setup()
  local reg, path = H.register()
  assert(reg:import_assets(H.file("assets.csv", [[
id,name,type,owner,location,outsourced,c,i,a
A-1,Design database,information,Design,Site A,no,4,3,2
A-2,Build server,physical,IT,Site A,no,2,2,2
A-3,Archive,information,Design,Site B,no,2,2,2
A-4,Test bench,physical,Lab team,Lab,no,2,2,2
A-5,Home laptops,physical,Ops,Remote,no,2,2,2
]])))
  assert(reg:generate_risks("generic"))
  local R = {}
  for k = 1, 5 do
    local ref = reg:risks({ asset = "A-" .. k })[1].ref
    assert(reg:set_risk(ref, { ratings = { S = 8, O = 5, D = 6 } }))
    R[k] = ref
  end
  assert(reg:treat(R[1], { option = "modify", controls = { "A.8.7" }, residual = { S = 8, O = 2, D = 3 } }))
  assert(reg:treat(R[2], { option = "modify", controls = { "A.8.28" }, residual = { S = 8, O = 2, D = 3 } }))
  assert(reg:treat(R[3], { option = "modify", controls = { "A.8.28" }, residual = { S = 8, O = 2, D = 3 } }))
  assert(reg:put_soa({
    ["A.8.7"] = { applicable = true, reasons = { "risk" }, status = "implemented" },
    ["A.8.28"] = { applicable = true, reasons = { "risk" } },
    ["A.5.31"] = { applicable = true, reasons = { "legal" }, justification = "export control law" },
    ["A.8.25"] = { applicable = true, reasons = { "business" }, justification = "secure development policy" },
    ["A.7.4"] = { applicable = false, justification = "no premises to monitor" },
  }))
  local S, X = reg:records("scopes"), reg:records("scope-exclusions")
  assert(S:add({ id = "ORG", title = "The organisation", locations = "Site A; Site B; Lab" }))
  assert(X:add({ id = "X-ORG", scope = "ORG", boundary = "physical", what = "Site B",
                 justification = "being sold; leaves in January", locations = "Site B" }))
  assert(S:add({ id = "SITE", title = "Site A", locations = "Site A" }))
  assert(X:add({ id = "X-DEV", scope = "SITE", boundary = "organisational",
                 what = "Software development", controls = "A.8.25; A.8.28",
                 justification = "outsourced to a certified supplier (A.5.20)" }))
  assert(S:add({ id = "LAB", title = "The lab", assets = "A-4", parties = "Design" }))
  assert(S:add({ id = "EMPTY", title = "Nothing yet" }))
  return reg, path, R
end

local function assets_of(risks)
  local seen, out = {}, {}
  for _, r in ipairs(risks) do
    if not seen[r.asset] then seen[r.asset] = true; out[#out + 1] = r.asset end
  end
  table.sort(out)
  return table.concat(out, " ")
end

local function by_control(soa)
  local out = {}
  for _, e in ipairs(soa.entries) do out[e.control] = e end
  return out
end

local function dump(path)
  local p = io.popen("sqlite3 " .. H.shell_quote(path) .. " " .. H.shell_quote(
    "SELECT * FROM audits ORDER BY 1; SELECT * FROM audit_programme ORDER BY 1; "
    .. "SELECT * FROM record_links ORDER BY 1, 2, 3, 4; SELECT count(*) FROM change_log;"))
  local s = p:read("*a")
  p:close()
  return s
end

describe("the risk assessment per scope", function()
  local reg, path, R
  before_each(function() reg, path, R = setup() end)
  after_each(function() reg:close() end)

  it("takes the risks of the scope's assets: nested scopes, shared assets, none", function()
    local count = {}
    for k = 1, 5 do count[k] = #reg:risks({ asset = "A-" .. k }) end
    local org = assert(view.risks(reg, "ORG"))
    assert.are.equal("A-1 A-2 A-4", assets_of(org))   -- Site B left out
    assert.are.equal(count[1] + count[2] + count[4], #org)
    local site = assert(view.risks(reg, "SITE"))
    assert.are.equal("A-1 A-2", assets_of(site))      -- nested in ORG
    assert.are.equal("A-1 A-3 A-4", assets_of(assert(view.risks(reg, "LAB"))))
    assert.are.same({}, assert(view.risks(reg, "EMPTY")))
    local set, n = view.asset_set(reg, "SITE")
    assert.are.equal(2, n)
    assert.is_true(set["A-1"] and set["A-2"])
    local _, err, code = view.risks(reg, "NOPE")
    assert.are.equal("NOTFOUND", code)
    assert.truthy(err:find("no scope 'NOPE'", 1, true))
  end)

  it("isms assess and isms risks list --scope see the scope's risks only", function()
    local out, _, code = H.run("--db", path, "assess", "--scope", "SITE", "--top", "0")
    assert.are.equal(0, code)
    local nsite = #assert(view.risks(reg, "SITE"))
    assert.truthy(out:find(("of scope SITE: 2 assets, %d risks"):format(nsite), 1, true), out)
    -- the prioritised register of SITE: its two rated risks first, none of the others
    out = H.run("--db", path, "assess", "--scope", "SITE", "--format", "csv")
    assert.are.equal(nsite + 1, H.count(out, "\n"))
    assert.truthy(out:find(R[1], 1, true) and out:find(R[2], 1, true))
    assert.falsy(out:find(R[3], 1, true) or out:find(R[4], 1, true) or out:find(R[5], 1, true))
    out = H.run("--db", path, "risks", "list", "--scope", "LAB", "--top", "2", "--format", "csv")
    assert.truthy(out:find(R[1], 1, true) and out:find(R[3], 1, true), out)
    out = H.run("--db", path, "risks", "list", "--scope", "ORG", "--format", "csv")
    assert.are.equal(#assert(view.risks(reg, "ORG")) + 1, H.count(out, "\n"))
    assert.falsy(out:find("A-3/", 1, true) or out:find("A-5/", 1, true))
    -- a scope with no assets: an empty assessment, not an error
    out, _, code = H.run("--db", path, "assess", "--scope", "EMPTY")
    assert.are.equal(0, code)
    assert.truthy(out:find("of scope EMPTY: 0 assets, 0 risks", 1, true), out)
    local err
    _, err, code = H.run("--db", path, "assess", "--scope", "NOPE")
    assert.are_not.equal(0, code)
    assert.truthy(err:find("no scope 'NOPE' in the register", 1, true), err)
    _, err, code = H.run("--db", path, "risks", "score", "--scope", "SITE")
    assert.are.equal(2, code)
    assert.truthy(err:find("isms risks score: --scope does not apply to score", 1, true), err)
  end)
end)

describe("the Statement of Applicability per scope", function()
  local reg, path, R
  before_each(function() reg, path, R = setup() end)
  after_each(function() reg:close() end)

  it("selects the controls the scope's risks need and justifies every exclusion", function()
    local org = by_control(assert(view.soa(reg, "ORG")))
    assert.is_true(org["A.8.7"].applicable)
    assert.are.same({ "risk" }, org["A.8.7"].reasons)
    assert.are.same({ R[1] }, org["A.8.7"].linked)
    assert.are.equal("implemented", org["A.8.7"].status)
    -- R3 is at Site B, which ORG leaves out: only R2 selects A.8.28 in ORG
    assert.are.equal(1, org["A.8.28"].risks)
    assert.are.same({ R[2] }, org["A.8.28"].linked)
    -- legal and business reasons hold whatever the scope's risks
    assert.are.same({ "legal" }, org["A.5.31"].reasons)
    assert.is_true(org["A.8.25"].applicable)
    -- the organisation's exclusion, with its justification
    assert.is_false(org["A.7.4"].applicable)
    assert.are.equal("no premises to monitor", org["A.7.4"].justification)
    -- undecided stays undecided
    assert.is_nil(org["A.5.1"].applicable)
    assert.are.same({}, assert(view.soa(reg, "ORG")).problems)
  end)

  it("a process left out of a scope takes its controls with it, and a risk still using one is a problem", function()
    local soa = assert(view.soa(reg, "SITE"))
    local e = by_control(soa)
    assert.is_false(e["A.8.25"].applicable)
    assert.are.same({ "X-DEV" }, e["A.8.25"].excluded_by)
    assert.truthy(e["A.8.25"].justification:find("Software development (X-DEV): outsourced to a "
      .. "certified supplier (A.5.20)", 1, true), e["A.8.25"].justification)
    assert.is_false(e["A.8.28"].applicable)
    assert.are.same({ ("A.8.28 is excluded from scope SITE by X-DEV but selected by the treatment "
      .. "of 1 risk(s) of the scope (%s)"):format(R[2]) }, soa.problems)
    assert.is_true(e["A.8.7"].applicable)
    assert.are.equal(2, soa.assets)
    assert.are.equal(1, #soa.exclusions)
    -- the other scopes are not touched by SITE's exclusion
    assert.is_true(by_control(assert(view.soa(reg, "LAB")))["A.8.28"].applicable)
    local out, _, code = H.run("--db", path, "soa", "check", "--scope", "SITE")
    assert.are.equal(3, code)
    assert.truthy(out:find("1 problem(s) in the SoA of scope SITE", 1, true), out)
    _, _, code = H.run("--db", path, "soa", "check", "--scope", "ORG")
    assert.are.equal(0, code)
  end)

  it("in a scope with no assets, a control applicable for risk alone is not applicable", function()
    local soa = assert(view.soa(reg, "EMPTY"))
    local e = by_control(soa)
    assert.are.equal(0, soa.assets)
    assert.is_false(e["A.8.7"].applicable)
    assert.truthy(e["A.8.7"].justification:find("no risk of scope EMPTY calls for it", 1, true))
    assert.is_true(e["A.5.31"].applicable)
    assert.are.same({}, soa.problems)
  end)

  it("a risk of the scope selecting an excluded or undecided control is a problem of that scope", function()
    assert(reg:set_soa("A.8.7", { applicable = false, justification = "not needed" }))
    assert(reg:treat(R[4], { option = "modify", controls = { "A.8.9" }, residual = { S = 8, O = 2, D = 3 } }))
    local p = assert(view.soa(reg, "LAB")).problems
    assert.are.same({
      ("A.8.7 is excluded but selected by the treatment of 1 risk(s) of scope LAB (%s)"):format(R[1]),
      ("A.8.9 is selected by the treatment of 1 risk(s) of scope LAB (%s) but has no SoA entry")
        :format(R[4]),
    }, p)
    -- A-4 is not in SITE: its undecided control is no problem there
    for _, text in ipairs(assert(view.soa(reg, "SITE")).problems) do
      assert.falsy(text:find("A.8.9", 1, true), text)
    end
  end)

  it("isms soa show --scope renders the scope's SoA in every format; --scope elsewhere is refused", function()
    local out, err, code = H.run("--db", path, "soa", "show", "--scope", "SITE", "--format", "json")
    assert.are.equal(0, code, err)
    local doc = require("cjson").decode(out)
    local ids = {}
    for _, s in ipairs(doc.sections) do ids[#ids + 1] = s.id end
    assert.are.same({ "soa-summary", "scope-exclusions", "soa" }, ids)
    out = H.run("--db", path, "soa", "--scope", "SITE", "--format", "markdown")
    assert.truthy(out:find("Software development", 1, true), out)
    assert.truthy(out:find("outsourced to a certified supplier", 1, true))
    local model = assert(view.soa_model(reg, "SITE", { today = "2026-12-01" }))
    assert.truthy(render(model, "html"):find("X-DEV", 1, true))
    out, err, code = H.run("--db", path, "soa", "issue", "--scope", "SITE", "--approved-by", "MD")
    assert.are.equal("", out)
    assert.are.equal(2, code)
    assert.truthy(err:find("isms soa issue: --scope does not apply to issue (it takes "
                           .. "--approved-by, --note, --today, --reason)", 1, true), err)
    out, err, code = H.run("--db", path, "soa", "show", "--scope", "NOPE")
    assert.are.equal("", out)
    assert.are_not.equal(0, code)
    assert.truthy(err:find("no scope 'NOPE'", 1, true), err)
  end)

  it("an exclusion naming a control no catalog has is refused, writing nothing", function()
    local before = dump(path)
    local ok, err, code = reg:records("scope-exclusions"):add({ scope = "SITE", what = "x",
      justification = "y", controls = "A.8.25; Z.9" })
    assert.is_nil(ok)
    assert.are.equal("INPUT", code)
    assert.truthy(err:find("controls: no control 'Z.9'", 1, true), err)
    assert.are.equal(before, dump(path))
  end)
end)

describe("audits per scope", function()
  local reg, path
  local areas, audits
  before_each(function()
    reg, path = setup()
    areas, audits = reg:records("audit_area"), reg:records("audit")
    assert(areas:add({ id = "AP-DEV", title = "Development", controls = "A.8.28",
                       frequency_months = 12, scopes = "SITE" }))
  end)
  after_each(function() reg:close() end)

  it("refuses an audit of a scope its area is not audited in, or of assets outside its scope", function()
    local before = dump(path)
    local cases = {
      { { title = "x", isms_scope = "ORG", programme = "AP-DEV" },
        "isms_scope: programme area AP-DEV is audited in SITE, not in ORG" },
      { { title = "x", isms_scope = "SITE", assets = "A-1; A-3" },
        "assets: asset A-3 is not in scope SITE" },
      { { title = "x", isms_scope = "NOPE" }, "isms_scope: no scope 'NOPE'" },
    }
    for _, c in ipairs(cases) do
      local ok, err, code = audits:add(c[1])
      assert.is_nil(ok)
      assert.are.equal("INPUT", code)
      assert.truthy(err:find(c[2], 1, true), err)
    end
    local csv = H.file("audits.csv", "id,title,isms_scope,programme\nAUD-1,ok,SITE,AP-DEV\n"
      .. "AUD-2,bad,LAB,AP-DEV\n")
    local ok, err = audits:import(csv)
    assert.is_nil(ok)
    assert.truthy(err:find(":3:", 1, true) and err:find("audited in SITE, not in LAB", 1, true), err)
    assert.are.equal(before, dump(path))
    -- the same audit of the right scope is taken
    assert(audits:add({ id = "AUD-1", title = "ok", isms_scope = "SITE", programme = "AP-DEV",
                        assets = "A-1; A-2" }))
    -- the scope changes after the audit: later edits of the audit go on,
    -- and its check reports what no longer fits
    assert(reg:records("scope-exclusions"):add({ scope = "SITE", what = "the build server",
      justification = "moved to the cloud", assets = "A-2" }))
    assert(audits:set("AUD-1", { status = "in_progress" }))
    local problems = audits:check()
    assert.are.equal(1, #problems)
    assert.are.equal("AUD-1", problems[1].id)
    assert.truthy(problems[1].problem:find("asset A-2 is not in scope SITE", 1, true))
    -- changing its assets is checked again
    ok, err = audits:set("AUD-1", { assets = "A-2" })
    assert.is_nil(ok)
    assert.truthy(err:find("asset A-2 is not in scope SITE", 1, true), err)
  end)

  it("the programme covers every scope: per scope, weighed by the scope's risks", function()
    -- only SITE is covered
    local cov = audit.coverage(reg, { today = "2027-01-01" })
    assert.are.same({ "EMPTY", "LAB", "ORG" }, cov.uncovered)
    local problems = areas:check()
    local text = {}
    for _, p in ipairs(problems) do text[#text + 1] = p.problem end
    table.sort(text)
    assert.are.same({ "no area of the audit programme covers scope EMPTY",
                      "no area of the audit programme covers scope LAB",
                      "no area of the audit programme covers scope ORG" }, text)
    local _, _, code = H.run("--db", path, "audits", "coverage", "--today", "2027-01-01")
    assert.are.equal(1, code)
    -- A.8.28 treats R2 and R3; in SITE only R2
    local all = audit.programme(reg, { today = "2027-01-01" })
    assert.are.equal(2, all[1].risks)
    local site = assert(audit.programme(reg, { today = "2027-01-01", scope = "SITE" }))
    assert.are.equal(1, site[1].risks)
    assert.are.same({}, assert(audit.programme(reg, { today = "2027-01-01", scope = "ORG" })))
    -- an area with no scopes is audited in every scope
    assert(areas:add({ id = "AP-ALL", title = "Management system", frequency_months = 12 }))
    assert.are.same({}, audit.coverage(reg, { today = "2027-01-01" }).uncovered)
    assert.are.same({}, areas:check())
    local out
    out, _, code = H.run("--db", path, "audits", "coverage", "--today", "2027-01-01")
    assert.are.equal(0, code)
    assert.truthy(out:find("EMPTY", 1, true), out)
    -- last audits count per scope; one of every scope counts for each
    assert(audits:add({ id = "AUD-S", title = "site", isms_scope = "SITE", programme = "AP-ALL",
      start_date = "2026-06-01", end_date = "2026-06-02", status = "reported" }))
    local function last(scope, id)
      for _, a in ipairs(assert(audit.programme(reg, { today = "2027-01-01", scope = scope }))) do
        if a.id == id then return a.last or "none" end
      end
    end
    assert.are.equal("2026-06-02", last("SITE", "AP-ALL"))
    assert.are.equal("none", last("ORG", "AP-ALL"))
    assert(audits:add({ id = "AUD-O", title = "everything", programme = "AP-ALL",
      start_date = "2026-09-01", end_date = "2026-09-03", status = "reported" }))
    assert.are.equal("2026-09-03", last("ORG", "AP-ALL"))
    assert.are.equal("2026-09-03", last("SITE", "AP-ALL"))
    out, _, code = H.run("--db", path, "audits", "programme", "--scope", "ORG", "--today", "2027-01-01")
    assert.are.equal(0, code)
    assert.truthy(out:find("AP-ALL", 1, true) and not out:find("AP-DEV", 1, true), out)
    out = H.run("--db", path, "audits", "list", "--isms-scope", "SITE")
    assert.truthy(out:find("AUD-S", 1, true) and not out:find("AUD-O", 1, true), out)
    assert.are.same({ "AUD-S", "AUD-O" }, (function()
      local ids = {}
      for k, a in ipairs(audit.of_scope(reg, "SITE")) do ids[k] = a.id end
      return ids
    end)())
  end)

  it("an audit of one scope checks the controls applicable in that scope's SoA", function()
    assert(audits:add({ id = "AUD-1", title = "site", isms_scope = "SITE" }))
    local ck = assert(audit.checklist(reg, "AUD-1"))
    local refs = {}
    for _, it in ipairs(ck.items) do refs[#refs + 1] = it.ref end
    table.sort(refs)
    assert.are.same({ "A.5.31", "A.8.7" }, refs)   -- not A.8.25, A.8.28: left out with development
    assert.truthy(ck.items[1].soa:find("applicable in SITE", 1, true), ck.items[1].soa)
    -- an audit of every scope reads the organisation's SoA
    assert(audits:add({ id = "AUD-2", title = "all" }))
    assert.are.equal(4, #assert(audit.checklist(reg, "AUD-2")).items)
    local model = assert(audit.report_model(reg, "AUD-1", { today = "2027-01-01" }))
    assert.truthy(render(model, "markdown"):find("ISMS scope", 1, true))
  end)
end)

describe("the report of one scope", function()
  local reg, path, R
  before_each(function() reg, path, R = setup() end)
  after_each(function() reg:close() end)

  it("holds the scope, its assessment, its SoA and its audits", function()
    assert(reg:records("audit_area"):add({ id = "AP-ALL", title = "Management system",
                                           frequency_months = 12 }))
    assert(reg:records("audit"):add({ id = "AUD-S", title = "site", isms_scope = "SITE" }))
    assert(reg:records("audit"):add({ id = "AUD-L", title = "lab", isms_scope = "LAB" }))
    local model = assert(scope_report.model(reg, "SITE", { today = "2027-01-01",
                                                            programme = audit.programme }))
    local ids, by = {}, {}
    for _, s in ipairs(model.sections) do ids[#ids + 1] = s.id; by[s.id] = s end
    assert.are.same({ "summary", "assessment", "risks", "soa-summary", "scope-exclusions", "soa",
                      "programme", "audits" }, ids)
    assert.are.equal(#assert(view.risks(reg, "SITE")), by.risks.total)
    assert.are.equal(R[1], by.risks.rows[1].ref == R[1] and R[1] or by.risks.rows[2].ref)
    assert.are.equal(1, #by.audits.rows)
    assert.are.equal("AUD-S", by.audits.rows[1].id)
    assert.are.equal(1, #by.soa.problems)
    for _, fmt in ipairs({ "table", "markdown", "html", "json", "csv" }) do
      assert.truthy(#render(model, fmt) > 0)
    end
    -- an empty scope reports empty sections, not an error
    local empty = assert(scope_report.model(reg, "EMPTY", { today = "2027-01-01" }))
    assert.are.equal("assessment", empty.sections[2].id)
    assert.are.equal(0, empty.sections[3].total)
    local out, err, code = H.run("--db", path, "report", "--scope", "SITE", "--format", "markdown")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("ISMS scope report: Site A", 1, true), out)
    assert.truthy(out:find("Audits of the scope", 1, true))
    out, err, code = H.run("--db", path, "report", "--scope", "NOPE")
    assert.are.equal("", out)
    assert.are_not.equal(0, code)
    assert.truthy(err:find("no scope 'NOPE'", 1, true), err)
  end)
end)

describe("scope approvals made before exclusions named controls", function()
  it("still match the scope as it is", function()
    local reg = H.register()
    assert(reg:import_assets(H.file("a.csv", H.GOOD)))
    assert(reg:records("people"):add({ id = "P-1", name = "Mei Lin", joined = "2015-01-01" }))
    assert(reg:records("role-assignments"):add({ person = "P-1", role = "top-management",
                                                 held_from = "2020-01-01" }))
    assert(reg:records("scopes"):add({ id = "HQ", title = "HQ", locations = "Office" }))
    assert(reg:records("scope-exclusions"):add({ id = "X-1", scope = "HQ", what = "printers",
      justification = "leased", assets = "AST-2" }))
    -- the content an approval of the old kit kept: the exclusion without `controls`
    local x = reg:records("scope-exclusions"):get("X-1")
    x.controls = nil
    local old = require("isms.rules").serialize({ scope = reg:records("scopes"):get("HQ"),
                                                  exclusions = { x } })
    assert(reg:records("scope-versions"):add({ scope = "HQ", version = 1, approved_by = "P-1",
                                               approved_on = "2026-01-05", content = old }))
    assert.is_false(require("isms.context").scope_status(reg, "HQ").changed)
    -- naming a control is a change of the scope
    assert(reg:records("scope-exclusions"):set("X-1", { controls = "A.7.9" }))
    assert.is_true(require("isms.context").scope_status(reg, "HQ").changed)
    reg:close()
  end)
end)
