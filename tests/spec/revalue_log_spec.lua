-- Re-valuing the register (isms value, reg:value): the change log holds
-- every field that moved, exactly (old and new class and value, in asset
-- order, class before value), and nothing for what did not move.
local H = require "helper"
local isms = require "isms"
local ffi = require "ffi"

-- A methodology valuing by weighted sum; c_tiers: how many tiers C has
-- (an asset rated above them is left unvalued).
local function method(name, c_tiers, weights, high, low)
  local tiers = {}
  for v = 1, c_tiers do tiers[v] = ("{ value = %d, label = 'C%d' }"):format(v, v) end
  return assert(isms.methodology.load(H.file(name .. ".lua", ([[
methodology %q {}
scale "C" { tiers = { %s } }
scale "I" { tiers = { { value = 1, label = "L" }, { value = 2, label = "M" }, { value = 3, label = "H" } } }
scale "A" { tiers = { { value = 1, label = "L" }, { value = 2, label = "M" }, { value = 3, label = "H" } } }
asset_value { combine = "sum", weights = { C = %s, I = %s, A = %s } }
asset_class "high" { range = { %s, %s } }
asset_class "low" { range = { %s, %s } }
]]):format(name, table.concat(tiers, ", "), weights[1], weights[2], weights[3],
           high[1], high[2], low[1], low[2]))))
end

-- The log rows of one batch as "ID FIELD OLD->NEW", in log order (the
-- assets in id order; each asset's rows as reg:changes gives them, and the
-- whole log gives them in the same order).
local function logged(reg, batch)
  local out, all = {}, {}
  for _, id in ipairs({ "AST-1", "AST-2", "AST-3", "AST-4" }) do
    for _, c in ipairs(reg:changes(id)) do
      if c.batch == batch then
        out[#out + 1] = ("%s %s %s %s->%s"):format(c.action, id, c.field, tostring(c.old),
                                                   tostring(c.new))
      end
    end
  end
  for _, c in ipairs(reg:changes()) do
    if c.batch == batch then
      all[#all + 1] = ("%s %s %s %s->%s"):format(c.action, c.entity_id, c.field, tostring(c.old),
                                                 tostring(c.new))
    end
  end
  assert.are.same(out, all)
  return out
end

describe("re-valuation's change log", function()
  it("logs each moved class and value, old and new, and nothing else", function()
    local reg = H.register()
    -- AST-4 has no C/I/A: unvalued under every methodology.
    assert(reg:import_assets(H.file("a.csv", H.GOOD ..
      "AST-4,Whiteboard,physical,Operations,,Office,no,,no,1,,,,\n")))
    -- qism-fmea (product): AST-1 4x3x3 = 36 A, AST-2 2x2x1 = 4 C, AST-3 3x2x2 = 12 B.
    assert.are.same({ 36, "A" }, { reg:asset("AST-1").value, reg:asset("AST-1").class })

    -- C has three tiers: AST-1 (C = 4) is left unvalued; the others move
    -- in class and value (0.5 C + 1.25 I + A: 4.5 and 6).
    local w1 = method("w1", 3, { 0.5, 1.25, 1 }, { 6, 10 }, { 1, 5.75 })
    local r = assert(reg:value(w1, "trial"))
    assert.are.same({ 4, 2, 2, 3 }, { r.assets, r.valued, r.unvalued, r.changed })
    assert.are.same({
      "update AST-1 class A->nil", "update AST-1 value 36->nil",
      "update AST-2 class C->low", "update AST-2 value 4->4.5",
      "update AST-3 class B->high", "update AST-3 value 12->6",
    }, logged(reg, r.batch))

    -- Same class names, plain sum: AST-1 is valued again (10, high); the
    -- classes of AST-2 and AST-3 stay, only their values move.
    local w2 = method("w2", 4, { 1, 1, 1 }, { 6, 10 }, { 1, 5.75 })
    r = assert(reg:value(w2))
    assert.are.equal(3, r.changed)
    assert.are.same({
      "update AST-1 class nil->high", "update AST-1 value nil->10",
      "update AST-2 value 4.5->5",
      "update AST-3 value 6->7",
    }, logged(reg, r.batch))

    -- Same values, other class bounds: only AST-3's class moves.
    local w3 = method("w3", 4, { 1, 1, 1 }, { 8, 10 }, { 1, 7.5 })
    r = assert(reg:value(w3))
    assert.are.equal(1, r.changed)
    assert.are.same({ "update AST-3 class high->low" }, logged(reg, r.batch))

    -- Nothing moves: no row, and the batch says so.
    r = assert(reg:value(w3))
    assert.are.equal(0, r.changed)
    assert.are.same({}, logged(reg, r.batch))

    -- Back under the register's own: the stored classes are ones it does
    -- not know, and are logged as they were.
    r = assert(reg:value())
    assert.are.equal(3, r.changed)
    assert.are.same({
      "update AST-1 class high->A", "update AST-1 value 10->36",
      "update AST-2 class low->C", "update AST-2 value 5->4",
      "update AST-3 class low->B", "update AST-3 value 7->12",
    }, logged(reg, r.batch))
    local batches = reg:batches()
    assert.are.same({ "value", 3 }, { batches[#batches].command, batches[#batches].updated })
    -- The assets carry the batch that last moved them.
    assert.are.equal(r.batch, reg:asset("AST-3").updated_batch)
    assert.are.same({ 36, "A" }, { reg:asset("AST-1").value, reg:asset("AST-1").class })
    assert.is_nil(reg:asset("AST-4").class)
  end)

  it("writes the log as %g writes each value", function()
    local reg = H.register()
    assert(reg:import_assets(H.file("a.csv", H.GOOD)))
    -- 0.25 C + 400000 I + 0.001 A: six significant digits, and past a
    -- million the exponent form (1200001.003 is 1.2e+06).
    local odd = method("odd", 4, { 0.25, 400000, 0.001 }, { 1000000, 2000000 }, { 0, 999999 })
    local r = assert(reg:value(odd))
    assert.are.same({
      "update AST-1 class A->high", "update AST-1 value 36->1.2e+06",
      "update AST-2 class C->low", "update AST-2 value 4->800001",
      "update AST-3 class B->low", "update AST-3 value 12->800001",
    }, logged(reg, r.batch))
    assert.are.equal(1200001.003, reg:asset("AST-1").value)
  end)
end)

describe("change sets (a bulk write's changes as one row)", function()
  local function lines(reg, text, only)
    local out = {}
    local sql = "SELECT entity_id, field, old, new, seq FROM isms_change_set(?1"
      .. (only and ", ?2)" or ")")
    for row in reg:query(sql, text, only) do
      out[#out + 1] = { row.entity_id or "NULL", row.field or "NULL", row.old or "NULL",
                        row.new or "NULL", tonumber(row.seq) }
    end
    return out
  end

  it("read back escapes, NULLs and empty text as written, and one id alone", function()
    local reg = H.register()
    local text = table.concat({
      "A-1\tclass\t\\N\tlow",               -- NULL old
      "A\\t2\tvalue\t\t4.5",                -- an id with a tab; empty old
      "back\\\\slash\tnote\tline\\none\tx", -- backslash in the id, newline in the old
      "A-1\tvalue\t3\t\\N",                 -- NULL new
    }, "\n") .. "\n"
    assert.are.same({
      { "A-1", "class", "NULL", "low", 1 },
      { "A\t2", "value", "", "4.5", 2 },
      { "back\\slash", "note", "line\none", "x", 3 },
      { "A-1", "value", "3", "NULL", 4 },
    }, lines(reg, text))
    assert.are.same({ { "A-1", "class", "NULL", "low", 1 }, { "A-1", "value", "3", "NULL", 4 } },
                    lines(reg, text, "A-1"))
    assert.are.same({ { "A\t2", "value", "", "4.5", 2 } }, lines(reg, text, "A\t2"))
    assert.are.same({ { "back\\slash", "note", "line\none", "x", 3 } }, lines(reg, text, "back\\slash"))
    assert.are.same({}, lines(reg, text, "A-"))
    assert.are.same({}, lines(reg, ""))
    -- a last line without its newline is read too
    assert.are.same({ { "Z", "f", "1", "2", 1 } }, lines(reg, "Z\tf\t1\t2"))
    reg:close()
  end)

  it("log a re-valuation as one row that history, the log and verify read", function()
    local reg, path = H.register()
    local id = "AST-\\5\tx"   -- a backslash and a tab, escaped in the set
    assert(reg:import_assets(H.file("b.csv", H.GOOD .. '"' .. id .. '",Odd,physical,Ops,,Office,'
                                    .. "no,,no,1,3,2,2,\n")))
    local before = reg:query("SELECT count(*) AS n FROM change_log")().n
    local w = method("w", 4, { 1, 1, 1 }, { 6, 12 }, { 1, 5.75 })
    local r = assert(reg:value(w))
    assert.are.equal(4, r.changed)
    -- no change_log row: one change_sets row of the batch
    assert.are.equal(before, reg:query("SELECT count(*) AS n FROM change_log")().n)
    assert.are.equal(1, tonumber(reg:query("SELECT count(*) AS n FROM change_sets WHERE batch = ?1",
                                           r.batch)().n))
    local h = {}
    for _, c in ipairs(reg:changes(id)) do
      if c.batch == r.batch then h[#h + 1] = c.field .. " " .. c.old .. "->" .. c.new end
    end
    assert.are.same({ "class B->high", "value 12->7" }, h)
    reg:close()
    local out, _, code = H.run("--db", path, "verify")
    assert.are.equal(0, code, out)
  end)
end)

describe("re-valuing a large register in one pass", function()
  -- Over 20,000 assets most of which move, the UPDATE's own scan values
  -- them (core/value.c, "one pass"); a register under that size is valued
  -- in two passes. The same assets give the same log and the same rows.
  local function inventory(n)
    local csv = H.tmp("assets-" .. n .. ".csv")
    local _, code = H.sh(("awk -v n=%d -f tests/bench/gen_assets.awk > %s"):format(n, H.shell_quote(csv)))
    assert(code == 0)
    return csv
  end

  -- The files this process holds open whose name ends in -journal.
  local function open_journals()
    pcall(ffi.cdef, "int getpid(void);")
    local out = {}
    local ls = io.popen("ls -l /proc/" .. ffi.C.getpid() .. "/fd 2>/dev/null")
    for line in ls:lines() do
      if line:find("%-journal") then out[#out + 1] = line end
    end
    ls:close()
    return out
  end

  local function state(reg, upto)
    local out = {}
    for row in reg:query("SELECT id, value, class, updated_batch IS NOT NULL AS moved FROM assets "
                         .. "WHERE id <= ?1 ORDER BY id", upto) do
      out[#out + 1] = ("%s %s %s %s"):format(row.id, tostring(row.value), tostring(row.class),
                                             tostring(row.moved))
    end
    for _, c in ipairs(reg:changes()) do
      if c.entity == "asset" and c.entity_id <= upto and c.action == "update" then
        out[#out + 1] = ("%s %s %s->%s"):format(c.entity_id, c.field, tostring(c.old), tostring(c.new))
      end
    end
    return out
  end

  it("logs and writes what two passes write for the same assets", function()
    local sum_file = H.file("sum.lua", H.read("tests/bench/sum.lua"))
    local big, small = isms.open(H.tmp("big.db")), isms.open(H.tmp("small.db"))
    for _, x in ipairs({ { big, 25000 }, { small, 1000 } }) do
      assert(x[1]:set_methodology("qism-fmea"))
      assert(x[1]:import_assets(inventory(x[2])))
    end
    local m = assert(isms.methodology.load(sum_file))
    local spill = big:query("PRAGMA cache_spill")().cache_spill
    local rb = assert(big:value(m))
    -- the connection is left as it was: its page cache spills again (not
    -- while the chain's reader runs, core/chain.c) and the journal the
    -- write handed to the disk as it went (core/txn.c) is closed
    assert.are.equal(spill, big:query("PRAGMA cache_spill")().cache_spill)
    assert.are.same({}, open_journals())
    assert.is_true(assert(small:value(m)).changed > 500)
    assert.is_true(rb.changed > 20000, tostring(rb.changed))
    assert.are.same({ 25000, rb.valued }, { rb.assets, 25000 - rb.unvalued })
    local want = state(small, "AST-0001000")
    assert.is_true(#want > 1500)
    assert.are.same(want, state(big, "AST-0001000"))
    -- the values are the methodology's: C + I + A
    assert.are.equal(0, tonumber(big:query("SELECT count(*) AS n FROM assets WHERE value <> c + i + a")().n))
    -- C on three tiers: the assets rated C = 4 are left unvalued (class and value to NULL)
    local w3 = method("w3", 3, { 1, 1, 1 }, { 6, 10 }, { 1, 5.75 })
    rb = assert(big:value(w3))
    assert.is_true(rb.unvalued > 1000 and rb.changed > 15000, tostring(rb.changed))
    assert(small:value(w3))
    assert.are.same(state(small, "AST-0001000"), state(big, "AST-0001000"))
    -- back under the register's own: every stored class is one it does not know
    rb = assert(big:value())
    assert.are.equal(0, rb.unvalued)
    assert(small:value())
    assert.are.same(state(small, "AST-0001000"), state(big, "AST-0001000"))
    big:close()
    small:close()
  end)
end)
