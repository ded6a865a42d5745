--- Structure-aware mutation fuzzing of the framework and mapping importers
-- (lua/isms/gap/catalog.lua, framework.lua): CISO Assistant YAML and OSCAL
-- JSON documents are decoded, damaged as a user's editor or a broken
-- download would damage them (a value of the wrong type, a key removed, an
-- entry duplicated or dropped, a huge or odd string, a parent pointing
-- elsewhere), written back and imported into a register. The bytes-level
-- YAML reader has its own libFuzzer harness (tests/fuzz/fuzz_yaml.c); this
-- one reaches the Lua code behind it, which libFuzzer cannot guide.
--
-- An import either succeeds or returns nil and a message naming the file;
-- it never raises (a raise is an internal error, shown to a user as a
-- traceback), and a refused import leaves the register as it was. A
-- failing document is written to tests/fixtures/fuzz/catalog/ (replayed by
-- every later run) and the run exits 1.
--   luajit tests/fuzz/catalog_mutate.lua SECONDS [SEED] [SHARED_DIR]
local isms = require "isms"
local cjson = require "cjson"

local SECONDS = tonumber(arg[1]) or 60
local SEED = tonumber(arg[2]) or os.time()
local SHARED = arg[3] or os.getenv("ISMS_SHARED") or "../shared"
local REGRESS = "tests/fixtures/fuzz/catalog"

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("*a")
  f:close()
  return s
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local tmp = os.tmpname()
os.remove(tmp)
assert(os.execute("mkdir -p " .. tmp) == 0)

-- The seeds: kind, file. Frameworks are imported as frameworks; the
-- mapping set needs both of its frameworks in the register first.
local EXT = SHARED .. "/external/"
local SEEDS = {
  { "framework", EXT .. "ciso-assistant/iso27001-2013.yaml" },
  { "framework", EXT .. "oscal/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json" },
  { "mapping", EXT .. "ciso-assistant/mapping-iso27001-2013-to-iso27001-2022.yaml" },
  { "framework", "tests/fixtures/yaml/framework.yaml" },
}

local catalog = require "isms.gap.catalog"
local docs = {}
for _, s in ipairs(SEEDS) do
  local text = read(s[2])
  if text then
    local doc
    if text:match("^%s*{") then doc = cjson.decode(text) else doc = assert(catalog.yaml(text)) end
    docs[#docs + 1] = { kind = s[1], json = text:match("^%s*{") ~= nil, doc = doc, name = s[2] }
  end
end
if #docs == 0 then
  io.stderr:write("catalog_mutate: no seed documents (needs " .. EXT .. ")\n")
  os.exit(2)
end

math.randomseed(SEED)
local random = math.random

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = deep_copy(x) end
  return setmetatable(t, getmetatable(v))
end

-- Every table in the document, with its parent and key, to pick from.
local function containers(doc)
  local out = {}
  local function walk(t, parent, key, depth)
    out[#out + 1] = { t = t, parent = parent, key = key }
    if depth > 40 then return end
    for k, v in pairs(t) do
      if type(v) == "table" then walk(v, t, k, depth + 1) end
    end
  end
  walk(doc, nil, nil, 0)
  return out
end

local ODD = {
  function() return cjson.null end,
  function() return true end,
  function() return false end,
  function() return 0 end,
  function() return -1 end,
  function() return 1e308 end,
  function() return 0.5 end,
  function() return "" end,
  function() return " " end,
  function() return "A.5.1" end,
  function() return "urn:intuitem:risk:req_node:iso27001-2013:a.5" end,
  function() return ("x"):rep(random(100, 5000)) end,
  function() return "a;b\nc\0d" end,
  function() return "\255\254 not utf-8" end,
  function() return {} end,
  function() return { {} } end,
  function() return { a = {} } end,
  function() return setmetatable({}, cjson.array_mt) end,
}

local function odd() return ODD[random(#ODD)]() end

local function keys_of(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks, function(a, b) return tostring(a) < tostring(b) end)
  return ks
end

local MUTATIONS = {
  -- a value of another type or an odd value
  function(c)
    local ks = keys_of(c.t)
    if #ks == 0 then return end
    c.t[ks[random(#ks)]] = odd()
  end,
  -- a key removed
  function(c)
    local ks = keys_of(c.t)
    if #ks == 0 then return end
    local k = ks[random(#ks)]
    if type(k) == "number" then table.remove(c.t, k) else c.t[k] = nil end
  end,
  -- a list entry duplicated
  function(c)
    if #c.t == 0 then return end
    table.insert(c.t, random(#c.t + 1), deep_copy(c.t[random(#c.t)]))
  end,
  -- a list entry moved (parents after children, order changed)
  function(c)
    if #c.t < 2 then return end
    local v = table.remove(c.t, random(#c.t))
    table.insert(c.t, random(#c.t + 1), v)
  end,
  -- a string value copied from a sibling entry (ids and parents collide)
  function(c)
    if not c.parent or #c.parent == 0 then return end
    local other = c.parent[random(#c.parent)]
    if type(other) ~= "table" then return end
    local ks = keys_of(other)
    if #ks == 0 then return end
    local k = ks[random(#ks)]
    c.t[k] = deep_copy(other[k])
  end,
  -- the container replaced as a whole
  function(c)
    if c.parent then c.parent[c.key] = odd() end
  end,
}

local function mutate(doc)
  local d = deep_copy(doc)
  for _ = 1, random(1, 4) do
    local cs = containers(d)
    local c = cs[random(#cs)]
    MUTATIONS[random(#MUTATIONS)](c)
  end
  return d
end

-- The document as the bytes of a file of its own format: OSCAL as JSON,
-- CISO Assistant as YAML (a JSON text after a document marker is YAML).
local function encode(entry, d)
  local ok, text = pcall(cjson.encode, d)
  if not ok then return nil end
  return entry.json and text or ("---\n" .. text .. "\n")
end

local function snapshot(reg)
  local parts = {}
  for _, q in ipairs({ "SELECT count(*) AS n, coalesce(sum(length(title)), 0) AS t FROM requirements",
                       "SELECT count(*) AS n, 0 AS t FROM frameworks",
                       "SELECT count(*) AS n, 0 AS t FROM requirement_maps",
                       "SELECT count(*) AS n, 0 AS t FROM change_log" }) do
    for row in reg:query(q) do parts[#parts + 1] = row.n .. "/" .. row.t end
  end
  return table.concat(parts, " ")
end

local register_path = tmp .. "/catalog.db"
local reg = assert(isms.open(register_path))
-- The mapping set's frameworks (when the seeds are there).
for _, name in ipairs({ "ciso-assistant/iso27001-2013.yaml", "ciso-assistant/iso27001-2022.yaml" }) do
  if read(EXT .. name) then assert(reg:import_framework(EXT .. name)) end
end

local failures, runs = 0, 0

local function fail(entry, text, why)
  failures = failures + 1
  os.execute("mkdir -p " .. REGRESS)
  local out = ("%s/%s-%d-%d.%s"):format(REGRESS, entry.kind, SEED, runs, entry.json and "json" or "yaml")
  write(out, text)
  io.stderr:write(("catalog_mutate: %s (from %s): %s\n  saved as %s\n"):format(
    entry.kind, entry.name, why, out))
end

local function try(entry, text)
  runs = runs + 1
  local path = ("%s/input.%s"):format(tmp, entry.json and "json" or "yaml")
  write(path, text)
  local before = snapshot(reg)
  local call = entry.kind == "mapping" and reg.import_mapping or reg.import_framework
  local ok, res, msg = pcall(call, reg, path)
  if not ok then
    fail(entry, text, "raised: " .. tostring(res))
  elseif res == nil then
    if type(msg) ~= "string" or not msg:find(path, 1, true) then
      fail(entry, text, "refused without a message naming the file: " .. tostring(msg))
    elseif snapshot(reg) ~= before then
      fail(entry, text, "refused, but the register changed")
    end
  end
end

-- Regression inputs first, each as the kind its name says.
local p = io.popen("ls " .. REGRESS .. " 2>/dev/null")
for name in p:lines() do
  local text = read(REGRESS .. "/" .. name)
  local kind = name:match("^(%a+)-")
  if text and kind then
    try({ kind = kind, json = name:match("%.json$") ~= nil, name = name }, text)
  end
end
p:close()

local deadline = os.clock() + SECONDS
local ok_imports = 0
while os.clock() < deadline do
  local entry = docs[random(#docs)]
  local text = encode(entry, mutate(entry.doc))
  if text then
    local before = failures
    try(entry, text)
    if failures == before then ok_imports = ok_imports + 1 end
  end
end
reg:close()
os.execute("rm -rf '" .. tmp .. "'")
print(("catalog_mutate: seed %d, %d inputs, %d failures"):format(SEED, runs, failures))
os.exit(failures == 0 and 0 or 1)
