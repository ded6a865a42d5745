-- Internal audit (isms.audit): the programme weighted by risk, audits
-- planned a-g, findings, the independence check, the checklist from the
-- requirement catalog and the SoA, and the audit report in Markdown and HTML; every
-- bad input refused with nothing written.
local H = require "helper"
local F = require "operations_fixture"
local audit = require "isms.audit"
local report = require "isms.report"

describe("internal audit", function()
  local reg, path, audits, findings
  before_each(function()
    reg, path = F.register()
    audits, findings = reg:records("audit"), reg:records("finding")
    assert(reg:records("audit_area"):add({ id = "AP-ACCESS", title = "Access control",
      controls = "A.5.15; A.8.5", requirements = "9.2", frequency_months = 12, owner = "IT Manager" }))
    assert(audits:add({ id = "AUD-001", title = "Access control audit", programme = "AP-ACCESS",
      objectives = "Access is granted on need", scope = "Office IT", criteria = "ISO/IEC 27001:2022",
      lead = "Alice", team = "Bob", start_date = "2026-05-04", end_date = "2026-05-06",
      methods = "interviews, sampling", reporting = "to the management team", requirements = "9.2; 7.5",
      controls = "A.5.15; A.8.5", assets = "AST-1" }))
  end)
  after_each(function() reg:close() end)

  it("refuses bad audits and findings with a clear message, writing nothing", function()
    local cases = {
      { audits, { title = "x", start_date = "2026-06-10", end_date = "2026-06-01" },
        "end_date: 2026-06-01 is before the start, 2026-06-10" },
      { audits, { title = "x", start_date = "June" }, "start_date: 'June' is not a date" },
      { audits, { title = "x", start_date = "2026-06-01", end_date = "2026-06-02",
                  report_approved_by = "MD", report_approved = "2026-05-01" },
        "report_approved: 2026-05-01 is before the audit ended (2026-06-02)" },
      { audits, { title = "x", report_approved_by = "MD" }, "names who approved the report and when" },
      { audits, { title = "x", status = "closed", start_date = "2026-06-01", end_date = "2026-06-02" },
        "an audit closes once its report is approved" },
      { audits, { title = "x", programme = "AP-404" }, "programme: no audit_area 'AP-404'" },
      { audits, { title = "x", controls = "A.5.15; Z.1" }, "controls: no control 'Z.1'" },
      { audits, { title = "x", assets = "AST-404" }, "assets: no asset 'AST-404'" },
      { audits, { title = "x", requirements = "9.2; 99.9" },
        "requirements: no requirement 'iso27001-2022:99.9' in the register" },
      { audits, { title = "x", requirements = "iso27001-2013:9.2" },
        "requirements: no requirement 'iso27001-2013:9.2'" },
      { audits, { id = "AUD-001", title = "again" }, "audit 'AUD-001' exists already" },
      { audits, { title = "x", triggered_by = "boredom" }, "triggered_by: 'boredom' is not one of plan" },
      { findings, { audit = "AUD-404", class = "minor", title = "x" }, "audit: no audit 'AUD-404'" },
      { findings, { audit = "AUD-001", class = "critical", title = "x" }, "class: 'critical' is not one of major" },
      { findings, { audit = "AUD-001", class = "minor", title = "x", raised = "2026-05-01" },
        "raised: 2026-05-01 is before audit AUD-001 started (2026-05-04)" },
      { findings, { audit = "AUD-001", class = "minor", title = "x", raised = "2026-05-32" },
        "raised: '2026-05-32' is not a date" },
      { findings, { audit = "AUD-001", class = "minor", title = "x", assets = "AST-9" }, "assets: no asset 'AST-9'" },
      { findings, { audit = "AUD-001", class = "minor", title = "x", nonconformity = "NC-9" },
        "nonconformity: no nonconformity 'NC-9'" },
      { findings, { audit = "AUD-001", class = "minor" }, "title: required" },
      { reg:records("audit_area"), { title = "x", frequency_months = 0 }, "frequency_months: 0 is below" },
    }
    for _, c in ipairs(cases) do F.refused(path, c[3], function() return c[1]:add(c[2]) end) end
    assert(reg:records("nonconformity"):add({ id = "NC-1", title = "x", source = "audit", raised_by = "A",
                                              raised = "2026-05-05" }))
    F.refused(path, "an opportunity for improvement is not a nonconformity", function()
      return findings:add({ audit = "AUD-001", class = "ofi", title = "x", nonconformity = "NC-1" })
    end)
    local _, err, code = F.run(path, "audits", "add", "title=x", "start_date=2026-02-02", "end_date=2026-02-01")
    assert.are.equal(3, code)
    assert.truthy(err:find("end_date: 2026-02-01 is before the start", 1, true), err)
  end)

  it("checks independence: no auditor audits what they own", function()
    local res = assert(audit.independence(reg, "AUD-001"))
    assert.are.same({ "Alice", "Bob" }, res.team)
    assert.are.same({}, res.conflicts)
    -- Bob owns the SoA entry of A.5.15; the asset's owner joins the team; an auditee too
    assert(reg:set_soa("A.5.15", { applicable = true, reasons = { "risk" }, justification = "access",
                                   status = "implemented", owner = "bob" }))
    assert(audits:set("AUD-001", { team = "Bob; head of design; IT manager", auditees = "Carol" }))
    res = assert(audit.independence(reg, "AUD-001"))
    local owns = {}
    for _, c in ipairs(res.conflicts) do owns[#owns + 1] = c.auditor .. ": " .. c.owns end
    table.sort(owns)
    assert.are.same({ "Bob: control A.5.15", "IT manager: programme area AP-ACCESS",
                      "head of design: asset AST-1" }, owns)
    local out, _, code = F.run(path, "audits", "independence", "AUD-001")
    assert.are.equal(1, code)
    assert.truthy(out:find("3 conflicts", 1, true), out)
    assert(audits:set("AUD-001", { team = "Dave", lead = "Eve" }))
    out, _, code = F.run(path, "audits", "independence", "AUD-001")
    assert.are.equal(0, code)
    assert.truthy(out:find("independent (team: Eve, Dave)", 1, true), out)
    local _, err, code2 = F.run(path, "audits", "independence", "AUD-404")
    assert.are.equal(4, code2)
    assert.truthy(err:find("no audit 'AUD-404'", 1, true), err)
  end)

  it("weights the programme by the risks its controls treat", function()
    assert(reg:records("audit_area"):add({ id = "AP-HR", title = "People", controls = "A.6.3",
                                           frequency_months = 12 }))
    -- a risk above the criteria, treated with A.5.15
    assert(reg:generate_risks("generic"))
    local ref
    for _, r in ipairs(reg:risks({ asset = "AST-1" })) do
      if not ref then ref = r.ref end
    end
    assert(reg:set_risk(ref, { ratings = { S = 9, O = 8, D = 8 } }))
    assert(reg:treat(ref, { option = "modify", controls = { "A.5.15" }, residual = { S = 9, O = 1, D = 2 } }))
    local p = audit.programme(reg, { today = "2026-10-01" })
    local by = {}
    for _, a in ipairs(p) do by[a.id] = a end
    assert.are.equal(1, by["AP-ACCESS"].unacceptable)
    assert.are.equal(6, by["AP-ACCESS"].interval_months)   -- twice as often
    assert.are.equal(12, by["AP-HR"].interval_months)
    -- AUD-001 is planned, not reported: both areas are due now
    assert.are.equal("2026-10-01", by["AP-ACCESS"].due)
    assert.are.equal("2026-05-04", by["AP-ACCESS"].planned)
    assert(audits:set("AUD-001", { status = "reported" }))
    p = audit.programme(reg, { today = "2026-10-01" })
    for _, a in ipairs(p) do by[a.id] = a end
    assert.are.equal("2026-05-06", by["AP-ACCESS"].last)
    assert.are.equal("2026-11-06", by["AP-ACCESS"].due)
    assert.is_false(by["AP-ACCESS"].overdue)
    assert.is_true(by["AP-HR"].overdue)
    assert.are.equal("AP-HR", p[1].id)                     -- the most overdue first
  end)

  it("links requirements by their ref in the register's framework, or by their full id", function()
    local a = audits:get("AUD-001")
    assert.are.same({ "iso27001-2022:7.5", "iso27001-2022:9.2" }, a.requirements)
    assert(audits:set("AUD-001", { requirements = "iso27001-2022:A.5.15, 10.2 f)" }))
    assert.are.same({ "iso27001-2022:10.2 f)", "iso27001-2022:A.5.15" }, audits:get("AUD-001").requirements)
    assert.are.equal(1, #audits:list({ requirements = "iso27001-2022:A.5.15" }))
  end)

  it("generates the checklist from the requirement catalog and the SoA", function()
    assert(reg:set_soa("A.5.15", { applicable = true, reasons = { "risk" }, justification = "access",
                                   status = "partial" }))
    assert(reg:records("document"):add({ id = "PROC-7", title = "Access procedure", status = "approved",
      approver = "MD", approved = "2026-01-01", controls = "A.5.15", requirements = "7.5" }))
    assert(findings:add({ audit = "AUD-001", class = "minor", title = "Reviews late", controls = "A.5.15" }))
    local ck = assert(audit.checklist(reg, "AUD-001"))
    local by = {}
    for _, it in ipairs(ck.items) do by[it.ref] = it end
    assert.are.equal("requirement", by["9.2"].kind)
    assert.are.equal("Internal audit", by["9.2"].title)
    assert.truthy(by["7.5"])
    assert.are.equal("PROC-7", by["7.5"].evidence)
    assert.are.equal("Access rules based on business need", by["A.5.15"].title)
    assert.are.equal("applicable, partial", by["A.5.15"].soa)
    assert.are.equal("PROC-7", by["A.5.15"].evidence)
    assert.are.equal("FND-001", by["A.5.15"].findings)
    assert.are.equal("not in the SoA", by["A.8.5"].soa)
    -- without controls: every applicable control of the SoA
    assert(audits:add({ id = "AUD-2", title = "SoA walk" }))
    ck = assert(audit.checklist(reg, "AUD-2"))
    assert.are.equal(1, #ck.items)
    assert.are.equal("A.5.15", ck.items[1].ref)
    local out, _, code = F.run(path, "audits", "checklist", "AUD-001", "--format", "csv")
    assert.are.equal(0, code)
    assert.truthy(out:find("A.5.15,Access rules based on business need", 1, true), out)
  end)

  it("writes the audit report in Markdown and HTML, with findings, approval and distribution", function()
    assert(findings:add({ audit = "AUD-001", class = "major", title = "No reviews <at all>", raised = "2026-05-05" }))
    assert(findings:add({ audit = "AUD-001", class = "ofi", title = "Automate leavers" }))
    assert(require("isms.audit.nonconformity").raise_from_finding(reg, "FND-001", { raised_by = "Alice" }))
    assert(audits:set("AUD-001", { status = "closed", summary = "Access control works, reviews do not",
                                   report_approved_by = "Managing Director", report_approved = "2026-05-20",
                                   distribution = "management team; IT" }))
    local model = assert(audit.report_model(reg, "AUD-001", { today = "2026-05-21" }))
    local md = report.render(model, "markdown")
    assert.truthy(md:find("# Internal audit report AUD-001: Access control audit", 1, true), md)
    assert.truthy(md:find("**a. Objectives:** Access is granted on need", 1, true), md)
    assert.truthy(md:find("| FND-001 | major nonconformity |", 1, true), md)
    assert.truthy(md:find("NC-001 (open)", 1, true), md)
    assert.truthy(md:find("**Major nonconformities:** 1", 1, true), md)
    assert.truthy(md:find("**Approved by:** Managing Director", 1, true), md)
    assert.truthy(md:find("**Distribution:** management team, IT", 1, true), md)
    local html = report.render(model, "html")
    assert.truthy(html:find("No reviews &lt;at all&gt;", 1, true))
    assert.falsy(html:find("<at all>", 1, true))
    local file = H.tmp("report.html")
    local _, _, code = F.run(path, "audits", "report", "AUD-001", "--format", "html", "--out", file)
    assert.are.equal(0, code)
    assert.truthy(H.read(file):find("<!DOCTYPE html>", 1, true))
    local _, err, code2 = F.run(path, "audits", "report", "AUD-404")
    assert.are.equal(4, code2)
    assert.truthy(err:find("no audit 'AUD-404'", 1, true))
  end)

  it("round-trips audits and findings through CSV", function()
    assert(findings:add({ audit = "AUD-001", class = "observation", title = "Badge, printer", controls = "A.7.2",
                          assets = "AST-1; AST-2" }))
    for _, name in ipairs { "audit_area", "audit", "finding" } do
      local coll = reg:records(name)
      local out = H.tmp(name .. ".csv")
      assert(coll:export(out))
      local rep = assert(coll:import(out))
      assert.are.equal(0, rep.created + rep.updated, name)
    end
    local bad = H.file("f.csv", "id,audit,class,title\nF-1,AUD-001,minor,ok\nF-2,AUD-404,minor,x\nF-1,AUD-001,ofi,y\n")
    F.refused(path, bad .. ":3:5: audit: no audit 'AUD-404'", function() return findings:import(bad) end)
  end)
end)
