-- The REPL (`isms repl`): completion, help, the printer and error lines
-- through its Lua API; piped input end to end; Ctrl-C and Tab through a
-- pseudo-terminal (python3's pty module drives the executable).
local H = require "helper"
local isms = require "isms"
local repl = require "isms.repl"
local complete = require "isms.repl.complete"
local help = require "isms.repl.help"
local pretty = require "isms.repl.pretty"

-- The REPL's globals: isms with every package loaded, as repl.run has it
-- (isms loads its packages on first use otherwise), and a register.
local function env_with_register()
  isms.load_all()
  local reg = H.register()
  return setmetatable({ isms = isms, reg = reg }, { __index = _G }), reg
end

describe("REPL completion", function()
  local env = env_with_register()

  it("completes the fields of packages, nested tables and globals", function()
    assert.are.same({ "isms.methodology" }, complete.candidates("isms.methodo", env))
    assert.are.same({ "isms.gap.catalog" }, complete.candidates("isms.gap.cat", env))
    local all = complete.candidates("isms.", env)
    assert.truthy(#all > 15)
    for _, w in ipairs({ "isms.open", "isms.gap", "isms.version", "isms.actions" }) do
      assert.truthy(table.concat(all, " "):find(w, 1, true), w)
    end
    local g = complete.candidates("pri", env)
    assert.are.same({ "print" }, g)
    assert.truthy(table.concat(complete.candidates("re", env), " "):find("repeat", 1, true))
  end)

  it("completes the methods of an object after ':'", function()
    assert.are.same({ "reg:schema_version" }, complete.candidates("reg:schema_v", env))
    local methods = complete.candidates("reg:", env)
    assert.truthy(#methods > 40)
    assert.truthy(table.concat(methods, " "):find("reg:assets", 1, true))
    -- fields of the object after '.'
    assert.are.same({ "reg.path" }, complete.candidates("reg.pat", env))
  end)

  it("leaves file names to the host inside strings, and ignores calls", function()
    local line = 'reg = isms.open("bui'
    assert.is_nil(complete.complete(line, #line - 3, #line, env))
    assert.is_nil(complete.complete("x = 'a b", 7, 8, env))
    assert.are.same({}, complete.candidates("isms.open().x", env))
    assert.are.same({}, complete.candidates("nothere.x", env))
    line = "print(isms.ver"
    assert.are.same({ "isms.version" }, complete.complete(line, 6, #line, env))
  end)
end)

describe("REPL help", function()
  local env, reg = env_with_register()

  it("documents functions, packages and objects from the sources", function()
    local t = help.text(isms.open, "isms.open")
    assert.truthy(t:find("^isms%.open%(path, opts%)"))
    assert.truthy(t:find("Opens a register file", 1, true))
    t = help.text(isms.gap, "isms.gap")
    assert.truthy(t:find("Gap analysis", 1, true))
    assert.truthy(t:find("catalog (table)", 1, true))
    t = help.text(reg, "reg")
    assert.truthy(t:find("methods", 1, true))
    assert.truthy(t:find(":assets(opts)", 1, true))
    assert.truthy(t:find("All assets", 1, true))
  end)

  it("lists the topics with help() and looks names up", function()
    local printed = {}
    local h = help.function_for(env, function(s) printed[#printed + 1] = s end)
    h()
    assert.truthy(printed[1]:find("isms.gap ", 1, true))
    assert.truthy(printed[1]:find("reg: the open register", 1, true))
    h("assets")
    assert.truthy(printed[2]:find("^reg:assets%(opts%)"))
    h("isms.catalog.load")
    assert.truthy(printed[3]:find("Loads a catalog", 1, true))
    h("no_such_thing")
    assert.truthy(printed[4]:find("no topic 'no_such_thing'", 1, true))
    h(help.text)
    assert.truthy(printed[5]:find("help text of a value", 1, true))
  end)

  it("has a one-line doc for every public API entry", function()
    local missing, n = {}, 0
    isms.load_all()  -- as the REPL does: pairs(isms) sees every package then
    local function check(name, v, key)
      n = n + 1
      if not help.summary(v, key) then missing[#missing + 1] = name end
    end
    for k, v in pairs(isms) do
      if type(v) == "function" or type(v) == "table" then check("isms." .. k, v, k) end
      if type(v) == "table" then
        for k2, v2 in pairs(v) do
          if type(k2) == "string" and not k2:match("^_") and type(v2) == "function" then
            check("isms." .. k .. "." .. k2, v2)
          end
        end
      end
    end
    help.text(reg)  -- attaches the docs of repl/docs.lua to the register's methods
    for k, f in pairs(help.methods_of(reg)) do check("reg:" .. k, f) end
    table.sort(missing)
    assert.truthy(n > 150)
    assert.are.same({}, missing, "no doc comment (---) above these; or add them to lua/isms/repl/docs.lua")
  end)
end)

describe("REPL printer", function()
  it("prints values bounded in depth and items, cycles named", function()
    local t = { 1, "a\nb", x = { y = { z = { w = 1 } } } }
    t.self = t
    local s = pretty.show(t)
    assert.truthy(s:find('"a\\nb"', 1, true))
    assert.truthy(s:find("self = <cycle>", 1, true))
    assert.truthy(s:find("z = {…}", 1, true))
    local long = {}
    for k = 1, 100 do long[k] = k end
    s = pretty.show(long)
    assert.truthy(s:find("… 70 more", 1, true))
    assert.are.equal("{}", pretty.show({}))
    assert.are.equal("2.5", pretty.show(2.5))
  end)

  it("prints a list of records as a table, and objects and packages by name", function()
    local rows = { { id = "A1", name = "Laptop", c = 2 }, { id = "A2", name = "Server", c = 3 } }
    local s = pretty.show(rows)
    assert.truthy(s:find("^id%s+name%s+c\n"), s)
    assert.truthy(s:find("A2%s+Server%s+3"))
    local many = {}
    for k = 1, 60 do many[k] = { id = k } end
    assert.truthy(pretty.show(many):find("… 20 more rows (60 in all)", 1, true))
    local _, reg = env_with_register()
    assert.truthy(pretty.show(reg):find("^<object: %d+ methods"))
    pretty.name_class(getmetatable(reg), function(r) return "<register " .. r.path .. ">" end)
    assert.are.equal("<register " .. reg.path .. ">", pretty.show(reg))
    assert.truthy(pretty.show(isms.gap):find("^<package isms.gap: "))
  end)
end)

describe("REPL errors", function()
  setup(function() _G.isms = isms end)
  teardown(function() _G.isms = nil end)

  it("shows one line: the statement's line and the message, no traceback", function()
    assert.are.equal("stdin:1: boom", repl.eval('error("boom")'))
    assert.are.equal("stdin:1: isms.open: expected a path", repl.eval("isms.open(3)"))
    assert.are.equal("stdin:2: attempt to perform arithmetic on local 'x' (a nil value)",
                     repl.eval("local x\nreturn x + 1"))
    -- raised inside the package: its position is not the user's
    local text = repl.eval("isms.methodology.load(nil)")
    assert.falsy(text:find("traceback", 1, true))
    assert.falsy(text:find("%.lua:%d+"), text)
    assert.truthy(text:find("^stdin:1: "), text)
    assert.are.equal("stdin:1: x", repl.error_text({ msg = "x" }, 1))
  end)

  it("evaluates expressions and statements, keeping results", function()
    assert.are.equal("3", repl.eval("1 + 2"))
    assert.are.equal("", repl.eval("answer = 42"))
    assert.are.equal("42\t1", repl.eval("answer, 1"))
    assert.are.equal("", (repl.eval("for i = 1, 2 do")))
    assert.are.equal("7", repl.eval("local t = {} t[1] = 7 return t[1]"))
    assert.are.equal("nil", repl.eval("nil"))
    _G.answer = nil
  end)
end)

describe("isms repl", function()
  local function register_file()
    local db = H.tmp("repl.db")
    local _, _, code = H.run("init", db)
    assert.are.equal(0, code)
    return db
  end

  it("reads piped input: values, errors as one line, help, and goes on", function()
    local db = register_file()
    local input = H.file("in.txt", table.concat({
      "1 + 1", "error('boom')", "reg:schema_version() > 0", "help(reg.assets)",
      "{ { id = 'A' }, { id = 'B' } }", "isms.open(3)", "'still here'", "" }, "\n"))
    local p = io.popen(H.exe .. " --db " .. H.shell_quote(db) .. " repl < " ..
                       H.shell_quote(input) .. " 2>&1")
    local out = p:read("*a")
    p:close()
    assert.truthy(out:find("isms> 2\n", 1, true))
    assert.truthy(out:find("isms> stdin:1: boom\n", 1, true))
    assert.truthy(out:find("isms> true\n", 1, true))
    assert.truthy(out:find("reg:assets(opts)\nAll assets", 1, true))
    assert.truthy(out:find("id\n--\nA\nB\n", 1, true))
    assert.truthy(out:find("stdin:1: isms.open: expected a path\n", 1, true))
    assert.truthy(out:find('"still here"', 1, true))
    assert.falsy(out:find("traceback", 1, true))
  end)

  -- Drives `isms repl` on a pseudo-terminal. Waits for text (generous
  -- deadlines: not a timing test), then sends keys.
  local DRIVER = [[
import os, pty, sys, select, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
buf = b""
def expect(s, deadline=60):
    global buf
    end = time.time() + deadline
    while s.encode() not in buf:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
        if time.time() > end:
            sys.stdout.write("TIMEOUT waiting for %r after %r\n" % (s, buf[-400:]))
            sys.exit(1)
    i = buf.index(s.encode()) + len(s)
    out, buf = buf[:i], buf[i:]
    sys.stdout.write(out.decode("utf-8", "replace"))
def send(b):
    os.write(fd, b)
expect("isms> ")
send(b"n = 0; while true do n = n + 1 end\n")
time.sleep(0.3)            # let it start; the loop runs until Ctrl-C
send(b"\x03")
expect("isms> ")
send(b"n > 0\n")
expect("isms> ")
send(b"half a line\x03")
expect("isms> ")
send(b"isms.methodo\t\n")
expect("isms> ")
send(b"reg:schema_vers\t() > 0\n")
expect("isms> ")
send(b"\x04")
expect("\n")
os.waitpid(pid, 0)
]]

  it("Ctrl-C stops a running statement or drops the line; Tab completes (pty)", function()
    if os.execute("python3 -c 'import pty' >/dev/null 2>&1") ~= 0 then
      pending("needs python3 with the pty module")
      return
    end
    local db = register_file()
    local script = H.file("driver.py", DRIVER)
    local p = io.popen(("python3 %s %s --db %s repl 2>&1"):format(H.shell_quote(script),
      H.shell_quote(H.exe), H.shell_quote(db)))
    local out = p:read("*a")
    p:close()
    out = out:gsub("\27%[[%d;?]*[%a]", ""):gsub("\r", "")
    assert.falsy(out:find("TIMEOUT", 1, true), out)
    assert.truthy(out:find("stdin:1: interrupted\nisms> n > 0\ntrue\n", 1, true), out)
    -- the dropped line is not run
    assert.falsy(out:find("'half'", 1, true), out)
    assert.truthy(out:find("isms.methodology\n<package isms.method.methodology", 1, true), out)
    assert.truthy(out:find("reg:schema_version() > 0\ntrue\n", 1, true), out)
  end)
end)
