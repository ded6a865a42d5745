-- The asset register speaks the register verbs (isms assets list, show,
-- add, set, delete, import, export, check, --json) through the C write
-- paths: one transaction each, logged, bad input refused whole.
local H = require "helper"
local isms = require "isms"
local cjson = require "cjson"

local function register() return H.cli_register("assets.db") end
local snapshot = H.snapshot_at

local function batches(db)
  local reg = assert(isms.open(db))
  local n = #reg:batches()
  reg:close()
  return n
end

-- Runs a command that must be refused: its exit code and message, and the
-- register exactly as before.
local function refused(db, want_code, want_text, ...)
  local before = snapshot(db)
  local out, err, code = H.run("--db", db, ...)
  assert.are.equal(want_code, code, table.concat({ ... }, " ") .. ": " .. err)
  assert.truthy(err:find(want_text, 1, true), err)
  assert.are.equal("", out)
  assert.are.equal(before, snapshot(db), "nothing written")
  return err
end

describe("isms assets verbs", function()
  it("lists as before: bare isms assets is isms assets list; --json is --format json", function()
    local db = register()
    local bare, _, code = H.run("--db", db, "assets")
    assert.are.equal(0, code)
    assert.truthy(bare:find("^id%s+name%s+type%s+owner%s+C%s+I%s+A%s+value%s+class\n"), bare)
    assert.truthy(bare:find("3 assets — class A 1, class B 1, class C 1\n", 1, true), bare)
    assert.are.equal(bare, (H.run("--db", db, "assets", "list")))
    local json = H.run("--db", db, "assets", "list", "--json")
    assert.are.equal(json, (H.run("--db", db, "assets", "--format", "json")))
    local rows = cjson.decode(json)
    assert.are.equal(3, #rows)
    assert.are.equal("AST-1", rows[1].id)
    local one = cjson.decode((H.run("--db", db, "assets", "--json", "--type", "service")))
    assert.are.equal(1, #one)
    assert.are.equal("AST-3", one[1].id)
    -- an option another verb takes is refused, not ignored
    refused(db, 2, "isms assets list: --force does not apply to list (it takes --class, "
            .. "--owner, --type, --format, --json)", "assets", "--force")
    refused(db, 2, "--json and --format csv contradict", "assets", "--json", "--format", "csv")
  end)

  it("shows every field of one asset and its change history, as text or JSON", function()
    local db = register()
    local _, err, code = H.run("--db", db, "assets", "set", "AST-2", "owner=CISO", "notes=spares",
                               "--reason", "handover")
    assert.are.equal(0, code, err)
    local out
    out, err, code = H.run("--db", db, "assets", "show", "AST-2")
    assert.are.equal(0, code, err)
    for _, line in ipairs({ "id          AST-2\n", "owner       CISO\n", "group       yes\n",
                            "units       40\n", "notes       spares\n", "class       " }) do
      assert.truthy(out:find(line, 1, true), line .. " in\n" .. out)
    end
    assert.truthy(out:find("\nhistory:\n", 1, true), out)
    -- created by the import: the import's batch is the first entry
    assert.truthy(out:find("\nhistory:\n  %S+  %S+  create\n"), out)
    assert.truthy(out:find("update owner: IT Manager -> CISO  (handover)", 1, true), out)
    local j = cjson.decode((H.run("--db", db, "assets", "show", "AST-2", "--json")))
    assert.are.equal("CISO", j.owner)
    assert.are.equal("physical", j.type)
    local fields = {}
    for _, h in ipairs(j.history) do fields[#fields + 1] = h.field end
    table.sort(fields)
    assert.are.same({ "notes", "owner" }, fields)
    assert.are.equal("create", j.history[1].action)
    assert.are.equal("import assets", j.history[1].command)
    -- a re-valuation's moves (kept as one change set) are in the history too
    _, err, code = H.run("--db", db, "value", "--methodology", "guideline-3tier")
    assert.are.equal(0, code, err)
    j = cjson.decode((H.run("--db", db, "assets", "show", "AST-2", "--json")))
    local last = j.history[#j.history]
    assert.are.equal("value", last.command)
    assert.truthy(last.field == "class" or last.field == "value", cjson.encode(last))
    refused(db, 4, "no asset 'AST-9' in the register", "assets", "show", "AST-9")
    refused(db, 2, "usage: isms assets show ID", "assets", "show")
  end)

  it("adds an asset with the import's checks, or refuses it and writes nothing", function()
    local db = register()
    local out, err, code = H.run("--db", db, "assets", "add", "id=AST-4", "name=Mail service",
                                 "type=service", "owner=IT", "c=Restricted", "i=High", "a=Moderate",
                                 "--reason", "new service")
    assert.are.equal(0, code, err)
    assert.are.equal("AST-4\n", out)
    local j = cjson.decode((H.run("--db", db, "assets", "show", "AST-4", "--json")))
    assert.are.equal("Mail service", j.name)
    assert.truthy(j.class, "valued with the register's methodology")
    refused(db, 3, "asset 'AST-1' is in the register already", "assets", "add", "id=AST-1",
            "name=x", "type=service")
    refused(db, 2, "assets have no field 'colour'", "assets", "add", "id=AST-5", "name=x",
            "type=service", "colour=red")
    local e = refused(db, 3, "type: unknown asset type 'car'", "assets", "add", "id=AST-5",
                      "name=x", "type=car")
    assert.truthy(e:find("isms assets add: asset AST-5 not added", 1, true), e)
    assert.falsy(e:find("/tmp", 1, true), "no temporary file named: " .. e)
    refused(db, 3, "c: 'Ultra' is not a tier of C", "assets", "add", "id=AST-5", "name=x",
            "type=service", "c=Ultra", "i=1", "a=1")
    refused(db, 2, "needs id=ID", "assets", "add", "name=x", "type=service")
    refused(db, 2, "'oops' is not FIELD=VALUE", "assets", "add", "id=AST-5", "oops")
  end)

  it("sets several fields in one batch, or refuses and writes nothing", function()
    local db = register()
    local n = batches(db)
    local _, err, code = H.run("--db", db, "assets", "set", "AST-3", "owner=Procurement",
                               "location=Taipei", "outsourced=no")
    assert.are.equal(0, code, err)
    assert.are.equal(n + 1, batches(db), "one change batch")
    local j = cjson.decode((H.run("--db", db, "assets", "show", "AST-3", "--json")))
    assert.are.equal("Procurement", j.owner)
    assert.are.equal("Taipei", j.location)
    assert.are.equal(false, j.outsourced)
    -- C, I or A re-values the asset (a second batch: isms value's)
    _, err, code = H.run("--db", db, "assets", "set", "AST-3", "c=Secret")
    assert.are.equal(0, code, err)
    j = cjson.decode((H.run("--db", db, "assets", "show", "AST-3", "--json")))
    assert.are.equal(4, j.c)
    assert.truthy(j.class)
    -- FIELD= clears a field
    _, err, code = H.run("--db", db, "assets", "set", "AST-3", "location=")
    assert.are.equal(0, code, err)
    j = cjson.decode((H.run("--db", db, "assets", "show", "AST-3", "--json")))
    assert.are.equal(cjson.null, j.location)

    refused(db, 4, "no asset 'AST-9' in the register", "assets", "set", "AST-9", "owner=x")
    refused(db, 2, "assets have no field 'colour'", "assets", "set", "AST-1", "owner=x",
            "colour=red")
    -- a bad value after a good one: neither is written
    refused(db, 3, "units: '0' is not a whole number from 1 to", "assets", "set", "AST-2",
            "owner=x", "units=0")
    -- a tier the methodology lacks, as the import refuses it
    refused(db, 3, "c: 9 is out of range; expected 1-4", "assets", "set", "AST-1", "c=9")
    refused(db, 3, "outsourced: expected yes or no, found 'maybe'", "assets", "set", "AST-1",
            "outsourced=maybe")
    refused(db, 3, "name: must not be empty", "assets", "set", "AST-1", "name=")
    -- the import's rule across fields: more than one unit is a group
    refused(db, 3, "units: 40 units given for an asset that is not a group", "assets", "set",
            "AST-2", "group=no")
    refused(db, 3, "units: 5 units given for an asset that is not a group", "assets", "set",
            "AST-1", "units=5")
    _, err, code = H.run("--db", db, "assets", "set", "AST-1", "units=5", "group=yes")
    assert.are.equal(0, code, err)
    refused(db, 2, "an asset's id cannot change", "assets", "set", "AST-1", "id=AST-7")
    refused(db, 2, "nothing to set", "assets", "set", "AST-1")
  end)

  it("deletes assets in one batch, all or none; refused while risks are on them or records link them", function()
    local db = register()
    local n = batches(db)
    local out, err, code = H.run("--db", db, "assets", "delete", "AST-1", "AST-2", "--reason",
                                 "sold")
    assert.are.equal(0, code, err)
    assert.are.equal("deleted 2 assets\n", out)
    assert.are.equal(n + 1, batches(db), "one change batch")
    local rows = cjson.decode((H.run("--db", db, "assets", "--json")))
    assert.are.equal(1, #rows)
    -- the deletion is in the asset's history, with every field it had
    local changes = H.run("--db", db, "changes", "AST-1", "--format", "csv")
    assert.truthy(changes:find("AST-1,delete,name,Design database,", 1, true), changes)

    db = register()
    refused(db, 4, "no asset 'AST-9' in the register; nothing deleted", "assets", "delete",
            "AST-1", "AST-9")
    refused(db, 2, "asset 'AST-1' given twice", "assets", "delete", "AST-1", "AST-1")
    refused(db, 2, "usage: isms assets delete ID", "assets", "delete")
    -- a risk needs its asset
    local _, gerr, gcode = H.run("--db", db, "risks", "generate", "generic")
    assert.are.equal(0, gcode, gerr)
    local e = refused(db, 3, "risks are on AST-1 (", "assets", "delete", "AST-1", "--force")
    assert.truthy(e:find("AST-1/T-", 1, true), e)
    assert.truthy(e:find("delete those risks first", 1, true), e)
    -- a record linking the asset: refused without --force
    db = register()
    out, err, code = H.run("--db", db, "suppliers", "add", "name=Foundry", "criticality=high",
                           "assets=AST-3")
    assert.are.equal(0, code, err)
    local sup = out:match("^(%S+)")
    e = refused(db, 3, "other records refer to these assets (asset: record (field)): AST-3: "
                .. "supplier " .. sup .. " (assets)", "assets", "delete", "AST-3")
    assert.truthy(e:find("--force", 1, true), e)
    _, err, code = H.run("--db", db, "assets", "delete", "AST-3", "--force")
    assert.are.equal(0, code, err)
    -- and the supplier's check now reports the dangling link
    out = H.run("--db", db, "suppliers", "check")
    assert.truthy(out:find("refers to asset 'AST-3', which is not in the register", 1, true), out)
  end)

  it("imports and exports as isms import assets and isms export assets do", function()
    local db = register()
    local via_verb = H.run("--db", db, "assets", "export")
    assert.are.equal(H.GOOD:gsub("Secret,High,High", "4,3,3"):sub(1, #H.HEADER), via_verb:sub(1, #H.HEADER))
    assert.are.equal(via_verb, (H.run("--db", db, "export", "assets", "-")))
    assert.are.equal(via_verb, (H.run("--db", db, "assets", "export", "-")))
    local path = H.tmp("out.csv")
    local _, err, code = H.run("--db", db, "assets", "export", path)
    assert.are.equal(0, code, err)
    assert.are.equal(via_verb, H.read(path))
    local out
    out, err, code = H.run("--db", db, "assets", "import", path, "--reason", "again")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("0 created, 0 updated, 3 unchanged", 1, true), out)
    local bad = H.file("bad.csv", H.HEADER .. "AST-9,x,car,,,,no,,no,1,1,1,1,\n")
    err = refused(db, 3, "unknown asset type 'car'", "assets", "import", bad)
    assert.truthy(err:find(bad .. ":2:", 1, true), err)
    refused(db, 2, "usage: isms assets import FILE", "assets", "import")
    refused(db, 2, "isms assets import: unexpected argument", "assets", "import", path, path)
  end)

  it("checks the stored assets: no owner, not rated, rated but not valued", function()
    local db = register()
    local out, err, code = H.run("--db", db, "assets", "check")
    assert.are.equal(0, code, err)
    assert.are.equal("assets: no problems\n", out)
    assert(H.run("--db", db, "assets", "add", "id=AST-8", "name=Loose", "type=software"))
    local reg = assert(isms.open(db))
    assert(reg:set_asset("AST-2", "owner", ""))
    -- the C call alone clears value and class; only a methodology values again
    assert.are.equal(0, require("isms.store._ffi").C.isms_asset_set(reg.db, "AST-1", "c", "2", nil))
    reg:close()
    out, err, code = H.run("--db", db, "assets", "check")
    assert.are.equal(1, code, err)
    assert.truthy(out:find("AST%-2%s+owner%s+no owner"), out)
    assert.truthy(out:find("AST%-8%s+c,i,a%s+C, I, A not rated; the asset is unvalued"), out)
    assert.truthy(out:find("AST%-1%s+class%s+rated but not valued; run isms value"), out)
    local problems = cjson.decode((H.run("--db", db, "assets", "check", "--json")))
    assert.are.equal(4, #problems)   -- AST-1 not valued; AST-2 no owner; AST-8 no owner, not rated
    assert.are.same({ id = "AST-1", field = "class", problem = "rated but not valued; run isms value" },
                    problems[1])
    assert(H.run("--db", db, "value"))
    problems = cjson.decode((H.run("--db", db, "assets", "check", "--json")))
    assert.are.equal(3, #problems)
  end)
end)
