std = "luajit"
max_line_length = 110
files["tests/spec"] = { std = "+busted", max_line_length = false }
-- Rule files may only use the DSL words the sandbox provides.
local rule_files = {
  std = "min",
  read_globals = { "methodology", "scale", "asset_value", "asset_class", "risk_score",
                   "risk_matrix", "risk_level", "acceptance", "residual_acceptance", "catalog",
                   "threat_class", "threat", "vulnerability", "roadmap_step",
                   "control_catalog", "control_group", "control", "control_mapping", "maps",
                   "new_control", "document_list", "mandatory", "metric_set", "metric",
                   "workflow", "state", "transition" },
}
files["rules"] = rule_files
files["demo"] = rule_files
files["tests/bench/sum.lua"] = rule_files
files["lua/isms/repl.lua"] = { globals = { "isms", "reg", "arg" } }
files["lua/isms/cli.lua"] = { globals = { "arg" } }
