--- The module names of isms 0.1 (a flat lua/isms/), kept for one release:
-- `require "isms.catalog"` still loads isms.risk.catalog once `isms` has
-- been required (the executable always has). docs/lua-api.md lists the
-- new names; this table and its loader go in the next release.
local OLD = {
  ["isms._ffi"] = "isms.store._ffi", ["isms._paths"] = "isms.store._paths",
  ["isms.register"] = "isms.store.register", ["isms.records"] = "isms.store.records",
  ["isms.decimal"] = "isms.store.decimal", ["isms.format"] = "isms.store.format",
  ["isms.rule_check"] = "isms.rules.check", ["isms.methodology"] = "isms.method.methodology",
  ["isms.risk_method"] = "isms.method.risk_method", ["isms.risk_view"] = "isms.method.risk_view",
  ["isms.ciso_matrix"] = "isms.method.ciso_matrix", ["isms.catalog"] = "isms.risk.catalog",
  ["isms.risk_register"] = "isms.risk.register", ["isms.risk_csv"] = "isms.risk.csv",
  ["isms.treatment"] = "isms.treat.treatment", ["isms.controls"] = "isms.treat.controls",
  ["isms.soa"] = "isms.treat.soa", ["isms.rtp"] = "isms.treat.rtp",
  ["isms.report_text"] = "isms.report.text", ["isms.report_html"] = "isms.report.html",
  ["isms.heatmap_svg"] = "isms.report.svg", ["isms.cli_methodology"] = "isms.cli.methodology",
  ["isms.cli_risk"] = "isms.cli.risk", ["isms.cli_treatment"] = "isms.cli.treatment",
}

local M = { names = OLD }

-- A package loader (searcher) that answers only the old names.
local function search(name)
  local new = OLD[name]
  if not new then return nil end
  return function() return require(new) end
end

--- Installs the loader once per Lua state.
function M.install()
  for _, f in ipairs(package.loaders) do if f == search then return end end
  table.insert(package.loaders, search)
end

return M
