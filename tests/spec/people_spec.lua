-- People, ISMS roles, competence and training (clauses 5.3, 7.2, 7.3):
-- the roles and programmes rule files, the people registers' own rules
-- and bad inputs (refused whole, nothing written), and the people check.
local H = require "helper"
local isms = require "isms"
local people = require "isms.people"
local prules = require "isms.people.rules"

local TABLES = { "people", "role_assignments", "competences", "training_records", "raci",
                 "record_links", "settings" }

-- Everything the people registers hold, and the change log's size.
local function dump(path)
  local sql = {}
  for _, t in ipairs(TABLES) do sql[#sql + 1] = "SELECT * FROM " .. t .. " ORDER BY 1, 2;" end
  sql[#sql + 1] = "SELECT count(*) FROM change_log; SELECT count(*) FROM change_batches;"
  local p = io.popen("sqlite3 " .. H.shell_quote(path) .. " " .. H.shell_quote(table.concat(sql, " ")))
  local s = p:read("*a")
  p:close()
  return s
end

local function new_register()
  local reg, path = H.register()
  assert(reg:import_assets(H.file("a.csv", H.GOOD)))
  local P = reg:records("people")
  assert(P:add({ id = "P-1", name = "Mei Lin", unit = "Management", joined = "2015-03-01",
                 acts_as = "Head of Design" }))
  assert(P:add({ id = "P-2", name = "Raj Kumar", unit = "IT", joined = "2020-06-01" }))
  assert(P:add({ id = "P-3", name = "Ana Costa", unit = "Design", joined = "2026-05-04" }))
  assert(P:add({ id = "P-4", name = "Vendor Bob", type = "third_party", joined = "2024-01-01",
                 left_on = "2026-03-31" }))
  return reg, path
end

local function messages(list, fmt)
  local out = {}
  for _, x in ipairs(list) do out[#out + 1] = fmt(x) end
  return table.concat(out, "\n")
end

describe("roles and programmes rule files", function()
  it("loads the shipped defaults: the guideline's structure and Table 4", function()
    local roles = assert(prules.load_roles("default"))
    for _, id in ipairs({ "top-management", "ciso", "steering-committee", "lead-team",
                          "implementation-team", "internal-auditors" }) do
      assert.truthy(roles.by_id[id], id)
      assert.truthy(#roles.by_id[id].responsibilities > 0, id)
    end
    assert.are.equal("ciso", roles.by_id["steering-committee"].chair)
    assert.is_false(roles.by_id.ciso.overlap)
    assert.is_true(roles.by_id["top-management"].overlap)
    assert.is_true(roles.by_id["top-management"].approves_set.scope)
    local p = assert(prules.load_programmes("default"))
    local g = p.by_id["general-awareness"]
    assert.are.same({ "all" }, g.audience)
    assert.is_true(g.once.before_kickoff and g.once.at_induction)
    assert.are.equal("quarterly", g.interval)
    assert.are.equal(3, g.months)
    assert.are.same({ "top-management" }, p.by_id["management-awareness"].audience)
    assert.are.same({ "ISMS internal audit" }, p.by_id["auditor-training"].grants)
    assert.is_true(prules.match(roles, p))
  end)

  local function roles_file(text) return H.file("roles.lua", text) end

  it("refuses bad roles files with file:line, kind, name and field", function()
    local cases = {
      { 'role "a" { title = "A", overlapp = true }', ":1: role 'a': overlapp: unknown field" },
      { 'role "a" { title = "A", overlap = "no" }', ":1: role 'a': overlap: expected true or false" },
      { 'role "a" { title = "A", min_holders = -1 }', ":1: role 'a': min_holders: expected a whole" },
      { 'role "a" { title = "A", approves = { "budget" } }', "approves[1]: 'budget' is not one of" },
      { 'role "a" { title = "A", chair = "b" }', ":1: role 'a': chair: no role 'b' in this file" },
      { 'role "a" { title = "A" }\nrole "a" { title = "B" }', ":2: role 'a': declared twice (first at line 1)" },
      { 'role "a b" { title = "A" }', ":1: role 'a b': bad id" },
      { 'role "a" { }', ":1: role 'a': title: expected a non-empty string" },
      { 'programme "a" { title = "A", audience = "all", frequency = "once" }', "not a roles word" },
      { '-- nothing', "declares no roles" },
      { 'os.execute("true")', "unknown name 'os'" },
    }
    for _, c in ipairs(cases) do
      local path = roles_file(c[1])
      local ok, err, code = prules.load_roles(path)
      assert.is_nil(ok)
      assert.are.equal("RULE", code)
      assert.truthy(err:find(c[2], 1, true), err)
    end
  end)

  it("refuses bad programmes files, and audiences naming roles the roles file lacks", function()
    local cases = {
      { 'programme "a" { title = "A", audience = "all", frequency = "weekly" }',
        ":1: programme 'a': frequency[1]: 'weekly' is not one of once, before_kickoff" },
      { 'programme "a" { title = "A", audience = "all", frequency = { "yearly", "quarterly" } }',
        "frequency[2]: a second interval ('quarterly' after 'yearly')" },
      { 'programme "a" { title = "A", frequency = "once" }', "audience: expected the roles" },
      { 'programme "a" { title = "A", audience = "all", frequency = "once", induction_days = 1.5 }',
        "induction_days: expected a whole number" },
      { 'programme "a" { title = "A", audience = "all", frequency = "once", days = "two" }',
        "days: expected a number of days" },
    }
    for _, c in ipairs(cases) do
      local ok, err = prules.load_programmes(H.file("p.lua", c[1]))
      assert.is_nil(ok)
      assert.truthy(err:find(c[2], 1, true), err)
    end
    local p = assert(prules.load_programmes(H.file("p.lua",
      'programme "a" { title = "A", audience = { "all", "auditors" }, frequency = "once" }')))
    local ok, err = prules.match(assert(prules.load_roles("default")), p)
    assert.is_nil(ok)
    assert.truthy(err:find(":1: programme 'a': audience[2]: no role 'auditors' in ", 1, true), err)
  end)

  it("chooses a register's files and kick-off date, refusing what does not fit", function()
    local reg = new_register()
    local c = assert(people.config(reg))
    assert.are.equal("default", c.roles_name)
    assert.is_nil(c.kickoff)
    local mine = H.file("mine.lua", 'role "boss" { title = "Boss", approves = "scope" }')
    local _, err = people.configure(reg, { roles = mine })
    -- the default programmes name roles this file lacks
    assert.truthy(err:find("audience[1]: no role 'top-management'", 1, true), err)
    _, err = people.configure(reg, { kickoff = "2026-02-30" })
    assert.truthy(err:find("kickoff: '2026-02-30' is not a date", 1, true), err)
    assert.is_nil(reg:setting("isms_kickoff"))
    c = assert(people.configure(reg, { kickoff = "2026-03-02" }))
    assert.are.equal("2026-03-02", c.kickoff)
    assert(reg:records("role-assignments"):add({ person = "P-1", role = "ciso",
                                                held_from = "2026-01-01" }))
    local progs = H.file("progs.lua", 'programme "x" { title = "X", audience = "boss", frequency = "once" }')
    _, err = people.configure(reg, { roles = mine, programmes = progs })
    assert.truthy(err:find("no role 'ciso', which role assignments use", 1, true), err)
    assert.is_nil(reg:setting("roles_rules"))
    reg:close()
  end)
end)

describe("people registers", function()
  local reg, path
  before_each(function() reg, path = new_register() end)
  after_each(function() reg:close() end)

  it("records role holders from/to and answers who holds what", function()
    local RA = reg:records("role-assignments")
    assert.are.equal("RA-001", assert(RA:add({ person = "P-1", role = "ciso",
      held_from = "2024-01-01", held_to = "2026-06-30" })).id)
    assert(RA:add({ person = "P-2", role = "ciso", held_from = "2026-07-01" }))  -- the handover
    assert(RA:add({ person = "P-1", role = "top-management", held_from = "2020-01-01" }))
    assert(RA:add({ person = "P-2", role = "top-management", held_from = "2021-01-01" }))
    local h = people.holders(reg, "ciso", "2026-06-30")
    assert.are.equal(1, #h)
    assert.are.equal("P-1", h[1].person)
    assert.are.equal("Mei Lin", h[1].name)
    assert.are.equal("P-2", people.holders(reg, "ciso", "2026-07-01")[1].person)
    assert.are.same({ "ciso", "top-management" }, people.roles_of(reg, "P-1", "2025-01-01"))
    assert.are.same({ "top-management" }, people.roles_of(reg, "P-1", "2026-07-01"))
    assert.is_true(people.may_approve(reg, "P-1", "scope", "2025-01-01"))
    local ok, err = people.may_approve(reg, "P-3", "business_case", "2026-06-01")
    assert.is_nil(ok)
    assert.truthy(err:find("P-3 holds no role that approves business case on 2026-06-01 "
                           .. "(top-management)", 1, true), err)
    assert.are.same({ "AST-1" }, people.owned_assets(reg, "P-1"))
    -- history of a role assignment comes from the change log
    assert(RA:set("RA-001", { note = "handed over" }, { reason = "new CISO" }))
    local hist = RA:history("RA-001")
    assert.are.equal("new CISO", hist[#hist].reason)
  end)

  it("refuses bad role assignments whole and writes nothing", function()
    local RA = reg:records("role-assignments")
    assert(RA:add({ id = "RA-1", person = "P-1", role = "ciso", held_from = "2026-01-01" }))
    assert(RA:add({ id = "RA-2", person = "P-1", role = "lead-team", held_from = "2026-01-01",
                    held_to = "2026-12-31" }))
    local before = dump(path)
    local cases = {
      { { person = "P-9", role = "lead-team", held_from = "2026-01-01" },
        "person: no person 'P-9' in the register" },
      { { person = "P-2", role = "cio", held_from = "2026-01-01" },
        "role: no role 'cio' in " },
      { { person = "P-2", role = "ciso", held_from = "2026-06-01" },
        "held_from: ciso is held by P-1 over 2026-01-01 to open end (RA-1), and the roles file "
        .. "allows one holder at a time (overlap = false)" },
      { { person = "P-1", role = "lead-team", held_from = "2026-12-31", held_to = "2027-06-30" },
        "held_from: P-1 holds lead-team already over 2026-01-01 to 2026-12-31 (RA-2); periods of "
        .. "one person may not overlap" },
      { { person = "P-2", role = "lead-team", held_from = "2026-02-30" },
        "held_from: '2026-02-30' is not a date YYYY-MM-DD" },
      { { person = "P-2", role = "lead-team", held_from = "next week" },
        "held_from: 'next week' is not a date" },
      { { person = "P-2", role = "lead-team", held_from = "2026-03-01", held_to = "2026-02-01" },
        "held_to: held to 2026-02-01, before it is held from 2026-03-01" },
      { { person = "P-2", role = "lead-team" }, "held_from: required" },
    }
    for _, c in ipairs(cases) do
      local ok, err, code = RA:add(c[1])
      assert.is_nil(ok)
      assert.are.equal("INPUT", code)
      assert.truthy(err:find(c[2], 1, true), err)
    end
    local _, err = RA:set("RA-1", { held_from = "2027-13-01" })
    assert.truthy(err:find("is not a date", 1, true), err)
    assert.are.equal(before, dump(path))
    -- overlapping holders are fine where the roles file allows them
    assert(RA:add({ person = "P-2", role = "lead-team", held_from = "2026-06-01" }))
  end)

  it("imports CSV all or nothing: overlaps inside one file, unknown people, columns, dates", function()
    local RA = reg:records("role-assignments")
    local before = dump(path)
    local bad = H.file("ra.csv", "id,person,role,held_from,held_to\n"
      .. "RA-10,P-1,ciso,2026-01-01,2026-06-30\n"
      .. "RA-11,P-2,ciso,2026-06-01,\n"
      .. "RA-12,P-7,lead-team,2026-01-01,\n"
      .. "RA-13,P-3,lead-team,01/02/2026,\n")
    local ok, err, code = RA:import(bad)
    assert.is_nil(ok)
    assert.are.equal("INPUT", code)
    assert.truthy(err:find(bad .. ":3:16: held_from: ciso is held by P-1 over 2026-01-01 to "
                           .. "2026-06-30 (RA-10)", 1, true), err)
    assert.truthy(err:find(bad .. ":4:7: person: no person 'P-7' in the register", 1, true), err)
    assert.truthy(err:find(bad .. ":5:21: held_from: '01/02/2026' is not a date", 1, true), err)
    assert.truthy(err:find(bad .. ": rejected; nothing was stored", 1, true), err)
    local cols = H.file("cols.csv", "id,person,role,from\nRA-1,P-1,ciso,2026-01-01\n")
    ok, err = RA:import(cols)
    assert.is_nil(ok)
    assert.truthy(err:find(cols .. ":1:16: header: unknown column 'from'", 1, true), err)
    local people_csv = H.file("people.csv", "id,name,type\nP-10,Zed,robot\n")
    ok, err = reg:records("people"):import(people_csv)
    assert.is_nil(ok)
    assert.truthy(err:find(people_csv .. ":2:10: type: 'robot' is not one of employee, "
                           .. "contractor, third_party", 1, true), err)
    local tr = H.file("tr.csv", "person,programme,completed\nP-1,general-awareness,2026-01-10\n"
      .. "P-1,phishing-101,2026-01-10\nP-99,general-awareness,2026-01-10\n")
    ok, err = reg:records("training"):import(tr)
    assert.is_nil(ok)
    assert.truthy(err:find(tr .. ":3:5: programme: no programme 'phishing-101' in ", 1, true), err)
    assert.truthy(err:find(tr .. ":4:1: person: no person 'P-99' in the register", 1, true), err)
    assert.are.equal(before, dump(path))
    -- the good file goes in whole, and exports back the same
    local good = H.file("good.csv", "id,person,role,held_from,held_to\n"
      .. "RA-10,P-1,ciso,2026-01-01,2026-06-30\nRA-11,P-2,ciso,2026-07-01,\n")
    local rep = assert(RA:import(good, { reason = "appointment letters" }))
    assert.are.equal(2, rep.created)
    local out = H.tmp("ra-out.csv")
    assert(RA:export(out))
    rep = assert(RA:import(out))
    assert.are.equal(0, rep.created + rep.updated)
  end)

  it("refuses bad people, competences, training and RACI records, writing nothing", function()
    local before = dump(path)
    local cases = {
      { "people", { name = "X", joined = "2026-05-01", left_on = "2026-04-01" },
        "left_on: left on 2026-04-01, before joining on 2026-05-01" },
      { "people", { name = "X", acts_as = "Nobody In Particular" },
        "acts_as: no party 'Nobody In Particular' in the register" },
      { "people", { name = "X", joined = "yesterday" }, "joined: 'yesterday' is not a date" },
      { "competences", { person = "P-1", competence = "CISSP", obtained = "2026-01-01",
                         expires = "2025-01-01" }, "expires: expires on 2025-01-01, before" },
      { "competences", { person = "P-404", competence = "CISSP" }, "no person 'P-404'" },
      { "training", { person = "P-1", programme = "general-awareness", completed = "2026-04-31" },
        "completed: '2026-04-31' is not a date" },
      { "training", { person = "P-1", programme = "general-awareness" }, "completed: required" },
      { "training", { person = "P-1", programme = "general-awareness", completed = "2026-04-01",
                      result = "so-so" }, "result: 'so-so' is not one of" },
      { "raci", { activity = "scope", accountable = "nobody", responsible = "lead-team" },
        "accountable: 'nobody' is neither a role of " },
      { "raci", { activity = "scope", accountable = "top-management" },
        "responsible: name who is responsible" },
      { "raci", { activity = "scope", accountable = "top-management",
                  responsible = "lead-team; P-77" }, "responsible: 'P-77' is neither" },
    }
    for _, c in ipairs(cases) do
      local ok, err, code = reg:records(c[1]):add(c[2])
      assert.is_nil(ok)
      assert.are.equal("INPUT", code)
      assert.truthy(err:find(c[3], 1, true), c[1] .. ": " .. tostring(err))
    end
    assert.are.equal(before, dump(path))
    assert(reg:records("raci"):add({ activity = "QISM-08 scope and policy",
      accountable = "top-management", responsible = "lead-team; P-2", consulted = "steering-committee",
      informed = "implementation-team" }))
  end)
end)

describe("the people check", function()
  local reg
  before_each(function()
    reg = new_register()
    assert(people.configure(reg, { kickoff = "2026-03-02" }))
    local RA = reg:records("role-assignments")
    assert(RA:add({ person = "P-1", role = "top-management", held_from = "2020-01-01" }))
    assert(RA:add({ person = "P-1", role = "ciso", held_from = "2026-01-01" }))
    assert(RA:add({ person = "P-2", role = "internal-auditors", held_from = "2026-01-01" }))
    assert(RA:add({ person = "P-4", role = "implementation-team", held_from = "2024-01-01" }))
    local T = reg:records("training")
    -- P-1: awareness before the kick-off, a refresher quarter later
    assert(T:add({ person = "P-1", programme = "general-awareness", completed = "2026-02-20" }))
    assert(T:add({ person = "P-1", programme = "management-awareness", completed = "2026-02-21" }))
    assert(T:add({ person = "P-1", programme = "implementation-training", completed = "2025-11-03" }))
    -- P-2: awareness after the kick-off (late), auditor training failed once then passed
    assert(T:add({ person = "P-2", programme = "general-awareness", completed = "2026-03-10" }))
    assert(T:add({ person = "P-2", programme = "auditor-training", completed = "2026-02-01",
                   result = "failed" }))
  end)
  after_each(function() reg:close() end)

  local function find(rep, person, programme)
    for _, p in ipairs(rep.programmes) do
      if p.person == person and p.programme == programme then return p end
    end
  end

  it("finds missing programmes, refreshers due, missing competences and unfilled roles", function()
    local rep = assert(people.check(reg, { today = "2026-06-01", within = 30 }))
    -- P-1 took general awareness on 2026-02-20: quarterly, due again on 2026-05-20
    local p = find(rep, "P-1", "general-awareness")
    assert.are.equal("overdue", p.status)
    assert.are.equal("2026-05-20", p.due_on)
    -- management awareness is yearly: due 2027-02-21, beyond the 30 days
    assert.is_nil(find(rep, "P-1", "management-awareness"))
    -- P-2's awareness (2026-03-10) is due again on 2026-06-10: within 30 days
    assert.are.equal("refresher", find(rep, "P-2", "general-awareness").status)
    -- P-2 holds internal-auditors: implementation and auditor training (the failed one does not count)
    assert.are.equal("missing", find(rep, "P-2", "implementation-training").status)
    assert.are.equal("missing", find(rep, "P-2", "auditor-training").status)
    -- P-3 joined on 2026-05-04, after the kick-off: 30 days of induction, due 2026-06-03
    p = find(rep, "P-3", "general-awareness")
    assert.are.equal("due", p.status)
    assert.are.equal("induction", p.occasion)
    assert.are.equal("2026-06-03", p.due_on)
    -- P-4 left on 2026-03-31: no longer required to train
    assert.is_nil(find(rep, "P-4", "general-awareness"))
    -- competence: the CISO needs "ISMS implementation" (P-1's training grants it);
    -- the auditor needs "ISMS internal audit" (failed training does not grant it)
    local comp = messages(rep.competence, function(c) return c.person .. "|" .. c.role .. "|"
      .. c.competence end)
    assert.is_nil(comp:find("P-1|ciso", 1, true), comp)
    assert.truthy(comp:find("P-2|internal-auditors|ISMS internal audit", 1, true), comp)
    -- unfilled: the steering committee (3), lead team, implementation team (P-4 left)
    local unf = messages(rep.unfilled, function(u) return u.role .. "|" .. u.holders .. "|"
      .. u.min_holders end)
    assert.are.equal("steering-committee|0|3\nlead-team|0|1\nimplementation-team|0|1", unf)
    -- the CISO chairs a committee she is not a member of; P-4 left but still holds a role
    local probs = messages(rep.problems, function(x) return x.person .. "|" .. x.role .. "|"
      .. x.problem end)
    assert.truthy(probs:find("P-1|ciso|chairs steering-committee but is not one of its members",
                             1, true), probs)
    assert.truthy(probs:find("P-4|implementation-team|left on 2026-03-31 but RA-", 1, true), probs)
    -- trained: of P-1, P-2, P-3 only P-3 (still within induction) lacks nothing overdue
    assert.are.same({ people = 3, trained = 1, share = 1 / 3 }, rep.trained)
    -- what the record check finds: a forced delete leaves dangling references
    assert(reg:records("people"):delete("P-2", { force = true }))
    rep = assert(people.check(reg, { today = "2026-06-01", within = 30 }))
    probs = messages(rep.problems, function(x) return x.person .. "|" .. tostring(x.role) .. "|"
      .. x.problem end)
    assert.truthy(probs:find("P-2|internal-auditors|RA-003 names a person not in the people "
                             .. "register", 1, true), probs)
  end)

  it("clears as records arrive, and competence records with expiry count", function()
    local T = reg:records("training")
    assert(T:add({ person = "P-1", programme = "general-awareness", completed = "2026-05-25" }))
    assert(T:add({ person = "P-2", programme = "auditor-training", completed = "2026-04-15",
                   result = "passed" }))
    assert(T:add({ person = "P-2", programme = "implementation-training", completed = "2026-04-16" }))
    local C = reg:records("competences")
    assert(C:add({ person = "P-2", competence = "isms internal audit", obtained = "2020-01-01",
                   expires = "2021-01-01" }))  -- expired: the passed training grants it anyway
    local rep = assert(people.check(reg, { today = "2026-06-01", within = 0 }))
    assert.is_nil(find(rep, "P-1", "general-awareness"))
    assert.is_nil(find(rep, "P-2", "auditor-training"))
    assert.are.equal(0, #rep.competence)
    -- a competence required by a role, met by a record valid today (any case)
    assert(reg:records("role-assignments"):add({ person = "P-3", role = "lead-team",
                                                 held_from = "2026-05-04" }))
    assert(C:add({ person = "P-3", competence = "Information Security Risk Management",
                   obtained = "2025-01-01" }))
    rep = assert(people.check(reg, { today = "2026-06-01", within = 0 }))
    local comp = messages(rep.competence, function(c) return c.person .. "|" .. c.competence end)
    assert.are.equal("P-3|ISMS implementation", comp)
  end)

  it("runs from the command line with --json, exit 1 while problems remain", function()
    local path = reg.path
    reg:close()
    local out, err, code = H.run("--db", path, "people", "check", "--today", "2026-06-01")
    assert.are.equal(1, code, err)
    assert.truthy(out:find("lacking a required programme", 1, true), out)
    assert.truthy(out:find("unfilled roles (3):", 1, true), out)
    assert.truthy(out:find("trained: 1 of 3 people", 1, true), out)
    out, err, code = H.run("--db", path, "people", "check", "--today", "2026-06-01", "--json")
    assert.are.equal(1, code, err)
    local cjson = require "cjson"
    local rep = cjson.decode(out)
    assert.are.equal(3, rep.trained.people)
    assert.are.equal("2026-06-01", rep.today)
    local _
    _, err, code = H.run("--db", path, "people", "check", "--today", "June")
    assert.are.equal(2, code)
    assert.truthy(err:find("--today: 'June' is not a date", 1, true), err)
    _, err, code = H.run("--db", path, "people", "list", "--today", "2026-06-01")
    assert.are.equal(2, code)
    assert.truthy(err:find("isms people list: --today does not apply to list (it takes --format, "
                           .. "--json, --", 1, true), err)
    out = H.run("--db", path, "people", "roles", "--json")
    assert.truthy(out:find('"role":"steering-committee"', 1, true), out)
    _, err, code = H.run("--db", path, "role-assignments", "add", "person=P-3", "role=ciso",
                         "held_from=2026-05-04")
    assert.are.equal(3, code)
    assert.truthy(err:find("ciso is held by P-1", 1, true), err)
    reg = assert(isms.open(path))
  end)
end)
