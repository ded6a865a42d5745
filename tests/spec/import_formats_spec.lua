-- Inventories as people have them (issue #18, point 9): a units column
-- without a group column, semicolon-separated files (the spreadsheet
-- default in much of Europe), a UTF-8 BOM, and files that are not UTF-8:
-- a message naming the byte and the way out, `--encoding cp1252`, which
-- reads them through iconv.
local H = require "helper"
local isms = require "isms"

local function register()
  local path = H.tmp("formats.db")
  local _, err, code = H.run("init", path)
  assert.are.equal(0, code, err)
  return path
end

local function import(path, name, text, ...)
  return H.run("--db", path, "import", "assets", H.file(name, text), ...)
end

local function asset(path, id)
  local reg = assert(isms.open(path, { create = false }))
  local a = reg:asset(id)
  reg:close()
  return a
end

describe("inventory formats", function()
  it("takes units > 1 without a group column as a group", function()
    local path = register()
    local out, err, code = import(path, "units.csv",
      "id,name,type,owner,units,c,i,a\n" ..
      "LAP,Laptops,physical,IT,48,Restricted,Moderate,Low\n" ..
      "SRV,Mail server,physical,IT,1,Secret,High,High\n" ..
      "DSK,Desktops,physical,IT,,Restricted,Low,Low\n")
    assert.are.equal(0, code, err)
    assert.matches("3 created", out, 1, true)
    assert.are.same({ true, 48 }, { asset(path, "LAP").group, asset(path, "LAP").units })
    assert.are.same({ false, 1 }, { asset(path, "SRV").group, asset(path, "SRV").units })
    assert.are.same({ false, 1 }, { asset(path, "DSK").group, asset(path, "DSK").units })
    -- a later count of one unit makes it a single asset again
    local _, err2, code2 = import(path, "units2.csv",
                                  "id,name,type,units\nLAP,Laptops,physical,1\n")
    assert.are.equal(0, code2, err2)
    assert.are.same({ false, 1 }, { asset(path, "LAP").group, asset(path, "LAP").units })
  end)

  it("still refuses units > 1 where the group column says no", function()
    local path = register()
    local _, err, code = import(path, "units.csv", "id,name,type,group,units\nA,B,physical,no,5\n")
    assert.are.equal(3, code)
    assert.matches("5 units given for an asset that is not a group (set group to yes)", err, 1,
                   true)
  end)

  it("reads semicolon-separated files, with a BOM and CRLF too", function()
    local path = register()
    local out, err, code = import(path, "semi.csv",
      "\239\187\191id;name;type;owner;c;i;a;notes\r\n" ..
      "S-1;Server room;physical;Facilities;Restricted;High;High;\"doors; cameras\"\r\n" ..
      "S-2;ERP, finance;software;CFO;Secret;High;Moderate;\r\n")
    assert.are.equal(0, code, err)
    assert.matches("2 created", out, 1, true)
    local a = asset(path, "S-1")
    assert.are.same({ "Server room", "Facilities", "doors; cameras", 2, 3, 3 },
                    { a.name, a.owner, a.notes, a.c, a.i, a.a })
    assert.are.equal("ERP, finance", asset(path, "S-2").name)
  end)

  it("names the cell of an error in a semicolon-separated file", function()
    local path = register()
    local file = H.file("semi.csv", "id;name;type\nS-1;Server;furniture\n")
    local _, err, code = H.run("--db", path, "import", "assets", file)
    assert.are.equal(3, code)
    assert.are.equal(file .. ":2:12: type: unknown asset type 'furniture'; expected information,"
                     .. " software, physical, service, people or intangible\n"
                     .. file .. ": rejected: 1 bad row; nothing was stored\n", err)
  end)

  it("keeps commas as the separator when the header has both", function()
    local path = register()
    local _, err, code = import(path, "mixed.csv", "id,name,type\nM-1,a;b,software\n")
    assert.are.equal(0, code, err)
    assert.are.equal("a;b", asset(path, "M-1").name)
  end)

  local CP1252 = "id,name,type,owner\nX-1,Caf\233 system,software,R\233gis\n" ..
                 "X-2,Na\239ve \128 budget,software,IT\n"

  it("names the byte of a file that is not UTF-8 and says how to import it", function()
    local path = register()
    local file = H.file("cp.csv", CP1252)
    local out, err, code = H.run("--db", path, "import", "assets", file)
    assert.are.equal(3, code)
    assert.are.equal("", out)
    assert.are.equal(
      file .. ":2:5: name: is not valid UTF-8: byte 0xE9 at byte 4 of the cell\n" ..
      file .. ":3:5: name: is not valid UTF-8: byte 0xEF at byte 3 of the cell\n" ..
      file .. ": the file is not UTF-8; if it was saved as Windows-1252 (Excel's \"CSV\" on" ..
      " Western European Windows), import it with --encoding cp1252\n" ..
      file .. ": rejected: 2 bad rows; nothing was stored\n", err)
    assert.are.equal(0, #assert(isms.open(path, { create = false })):assets())
  end)

  it("imports it with --encoding cp1252, through iconv", function()
    local path = register()
    local out, err, code = import(path, "cp.csv", CP1252, "--encoding", "cp1252")
    assert.are.equal(0, code, err)
    assert.matches("2 created", out, 1, true)
    assert.are.same({ "Café system", "Régis" }, { asset(path, "X-1").name, asset(path, "X-1").owner })
    assert.are.equal("Naïve € budget", asset(path, "X-2").name)
  end)

  it("reports errors of a converted file on the lines and columns of the file", function()
    local path = register()
    local file = H.file("cpbad.csv", "id,name,type\nX-1,Caf\233,softwear\n")
    local _, err, code = H.run("--db", path, "import", "assets", file, "--encoding", "CP1252")
    assert.are.equal(3, code)
    assert.matches(file .. ":2:10: type: unknown asset type 'softwear'", err, 1, true)
  end)

  it("refuses an unknown encoding and a byte the encoding does not have", function()
    local path = register()
    local _, err, code = import(path, "cp.csv", CP1252, "--encoding", "klingon")
    assert.are.equal(3, code)
    assert.matches("cp.csv: unknown encoding 'klingon' (see iconv --list), e.g. cp1252 or latin1",
                   err, 1, true)
    _, err, code = import(path, "undefined.csv", "id,name,type\nY,\129x,software\n",
                          "--encoding", "cp1252")
    assert.are.equal(3, code)
    assert.matches("undefined.csv: byte 0x81 at offset 15 is not cp1252 text", err, 1, true)
    assert.are.equal(0, #assert(isms.open(path, { create = false })):assets())
  end)

  it("reads UTF-8 as it is with --encoding utf-8", function()
    local path = register()
    local _, err, code = import(path, "u.csv", "id,name,type\nU-1,Café,software\n",
                                "--encoding", "UTF-8")
    assert.are.equal(0, code, err)
    assert.are.equal("Café", asset(path, "U-1").name)
  end)
end)

describe("risk CSV formats", function()
  local function risk_register()
    local path = register()
    local _, err, code = H.run("--db", path, "import", "assets",
                               H.file("a.csv", "id,name,type,c,i,a\nSRV-1,Server,physical,2,2,2\n"))
    assert.are.equal(0, code, err)
    return path
  end

  it("reads semicolon-separated risk ratings", function()
    local path = risk_register()
    local out, err, code = H.run("--db", path, "risks", "import",
      H.file("r.csv", "ref;asset;threat;S;O;D\nSRV-1/T-FIRE;SRV-1;T-FIRE;5;3;2\n"))
    assert.are.equal(0, code, err)
    assert.matches("1 created", out, 1, true)
    out, err, code = H.run("--db", path, "risks", "import",
      H.file("r2.csv", "ref;asset;threat;S;O;D\nSRV-1/T-FIRE;SRV-1;T-FIRE;5;99;2\n"))
    assert.are.equal(3, code)
    assert.are.equal("", out)
    assert.matches("r2.csv:2:29: O: 99 is not a tier of O", err, 1, true)
  end)

  it("names the byte of a risk file that is not UTF-8", function()
    local path = risk_register()
    local _, err, code = H.run("--db", path, "risks", "import",
      H.file("r.csv", "ref,asset,threat\nSRV-1/T-\233,SRV-1,T-X\n"))
    assert.are.equal(3, code)
    assert.matches("r.csv:2:9: is not valid UTF-8: byte 0xE9; save the file as UTF-8", err, 1,
                   true)
  end)
end)
