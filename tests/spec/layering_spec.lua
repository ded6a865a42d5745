-- The package's layers (docs/architecture.md, the map at the top): every
-- `require` under lua/, at the top of a file or inside a function, is an
-- edge of the module graph, and the graph must have
--   * no cycle between modules,
--   * no cycle between the domain folders (isms.risk -> isms.treat ->
--     isms.risk would be one even through different files),
--   * no edge against the direction cli/repl -> isms -> domains -> rules
--     -> store.
-- The checker is tried on graphs made to fail first, so a checker that
-- passes everything cannot pass these specs.

-- ------------------------------------------------------------- scanning

local function lua_files(dir)
  local list = {}
  local p = assert(io.popen("find " .. dir .. " -name '*.lua' | sort"))
  for line in p:lines() do list[#list + 1] = line end
  p:close()
  return list
end

-- lua/isms/risk/register.lua -> isms.risk.register; .../init.lua -> the folder
local function module_of(path)
  local rel = path:gsub("^.-lua/", ""):gsub("%.lua$", ""):gsub("/init$", "")
  return (rel:gsub("/", "."))
end

-- Long strings and comments hold words like `require "isms"` in help texts:
-- they are blanked before scanning (keeping the line count).
local function code_only(src)
  src = src:gsub("%-%-%[(=*)%[.-%]%1%]", function(s) return (s:gsub("[^\n]", " ")) end)
  src = src:gsub("%[(=*)%[.-%]%1%]", function(s) return (s:gsub("[^\n]", " ")) end)
  src = src:gsub("%-%-[^\n]*", "")
  return src
end

--- The requires of one source text: literal module names, and the count of
-- requires whose argument is not a literal (they cannot be checked).
local function requires_of(src)
  src = code_only(src)
  local found, dynamic = {}, 0
  for name in src:gmatch("require%s*%(?%s*[\"']([^\"']+)[\"']") do found[#found + 1] = name end
  for name in src:gmatch("pcall%(%s*require%s*,%s*[\"']([^\"']+)[\"']") do
    found[#found + 1] = name
  end
  for arg in src:gmatch("require%s*%(%s*([^\"'%s)][^)]*)%)") do
    if arg ~= "" then dynamic = dynamic + 1 end
  end
  return found, dynamic
end

--- The module graph of a tree: graph[module] = { required module, ... },
-- only modules of the package (isms and isms.*) that exist as files.
local function scan(root)
  local graph, dynamic = {}, {}
  for _, path in ipairs(lua_files(root)) do
    local f = assert(io.open(path, "rb"))
    local src = f:read("*a")
    f:close()
    local names, nd = requires_of(src)
    local mod = module_of(path)
    graph[mod] = names
    if nd > 0 then dynamic[mod] = nd end
  end
  for mod, names in pairs(graph) do
    local own = {}
    for _, n in ipairs(names) do if graph[n] then own[#own + 1] = n end end
    graph[mod] = own
  end
  return graph, dynamic
end

-- ------------------------------------------------------------- checking

-- Layer of a module: higher layers may require lower or equal ones only.
local LAYER = { store = 1, rules = 2, api = 4, ui = 5 }
local function layer_of(mod)
  if mod == "isms" or mod == "isms._compat" then return LAYER.api, "isms" end
  local folder = mod:match("^isms%.([%w_]+)")
  if not folder then return nil end
  if folder == "store" or folder == "rules" then return LAYER[folder], folder end
  if folder == "cli" or folder == "repl" then return LAYER.ui, folder end
  return 3, folder  -- a domain folder
end

-- Cycles of a graph as lists of nodes (first node repeated at the end).
local function cycles(graph)
  local state, stack, found = {}, {}, {}
  local nodes = {}
  for n in pairs(graph) do nodes[#nodes + 1] = n end
  table.sort(nodes)
  local function visit(n)
    state[n] = "open"
    stack[#stack + 1] = n
    local next_nodes = {}
    for _, m in ipairs(graph[n] or {}) do next_nodes[#next_nodes + 1] = m end
    table.sort(next_nodes)
    for _, m in ipairs(next_nodes) do
      if state[m] == "open" then
        local loop, on = {}, false
        for _, s in ipairs(stack) do
          if s == m then on = true end
          if on then loop[#loop + 1] = s end
        end
        loop[#loop + 1] = m
        found[#found + 1] = table.concat(loop, " -> ")
      elseif not state[m] then
        visit(m)
      end
    end
    stack[#stack] = nil
    state[n] = "done"
  end
  for _, n in ipairs(nodes) do if not state[n] then visit(n) end end
  return found
end

--- Every problem of a module graph, as sentences; {} when it is layered.
local function problems(graph)
  local out = {}
  for _, c in ipairs(cycles(graph)) do out[#out + 1] = "module cycle: " .. c end
  local folders = {}
  for mod, names in pairs(graph) do
    local l, folder = layer_of(mod)
    for _, n in ipairs(names) do
      local nl, nfolder = layer_of(n)
      if l and nl and nl > l then
        out[#out + 1] = ("%s requires %s, against the layers (%s may not depend on %s)")
          :format(mod, n, folder, nfolder)
      end
      if l == 3 and nl == 3 and folder ~= nfolder then
        folders[folder] = folders[folder] or {}
        local seen = false
        for _, f in ipairs(folders[folder]) do if f == nfolder then seen = true end end
        if not seen then table.insert(folders[folder], nfolder) end
      end
    end
  end
  for _, c in ipairs(cycles(folders)) do out[#out + 1] = "folder cycle: " .. c end
  table.sort(out)
  return out
end

-- ---------------------------------------------------------------- specs

describe("the layering check", function()
  it("finds requires at the top, inside functions and through pcall, not in comments", function()
    local names, dyn = requires_of([[
local a = require "isms.store.format"
local function f() return require("isms.risk.register") end
local ok, h = pcall(require, "isms._host")
-- require "isms.cli" in a comment
local help = [=[ require "isms.report" in a help text ]=]
local x = require(name)
]])
    assert.are.same({ "isms.store.format", "isms.risk.register", "isms._host" }, names)
    assert.are.equal(1, dyn)
  end)

  it("fails on a module cycle, naming the loop", function()
    local p = problems({
      ["isms.report.text"] = { "isms.report.html" },
      ["isms.report.html"] = { "isms.report.svg" },
      ["isms.report.svg"] = { "isms.report.text" },
    })
    assert.are.same({ "module cycle: isms.report.html -> isms.report.svg -> isms.report.text"
                      .. " -> isms.report.html" }, p)
  end)

  it("fails on a cycle between domain folders through different files", function()
    local p = problems({
      ["isms.risk.register"] = { "isms.treat.soa" },
      ["isms.treat.rtp"] = { "isms.risk.csv" },
      ["isms.treat.soa"] = {}, ["isms.risk.csv"] = {},
    })
    assert.are.same({ "folder cycle: risk -> treat -> risk" }, p)
  end)

  it("fails on a dependency against the direction cli -> isms -> domains -> rules -> store", function()
    local p = problems({
      ["isms.store.register"] = { "isms.method.methodology" },
      ["isms.method.methodology"] = { "isms.rules" },
      ["isms.rules"] = { "isms.cli" },
      ["isms.risk.register"] = { "isms" },
      ["isms.cli"] = {}, ["isms"] = {},
    })
    assert.are.same({
      "isms.risk.register requires isms, against the layers (risk may not depend on isms)",
      "isms.rules requires isms.cli, against the layers (rules may not depend on cli)",
      "isms.store.register requires isms.method.methodology, against the layers"
        .. " (store may not depend on method)",
    }, p)
  end)

  it("passes a graph that runs one way", function()
    assert.are.same({}, problems({
      ["isms.cli"] = { "isms", "isms.report" }, ["isms"] = { "isms.risk.register" },
      ["isms.report"] = { "isms.risk.register" }, ["isms.risk.register"] = { "isms.store.register" },
      ["isms.store.register"] = {},
    }))
  end)
end)

describe("lua/isms", function()
  local graph, dynamic = scan("lua/isms")

  it("is scanned whole", function()
    assert.truthy(graph["isms"])
    assert.truthy(graph["isms.cli"])
    assert.truthy(graph["isms.store.register"])
    local n = 0
    for _ in pairs(graph) do n = n + 1 end
    assert.is_true(n >= 30, "found " .. n .. " modules")
  end)

  it("has no cycle and no dependency against the layers", function()
    assert.are.same({}, problems(graph))
  end)

  it("requires by literal names only, except the old-name loader", function()
    assert.are.same({ ["isms._compat"] = 1 }, dynamic)
  end)

  it("keeps every domain module out of the top-level isms module", function()
    -- `isms` aggregates the domains; a domain requiring it would close a loop
    -- as soon as isms required that domain.
    for mod, names in pairs(graph) do
      local l = layer_of(mod)
      if l and l <= 3 then
        for _, n in ipairs(names) do assert.are_not.equal("isms", n, mod .. " requires isms") end
      end
    end
  end)
end)
