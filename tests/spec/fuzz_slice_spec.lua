-- A slice of the fuzzing (issue #18, points 3 and 4) in every `make test`:
-- each libFuzzer harness (tests/fuzz/, built with ASan and UBSan by the
-- Makefile) replays its seeds and every regression input a longer
-- `make fuzz` has found (tests/fixtures/fuzz/NAME/), then mutates them for
-- one second. Any crash, sanitizer report or leak fails the test.
local H = require "helper"

local SEEDS = {
  csv_import = { "tests/fixtures/csv/assets" },
  csv_reader = { "tests/fixtures/csv/assets", "tests/fixtures/csv/risks" },
  rules = { "tests/fixtures/rules/good", "tests/fixtures/rules/hostile",
            "rules/methodologies" },
  xlsx = { "tests/fixtures/xlsx" },
  yaml = { "tests/fixtures/yaml", "tests/fixtures/methods" },
}

describe("fuzz slice", function()
  for _, name in ipairs({ "csv_import", "csv_reader", "rules", "xlsx", "yaml" }) do
    it(name .. ": seeds, regression inputs and one second of mutations run clean", function()
      local bin = H.build .. "/fuzz/fuzz_" .. name
      assert.is_true(os.execute("test -x " .. bin) == 0,
                     bin .. " is missing: make test builds it (needs clang)")
      local corpus, art = H.tmp("corpus"), H.tmp("artifacts")
      assert(os.execute("mkdir -p " .. corpus .. " " .. art) == 0)
      local regress = "tests/fixtures/fuzz/" .. name
      local dirs = { corpus }
      if os.execute("test -d " .. regress) == 0 then dirs[#dirs + 1] = regress end
      for _, d in ipairs(SEEDS[name]) do dirs[#dirs + 1] = d end
      local log = H.tmp(name .. ".log")
      local cmd = ("%s -max_total_time=1 -timeout=10 -rss_limit_mb=2048 -max_len=16384"
                   .. " -seed=1 -artifact_prefix=%s/ %s >%s 2>&1"):format(
        bin, art, table.concat(dirs, " "), log)
      local rc = os.execute(cmd)
      local text = H.read(log)
      assert.are.equal(0, rc, text:sub(-3000))
      assert.matches("Done %d+ runs", text)
      local p = io.popen("ls " .. art)
      assert.are.equal("", p:read("*a"))
      p:close()
    end)
  end

  it("catalog: the framework and mapping importers refuse damaged documents cleanly", function()
    H.external("ciso-assistant/iso27001-2013.yaml", pending)
    -- a fixed seed, the regression inputs, then three seconds of mutations
    local log = H.tmp("catalog.log")
    local rc = os.execute(("LUA_PATH='lua/?.lua;lua/?/init.lua;;' luajit tests/fuzz/catalog_mutate.lua"
                           .. " 3 1 >%s 2>&1"):format(log))
    local text = H.read(log)
    assert.are.equal(0, rc, text:sub(-3000))
    assert.matches("seed 1, %d+ inputs, 0 failures", text)
  end)
end)
