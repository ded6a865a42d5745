-- isms soa, isms rtp and isms report on a treated register: the models,
-- every format through the command line, and the XLSX workbook read back
-- (unzip + its XML): sheets, rows, frozen headers, filters, confidential
-- marks.
local H = require "helper"
local cjson = require "cjson"
local report = require "isms.report.models"

local q = H.shell_quote

-- A register of 2 assets with the generic catalog's risks; three rated,
-- two treated, one task re-dated, the SoA decided from the treatments.
local function treated_register()
  local reg, path = H.register()
  assert(reg:import_assets(H.file("assets.csv", [[
id,name,type,owner,c,i,a
SRV-1,Build server,physical,IT,2,2,2
DOC-1,Design files,information,Engineering;Legal,4,3,2
]])))
  assert(reg:generate_risks("generic"))
  local srv, doc = {}, {}
  for _, r in ipairs(reg:risks()) do
    if r.asset == "SRV-1" then srv[#srv + 1] = r.ref else doc[#doc + 1] = r.ref end
  end
  assert(reg:set_risk(srv[1], { ratings = { S = 8, O = 5, D = 6 } }))   -- 240 High
  assert(reg:set_risk(srv[2], { ratings = { S = 2, O = 5, D = 6 } }))   -- 60 Low
  assert(reg:set_risk(doc[1], { ratings = { S = 9, O = 9, D = 9 } }))   -- 729 High
  assert(reg:treat(srv[1], { option = "modify", controls = { "A.8.7", "A.8.13" },
                             residual = { S = 8, O = 1, D = 6 }, rationale = "EDR and backups" }))
  assert(reg:treat(doc[1], { option = "retain", override = { by = "CEO", reason = "secret plan" } }))
  assert(reg:accept_risk(srv[1], { role = "management", who = "CEO", rationale = "funded" }))
  assert(reg:add_task({ risk = srv[1], control = "A.8.7", title = "Deploy EDR", owner = "IT",
                        due = "2026-12-01" }))
  assert(reg:delay_task("RTP-0001", { reason = "supplier late", revised_due = "2027-01-10",
                                      approved_by = "CISO" }))
  local entries = {}
  for _, c in ipairs(reg:soa_catalog().controls) do
    entries[c.id] = { applicable = false, justification = "out of scope" }
  end
  entries["A.8.7"] = { applicable = true, reasons = { "risk" }, status = "partial" }
  entries["A.8.13"] = { applicable = true, reasons = { "risk" } }
  assert(reg:put_soa(entries))
  return reg, path, srv, doc
end

local function section(model, id)
  for _, s in ipairs(model.sections) do if s.id == id then return s end end
end

local function unzip(path, member)
  local p = io.popen("unzip -p " .. q(path) .. " " .. q(member) .. " 2>/dev/null")
  local data = p:read("*a")
  p:close()
  return data
end

local count = H.count

-- The workbook's sheet names, in order, and sheet N's XML by name.
local function workbook(path)
  local wb = unzip(path, "xl/workbook.xml")
  local names = {}
  for name in wb:gmatch('<sheet name="([^"]+)"') do names[#names + 1] = name end
  local sheets = {}
  for k, name in ipairs(names) do sheets[name] = unzip(path, ("xl/worksheets/sheet%d.xml"):format(k)) end
  return names, sheets
end

describe("report models", function()
  it("the SoA: every control, linked risks, problems", function()
    local reg, _, srv = treated_register()
    local model = assert(report.soa(reg, { today = "2027-01-15" }))
    local t = section(model, "soa")
    assert.are.equal(93, #t.rows)
    assert.are.same({}, t.problems)
    local a87
    for _, r in ipairs(t.rows) do if r.control == "A.8.7" then a87 = r end end
    assert.are.same({ true, "risk", "partial", 1, srv[1] },
                    { a87.applicable, a87.reasons, a87.status, a87.risks, a87.linked })
    local a51
    for _, r in ipairs(t.rows) do if r.control == "A.5.1" then a51 = r end end
    assert.are.same({ false, "out of scope" }, { a51.applicable, a51.justification })
    -- Excluding a selected control shows up as a problem of the model.
    assert(reg:set_soa("A.8.13", { applicable = false, justification = "no" }))
    t = section(assert(report.soa(reg)), "soa")
    assert.are.equal(1, #t.problems)
    assert.truthy(t.problems[1]:find("A.8.13 is excluded but selected", 1, true))
  end)

  it("the RTP as of a date: overdue with its delay", function()
    local reg = treated_register()
    local model = report.rtp(reg, { today = "2027-01-15" })
    local overdue = section(model, "overdue")
    assert.are.equal(1, #overdue.rows)
    local t = overdue.rows[1]
    assert.are.same({ "RTP-0001", "2027-01-10", "2026-12-01", 1, 5, "supplier late (CISO)" },
                    { t.id, t.due, t.first_due, t.delays, t.days_overdue, t.last_delay })
    assert.are.equal(0, #section(report.rtp(reg, { today = "2027-01-01" }), "overdue").rows)
    assert.are.equal(1, #section(report.rtp(reg, { today = "2027-01-01" }), "slipping").rows)
  end)

  it("the whole report: heat maps before and after, urgent risks, acceptance", function()
    local reg, _, srv, doc = treated_register()
    local model = assert(report.full(reg, { today = "2027-01-15", limit = 2 }))
    local maps = section(model, "heatmap").maps
    local function cell(map, s, o) return map.cells[11 - s][o] end
    -- a cell's zone is the highest level any D gives at that S x O
    -- (S x O x 10 >= 200 is High, >= 100 Medium), empty cells too
    assert.are.same({ count = 1, level = "High", zone = "High" }, cell(maps[1], 8, 5))
    assert.are.same({ count = 1, level = "High", zone = "High" }, cell(maps[1], 9, 9))
    assert.are.same({ count = 0, zone = "High" }, cell(maps[2], 8, 5))   -- modified: moved
    assert.are.same({ count = 1, level = "Low", zone = "Low" }, cell(maps[2], 8, 1))
    assert.are.same({ count = 1, level = "High", zone = "High" }, cell(maps[2], 9, 9))  -- retained
    assert.are.same({ count = 0, zone = "Low" }, cell(maps[1], 1, 1))
    assert.are.same({ count = 0, zone = "Medium" }, cell(maps[1], 4, 4))   -- 160
    assert.are.same({ count = 0, zone = "High" }, cell(maps[1], 5, 4))     -- 200
    -- the axes carry the scales' names and tier labels; the projection is said
    assert.are.same({ "Severity (S)", "Occurrence (O)" }, { maps[1].row_title, maps[1].col_title })
    assert.are.equal("10 Hazardous", maps[1].rows[1])
    assert.are.equal("1 Remote", maps[1].cols[1])
    local hm = section(model, "heatmap")
    assert.truthy(hm.note:find("highest level any D gives at that S x O", 1, true), hm.note)
    -- before and after are told apart in their titles
    assert.are.same({ "before", "after" }, { maps[1].stage, maps[2].stage })
    assert.truthy(maps[1].title:find("^Before treatment"))
    assert.truthy(maps[2].title:find("^After treatment"))
    assert.are.equal(3, maps[1].total)
    local risks = section(model, "risks")
    assert.are.equal(2, #risks.rows)
    assert.are.equal(#reg:risks(), risks.total)
    assert.are.same({ doc[1], srv[1] }, { risks.rows[1].ref, risks.rows[2].ref })
    assert.are.same({ "retain", "modify", "A.8.13 A.8.7", 48 },
                    { risks.rows[1].option, risks.rows[2].option, risks.rows[2].controls,
                      risks.rows[2].residual_score })
    local acc = section(model, "acceptance")
    assert.are.equal(2, acc.total)
    assert.are.same({ doc[1], "management, Engineering, Legal" }, { acc.rows[1].risk, acc.rows[1].missing })
    assert.are.same({ srv[1], "IT" }, { acc.rows[2].risk, acc.rows[2].missing })
  end)
end)

describe("report acceptance count", function()
  it("counts residual risk awaiting acceptance: management and every owner, one or several", function()
    local reg, _, srv, doc = treated_register()
    local function acc()
      local s = section(assert(report.full(reg, { today = "2027-01-15" })), "acceptance")
      local missing = {}
      for _, r in ipairs(s.rows) do missing[r.risk] = r.missing end
      return s.total, missing
    end
    local total, missing = acc()
    assert.are.equal(2, total)
    assert.are.same({ [doc[1]] = "management, Engineering, Legal", [srv[1]] = "IT" }, missing)
    assert(reg:accept_risk(doc[1], { role = "management", who = "CEO", rationale = "ok" }))
    assert(reg:accept_risk(doc[1], { role = "owner", who = "Engineering", rationale = "ok" }))
    total, missing = acc()
    assert.are.equal(2, total)
    assert.are.equal("Legal", missing[doc[1]])
    assert(reg:accept_risk(doc[1], { role = "owner", who = "Legal", rationale = "ok" }))
    assert(reg:accept_risk(srv[1], { role = "owner", who = "IT", rationale = "ok" }))
    total = acc()
    assert.are.equal(0, total)
  end)
end)

describe("isms soa / rtp / report", function()
  it("renders every text format; JSON carries the model", function()
    local reg, path = treated_register()
    reg:close()
    for _, fmt in ipairs { "table", "csv", "markdown", "html" } do
      local out, err, code = H.run("--db", path, "report", "--format", fmt, "--today", "2027-01-15")
      assert.are.equal(0, code, err)
      assert.truthy(out:find("Statement of Applicability", 1, true), fmt)
      assert.truthy(out:find("RTP-0001", 1, true), fmt)
    end
    local out, err, code = H.run("--db", path, "report", "--format", "json", "--today", "2027-01-15")
    assert.are.equal(0, code, err)
    local model = cjson.decode(out)
    assert.are.equal("Information security risk report", model.title)
    local ids = {}
    for k, s in ipairs(model.sections) do ids[k] = s.id end
    assert.are.same({ "summary", "heatmap", "risks", "acceptance", "soa", "rtp-summary", "overdue",
                      "slipping", "tasks" }, ids)
    assert.are.same({ "vulnerability", "controls" }, model.sections[3].confidential)
    -- The same register gives the same bytes.
    local again = H.run("--db", path, "report", "--format", "json", "--today", "2027-01-15")
    assert.are.equal(out, again)
  end)

  it("writes the XLSX report: sections as sheets, names whole, typed cells, frozen, filtered, printable", function()
    local reg, path = treated_register()
    reg:close()
    local xlsx = H.tmp("report.xlsx")
    os.remove(xlsx)
    local _, err, code = H.run("--db", path, "report", "--format", "xlsx", "--out", xlsx,
                               "--today", "2027-01-15", "--limit", "2")
    assert.are.equal(0, code, err)
    local names, sheets = workbook(xlsx)
    -- a report, not the register: no sheet of every risk; no name cut
    assert.are.same({ "Summary", "Heat map before treatment", "Heat map after treatment",
                      "Most urgent risks", "Awaiting acceptance", "Statement of Applicability",
                      "Risk treatment plan", "Overdue tasks", "Slipping tasks", "All tasks" },
                    names)
    for _, name in ipairs(names) do
      local x = sheets[name]
      assert.truthy(x:find('state="frozen"', 1, true), name)
      assert.truthy(x:find("<autoFilter ref=", 1, true), name)
      assert.truthy(x:find('orientation="landscape"', 1, true), name)
      assert.truthy(x:find('<pageSetUpPr fitToPage="1"/>', 1, true), name)
      assert.truthy(x:find('fitToHeight="0"', 1, true), name)
      assert.truthy(x:find("<cols>", 1, true), name)   -- column widths
    end
    -- the header row repeats on every printed page
    local wb = unzip(xlsx, "xl/workbook.xml")
    assert.are.equal(#names, count(wb, 'name="_xlnm.Print_Titles"'))
    assert.are.equal(3, count(sheets["Most urgent risks"], "<row "))   -- header + --limit 2
    -- numbers are numbers: the summary's asset count is no shared string
    local n_risks = sheets.Summary:match('<c r="B3"([^>]*)>')
    assert.is_nil(n_risks:find('t="s"', 1, true), n_risks)
    -- dates are dates: read back through the project's XLSX reader, a due
    -- date comes as YYYY-MM-DD only when the cell is a number in a date format
    local tab = require "isms.store.tabular"
    local t = assert(tab.open_xlsx(xlsx, { sheet = "Overdue tasks" }))
    local due_col
    for k, h in ipairs(t.header) do if h == "Due" then due_col = k end end
    local row = t:next()
    assert.are.equal("2027-01-10", row[due_col])
    local due_cell = sheets["Overdue tasks"]:match('<c r="G2"([^>]*)>')
    assert.is_nil(due_cell:find('t="s"', 1, true), due_cell)
    assert.truthy(unzip(xlsx, "xl/styles.xml"):find('formatCode="yyyy%-mm%-dd"'))
    -- obligations are words
    local risks = sheets["Most urgent risks"]
    assert.falsy(risks:find("1 legal", 1, true))
    -- the heat map's cells keep their level colours
    local styles = unzip(xlsx, "xl/styles.xml")
    assert.truthy(styles:find("FFF44336", 1, true) or styles:find("F44336", 1, true), styles:sub(1, 200))
  end)

  it("names sheets within Excel's 31 characters by whole words, uniquely", function()
    local name = require("isms.report.xlsx").sheet_name
    local taken = {}
    assert.are.equal("Residual risk awaiting", name("Residual risk awaiting acceptance", taken))
    assert.are.equal("Residual risk awaiting 2", name("Residual risk awaiting acceptance", taken))
    assert.are.equal("residual risk awaiting 3", name("residual risk awaiting ACCEPTANCE", taken))
    assert.are.equal("Clause 4 1 context", name("Clause 4/1: context?", taken))
    assert.are.equal(("x"):rep(31), name(("x"):rep(40), taken))
    assert.are.equal(("x"):rep(29) .. " 2", name(("x"):rep(40), taken))
    assert.are.equal("History 2", name("History", taken))
    assert.are.equal("Sheet", name("[]", taken))
  end)

  it("--full adds the whole register to the workbook: every risk, task and delay", function()
    local reg, path = treated_register()
    local nrisks = #reg:risks()
    local ref = reg:risks()[1].ref
    assert(reg:set_risk(ref, { obligations = { legal = true, contractual = true } }))
    reg:close()
    local xlsx = H.tmp("full.xlsx")
    os.remove(xlsx)
    local _, err, code = H.run("--db", path, "report", "--full", "--format", "xlsx", "--out", xlsx,
                               "--today", "2027-01-15")
    assert.are.equal(0, code, err)
    local names, sheets = workbook(xlsx)
    assert.are.same({ "Summary", "Risks", "Heat map before treatment", "Heat map after treatment",
                      "Awaiting acceptance", "Statement of Applicability",
                      "Risk treatment plan", "Overdue tasks", "Slipping tasks", "Tasks", "Delays" },
                    names)
    for _, name in ipairs(names) do
      assert.truthy(sheets[name]:find('state="frozen"', 1, true), name)
      assert.truthy(sheets[name]:find("<autoFilter ref=", 1, true), name)
    end
    assert.are.equal(nrisks + 1, count(sheets.Risks, "<row "))
    assert.are.equal(94, count(sheets["Statement of Applicability"], "<row "))
    assert.truthy(sheets["Statement of Applicability"]:find(">no<", 1, true))
    assert.are.equal(2, count(sheets.Tasks, "<row "))
    assert.are.equal(2, count(sheets.Delays, "<row "))
    assert.truthy(sheets.Delays:find("supplier late", 1, true))
    -- obligations and acceptability in words, read back
    local tab = require "isms.store.tabular"
    local t = assert(tab.open_xlsx(xlsx, { sheet = "Risks" }))
    local col = {}
    for k, h in ipairs(t.header) do col[h] = k end
    assert.truthy(col.Obligations, table.concat(t.header, "|"))
    local seen, acceptable = nil, {}
    for row in function() return t:next() end do
      if row[col.Risk] == ref then seen = row[col.Obligations] end
      if row[col.Acceptable] then acceptable[row[col.Acceptable]] = true end
    end
    assert.are.equal("legal, contractual", seen)
    assert.is_true(acceptable.no)
    assert.is_nil(acceptable["0"])
    t = assert(tab.open_xlsx(xlsx, { sheet = "Delays" }))
    local r = t:next()
    assert.are.same({ "2026-12-01", "2027-01-10" }, { r[4], r[5] })
    -- confidential columns marked on the header and the sheet's header/footer
    assert.truthy(sheets.Risks:find("Vulnerability [confidential]", 1, true))
    assert.truthy(sheets.Risks:find("Override reason [confidential]", 1, true))
    assert.truthy(sheets.Risks:find("CONFIDENTIAL", 1, true))
    assert.falsy(sheets.Delays:find("CONFIDENTIAL", 1, true))
    assert.truthy(sheets.Risks:find("secret plan", 1, true))
    -- --full is for workbooks only
    local _, ferr, fcode = H.run("--db", path, "report", "--full", "--format", "html")
    assert.are.equal(2, fcode)
    assert.truthy(ferr:find("--full writes the whole register", 1, true), ferr)
  end)

  it("soa and rtp write their own workbooks; soa check exits 3 on problems", function()
    local reg, path = treated_register()
    assert(reg:set_soa("A.8.13", { applicable = false, justification = "no" }))
    reg:close()
    local xlsx = H.tmp("soa.xlsx")
    os.remove(xlsx)
    local _, err, code = H.run("--db", path, "soa", "--format", "xlsx", "--out", xlsx)
    assert.are.equal(0, code, err)
    local names, sheets = workbook(xlsx)
    assert.are.same({ "Summary", "Controls" }, names)
    assert.truthy(sheets.Controls:find("Problem: A.8.13 is excluded but selected", 1, true))
    local out
    out, err, code = H.run("--db", path, "soa", "check")
    assert.are.equal(3, code, err)
    assert.truthy(out:find("error: A.8.13 is excluded but selected by the treatment of 1 risk(s)", 1, true))
    xlsx = H.tmp("rtp.xlsx")
    os.remove(xlsx)
    _, err, code = H.run("--db", path, "rtp", "--format", "xlsx", "--out", xlsx, "--today", "2027-01-15")
    assert.are.equal(0, code, err)
    names = workbook(xlsx)
    assert.are.same({ "Risk treatment plan", "Overdue tasks", "Slipping tasks", "Tasks", "Delays" },
                    names)
  end)

  it("refuses bad options with usage errors and writes nothing", function()
    local reg, path = treated_register()
    reg:close()
    local xlsx = H.tmp("never.xlsx")
    os.remove(xlsx)
    local cases = {
      { { "report", "--format", "xlsx" }, "--format xlsx needs --out FILE.xlsx" },
      { { "report", "--format", "pdf" }, "unknown format 'pdf'" },
      { { "report", "--today", "2027-13-01" }, "--today: '2027-13-01' is not a date" },
      { { "report", "--limit", "many" }, "--limit: expected a number" },
      { { "soa", "set", "A.5.1" }, "give one of --applicable or --excluded" },
      { { "treat", "X" }, "usage: isms treat REF" },
    }
    for _, case in ipairs(cases) do
      local _, err, code = H.run("--db", path, unpack(case[1]))
      assert.are.equal(2, code, err)
      assert.truthy(err:find(case[2], 1, true), ("want %q in %q"):format(case[2], err))
    end
    local _, err, code = H.run("--db", path, "report", "--format", "xlsx", "--out",
                               "/nonexistent/dir/r.xlsx")
    assert.are_not.equal(0, code)
    assert.truthy(err:find("r.xlsx", 1, true) or err:find("nonexistent", 1, true), err)
    assert.is_nil(io.open(xlsx, "rb"))
  end)
end)
