--- isms: the Lua API of the ISMS workbench.
-- `local isms = require "isms"` works inside the `isms` executable (isms run,
-- isms repl) and from a plain `luajit` with the package on LUA_PATH; see
-- docs/lua-api.md.
local b = require "isms.store._ffi"
local register = require "isms.store.register"
local methodology = require "isms.method.methodology"
local rules = require "isms.rules"

-- Each domain adds its methods to Register when it is loaded.
require "isms.asset.register"
require "isms.risk.register"
require "isms.treat.treatment"
require "isms.treat.soa"
require "isms.treat.rtp"
require "isms.gap"
require "isms.quant.register"
require "isms.people"
require "isms.context"
require "isms.incident"
require "isms.supplier"
require "isms.currency"
require "isms.docs"
require "isms.measure"
require "isms.audit"
require "isms.review"
require "isms.actions.gap"
require "isms.store.chain"

-- The flat module names of release 0.1 still load, for one release.
require("isms._compat").install()

local isms = {}

--- Library version, e.g. "0.1.0".
isms.version = b.ffi.string(b.C.isms_version())

--- The copy of the scoring kernels this process runs: "avx2" or "baseline".
isms.kernels = b.ffi.string(b.C.isms_kernels())

--- Opens (creating if needed) a register: see isms.register.
isms.open = register.open

--- Methodologies: isms.methodology.load(name_or_path), .list().
isms.methodology = methodology

--- Rule files: isms.rules.eval(path), .find(kind, name).
isms.rules = rules

--- Threat and vulnerability catalogs: isms.catalog.load(name_or_path), .list().
isms.catalog = require "isms.risk.catalog"

--- Control catalogs (Annex A 2005, 2013, 2022, your own) and the mappings
-- between editions: isms.controls.load(name), .load_mapping(name), ...
isms.controls = require "isms.treat.controls"

--- Gap analysis: isms.gap.catalog (requirement catalogs), .method,
-- .report (the gap report model); register methods in docs/lua-api.md.
isms.gap = require "isms.gap"

--- The one action tracker over RTP tasks, corrective and review actions,
-- gap remediation, ...: isms.actions.list(reg, opts), .source(name, fn).
isms.actions = require "isms.actions"

--- Record kinds (docs/records.md): isms.kinds.get(name), .all(), .define(desc).
isms.kinds = require "isms.store.kind"

--- Roadmaps: workflows as rule files, their schedule and runs in the
-- register: isms.roadmap.load(name), .start(reg, name, opts), .status(reg, run).
isms.roadmap = require "isms.roadmap"
--- People, ISMS roles, competence, training and awareness (clauses 5.3,
-- 7.2-7.3): isms.people.check(reg, opts), .config(reg), .holders(...).
isms.people = require "isms.people"

--- Context, scope, objectives, business case and communication (clauses
-- 4, 5, 6.2, 7.4): isms.context.scope.out_of_scope(reg), .objectives.status(reg), ...
isms.context = require "isms.context"
--- The incident register: statistics, incidents beside likelihood, the
-- incident rule file (docs/keeping-current.md): isms.incidents.stats(reg,
-- opts), .beside_likelihood(reg, ref), .history(reg, opts), .rules.
isms.incidents = require "isms.incident"
require "isms.supplier"
require "isms.currency"

--- Suppliers: contracts, certifications, held assets, risk roll-up:
-- isms.suppliers.risks(reg, id), .outsourced(reg), .link_assets(reg, opts).
isms.suppliers = require "isms.supplier"

--- Keeping the register current: isms.currency.stale(reg, opts),
-- .stale_summary(reg, opts), .review(reg, kind, id, opts), .audits(reg, opts).
isms.currency = require "isms.currency"
--- Running the ISMS (docs/operations.md): documented information
-- (isms.docs: check, verify, revise, the mandatory list), the measurement
-- programme (isms.measure: collect, record, view), internal audit and
-- nonconformities (isms.audit: programme, independence, checklist, report
-- model; isms.audit.nonconformity: workflow, trends) and management review
-- (isms.review: the review pack).
isms.docs = require "isms.docs"
isms.measure = require "isms.measure"
isms.audit = require "isms.audit"
isms.review = require "isms.review"

--- The register path given by --db or ISMS_DB, if any.
function isms.default_db()
  if isms.db_override then return isms.db_override end  -- set by `isms --db X run`
  local path = os.getenv("ISMS_DB")
  if path and path ~= "" then return path end
  return nil
end

return isms
