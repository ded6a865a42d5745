-- Management review (isms.review): reviews, their actions (on the action
-- tracker) and interested-party feedback, with bad input refused and
-- nothing written; the review pack's inputs a-f in Markdown, HTML and XLSX.
local H = require "helper"
local F = require "operations_fixture"
local review = require "isms.review"
local report = require "isms.report"
local actions = require "isms.actions"
local measure = require "isms.measure"

describe("management review", function()
  local reg, path, reviews, ras, fb
  before_each(function()
    reg, path = F.register()
    reviews, ras, fb = reg:records("review"), reg:records("review_action"), reg:records("feedback")
    assert(reviews:add({ id = "MR-2025", title = "Review 2025", held = "2025-12-10", status = "held",
                         period_from = "2025-01-01", period_to = "2025-11-30", chair = "MD",
                         attendees = "MD; CISO; QM", decisions = "fund IAM" }))
    assert(ras:add({ review = "MR-2025", title = "Buy an IAM tool", owner = "CIO", due = "2026-03-31" }))
    assert(ras:add({ review = "MR-2025", title = "Hire a CISO deputy", owner = "HR", due = "2026-02-28",
                     status = "done", done = "2026-02-15" }))
  end)
  after_each(function() reg:close() end)

  it("refuses bad reviews, review actions and feedback, writing nothing", function()
    local cases = {
      { reviews, { title = "x", period_from = "2026-06-01", period_to = "2026-01-01" },
        "period_to: 2026-01-01 is before the period's start, 2026-06-01" },
      { reviews, { title = "x", period_from = "2026-01-01", held = "2025-12-01" },
        "held: 2025-12-01 is before the period it reviews starts (2026-01-01)" },
      { reviews, { title = "x", status = "held" }, "a held review has its date" },
      { reviews, { title = "x", held = "31/12/2026" }, "held: '31/12/2026' is not a date" },
      { reviews, { id = "MR-2025", title = "x" }, "review 'MR-2025' exists already" },
      { ras, { review = "MR-404", title = "x", owner = "A", due = "2026-01-01" }, "review: no review 'MR-404'" },
      { ras, { review = "MR-2025", title = "x", owner = "A", due = "2025-12-01" },
        "due: 2025-12-01 is before review MR-2025 (2025-12-10)" },
      { ras, { review = "MR-2025", title = "x", owner = "A", due = "soon" }, "due: 'soon' is not a date" },
      { ras, { review = "MR-2025", title = "x", due = "2026-01-01" }, "owner: required" },
      { fb, { party = "Customer", received = "2026-02-29", summary = "x" }, "received: '2026-02-29' is not a date" },
      { fb, { party = "Customer", received = "2026-02-01", summary = "x", nonconformity = "NC-9" },
        "nonconformity: no nonconformity 'NC-9'" },
      { fb, { party = "Customer", received = "2026-02-01", summary = "x", kind = "rant" },
        "kind: 'rant' is not one of complaint" },
    }
    for _, c in ipairs(cases) do F.refused(path, c[3], function() return c[1]:add(c[2]) end) end
  end)

  it("puts review actions on the action tracker", function()
    local list = actions.list(reg, { source = "review", today = "2026-04-15" })
    assert.are.equal(2, #list)
    local overdue = actions.list(reg, { source = "review", today = "2026-04-15", overdue = true })
    assert.are.equal(1, #overdue)
    assert.are.equal("Buy an IAM tool", overdue[1].title)
    assert.are.equal(15, overdue[1].overdue_days)
    assert.are.equal("review MR-2025", overdue[1].ref)
  end)

  it("assembles the review pack: inputs a-f from the register", function()
    assert(fb:add({ party = "Customer A", received = "2026-03-01", kind = "complaint", summary = "Late patching" }))
    assert(fb:add({ party = "Staff survey", received = "2026-04-01", kind = "suggestion", summary = "Phishing drills" }))
    assert(fb:add({ party = "Customer B", received = "2025-03-01", kind = "praise", summary = "before the period" }))
    assert(reg:records("audit"):add({ id = "AUD-1", title = "Spring audit", start_date = "2026-04-01",
                                      end_date = "2026-04-03", status = "reported" }))
    assert(reg:records("finding"):add({ audit = "AUD-1", class = "minor", title = "Reviews late", raised = "2026-04-02",
                                        requirements = "A.5.18" }))
    assert(reg:records("finding"):add({ audit = "AUD-1", class = "ofi", title = "Automate leavers", raised = "2026-04-02" }))
    assert(require("isms.audit.nonconformity").raise_from_finding(reg, "FND-001", { raised_by = "Auditor" }))
    assert(measure.record(reg, "M-AWARENESS", 80, { date = "2026-03-31" }))
    assert(measure.record(reg, "M-AWARENESS", 92, { date = "2026-06-30" }))
    assert(reg:records("document"):add({ id = "POL-1", title = "Policy", fulfils = "policy", status = "approved",
                                         approver = "MD", approved = "2026-01-15" }))
    local model = assert(review.pack(reg, { from = "2026-01-01", to = "2026-12-31", today = "2026-07-01" }))
    local md = report.render(model, "markdown")
    local function has(s) assert.truthy(md:find(s, 1, true), s .. "\n" .. md) end
    has("# Management review pack")
    has("| RA-001 | MR-2025 | Buy an IAM tool | CIO | 2026-03-31 | open | 92 |")   -- a: overdue 92 days
    has("- **done:** 1")
    has("| audit | 1 | 1 |")                                                       -- c: by source
    has("| A.5.18 | 1 |")
    has("| M-AWARENESS | Staff who completed security awareness training | % | \\>= 95 | 92 | 2026-06-30 | warning | ▁█ | 2 |")
    has("| AUD-1 | Spring audit | 2026-04-01 | 2026-04-03 | reported | 0 | 1 | 1 | 0 |")
    has("| FB-001 | Customer A | 2026-03-01 | complaint | Late patching |")         -- d
    assert.falsy(md:find("before the period", 1, true))
    has("| FND-002 | audit finding | Automate leavers | 2026-04-02 |")               -- f
    has("| FB-002 | feedback: Staff survey | Phishing drills | 2026-04-01 |")
    has("- **Mandatory items met:** 5 of 16")  -- policy; measurements, audit, review, NC on record
    has("## e. Risk assessment results")
    has("c. Information security objectives")   -- the objectives register of issue #19
    local html = report.render(model, "html")
    assert.truthy(html:find("Management review pack", 1, true))
    -- the metrics' trends as SVG line charts: a point per measurement, the target dashed
    assert.truthy(html:find('<figure class="linechart"><figcaption>M-AWARENESS: Staff who completed', 1, true))
    assert.truthy(html:find("<title>2026-03-31: 80 %</title>", 1, true), html)
    assert.truthy(html:find("<title>2026-06-30: 92 %</title>", 1, true))
    assert.truthy(html:find('<line class="target"', 1, true))
    -- the CLI: Markdown by default, HTML and XLSX to files
    local out, _, code = F.run(path, "review", "pack", "--from", "2026-01-01", "--to", "2026-12-31",
                               "--today", "2026-07-01")
    assert.are.equal(0, code)
    assert.are.equal(md:gsub("Generated [^\n]*", ""), (out:gsub("Generated [^\n]*", "")))
    local xlsx = H.tmp("pack.xlsx")
    _, _, code = F.run(path, "review", "pack", "--from", "2026-01-01", "--to", "2026-12-31", "--format", "xlsx",
                       "--out", xlsx)
    assert.are.equal(0, code)
    local p = io.popen("unzip -p " .. H.shell_quote(xlsx) .. " xl/workbook.xml")
    local wb = p:read("*a")
    p:close()
    assert.truthy(wb:find("a. Open previous review actions", 1, true), wb)
    assert.truthy(wb:find("c. Measurement results against", 1, true), wb)
  end)

  it("reports the period's incidents: per severity, times, open ones, those that raised a nonconformity", function()
    local inc = reg:records("incidents")
    assert(reg:records("nonconformities"):add({ id = "NC-INC", title = "No call-back", source = "incident",
      source_ref = "INC-001", raised_by = "CISO", raised = "2026-03-02" }))
    -- contained after 4 and 24 hours, closed after 72
    assert(inc:add({ title = "Forged order", detected = "2026-03-02T08:00", contained = "2026-03-02T12:00",
                     closed = "2026-03-05T08:00", severity = "high", lessons = "call back",
                     nonconformity = "NC-INC" }))
    assert(inc:add({ title = "Tape missing", detected = "2026-05-10T08:00", contained = "2026-05-11T08:00",
                     severity = "medium", owner = "IT Manager" }))
    assert(inc:add({ title = "Last year's", detected = "2025-11-01", severity = "critical" }))
    assert(inc:add({ title = "After the period", detected = "2027-01-05", severity = "low" }))
    local model = assert(review.pack(reg, { from = "2026-01-01", to = "2026-12-31", today = "2027-01-10" }))
    local md = report.render(model, "markdown")
    local function has(x) assert.truthy(md:find(x, 1, true), x .. "\n" .. md) end
    has("## c. Information security incidents")
    has("- **Detected in the period:** 2")
    has("- **Closed in the period:** 1")
    has("- **Open at the end of the period:** 2")   -- last year's and the tape; not the one after
    has("- **Raised a nonconformity:** 1")
    has("- **Median time to contain:** 14 h")
    has("| low | 0 |")                                 -- every severity of the scale, 0 included
    has("| medium | 1 |")
    has("| high | 1 |")
    has("| critical | 0 |")
    has("| to contain | 2 | 14 | 14 | 24 |")
    has("| to close | 1 | 72 | 72 | 72 |")
    has("| INC-003 | 2025-11-01 | critical | Last year's |")
    has("| INC-002 | 2026-05-10T08:00 | medium | Tape missing | 2026-05-11T08:00 | IT Manager |")
    has("| INC-001 | 2026-03-02T08:00 | high | Forged order | NC-INC | open |")
    assert.falsy(md:find("After the period", 1, true))
    -- an incident rule file that does not load is a problem of the section, not a failed pack
    assert(reg:set_setting("incident_rules", H.file("broken.lua", "scale \"severity\" {")))
    model = assert(review.pack(reg, { from = "2026-01-01", to = "2026-12-31", today = "2027-01-10" }))
    md = report.render(model, "markdown")
    assert.truthy(md:find("broken.lua", 1, true), md)
  end)

  it("refuses a pack whose dates are not dates or run backwards", function()
    local cases = {
      { { "--from", "2026-01-01" }, 2, "--to DATE is required" },
      { { "--from", "2026-02-30", "--to", "2026-12-31" }, 3, "--from: '2026-02-30' is not a date" },
      { { "--from", "2026-12-01", "--to", "2026-01-01" }, 3, "--to 2026-01-01 is before --from 2026-12-01" },
      { { "--from", "2026-01-01", "--to", "2026-12-31", "--format", "pdf" }, 2, "unknown format 'pdf'" },
      { { "--from", "2026-01-01", "--to", "2026-12-31", "--format", "xlsx" }, 2, "--format xlsx needs --out" },
    }
    for _, c in ipairs(cases) do
      local _, err, code = F.run(path, "review", "pack", unpack(c[1]))
      assert.are.equal(c[2], code, err)
      assert.truthy(err:find(c[3], 1, true), err)
    end
  end)

  it("feeds the certification readiness of the gap analysis", function()
    local function states()
      local out = {}
      for _, c in ipairs(assert(reg:readiness({ today = "2026-12-01" })).criteria) do out[c.id] = c end
      return out
    end
    local s = states()
    assert.are.equal("pass", s.management_review.state)            -- MR-2025 was held
    assert.are.equal("no records", s.internal_audit.state)
    assert.are.equal("no records", s.nonconformities_closed.state)
    assert.are.equal("no records", s.mandatory_documents.state)
    assert(reg:records("audit"):add({ title = "First audit", start_date = "2026-03-01", end_date = "2026-03-02",
                                      status = "reported" }))
    assert(reg:records("nonconformity"):add({ title = "x", source = "audit", raised_by = "A", raised = "2026-03-02" }))
    assert(reg:records("document"):add({ title = "Policy", fulfils = "policy", status = "approved", approver = "MD",
                                         approved = "2026-01-10" }))
    s = states()
    assert.are.equal("pass", s.internal_audit.state)
    assert.are.equal("fail", s.nonconformities_closed.state)
    assert.are.same({ "NC-001 open" }, s.nonconformities_closed.records)
    -- one mandatory document of many: the others are missing, each named
    assert.are.equal("fail", s.mandatory_documents.state)
    assert.is_true(#s.mandatory_documents.records > 1)
    for _, r in ipairs(s.mandatory_documents.records) do assert.is_nil(r:find("^policy ")) end
    assert.are.equal("pass", s.six_months_of_records.state)        -- approved 2026-01-10
    local early = assert(reg:readiness({ today = "2026-04-01" }))
    assert.are.equal("fail", early.criteria[2].state)               -- not six months yet
    assert.is_false(early.ready)
  end)

  it("round-trips reviews, review actions and feedback through CSV", function()
    assert(fb:add({ party = "Regulator", received = "2026-01-05", summary = "Audit, please; soon" }))
    for _, name in ipairs { "review", "review_action", "feedback" } do
      local coll = reg:records(name)
      local out = H.tmp(name .. ".csv")
      assert(coll:export(out))
      local rep = assert(coll:import(out))
      assert.are.equal(0, rep.created + rep.updated, name)
    end
  end)
end)
