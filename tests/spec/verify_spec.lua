-- Tamper evidence (issue #18, point 1; docs/tamper-evidence.md): `isms
-- verify` passes on a register that only isms has written, after a mix of
-- commands, and names the row (exit 1) for each kind of change made with
-- SQLite behind the tool's back; a register of the schema before the chain
-- says where its chain starts; anchors round-trip and a forged one fails.
local H = require "helper"
local cjson = require "cjson"
local connect = require("sqlite_ffi").connect

local EMP = "IC-PHY-002/T-EM-PULSE/V-NO-SHIELDING"

local function isms_ok(...)
  local out, err, code = H.run(...)
  assert(code == 0, table.concat({ ... }, " ") .. " failed: " .. err .. out)
  return out
end

-- A register written by a realistic mix of commands (built once; each
-- test tampers with a copy of it).
local base
local function base_register()
  if base then return base end
  base = H.tmp("base.db")
  isms_ok("init", base, "--methodology", "qism-fmea")
  local function I(...) return isms_ok("--db", base, ...) end
  I("import", "assets", "demo/ic-design-centre-assets.csv", "--reason", "inventory")
  I("value", "--reason", "valuation")
  I("risks", "generate", "generic", "--reason", "identification")
  I("risks", "import", "demo/ic-design-centre-risk-ratings.csv", "--reason", "workshop")
  I("treat", EMP, "modify", "--controls", "A.7.8,A.7.11", "--residual", "S=9,O=1,D=3",
    "--rationale", "shielded lab room")
  I("run", "scripts/soa_from_treatments.lua", "no risk calls for it")
  I("soa", "issue", "--approved-by", "Managing Director")
  I("suppliers", "add", "id=SUP-001", "name=Vaultline", "criticality=high")
  I("suppliers", "add", "id=SUP-002", "name=Sentinel", "criticality=low")
  I("suppliers", "set", "SUP-001", "name=Vaultline Records")
  I("suppliers", "delete", "SUP-002")
  return base
end

local function copy_of(path)
  local to = H.tmp("copy.db")
  assert(os.execute("cp " .. H.shell_quote(path) .. " " .. H.shell_quote(to)) == 0)
  return to
end

-- A copy of the base register with sql run on it by SQLite itself.
local function tampered(sql)
  local path = copy_of(base_register())
  local conn = connect(path)
  conn:exec(sql)
  conn:close()
  return path
end

local function verify(path, ...)
  return H.run("--db", path, "verify", ...)
end

describe("isms verify", function()
  it("passes (exit 0, one line) on a register only isms has written", function()
    local out, err, code = verify(base_register())
    assert.are.equal("", err)
    assert.are.equal(0, code)
    local lines = select(2, out:gsub("\n", ""))
    assert.are.equal(1, lines)
    assert.matches("^verified: %d+ tables, %d+ rows, %d+ links; head %x+ %(link %d+, batch %d+%)\n$", out)
  end)

  it("says it in JSON too", function()
    local out, _, code = verify(base_register(), "--json")
    assert.are.equal(0, code)
    local r = cjson.decode(out)
    assert.is_true(r.ok)
    assert.are.same({}, r.findings)
    assert.is_true(r.rows > 3000)
    assert.are.equal(64, #r.head)
    assert.is_false(r.migrated)
  end)

  it("keeps passing as isms writes on (every write settles into the chain)", function()
    local path = copy_of(base_register())
    isms_ok("--db", path, "suppliers", "add", "id=SUP-003", "name=Third", "criticality=low")
    isms_ok("--db", path, "risks", "score")
    local _, _, code = verify(path)
    assert.are.equal(0, code)
  end)

  local cases = {
    { "an asset's rating changed", "UPDATE assets SET c = 1 WHERE id = 'IC-INF-001'",
      "edited\tassets\tIC-INF-001\t" },
    { "a risk row inserted",
      "INSERT INTO risks(ref, asset, threat, created_batch) VALUES ('X-1', 'IC-INF-001', 'T-X', 1)",
      "inserted\trisks\tX-1\t" },
    { "an asset deleted", "PRAGMA foreign_keys = OFF; DELETE FROM assets WHERE id = 'IC-INF-002'",
      "deleted\tassets\tIC-INF-002\t" },
    { "a change_log row deleted", "DELETE FROM change_log WHERE id = 7",
      "deleted\tchange_log\t7\t" },
    { "a change_log row edited", "UPDATE change_log SET new = 'forged' WHERE id = 9",
      "edited\tchange_log\t9\t" },
    { "two batches' times swapped",
      "UPDATE change_batches SET at = CASE id WHEN 2 THEN (SELECT at FROM change_batches WHERE id = 3)"
        .. " ELSE (SELECT at FROM change_batches WHERE id = 2) END WHERE id IN (2, 3)",
      "edited\tchange_batches\t2\t" },
    { "two batches' ids swapped",
      "PRAGMA foreign_keys = OFF; UPDATE change_batches SET id = -id WHERE id IN (2, 3);"
        .. " UPDATE change_batches SET id = CASE id WHEN -2 THEN 3 ELSE 2 END WHERE id < 0",
      "edited\tchange_batches\t3\t" },
    { "the last batch deleted",
      "PRAGMA foreign_keys = OFF; DELETE FROM change_batches WHERE id = (SELECT max(id) FROM change_batches)",
      "deleted\tchange_batches\t" },
    { "a whole table emptied (DELETE without WHERE)", "DELETE FROM suppliers",
      "deleted\tsuppliers\tSUP-001\t" },
  }
  for _, case in ipairs(cases) do
    local what, sql, finding = case[1], case[2], case[3]
    it("finds " .. what .. " (exit 1, naming the row)", function()
      local path = tampered(sql)
      local out, _, code = verify(path)
      assert.are.equal(1, code)
      assert.matches("%d+ findings?: the register does not match its hash chain", out)
      local json = cjson.decode((verify(path, "--json")))
      assert.is_false(json.ok)
      local lines = {}
      for _, f in ipairs(json.findings) do
        lines[#lines + 1] = table.concat({ f.kind, f.table, f.key, f.detail }, "\t")
      end
      local all = table.concat(lines, "\n")
      assert.is_truthy(all:find(finding, 1, true), "expected " .. finding .. " in\n" .. all)
    end)
  end

  it("reports a table altered outside isms, also after isms writes to it again", function()
    local path = tampered("ALTER TABLE suppliers ADD COLUMN note TEXT DEFAULT 'x'")
    isms_ok("--db", path, "suppliers", "add", "id=SUP-004", "name=Four", "criticality=low")
    local out, _, code = verify(path)
    assert.are.equal(1, code)
    assert.matches("edited: suppliers row SUP%-001", out)
  end)

  it("reports a table made outside isms", function()
    local out, _, code = verify(tampered("CREATE TABLE shadow(x); INSERT INTO shadow VALUES (1)"))
    assert.are.equal(1, code)
    assert.matches("table shadow %(1 rows%) is not in the chain", out)
    out, _, code = verify(tampered("PRAGMA foreign_keys = OFF; DROP TABLE supplier_contracts"))
    assert.are.equal(1, code)
    assert.matches("table supplier_contracts %(%d+ rows in the chain%) was dropped", out)
  end)

  it("names the record of an edited row by its other columns", function()
    local out = verify(tampered("UPDATE assets SET c = 1 WHERE id = 'IC-INF-001'"))
    assert.matches("edited: assets row IC%-INF%-001 was changed outside isms: now name=", out)
  end)

  it("finds links cut from the chain and a link edited", function()
    local out, _, code = verify(tampered(
      "DELETE FROM chain_links WHERE seq = (SELECT max(seq) FROM chain_links)"))
    assert.are.equal(1, code)
    assert.matches("head link %(%d+%) does not hold the tables' sums", out)
    out, _, code = verify(tampered("UPDATE chain_links SET at = '2020-01-01' WHERE seq = 3"))
    assert.are.equal(1, code)
    assert.matches("link 3 %(2020%-01%-01%) was edited", out)
    out, _, code = verify(tampered("DELETE FROM chain_links WHERE seq = 4"))
    assert.are.equal(1, code)
    assert.matches("links 4 to 4 of the chain were deleted", out)
  end)
end)

describe("isms verify on a register migrated to the chain", function()
  it("says where the chain starts, and passes", function()
    local migrations = H.migration_strings(H.read("core/schema.c"))
    local chain = H.migration_number("CREATE TABLE chain_tables")
    assert.is_truthy(chain)
    -- the register as the isms before the chain left it: two batches
    local path = H.tmp("old.db")
    local conn = connect(path)
    for v = 1, chain - 1 do
      conn:exec("BEGIN; " .. migrations[v] .. "; PRAGMA user_version = " .. v .. "; COMMIT")
    end
    conn:exec("INSERT INTO settings(key, value) VALUES ('methodology', 'qism-fmea');"
      .. "INSERT INTO change_batches(id, at, actor, command, created) VALUES"
      .. " (1, '2026-01-01T00:00:00.000Z', 'auditor', 'import assets', 1),"
      .. " (2, '2026-02-01T00:00:00.000Z', 'auditor', 'edit', 0);"
      .. "INSERT INTO assets(id, name, type, c, i, a, created_batch)"
      .. " VALUES ('OLD-1', 'Design database', 1, 4, 3, 3, 1);"
      .. "INSERT INTO change_log(batch, entity, entity_id, action, field, old, new)"
      .. " VALUES (2, 'asset', 'OLD-1', 'update', 'c', '3', '4')")
    conn:close()
    isms_ok("--db", path, "import", "assets", H.file("more.csv", H.GOOD))
    local out, _, code = verify(path)
    assert.are.equal(0, code)
    assert.matches("^chain starts at batch 3 %(migration on %d%d%d%d%-%d%d%-%d%d%); earlier changes are not covered\n", out)
    assert.matches("\nverified: ", out)
    -- rows from before the chain are covered as they were when it began
    conn = connect(path)
    conn:exec("UPDATE assets SET c = 1 WHERE id = 'OLD-1'")
    conn:close()
    out, _, code = verify(path)
    assert.are.equal(1, code)
    assert.matches("edited: assets row OLD%-1", out)
  end)
end)

describe("isms verify anchors", function()
  local key, pub
  local function keys()
    if not key then
      key = H.tmp("auditor.pem")
      pub = key .. ".pub"
      local out = isms_ok("verify", "--new-key", key)
      assert.matches("wrote the key pair", out)
    end
    return key, pub
  end

  it("writes a key pair, private to its owner, and refuses to overwrite it", function()
    local k = keys()
    local p = io.popen("stat -c %a " .. H.shell_quote(k))
    assert.are.equal("600", p:read("*l"))
    p:close()
    assert.matches("BEGIN PRIVATE KEY", H.read(k))
    assert.matches("BEGIN PUBLIC KEY", H.read(k .. ".pub"))
    local _, err, code = H.run("verify", "--new-key", k)
    assert.are_not.equal(0, code)
    assert.matches("a file is there already", err)
  end)

  it("round-trips: the register extends its anchor, also after more writes", function()
    local k, p = keys()
    local path = copy_of(base_register())
    local anchor = H.tmp("anchor.txt")
    local out = isms_ok("--db", path, "verify", "--export-anchor", anchor, "--key", k)
    assert.matches("anchor written to", out)
    assert.matches("^isms anchor 1\nlink: %d+\nbatch: %d+\nhead: %x+\nrows: %d+\nat: .-\nsignature: %x+\n$",
                   H.read(anchor))
    out = isms_ok("--db", path, "verify", "--anchor", anchor, "--pub", p)
    assert.matches("extends the anchor of", out)
    isms_ok("--db", path, "suppliers", "add", "id=SUP-7", "name=Seven", "criticality=low")
    local json = cjson.decode(isms_ok("--db", path, "verify", "--anchor", anchor, "--pub", p, "--json"))
    assert.are.equal(1, json.anchor.links_since)
  end)

  it("refuses a forged anchor and another key's signature", function()
    local k, p = keys()
    local path = copy_of(base_register())
    local anchor = H.tmp("anchor.txt")
    isms_ok("--db", path, "verify", "--export-anchor", anchor, "--key", k)
    local text = H.read(anchor)
    local forged = H.file("forged.txt", (text:gsub("rows: (%d+)", function(n) return "rows: " .. (n + 1) end)))
    local out, _, code = H.run("--db", path, "verify", "--anchor", forged, "--pub", p)
    assert.are.equal(1, code)
    assert.matches("signature does not match", out)
    local other = H.tmp("other.pem")
    isms_ok("verify", "--new-key", other)
    out, _, code = H.run("--db", path, "verify", "--anchor", anchor, "--pub", other .. ".pub")
    assert.are.equal(1, code)
    assert.matches("signature does not match", out)
  end)

  it("fails a register whose history was rewritten after the anchor", function()
    local k, p = keys()
    local path = copy_of(base_register())
    local anchor = H.tmp("anchor.txt")
    isms_ok("--db", path, "verify", "--export-anchor", anchor, "--key", k)
    -- a consistent rewrite: the register from scratch with other content,
    -- whose chain agrees with itself but is not the anchored one
    local other = copy_of(base_register())
    local conn = connect(other)
    conn:exec("DELETE FROM chain_links; DELETE FROM chain_rows; DELETE FROM chain_tables")
    conn:close()
    isms_ok("--db", other, "suppliers", "add", "id=SUP-8", "name=Eight", "criticality=low")
    local out, _, code = H.run("--db", other, "verify", "--anchor", anchor, "--pub", p)
    assert.are.equal(1, code)
    assert.matches("does not extend the anchor", out)
  end)

  it("writes no anchor for a register that does not verify", function()
    local k = keys()
    local path = tampered("UPDATE assets SET c = 1 WHERE id = 'IC-INF-001'")
    local anchor = H.tmp("anchor.txt")
    local _, err, code = H.run("--db", path, "verify", "--export-anchor", anchor, "--key", k)
    assert.are.equal(1, code)
    assert.matches("no anchor written", err)
    assert.is_nil(io.open(anchor))
  end)
end)
