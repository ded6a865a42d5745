-- Treatment (modify, retain, avoid, share), residual acceptance, the
-- Statement of Applicability and its consistency, the Risk Treatment Plan
-- and its delay history. Every refused write leaves the register as it was.
local H = require "helper"

-- Two assets under qism-fmea, SRV-1 of class B (2x2x2) and DOC-1 of class
-- A (4x3x2), with the generic catalog's risks; each test rates the ones it
-- needs.
local function setup()
  local reg = H.register()
  assert(reg:import_assets(H.file("assets.csv", [[
id,name,type,owner,outsourced,c,i,a
SRV-1,Build server,physical,IT,no,2,2,2
DOC-1,Design files,information,Engineering;Legal,no,4,3,2
]])))
  assert(reg:generate_risks("generic"))
  local refs = {}
  for _, r in ipairs(reg:risks()) do refs[#refs + 1] = r.ref end
  return reg, refs
end

-- A risk of asset id with the given ratings, obligations optional.
local function rated(reg, asset, ratings, extra)
  for _, r in ipairs(reg:risks({ asset = asset })) do
    if not r.level then
      local f = { ratings = ratings }
      for k, v in pairs(extra or {}) do f[k] = v end
      assert(reg:set_risk(r.ref, f))
      return r.ref
    end
  end
end

local function unchanged(reg, fn)
  local before = H.snapshot(reg)
  local serialize = require("isms.rules").serialize
  local treat_before = serialize(reg:treatments())
  local r1, r2, r3 = fn()
  assert.are.equal(before, H.snapshot(reg))
  assert.are.equal(treat_before, serialize(reg:treatments()))
  return r1, r2, r3
end

describe("treatment", function()
  it("modify: re-scores the expected residual ratings and judges them by the residual criteria",
     function()
    local reg = setup()
    local ref = rated(reg, "SRV-1", { S = 8, O = 5, D = 6 })  -- 240 High
    local t = assert(reg:treat(ref, { option = "modify", controls = { "A.8.7", "A.7.8" },
                                      residual = { S = 8, O = 2, D = 3 }, rationale = "AV" }))
    assert.are.equal("modify", t.option)
    assert.are.same({ "A.7.8", "A.8.7" }, t.controls)
    assert.are.equal(48, t.residual_score)
    assert.are.equal("Low", t.residual_level)
    assert.is_true(t.residual_acceptable)
    assert.are.same({ S = 8, O = 2, D = 3 }, t.residual)
    -- Not enough: residual Medium fails "residual" (max Low) and is kept as such.
    t = assert(reg:treat(ref, { option = "modify", controls = { "A.8.7" },
                                residual = { S = 8, O = 4, D = 4 } }))
    assert.are.equal(128, t.residual_score)
    assert.are.equal("Medium", t.residual_level)
    assert.is_false(t.residual_acceptable)
    assert.are.same({ "A.8.7" }, t.controls)
    -- The change log has the control that went and the residual that changed.
    local dropped, rescored = false, false
    for _, c in ipairs(reg:changes()) do
      if c.entity == "treatment_control" and c.action == "delete" then dropped = true end
      if c.entity == "treatment" and c.field == "residual_level" and c.new == "Medium" then
        rescored = true
      end
    end
    assert.is_true(dropped)
    assert.is_true(rescored)
  end)

  it("retain: meets the acceptance criteria, or carries a logged management override", function()
    local reg = setup()
    local medium = rated(reg, "SRV-1", { S = 5, O = 5, D = 6 })   -- 150 Medium: acceptable
    local high = rated(reg, "SRV-1", { S = 8, O = 5, D = 6 })     -- 240 High: not
    local t = assert(reg:treat(medium, { option = "retain", rationale = "within appetite" }))
    assert.is_true(t.residual_acceptable)
    assert.are.equal(150, t.residual_score)
    local _, err = unchanged(reg, function()
      return reg:treat(high, { option = "retain" })
    end)
    assert.truthy(err:find("retaining needs the acceptance criteria met", 1, true))
    assert.truthy(err:find("acceptance 'general'", 1, true))
    -- An override with who and why is accepted and logged.
    t = assert(reg:treat(high, { option = "retain",
                                 override = { by = "CEO", reason = "budget 2027" } }))
    assert.are.equal("CEO", t.override.by)
    assert.is_false(t.residual_acceptable)
    local logged = false
    for _, c in ipairs(reg:changes(high)) do
      if c.entity == "treatment" then logged = true end
    end
    for _, c in ipairs(reg:changes()) do
      if c.field == "override_reason" then logged = true end
    end
    assert.is_true(logged)
    local row
    for r in reg:rows("treatments", high) do row = r end
    assert.are.equal("budget 2027", row.override_reason)
    -- An override where none is needed is refused.
    _, err = unchanged(reg, function()
      return reg:treat(medium, { option = "retain", override = { by = "CEO", reason = "x" } })
    end)
    assert.truthy(err:find("no override is needed", 1, true))
  end)

  it("class A and obligations make retention stricter (the methodology's criteria)", function()
    local reg = setup()
    -- DOC-1 is class A under qism-fmea (C=4): Medium is not retainable.
    local doc = rated(reg, "DOC-1", { S = 5, O = 5, D = 6 })
    local _, err = reg:treat(doc, { option = "retain" })
    assert.truthy(err:find("class A assets", 1, true))
    local srv = rated(reg, "SRV-1", { S = 5, O = 5, D = 6 }, { obligations = { legal = true } })
    _, err = reg:treat(srv, { option = "retain" })
    assert.truthy(err:find("obligations", 1, true))
  end)

  it("avoid and share", function()
    local reg = setup()
    local a = rated(reg, "SRV-1", { S = 8, O = 5, D = 6 })
    local b = rated(reg, "SRV-1", { S = 8, O = 6, D = 6 })
    local t = assert(reg:treat(a, { option = "avoid", rationale = "build farm moved to supplier" }))
    assert.is_nil(t.residual)
    assert.is_nil(t.residual_score)
    t = assert(reg:treat(b, { option = "share", shared_with = "Insurer", residual = { S = 2, O = 6, D = 6 } }))
    assert.are.equal("Insurer", t.shared_with)
    assert.are.equal(72, t.residual_score)
  end)

  it("refuses bad treatments whole, each with a clear reason", function()
    local reg = setup()
    local ref = rated(reg, "SRV-1", { S = 8, O = 5, D = 6 })
    local cases = {
      { { option = "mitigate" }, "option: expected one of modify, retain, avoid, share" },
      { { option = "modify", residual = { S = 1, O = 1, D = 1 } }, "modify needs the controls" },
      { { option = "modify", controls = { "A.8.7" } }, "modify needs the expected residual ratings" },
      { { option = "modify", controls = { "A.99.1" }, residual = { S = 1, O = 1, D = 1 } },
        "control 'A.99.1' is in none of the SoA's catalogs (iso27001-2022)" },
      { { option = "modify", controls = { "A.8.7", "A.8.7" }, residual = { S = 1, O = 1, D = 1 } },
        "control 'A.8.7' is selected twice" },
      { { option = "modify", controls = { "A.8.7" }, residual = { S = 1, O = 1 } },
        "residual: no rating for D" },
      { { option = "modify", controls = { "A.8.7" }, residual = { S = 1, O = 1, D = 11 } },
        "residual: 11 is not a tier of D (1-10)" },
      { { option = "modify", controls = { "A.8.7" }, residual = { S = 1, O = 1, D = 1, X = 1 } },
        "residual: no factor named 'X'" },
      { { option = "avoid" }, "avoid needs a rationale" },
      { { option = "avoid", rationale = "x", controls = { "A.8.7" } }, "avoid selects no controls" },
      { { option = "share" }, "share needs the party" },
      { { option = "retain", residual = { S = 1, O = 1, D = 1 } }, "retain keeps the risk as rated" },
      { { option = "modify", controls = { "A.8.7" }, residual = { S = 1, O = 1, D = 1 },
          override = { by = "CEO", reason = "x" } }, "an override is for retaining a risk only" },
      { { option = "retain", override = { by = "CEO" } }, "override: give { by" },
      { { option = "retain", colour = "red" }, "unknown treatment field 'colour'" },
    }
    for _, case in ipairs(cases) do
      local ok, err, code = unchanged(reg, function() return reg:treat(ref, case[1]) end)
      assert.is_nil(ok)
      assert.are.equal("INPUT", code)
      assert.truthy(err:find(case[2], 1, true), ("want %q in %q"):format(case[2], err))
      assert.truthy(err:find(ref, 1, true))
    end
    local ok, err, code = reg:treat("NOPE", { option = "retain" })
    assert.is_nil(ok)
    assert.are.equal("NOTFOUND", code)
    assert.truthy(err:find("no risk 'NOPE'", 1, true))
  end)

  it("records acceptance of residual risk by management and by each owner", function()
    local reg = setup()
    local ref = rated(reg, "DOC-1", { S = 8, O = 5, D = 6 })
    local _, err = unchanged(reg, function()
      return reg:accept_risk(ref, { role = "management", who = "CEO", rationale = "ok" })
    end)
    assert.truthy(err:find("has no treatment yet", 1, true))
    local t = assert(reg:treat(ref, { option = "modify", controls = { "A.5.12" },
                                      residual = { S = 8, O = 2, D = 2 } }))
    local state = require("isms.treat.treatment").acceptance_state(reg:risk(ref), t)
    assert.are.same({ "management", "Engineering", "Legal" }, state.missing)
    _, err = unchanged(reg, function()
      return reg:accept_risk(ref, { role = "owner", who = "Sales", rationale = "ok" })
    end)
    assert.truthy(err:find("'Sales' is not one of its owners (Engineering, Legal)", 1, true))
    _, err = unchanged(reg, function()
      return reg:accept_risk(ref, { role = "owner", who = "Legal" })
    end)
    assert.truthy(err:find("rationale: expected a non-empty text", 1, true))
    _, err = reg:accept_risk(ref, { role = "board", who = "X", rationale = "y" })
    assert.truthy(err:find("role: expected management or owner", 1, true))
    assert(reg:accept_risk(ref, { role = "management", who = "CEO", rationale = "plan funded",
                                  at = "2026-11-20" }))
    assert(reg:accept_risk(ref, { role = "owner", who = "Engineering", rationale = "fine" }))
    state = require("isms.treat.treatment").acceptance_state(reg:risk(ref), reg:treatment(ref))
    assert.is_false(state.accepted)
    assert.are.same({ "Legal" }, state.missing)
    assert(reg:accept_risk(ref, { role = "owner", who = "Legal", rationale = "fine" }))
    t = reg:treatment(ref)
    state = require("isms.treat.treatment").acceptance_state(reg:risk(ref), t)
    assert.is_true(state.accepted)
    assert.are.equal("management", t.acceptances[1].role)  -- by role, then who
    assert.are.equal("2026-11-20", t.acceptances[1].at)
    assert.are.same({ "Engineering", "Legal" }, { t.acceptances[2].who, t.acceptances[3].who })
  end)
end)

describe("statement of applicability", function()
  local function all_excluded(reg, except)
    local entries = {}
    for _, c in ipairs(assert(reg:soa_catalog()).controls) do
      if not except[c.id] then
        entries[c.id] = { applicable = false, justification = "not in scope" }
      end
    end
    return entries
  end

  it("covers every control of the edition and links the risks that select them", function()
    local reg = setup()
    local ref = rated(reg, "SRV-1", { S = 8, O = 5, D = 6 })
    assert(reg:treat(ref, { option = "modify", controls = { "A.8.7" }, residual = { S = 8, O = 2, D = 2 } }))
    local soa = assert(reg:soa())
    assert.are.equal(93, #soa.entries)
    assert.are.equal("iso27001-2022", soa.catalogs)
    local e
    for _, x in ipairs(soa.entries) do if x.control == "A.8.7" then e = x end end
    assert.are.equal(1, e.risks)
    assert.are.same({ ref }, e.linked)
    assert.is_false(e.decided)
  end)

  it("reports every inconsistency, and issues revisions only without them", function()
    local reg = setup()
    local ref = rated(reg, "SRV-1", { S = 8, O = 5, D = 6 })
    assert(reg:treat(ref, { option = "modify", controls = { "A.8.7", "A.8.13" },
                            residual = { S = 8, O = 2, D = 2 } }))
    local entries = all_excluded(reg, { ["A.8.13"] = true, ["A.5.1"] = true })
    entries["A.5.1"] = { applicable = true, reasons = { "risk" } }  -- no treatment selects it
    assert(reg:put_soa(entries))
    local problems = assert(reg:soa_problems())
    local text = table.concat(problems, "\n")
    assert.truthy(text:find("A.8.7 is excluded but selected by the treatment of 1 risk(s) (" .. ref .. ")", 1, true))
    assert.truthy(text:find("A.8.13 is selected by the treatment of 1 risk(s)", 1, true))
    assert.truthy(text:find("A.5.1 is applicable for risk, but no treatment selects it", 1, true))
    assert.are.equal(3, #problems)
    local _, err = unchanged(reg, function() return reg:issue_soa({ approved_by = "CEO" }) end)
    assert.truthy(err:find("the SoA has 3 problem(s)", 1, true))
    -- Fix them: the revision is issued, numbered and kept as it was.
    assert(reg:put_soa({
      ["A.8.7"] = { applicable = true, reasons = { "risk" }, status = "implemented" },
      ["A.8.13"] = { applicable = true, reasons = { "risk", "contractual" },
                     justification = "customer contract 12", status = "partial" },
      ["A.5.1"] = { applicable = true, reasons = { "business" }, justification = "policy set" },
    }))
    assert.are.same({}, reg:soa_problems())
    assert.are.equal(1, assert(reg:issue_soa({ approved_by = "CEO", issued_at = "2026-11-20" })))
    assert(reg:set_soa("A.5.1", { applicable = true, reasons = { "business" },
                                  justification = "policy set", status = "implemented" }))
    assert.are.equal(2, assert(reg:issue_soa({ approved_by = "CEO", note = "A.5.1 done" })))
    local r1 = reg:soa_revision(1)
    assert.are.equal("2026-11-20", r1.issued_at)
    local a51
    for _, e in ipairs(r1.entries) do if e.control == "A.5.1" then a51 = e end end
    assert.are.equal("not_started", a51.status)  -- as it was at revision 1
    assert.are.equal(2, #reg:soa_revisions())
    assert.are.equal(2, reg:soa().revision.rev)
  end)

  it("finds the same problems in an SoA given as read (the report reads it once)", function()
    local reg = setup()
    local path = reg.path
    local ref = rated(reg, "SRV-1", { S = 8, O = 5, D = 6 })
    assert(reg:treat(ref, { option = "modify", controls = { "A.8.7" },
                            residual = { S = 8, O = 2, D = 2 } }))
    reg:close()
    -- a selection of a control no catalog has, written outside isms
    assert(H.sh(("sqlite3 %s \"INSERT INTO treatment_controls(risk, control) VALUES ('%s', 'X.9')\"")
      :format(H.shell_quote(path), ref)))
    reg = assert(require("isms").open(path))
    local soa = assert(reg:soa({ linked = 5 }))
    assert.are.same({ ["A.8.7"] = 1, ["X.9"] = 1 }, soa.selected)
    local problems = assert(reg:soa_problems())
    assert.are.same(problems, assert(reg:soa_problems(soa)))
    assert.truthy(table.concat(problems, "\n"):find("X.9 is recorded but is in none of iso27001-2022",
                                                    1, true))
    reg:close()
  end)

  it("refuses bad entries whole, each with a clear reason", function()
    local reg = setup()
    assert(reg:set_soa("A.5.1", { applicable = true, reasons = { "legal" }, justification = "GDPR" }))
    local cases = {
      { { ["A.5.2"] = { applicable = false } }, "SoA A.5.2: an exclusion needs a justification" },
      { { ["A.5.2"] = { applicable = true } }, "an applicable control needs its reasons" },
      { { ["A.5.2"] = { applicable = true, reasons = { "legal" } } },
        "a legal, contractual or business reason needs a justification" },
      { { ["A.5.2"] = { applicable = true, reasons = { "fun" } } }, "reasons: 'fun' is not one of" },
      { { ["A.5.2"] = { applicable = true, reasons = { "risk" }, status = "done" } },
        "status: expected one of not_started, planned, partial, implemented" },
      { { ["A.5.2"] = { applicable = false, justification = "x", status = "planned" } },
        "an excluded control has no implementation status" },
      { { ["A.5.2"] = { applicable = false, justification = "x", reasons = { "risk" } } },
        "an excluded control has no reasons" },
      { { ["A.99"] = { applicable = false, justification = "x" } }, "SoA A.99: no such control" },
      { { ["A.5.2"] = { applicable = "yes" } }, "applicable: expected true or false" },
      -- one bad entry among good ones: none is written
      { { ["A.5.3"] = { applicable = false, justification = "x" }, ["A.5.4"] = { applicable = 1 } },
        "SoA A.5.4" },
    }
    for _, case in ipairs(cases) do
      local ok, err = unchanged(reg, function() return reg:put_soa(case[1]) end)
      assert.is_nil(ok)
      assert.truthy(err:find(case[2], 1, true), ("want %q in %q"):format(case[2], err))
    end
    assert.is_nil(select(1, reg:issue_soa({})))
  end)

  it("takes an organisation's own catalog beside the edition", function()
    local reg = setup()
    local own = H.file("sector.lua", [[
control_catalog "sector" { title = "Sector code" }
control_group "S" { title = "Sector" }
control "S-1" { group = "S", title = "Report incidents to the regulator within 24 hours" }
]])
    assert(reg:set_soa_catalogs({ "iso27001-2022", own }))
    assert.are.equal(94, #reg:soa().entries)
    assert(reg:set_soa("S-1", { applicable = true, reasons = { "legal" }, justification = "Act 5" }))
    -- Dropping the catalog while S-1 is recorded is refused.
    local ok, err = reg:set_soa_catalogs("iso27001-2022")
    assert.is_nil(ok)
    assert.truthy(err:find("control 'S-1' is recorded but not in iso27001-2022", 1, true))
    assert.are.equal(94, #reg:soa().entries)
  end)
end)

describe("risk treatment plan", function()
  local function treated(reg)
    local ref = rated(reg, "SRV-1", { S = 8, O = 5, D = 6 })
    assert(reg:treat(ref, { option = "modify", controls = { "A.8.7", "A.8.13" },
                            residual = { S = 8, O = 2, D = 2 } }))
    return ref
  end

  it("keeps every delay with its reason, dates and approver", function()
    local reg = setup()
    local ref = treated(reg)
    local id = assert(reg:add_task({ risk = ref, control = "A.8.7", title = "Deploy EDR",
                                     owner = "IT", due = "2026-12-01" }))
    assert.are.equal("RTP-0001", id)
    assert(reg:delay_task(id, { reason = "supplier late", revised_due = "2027-01-15",
                                approved_by = "CISO", at = "2026-11-25" }))
    assert(reg:delay_task(id, { reason = "freeze", revised_due = "2027-02-01",
                                approved_by = "CEO", at = "2027-01-10" }))
    local t = reg:task(id, { today = "2027-01-20" })
    assert.are.equal("2027-02-01", t.due)
    assert.are.equal("2026-12-01", t.first_due)
    assert.are.equal(2, t.delays)
    assert.are.equal(62, t.slip_days)
    assert.are.same({ 1, 2 }, { t.history[1].seq, t.history[2].seq })
    assert.are.same({ "supplier late", "2026-12-01", "2027-01-15", "CISO", "2026-11-25" },
                    { t.history[1].reason, t.history[1].old_due, t.history[1].revised_due,
                      t.history[1].approved_by, t.history[1].recorded_at })
    assert.are.same({ "2027-01-15", "2027-02-01", "CEO" },
                    { t.history[2].old_due, t.history[2].revised_due, t.history[2].approved_by })
    assert.is_true(t.slipping)
    assert.is_false(t.overdue)
  end)

  it("numbers new tasks one past the highest RTP-<digits>, whatever other ids there are", function()
    local reg = setup()
    local ref = treated(reg)
    local function add(id)
      return assert(reg:add_task({ id = id, risk = ref, title = "t", owner = "IT", due = "2026-12-01" }))
    end
    for _, id in ipairs { "RTP-0099", "RTP-12a", "FIX-7", "RTP-", "rtp-5000" } do add(id) end
    assert.are.equal("RTP-0100", add(nil))
    assert.are.equal("RTP-0101", add(nil))
    add("RTP-10000")
    assert.are.equal("RTP-10001", add(nil))
    -- one task by id, with the plan's columns; none for an unknown id
    local t = reg:task("RTP-12a", { today = "2026-11-20" })  -- due in 11 days: slipping
    assert.are.same({ "RTP-12a", ref, "2026-12-01", 0, false, true },
                    { t.id, t.risk, t.first_due, t.delays, t.overdue, t.slipping })
    assert.is_nil(reg:task("RTP-9999"))
    assert.is_nil(reg:task(nil))
    assert.are.equal(9, #reg:tasks())
  end)

  it("lists overdue and slipping tasks as of a date", function()
    local reg = setup()
    local ref = treated(reg)
    local late = assert(reg:add_task({ risk = ref, title = "Policy", owner = "CISO", due = "2026-10-01" }))
    local later = assert(reg:add_task({ risk = ref, title = "Train", owner = "HR", due = "2026-11-01",
                                        status = "in_progress" }))
    local soon = assert(reg:add_task({ risk = ref, title = "Buy", owner = "IT", due = "2026-12-01" }))
    local fine = assert(reg:add_task({ risk = ref, title = "Audit", owner = "IA", due = "2027-06-01" }))
    local done = assert(reg:add_task({ risk = ref, title = "Old", owner = "IT", due = "2026-01-01",
                                       status = "done", done_at = "2025-12-20" }))
    local p = reg:rtp({ today = "2026-11-23" })
    local ids = function(list)
      local out = {}
      for k, t in ipairs(list) do out[k] = t.id end
      return out
    end
    assert.are.same({ late, later }, ids(p.overdue))  -- most overdue first
    assert.are.equal(53, p.overdue[1].days_overdue)
    assert.are.same({ soon }, ids(p.slipping))
    assert.are.equal(5, #p.tasks)
    assert(reg:set_task(later, { status = "done" }))
    p = reg:rtp({ today = "2026-11-23" })
    assert.are.same({ late }, ids(p.overdue))
    assert.truthy(fine and done)
  end)

  it("refuses bad tasks and delays whole, each with a clear reason", function()
    local reg = setup()
    local ref = treated(reg)
    local retained = rated(reg, "SRV-1", { S = 2, O = 2, D = 2 })
    assert(reg:treat(retained, { option = "retain" }))
    local id = assert(reg:add_task({ risk = ref, title = "EDR", owner = "IT", due = "2026-12-01" }))
    local adds = {
      { { risk = ref, title = "x", owner = "IT", due = "2026-02-30" }, "due: '2026-02-30' is not a date" },
      { { risk = ref, title = "x", owner = "IT" }, "due: expected a date" },
      { { risk = ref, title = "", owner = "IT", due = "2026-12-01" }, "title: expected a non-empty text" },
      { { risk = ref, title = "x", due = "2026-12-01" }, "owner: expected a non-empty text" },
      { { risk = "NOPE", title = "x", owner = "IT", due = "2026-12-01" }, "risk NOPE has no treatment" },
      { { risk = retained, title = "x", owner = "IT", due = "2026-12-01" }, "is retained: there is nothing" },
      { { risk = ref, control = "A.5.1", title = "x", owner = "IT", due = "2026-12-01" },
        "control A.5.1 is not selected by the treatment of risk " .. ref .. " (A.8.13, A.8.7)" },
      { { risk = ref, title = "x", owner = "IT", due = "2026-12-01", status = "late" }, "status: expected one of" },
      { { id = id, risk = ref, title = "x", owner = "IT", due = "2026-12-01" }, "task RTP-0001 is already in the plan" },
      { { risk = ref, title = "x", owner = "IT", due = "2026-12-01", priority = 1 }, "unknown field 'priority'" },
    }
    for _, case in ipairs(adds) do
      local ok, err = unchanged(reg, function() return reg:add_task(case[1]) end)
      assert.is_nil(ok)
      assert.truthy(err:find(case[2], 1, true), ("want %q in %q"):format(case[2], err))
    end
    local delays = {
      { { reason = "x", revised_due = "2026-11-30", approved_by = "CISO" },
        "revised_due 2026-11-30 is not after the current due date 2026-12-01" },
      { { revised_due = "2027-01-01", approved_by = "CISO" }, "reason: expected a non-empty text" },
      { { reason = "x", revised_due = "2027-01-01" }, "approved_by: expected a non-empty text" },
      { { reason = "x", revised_due = "soon", approved_by = "CISO" }, "revised_due: 'soon' is not a date" },
    }
    for _, case in ipairs(delays) do
      local ok, err = unchanged(reg, function() return reg:delay_task(id, case[1]) end)
      assert.is_nil(ok)
      assert.truthy(err:find(case[2], 1, true), ("want %q in %q"):format(case[2], err))
    end
    local ok, err = unchanged(reg, function() return reg:set_task(id, { due = "2027-03-01" }) end)
    assert.is_nil(ok)
    assert.truthy(err:find("only by a recorded delay", 1, true))
    assert(reg:set_task(id, { status = "done", done_at = "2026-11-20" }))
    ok, err = unchanged(reg, function()
      return reg:delay_task(id, { reason = "x", revised_due = "2027-01-01", approved_by = "C" })
    end)
    assert.is_nil(ok)
    assert.truthy(err:find("it is done: nothing to delay", 1, true))
    -- A treatment with tasks is not removed under them.
    ok, err = unchanged(reg, function() return reg:untreat(ref) end)
    assert.is_nil(ok)
    assert.truthy(err:find("its treatment has 1 RTP task(s)", 1, true))
    assert(reg:delete_task(id))
    assert(reg:untreat(ref))
    assert.is_nil(reg:treatment(ref))
  end)
end)
