-- gap_questionnaire.lua -- a filled questionnaire CSV in, an HTML gap report out.
--
--   build/isms --db DB run scripts/gap_questionnaire.lua FRAMEWORK ANSWERS.csv OUT.html
--
-- Imports the framework if the register lacks it (a shipped name such as
-- iso27001-2022, or a CISO Assistant / OSCAL file), starts an assessment,
-- reads the answers (all or nothing: any bad row and nothing is stored) and
-- writes the report. A trusted script: the full isms API, docs/lua-api.md.
local isms = require "isms"
local report = require "isms.report"

local framework, answers, out = ...
if not (framework and answers and out) then
  io.stderr:write("usage: isms --db DB run scripts/gap_questionnaire.lua FRAMEWORK ANSWERS.csv OUT.html\n")
  os.exit(2)
end
local reg = assert(isms.open(assert(isms.default_db(), "give --db DB"), { create = false }))
local id = framework:match("([^/]+)%.%w+$") or framework
if not reg:records("framework"):get(id) then
  local rep = assert(reg:import_requirements(framework))
  id = rep.framework
end
local a = assert(reg:new_assessment({ framework = id, assessed_on = os.date("!%Y-%m-%d"),
                                      assessor = reg.actor or "script", title = answers }))
local rep, err = reg:import_questionnaire(a, answers, { reason = "questionnaire " .. answers })
if not rep then io.stderr:write(err, "\n") os.exit(3) end
local results = assert(reg:gap_results(a))
local f = assert(io.open(out, "wb"))
f:write(report.render(isms.gap.report.model(results), "html"))
f:close()
print(("%s: %d answers, %d gaps, %.0f%% met; wrote %s"):format(a, rep.rows, #results.gaps,
      results.total.value or 0, out))
