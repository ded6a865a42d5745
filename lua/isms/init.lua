--- isms: the Lua API of the ISMS workbench.
-- `local isms = require "isms"` works inside the `isms` executable (isms run,
-- isms repl) and from a plain `luajit` with the package on LUA_PATH; see
-- docs/lua-api.md.
--
-- Start-up (issue #18): requiring isms loads only the register handle. The
-- domain packages below load on first use -- `isms.gap` requires isms.gap
-- when it is first read -- and every one of them loads (load_domains) as
-- soon as something asks for what they add: a register method no loaded
-- package defines, a record kind, the action sources (isms.store._domains).
-- Scripts see the same API either way; isms.load_all() loads everything now.
local b = require "isms.store._ffi"
local register = require "isms.store.register"
local domains = require "isms.store._domains"

-- Each domain adds its methods to Register when it is loaded, in this
-- order (one literal require line per package; append yours).
local function load_domains()
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
  -- packages isms hands out that load nothing above (the roadmaps define
  -- record kinds and an action source)
  require "isms.roadmap"
end
domains.set_loader(load_domains)

-- The flat module names of release 0.1 still load, for one release.
require("isms._compat").install()

local isms = {}

-- The packages isms hands out, each loaded when first read: name ->
-- loader. The comment above each entry is its doc (help(isms.NAME)).
local lazy = {}

--- Library version, e.g. "0.1.0".
isms.version = b.ffi.string(b.C.isms_version())

--- The copy of the scoring kernels this process runs: "avx2" or "baseline".
isms.kernels = b.ffi.string(b.C.isms_kernels())

--- Opens (creating if needed) a register: see isms.register.
isms.open = register.open

--- Methodologies: isms.methodology.load(name_or_path), .list().
lazy.methodology = function() return require "isms.method.methodology" end

--- Rule files: isms.rules.eval(path), .find(kind, name).
lazy.rules = function() return require "isms.rules" end

--- Threat and vulnerability catalogs: isms.catalog.load(name_or_path), .list().
lazy.catalog = function() return require "isms.risk.catalog" end

--- Control catalogs (Annex A 2005, 2013, 2022, your own) and the mappings
-- between editions: isms.controls.load(name), .load_mapping(name), ...
lazy.controls = function() return require "isms.treat.controls" end

--- Gap analysis: isms.gap.catalog (requirement catalogs), .method,
-- .report (the gap report model); register methods in docs/lua-api.md.
lazy.gap = function() return require "isms.gap" end

--- The one action tracker over RTP tasks, corrective and review actions,
-- gap remediation, ...: isms.actions.list(reg, opts), .source(name, fn).
lazy.actions = function() return require "isms.actions" end

--- Record kinds (docs/records.md): isms.kinds.get(name), .all(), .define(desc).
lazy.kinds = function() return require "isms.store.kind" end

--- Roadmaps: workflows as rule files, their schedule and runs in the
-- register: isms.roadmap.load(name), .start(reg, name, opts), .status(reg, run).
lazy.roadmap = function() return require "isms.roadmap" end
--- People, ISMS roles, competence, training and awareness (clauses 5.3,
-- 7.2-7.3): isms.people.check(reg, opts), .config(reg), .holders(...).
lazy.people = function() return require "isms.people" end

--- Context, scope, objectives, business case and communication (clauses
-- 4, 5, 6.2, 7.4): isms.context.scope.out_of_scope(reg), .objectives.status(reg), ...
lazy.context = function() return require "isms.context" end
--- The incident register: statistics, incidents beside likelihood, the
-- incident rule file (docs/keeping-current.md): isms.incidents.stats(reg,
-- opts), .beside_likelihood(reg, ref), .history(reg, opts), .rules.
lazy.incidents = function() return require "isms.incident" end

--- Suppliers: contracts, certifications, held assets, risk roll-up:
-- isms.suppliers.risks(reg, id), .outsourced(reg), .link_assets(reg, opts).
lazy.suppliers = function() return require "isms.supplier" end

--- Keeping the register current: isms.currency.stale(reg, opts),
-- .stale_summary(reg, opts), .review(reg, kind, id, opts), .audits(reg, opts).
lazy.currency = function() return require "isms.currency" end
--- Running the ISMS (docs/operations.md): documented information
-- (isms.docs: check, verify, revise, the mandatory list), the measurement
-- programme (isms.measure: collect, record, view), internal audit and
-- nonconformities (isms.audit: programme, independence, checklist, report
-- model; isms.audit.nonconformity: workflow, trends) and management review
-- (isms.review: the review pack).
lazy.docs = function() return require "isms.docs" end
lazy.measure = function() return require "isms.measure" end
lazy.audit = function() return require "isms.audit" end
lazy.review = function() return require "isms.review" end

--- The register path given by --db or ISMS_DB, if any.
function isms.default_db()
  if isms.db_override then return isms.db_override end  -- set by `isms --db X run`
  local path = os.getenv("ISMS_DB")
  if path and path ~= "" then return path end
  return nil
end

setmetatable(isms, {
  __index = function(t, name)
    local load = lazy[name]
    if not load then return nil end
    local package = load()
    rawset(t, name, package)
    return package
  end,
})

--- Loads every domain package and every package isms hands out now (the
-- REPL does, so that completion and help list them all).
function isms.load_all()
  domains.load_all()
  local names = {}
  for name in pairs(lazy) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do local _ = isms[name] end
end

return isms
