-- gap_report.lua -- what the asset register is missing, and what it holds.
--
-- Lists the assets without an owner and the assets without C, I and A
-- (unvalued), then counts assets and units per class and per type.
-- Missing owners and values are reported, never guessed.
--
-- This is a trusted script (full Lua and the isms API), not a rule file:
--   build/isms run scripts/gap_report.lua DB
--   ISMS_DB=DB build/isms run scripts/gap_report.lua
-- or from a plain luajit after `make`:
--   LUA_PATH="lua/?.lua;lua/?/init.lua;;" luajit scripts/gap_report.lua DB
local isms = require "isms"
local format = require "isms.store.format"

local TYPES = { "information", "software", "physical", "service", "people", "intangible" }

local function fail(msg, code)
  io.stderr:write("gap_report: ", msg, "\n")
  os.exit(code)
end

local path = ... or isms.default_db()
if not path then fail("usage: isms run scripts/gap_report.lua DB (or set ISMS_DB)", 2) end
-- isms.open creates a register that does not exist; a report must not.
local probe = io.open(path, "rb")
if not probe then fail(path .. ": no such register", 4) end
probe:close()

local reg, err = isms.open(path)
if not reg then fail(err, 4) end
local assets = reg:assets()
local method = reg:methodology()  -- nil if the register has none (or it fails to load)

-- ------------------------------------------------------------ gaps

local no_owner, unvalued = {}, {}
for _, a in ipairs(assets) do
  if not a.owner then no_owner[#no_owner + 1] = a end
  local missing = {}
  for _, d in ipairs({ "c", "i", "a" }) do
    if not a[d] then missing[#missing + 1] = d:upper() end
  end
  if #missing > 0 then
    a.missing = table.concat(missing, ", ")
    unvalued[#unvalued + 1] = a
  end
end

-- ---------------------------------------------------------- counts

-- Counts assets and units (a group of 40 laptops is one asset, 40 units)
-- under key(asset); returns rows in the order of `names`, then any other
-- keys met, sorted.
local function tally(key, names, title)
  local count, units, known = {}, {}, {}
  for _, n in ipairs(names) do
    count[n], units[n], known[n] = 0, 0, true
  end
  local extra = {}
  for _, a in ipairs(assets) do
    local k = key(a)
    if not count[k] then
      count[k], units[k] = 0, 0
      extra[#extra + 1] = k
    end
    count[k] = count[k] + 1
    units[k] = units[k] + (a.units or 1)
  end
  table.sort(extra)
  local rows = {}
  for _, list in ipairs({ names, extra }) do
    for _, k in ipairs(list) do
      if known[k] or count[k] > 0 then
        rows[#rows + 1] = { [title] = k, assets = count[k], units = units[k] }
      end
    end
  end
  return rows
end

local class_names = {}
if method then
  for _, c in ipairs(method:classes()) do class_names[#class_names + 1] = c.name end
end
class_names[#class_names + 1] = "unvalued"

-- ---------------------------------------------------------- report

local out = io.stdout
out:write(("Gap report for %s (methodology %s)\n"):format(path,
          reg:setting("methodology") or "none"))
out:write(("%d assets, %d without an owner, %d without C, I and A\n\n"):format(
          #assets, #no_owner, #unvalued))

out:write("Assets without an owner\n")
if #no_owner == 0 then
  out:write("  none\n")
else
  out:write(format.table(no_owner, { "id", { "name", "name", 40 }, "type", "custodian" }))
end

out:write("\nAssets without C, I and A (unvalued)\n")
if #unvalued == 0 then
  out:write("  none\n")
else
  out:write(format.table(unvalued, { "id", { "name", "name", 40 }, "type", "owner",
                                     { "missing", "missing" } }))
end

out:write("\nPer class\n")
-- An asset with C, I and A but no class has not been valued yet (run
-- `isms value`); it is not a gap in the inventory.
local function class_of(a)
  return a.class or (a.missing and "unvalued" or "not valued yet")
end
out:write(format.table(tally(class_of, class_names, "class"), { "class", "assets", "units" }))
out:write("\nPer type\n")
out:write(format.table(tally(function(a) return a.type end, TYPES, "type"),
                       { "type", "assets", "units" }))

reg:close()
