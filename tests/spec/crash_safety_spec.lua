-- Crash safety (issue #18, point 2): `isms` killed with SIGKILL at a random
-- moment of a large import, a re-valuation of every asset, a risk
-- generation and a restore. After each kill the register passes PRAGMA integrity_check
-- and holds either the whole old state or the whole new one, never a mix.
--
-- `make test` runs a few kills of each on modest registers; `make stress`
-- runs this file with ISMS_CRASH_ROUNDS (30) and ISMS_CRASH_SCALE (10) for
-- many kills on registers ten times larger. ISMS_CRASH_SEED repeats a run.
local H = require "helper"
local connect = require("sqlite_ffi").connect

local ROUNDS = tonumber(os.getenv("ISMS_CRASH_ROUNDS") or "") or 3
local SCALE = tonumber(os.getenv("ISMS_CRASH_SCALE") or "") or 1
local SEED = tonumber(os.getenv("ISMS_CRASH_SEED") or "") or os.time()
math.randomseed(SEED)

-- What the register holds, in one line: per table a count and sums that
-- move with any write of these commands.
local SIGNATURE = [[
SELECT (SELECT count(*) FROM assets) || '|' || (SELECT total(value) FROM assets) || '|' ||
       (SELECT count(class) FROM assets) || '|' || (SELECT total(length(name)) FROM assets)
       || '|' || (SELECT count(*) FROM risks) || '|' || (SELECT count(*) FROM change_batches)
       || '|' || (SELECT count(*) FROM change_log) || '|' || (SELECT count(*) FROM parties)
       || '|' || (SELECT coalesce(max(updated_batch), 0) FROM assets)
]]

local function check(path)
  local conn = connect(path)  -- the first read rolls a hot journal back, as isms would
  local integrity = conn:rows("PRAGMA integrity_check")[1][1]
  local sig = conn:rows(SIGNATURE)[1][1]
  conn:close()
  return integrity, sig
end

local function copy(from, to)
  assert(os.execute(("cp %s %s"):format(from, to)) == 0)
  return to
end

local function now()
  local p = io.popen("date +%s.%N")
  local t = tonumber(p:read("*a"))
  p:close()
  return t
end

-- Starts isms with args in the background; returns its pid.
local function spawn(args)
  local q = {}
  for k, a in ipairs(args) do q[k] = H.shell_quote(a) end
  local p = io.popen(("%s %s >/dev/null 2>&1 & echo $!"):format(H.shell_quote(H.exe),
                                                                table.concat(q, " ")))
  local pid = tonumber(p:read("*l"))
  p:close()
  return pid
end

local function alive(pid) return os.execute("kill -0 " .. pid .. " 2>/dev/null") == 0 end

local function gone(pid)
  for _ = 1, 500 do
    if not alive(pid) then return true end
    os.execute("sleep 0.01")
  end
  return false
end

-- Runs the command to the end on a copy of base (the new state and how
-- long it takes), then ROUNDS times on fresh copies, killed at a random
-- moment of that time; each must leave the old state or the new one.
-- between(done) may name states between the two that the command commits
-- on its way (a command of more than one transaction).
local function crash_rounds(what, base, args_for, between)
  local integrity, old = check(base)
  assert.are.equal("ok", integrity)
  local done = copy(base, H.tmp("done.db"))
  local t0 = now()
  local _, err, code = H.run(unpack(args_for(done)))
  local took = now() - t0
  assert.are.equal(0, code, err)
  local new
  integrity, new = check(done)
  assert.are.equal("ok", integrity)
  assert.are_not.equal(old, new)
  local allowed = { [old] = "old", [new] = "new" }
  for _, sig in ipairs(between and between(done) or {}) do allowed[sig] = "between" end
  local seen = { old = 0, new = 0, between = 0 }
  for round = 1, ROUNDS do
    local victim = copy(base, H.tmp("victim.db"))
    local delay = took * (0.05 + 0.9 * math.random())
    local pid = spawn(args_for(victim))
    os.execute(("sleep %.3f; kill -9 %d 2>/dev/null"):format(delay, pid))
    assert.is_true(gone(pid), "the killed process is gone")
    local ok, sig = check(victim)
    local where = ("%s, round %d, killed after %.3f s of %.3f s (seed %d)"):format(
      what, round, delay, took, SEED)
    assert.are.equal("ok", ok, where)
    assert.is_truthy(allowed[sig], where .. ": neither the old nor the new state: " .. sig
                     .. " (old " .. old .. ", new " .. new .. ")")
    seen[allowed[sig]] = seen[allowed[sig]] + 1
    -- and the register opens and works after the crash
    local _, e, c = H.run("--db", victim, "history")
    assert.are.equal(0, c, where .. ": " .. e)
    os.remove(victim)
  end
  if os.getenv("ISMS_CRASH_ROUNDS") then
    io.stderr:write(("# crash %s: %d kills, %d left the old state, %d the new one, %d a batch"
                     .. " boundary between; a full run took %.2f s\n"):format(
                     what, ROUNDS, seen.old, seen.new, seen.between, took))
  end
end

local function inventory(n, prefix)
  local path = H.tmp(prefix .. ".csv")
  assert(os.execute(("awk -v n=%d -f tests/bench/gen_assets.awk | sed 's/^AST-/%s-/' > %s")
                    :format(n, prefix, path)) == 0)
  return path
end

local function register(n_assets)
  local path = H.tmp("base.db")
  local _, err, code = H.run("init", path)
  assert.are.equal(0, code, err)
  if n_assets > 0 then
    _, err, code = H.run("--db", path, "import", "assets", inventory(n_assets, "OLD"))
    assert.are.equal(0, code, err)
  end
  return path
end

describe("crash safety (kill -9)", function()
  it("during a large import", function()
    local base = register(1000 * SCALE)
    local file = inventory(40000 * SCALE, "NEW")
    crash_rounds("import", base, function(db) return { "--db", db, "import", "assets", file } end)
  end)

  it("during a re-valuation of every asset", function()
    local base = register(40000 * SCALE)
    crash_rounds("value", base, function(db)
      return { "--db", db, "value", "--methodology", "tests/bench/sum.lua" }
    end)
  end)

  it("during risks generate", function()
    -- `risks generate` commits twice: the risks, then the catalog's names
    -- of threats and vulnerabilities (lua/isms/risk/register.lua); the
    -- register's risk factors, a third, are set here beforehand by a
    -- generation on no assets. A kill between the two leaves the risks
    -- whole without the catalog batch: that state is allowed too.
    local base = register(0)
    local _, err, code = H.run("--db", base, "risks", "generate", "generic")
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", base, "import", "assets", inventory(600 * SCALE, "OLD"))
    assert.are.equal(0, code, err)
    crash_rounds("risks generate", base, function(db)
      return { "--db", db, "risks", "generate", "generic" }
    end, function(done)
      local mid = copy(done, H.tmp("mid.db"))
      local conn = connect(mid)
      assert.are.same({ { "catalog generic", "0" } }, conn:rows(
        "SELECT command, (SELECT count(*) FROM change_log WHERE batch = b.id)"
        .. " FROM change_batches b ORDER BY id DESC LIMIT 1"))
      conn:exec("DELETE FROM change_batches WHERE id = (SELECT max(id) FROM change_batches)")
      conn:close()
      local _, sig = check(mid)
      return { sig }
    end)
  end)

  it("during a restore", function()
    local backup = register(40000 * SCALE)
    local base = register(500 * SCALE)
    crash_rounds("restore", base, function(db) return { "--db", db, "restore", backup } end)
  end)
end)
