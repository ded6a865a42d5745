-- Nonconformities and corrective actions (isms.audit.nonconformity): the
-- lifecycle of rules/workflows/nonconformity.lua enforced on every write
-- (unknown transitions, conditions not met, closure without verification,
-- verification by the person who did the action), corrective actions with
-- dates that cannot run backwards, trends, workflow rule files.
local H = require "helper"
local F = require "operations_fixture"
local nc = require "isms.audit.nonconformity"
local workflow = require "isms.audit.workflow"

describe("nonconformity lifecycle", function()
  local reg, path, ncs, cas
  before_each(function()
    reg, path = F.register()
    ncs, cas = reg:records("nonconformity"), reg:records("corrective_action")
    assert(ncs:add({ title = "Access reviews not done", source = "audit", raised_by = "Alice",
                     raised = "2026-05-02", requirements = "A.5.18; 9.1", controls = "A.5.18" }))
  end)
  after_each(function() reg:close() end)

  it("starts open and moves only as the workflow allows, each step's conditions met", function()
    assert.are.equal("open", ncs:get("NC-001").state)
    F.refused(path, "no transition from open to closed; from open it allows actions_planned (plan)",
              function() return ncs:set("NC-001", { state = "closed" }) end)
    F.refused(path, "'done' is not a state of the nonconformity workflow (open, actions_planned, "
              .. "implemented, verified, closed)", function() return ncs:set("NC-001", { state = "done" }) end)
    F.refused(path, "moving to actions_planned (plan) needs root_cause",
              function() return ncs:set("NC-001", { state = "actions_planned" }) end)
    F.refused(path, "needs at least one corrective action planned", function()
      return ncs:set("NC-001", { state = "actions_planned", root_cause = "no procedure" })
    end)
    assert(cas:add({ nonconformity = "NC-001", title = "Write the access review procedure", owner = "Bob",
                     due = "2026-06-30" }))
    assert(cas:add({ nonconformity = "NC-001", title = "Review all accounts", owner = "Carol",
                     due = "2026-07-31" }))
    assert(ncs:set("NC-001", { state = "actions_planned", root_cause = "no procedure",
                               correction = "accounts of leavers disabled" }))
    F.refused(path, "needs every corrective action done; still open: CA-001, CA-002",
              function() return ncs:set("NC-001", { state = "implemented" }) end)
    assert(cas:set("CA-001", { status = "done", done = "2026-06-20" }))
    assert(cas:set("CA-002", { status = "cancelled" }))
    assert.are.equal("Bob", cas:get("CA-001").done_by)    -- the owner, unless given
    assert(ncs:set("NC-001", { state = "implemented" }))
    -- closure without verification is refused
    F.refused(path, "no transition from implemented to closed; from implemented it allows verified "
              .. "(verify), actions_planned (reopen)", function()
      return ncs:set("NC-001", { state = "closed", closed = "2026-07-10", closed_by = "MD" })
    end)
    F.refused(path, "moving to verified (verify) needs verified_by, verified, verification",
              function() return ncs:set("NC-001", { state = "verified" }) end)
    -- verification by the person who did the action is refused (any case)
    F.refused(path, "bob did corrective action CA-001 of NC-001 (owner or done_by): effectiveness is "
              .. "verified by someone else", function()
      return ncs:set("NC-001", { state = "verified", verified_by = "bob", verified = "2026-07-05",
                                 verification = "three reviews sampled" })
    end)
    -- a cancelled action's owner may verify
    assert(ncs:set("NC-001", { state = "verified", verified_by = "Carol", verified = "2026-07-05",
                               verification = "three reviews sampled" }))
    F.refused(path, "closed: 2026-07-01 is before the verification on 2026-07-05", function()
      return ncs:set("NC-001", { state = "closed", closed = "2026-07-01", closed_by = "MD" })
    end)
    assert(ncs:set("NC-001", { state = "closed", closed = "2026-07-10", closed_by = "MD" }))
    F.refused(path, "from closed it allows nothing (final)", function()
      return ncs:set("NC-001", { state = "open" })
    end)
    F.refused(path, "nonconformity NC-001 is closed: raise a new one", function()
      return cas:add({ nonconformity = "NC-001", title = "late", owner = "Bob", due = "2026-08-01" })
    end)
    -- every step is in the history
    local steps = {}
    for _, h in ipairs(ncs:history("NC-001")) do
      if h.field == "state" then steps[#steps + 1] = h.old .. ">" .. h.new end
    end
    assert.are.same({ "open>actions_planned", "actions_planned>implemented", "implemented>verified",
                      "verified>closed" }, steps)
  end)

  it("refuses bad nonconformities and corrective actions, writing nothing", function()
    local cases = {
      { ncs, { title = "x", source = "audit", raised_by = "A", raised = "2026-02-30" }, "raised: '2026-02-30' is not a date" },
      { ncs, { title = "x", source = "gossip", raised_by = "A", raised = "2026-01-01" }, "source: 'gossip' is not one of audit" },
      { ncs, { title = "x", source = "audit", raised_by = "A", raised = "2026-01-01", state = "closed" },
        "a nonconformity starts in state open" },
      { ncs, { title = "x", source = "audit", raised_by = "A", raised = "2026-01-01", source_ref = "FND-404" },
        "no finding or audit 'FND-404' in the register" },
      { ncs, { title = "x", source = "audit", raised_by = "A", raised = "2026-01-01", controls = "A.0.0" },
        "controls: no control 'A.0.0'" },
      { ncs, { id = "NC-001", title = "x", source = "audit", raised_by = "A", raised = "2026-01-01" },
        "nonconformity 'NC-001' exists already" },
      { ncs, { title = "x", source = "audit", raised = "2026-01-01" }, "raised_by: required" },
      { cas, { nonconformity = "NC-404", title = "x", owner = "B", due = "2026-06-01" },
        "nonconformity: no nonconformity 'NC-404' in the register" },
      { cas, { nonconformity = "NC-001", title = "x", owner = "B", due = "2026-04-01" },
        "due: 2026-04-01 is before the nonconformity was raised (2026-05-02)" },
      { cas, { nonconformity = "NC-001", title = "x", owner = "B", due = "next week" },
        "due: 'next week' is not a date" },
      { cas, { nonconformity = "NC-001", title = "x", owner = "B", due = "2026-06-01", status = "done",
               done = "2026-01-01" }, "done: 2026-01-01 is before the nonconformity was raised" },
      { cas, { nonconformity = "NC-001", title = "x", due = "2026-06-01" }, "owner: required" },
    }
    for _, c in ipairs(cases) do F.refused(path, c[3], function() return c[1]:add(c[2]) end) end
    -- the CLI says the same, exits 3 and writes nothing
    local before = F.dump(path)
    local _, err, code = F.run(path, "nonconformities", "set", "NC-001", "state=verified")
    assert.are.equal(3, code)
    assert.truthy(err:find("no transition from open to verified", 1, true), err)
    assert.are.equal(before, F.dump(path))
  end)

  it("raises a nonconformity from a finding in one batch", function()
    assert(reg:records("audit"):add({ id = "AUD-1", title = "Audit", start_date = "2026-05-01" }))
    assert(reg:records("finding"):add({ id = "F-1", audit = "AUD-1", class = "major", title = "No backups tested",
                                        requirements = "A.8.13", controls = "A.8.13", raised = "2026-05-02",
                                        raised_by = "Alice" }))
    assert(reg:records("finding"):add({ id = "F-2", audit = "AUD-1", class = "ofi", title = "Automate" }))
    local rep = assert(nc.raise_from_finding(reg, "F-1", {}))
    local n = ncs:get(rep.id)
    assert.are.equal("audit", n.source)
    assert.are.equal("F-1", n.source_ref)
    assert.are.same({ "A.8.13" }, n.controls)
    assert.are.equal(rep.id, reg:records("finding"):get("F-1").nonconformity)
    F.refused(path, "finding F-1 already has nonconformity", function() return nc.raise_from_finding(reg, "F-1") end)
    F.refused(path, "finding F-2 is an opportunity", function() return nc.raise_from_finding(reg, "F-2") end)
    F.refused(path, "no finding 'F-404'", function() return nc.raise_from_finding(reg, "F-404") end, "NOTFOUND")
  end)

  it("round-trips nonconformities and corrective actions through CSV", function()
    assert(cas:add({ nonconformity = "NC-001", title = "Procedure, reviewed; signed", owner = "Bob",
                     due = "2026-06-30" }))
    assert(ncs:set("NC-001", { state = "actions_planned", root_cause = "none", areas = "IT; HR" }))
    for _, coll in ipairs { ncs, cas } do
      local out = H.tmp("nc.csv")
      assert(coll:export(out))
      local rep = assert(coll:import(out))
      assert.are.equal(0, rep.created + rep.updated)
    end
    -- a file that moves a nonconformity past its workflow is refused whole
    local bad = H.file("jump.csv", "id,state\nNC-001,closed\n")
    F.refused(path, bad .. ":2:8: state: the nonconformity workflow has no transition from actions_planned "
              .. "to closed", function() return ncs:import(bad) end)
  end)

  it("counts trends by source, requirement, quarter and age", function()
    assert(ncs:add({ title = "b", source = "incident", raised_by = "A", raised = "2026-01-10", requirements = "A.5.18" }))
    assert(ncs:add({ title = "c", source = "complaint", raised_by = "A", raised = "2025-06-01" }))
    local t = nc.trends(reg, { today = "2026-06-01" })
    assert.are.equal(3, t.total)
    assert.are.equal(3, t.open)
    assert.are.same({ requirement = "A.5.18", total = 2 }, t.by_requirement[1])
    local src = {}
    for _, s in ipairs(t.by_source) do src[s.source] = s.total end
    assert.are.same({ audit = 1, incident = 1, complaint = 1 }, src)
    assert.are.same({ { quarter = "2025-Q2", total = 1 }, { quarter = "2026-Q1", total = 1 },
                      { quarter = "2026-Q2", total = 1 } }, t.by_quarter)
    local ages = {}
    for _, a in ipairs(t.by_age) do ages[a.age] = a.open end
    assert.are.same({ ["0-30 days"] = 1, ["31-90 days"] = 0, ["91-180 days"] = 1, ["over 180 days"] = 1 }, ages)
    t = nc.trends(reg, { today = "2026-06-01", from = "2026-01-01", to = "2026-12-31" })
    assert.are.equal(2, t.total)
    local out, _, code = F.run(path, "nonconformities", "trends", "--today", "2026-06-01")
    assert.are.equal(0, code)
    assert.truthy(out:find("3 nonconformities raised, 3 open", 1, true), out)
    local _, err, code2 = F.run(path, "nonconformities", "trends", "--from", "2026-06-01", "--to", "2026-01-01")
    assert.are.equal(2, code2)
    assert.truthy(err:find("--to 2026-01-01 is before --from 2026-06-01", 1, true), err)
  end)
end)

describe("workflow rule files", function()
  it("validates states, transitions and that no record can be stuck", function()
    local function load(text)
      return workflow.load(H.file("wf.lua", 'workflow "w" { title = "W", record = "nonconformity", initial = "open" }\n'
                                  .. text))
    end
    local cases = {
      { 'state "open" { title = "Open" }\nstate "done" { title = "Done" }\ntransition "t" { from = "open", to = "done" }',
        "no state is final" },
      { 'state "open" { title = "Open" }\nstate "done" { title = "Done", final = true }\n'
        .. 'transition "t" { from = "open", to = "gone" }', "to: no state 'gone'" },
      { 'state "open" { title = "Open" }\nstate "done" { title = "Done", final = true }\n'
        .. 'state "limbo" { title = "L" }\ntransition "t" { from = "open", to = "done" }',
        "state 'limbo' cannot be reached from 'open'" },
      { 'state "open" { title = "Open" }\nstate "done" { title = "Done", final = true }\n'
        .. 'transition "t" { from = "open", to = "done", actions = "many" }', "actions: expected \"some\"" },
      { 'state "open" { title = "Open" }\nstate "done" { title = "Done", final = true }\n'
        .. 'transition "t" { from = "open", to = "done" }\ntransition "u" { from = "open", to = "done" }',
        "'t' already goes from open to done" },
      { 'state "Open State" { title = "x" }', "a state is a lower-case name" },
    }
    for _, c in ipairs(cases) do
      local ok, err, code = load(c[1])
      assert.is_nil(ok)
      assert.are.equal("RULE", code)
      assert.truthy(err:find(c[2], 1, true), err)
    end
    local wf = assert(workflow.load("nonconformity"))
    assert.are.equal("open", wf.initial)
    assert.truthy(wf.state.closed.final)
  end)

  it("lets an organisation's workflow replace the default for its register", function()
    local reg, path = F.register()
    local own = H.file("fast.lua", [[
workflow "fast" { title = "Fast track", record = "nonconformity", initial = "open", extends = "nonconformity" }
transition "fast-close" { from = "implemented", to = "closed", requires = { "closed_by" } }
]])
    assert(reg:set_setting("workflow.nonconformity", own))
    local ncs = reg:records("nonconformity")
    assert(ncs:add({ title = "x", source = "review", raised_by = "A", raised = "2026-01-01" }))
    assert(reg:records("corrective_action"):add({ nonconformity = "NC-001", title = "y", owner = "B",
                                                  due = "2026-02-01", status = "done", done = "2026-01-20" }))
    assert(ncs:set("NC-001", { state = "actions_planned", root_cause = "z" }))
    assert(ncs:set("NC-001", { state = "implemented" }))
    F.refused(path, "moving to closed (fast-close) needs closed_by", function()
      return ncs:set("NC-001", { state = "closed" })
    end)
    assert(ncs:set("NC-001", { state = "closed", closed_by = "MD", closed = "2026-02-01" }))
    reg:close()
  end)
end)
