std = "luajit"
max_line_length = 110
files["tests/spec"] = { std = "+busted" }
-- Rule files may only use the DSL words the sandbox provides.
files["rules"] = {
  std = "min",
  read_globals = { "methodology", "scale", "asset_value", "asset_class", "risk_matrix",
                   "acceptance", "roadmap_step" },
}
files["lua/isms/repl.lua"] = { globals = { "isms", "reg", "arg" } }
files["lua/isms/cli.lua"] = { globals = { "arg" } }
