-- Roadmap runs in the register (lua/isms/roadmap/progress.lua): starting
-- a run, steps done by hand with evidence, steps done because the register
-- shows it (their exit criteria hold), blocked steps and why, overdue
-- steps, next actions by role, the action tracker; and the organisation
-- of the case study taken through the 24 steps.
local H = require "helper"
local isms = require "isms"
local roadmap = require "isms.roadmap"
local actions = require "isms.actions"

local function fresh()
  local path = H.tmp("roadmap.db")
  return assert(isms.open(path)), path
end

local function item(model, id) return assert(model.by_id[id], "no step " .. id) end

local function batches(reg)
  local n = 0
  for _ in reg:query("SELECT id FROM change_batches") do n = n + 1 end
  return n
end

describe("roadmap runs", function()
  it("start from a workflow, refusing what cannot be followed", function()
    local reg = fresh()
    local id = assert(roadmap.start(reg, "qism-24", { start = "2027-01-04",
                                                      target = "2027-12-31" }))
    assert.are.equal("RM-001", id)
    local run = reg:records("roadmap_run"):get(id)
    assert.are.same({ "qism-24", "2027-01-04", "2027-12-31", "active" },
                    { run.workflow, run.started, run.target, run.status })
    local _, err, code = roadmap.start(reg, "no-such-roadmap", { start = "2027-01-04" })
    assert.are.equal("NOTFOUND", code)
    assert.truthy(err:find("no roadmap rule file named 'no-such-roadmap'", 1, true), err)
    _, err = roadmap.start(reg, "qism-24", { start = "2027-01-04", target = "2026-01-01" })
    assert.truthy(err:find("target: the target 2026-01-01 is before the start 2027-01-04", 1,
                           true), err)
    _, err = roadmap.start(reg, "qism-24", { start = "2027-01-04", calendar = "mars" })
    assert.truthy(err:find("calendar: no calendar rule file named 'mars'", 1, true), err)
    -- Two active runs: status needs a name.
    assert(roadmap.start(reg, "internal-audit", { start = "2027-02-01" }))
    _, err, code = roadmap.status(reg, nil, { today = "2027-02-01" })
    assert.are.equal("USAGE", code)
    assert.truthy(err:find("2 active roadmap runs (RM-001, RM-002); name one", 1, true), err)
    reg:close()
  end)

  it("record steps by hand with evidence, and refuse what the register decides", function()
    local reg = fresh()
    local id = assert(roadmap.start(reg, "qism-24", { start = "2027-01-04" }))
    local _, err, code = roadmap.complete(reg, id, "4", { date = "2027-01-12" })
    assert.are.equal("INPUT", code)
    assert.truthy(err:find("evidence: a step completed by hand needs evidence", 1, true), err)
    local before = batches(reg)
    assert(roadmap.complete(reg, id, "4", { date = "2027-01-12", evidence = { "attendance list" },
                                           by = "QSU", reason = "sessions held" }))
    assert.are.equal(before + 1, batches(reg))
    local rec = reg:records("roadmap_step"):get(id .. " / 4")
    assert.are.same({ "done", "2027-01-12", "hand", "QSU" },
                    { rec.status, rec.done_on, rec.how, rec.completed_by })
    assert.are.same({ "attendance list" }, rec.evidence)
    -- Step 10 has exit criteria the register can answer: not by hand.
    _, err = roadmap.complete(reg, id, "10", { evidence = { "FMEA work instruction" } })
    assert.truthy(err:find("step 10 completes when its exit criteria hold: 'a risk methodology is "
                           .. "set for the register' (fails); to record it by hand anyway, give "
                           .. "an override reason", 1, true), err)
    assert(roadmap.complete(reg, id, "10", { evidence = { "FMEA work instruction" },
                                            override = "method agreed, register not set up yet",
                                            date = "2027-03-01" }))
    assert.truthy(reg:records("roadmap_step"):get(id .. " / 10").note:find("over its exit", 1, true))
    _, err = roadmap.complete(reg, id, "99", { evidence = { "x" } })
    assert.truthy(err:find("workflow qism-24 has no step '99'", 1, true), err)
    _, err = roadmap.complete(reg, id, "2", { status = "skipped" })
    assert.truthy(err:find("step 2 is not optional; only optional steps may be skipped", 1, true),
                  err)
    assert(roadmap.complete(reg, id, "2", { status = "started", date = "2027-01-13" }))
    local st = assert(roadmap.status(reg, id, { today = "2027-01-14" }))
    assert.are.equal("started", item(st, "2").status)
    _, err = roadmap.complete(reg, id, "3", { date = "2027-01-10", started = "2027-01-11",
                                             evidence = { "x" } })
    assert.truthy(err:find("started 2027-01-11, after it was done (2027-01-10)", 1, true), err)
    reg:close()
  end)

  it("are checked against the rule file as it is now", function()
    local reg = fresh()
    local dir = H.tmp("rm")
    os.execute("mkdir -p " .. H.shell_quote(dir))
    local path = H.write(dir .. "/mine.lua", [[
roadmap "mine" { }
role "r" { }
step "a" { role = "r", title = "A", duration = 1 }
step "b" { role = "r", title = "B", duration = 1, optional = true }
]])
    local id = assert(roadmap.start(reg, path, { start = "2027-01-04" }))
    assert(roadmap.complete(reg, id, "a", { date = "2027-01-04", evidence = { "x" } }))
    assert(roadmap.complete(reg, id, "b", { status = "skipped" }))
    assert.are.same({}, reg:records("roadmap_step"):check())
    H.write(path, 'roadmap "mine" { }\nrole "r" { }\nstep "b" { role = "r", title = "B", duration = 1 }\n')
    require("isms.roadmap.progress").reload()
    local problems = reg:records("roadmap_step"):check()
    assert.are.equal(2, #problems)
    assert.are.same({ id .. " / a", "step", "workflow mine has no step 'a' any more" },
                    { problems[1].id, problems[1].field, problems[1].problem })
    assert.are.equal("step b is skipped but no longer optional", problems[2].problem)
    H.write(path, "roadmap {")
    require("isms.roadmap.progress").reload()
    problems = reg:records("roadmap_run"):check()
    assert.are.equal("workflow", problems[1].field)
    require("isms.roadmap.progress").reload()
    reg:close()
  end)

  it("say why a step is blocked, what is overdue, and what each role does next", function()
    local reg = fresh()
    local id = assert(roadmap.start(reg, "certification", { start = "2027-01-04" }))
    local st = assert(roadmap.status(reg, id, { today = "2027-01-04" }))
    local r = item(st, "readiness")
    assert.are.equal("blocked", r.status)
    local why = table.concat(r.why, "\n")
    assert.truthy(why:find("entry: the register holds at least six months of documented "
                           .. "information does not hold: the first record is %d+ days old"), why)
    assert.truthy(why:find("entry: an approved SoA revision is on record does not hold", 1, true))
    assert.are.equal("blocked", item(st, "application").status)
    assert.truthy(item(st, "application").why[1]:find("waiting for readiness", 1, true))
    assert.are.same({}, st.next_actions)
    -- Readiness done by hand (the audit and review are on paper); the CB next.
    assert(roadmap.complete(reg, id, "readiness", { date = "2027-01-08", evidence = { "audit" } }))
    st = assert(roadmap.status(reg, id, { today = "2027-01-11" }))
    assert.are.equal("ready", item(st, "application").status)
    assert.are.equal("top-management", st.next_actions[1].role)
    assert.are.equal("application", st.next_actions[1].steps[1].id)
    -- Months later and still not applied: overdue against the plan.
    st = assert(roadmap.status(reg, id, { today = "2027-06-01" }))
    assert.is_true(item(st, "application").overdue)
    assert.is_false(item(st, "readiness").overdue or false)
    reg:close()
  end)

  it("follow a certification cycle's recorded dates: a surveillance audit past its deadline", function()
    local reg = fresh()
    local id = assert(roadmap.start(reg, "certification", { start = "2027-06-01" }))
    local done = { { "readiness", "2027-09-10" }, { "application", "2027-10-15" },
                   { "stage-1", "2027-12-03" }, { "stage-1-actions", "2028-01-28" },
                   { "stage-2", "2028-02-29" }, { "approval", "2028-04-14" },
                   { "certificate", "2028-04-20" } }
    assert(roadmap.complete(reg, id, "pre-assessment", { status = "skipped" }))
    assert(roadmap.complete(reg, id, "stage-2-actions", { status = "skipped" }))
    for _, d in ipairs(done) do
      assert(roadmap.complete(reg, id, d[1], { date = d[2], evidence = { d[1] .. " report" } }))
    end
    local st = assert(roadmap.status(reg, id, { today = "2029-03-05" }))
    local s1 = item(st, "surveillance-1")
    assert.are.equal("2029-02-28", s1.deadline)
    assert.is_true(s1.overdue)
    assert.truthy(table.concat(s1.why, "\n"):find("after its deadline 2029-02-28 (within 12 months "
                                                  .. "of the last day of stage 2)", 1, true))
    assert(roadmap.complete(reg, id, "surveillance-1", { date = "2029-03-15", evidence = { "r" } }))
    st = assert(roadmap.status(reg, id, { today = "2029-03-16" }))
    s1 = item(st, "surveillance-1")
    assert.are.equal(15, s1.late)
    assert.truthy(s1.why[1]:find("done 15 days after its deadline 2029-02-28", 1, true))
    assert.are.equal("2030-03-15", item(st, "surveillance-2").deadline)
    -- The second is planned ten months after the first (2030-01-15, two
    -- days); the recertification a year after it, before the certificate's 2031-04-19.
    assert.are.equal("2031-01-16", item(st, "recertification").deadline)
    reg:close()
  end)

  it("join the action tracker: pending steps due on their planned finish", function()
    local reg = fresh()
    local id = assert(roadmap.start(reg, "internal-audit", { start = "2027-01-04" }))
    assert(roadmap.complete(reg, id, "programme", { date = "2027-01-08", evidence = { "p" } }))
    local list = actions.list(reg, { source = "roadmap", today = "2027-02-01" })
    assert.are.equal(11, #list)
    local first_open
    for _, a in ipairs(list) do
      if not a.done and not first_open then first_open = a end
    end
    assert.are.equal(id .. "/objectives", first_open.id)
    assert.are.equal("Audit team leader", first_open.owner)
    local overdue = actions.list(reg, { source = "roadmap", today = "2027-02-01", overdue = true })
    assert.truthy(#overdue > 0)
    for _, a in ipairs(overdue) do assert.is_false(a.done) end
    reg:close()
  end)
end)

-- The case study's organisation: the register grows, and the roadmap
-- follows. Steps with exit criteria (1, 10, 15, 16, 22, 23) are never ticked:
-- they complete when the register shows their outcome. The others have
-- no register to show it yet and are completed by hand with evidence.
describe("the 24-step QISM roadmap followed through the register", function()
  it("moves as the register changes", function()
    local reg = fresh()
    local run = assert(roadmap.start(reg, "qism-24", { start = "2027-01-04", target = "2028-03-31" }))
    local day = 0
    local function today()
      day = day + 1
      return ("2027-%02d-%02d"):format(math.floor((day - 1) / 28) + 1, (day - 1) % 28 + 1)
    end
    local function status()
      local st = assert(roadmap.status(reg, run, { today = today(), record = true }))
      return st
    end
    local function by_hand(ids)
      for _, s in ipairs(ids) do
        assert(roadmap.complete(reg, run, s, { date = today(), evidence = { "evidence of " .. s } }))
      end
    end
    local st = status()
    assert.are.equal(0, st.done)
    assert.are.equal("ready", item(st, "1").status)
    assert.are.equal("fails", item(st, "10").exit[1].state)
    -- Step 1: understanding the gap is a gap assessment with answers.
    assert.are.equal("fails", item(st, "1").exit[1].state)
    assert(reg:import_requirements("iso27001-2022"))
    local gap = assert(reg:new_assessment({ framework = "iso27001-2022", assessed_on = "2027-01-05",
                                            assessor = "Quality System Unit" }))
    assert(reg:answer(gap, "6.1.2 a) 1)", { status = "met" }))
    assert.are.equal("done", item(status(), "1").status)
    by_hand({ "2", "3", "4", "5", "6", "7", "8", "9" })
    -- Step 10: the register gets its methodology.
    assert.are.equal("fails", item(status(), "10").exit[1].state)
    assert(reg:set_methodology("qism-fmea"))
    st = status()
    assert.are.equal("done", item(st, "10").status)
    assert.are.equal("criteria", item(st, "10").how)
    assert.are.equal(1, st.recorded)
    local rec = reg:records("roadmap_step"):get(run .. " / 10")
    assert.are.same({ "done", "criteria" }, { rec.status, rec.how })
    assert.truthy(rec.evidence[1]:find("a risk methodology is set for the register holds", 1, true))
    by_hand({ "11", "12", "13", "14" })
    -- Step 15: the risk assessment, half done, then done.
    assert(reg:import_assets(H.file("assets.csv", [[
id,name,type,owner,c,i,a
SRV-1,Build server,physical,IT,2,2,2
DOC-1,Design files,information,Engineering,4,3,2
]])))
    assert(reg:value(reg:methodology()))
    assert(reg:put_risks({
      { ref = "R1", asset = "SRV-1", threat = "T-FIRE", impacts = { "repair" }, owners = { "IT" },
        ratings = { S = 2, O = 2, D = 2 } },
      { ref = "R2", asset = "DOC-1", threat = "T-THEFT", impacts = { "reputation" },
        owners = { "Engineering" }, controls = "locks", ratings = { S = 9, O = 5, D = 6 } },
    }))
    st = status()
    assert.are.equal("ready", item(st, "15").status)
    local exit = item(st, "15").exit[1]
    assert.are.equal("fails", exit.state)
    assert.truthy(exit.reason:find("1 risks without existing controls; 1 unacceptable risks "
                                   .. "without a decision", 1, true), exit.reason)
    assert(reg:put_risks({ { ref = "R1", controls = "extinguisher" },
                           { ref = "R2", decision = "treat" } }))
    st = status()
    assert.are.equal("done", item(st, "15").status)
    -- Step 16: treatment, SoA issued, RTP planned.
    assert(reg:treat("R2", { option = "modify", controls = { "A.7.8" },
                             residual = { S = 9, O = 1, D = 3 } }))
    assert.are.equal("fails", item(status(), "16").exit[2].state)  -- no SoA yet
    local entries = {}
    for _, c in ipairs(assert(reg:soa_catalog()).controls) do
      entries[c.id] = c.id == "A.7.8" and { applicable = true, reasons = { "risk" } }
        or { applicable = false, justification = "not in scope" }
    end
    assert(reg:put_soa(entries))
    assert(reg:issue_soa({ approved_by = "Managing Director", issued_at = "2027-05-01" }))
    local task = assert(reg:add_task({ risk = "R2", control = "A.7.8", title = "Lock the design room",
                                       owner = "Facilities", due = "2027-06-30" }))
    by_hand({ "17" })   -- 16 is not done yet: measuring waits in the plan, not in the record
    st = status()
    assert.are.equal("done", item(st, "16").status)
    by_hand({ "18", "19", "20", "21" })
    -- Step 22: the treatment plan carried out.
    assert.are.equal("fails", item(status(), "22").exit[1].state)
    assert(reg:set_task(task, { status = "done", done_at = "2027-08-01" }))
    assert.are.equal("done", item(status(), "22").status)
    -- Step 23: a certification run of its own issues the certificate.
    local cert = assert(roadmap.start(reg, "certification", { start = "2027-09-01" }))
    assert.are.equal("ready", item(status(), "23").status)
    assert(roadmap.complete(reg, cert, "certificate", { date = "2028-03-10",
                                                       evidence = { "certificate ISMS 0042" },
                                                       override = "test" }))
    st = status()
    assert.are.equal("done", item(st, "23").status)
    by_hand({ "24" })
    st = status()
    assert.are.equal(24, st.done)
    for _, ph in ipairs(st.phases) do assert.are.equal("done", ph.status) end
    assert.are.same({}, st.next_actions)
    -- Six steps were decided by the register, never by hand.
    local how = {}
    for _, s in ipairs(st.steps) do how[#how + 1] = s.how == "criteria" and s.id or nil end
    assert.are.same({ "1", "10", "15", "16", "22", "23" }, how)
    -- The register moves back: the record stays, the status says so.
    assert(reg:import_assets(H.file("more.csv", "id,name,type,owner\nNEW-1,New laptop,physical,IT\n")))
    st = status()
    assert.are.equal("done", item(st, "15").status)
    assert.truthy(table.concat(item(st, "15").why, "\n"):find("recorded done, but now: the risk "
      .. "assessment (6.2 a-j) is complete does not hold: 1 assets without a value", 1, true))
    reg:close()
  end)
end)
