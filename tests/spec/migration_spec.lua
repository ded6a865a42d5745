-- Schema migrations from every earlier version (issue #18, point 6). The
-- old registers are built from the migration strings of core/schema.c
-- itself, read from the source: version v is the empty file with
-- migrations 1..v applied and user_version = v, as an isms of that schema
-- left it. Each gets rows of its own tables, then the current isms opens
-- it: the schema comes up to date, the register checks out, and every row
-- is still there.
local H = require "helper"
local isms = require "isms"
local connect = require("sqlite_ffi").connect

local migration_strings = H.migration_strings

-- Rows an isms of each schema could have written, by the first version
-- that has their table; inserted with named columns so later columns keep
-- their defaults.
local ROWS = {
  [1] = {
    "INSERT INTO settings(key, value) VALUES ('methodology', 'qism-fmea')",
    "INSERT INTO change_batches(id, at, actor, command, source, created)"
      .. " VALUES (1, '2026-01-01T00:00:00.000Z', 'auditor', 'import assets', 'old.csv', 2)",
    "INSERT INTO parties(id, name) VALUES (1, 'Head of Design')",
    "INSERT INTO locations(id, name) VALUES (1, 'Server room')",
    "INSERT INTO assets(id, name, type, owner, location, c, i, a, value, class, notes,"
      .. " created_batch) VALUES ('OLD-1', 'Design database', 1, 1, 1, 4, 3, 3, 36, 'A',"
      .. " 'kept since schema 1', 1)",
    "INSERT INTO assets(id, name, type, is_group, units, c, i, a, created_batch)"
      .. " VALUES ('OLD-2', 'Laptops', 3, 1, 40, 2, 2, 1, 1)",
    "INSERT INTO change_log(batch, entity, entity_id, action, field, old, new)"
      .. " VALUES (1, 'asset', 'OLD-1', 'update', 'notes', NULL, 'kept since schema 1')",
  },
  [2] = {
    "INSERT INTO risks(ref, asset, threat, r1, r2, r3, created_batch)"
      .. " VALUES ('OLD-1/T-FIRE', 'OLD-1', 'T-FIRE', 3, 2, 1, 1)",
  },
  [3] = {
    "INSERT INTO treatments(risk, option, rationale) VALUES ('OLD-1/T-FIRE', 'retain', 'ok')",
  },
}

-- Each version's rows go in right after its migration, so the later
-- migrations must carry them over as an isms of that time would have left
-- them.
local function build_register(path, migrations, version)
  local conn = connect(path)
  for v = 1, version do
    conn:exec("BEGIN; " .. migrations[v] .. "; PRAGMA user_version = " .. v .. "; COMMIT")
    for _, sql in ipairs(ROWS[v] or {}) do conn:exec(sql) end
  end
  conn:close()
end

describe("schema migrations", function()
  local migrations = migration_strings(H.read("core/schema.c"))

  it("reads one migration string per schema version from core/schema.c", function()
    assert.matches("CREATE TABLE settings", migrations[1], 1, true)
    local reg = H.register()
    assert.are.equal(#migrations, reg:schema_version())
  end)

  -- Version 0 is a new file; the others are every schema shipped so far.
  for version = 0, #migrations - 1 do
    it("brings a register of schema " .. version .. " up to date, keeping its rows", function()
      local path = H.tmp("schema" .. version .. ".db")
      -- schema 0 is no file at all (an empty file is refused, by design)
      if version > 0 then build_register(path, migrations, version) end
      local reg = assert(isms.open(path))
      assert.are.equal(#migrations, reg:schema_version())
      local conn = connect(path)
      assert.are.same({ { "ok" } }, conn:rows("PRAGMA integrity_check"))
      assert.are.same({}, conn:rows("PRAGMA foreign_key_check"))
      if version >= 1 then
        local a = reg:asset("OLD-1")
        assert.are.equal("Design database", a.name)
        assert.are.equal("Head of Design", a.owner)
        assert.are.equal("kept since schema 1", a.notes)
        assert.are.same({ 4, 3, 3, 36, "A" }, { a.c, a.i, a.a, a.value, a.class })
        assert.are.equal(40, reg:asset("OLD-2").units)
        assert.are.equal("qism-fmea", reg:setting("methodology"))
        assert.are.equal("import assets", reg:batches()[1].command)
        assert.are.equal(1, #reg:changes("OLD-1"))
      end
      if version >= 2 then
        assert.are.same({ { "OLD-1/T-FIRE", "3", "2", "1" } },
                        conn:rows("SELECT ref, r1, r2, r3 FROM risks"))
      end
      if version >= 3 then
        assert.are.same({ { "retain" } }, conn:rows("SELECT option FROM treatments"))
      end
      conn:close()
      -- and the register works: an import on top of the migrated rows
      if version == 0 then assert(reg:set_methodology("qism-fmea")) end
      assert(reg:import_assets(H.file("more.csv", H.GOOD)))
      assert.are.equal(version >= 1 and 5 or 3, #reg:assets())
      reg:close()
    end)
  end
end)
