-- A first SoA from the treatments, for an integrator to start from:
--   isms --db REG run scripts/soa_from_treatments.lua "why the rest is excluded"
-- Every control a treatment selects becomes applicable for risk (status
-- planned); every other control not yet decided is excluded with the
-- justification given. Controls already decided are left as they are.
-- Then `isms soa check` lists what a person still has to look at.
local isms = require "isms"

local justification = arg[1]
if not justification or not justification:match("%S") then
  io.stderr:write("usage: isms run scripts/soa_from_treatments.lua \"JUSTIFICATION\"\n")
  os.exit(2)
end
local reg = assert(isms.open(isms.default_db()))
local soa = assert(reg:soa({ linked = 0 }))
local entries, applicable, excluded = {}, 0, 0
for _, e in ipairs(soa.entries) do
  if not e.decided then
    if e.risks > 0 then
      entries[e.control] = { applicable = true, reasons = { "risk" }, status = "planned" }
      applicable = applicable + 1
    else
      entries[e.control] = { applicable = false, justification = justification }
      excluded = excluded + 1
    end
  end
end
assert(reg:put_soa(entries, "first SoA from the treatments"))
print(("SoA: %d control(s) applicable for risk, %d excluded, %d already decided")
  :format(applicable, excluded, #soa.entries - applicable - excluded))
reg:close()
