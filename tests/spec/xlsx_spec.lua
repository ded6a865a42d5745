-- XLSX in and out (issue #13 point 6, issue #18 point 9): the one table
-- reader for CSV and XLSX (isms.store.tabular), the questionnaire round
-- trip through a workbook (export, fill, import: drop-down lists, locked
-- id columns, all or nothing with file:Sheet!C7), record kinds and the
-- asset inventory imported from a worksheet.
local H = require "helper"
local isms = require "isms"
local tabular = require "isms.store.tabular"
local assess = require "isms.gap.assess"

local function new_register()
  local path = H.tmp("xlsx.db")
  os.remove(path)
  return assert(isms.open(path)), path
end

local function dump(path)
  local p = io.popen("sqlite3 " .. H.shell_quote(path) .. " 'SELECT * FROM answers ORDER BY 1, 2;"
    .. " SELECT * FROM assessments ORDER BY 1; SELECT count(*) FROM change_log;"
    .. " SELECT count(*) FROM change_batches'")
  local s = p:read("*a")
  p:close()
  return s
end

-- A part of a workbook, as unzip gives it.
local function part(file, name)
  local p = io.popen("unzip -p " .. H.shell_quote(file) .. " " .. H.shell_quote(name))
  local s = p:read("*a")
  p:close()
  return s
end

-- Every data row of a table file, as lists of cells.
local function all_rows(path, opts)
  local rd = assert(tabular.open(path, opts))
  local rows = {}
  for cells in rd.next, rd do rows[#rows + 1] = cells end
  rd:close()
  return rows, rd
end

describe("the table reader", function()
  it("reads CSV and XLSX alike: header, rows, positions", function()
    local csv = H.file("t.csv", "ID, Name \nA-1,one\n,\nA-2,two\n")
    local xlsx = H.tmp("t.xlsx")
    assert(tabular.write_xlsx(xlsx, "Things", { { name = "id", title = " ID" },
      { name = "name", title = "Name " } }, { { id = "A-1", name = "one" }, {},
      { id = "A-2", name = "two" } }))
    for _, path in ipairs({ csv, xlsx }) do
      local rd = assert(tabular.open(path))
      assert.are.same({ "ID", "Name" }, rd.header)
      local rows = {}
      for cells in rd.next, rd do rows[#rows + 1] = cells end
      assert.are.same({ { "A-1", "one" }, { "A-2", "two" } }, rows)
      rd:close()
    end
    local rd = assert(tabular.open(xlsx))
    assert.are.equal(xlsx .. ":Things!B1", rd.header_at[2])
    rd:next()
    rd:next()
    local where, at = rd:positions({ name = 2, id = 1 })
    assert.are.equal(xlsx .. ":Things!B4", where.name)
    assert.are.equal(xlsx .. ":Things!A4", at)
    assert.is_nil(where.other)
    rd = assert(tabular.open(csv))
    rd:next()
    where, at = rd:positions({ name = 2 })
    assert.are.equal(csv .. ":2:5", where.name)
    assert.are.equal(csv .. ":2:1", at)
  end)

  it("starts a worksheet's table at its header's first cell", function()
    -- Column A has no header: a margin, not part of the table.
    local xlsx = H.tmp("offset.xlsx")
    assert(tabular.write_xlsx(xlsx, "S", { { title = "" }, { title = "id" }, { title = "name" } },
      { { "a note", "X-1", "ten" }, { "only a note" }, { "", "X-2" } }))
    local rows, rd = all_rows(xlsx)
    assert.are.same({ "id", "name" }, rd.header)
    assert.are.equal(xlsx .. ":S!B1", rd.header_at[1])
    assert.are.same({ { "X-1", "ten" }, { "X-2", "" } }, rows)
  end)

  it("refuses what is not a table: an empty sheet, --sheet for CSV, a broken file", function()
    local xlsx = H.tmp("empty.xlsx")
    assert(tabular.write_xlsx(xlsx, "Blank", { { name = "a", title = "" } }, {}))
    local rd, err, code = tabular.open(xlsx)
    assert.is_nil(rd)
    assert.are.equal("INPUT", code)
    assert.truthy(err:find(xlsx .. ":Blank!A1: sheet 'Blank' is empty; expected a header row", 1,
                           true), err)
    local csv = H.file("x.csv", "a\n1\n")
    rd, err, code = tabular.open(csv, { sheet = "S" })
    assert.is_nil(rd)
    assert.are.equal("USAGE", code)
    assert.truthy(err:find("--sheet is for XLSX workbooks", 1, true), err)
    rd, err, code = tabular.open("tests/fixtures/xlsx/truncated.xlsx")
    assert.is_nil(rd)
    assert.are.equal("INPUT", code)
    assert.truthy(err:find("damaged or truncated", 1, true), err)
    local _
    rd, _, code = tabular.open(H.tmp("missing.xlsx"))
    assert.is_nil(rd)
    assert.are.equal("IO", code)
  end)
end)

describe("the table writer (isms_xlsx_table)", function()
  it("puts a long list on a hidden sheet, and refuses bad names without leaving a file", function()
    local values = {}
    for k = 1, 40 do values[k] = ("choice number %02d, long"):format(k) end
    local f = H.tmp("lists.xlsx")
    assert(tabular.write_xlsx(f, "Pick", { { name = "id", locked = true },
      { name = "pick", values = values } }, { { id = "1" } }))
    local wb = part(f, "xl/workbook.xml")
    assert.truthy(wb:find('<sheet name="Lists" sheetId="2" state="hidden"', 1, true), wb)
    local sheet = part(f, "xl/worksheets/sheet1.xml")
    assert.truthy(sheet:find('sqref="B2"><formula1>Lists!$B$1:$B$40</formula1>', 1, true), sheet)
    local rows = all_rows(f, { sheet = "Lists" })
    assert.are.equal(39, #rows)   -- the first value is the "header" of that sheet
    local ok, err, code = tabular.write_xlsx(H.tmp("bad.xlsx"), "a/b", { { name = "x" } }, {})
    assert.is_nil(ok)
    assert.are.equal("USAGE", code)
    assert.truthy(err:find("'a/b' is not a sheet name", 1, true), err)
    ok, err = tabular.write_xlsx(H.tmp("bad.xlsx"), "Lists", { { name = "x" } }, {})
    assert.is_nil(ok)
    assert.truthy(err:find("kept for drop-down lists", 1, true), err)
    ok, err = tabular.write_xlsx(H.tmp("bad.xlsx"), "history", { { name = "x" } }, {})
    assert.is_nil(ok)
    assert.truthy(err:find("reserved by Excel", 1, true), err)
    local nowhere = H.tmp("no-such-dir") .. "/q.xlsx"
    local _
    ok, _, code = tabular.write_xlsx(nowhere, "S", { { name = "x" } }, {})
    assert.is_nil(ok)
    assert.are.equal("IO", code)
    local listing = io.popen("ls " .. H.shell_quote(H.dir)):read("*a")
    assert.falsy(listing:find("bad.xlsx", 1, true), listing)
  end)
end)

describe("the questionnaire as a workbook", function()
  local reg, path, a
  before_each(function()
    reg, path = new_register()
    assert(reg:import_framework("iso27001-2022"))
    a = assert(reg:new_assessment({ framework = "iso27001-2022", assessed_on = "2026-12-01",
                                    assessor = "Auditor A", title = "Baseline" }))
    assert(reg:answer(a, "4.1", { status = "met", maturity = 3, owner = "CISO" }))
  end)
  after_each(function() reg:close() end)

  it("exports with drop-down lists, locked id columns, a layout that prints", function()
    local q = H.tmp("q.xlsx")
    assert.are.equal(207, assert(reg:export_questionnaire(a, q)))
    local sheet = part(q, "xl/worksheets/sheet1.xml")
    -- status and maturity (and target) pick from the method's lists
    assert.truthy(sheet:find('sqref="C2:C208"><formula1>"not_assessed,not_met,partially_met,met,'
      .. 'not_applicable"</formula1>', 1, true), sheet)
    assert.truthy(sheet:find('sqref="D2:D208"><formula1>"0,1,2,3,4,5"</formula1>', 1, true))
    -- protected without a password; filtering and resizing allowed
    assert.truthy(sheet:find('<sheetProtection sheet="1"', 1, true))
    assert.falsy(sheet:find('password=', 1, true))
    assert.truthy(sheet:find('autoFilter="0"', 1, true))
    -- frozen bold header, autofilter, landscape one page wide, widths
    assert.truthy(sheet:find('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
      .. 'state="frozen"/>', 1, true))
    assert.truthy(sheet:find('<autoFilter ref="A1:M208"/>', 1, true))
    assert.truthy(sheet:find('<pageSetup fitToHeight="0" orientation="landscape"/>', 1, true))
    assert.truthy(sheet:find('<pageSetUpPr fitToPage="1"/>', 1, true))
    assert.truthy(sheet:find('<col min="2" max="2" width="48.7109375"', 1, true))
    local wb = part(q, "xl/workbook.xml")
    assert.truthy(wb:find('name="_xlnm.Print_Titles" localSheetId="0">Questionnaire!$1:$1<', 1,
                          true), wb)
    -- the id and title columns are locked, the answer columns not
    local styles = part(q, "xl/styles.xml")
    local xfs = styles:match("<cellXfs[^>]*>(.-)</cellXfs>")
    local style_of, k = {}, 0
    for xf in xfs:gsub("<xf ", "\1"):gmatch("\1([^\1]*)") do style_of[k] = xf; k = k + 1 end
    local a2 = tonumber(sheet:match('<c r="A2" s="(%d+)"'))
    local c2 = tonumber(sheet:match('<c r="C2" s="(%d+)"'))
    assert.falsy(style_of[a2]:find('locked="0"', 1, true), style_of[a2])
    assert.truthy(style_of[c2]:find('locked="0"', 1, true), style_of[c2])
    -- blank answer cells are written, unlocked, down to the last row
    assert.truthy(sheet:find('<c r="L208" s="' .. c2 .. '"/>', 1, true))
    -- and the answers so far are in it: maturity a number
    local rows = all_rows(q)
    assert.are.equal(207, #rows)
    assert.are.same({ "4.1", "Know the organisation and its context", "met", "3" },
                    { rows[1][1], rows[1][2], rows[1][3], rows[1][4] })
    assert.truthy(sheet:find('<c r="D2" s="%d+"><v>3</v></c>'), sheet:sub(1, 3000))
  end)

  it("round-trips: filled in (through the same writer), read back all or nothing", function()
    local q = H.tmp("q.xlsx")
    assert(reg:export_questionnaire(a, q))
    local _, m = assess.assessment(reg, a)
    local cols = assess.xlsx_columns(m)
    local rows = all_rows(q)
    local function filled(edit)
      local out = {}
      for r, cells in ipairs(rows) do
        local row = {}
        for k, c in ipairs(cols) do row[c.name] = cells[k] end
        out[r] = row
      end
      edit(out)
      local f = H.tmp("filled.xlsx")
      assert(tabular.write_xlsx(f, "Questionnaire", cols, out))
      return f
    end
    local by = {}
    for r, cells in ipairs(rows) do by[cells[1]] = r end
    local good = filled(function(out)
      out[by["4.2 a)"]].status, out[by["4.2 a)"]].maturity = "Partially met", "2"
      out[by["A.5.1"]].status, out[by["A.5.1"]].justification = "not_applicable", "no policies"
      out[by["4.1"]].notes = "checked on site"
      out[by["A.5.2"]].effort, out[by["A.5.2"]].status = "2.5", "not_met"
    end)
    local rep = assert(reg:import_questionnaire(a, good))
    assert.are.equal(3, rep.created)
    assert.are.equal(1, rep.updated)
    local ans = reg:answers(a)
    assert.are.equal("partially_met", ans["4.2 a)"].status)
    assert.are.equal(2, ans["4.2 a)"].maturity)
    assert.are.equal("no policies", ans["A.5.1"].justification)
    assert.are.equal("checked on site", ans["4.1"].notes)
    assert.are.equal(2.5, ans["A.5.2"].effort)
    -- the same file again changes nothing
    local again = assert(reg:import_questionnaire(a, good))
    assert.are.equal(0, again.created + again.updated)

    local before = dump(path)
    local bad = filled(function(out)
      out[by["4.3 a)"]].status = "sort of"                     -- row by["4.3 a)"] + 1
      out[by["A.5.3"]].status = "not applicable"               -- no justification
      out[by["4.2 b)"]].requirement = "9.9"                    -- an id that is not one
      out[by["4.2 b)"]].title = ""
      out[by["4.2 b)"]].status = "met"
      local dup = {}
      for k, v in pairs(out[by["4.1"]]) do dup[k] = v end
      out[#out + 1] = dup                                      -- 4.1 twice
    end)
    local ok, err, code = reg:import_questionnaire(a, bad)
    assert.is_nil(ok)
    assert.are.equal("INPUT", code)
    local function row_of(ref) return by[ref] + 1 end
    assert.truthy(err:find(("%s:Questionnaire!C%d: status: 'sort of' is not a status"):format(
      bad, row_of("4.3 a)")), 1, true), err)
    assert.truthy(err:find(("%s:Questionnaire!F%d: justification: not_applicable needs a "
      .. "justification"):format(bad, row_of("A.5.3")), 1, true), err)
    assert.truthy(err:find(("%s:Questionnaire!A%d: requirement: '9.9' is not a requirement")
      :format(bad, row_of("4.2 b)")), 1, true), err)
    assert.truthy(err:find(("%s:Questionnaire!A%d: requirement: '%s / 4.1' is also on row 2")
      :format(bad, #rows + 2, a), 1, true), err)
    assert.truthy(err:find(bad .. ": rejected; nothing was stored", 1, true), err)
    assert.are.equal(before, dump(path))

    -- an edited id column: the title no longer matches the requirement
    local edited = filled(function(out)
      out[by["4.3 a)"]].requirement = "4.1"
      out[by["4.3 a)"]].status = "met"
    end)
    ok, err = reg:import_questionnaire(a, edited)
    assert.is_nil(ok)
    assert.truthy(err:find(("%s:Questionnaire!B%d: title: the title of 4.1 was edited"):format(
      edited, row_of("4.3 a)")), 1, true), err)
    assert.are.equal(before, dump(path))
  end)

  it("works from the command line: gap export A FILE.xlsx, gap import A FILE.xlsx", function()
    reg:close()
    local q = H.tmp("cli.xlsx")
    local _, err, code = H.run("--db", path, "gap", "export", a, q)
    assert.are.equal(0, code, err)
    assert.are.equal(207, #all_rows(q))
    local out
    out, err, code = H.run("--db", path, "gap", "import", a, q)
    assert.are.equal(0, code, err)
    assert.truthy(out:find(q .. ": 1 answers", 1, true), out)
    _, err, code = H.run("--db", path, "gap", "import", a, q, "--sheet", "Nope")
    assert.are_not.equal(0, code)
    assert.truthy(err:find("no sheet 'Nope' in the workbook; its sheets: Questionnaire", 1, true),
                  err)
    reg = assert(isms.open(path))
  end)
end)

describe("record kinds from a worksheet", function()
  it("isms NOUN import FILE.xlsx --sheet S", function()
    local reg, path = new_register()
    assert(reg:import_framework("iso27001-2022"))
    reg:close()
    local book = H.tmp("assessments.xlsx")
    assert(tabular.write_xlsx(book, "Plan", {
      { name = "id" }, { name = "framework" }, { name = "assessed_on" }, { name = "assessor" } },
      { { id = "GA-7", framework = "iso27001-2022", assessed_on = "2027-01-15", assessor = "B" } }))
    local out, err, code = H.run("--db", path, "assessments", "import", book, "--sheet", "plan")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("1 rows, 1 created", 1, true), out)
    local bad = H.tmp("bad-assessments.xlsx")
    assert(tabular.write_xlsx(bad, "Plan", {
      { name = "id" }, { name = "framework" }, { name = "assessed_on" }, { name = "assessor" } },
      { { id = "GA-8", framework = "nist", assessed_on = "2027-01-15", assessor = "B" } }))
    out, err, code = H.run("--db", path, "assessments", "import", bad)
    assert.are.equal(3, code, out)
    assert.truthy(err:find(bad .. ":Plan!B2: framework:", 1, true), err)
  end)
end)

describe("asset inventories from a worksheet", function()
  local HEAD = { "id", "name", "type", "owner", "custodian", "location", "outsourced", "contract",
                 "group", "units", "c", "i", "a", "notes" }
  local GOOD = {
    { "AST-1", "Design database", "information", "Head of Design", "CAD Team", "Server room", "no",
      "", "no", "1", "Secret", "High", "High", "golden copy" },
    { "AST-2", "Laptops", "physical", "IT Manager", "IT Operations", "Office", "no", "", "yes", "40",
      "Restricted", "Moderate", "Low", "" },
    { "AST-3", "Foundry shuttle", "service", "Operations", "", "Hsinchu", "yes", "MSA-17", "no", "1",
      "3", "2", "2", "NDA, shuttle" },
  }
  -- A workbook of an inventory: the header then rows (lists of cells);
  -- opts.margin adds an empty-headed column A, opts.extra a column with
  -- values but no header, opts.sheet the sheet's name.
  local function book(rows, opts)
    opts = opts or {}
    local cols, out = {}, {}
    if opts.margin then cols[1] = { title = "" } end
    for _, h in ipairs(opts.head or HEAD) do
      cols[#cols + 1] = { title = h, numeric = h == "units" or #h == 1 }
    end
    if opts.extra then cols[#cols + 1] = { title = "" } end
    for r, row in ipairs(rows) do
      local cells = {}
      if opts.margin then cells[1] = "margin note" end
      for _, v in ipairs(row) do cells[#cells + 1] = v end
      if opts.extra then cells[#cols] = opts.extra[r] end
      out[r] = cells
    end
    local f = H.tmp("inventory.xlsx")
    assert(tabular.write_xlsx(f, opts.sheet or "Inventory", cols, out))
    return f
  end

  it("imports like the CSV: the same assets, valued the same", function()
    local from_csv = H.register()
    assert(from_csv:import_assets(H.file("a.csv", H.GOOD)))
    local reg = H.register()
    local f = book(GOOD, { margin = true })
    local rep = assert(reg:import_assets(f, { reason = "inventory workbook" }))
    assert.are.equal(3, rep.rows)
    assert.are.equal(3, rep.created)
    local one, two = H.tmp("one.csv"), H.tmp("two.csv")
    assert(from_csv:export_assets(one))
    assert(reg:export_assets(two))
    assert.are.equal(H.read(one), H.read(two))
    -- again, on one thread: nothing changes
    rep = assert(reg:import_assets(f, { threads = 1 }))
    assert.are.equal(3, rep.unchanged)
    from_csv:close()
    reg:close()
  end)

  it("refuses a bad inventory whole, each problem as file:Sheet!C7", function()
    local reg = H.register()
    assert(reg:import_assets(H.file("a.csv", H.GOOD)))
    local before = H.snapshot(reg)
    local rows = {}
    for r, row in ipairs(GOOD) do rows[r] = { unpack(row) } end
    rows[2][3] = "hardware"                      -- D3 with the margin: unknown type
    rows[3][11] = "9"                            -- L4: C out of the scale
    rows[4] = { unpack(GOOD[1]) }                -- A-5: duplicate of row 2
    rows[5] = { "AST-9", "Printers", "physical", "", "", "", "", "", "no", "4", "", "", "", "" }
    local f = book(rows, { margin = true, extra = { "stray" } })
    local ok, err, code = reg:import_assets(f)
    assert.is_nil(ok)
    assert.are.equal("INPUT", code)
    assert.truthy(err:find(f .. ":Inventory!D3: type: unknown asset type 'hardware'", 1, true), err)
    assert.truthy(err:find(f .. ":Inventory!L4: c: ", 1, true), err)
    assert.truthy(err:find(f .. ":Inventory!B5: id: duplicate id 'AST-1' (first on row 2)", 1,
                           true), err)
    assert.truthy(err:find(f .. ":Inventory!K6: units: 4 units given for an asset that is not a "
                           .. "group", 1, true), err)
    assert.truthy(err:find(f .. ":Inventory!P2: a value in a column without a header", 1, true), err)
    assert.truthy(err:find(f .. ": rejected: 5 bad rows; nothing was stored", 1, true), err)
    assert.are.equal(before, H.snapshot(reg))

    -- the header: an unknown column, a missing one
    f = book({ GOOD[1] }, { head = { "id", "name", "kind" } })
    ok, err = reg:import_assets(f)
    assert.is_nil(ok)
    assert.truthy(err:find(f .. ":Inventory!C1: unknown column 'kind'", 1, true), err)
    assert.truthy(err:find(f .. ":Inventory!A1: missing required column 'type'", 1, true), err)
    assert.truthy(err:find("the header row is not usable; nothing was stored", 1, true), err)
    -- an empty sheet, a sheet that is not there, a CSV given a sheet
    f = H.tmp("blank.xlsx")
    assert(tabular.write_xlsx(f, "Blank", { { title = "" } }, {}))
    ok, err = reg:import_assets(f)
    assert.is_nil(ok)
    assert.truthy(err:find(f .. ":Blank!A1: sheet 'Blank' is empty; expected a header row", 1,
                           true), err)
    ok, err = reg:import_assets(book(GOOD), { sheet = "Assets" })
    assert.is_nil(ok)
    assert.truthy(err:find("no sheet 'Assets' in the workbook; its sheets: Inventory", 1, true), err)
    ok, err, code = reg:import_assets(H.file("b.csv", H.GOOD), { sheet = "Assets" })
    assert.is_nil(ok)
    assert.are.equal("USAGE", code)
    assert.truthy(err:find("--sheet is for XLSX workbooks", 1, true), err)
    ok, err = reg:import_assets("tests/fixtures/xlsx/bomb.xlsx")
    assert.is_nil(ok)
    assert.truthy(err:find("document type declaration", 1, true), err)
    assert.are.equal(before, H.snapshot(reg))
    reg:close()
  end)

  it("isms import assets FILE.xlsx [--sheet S]", function()
    local _, path = H.register()
    local f = book(GOOD, { sheet = "Assets 2026" })
    local out, err, code = H.run("--db", path, "import", "assets", f, "--sheet", "assets 2026")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("3 rows; 3 created", 1, true), out)
    local rows = { { "AST-4", "", "physical" } }
    local bad = book(rows, { head = { "id", "name", "type" } })
    out, err, code = H.run("--db", path, "import", "assets", bad)
    assert.are.equal(3, code, out)
    assert.truthy(err:find(bad .. ":Inventory!B2: name: name is empty", 1, true), err)
  end)
end)
