--- Set-up shared by the specs of running the ISMS (docs, metrics, audit,
-- nonconformity, review, actions CLI): a register with the small asset
-- inventory, a dump of every table these registers write (to show that a
-- refused input wrote nothing), and a check that a write was refused.
local H = require "helper"

local F = {}

F.TABLES = { "documents", "document_versions", "measurements", "audit_programme", "audits",
             "findings", "nonconformities", "corrective_actions", "reviews", "review_actions",
             "feedback", "record_links", "settings" }

--- A fresh register (qism-fmea, three assets, the ISO/IEC 27001:2022
-- requirement catalog); returns reg, path.
function F.register()
  local reg, path = H.register()
  assert(reg:import_assets(H.file("assets.csv", H.GOOD)))
  assert(reg:import_framework("iso27001-2022"))
  return reg, path
end

--- Every row of the operations tables and the change-log counts, as text.
function F.dump(path)
  local sql = {}
  for _, t in ipairs(F.TABLES) do sql[#sql + 1] = ("SELECT '%s', * FROM %s ORDER BY 2, 3;"):format(t, t) end
  sql[#sql + 1] = "SELECT count(*) FROM change_log; SELECT count(*) FROM change_batches;"
  local p = io.popen("sqlite3 " .. H.shell_quote(path) .. " " .. H.shell_quote(table.concat(sql, " ")))
  local s = p:read("*a")
  p:close()
  return s
end

--- Asserts that call() is refused with code (default INPUT) and a message
-- holding `want`, and that the register at path is unchanged.
function F.refused(path, want, call, code)
  local before = F.dump(path)
  local ok, err, got = call()
  assert(ok == nil, "expected a refusal: " .. want)
  assert(err and err:find(want, 1, true), ("expected %q in %q"):format(want, tostring(err)))
  assert(got == (code or "INPUT"), ("expected code %s, got %s"):format(code or "INPUT", tostring(got)))
  assert(F.dump(path) == before, "a refused write changed the register")
  return err
end

--- Runs the isms executable on a register; returns stdout, stderr, exit code.
function F.run(path, ...)
  return H.run("--db", path, ...)
end

return F
