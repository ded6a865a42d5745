-- The executable loads the isms package from the bytecode `make` compiles
-- (core/host/bytecode.c; issue #18's cold-start goal), and never from a
-- bytecode file older than its source: editing lua/ without running make
-- runs the edit.
local H = require "helper"
local BUILD = H.build:sub(1, 1) == "/" and H.build or (os.getenv("PWD") .. "/" .. H.build)

local sh = H.sh

local PROBE = "print(debug.getinfo(require('isms.cli').main, 'S').source)\n"
  .. "print(rawget(_G, 'ISMS_BYTECODE_PROBE'))\n"

-- A copy of the build tree's executable, library, bytecode, package and
-- rules, so the test can age and edit files without touching the real ones.
local function tree()
  local t = H.tmp("bctree")
  -- the sources first: the bytecode copied after them is the newer
  local out, code = sh(("mkdir -p %s/build && cp -R lua rules %s/ "
    .. "&& cp -P %s/isms %s/libisms.so* %s/build/ && cp -R %s/luabc %s/build/"):format(
    t, t, BUILD, BUILD, t, BUILD, t))
  assert.are.equal(0, code, out)
  return t
end

local function probe(t, env)
  local script = H.file("probe.lua", PROBE)
  return sh(("cd / && %s %s/build/isms run %s"):format(env or "", t, script))
end

describe("the executable's Lua package", function()
  it("loads from bytecode, with the chunk names of the package's paths", function()
    local out, code = sh(("cd / && %s/isms run %s"):format(BUILD, H.file("p.lua", PROBE)))
    assert.are.equal(0, code, out)
    assert.are.equal("@isms/cli/init.lua\nnil\n", out)
  end)

  it("loads the source instead when asked (ISMS_NO_BYTECODE) or when no bytecode is built", function()
    local t = tree()
    local out, code = probe(t, "ISMS_NO_BYTECODE=1")
    assert.are.equal(0, code, out)
    assert.matches("^@" .. t:gsub("%p", "%%%0") .. "/build/%.%./lua/isms/cli/init%.lua\n", out)
    assert.are.equal(0, select(2, sh(("rm -rf %s/build/luabc"):format(t))))
    out, code = probe(t)
    assert.are.equal(0, code, out)
    assert.matches("/lua/isms/cli/init%.lua\nnil\n$", out)
  end)

  it("never runs bytecode older than its source", function()
    local t = tree()
    local src = t .. "/lua/isms/init.lua"
    local f = assert(io.open(src, "rb"))
    local text = f:read("*a")
    f:close()
    f = assert(io.open(src, "wb"))
    f:write("ISMS_BYTECODE_PROBE = 'from source'\n", text)
    f:close()
    -- the edit dated before the bytecode: the bytecode runs (the edit is unseen)
    assert.are.equal(0, select(2, sh("touch -d '2000-01-01' " .. src)))
    local out, code = probe(t)
    assert.are.equal(0, code, out)
    assert.are.equal("@isms/cli/init.lua\nnil\n", out)
    -- the edit newer than the bytecode: that module loads from its source
    assert.are.equal(0, select(2, sh("touch " .. src)))
    out, code = probe(t)
    assert.are.equal(0, code, out)
    assert.are.equal("@isms/cli/init.lua\nfrom source\n", out)
  end)

  it("finds its rules and its REPL help through the source beside the bytecode", function()
    local out, code = sh(("cd / && %s/isms run %s"):format(BUILD, H.file("r.lua",
      "print(require('isms.store._paths').package_dir)\n"
      .. "print(require('isms.repl.help').doc(require('isms').open, 'isms.open') ~= nil)\n")))
    assert.are.equal(0, code, out)
    assert.matches("/lua/isms\ntrue\n$", out)
  end)
end)
