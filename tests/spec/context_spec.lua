-- Context, scope, objectives, business case and communication (clauses
-- 4, 5, 6.2, 7.4): the registers' own rules and bad inputs (refused
-- whole, nothing written), assets outside every scope, scope versions and
-- approval, objective status from metrics, the communication schedule,
-- the business case in Markdown and HTML, and the action tracker.
local H = require "helper"
local isms = require "isms"
local context = require "isms.context"
local people = require "isms.people"
local render = require("isms.report").render

local TABLES = { "interested_parties", "context_issues", "obligations", "scopes",
                 "scope_exclusions", "scope_versions", "business_cases", "objectives",
                 "communications", "communications_sent", "record_links" }

local function dump(path)
  local sql = {}
  for _, t in ipairs(TABLES) do sql[#sql + 1] = "SELECT * FROM " .. t .. " ORDER BY 1, 2;" end
  sql[#sql + 1] = "SELECT count(*) FROM change_log; SELECT count(*) FROM change_batches;"
  local p = io.popen("sqlite3 " .. H.shell_quote(path) .. " " .. H.shell_quote(table.concat(sql, " ")))
  local s = p:read("*a")
  p:close()
  return s
end

-- AST-1 Server room / Head of Design, AST-2 Office / IT Manager,
-- AST-3 Hsinchu / Operations (H.GOOD), plus AST-4 Office / Operations.
local function new_register()
  local reg, path = H.register()
  assert(reg:import_assets(H.file("a.csv", H.GOOD
    .. "AST-4,Printer,physical,Operations,,Office,no,,no,1,1,1,1,\n")))
  assert(reg:records("people"):add({ id = "P-1", name = "Mei Lin", joined = "2015-01-01" }))
  assert(reg:records("people"):add({ id = "P-2", name = "Raj Kumar", joined = "2015-01-01" }))
  assert(reg:records("role-assignments"):add({ person = "P-1", role = "top-management",
                                               held_from = "2020-01-01" }))
  return reg, path
end

local function ids(list)
  local out = {}
  for k, a in ipairs(list) do out[k] = a.id end
  return table.concat(out, " ")
end

describe("scopes", function()
  local reg, path
  before_each(function() reg, path = new_register() end)
  after_each(function() reg:close() end)

  it("takes assets in by location, party and id, and reports those outside every scope", function()
    local S = reg:records("scopes")
    assert(S:add({ id = "HQ", title = "HQ", locations = "Server room; Office" }))
    local r = context.scope.out_of_scope(reg)
    assert.are.equal(4, r.total)
    assert.are.equal(1, r.count)
    assert.are.equal("AST-3", ids(r.assets))
    assert.are.equal("Hsinchu", r.assets[1].location)
    -- an exclusion leaves out a party within the scope's locations
    assert(reg:records("scope-exclusions"):add({ id = "X-1", scope = "HQ", boundary = "organisational",
      what = "Operations' own kit", justification = "run under the foundry's ISMS",
      parties = "Operations" }))
    assert.are.equal("AST-3 AST-4", ids(context.scope.out_of_scope(reg).assets))
    -- a second scope takes Operations in by party, and by id AST-1 which...
    assert(S:add({ id = "OPS", title = "Operations", parties = "Operations" }))
    assert.are.equal(0, context.scope.out_of_scope(reg).count)
    -- ... an exclusion of HQ leaves out by id: still in, through no other scope
    assert(reg:records("scope-exclusions"):add({ scope = "HQ", what = "the golden copy",
      justification = "held in escrow", assets = "AST-1" }))
    r = context.scope.out_of_scope(reg)
    assert.are.equal("AST-1", ids(r.assets))
    assert.are.equal(1, r.count)
    assert(S:set("OPS", { assets = "AST-1" }))
    assert.are.equal(0, context.scope.out_of_scope(reg).count)
    -- members of one scope, and membership of one asset
    local m = context.scope.members(reg, "HQ")
    assert.are.equal("AST-2", ids(m.assets))
    assert.is_true(context.scope.contains(reg, "AST-1", "OPS"))
    assert.is_false(context.scope.contains(reg, "AST-1", "HQ"))
    assert.is_true(context.scope.contains(reg, "AST-1"))
    local _, err, code = context.scope.members(reg, "NOPE")
    assert.are.equal("NOTFOUND", code)
    assert.truthy(err:find("no scope 'NOPE'", 1, true))
  end)

  it("counts and lists the same way with limits, and with no scope every asset is outside", function()
    local r = context.scope.out_of_scope(reg, { limit = 2 })
    assert.are.equal(4, r.count)
    assert.are.equal("AST-1 AST-2", ids(r.assets))
    assert(reg:records("scopes"):add({ id = "EMPTY", title = "nothing yet" }))
    assert.are.equal(4, context.scope.out_of_scope(reg, { limit = 0 }).count)
  end)

  it("refuses exclusions without a justification and links to nothing, writing nothing", function()
    assert(reg:records("scopes"):add({ id = "HQ", title = "HQ", locations = "Office" }))
    local before = dump(path)
    local X = reg:records("scope-exclusions")
    local cases = {
      { { scope = "HQ", what = "the lab" }, "justification: required" },
      { { scope = "HQ", what = "the lab", justification = "  " }, "justification: required" },
      { { scope = "NOPE", what = "x", justification = "y" }, "scope: no scope 'NOPE'" },
      { { scope = "HQ", what = "x", justification = "y", locations = "Mars" },
        "locations: no location 'Mars' in the register" },
      { { scope = "HQ", what = "x", justification = "y", assets = "AST-9" },
        "assets: no asset 'AST-9' in the register" },
      { { scope = "HQ", what = "x", justification = "y", boundary = "legal" },
        "boundary: 'legal' is not one of organisational, ict, physical, other" },
    }
    for _, c in ipairs(cases) do
      local ok, err, code = X:add(c[1])
      assert.is_nil(ok)
      assert.are.equal("INPUT", code)
      assert.truthy(err:find(c[2], 1, true), err)
    end
    local _, err = reg:records("scopes"):add({ title = "x", parties = "Nobody" })
    assert.truthy(err:find("parties: no party 'Nobody' in the register", 1, true), err)
    local csv = H.file("x.csv", "scope,what,justification,locations,colour\n"
      .. "HQ,lab,,Office,red\n")
    local ok
    ok, err = X:import(csv)
    assert.is_nil(ok)
    assert.truthy(err:find(csv .. ":1:36: header: unknown column 'colour'", 1, true), err)
    csv = H.file("x2.csv", "scope,what,justification,locations\nHQ,lab,,Office\nHQX,lab,why,Office\n")
    ok, err = X:import(csv)
    assert.is_nil(ok)
    assert.truthy(err:find(csv .. ":2:8: justification: required", 1, true), err)
    assert.truthy(err:find(csv .. ":3:1: scope: no scope 'HQX' in the register", 1, true), err)
    assert.are.equal(before, dump(path))
  end)

  it("keeps approved versions, refuses approvers without the role, and sees changes", function()
    local S = reg:records("scopes")
    assert(S:add({ id = "HQ", title = "HQ", statement = "ISMS for IC design at HQ",
                   locations = "Office" }))
    assert.are.same({}, context.scope_status(reg, "HQ"))
    local before = dump(path)
    local ok, err = context.approve_scope(reg, "HQ", { by = "P-2", on = "2026-02-01" })
    assert.is_nil(ok)
    assert.truthy(err:find("approved_by: P-2 holds no role that approves scope on 2026-02-01 "
                           .. "(top-management)", 1, true), err)
    ok, err = context.approve_scope(reg, "HQ", { by = "P-1", on = "2026-02-30" })
    assert.is_nil(ok)
    assert.truthy(err:find("approved_on: '2026-02-30' is not a date", 1, true), err)
    ok, err = context.approve_scope(reg, "NOPE", { by = "P-1" })
    assert.is_nil(ok)
    assert.truthy(err:find("no scope 'NOPE'", 1, true), err)
    assert.are.equal(before, dump(path))
    local rep = assert(context.approve_scope(reg, "HQ", { by = "P-1", on = "2026-02-01",
                                                          note = "first issue" }))
    assert.are.equal(1, rep.version)
    local st = context.scope_status(reg, "HQ")
    assert.are.equal(1, st.version)
    assert.is_false(st.changed)
    ok, err = context.approve_scope(reg, "HQ", { by = "P-1", on = "2026-02-02" })
    assert.is_nil(ok)
    assert.truthy(err:find("nothing new to approve", 1, true), err)
    assert.are.equal(0, #S:check())
    assert(reg:records("scope-exclusions"):add({ scope = "HQ", what = "printers",
      justification = "no information kept", assets = "AST-4" }))
    assert.is_true(context.scope_status(reg, "HQ").changed)
    local problems = S:check()
    assert.are.equal(1, #problems)
    assert.truthy(problems[1].problem:find("changed since version 1 was approved on 2026-02-01",
                                           1, true))
    assert.are.equal(2, assert(context.approve_scope(reg, "HQ", { by = "P-1",
                                                                  on = "2026-03-01" })).version)
    local versions = reg:records("scope-versions"):list({ scope = "HQ" })
    assert.are.equal(2, #versions)
    assert.are.equal("first issue", versions[1].note)
  end)

  it("answers from the command line: check, assets, approve, status", function()
    assert(reg:records("scopes"):add({ id = "HQ", title = "HQ", statement = "ISMS for HQ",
                                      locations = "Office; Server room" }))
    reg:close()
    local out, err, code = H.run("--db", path, "scopes", "check")
    assert.are.equal(1, code, err)
    assert.truthy(out:find("HQ%s+version%s+not approved by top management"), out)
    assert.truthy(out:find("1 of 4 assets are outside every scope (1 scopes)", 1, true), out)
    assert.truthy(out:find("AST-3", 1, true), out)
    out = H.run("--db", path, "scopes", "check", "--json")
    local r = require("cjson").decode(out)
    assert.are.equal(1, r.outside)
    assert.are.equal("AST-3", r.assets[1].id)
    out, err, code = H.run("--db", path, "scopes", "approve", "HQ", "--by", "P-1", "--on",
                           "2026-02-01", "--reason", "management meeting 3")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("HQ: version 1 approved", 1, true), out)
    out = H.run("--db", path, "scopes", "status")
    assert.truthy(out:find("as approved", 1, true), out)
    out = H.run("--db", path, "scopes", "assets", "HQ")
    assert.truthy(out:find("HQ takes in 3 assets", 1, true), out)
    out = H.run("--db", path, "scopes", "statement", "HQ")
    assert.are.equal("ISMS for HQ at Office, Server room. This is in accordance with Statement of "
      .. "Applicability revision [number] dated [date].\n", out)
    H.run("--db", path, "scopes", "set", "HQ", "soa_revision=2")
    out = H.run("--db", path, "scopes", "statement", "HQ")
    assert.truthy(out:find("Statement of Applicability revision 2.", 1, true), out)
    out, err, code = H.run("--db", path, "scopes", "approve", "HQ")
    assert.are.equal("", out)
    assert.are.equal(2, code)
    assert.truthy(err:find("usage: isms scopes approve ID --by PERSON", 1, true), err)
    reg = assert(isms.open(path))
  end)
end)

describe("context registers", function()
  local reg, path
  before_each(function() reg, path = new_register() end)
  after_each(function() reg:close() end)

  it("keeps interested parties and issues, and their reviews join the action tracker", function()
    assert(reg:records("interested-parties"):add({ name = "Foundry customers", category = "customer",
      requirements = "NDA on every tape-out", review_on = "2026-09-01", owner = "Sales" }))
    assert(reg:records("context-issues"):add({ title = "New export-control rules", side = "external",
      category = "legal", effect = "more assets under contract", review_on = "2026-05-01" }))
    local p = reg:records("interested-parties"):check()
    assert.are.equal(1, #p)
    assert.are.equal("how_met", p[1].field)
    local due = isms.actions.list(reg, { source = "context-reviews", today = "2026-06-01",
                                         overdue = true })
    assert.are.equal(1, #due)
    assert.are.equal("ISS-001", due[1].id)
    assert.are.equal("review issue: New export-control rules", due[1].title)
    local before = dump(path)
    local _, err = reg:records("context-issues"):add({ title = "x", side = "sideways" })
    assert.truthy(err:find("side: 'sideways' is not one of internal, external", 1, true), err)
    _, err = reg:records("context-issues"):add({ title = "x" })
    assert.truthy(err:find("side: required", 1, true), err)
    _, err = reg:records("interested-parties"):add({ name = "x", review_on = "31.12.2026" })
    assert.truthy(err:find("review_on: '31.12.2026' is not a date", 1, true), err)
    assert.are.equal(before, dump(path))
  end)

  it("points a risk's obligation flags at the obligation records", function()
    assert(reg:put_risks({ { ref = "R-1", asset = "AST-1", threat = "T-FIRE",
                             obligations = { legal = true, contractual = true } } }))
    local O = reg:records("obligations")
    assert(O:add({ id = "OBL-NDA", title = "Keep foundry data confidential", type = "contractual",
                   source = "Foundry NDA 2025", clause = "4.2", assets = "AST-1",
                   controls = "A.5.14" }))
    local found = assert(context.risk_obligations(reg, "R-1"))
    assert.are.same({ "OBL-NDA" }, found.contractual)
    assert.are.same({}, found.legal)
    assert.is_nil(found.regulatory)
    local problems = O:check()
    assert.are.equal(1, #problems)
    assert.are.equal("R-1", problems[1].id)
    assert.truthy(problems[1].problem:find("flagged legal, but no legal obligation touches its "
                                           .. "asset AST-1", 1, true), problems[1].problem)
    local before = dump(path)
    local _, err = O:add({ title = "x", type = "moral", source = "y" })
    assert.truthy(err:find("type: 'moral' is not one of legal, regulatory, contractual", 1, true))
    _, err = O:add({ title = "x", type = "legal" })
    assert.truthy(err:find("source: required", 1, true), err)
    _, err = O:add({ title = "x", type = "legal", source = "y", controls = "A.99.1" })
    assert.truthy(err:find("controls: no control 'A.99.1' in the register", 1, true), err)
    assert.are.equal(before, dump(path))
    local out = H.run("--db", path, "obligations", "risk", "R-1")
    assert.truthy(out:find("contractual  OBL-NDA", 1, true), out)
    assert.truthy(out:find("legal        flagged, but no obligation", 1, true), out)
  end)
end)

describe("objectives", function()
  local reg, path
  before_each(function() reg, path = new_register() end)
  after_each(function() reg:close() end)

  it("refuses an objective without a measurable target, writing nothing", function()
    local O = reg:records("objectives")
    local before = dump(path)
    local cases = {
      { { title = "Everyone aware", metric = "people-trained" },
        "target: an objective needs a measurable target" },
      { { title = "Everyone aware", metric = "people-trained", target = "most people" },
        "target: expected a number" },
      { { title = "Everyone aware", target = 95 }, "metric: required" },
      { { title = "x", metric = "m", target = 1, due = "Q4" }, "due: 'Q4' is not a date" },
      { { title = "x", metric = "m", target = 1, owner = "P-9" }, "owner: no person 'P-9'" },
      { { title = "x", metric = "m", target = 1, current = 3 }, "measured_on: a value recorded" },
      { { title = "x", metric = "m", target = 1, comparison = "more" },
        "comparison: 'more' is not one of at_least, at_most, equal" },
    }
    for _, c in ipairs(cases) do
      local ok, err, code = O:add(c[1])
      assert.is_nil(ok)
      assert.are.equal("INPUT", code)
      assert.truthy(err:find(c[2], 1, true), err)
    end
    local csv = H.file("o.csv", "title,metric,target\nAware,people-trained,\n")
    local ok, err = O:import(csv)
    assert.is_nil(ok)
    assert.truthy(err:find(csv .. ":2:22: target: an objective needs a measurable target", 1, true),
                  err)
    assert.are.equal(before, dump(path))
  end)

  it("takes status from the metric's latest value, or the value recorded by hand", function()
    local O = reg:records("objectives")
    assert(O:add({ id = "OBJ-1", title = "Staff aware", metric = "people-trained", target = 90,
                   unit = "%", due = "2026-12-31", owner = "P-1", plan = "quarterly e-learning",
                   evaluation = "quiz scores" }))
    assert(O:add({ id = "OBJ-2", title = "No lost laptops", metric = "lost-laptops",
                   comparison = "at_most", target = 0, due = "2026-03-31", current = 2,
                   measured_on = "2026-03-01" }))
    assert(O:add({ id = "OBJ-3", title = "Everything in scope", metric = "assets-in-scope",
                   target = 100, unit = "%" }))
    local status = context.objectives.status(reg, { today = "2026-06-01" })
    -- nobody is trained: 0% of 2 people
    assert.are.equal(0, status[1].value)
    assert.are.equal("metric", status[1].source)
    assert.are.equal("open", status[1].status)
    assert.are.equal(">= 90 %", status[1].target_text)
    assert.are.equal("recorded", status[2].source)
    assert.are.equal("overdue", status[2].status)
    assert.are.equal(0, status[3].value)
    -- train both people and put every asset in scope: met
    local T = reg:records("training")
    for _, p in ipairs({ "P-1", "P-2" }) do
      for _, prog in ipairs({ "general-awareness", "management-awareness" }) do
        assert(T:add({ person = p, programme = prog, completed = "2026-05-20" }))
      end
    end
    assert(reg:records("scopes"):add({ title = "all", locations = "Server room; Office; Hsinchu" }))
    status = context.objectives.status(reg, { today = "2026-06-01" })
    assert.are.equal(100, status[1].value)
    assert.are.equal("met", status[1].status)
    assert.are.equal("met", status[3].status)
    assert.are.equal(7, #O:check())  -- OBJ-2 and OBJ-3 lack plans, owners, ...
    local acts = isms.actions.list(reg, { source = "objectives", today = "2026-06-01", open = true })
    assert.are.equal("OBJ-2", ids(acts))
    local out = H.run("--db", path, "objectives", "status", "--today", "2026-06-01")
    assert.truthy(out:find("OBJ%-2 .- overdue"), out)
    out = H.run("--db", path, "objectives", "metrics")
    assert.truthy(out:find("people-trained", 1, true), out)
  end)
end)

describe("communication", function()
  local reg, path
  before_each(function() reg, path = new_register() end)
  after_each(function() reg:close() end)

  it("schedules the plan and records what was sent", function()
    local C = reg:records("communications")
    assert(C:add({ id = "COM-NEWS", what = "ISMS newsletter", audience = "all staff",
                   responsible = "CISO", channel = "email", frequency = "quarterly",
                   first_on = "2026-01-15" }))
    assert(C:add({ id = "COM-KICK", what = "Kick-off announcement", audience = "all staff",
                   responsible = "Managing Director", channel = "town hall", frequency = "once",
                   first_on = "2026-03-02" }))
    local S = reg:records("sent-communications")
    assert(S:add({ communication = "COM-NEWS", sent_on = "2026-01-16", sent_by = "CISO" }))
    assert(S:add({ communication = "COM-KICK", sent_on = "2026-03-02", evidence = "minutes" }))
    local sched = context.communication.schedule(reg, { today = "2026-04-10", within = 30 })
    assert.are.equal("COM-KICK", sched[1].id)
    assert.are.equal("done", sched[1].status)
    assert.are.equal("2026-04-16", sched[2].next_due)
    assert.are.equal("due", sched[2].status)
    sched = context.communication.schedule(reg, { today = "2026-05-01" })
    assert.are.equal("overdue", sched[2].status)
    local before = dump(path)
    local cases = {
      { "communications", { what = "x", audience = "y", responsible = "z", frequency = "weekly",
                            first_on = "2026-01-01" }, "frequency: 'weekly' is not one of once" },
      { "communications", { what = "x", audience = "y", responsible = "z", frequency = "once" },
        "first_on: required" },
      { "communications", { what = "x", responsible = "z", frequency = "once",
                            first_on = "2026-01-01" }, "audience: required" },
      { "sent-communications", { communication = "COM-NOPE", sent_on = "2026-01-01" },
        "communication: no communication 'COM-NOPE'" },
      { "sent-communications", { communication = "COM-NEWS", sent_on = "2026-13-01" },
        "sent_on: '2026-13-01' is not a date" },
    }
    for _, c in ipairs(cases) do
      local ok, err = reg:records(c[1]):add(c[2])
      assert.is_nil(ok)
      assert.truthy(err:find(c[3], 1, true), err)
    end
    assert.are.equal(before, dump(path))
    local out, _, code = H.run("--db", path, "communications", "due", "--today", "2026-05-01")
    assert.are.equal(1, code)
    assert.truthy(out:find("COM%-NEWS .- overdue"), out)
    local acts = isms.actions.list(reg, { source = "communications", today = "2026-05-01",
                                          overdue = true })
    assert.are.equal("COM-NEWS", ids(acts))
  end)
end)

describe("the business case", function()
  local reg, path
  before_each(function()
    reg, path = new_register()
    assert(reg:records("scopes"):add({ id = "HQ", title = "Design centre HQ",
      statement = "ISMS for IC design services at HQ", locations = "Server room; Office" }))
    assert(reg:records("scope-exclusions"):add({ scope = "HQ", what = "the canteen",
      justification = "no information processed" }))
    assert(reg:records("objectives"):add({ title = "Staff aware", metric = "people-trained",
      target = 90, unit = "%", due = "2026-12-31", owner = "P-1" }))
    assert(reg:records("business-cases"):add({ id = "BC-1", title = "ISMS for the design centre",
      scope = "HQ", goals = "win foundry and automotive customers", start_on = "2026-01-05",
      target_on = "2026-12-18", effort_days = 240, costs = 85000, currency = "EUR",
      success_factors = "visible top management support; a dedicated lead team",
      prepared_by = "P-2" }))
  end)
  after_each(function() reg:close() end)

  it("is generated from the register as Markdown and HTML", function()
    local model = assert(context.business_case.model(reg, "BC-1", { today = "2026-02-01" }))
    local md = render(model, "markdown")
    assert.truthy(md:find("# Business case: ISMS for the design centre", 1, true), md)
    assert.truthy(md:find("## a) ISMS governing structure", 1, true), md)
    assert.truthy(md:find("| Top management |", 1, true), md)
    assert.truthy(md:find("Mei Lin", 1, true), md)
    assert.truthy(md:find("ISMS steering committee (chaired by the Chief Information Security "
                          .. "Officer)", 1, true), md)
    assert.truthy(md:find("Staff aware", 1, true), md)
    assert.truthy(md:find("**Assets in this scope:** 3 of 4", 1, true), md)
    assert.truthy(md:find("**Assets outside every scope:** 1", 1, true), md)
    assert.truthy(md:find("| the canteen | other | no information processed |", 1, true), md)
    assert.truthy(md:find("about 11 months", 1, true), md)
    assert.truthy(md:find("85000 EUR", 1, true), md)
    assert.truthy(md:find("| 1 | visible top management support |", 1, true), md)
    assert.truthy(md:find("General ISMS awareness", 1, true), md)
    assert.truthy(md:find("**Status:** awaiting approval by top management", 1, true), md)
    assert.truthy(md:find("**Gap analysis:** no gap analysis on record yet", 1, true), md)
    local html = render(model, "html")
    assert.truthy(html:find("<!DOCTYPE html>", 1, true) or html:find("<html", 1, true))
    assert.truthy(html:find("a) ISMS governing structure", 1, true))
    local _, err, code = context.business_case.model(reg, "BC-9")
    assert.are.equal("NOTFOUND", code)
    assert.truthy(err:find("no business case 'BC-9'", 1, true))
  end)

  it("takes the gap analysis of its scope: what is met, the gaps and their effort", function()
    assert(reg:import_framework("iso27001-2022"))
    local a = assert(reg:new_assessment({ framework = "iso27001-2022", assessed_on = "2026-01-10",
                                          assessor = "P-2", title = "Baseline", scope = "HQ" }))
    assert(reg:answer(a, "4.1", { status = "met", maturity = 3 }))
    assert(reg:answer(a, "4.2 a)", { status = "partially met", maturity = 2, effort = 3,
                                     remediation = "list the interested parties" }))
    local md = render(assert(context.business_case.model(reg, "BC-1", { today = "2026-02-01" })),
                      "markdown")
    assert.truthy(md:find("**Gap analysis:** assessment " .. a .. " (iso27001-2022, 2026-01-10): ",
                          1, true), md)
    assert.truthy(md:find("remediation 3 person-days estimated", 1, true), md)
    assert.truthy(md:find("## e) The largest gaps, in priority order", 1, true), md)
    assert.truthy(md:find("| \\# | Requirement | Title | Status | Remediation | Days | Owner |\n"
                          .. "| ---: | --- | --- | --- | --- | ---: | --- |\n| 1 | ", 1, true), md)
  end)

  it("records top management's approval, refusing others and half approvals", function()
    local before = dump(path)
    local ok, err = context.approve_business_case(reg, "BC-1", { by = "P-2", on = "2026-02-01" })
    assert.is_nil(ok)
    assert.truthy(err:find("approved_by: P-2 holds no role that approves business case", 1, true),
                  err)
    ok, err = reg:records("business-cases"):set("BC-1", { approved_on = "2026-02-01" })
    assert.is_nil(ok)
    assert.truthy(err:find("an approval needs both approved_by and approved_on", 1, true), err)
    ok, err = reg:records("business-cases"):set("BC-1", { target_on = "2025-12-01" })
    assert.is_nil(ok)
    assert.truthy(err:find("target_on: the target 2025-12-01 is before the start 2026-01-05", 1,
                           true), err)
    assert.are.equal(before, dump(path))
    assert(context.approve_business_case(reg, "BC-1", { by = "P-1", on = "2026-02-03" }))
    local bc = reg:records("business-cases"):get("BC-1")
    assert.are.equal("P-1", bc.approved_by)
    assert.are.equal("2026-02-03", bc.approved_on)
    reg:close()
    local out_md = H.tmp("bc.md")
    local _, e, code = H.run("--db", path, "business-cases", "render", "BC-1", "--out", out_md,
                             "--today", "2026-02-04")
    assert.are.equal(0, code, e)
    assert.truthy(H.read(out_md):find("approved by Mei Lin (P-1) on 2026-02-03", 1, true))
    local out_html = H.tmp("bc.html")
    _, e, code = H.run("--db", path, "business-cases", "render", "BC-1", "--format", "html",
                       "--out", out_html)
    assert.are.equal(0, code, e)
    assert.truthy(H.read(out_html):find("Approval by top management", 1, true))
    local hist = H.run("--db", path, "business-cases", "show", "BC-1")
    assert.truthy(hist:find("update approved_by:  -> P-1", 1, true), hist)
    reg = assert(isms.open(path))
  end)
end)

describe("people and context", function()
  it("do not let a business case approval outlive the approver's role", function()
    local reg = new_register()
    assert(reg:records("business-cases"):add({ id = "BC-1", title = "x" }))
    assert(reg:records("role-assignments"):set("RA-001", { held_to = "2025-12-31" }))
    local _, err = context.approve_business_case(reg, "BC-1", { by = "P-1", on = "2026-01-15" })
    assert.truthy(err:find("holds no role that approves business case on 2026-01-15", 1, true), err)
    assert(context.approve_business_case(reg, "BC-1", { by = "P-1", on = "2025-12-31" }))
    assert.is_true(people.may_approve(reg, "P-1", "scope", "2025-06-01"))
    reg:close()
  end)
end)
