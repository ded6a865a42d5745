--- The gap analysis (docs/gap-analysis.md): requirement catalogs of any
-- framework in the register, mapping sets between them, assessments and
-- their answers, results rolled up by a rule-file method, ISO 9001
-- credit and certification readiness. Loading this package adds the
-- register methods of its modules.
local M = {}

M.catalog = require "isms.gap.catalog"
M.method = require "isms.gap.method"
M.kinds = require "isms.gap.kinds"
M.report = require "isms.gap.report"
require "isms.gap.framework"
require "isms.gap.assess"
require "isms.gap.results"
M.readiness = require "isms.gap.readiness"

return M
