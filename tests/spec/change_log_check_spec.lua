-- The change log's action check as comparisons (issue #13's speed goal):
-- SQLite 3.40 built a temporary table for "action IN (...)" at every row
-- logged. The migration that makes the table anew keeps every row and its
-- id, the indexes, the triggers that write to the log, and the hash chain
-- (`isms verify` passes on a register migrated with its chain running,
-- and still names a log row edited behind isms's back).
local H = require "helper"
local isms = require "isms"
local connect = require("sqlite_ffi").connect

local function plan(conn, sql)
  local ops = {}
  for _, row in ipairs(conn:rows("EXPLAIN " .. sql)) do ops[#ops + 1] = row[2] end
  return table.concat(ops, " ")
end

local LOG_INSERT = "INSERT INTO change_log(batch, entity, entity_id, action, field, old, new)"
  .. " VALUES (1, 'asset', 'X', 'update', 'c', '1', '2')"

describe("the change log's action check", function()
  local migrations = H.migration_strings(H.read("core/schema.c"))
  local this = H.migration_number("CHECK (action = 'create' OR")

  it("is checked without a temporary table per row, and still refuses other actions", function()
    assert.is_truthy(this)
    local path = H.tmp("check.db")
    local reg = assert(isms.open(path))
    reg:close()
    local conn = connect(path)
    assert.is_nil(plan(conn, LOG_INSERT):find("OpenEphemeral", 1, true))
    local ok, err = pcall(conn.exec, conn,
      "INSERT INTO change_log(batch, entity, entity_id, action) VALUES (1, 'asset', 'X', 'edit')")
    assert.is_false(ok)
    assert.matches("CHECK constraint failed", tostring(err))
    conn:close()
  end)

  it("comes to a register of the schema before it with its rows, indexes, triggers and chain",
     function()
    local path = H.tmp("before.db")
    local conn = connect(path)
    for v = 1, this - 1 do
      conn:exec("BEGIN; " .. migrations[v] .. "; PRAGMA user_version = " .. v .. "; COMMIT")
    end
    assert.is_truthy(plan(conn, LOG_INSERT):find("OpenEphemeral", 1, true))
    conn:exec("INSERT INTO settings(key, value) VALUES ('methodology', 'qism-fmea');"
      .. "INSERT INTO change_batches(id, at, actor, command, created) VALUES"
      .. " (1, '2026-01-01T00:00:00.000Z', 'auditor', 'import assets', 1);"
      .. "INSERT INTO assets(id, name, type, c, i, a, created_batch)"
      .. " VALUES ('OLD-1', 'Design database', 1, 4, 3, 3, 1);"
      .. "INSERT INTO change_log(id, batch, entity, entity_id, action, field, old, new)"
      .. " VALUES (7, 1, 'asset', 'OLD-1', 'update', 'c', '3', '4')")
    local indexes = conn:rows("SELECT name, sql FROM sqlite_master WHERE type = 'index'"
      .. " AND tbl_name = 'change_log' ORDER BY name")
    conn:close()
    -- The isms of the schema before: the chain starts on this register...
    local reg = assert(isms.open(path))
    assert.are.equal(#migrations, reg:schema_version())
    -- ... and this migration ran after it: the rows and their ids are kept.
    local changes = reg:changes("OLD-1")
    assert.are.equal(1, #changes)
    assert.are.same({ { "7", "update", "3", "4" } }, (function()
      local c = connect(path)
      local rows = c:rows("SELECT id, action, old, new FROM change_log")
      c:close()
      return rows
    end)())
    -- writes go on, logged and chained
    assert(reg:import_assets(H.file("more.csv", H.GOOD)))
    local v = assert(reg:verify())
    assert.are.same({}, v.findings)
    reg:close()
    conn = connect(path)
    assert.are.same(indexes, conn:rows("SELECT name, sql FROM sqlite_master WHERE type = 'index'"
      .. " AND tbl_name = 'change_log' ORDER BY name"))
    assert.are.same({ { "threats_log" }, { "vulnerabilities_log" } },
      conn:rows("SELECT name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE"
        .. " '%change_log%' ORDER BY name"))
    assert.is_nil(plan(conn, LOG_INSERT):find("OpenEphemeral", 1, true))
    assert.are.same({}, conn:rows("SELECT name FROM sqlite_temp_master"))
    -- the chain covers the table made anew: an edit behind isms's back is named
    conn:exec("UPDATE change_log SET new = '1' WHERE id = 7")
    conn:close()
    local out, _, code = H.run("--db", path, "verify")
    assert.are.equal(1, code)
    assert.matches("edited: change_log row 7", out, 1, true)
  end)
end)
