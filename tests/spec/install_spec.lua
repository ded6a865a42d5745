-- `make install PREFIX=DIR` after a plain `make` (issue #18, point 7): the
-- installed isms works from any folder, whatever PREFIX the build was made
-- for, and bash and zsh completion come with it.
local H = require "helper"

local sh = H.sh

local prefix

local function install()
  if prefix then return prefix end
  prefix = H.tmp("prefix")
  -- Under make check-asan the objects need the sanitizing compiler to link.
  local cc = os.getenv("ISMS_TEST_CC")
  local out, code = sh(("make -s install BUILD=%s PREFIX=%s%s"):format(
    H.build, prefix, cc and (" CC=" .. H.shell_quote(cc)) or ""))
  assert.are.equal(0, code, out)
  return prefix
end

describe("make install", function()
  it("gives an isms that works from any folder", function()
    local p = install()
    local db = H.tmp("installed.db")
    local inv = H.file("inv.csv", H.GOOD)
    local out, code = sh(("cd / && %s/bin/isms init %s && %s/bin/isms --db %s import assets %s"
                          .. " && %s/bin/isms --db %s risks generate generic"
                          .. " && %s/bin/isms --db %s backup %s.bak"):format(
      p, db, p, db, inv, p, db, p, db, db))
    assert.are.equal(0, code, out)
    assert.matches("created register " .. db, out, 1, true)
    assert.matches("3 created", out, 1, true)
    assert.matches("generated %d+ risks from catalog generic", out)
    -- the package and the rules it used are the installed ones
    out, code = sh(("cd / && %s/bin/isms run /dev/stdin <<'EOF'\n"
                    .. "print(package.searchpath('isms', package.path))\n"
                    .. "print(require('isms.store._paths').rules_dirs()[1])\nEOF\n"):format(p))
    assert.are.equal(0, code, out)
    assert.are.equal(("%s/share/lua/5.1/isms/init.lua\n%s/share/isms/rules\n"):format(p, p),
                     (out:gsub("/bin/%.%./", "/")))
  end)

  it("installs bash completion that completes commands, subcommands and options", function()
    local p = install()
    local script = p .. "/share/bash-completion/completions/isms"
    local function complete(line)
      -- COMP_WORDS as bash splits the line; the word under the cursor last
      local words = {}
      for w in line:gmatch("%S+") do words[#words + 1] = w end
      if line:sub(-1) == " " then words[#words + 1] = "" end
      local quoted = {}
      for k, w in ipairs(words) do quoted[k] = H.shell_quote(w) end
      local out, code = sh(("PATH=%s/bin:$PATH bash -c %s"):format(p, H.shell_quote(
        (". %s; COMP_WORDS=(%s); COMP_CWORD=%d; _isms; printf '%%s\\n' \"${COMPREPLY[@]}\""):format(
          script, table.concat(quoted, " "), #words - 1))))
      assert.are.equal(0, code, out)
      local list = {}
      for w in out:gmatch("[^\n]+") do list[#list + 1] = w end
      table.sort(list)
      return list
    end
    assert.are.same({ "backup" }, complete("isms back"))
    assert.are.same({ "restore" }, complete("isms --db x.db res"))
    assert.are.same({ "assets", "risks" }, complete("isms import "))
    assert.are.same({ "generate" }, complete("isms risks gen"))
    local opts = table.concat(complete("isms backup --"), " ")
    assert.matches("--force", opts, 1, true)
    assert.matches("--help", opts, 1, true)
    assert.are.same({ "--db" }, complete("isms --d"))
    assert.are.same({ "repl", "report" }, complete("isms help rep"))
  end)

  it("installs zsh completion that offers the same words", function()
    local p = install()
    local script = p .. "/share/zsh/site-functions/_isms"
    -- compadd, _describe and _files print what they would offer.
    local function complete(...)
      local words = { ... }
      local quoted = {}
      for k, w in ipairs(words) do quoted[k] = H.shell_quote(w) end
      local prog = ([=[
compadd() { [[ $1 == -- ]] && shift; print -l -- "$@"; }
_describe() { print -l -- ${${(P)2}%%:*}; }
_files() { print FILES; }
words=(%s); CURRENT=%d
source %s]=]):format(table.concat(quoted, " "), #words, script)
      local out, code = sh(("PATH=%s/bin:$PATH zsh -f -c %s"):format(p, H.shell_quote(prog)))
      assert.are.equal(0, code, out)
      local list = {}
      for w in out:gmatch("[^\n]+") do
        if w:sub(1, #words[#words]) == words[#words] then list[#list + 1] = w end
      end
      table.sort(list)
      return list
    end
    assert.are.same({ "backup" }, complete("isms", "back"))
    assert.are.same({ "assets", "risks" }, complete("isms", "import", ""))
    local opts = table.concat(complete("isms", "backup", "--"), " ")
    assert.matches("--force", opts, 1, true)
    assert.matches("--help", opts, 1, true)
    assert.are.same({ "FILES" }, complete("isms", "--db", ""))
  end)
end)
