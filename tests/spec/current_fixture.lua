--- Set-up shared by the incident, supplier and stale specs: a register of
-- three assets (helper's H.GOOD: AST-1 class A, AST-2 class C, AST-3
-- class B and outsourced under contract MSA-17) valued by qism-fmea, with
-- the generic catalog's risks, and a dump of everything these registers
-- write (to show that a refused input wrote nothing).
local H = require "helper"
local assert = require "luassert"

local F = {}

--- Risks the specs rate (qism-fmea: S, O, D on 1..10).
F.MALWARE = "AST-1/T-MALWARE/V-NO-ANTIMALWARE"
F.MALWARE2 = "AST-1/T-MALWARE/V-UNPATCHED"
F.THEFT = "AST-2/T-EQUIPMENT-THEFT/V-NO-ENCRYPTION"
F.DOS = "AST-3/T-DOS-ATTACK/V-SINGLE-LINK"

--- A register with risks; `rate` rates the four risks above.
function F.register(rate)
  local reg, path = H.register()
  assert(reg:import_assets(H.file("assets.csv", H.GOOD)))
  assert(reg:value())
  assert(reg:generate_risks("generic"))
  if rate ~= false then
    assert(reg:put_risks({
      { ref = F.MALWARE, ratings = { S = 8, O = 2, D = 5 } },
      { ref = F.MALWARE2, ratings = { S = 8, O = 6, D = 5 } },
      { ref = F.THEFT, ratings = { S = 5, O = 4, D = 4 } },
      { ref = F.DOS, ratings = { S = 6, O = 3, D = 3 } },
    }))
  end
  return reg, path
end

--- Everything the keeping-current registers hold, the settings, the
-- risks' assessments and the size of the change log, as one string.
function F.dump(path)
  local p = io.popen("sqlite3 " .. H.shell_quote(path) .. " '"
    .. "SELECT * FROM incidents ORDER BY id; SELECT * FROM incident_events ORDER BY id;"
    .. " SELECT * FROM suppliers ORDER BY id; SELECT * FROM supplier_contracts ORDER BY id;"
    .. " SELECT * FROM supplier_certifications ORDER BY id; SELECT * FROM reviews ORDER BY 1, 2;"
    .. " SELECT * FROM record_links ORDER BY 1, 2, 3, 4; SELECT * FROM settings ORDER BY key;"
    .. " SELECT ref, assessed_batch FROM risks WHERE assessed_batch IS NOT NULL ORDER BY ref;"
    .. " SELECT count(*) FROM change_log; SELECT count(*) FROM change_batches'")
  local s = p:read("*a")
  p:close()
  return s
end

--- Runs sqlite3 on a register (edits behind the library's back).
function F.sql(path, sql)
  assert(os.execute("sqlite3 " .. H.shell_quote(path) .. " " .. H.shell_quote(sql)) == 0)
end

--- Asserts that fn's write was refused with a message holding `want`
-- (plain text) and code (default INPUT), and that nothing was written.
function F.refused(path, want, fn, code)
  local before = F.dump(path)
  local ok, err, got = fn()
  assert.is_nil(ok)
  assert.are.equal(code or "INPUT", got)
  assert.truthy(tostring(err):find(want, 1, true), err)
  assert.are.equal(before, F.dump(path))
  return err
end

return F
