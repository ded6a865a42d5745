-- A synthetic CISO Assistant framework library of N requirements (arg 1,
-- default 5000): 50 sections of N/50, for tests/bench/area-gap.sh.
local n = tonumber(arg[1]) or 5000
local out = { "urn: urn:bench:library:big", "objects:", "  framework:",
  "    urn: urn:bench:framework:big", "    ref_id: BIG", "    name: Bench framework",
  "    requirement_nodes:" }
local per = math.floor(n / 50)
local SECTION = "    - urn: urn:bench:req:s%d\n      ref_id: 'S%d'\n      name: Section %d\n"
  .. "      assessable: false\n      depth: 1"
local NODE = "    - urn: urn:bench:req:s%d.%d\n      ref_id: 'S%d.%d'\n"
  .. "      parent_urn: urn:bench:req:s%d\n      name: Requirement %d of section %d\n"
  .. "      description: Do the thing number %d well and keep evidence of it.\n"
  .. "      assessable: true\n      depth: 2"
for s = 1, 50 do
  out[#out + 1] = SECTION:format(s, s, s)
  for r = 1, per - 1 do out[#out + 1] = NODE:format(s, r, s, r, s, r, s, r) end
end
io.write(table.concat(out, "\n"), "\n")
