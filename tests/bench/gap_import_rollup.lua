-- The gap bench's import plus roll-up in one process (isms run): reads a
-- filled questionnaire into an assessment and computes its results, as a
-- script or the REPL would. Prints the numbers it got, so the bench can
-- check the work was done.
--   build/isms --db DB run tests/bench/gap_import_rollup.lua ASSESSMENT ANSWERS.csv
local isms = require "isms"

local id, answers = ...
local reg = assert(isms.open(assert(isms.default_db(), "give --db DB"), { create = false }))
local rep = assert(reg:import_questionnaire(id, answers))
local res = assert(reg:gap_results(id))
print(("%d answers, %d gaps, total %.1f"):format(rep.rows, #res.gaps, res.total.value or -1))
