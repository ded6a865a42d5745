-- Feeds of the hash chain (core/chain.c, "feeds"; docs/tamper-evidence.md):
-- the import into an empty register and a re-valuation's change log give
-- the chain each row's values as they write them. With ISMS_CHAIN_STRICT=1
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

describe("hash chain feeds", function()
  local csv = inventory(12000)

  it("an import and two re-valuations, every fed row checked, verify clean", function()
    local db = H.tmp("fed.db")
    ok("", "init", db)
    assert.matches("12000 created", ok(STRICT, "--db", db, "import", "assets", csv))
    local method = os.getenv("PWD") .. "/tests/bench/sum.lua"
    assert.matches("12000 changed", ok(STRICT, "--db", db, "value", "--methodology", method))
    -- The second valuation's log rows start in the bucket of the first's last rows.
    assert.matches("12000 changed", ok(STRICT, "--db", db, "value"))
    local per_batch = sql(db, "SELECT group_concat(n) FROM (SELECT count(*) AS n FROM change_log"
                             .. " WHERE entity = 'asset' GROUP BY batch ORDER BY batch)")
    local a, b = per_batch:match("^(%d+),(%d+)$")
    assert.is_true(tonumber(a) > 8192 and tonumber(b) > 8192, per_batch)
    assert.matches("^verified: ", ok("", "--db", db, "verify"))
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
    sql(db, "DROP TRIGGER touch; UPDATE assets SET notes = 'edited' WHERE id = 'AST-0000042'")
    local out, code = isms("", "--db", db, "verify")
    assert.are.equal(1, code, out)
    assert.matches("AST%-0000042", out)
  end)
end)
