-- Feeds of the hash chain (core/chain.c, "feeds" and "rewrites";
-- docs/tamper-evidence.md): the import into an empty register gives the
-- chain each row's values as it writes them, and a re-valuation that moves
-- most of a large register every row of it as the UPDATE passes it. With ISMS_CHAIN_STRICT=1
-- every fed row is checked against the row SQLite stored and a difference
-- fails the write; a fed table that something else also changes in the
-- same write is hashed whole instead. Either way `isms verify` passes.
local H = require "helper"

local STRICT = "ISMS_CHAIN_STRICT=1 "

-- Runs isms through the shell with env prefix env; output and exit code.
local function isms(env, ...)
  local args = {}
  for _, a in ipairs({ ... }) do args[#args + 1] = H.shell_quote(a) end
  return H.sh(env .. H.shell_quote(H.exe) .. " " .. table.concat(args, " "))
end

local function ok(env, ...)
  local out, code = isms(env, ...)
  assert(code == 0, table.concat({ ... }, " ") .. " failed: " .. out)
  return out
end

-- An inventory of n assets (tests/bench/gen_assets.awk): more than the
-- 8,192 rows a feed hashes on the writer's thread before its worker starts.
local function inventory(n)
  local csv = H.tmp("assets.csv")
  local _, code = H.sh(("awk -v n=%d -f tests/bench/gen_assets.awk > %s"):format(n, H.shell_quote(csv)))
  assert(code == 0)
  return csv
end

local function sql(db, q)
  local out, code = H.sh("sqlite3 " .. H.shell_quote(db) .. " " .. H.shell_quote(q))
  assert(code == 0, out)
  return (out:gsub("\n$", ""))
end

-- An edit made behind the tool's back (SQL through the sqlite3 shell):
-- isms verify exits 1 and names it (want, plain text in its output).
local function tamper_found(db, edit, want)
  sql(db, edit)
  local out, code = isms("", "--db", db, "verify")
  assert.are.equal(1, code, out)
  assert.truthy(out:find(want, 1, true), out)
end

-- The second methodology of the re-valuation bench (C + I + A, banded).
local SUM = os.getenv("PWD") .. "/tests/bench/sum.lua"

describe("hash chain feeds", function()
  local csv = inventory(12000)

  it("an import and two re-valuations (each logged as one change set), verify clean", function()
    local db = H.tmp("fed.db")
    ok("", "init", db)
    assert.matches("12000 created", ok(STRICT, "--db", db, "import", "assets", csv))
    assert.matches("12000 changed", ok(STRICT, "--db", db, "value", "--methodology", SUM))
    assert.matches("12000 changed", ok(STRICT, "--db", db, "value"))
    -- each re-valuation's moves are one row of change_sets, a line per moved field
    local per_batch = sql(db, "SELECT group_concat(n) FROM (SELECT length(changes) - "
      .. "length(replace(changes, char(10), '')) AS n FROM change_sets WHERE entity = 'asset' "
      .. "ORDER BY batch)")
    local a, b = per_batch:match("^(%d+),(%d+)$")
    assert.is_true(tonumber(a) >= 12000 and tonumber(b) >= 12000, per_batch)
    assert.are.equal("0", sql(db, "SELECT count(*) FROM change_log WHERE entity = 'asset'"))
    assert.matches("^verified: ", ok("", "--db", db, "verify"))
    -- a move edited in the set behind the tool's back is found
    tamper_found(db, "UPDATE change_sets SET changes = replace(changes, 'AST-0000042' || char(9) "
                 .. "|| 'class', 'AST-0000042' || char(9) || 'klass') WHERE id = 1",
                 "edited: change_sets row 1 was changed outside isms")
  end)

  it("a fed table that a trigger also updates in the same write is hashed whole", function()
    local db = H.tmp("trigger.db")
    ok("", "init", db)
    sql(db, "CREATE TRIGGER touch AFTER INSERT ON assets BEGIN"
         .. " UPDATE assets SET notes = 'touched' WHERE id = NEW.id; END;")
    assert.matches("12000 created", ok(STRICT, "--db", db, "import", "assets", csv))
    assert.are.equal("12000", sql(db, "SELECT count(*) FROM assets WHERE notes = 'touched'"))
    assert.matches("^verified: ", ok("", "--db", db, "verify"))
    -- And the rows are covered: an edit behind the tool's back is found.
    tamper_found(db, "DROP TRIGGER touch; UPDATE assets SET notes = 'edited' WHERE id = 'AST-0000042'",
                 "AST-0000042")
  end)

  describe("a re-valuation of most of a large register (a rewrite)", function()
    local big = inventory(30000)  -- over the 20,000 rows from which a write rewrites a table

    it("makes the assets' fingerprints from the rows it fed, which match the table", function()
      local db = H.tmp("rewrite.db")
      ok("", "init", db)
      assert.matches("30000 created", ok(STRICT, "--db", db, "import", "assets", big))
        -- strict: the fed rows' sum is checked against the table hashed whole
      assert.matches("30000 changed", ok(STRICT, "--db", db, "value", "--methodology", SUM))
      assert.matches("30000 changed", ok(STRICT, "--db", db, "value"))
      assert.matches("^verified: ", ok("", "--db", db, "verify"))
      -- not strict: the same result
      assert.matches("30000 changed", ok("", "--db", db, "value", "--methodology", SUM))
      assert.matches("^verified: ", ok("", "--db", db, "verify"))
      -- the rows are covered: an edit behind the tool's back is found, by row
      tamper_found(db, "UPDATE assets SET class = 'forged' WHERE id = 'AST-0012345'", "AST-0012345")
    end)

    it("with a trigger on the assets, is seen by the hook and hashed whole", function()
      local db = H.tmp("rewrite-trigger.db")
      ok("", "init", db)
      assert.matches("30000 created", ok("", "--db", db, "import", "assets", big))
      -- the trigger writes another table in the same UPDATE: the hook must see it
      sql(db, "CREATE TRIGGER valued AFTER UPDATE OF class ON assets WHEN NEW.id = 'AST-0000007'"
           .. " BEGIN INSERT INTO settings(key, value) VALUES ('seen', NEW.class); END;")
        assert.matches("30000 changed", ok(STRICT, "--db", db, "value", "--methodology", SUM))
      assert.are.equal("1", sql(db, "SELECT count(*) FROM settings WHERE key = 'seen'"))
      assert.matches("^verified: ", ok("", "--db", db, "verify"))
    end)
  end)
end)
