std = "luajit"
max_line_length = 110
files["tests/spec"] = { std = "+busted", max_line_length = false }
-- Rule files may only use the DSL words the sandbox provides: read from
-- the sandbox's own WORDS list, so the two never disagree.
local words = {}
do
  local f = assert(io.open("core/sandbox_prelude.lua"))
  local text = f:read("*a")
  f:close()
  local list = text:match("local WORDS = (%b{})")
  for word in list:gmatch('{%s*"([%w_]+)",%s*"') do words[#words + 1] = word end
end
-- Rule files are data: long titles and texts stay on one line.
local rule_files = { std = "min", read_globals = words, max_line_length = false }
files["rules"] = rule_files
files["demo"] = rule_files
files["tests/bench/sum.lua"] = rule_files
files["lua/isms/repl.lua"] = { globals = { "isms", "reg", "arg" } }
files["lua/isms/cli.lua"] = { globals = { "arg" } }
