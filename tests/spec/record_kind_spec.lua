-- The record kit (isms.store.kind): a kind described once gets checked
-- writes in one logged batch, typed rows, links, CSV import all or
-- nothing with file:line:column, export, check and history. The kind here
-- is a test's own ("gadget", over a table made with the sqlite3 shell);
-- the shipped kinds have their own specs.
local H = require "helper"
local isms = require "isms"
local kind = require "isms.store.kind"

local _ = kind.get("gadget") or kind.define {
  kind = "gadget", plural = "gadgets", table = "test_gadgets", key = "id", id_prefix = "G-",
  title = "Test gadgets",
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text", required = true },
    { name = "state", type = "enum", values = { "new", "in_use", "retired" }, default = "new" },
    { name = "bought", type = "date" },
    { name = "cost", type = "number", min = 0 },
    { name = "count", type = "int", min = 1, max = 99 },
    { name = "spare", type = "bool" },
    { name = "tags", type = "list" },
    { name = "parent", type = "ref", to = "gadget" },
    { name = "assets", type = "links", to = "asset" },
    { name = "size", type = "text", check = function(v)
        local sizes = { s = "S", small = "S", m = "M", l = "L", large = "L" }
        return sizes[v:lower()] or nil, ("'%s' is not a size (S, M, L)"):format(v)
      end },
  },
  validate = function(row)
    if row.state == "retired" and not row.bought then return "a retired gadget was bought", "bought" end
  end,
  check = function(_, rows, problem)
    for _, r in ipairs(rows) do
      if r.cost and r.cost > 1000 then problem(r.id, "cost", "over budget") end
    end
  end,
}

-- A second test kind: fields it derives itself, a command noun of its own.
local _ = kind.get("widget") or kind.define {
  kind = "widget", plural = "widgets", noun = "wids", table = "test_widgets", key = "id",
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text", required = true },
    { name = "label", type = "text" },
    { name = "gadget", type = "ref", to = "gadget" },
  },
  derive = function(row)
    if row.title == "bad" then return nil, "not a widget's title", "title" end
    return { label = row.title:upper() }
  end,
}

-- A kind whose rule spans records: serial numbers are unique, in the
-- register and among the rows of one import (validate's batch).
_ = kind.get("sprocket") or kind.define {
  kind = "sprocket", plural = "sprockets", table = "test_sprockets", key = "id",
  fields = { { name = "id", type = "id" }, { name = "serial", type = "text", required = true } },
  validate = function(row, _, reg, batch)
    for id, other in pairs(batch) do
      if id ~= row.id and other.serial == row.serial then
        return ("serial %s is also sprocket %s's"):format(row.serial, id), "serial"
      end
    end
    for r in reg:query("SELECT id FROM test_sprockets WHERE serial = ?1 AND id <> ?2", row.serial,
                       row.id) do
      if not batch[r.id] then
        return ("serial %s is also sprocket %s's"):format(row.serial, r.id), "serial"
      end
    end
  end,
}

local function new_register()
  local reg, path = H.register()
  reg:close()
  assert(os.execute("sqlite3 " .. H.shell_quote(path) .. " \"CREATE TABLE test_gadgets(id TEXT "
    .. "PRIMARY KEY, title TEXT NOT NULL, state TEXT, bought TEXT, cost REAL, count INTEGER, "
    .. "spare INTEGER, tags TEXT, parent TEXT, size TEXT); CREATE TABLE test_widgets(id TEXT PRIMARY KEY, "
    .. "title TEXT NOT NULL, label TEXT, gadget TEXT); CREATE TABLE test_sprockets(id TEXT PRIMARY KEY, "
    .. "serial TEXT)\"") == 0)
  reg = assert(isms.open(path))
  assert(reg:import_assets(H.file("a.csv", H.GOOD)))
  return reg, path
end

local function dump(path)
  local p = io.popen("sqlite3 " .. H.shell_quote(path)
    .. " 'SELECT * FROM test_gadgets ORDER BY id; SELECT * FROM record_links ORDER BY 1,2,3,4;"
    .. " SELECT count(*) FROM change_log; SELECT count(*) FROM change_batches'")
  local s = p:read("*a")
  p:close()
  return s
end

describe("record kinds", function()
  local reg, path, coll
  before_each(function()
    reg, path = new_register()
    coll = reg:records("gadgets")
  end)
  after_each(function() reg:close() end)

  it("adds records with typed fields, defaults and numbered ids", function()
    local rep = assert(coll:add({ title = "Laptop", cost = "1200.50", count = 3, spare = "yes",
                                  tags = "it; mobile", assets = "AST-1, AST-2" }))
    assert.are.equal("G-001", rep.id)
    assert.are.equal(1, rep.created)
    local g = coll:get("G-001")
    assert.are.equal("Laptop", g.title)
    assert.are.equal("new", g.state)
    assert.are.equal(1200.5, g.cost)
    assert.are.equal(3, g.count)
    assert.is_true(g.spare)
    assert.are.same({ "it", "mobile" }, g.tags)
    assert.are.same({ "AST-1", "AST-2" }, g.assets)
    assert.are.equal("G-002", assert(coll:add({ title = "Phone" })).id)
  end)

  it("refuses bad values, naming the field, and writes nothing", function()
    local before = dump(path)
    local cases = {
      { { title = "x", state = "broken" }, "state: 'broken' is not one of new, in_use, retired" },
      { { title = "x", bought = "2024-02-30" }, "bought: '2024-02-30' is not a date" },
      { { title = "x", cost = "-1" }, "cost: -1 is below the least allowed, 0" },
      { { title = "x", count = "2.5" }, "count: expected a whole number" },
      { { title = "x", spare = "maybe" }, "spare: 'maybe' is not yes or no" },
      { { state = "new" }, "title: required" },
      { { title = "x", assets = "AST-1;NOPE" }, "assets: no asset 'NOPE' in the register" },
      { { title = "x", parent = "G-404" }, "parent: no gadget 'G-404' in the register" },
      { { title = "x", colour = "red" }, "colour: unknown field" },
      { { title = "x", state = "retired" }, "bought: a retired gadget was bought" },
      { { id = "a;b", title = "x" }, "is not an id" },
    }
    for _, c in ipairs(cases) do
      local ok, err, code = coll:add(c[1])
      assert.is_nil(ok)
      assert.are.equal("INPUT", code)
      assert.truthy(err:find(c[2], 1, true), err)
    end
    assert.are.equal(before, dump(path))
  end)

  it("normalises a value through the field's own check, or refuses it", function()
    assert(coll:add({ id = "G-1", title = "x", size = "large" }))
    assert.are.equal("L", coll:get("G-1").size)
    assert.are.equal(1, #coll:list({ size = "l" }))
    local before = dump(path)
    local ok, err, code = coll:add({ title = "y", size = "huge" })
    assert.is_nil(ok)
    assert.are.equal("INPUT", code)
    assert.truthy(err:find("size: 'huge' is not a size (S, M, L)", 1, true), err)
    -- a required field refused for its value is not also called missing
    ok, err = coll:add({ title = "a\0b" })
    assert.is_nil(ok)
    assert.are.equal("gadget (new): title: holds a NUL byte", err)
    assert.are.equal(before, dump(path))
  end)

  it("sets, clears and links in one logged batch, and shows the history", function()
    assert(coll:add({ id = "G-7", title = "Server", assets = "AST-1" }, { reason = "bought" }))
    assert(coll:set("G-7", { state = "in_use", cost = 10, assets = "AST-2;AST-3" }, { reason = "racked" }))
    assert(coll:set("G-7", { cost = "" }))
    local g = coll:get("G-7")
    assert.are.equal("in_use", g.state)
    assert.is_nil(g.cost)
    assert.are.same({ "AST-2", "AST-3" }, g.assets)
    local h = coll:history("G-7")
    local seen = {}
    for _, e in ipairs(h) do seen[#seen + 1] = e.action .. ":" .. tostring(e.field) .. ":"
      .. tostring(e.old) .. ">" .. tostring(e.new) end
    local text = table.concat(seen, " ")
    assert.truthy(text:find("create:nil:nil>nil", 1, true), text)
    assert.truthy(text:find("link:assets:nil>AST-1", 1, true), text)
    assert.truthy(text:find("update:state:new>in_use", 1, true), text)
    assert.truthy(text:find("unlink:assets:AST-1>nil", 1, true), text)
    assert.truthy(text:find("link:assets:nil>AST-3", 1, true), text)
    assert.truthy(text:find("update:cost:10.0>nil", 1, true) or text:find("update:cost:10>nil", 1, true), text)
    assert.are.equal("racked", h[3].reason)
    local _, err, code = coll:set("G-404", { title = "x" })
    assert.are.equal("NOTFOUND", code)
    assert.truthy(err:find("no gadget 'G-404'", 1, true))
  end)

  it("puts several records in one batch, or none of them", function()
    local rep = assert(coll:put_all({ { id = "G-1", title = "a" }, { id = "G-2", title = "b",
                                        parent = "G-1" } }, { reason = "two at once" }))
    assert.are.equal(2, rep.created)
    assert.are.equal(2, rep.rows)
    assert.are.equal("G-1", coll:get("G-2").parent)
    local before = dump(path)
    local ok, err, code = coll:put_all({ { id = "G-1", title = "changed" },
                                         { id = "G-3", title = "x", state = "broken" } })
    assert.is_nil(ok)
    assert.are.equal("INPUT", code)
    assert.truthy(err:find("gadget G-3: state:", 1, true), err)
    assert.are.equal(before, dump(path))
    assert.are.equal(0, assert(coll:put_all({})).rows)
  end)

  it("filters lists by fields and by links", function()
    assert(coll:add({ title = "a", state = "in_use", assets = "AST-1" }))
    assert(coll:add({ title = "b", state = "in_use", assets = "AST-2" }))
    assert(coll:add({ title = "c" }))
    assert.are.equal(2, #coll:list({ state = "IN USE" }))
    local l = coll:list({ assets = "AST-2" })
    assert.are.equal(1, #l)
    assert.are.equal("b", l[1].title)
    local _, err = coll:list({ nope = 1 })
    assert.truthy(err:find("unknown field 'nope'", 1, true))
  end)

  it("refuses to delete a record others refer to, unless forced", function()
    assert(coll:add({ id = "P", title = "parent" }))
    assert(coll:add({ id = "C", title = "child", parent = "P", assets = "AST-1" }))
    local _, err, code = coll:delete("P")
    assert.are.equal("INPUT", code)
    assert.truthy(err:find("gadget C (parent)", 1, true), err)
    assert(coll:delete("C"))
    assert.are.equal(0, #coll:list({ assets = "AST-1" }))
    assert(coll:delete("P"))
    assert.are.equal(0, #coll:list())
  end)

  it("deletes several records in one batch, all or none; a reference among them does not count", function()
    assert(coll:add({ id = "P", title = "parent" }))
    assert(coll:add({ id = "C", title = "child", parent = "P", assets = "AST-1" }))
    assert(coll:add({ id = "K", title = "kept" }))
    local before = H.snapshot(reg)
    local _, err, code = coll:delete({ "K", "NOPE" })
    assert.are.equal("NOTFOUND", code)
    assert.truthy(err:find("no gadget 'NOPE'", 1, true), err)
    _, err, code = coll:delete({ "K", "K" })
    assert.are.equal("INPUT", code)
    assert.truthy(err:find("gadget 'K' given twice", 1, true), err)
    _, err, code = coll:delete({ "P", "K" })
    assert.are.equal("INPUT", code)
    assert.truthy(err:find("gadget C (parent)", 1, true), err)
    assert.are.equal(before, H.snapshot(reg))
    local n = #reg:batches()
    local rep = assert(coll:delete({ "P", "C" }, { reason = "both" }))
    assert.are.equal(2, rep.deleted)
    assert.are.same({ "K" }, (function()
      local ids = {}
      for _, r in ipairs(coll:list()) do ids[#ids + 1] = r.id end
      return ids
    end)())
    assert.are.equal(0, #coll:list({ assets = "AST-1" }))
    -- one batch for both (and C's link)
    local batches = reg:batches()
    assert.are.equal(n + 1, #batches)
    assert.are.equal("both", batches[#batches].reason)
    assert.are.equal(3, tonumber(batches[#batches].deleted))
  end)

  it("imports CSV all or nothing, with file:line:column for each problem", function()
    assert(coll:add({ id = "KEEP", title = "kept" }))
    local before = dump(path)
    local bad = H.file("bad.csv", "ID,Title,State,Cost,Parent\n"
      .. "G-1,one,new,5,\n"
      .. "G-2,two,sold,5,G-1\n"
      .. "G-3,,new,x,G-9\n"
      .. "G-1,again,new,1,\n")
    local ok, err, code = coll:import(bad)
    assert.is_nil(ok)
    assert.are.equal("INPUT", code)
    assert.truthy(err:find(bad .. ":3:9: state: 'sold' is not one of", 1, true), err)
    assert.truthy(err:find(bad .. ":4:10: cost: expected a number", 1, true), err)
    assert.truthy(err:find(bad .. ":4:12: parent: no gadget 'G-9'", 1, true), err)
    assert.truthy(err:find(bad .. ":4:5: title: required", 1, true), err)
    assert.truthy(err:find(bad .. ":5:1: id: 'G-1' is also on line 2", 1, true), err)
    assert.truthy(err:find(bad .. ": rejected; nothing was stored", 1, true))
    assert.are.equal(before, dump(path))
    local unknown = H.file("unknown.csv", "id,title,colour\nG-1,x,red\n")
    ok, err = coll:import(unknown)
    assert.is_nil(ok)
    assert.truthy(err:find(unknown .. ":1:10: header: unknown column 'colour'", 1, true), err)
    assert.are.equal(before, dump(path))
  end)

  it("imports a worksheet of an XLSX workbook, with file:Sheet!C7 for each problem", function()
    local before = dump(path)
    local book = H.tmp("gadgets.xlsx")
    local cols = {}
    for k, t in ipairs({ "ID", "Title", "State", "Cost", "Spare" }) do
      cols[k] = { t, t, number = t == "Cost" }
    end
    assert(require("isms.report.xlsx").write(reg, book, "gadgets", {
      { name = "Notes", cols = { { "x", "x" } }, rows = { { "read me" } } },
      { name = "Gadgets", cols = cols, rows = {
        { "G-1", "one", "new", "5", "yes" }, { "G-2", "two", "sold", "x", "no" },
        { "G-1", "again", "new", "1", "" } } } }))
    local ok, err, code = coll:import(book, { sheet = "Gadgets" })
    assert.is_nil(ok)
    assert.are.equal("INPUT", code)
    assert.truthy(err:find(book .. ":Gadgets!C3: state: 'sold' is not one of", 1, true), err)
    assert.truthy(err:find(book .. ":Gadgets!D3: cost: expected a number", 1, true), err)
    assert.truthy(err:find(book .. ":Gadgets!A4: id: 'G-1' is also on row 2", 1, true), err)
    assert.are.equal(before, dump(path))
    ok, err = coll:import(book)
    assert.is_nil(ok)
    assert.truthy(err:find(book .. ":Notes!A1: header: unknown column 'x'", 1, true), err)
    ok, err = coll:import(book, { sheet = "Nope" })
    assert.is_nil(ok)
    assert.truthy(err:find("no sheet 'Nope' in the workbook; its sheets: Notes, Gadgets", 1, true), err)
    assert.are.equal(before, dump(path))
    local good = H.tmp("good.xlsx")
    assert(require("isms.report.xlsx").write(reg, good, "gadgets", {
      { name = "Gadgets", cols = cols, rows = { { "G-1", "one", "in use", "5.5", "yes" } } } }))
    local rep = assert(coll:import(good))
    assert.are.equal(1, rep.created)
    local g = coll:get("G-1")
    assert.are.equal(5.5, g.cost)
    assert.are.equal("in_use", g.state)
  end)

  it("round-trips through CSV export and import, references inside one file", function()
    local good = H.file("good.csv", "id,title,parent,assets,tags,spare\n"
      .. "G-2,child,G-1,AST-1;AST-2,\"x; y\",no\n"
      .. "G-1,parent,,,,yes\n")
    local rep = assert(coll:import(good, { reason = "inventory" }))
    assert.are.equal(2, rep.created)
    local out = H.tmp("export.csv")
    assert(coll:export(out))
    local text = H.read(out)
    assert.truthy(text:find("^id,title,state,bought,cost,count,spare,tags,parent,assets,size\n"), text)
    assert.truthy(text:find("G-2,child,new,,,,no,x; y,G-1,AST-1; AST-2,\n", 1, true), text)
    -- a second import of the export changes nothing
    rep = assert(coll:import(out))
    assert.are.equal(0, rep.created)
    assert.are.equal(0, rep.updated)
  end)

  it("checks the records as they stand: dangling links and the kind's own rules", function()
    assert(coll:add({ id = "G-1", title = "x", cost = 5000, assets = "AST-1" }))
    -- who points at a record of any kind (an asset, here), and its history
    assert.are.same({ "gadget G-1 (assets)" }, kind.referrers(reg, "asset", "AST-1"))
    assert.are.same({}, kind.referrers(reg, "asset", "AST-2"))
    assert.are.same(coll:history("G-1"), kind.history(reg, "gadget", "G-1"))
    assert(reg:delete_asset("AST-1", "gone"))
    local gone = kind.history(reg, "asset", "AST-1")
    assert.are.equal("delete", gone[#gone].action)
    assert.are.equal("gone", gone[#gone].reason)
    local problems = coll:check()
    local text = {}
    for _, p in ipairs(problems) do text[#text + 1] = p.id .. "|" .. p.field .. "|" .. p.problem end
    text = table.concat(text, "\n")
    assert.truthy(text:find("G-1|assets|refers to asset 'AST-1', which is not in the register", 1, true), text)
    assert.truthy(text:find("G-1|cost|over budget", 1, true), text)
  end)

  it("fills the fields a kind derives, or refuses the record with the derive hook's reason", function()
    local widgets = reg:records("wids")
    assert.are.equal(widgets, reg:records("widget"))
    assert(widgets:add({ id = "W-1", title = "small" }))
    assert.are.equal("SMALL", widgets:get("W-1").label)
    assert(widgets:set("W-1", { title = "large" }))
    assert.are.equal("LARGE", widgets:get("W-1").label)
    local before = dump(path)
    local ok, err, code = widgets:add({ id = "W-2", title = "bad" })
    assert.is_nil(ok)
    assert.are.equal("INPUT", code)
    assert.truthy(err:find("widget W-2: title: not a widget's title", 1, true), err)
    assert.are.equal(before, dump(path))
  end)

  it("writes records of several kinds in one batch, or none of them", function()
    local rep = assert(kind.batch(reg, { command = "test batch", reason = "both" }, function(tx)
      local g = tx.add("gadget", { title = "hub" })
      tx.add("widget", { id = "W-1", title = "port", gadget = g })  -- refers to the batch's own
      tx.set("gadget", g, { state = "in_use" })
    end))
    assert.are.equal(2, rep.created)
    assert.are.equal(1, rep.updated)
    assert.are.same({ "G-001", "W-1", "G-001" }, rep.ids)
    assert.are.equal("in_use", coll:get("G-001").state)
    assert.are.equal("G-001", reg:records("widget"):get("W-1").gadget)
    local batches = 0
    for row in reg:query("SELECT count(*) AS n FROM change_batches WHERE command = 'test batch'") do
      batches = tonumber(row.n)
    end
    assert.are.equal(1, batches)
    local before = dump(path)
    local ok, err, code = kind.batch(reg, { command = "test batch" }, function(tx)
      tx.add("gadget", { title = "second" })
      tx.add("widget", { id = "W-2", title = "x", gadget = "G-404" })
    end)
    assert.is_nil(ok)
    assert.are.equal("INPUT", code)
    assert.truthy(err:find("widget W-2: gadget: no gadget 'G-404' in the register", 1, true), err)
    assert.are.equal(before, dump(path))
    assert.is_nil(coll:get("G-002"))
  end)

  it("gives a kind's command its own noun and the verbs a command family adds", function()
    local cli_records = require "isms.cli.records"
    cli_records.verb("widget", "shout", {
      usage = "shout ID", summary = "the label, loud", options = { times = "positive" },
      run = function(r, opts, args) return r:records("widget"):get(args[1]).label .. (opts.times or 1) end,
    })
    local cmds, printed = {}, {}
    local fake = { out = function(...) printed[#printed + 1] = table.concat({ ... }) end,
                   err = function(e) printed[#printed + 1] = e end, EXIT = { OK = 0, USAGE = 2, FAIL = 1 },
                   exit_for = function() return 3 end, check_format = function() return true end,
                   render = function() return "" end,
                   command = function(name, def) cmds[name] = def end,
                   with_register = function(_, fn) return fn(reg) end }
    cli_records.install(fake)
    assert.is_nil(cmds.widgets)
    local wids = assert(cmds.wids)
    assert.truthy(wids.usage:find("isms wids list|show|add|set|delete|import|export|check|shout", 1, true))
    assert.truthy(wids.help:find("shout ID", 1, true))
    assert.are.equal("positive", wids.options.times)
    assert(reg:records("widget"):add({ id = "W-9", title = "hi" }))
    assert.are.equal("HI3", wids.run({}, { times = 3 }, { "shout", "W-9" }))
    assert.are.equal(2, wids.run({}, {}, { "dance" }))
    assert.truthy(printed[#printed]:find("expected list, show, add, set, delete, import, export, check, shout", 1, true))
  end)

  it("lets validate see the rows an import accepted before (rules across records)", function()
    local widgets = reg:records("sprockets")
    assert(widgets:add({ id = "W-1", serial = "S1" }))
    local _, err = widgets:add({ id = "W-2", serial = "S1" })
    assert.truthy(err:find("serial: serial S1 is also sprocket W-1's", 1, true), err)
    local before = dump(path)
    local bad = H.file("w.csv", "id,serial\nW-3,S3\nW-4,S3\n")
    local ok
    ok, err = widgets:import(bad)
    assert.is_nil(ok)
    assert.truthy(err:find(bad .. ":3:5: serial: serial S3 is also sprocket W-3's", 1, true), err)
    assert.are.equal(before, dump(path))
    -- a file may move a serial from one record to another
    local swap = H.file("swap.csv", "id,serial\nW-1,S9\nW-5,S1\n")
    assert(widgets:import(swap))
    assert.are.equal("S1", widgets:get("W-5").serial)
  end)
end)

describe("record kinds on the command line: verbs a command family adds", function()
  local records_cli = require "isms.cli.records"
  it("adds a verb with its own options, replaces a generic one, and refuses strays", function()
    local reg = new_register()
    assert(reg:records("gadgets"):add({ id = "G-1", title = "one" }))
    local seen
    records_cli.verb("gadgets", "count", {
      usage = "count [--min N]", summary = "how many gadgets", options = { min = "value" },
      run = function(r, opts, args)
        seen = { n = #r:records("gadgets"):list(), min = opts.min, args = args }
        return 0
      end,
    })
    records_cli.verb("gadgets", "check", {
      summary = "a richer check", options = { min = "value" },
      run = function(_, opts) return nil, "found problems over " .. tostring(opts.min), "INPUT" end,
    })
    local cmds, errs = {}, {}
    local kit = { command = function(name, def) cmds[name] = def end, out = function() end,
                  err = function(e) errs[#errs + 1] = e end,
                  EXIT = { OK = 0, FAIL = 1, USAGE = 2, INPUT = 3, REGISTER = 4 },
                  exit_for = function(code) return code == "INPUT" and 3 or 1 end,
                  with_register = function(_, fn) return fn(reg) end,
                  render = function() return "" end, check_format = function() return true end }
    records_cli.install(kit)
    local g = cmds.gadgets
    assert.truthy(g.usage:find("|count", 1, true), g.usage)
    assert.truthy(g.help:find("how many gadgets", 1, true))
    -- a replaced generic verb is listed once, as its replacement
    assert.are.equal(1, H.count(g.help, "  check"), g.help)
    assert.are.equal(0, g.run({}, { min = "2" }, { "count", "x" }))
    assert.are.same({ n = 1, min = "2", args = { "x" } }, seen)
    -- an option two added verbs share is accepted by both
    assert.are.equal(3, g.run({}, { min = "5" }, { "check" }))
    assert.are.equal("found problems over 5", errs[#errs])
    -- the verbs' options, which the dispatcher checks: --min is count's and check's only
    local cli = require "isms.cli"
    assert.is_true(cli.check_verb_options("gadgets", g, { min = "2" }, { "count" }))
    assert.is_true(cli.check_verb_options("gadgets", g, { min = "2", json = true }, { "check" }))
    local ok, verr = cli.check_verb_options("gadgets", g, { min = "2" }, { "list" })
    assert.is_nil(ok)
    assert.truthy(verr:find("isms gadgets list: --min does not apply to list (it takes --format, "
                            .. "--json, --", 1, true), verr)
    -- no word: the list
    assert.is_nil((cli.check_verb_options("gadgets", g, { min = "2" }, {})))
    assert.are.equal(2, g.run({}, {}, { "frobnicate" }))
    assert.truthy(errs[#errs]:find("expected list, show, add, set, delete, import, export, "
                                   .. "check, count", 1, true), errs[#errs])
    reg:close()
  end)
end)
