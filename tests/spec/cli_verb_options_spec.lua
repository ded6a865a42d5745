-- Every command with verbs declares the options each verb reads
-- (verb_options, checked by isms.cli check_verb_options), so an option
-- that does not fit the verb is refused, not ignored (issue #18, the first
-- hour): `isms roadmap show X --top 5` or `isms gap import A F --residual`
-- no longer run as if the option were not there.
local H = require "helper"
local cjson = require "cjson"

-- The command table as a fresh process loads it (every family and record
-- kind): name -> { options, verbs, verb_options, default_verb, other_args }.
local function command_table()
  local script = H.file("commands.lua", [[
    local cjson = require "cjson"
    local cli = require "isms.cli"
    local all = {}
    for name in pairs(cli.command_families()) do
      local c = cli.definition(name)
      local function keys(t)
        if not t then return nil end
        local list = {}
        for k in pairs(t) do list[#list + 1] = k end
        table.sort(list)
        return list
      end
      all[name] = { options = keys(c.options) or {}, verbs = keys(c.verbs),
                    verb_options = c.verb_options, default_verb = c.default_verb,
                    other_args = c.other_args ~= nil }
    end
    print(cjson.encode(all))
  ]])
  local out, rc = H.sh(("LUA_PATH='lua/?.lua;lua/?/init.lua;;' ISMS_LIB='%s/libisms.so' luajit %s")
                       :format(H.build, script))
  assert(rc == 0, out)
  return cjson.decode(out:match("([^\n]+)\n?$"))
end

describe("the options of every command's verbs", function()
  local commands
  setup(function() commands = command_table() end)

  it("are declared for every command with verbs, and agree with its options and verbs", function()
    local problems, with_verbs = {}, 0
    local function problem(fmt, ...) problems[#problems + 1] = fmt:format(...) end
    for name, c in pairs(commands) do
      local options, verbs = {}, {}
      for _, o in ipairs(c.options) do options[o] = true end
      for _, v in ipairs(c.verbs or {}) do verbs[v] = true end
      if c.verbs then
        with_verbs = with_verbs + 1
        if not c.verb_options then problem("%s has verbs but no verb_options", name) end
      end
      if c.verb_options then
        local taken = {}
        for verb, list in pairs(c.verb_options) do
          if not verbs[verb] then problem("%s: verb_options names '%s', no verb of it", name, verb) end
          local seen = {}
          for _, o in ipairs(list) do
            if not options[o] then
              problem("%s %s: --%s is not one of the command's options", name, verb, o)
            end
            if seen[o] then problem("%s %s: --%s given twice", name, verb, o) end
            seen[o], taken[o] = true, true
          end
        end
        for o in pairs(options) do
          if not taken[o] then problem("%s: --%s is taken by no verb", name, o) end
        end
        -- every verb says what it takes: none takes everything by omission
        for v in pairs(verbs) do
          if not c.verb_options[v] then problem("%s: verb %s has no verb_options entry", name, v) end
        end
        if c.default_verb and not verbs[c.default_verb] then
          problem("%s: default_verb '%s' is not a verb", name, c.default_verb)
        end
      end
    end
    table.sort(problems)
    assert.are.same({}, problems)
    assert.is_true(with_verbs >= 40, with_verbs)  -- the families' and every record kind's
    -- the ones named in the issue, and a record kind
    for _, name in ipairs({ "assets", "import", "gap", "requirements", "methodology", "metrics",
                            "review", "quant", "roadmap", "soa", "rtp", "risks", "suppliers",
                            "people", "docs" }) do
      assert.is_table(commands[name] and commands[name].verb_options, name)
    end
  end)

  it("list a record kind's filters under list and an added verb's own options under it", function()
    local people = commands.people.verb_options
    local list = table.concat(people.list, " ")
    assert.truthy(list:find("format json", 1, true), list)
    assert.are.same({ "json", "today", "within" }, people.check)
    assert.are.same({ "json", "reason", "kickoff", "programmes", "roles" }, people.setup)
    assert.are.same({ "reason", "approved-by", "author", "date", "path", "version" },
                    commands.docs.verb_options.revise)
    assert.are.same({ "reason", "force" }, commands.suppliers.verb_options.delete)
  end)
end)

describe("a misplaced option", function()
  local db
  setup(function()
    db = H.tmp("verbopts.db")
    assert.are.equal(0, select(3, H.run("init", db, "--methodology", "fair-qism")))
    local _, err, code = H.run("--db", db, "import", "assets", H.file("va.csv",
      "id,name,type,owner,outsourced,c,i,a\nSRV-1,Build server,physical,IT,no,2,2,2\n"
      .. "DOC-1,Design files,information,Engineering,no,4,3,2\n"))
    assert.are.equal(0, code, err)
    for _, argv in ipairs({ { "risks", "generate", "generic", "--yes" },
                            { "requirements", "import", "iso27001-2022" } }) do
      _, err, code = H.run("--db", db, unpack(argv))
      assert.are.equal(0, code, err)
    end
  end)

  -- isms ARGV... exits 2 with "isms CMD VERB: --OPT does not apply to VERB
  -- (it takes TAKES)" and writes nothing (takes = { TAKES, verb = V }: the
  -- verb a first word that is none implies).
  local function refused(takes, ...)
    local argv = { ... }
    local cmd, verb = argv[1], argv[2]
    if type(takes) == "table" then takes, verb = takes[1], takes.verb end  -- an implied verb
    local before = H.snapshot_at(db)
    local out, err, code = H.run("--db", db, ...)
    assert.are.equal(2, code, table.concat(argv, " ") .. ": " .. err)
    assert.are.equal("", out)
    local want = ("isms %s %s: "):format(cmd, verb)
    assert.are.equal(want, err:sub(1, #want), err)
    assert.truthy(err:find(("does not apply to %s (%s); see isms help %s\n"):format(verb, takes, cmd),
                           1, true), err)
    assert.are.equal(before, H.snapshot_at(db), "nothing written: " .. table.concat(argv, " "))
    return err
  end

  local function works(...)
    local out, err, code = H.run("--db", db, ...)
    assert.are.equal(0, code, table.concat({ ... }, " ") .. ": " .. err)
    return out
  end

  it("roadmap: start refuses --json, show --target; the verbs that read them still do", function()
    local err = refused("it takes --id, --title, --start, --target, --calendar, --reason",
                        "roadmap", "start", "qism-24", "--start", "2026-09-01", "--json")
    assert.truthy(err:find("--json does not apply to start", 1, true), err)
    refused("it takes --start, --calendar, --estimate, --json", "roadmap", "show", "qism-24",
            "--target", "2027-01-01")
    refused("it takes --today, --estimate, --no-record, --reason, --json", "roadmap", "status",
            "--width", "40")
    assert.are.equal("table", type(cjson.decode(works("roadmap", "show", "qism-24", "--json"))))
    assert.truthy(works("roadmap", "start", "qism-24", "--start", "2026-09-01"):find("^RM%-"))
  end)

  it("gap: import and new refuse --top; show takes it", function()
    refused("it takes --reason, --max-errors, --sheet", "gap", "import", "GA-001",
            H.file("q.csv", "x\n"), "--top", "3")
    local err = refused("it takes --framework, --assessor, --date, --title, --scope, --method, "
                        .. "--reason", "gap", "new", "--framework", "iso27001-2022",
                        "--assessor", "Ann", "--top", "3")
    assert.truthy(err:find("--top does not apply to new", 1, true), err)
    -- a first word that is no verb is the assessment of show
    refused({ "it takes --top, --team, --compare, --format, --json, --out", verb = "show" }, "gap",
            "GA-001", "--overwrite")
    assert.are.equal("GA-001\n", works("gap", "new", "--framework", "iso27001-2022",
                                       "--assessor", "Ann", "--date", "2026-11-01"))
    local model = cjson.decode(works("gap", "--top", "3", "--json"))
    assert.are.equal("Gap analysis: iso27001-2022", model.title)
  end)

  it("quant: runs and curve refuse the simulation's options; run takes them", function()
    refused("it takes --format, --json", "quant", "runs", "--top", "3")
    refused("it takes --format, --json", "quant", "curve", "--seed", "7")
    refused("it takes --top, --format, --json", "quant", "show", "--iterations", "100")
    local out = works("quant", "run", "--iterations", "1000", "--seed", "7", "--top", "1")
    assert.truthy(out:find("top 1 risks by annual loss", 1, true), out)
    assert.truthy(works("quant", "show", "--top", "1"):find("top 1 risks", 1, true))
  end)

  it("soa and rtp: a write refuses a reading option; the verb that reads it takes it", function()
    refused("it takes --applicable, --excluded, --reasons, --justification, --status, --owner, "
            .. "--reason", "soa", "set", "A.5.1", "--applicable", "--reasons", "risk",
            "--justification", "x", "--limit", "3")
    refused("it takes --scope", "soa", "check", "--format", "json")
    local soa = cjson.decode(works("soa", "show", "--format", "json", "--limit", "3"))
    assert.are.equal("Statement of Applicability", soa.title)
    refused("it takes --id, --risk, --title, --owner, --due, --control, --status, --reason",
            "rtp", "add", "--risk", "SRV-1", "--title", "t", "--owner", "IT",
            "--due", "2027-01-01", "--to", "2027-02-01")
  end)

  it("a record kind: add refuses --force; delete takes it", function()
    refused("it takes --reason", "suppliers", "add", "name=Foundry", "criticality=high", "--force")
    refused("it takes --out", "suppliers", "export", "--json")
    refused("it takes --json, --today, --within", "people", "check", "--kickoff", "2026-01-01")
    assert.are.equal("SUP-001\n", works("suppliers", "add", "name=Foundry", "criticality=high"))
    works("suppliers", "delete", "SUP-001", "--force")
    assert.are.equal(0, #cjson.decode(works("suppliers", "list", "--json")))
  end)

  it("assets, import, methodology: a write refuses what another verb reads", function()
    refused("it takes --reason", "assets", "add", "id=AST-9", "name=X", "type=service", "--force")
    refused("it takes --reason, --max-errors", "import", "risks",
            H.file("r.csv", "x\n"), "--sheet", "S")
    refused("it takes no option", "methodology", "check", "rules/methodologies/qism-fmea.lua",
            "--name", "x")
    assert.are.equal(2, #cjson.decode(works("assets", "list", "--json")))
  end)
end)
