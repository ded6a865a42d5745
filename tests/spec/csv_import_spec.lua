-- The asset CSV import: what is accepted, and every kind of bad input
-- rejected whole with file:line:column errors and the register untouched.
local H = require "helper"

local HEAD = "id,name,type,owner,c,i,a,notes\n"

-- Imports text named `name` into a register that already holds H.GOOD and
-- checks the exact error and that nothing changed.
local function rejects(name, text, expected, opts)
  local reg = H.register()
  assert(reg:import_assets(H.file("good.csv", H.GOOD)))
  local before = H.snapshot(reg)
  local path = H.file(name, text)
  opts = opts or {}
  opts.source_name = opts.source_name or name
  local ok, err, code = reg:import_assets(path, opts)
  assert.is_nil(ok)
  assert.are.equal("INPUT", code)
  assert.are.equal(expected, err)
  assert.are.equal(before, H.snapshot(reg))
  reg:close()
end

describe("asset import", function()
  it("stores every column and values the assets", function()
    local reg = H.register()
    local r = assert(reg:import_assets(H.file("good.csv", H.GOOD)))
    assert.are.same({ rows = 3, created = 3, updated = 0, unchanged = 0, batch = r.batch }, r)
    local a = reg:asset("AST-1")
    assert.are.same({
      id = "AST-1", name = "Design database", type = "information", owner = "Head of Design",
      custodian = "CAD Team", location = "Server room", outsourced = false, group = false,
      units = 1, c = 4, i = 3, a = 3, value = 36, class = "A", notes = "golden copy",
      created_batch = r.batch,
    }, a)
    local laptops = reg:asset("AST-2")
    assert.are.equal(true, laptops.group)
    assert.are.equal(40, laptops.units)
    assert.are.equal(2 * 2 * 1, laptops.value)
    assert.are.equal("C", laptops.class)
    local shuttle = reg:asset("AST-3")
    assert.are.equal(true, shuttle.outsourced)
    assert.are.equal("MSA-17", shuttle.contract)
    assert.are.equal("NDA, shuttle", shuttle.notes)
    assert.is_nil(shuttle.custodian)
    assert.are.equal("B", shuttle.class)
  end)

  it("maps columns by name in any order and case, accepts BOM and CRLF", function()
    local reg = H.register()
    local text = "\239\187\191NOTES,A,I,C,Type,Name,ID\r\n" ..
                 "\"two\r\nlines\",low,HIGH,secret,Software,ERP,S-1\r\n"
    assert(reg:import_assets(H.file("bom.csv", text)))
    local a = reg:asset("S-1")
    assert.are.equal("two\r\nlines", a.notes)
    assert.are.same({ 4, 3, 1, 12, "B" }, { a.c, a.i, a.a, a.value, a.class })
  end)

  it("accepts aliases and tier numbers for C, I and A", function()
    local reg = H.register()
    assert(reg:import_assets(H.file("alias.csv", HEAD .. "X-1,Wiki,software,IT,internal,medium,2,\n")))
    local a = reg:asset("X-1")
    assert.are.same({ 2, 2, 2, 8, "B" }, { a.c, a.i, a.a, a.value, a.class })
  end)

  it("leaves assets without C, I or A unvalued", function()
    local reg = H.register()
    assert(reg:import_assets(H.file("nocia.csv", HEAD .. "X-1,New thing,software,IT,,,,\n")))
    local a = reg:asset("X-1")
    assert.is_nil(a.c)
    assert.is_nil(a.class)
    assert.is_nil(a.value)
  end)

  it("updates assets by id on re-import and logs each changed field", function()
    local reg = H.register()
    assert(reg:import_assets(H.file("good.csv", H.GOOD)))
    local changed = H.GOOD:gsub("Head of Design", "Chief Architect")
                          :gsub("Restricted,Moderate,Low", "Secret,High,High")
    local r = assert(reg:import_assets(H.file("changed.csv", changed), { reason = "review 2026" }))
    assert.are.same({ 3, 0, 2, 1 }, { r.rows, r.created, r.updated, r.unchanged })
    local log = {}
    for _, c in ipairs(reg:changes()) do
      if c.batch == r.batch then
        log[#log + 1] = table.concat({ c.entity_id, c.field, tostring(c.old), tostring(c.new),
                                       c.reason }, " ")
      end
    end
    assert.are.same({
      "AST-1 owner Head of Design Chief Architect review 2026",
      "AST-2 c 2 4 review 2026",
      "AST-2 i 2 3 review 2026",
      "AST-2 a 1 3 review 2026",
      "AST-2 class C A review 2026",
      "AST-2 value 4 36 review 2026",
    }, log)
    assert.are.equal("Chief Architect", reg:asset("AST-1").owner)
  end)

  it("updates only the columns a partial file has", function()
    local reg = H.register()
    assert(reg:import_assets(H.file("good.csv", H.GOOD)))
    assert(reg:import_assets(H.file("notes.csv", "id,name,type,notes\nAST-1,Design database,information,moved\n")))
    local a = reg:asset("AST-1")
    assert.are.equal("moved", a.notes)
    assert.are.equal("Head of Design", a.owner)
    assert.are.equal("A", a.class)
  end)

  it("exports in the import format and round-trips byte for byte", function()
    local reg = H.register()
    assert(reg:import_assets(H.file("good.csv", H.GOOD)))
    local first = H.tmp("export1.csv")
    assert(reg:export_assets(first))
    local reg2 = H.register()
    assert(reg2:import_assets(first))
    local second = H.tmp("export2.csv")
    assert(reg2:export_assets(second))
    assert.are.equal(H.read(first), H.read(second))
    assert.are.equal(H.snapshot(reg):match("^(.-)\nbatches"), H.snapshot(reg2):match("^(.-)\nbatches"))
    assert.truthy(H.read(first):find('"NDA, shuttle"', 1, true))
  end)

  it("round-trips the demo inventory", function()
    local reg = H.register()
    assert(reg:import_assets("demo/ic-design-centre-assets.csv"))
    local out1 = H.tmp("demo1.csv")
    assert(reg:export_assets(out1))
    local reg2 = H.register()
    assert(reg2:import_assets(out1))
    local out2 = H.tmp("demo2.csv")
    assert(reg2:export_assets(out2))
    assert.are.equal(H.read(out1), H.read(out2))
    assert.are.equal(#reg:assets(), #reg2:assets())
  end)
end)

describe("bad asset CSV", function()
  it("unterminated quote", function()
    rejects("unterminated.csv", HEAD .. "A-1,Laptop,physical,IT,1,1,1,ok\nA-2,\"Broken,physical,IT,1,1,1,x\n",
      "unterminated.csv:3:5: name: quoted cell is never closed (missing \")\n" ..
      "unterminated.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("malformed quoting", function()
    rejects("quote.csv", HEAD .. "A-1,Lap\"top,physical,IT,1,1,1,ok\n",
      "quote.csv:2:5: name: malformed quoting: a quote inside an unquoted cell, or text after " ..
      "a closing quote (write \"\" for a quote inside a quoted cell)\n" ..
      "quote.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("short row", function()
    rejects("short.csv", HEAD .. "A-1,Phone,physical,IT,1,1\n",
      "short.csv:2:26: a: row has 6 fields, the header has 8 (a and later ones missing)\n" ..
      "short.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("long row", function()
    rejects("long.csv", HEAD .. "A-1,Laptop,physical,IT,1,1,1,ok,extra\n",
      "long.csv:2:33: row has 9 fields, the header has 8\n" ..
      "long.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("out-of-range C", function()
    rejects("range.csv", HEAD .. "A-1,Laptop,physical,IT,5,1,1,\n",
      "range.csv:2:24: c: 5 is out of range; expected 1-4 or Unclassified, Restricted, " ..
      "Confidential, Secret\nrange.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("negative I", function()
    rejects("negative.csv", HEAD .. "A-1,Laptop,physical,IT,1,-1,1,\n",
      "negative.csv:2:26: i: -1 is out of range; expected 1-3 or Low, Moderate, High\n" ..
      "negative.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("decimal A", function()
    rejects("decimal.csv", HEAD .. "A-1,Laptop,physical,IT,1,1,2.5,\n",
      "decimal.csv:2:28: a: '2.5' is not a whole number; expected 1-3 or Low, Moderate, High\n" ..
      "decimal.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("unknown label", function()
    rejects("label.csv", HEAD .. "A-1,Laptop,physical,IT,Secrt,1,1,\n",
      "label.csv:2:24: c: 'Secrt' is not a tier of C; expected 1-4 or Unclassified, Restricted, " ..
      "Confidential, Secret\nlabel.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("unknown asset type", function()
    rejects("type.csv", HEAD .. "A-1,Laptop,computer,IT,1,1,1,\n",
      "type.csv:2:12: type: unknown asset type 'computer'; expected information, software, " ..
      "physical, service, people or intangible\ntype.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("duplicate id", function()
    rejects("dup.csv", HEAD .. "A-1,Laptop,physical,IT,1,1,1,\nA-2,Phone,physical,IT,1,1,1,\nA-1,Again,physical,IT,1,1,1,\n",
      "dup.csv:4:1: id: duplicate id 'A-1' (first on line 2)\n" ..
      "dup.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("empty id", function()
    rejects("emptyid.csv", HEAD .. ",Laptop,physical,IT,1,1,1,\n",
      "emptyid.csv:2:1: id: id is empty\nemptyid.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("missing id column", function()
    rejects("noid.csv", "name,type,owner\nLaptop,physical,IT\n",
      "noid.csv:1:1: missing required column 'id' in the header\n" ..
      "noid.csv: rejected: the header row is not usable; nothing was stored")
  end)

  it("unknown and duplicate header columns", function()
    rejects("header.csv", "id,name,type,ownr,ID\nA-1,Laptop,physical,IT,A-1\n",
      "header.csv:1:14: unknown column 'ownr'; expected id, name, type, owner, custodian, " ..
      "location, outsourced, contract, group, units, c, i, a, notes\n" ..
      "header.csv:1:19: column 'ID' appears twice (also field 1)\n" ..
      "header.csv: rejected: the header row is not usable; nothing was stored")
  end)

  it("C without I and A", function()
    rejects("partial.csv", "id,name,type,c\nA-1,Laptop,physical,Secret\n",
      "partial.csv:1:1: columns c, i and a go together; the header has 1 of them\n" ..
      "partial.csv: rejected: the header row is not usable; nothing was stored")
  end)

  it("empty file", function()
    rejects("empty.csv", "",
      "empty.csv:1:1: file is empty; expected a header row such as id,name,type,owner,c,i,a\n" ..
      "empty.csv: rejected: the header row is not usable; nothing was stored")
  end)

  it("invalid UTF-8", function()
    rejects("utf8.csv", HEAD .. "A-1,Caf\233,physical,IT,1,1,1,\n",
      "utf8.csv:2:5: name: is not valid UTF-8: byte 0xE9 at byte 4 of the cell" ..
      "\nutf8.csv: the file is not UTF-8; if it was saved as Windows-1252 (Excel's \"CSV\" on Western European Windows), import it with --encoding cp1252\nutf8.csv: rejected: 1 bad row; nothing was stored")
  end)

  -- Text is checked a whole line at a time; a record spanning lines must
  -- still be checked cell by cell when any of its lines is bad.
  it("invalid UTF-8 on the first line of a cell that spans lines", function()
    rejects("utf8ml.csv", HEAD .. "A-1,Laptop,physical,IT,1,1,1,\"first \233\nsecond\"\n",
      "utf8ml.csv:2:30: notes: is not valid UTF-8: byte 0xE9 at byte 7 of the cell" ..
      "\nutf8ml.csv: the file is not UTF-8; if it was saved as Windows-1252 (Excel's \"CSV\" on Western European Windows), import it with --encoding cp1252\nutf8ml.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("invalid UTF-8 on the last line of a cell that spans lines", function()
    rejects("utf8ml2.csv", HEAD .. "A-1,Laptop,physical,IT,1,1,1,\"first\nsecond \233\"\n",
      "utf8ml2.csv:2:30: notes: is not valid UTF-8: byte 0xE9 at byte 14 of the cell" ..
      "\nutf8ml2.csv: the file is not UTF-8; if it was saved as Windows-1252 (Excel's \"CSV\" on Western European Windows), import it with --encoding cp1252\nutf8ml2.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("NUL byte", function()
    rejects("nul.csv", HEAD .. "A-1,Ca\0fe,physical,IT,1,1,1,\n",
      "nul.csv:2:5: name: contains a NUL byte\nnul.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("a 5 MiB field", function()
    rejects("huge.csv", HEAD .. "A-1,Laptop,physical,IT,1,1,1,\"" .. ("x"):rep(5 * 1024 * 1024) .. "\"\n",
      "huge.csv:2:30: notes: cell is longer than 1048576 bytes (1 MiB)\n" ..
      "huge.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("units on an asset that is not a group", function()
    rejects("units.csv", "id,name,type,group,units\nA-1,Laptops,physical,no,5\n",
      "units.csv:2:25: units: 5 units given for an asset that is not a group (set group to yes)\n" ..
      "units.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("an error on the last row of a large file", function()
    local rows = { HEAD }
    for k = 1, 100000 do
      rows[#rows + 1] = ("L-%06d,Asset %d,software,Owner %d,2,2,2,\n"):format(k, k, k % 50)
    end
    rows[#rows + 1] = "L-LAST,Last,software,Owner,2,2,Hihg,\n"
    rejects("large.csv", table.concat(rows),
      "large.csv:100002:32: a: 'Hihg' is not a tier of A; expected 1-3 or Low, Moderate, High\n" ..
      "large.csv: rejected: 1 bad row; nothing was stored")
  end)

  it("lists every error up to the limit, then counts the rest", function()
    local rows = { HEAD }
    for k = 1, 5 do rows[#rows + 1] = ("B-%d,Bad,software,IT,9,1,1,\n"):format(k) end
    rejects("limit.csv", table.concat(rows),
      "limit.csv:2:21: c: 9 is out of range; expected 1-4 or Unclassified, Restricted, Confidential, Secret\n" ..
      "limit.csv:3:21: c: 9 is out of range; expected 1-4 or Unclassified, Restricted, Confidential, Secret\n" ..
      "... 3 more errors not shown\n" ..
      "limit.csv: rejected: 5 bad rows; nothing was stored", { max_errors = 2 })
  end)

  it("a missing file", function()
    local reg = H.register()
    local ok, err, code = reg:import_assets(H.dir .. "/no-such.csv")
    assert.is_nil(ok)
    assert.are.equal("IO", code)
    assert.truthy(err:find("cannot open: No such file or directory", 1, true))
  end)
end)
