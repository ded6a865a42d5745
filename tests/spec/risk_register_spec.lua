-- The risk register: generation from catalogs, edits with the change log,
-- CSV import and export (all or nothing), scoring, assessment and what-if.
local H = require "helper"

local function register_with_assets()
  local reg, path = H.register()
  assert(reg:import_assets(H.file("assets.csv", [[
id,name,type,owner,outsourced,c,i,a
SRV-1,Build server,physical,IT,no,2,3,3
DOC-1,Design files,information,Engineering,no,4,3,2
SVC-1,Cloud mail,service,,yes,3,2,2
]])))
  return reg, path
end

local CATALOG = [[
catalog "tiny" { title = "Tiny catalog" }
threat_class "physical" { title = "Physical damage" }
threat_class "compromise" { title = "Compromise of information" }
threat "T-FIRE" { class = "physical", title = "Fire", applies_to = { "physical" },
  vulnerabilities = { "V-NO-DETECT" }, category = "operational", impacts = { "repair" } }
threat "T-LEAK" { class = "compromise", title = "Leak", applies_to = { "information", "service" },
  vulnerabilities = { "V-NO-CLASS", "V-WEAK-AUTH" }, category = "reputation" }
threat "T-OUTAGE" { class = "physical", title = "Outage", applies_to = { "service" } }
vulnerability "V-NO-DETECT" { title = "No fire detection" }
vulnerability "V-NO-CLASS" { title = "No classification", applies_to = { "information" } }
vulnerability "V-WEAK-AUTH" { title = "Weak authentication" }
]]

describe("risk register", function()
  it("generates one risk per applicable asset, threat and vulnerability", function()
    local reg = register_with_assets()
    local rep = assert(reg:generate_risks(H.file("tiny.lua", CATALOG)))
    assert.are.equal(5, rep.created)
    local refs = {}
    for _, r in ipairs(reg:risks()) do refs[#refs + 1] = r.ref end
    assert.are.same({ "DOC-1/T-LEAK/V-NO-CLASS", "DOC-1/T-LEAK/V-WEAK-AUTH",
                      "SRV-1/T-FIRE/V-NO-DETECT", "SVC-1/T-LEAK/V-WEAK-AUTH", "SVC-1/T-OUTAGE" },
                    refs)
    -- Generating again adds nothing and changes nothing.
    local snap = H.snapshot(reg)
    local again = assert(reg:generate_risks(H.file("tiny.lua", CATALOG)))
    assert.are.equal(0, again.created)
    local r = reg:risk("SRV-1/T-FIRE/V-NO-DETECT")
    assert.are.equal("operational", r.category)
    assert.are.equal("repair", r.impacts)
    assert.are.equal("IT", r.owners)
    assert.are.equal("Fire", r.threat_title)
    assert.truthy(#H.snapshot(reg) >= #snap)
  end)

  it("rates, scores and logs every change", function()
    local reg = register_with_assets()
    assert(reg:generate_risks(H.file("tiny.lua", CATALOG)))
    local ref = "SRV-1/T-FIRE/V-NO-DETECT"
    assert(reg:set_risk(ref, { ratings = { S = 8, O = "5", D = 6 }, obligations = { legal = true } },
                        "workshop"))
    local r = reg:risk(ref)
    assert.are.equal(240, r.score)
    assert.are.equal("High", r.level)
    assert.is_false(r.acceptable)
    local fields = {}
    for _, c in ipairs(reg:changes(ref)) do
      if c.action == "update" then fields[#fields + 1] = c.field .. "=" .. tostring(c.new) end
    end
    table.sort(fields)
    assert.are.same({ "acceptable=0", "level=High", "level_rank=3", "obligations=1", "r1=8",
                      "r2=5", "r3=6", "score=240000000" }, fields)
    assert(reg:set_risk(ref, { ratings = { S = 2, O = 2, D = 2 } }))
    r = reg:risk(ref)
    assert.are.equal("Low", r.level)
    -- 8 is Low: the general, class A and obligations criteria all hold.
    assert.is_true(r.acceptable)
  end)

  it("rejects a bad edit whole and keeps everything", function()
    local reg = register_with_assets()
    assert(reg:generate_risks(H.file("tiny.lua", CATALOG)))
    local before = H.snapshot(reg)
    local ok, err, code = reg:put_risks({
      { ref = "SRV-1/T-FIRE/V-NO-DETECT", ratings = { S = 3, O = 3, D = 3 } },
      { ref = "NEW-1", asset = "SRV-1", threat = "T-FIRE", ratings = { S = 11 } },
    })
    assert.is_nil(ok)
    assert.are.equal("INPUT", code)
    assert.are.equal("risk NEW-1: ratings: 11 is not a tier of S (1-10)", err)
    ok, err = reg:put_risks({ { ref = "NEW-2", asset = "NOPE", threat = "T-FIRE" } })
    assert.is_nil(ok)
    assert.are.equal("risk NEW-2: no asset 'NOPE' in the register", err)
    assert.are.equal(before, H.snapshot(reg))
  end)

  it("deletes risks and keeps their last values in the change log", function()
    local reg = register_with_assets()
    assert(reg:generate_risks(H.file("tiny.lua", CATALOG)))
    assert(reg:delete_risks({ "SVC-1/T-OUTAGE" }, "out of scope"))
    assert.is_nil(reg:risk("SVC-1/T-OUTAGE"))
    local logged = {}
    for _, c in ipairs(reg:changes("SVC-1/T-OUTAGE")) do
      if c.action == "delete" then logged[c.field] = c.old end
    end
    assert.are.equal("SVC-1", logged.asset)
    assert.are.equal("T-OUTAGE", logged.threat)
    local ok, err, code = reg:delete_risks({ "SVC-1/T-OUTAGE" })
    assert.is_nil(ok)
    assert.are.equal("NOTFOUND", code)
    assert.are.equal("no risk 'SVC-1/T-OUTAGE' in the register", err)
  end)

  it("exports and imports risks as CSV, byte for byte", function()
    local reg = register_with_assets()
    assert(reg:generate_risks(H.file("tiny.lua", CATALOG)))
    assert(reg:set_risk("DOC-1/T-LEAK/V-NO-CLASS", { ratings = { S = 9, O = 4, D = 5 },
      obligations = { contractual = true }, controls = "DLP, \"need to know\"" }))
    local out1 = H.tmp("r1.csv")
    local _, _, rc = H.run("--db", reg.path, "risks", "export", out1)
    assert.are.equal(0, rc)
    local reg2 = register_with_assets()
    local _, err, rc2 = H.run("--db", reg2.path, "risks", "import", out1)
    assert.are.equal(0, rc2, err)
    local out2 = H.tmp("r2.csv")
    H.run("--db", reg2.path, "export", "risks", out2)  -- the same as risks export
    assert.are.equal(H.read(out1), H.read(out2))
    assert.truthy(H.read(out1):find('"DLP, ""need to know"""', 1, true))
  end)
end)

describe("risk CSV import rejects bad rows whole", function()
  local HEAD = "ref,asset,threat,S,O,D,category,legal\n"
  local cases = {
    { "an unknown asset", HEAD .. "R-1,NOPE,T-X,1,1,1,,no\n",
      "bad.csv:2:5: asset: no asset 'NOPE' in the register" },
    { "a rating off the scale", HEAD .. "R-1,SRV-1,T-X,11,1,1,,no\n",
      "bad.csv:2:15: S: 11 is not a tier of S (1-10)" },
    { "an unknown category", HEAD .. "R-1,SRV-1,T-X,1,1,1,sales,no\n",
      "bad.csv:2:21: category: unknown category 'sales'" },
    { "a flag that is not yes or no", HEAD .. "R-1,SRV-1,T-X,1,1,1,,maybe\n",
      "bad.csv:2:22: legal: 'maybe' is not yes or no" },
    { "a duplicate ref", HEAD .. "R-1,SRV-1,T-X,1,1,1,,no\nR-1,SRV-1,T-Y,1,1,1,,no\n",
      "bad.csv:3:1: ref: duplicate ref 'R-1' (first on line 2)" },
    { "a short row", HEAD .. "R-1,SRV-1,T-X\n", "bad.csv:2:14: row: row has 3 fields, the header has 8" },
    { "an unknown column", "ref,asset,threat,colour\nR-1,SRV-1,T-X,red\n",
      "bad.csv:1:18: header: unknown column 'colour'" },
    { "broken quoting", HEAD .. 'R-1,SRV-1,"T-X"x,1,1,1,,no\n', "bad.csv:2:1: malformed quoting" },
    { "invalid UTF-8", HEAD .. "R-1,SRV-1,T-\233,1,1,1,,no\n", "bad.csv:2:13: is not valid UTF-8" },
  }
  for _, case in ipairs(cases) do
    it(case[1], function()
      local reg = register_with_assets()
      assert(reg:put_risks({ { ref = "KEEP", asset = "SRV-1", threat = "T-FIRE",
                               ratings = { S = 2, O = 2, D = 2 } } }))
      local before = H.snapshot(reg)
      local path = H.tmp("bad.csv")
      H.write(path, case[2])
      local _, err, rc = H.run("--db", reg.path, "risks", "import", path)
      assert.are.equal(3, rc)
      err = err:gsub(H.dir .. "/%d+%-", "")
      assert.truthy(err:find(case[3], 1, true), "got: " .. err)
      assert.truthy(err:find("nothing was stored", 1, true))
      assert.are.equal(before, H.snapshot(reg))
    end)
  end
end)

describe("assessment and what-if", function()
  local function rated()
    local reg = register_with_assets()
    assert(reg:generate_risks(H.file("tiny.lua", CATALOG)))
    assert(reg:put_risks({
      { ref = "SRV-1/T-FIRE/V-NO-DETECT", ratings = { S = 9, O = 5, D = 5 } },           -- 225 High
      { ref = "DOC-1/T-LEAK/V-NO-CLASS", ratings = { S = 5, O = 5, D = 5 },
        obligations = { legal = true } },                                                  -- 125 Medium
      { ref = "DOC-1/T-LEAK/V-WEAK-AUTH", ratings = { S = 5, O = 5, D = 5 } },            -- 125 Medium
      { ref = "SVC-1/T-OUTAGE", ratings = { S = 1, O = 2, D = 3 }, decision = "accept" }, -- 6 Low
    }))
    return reg
  end

  it("prioritises by level, score, then obligations, the same every time", function()
    local reg = rated()
    local out1, _, rc = H.run("--db", reg.path, "assess", "--top", "0")
    assert.are.equal(0, rc)
    local out2 = H.run("--db", reg.path, "assess", "--top", "0")
    assert.are.equal(out1, out2)
    local order = {}
    for ref in out1:gmatch("\n%d+%s+(%S+)") do order[#order + 1] = ref end
    assert.are.same({ "SRV-1/T-FIRE/V-NO-DETECT", "DOC-1/T-LEAK/V-NO-CLASS",
                      "DOC-1/T-LEAK/V-WEAK-AUTH", "SVC-1/T-OUTAGE", "SVC-1/T-LEAK/V-WEAK-AUTH" },
                    order)
    assert.truthy(out1:find("g%-h%s+impact and likelihood rated%s+missing%s+4%s+1"))
    assert.truthy(out1:find("a%s+assets and owners%s+missing%s+2%s+1"))
  end)

  it("what-if changes nothing and reports the moves", function()
    local reg = rated()
    local before = H.snapshot(reg)
    local strict = H.file("strict.lua", [[
methodology "strict" { extends = "qism-fmea" }
risk_level "Low" { range = { 1, 49 } }
risk_level "Medium" { range = { 50, 124 } }
risk_level "High" { range = { 125, 1000 } }
]])
    local out, err, rc = H.run("--db", reg.path, "whatif", strict)
    assert.are.equal(0, rc, err)
    assert.truthy(out:find("2 of 5 risks change level or acceptance", 1, true), out)
    assert.truthy(out:find("Medium%s+0%s+0%s+2%s+0"), out)
    assert.are.equal(before, H.snapshot(reg))
    local _, err2, rc2 = H.run("--db", reg.path, "whatif", "iso27005-5x5")
    assert.are.equal(3, rc2)
    assert.truthy(err2:find("rates risks on likelihood, impact; this register's ratings are on S, O, D",
                            1, true), err2)
  end)
end)

describe("risk decisions", function()
  it("record who decided and when", function()
    local reg = register_with_assets()
    assert(reg:set_actor("ciso@example"))
    assert(reg:put_risks({ { ref = "R-1", asset = "SRV-1", threat = "T-FIRE",
                             ratings = { S = 2, O = 2, D = 2 } } }))
    assert(reg:set_risk("R-1", { decision = "accept", rationale = "low and insured" }))
    local r = reg:risk("R-1")
    assert.are.equal("accept", r.decision)
    assert.are.equal("ciso@example", r.decided_by)
    assert.are.equal(os.date("!%Y-%m-%d"), r.decided_at)
    assert.are.equal("low and insured", r.rationale)
    local ok, err = reg:set_risk("R-1", { decision = "ignore" })
    assert.is_nil(ok)
    assert.are.equal("risk R-1: decision: 'ignore' is not accept or treat", err)
  end)
end)

describe("risk commands at the edges", function()
  it("assess and risks list --top write CSV and JSON", function()
    local reg = register_with_assets()
    assert(reg:put_risks({ { ref = "R-1", asset = "SRV-1", threat = "T-FIRE",
                             ratings = { S = 2, O = 2, D = 2 } } }))
    local csv, err, rc = H.run("--db", reg.path, "assess", "--format", "csv")
    assert.are.equal(0, rc, err)
    assert.are.equal("priority,ref,asset,class,threat,level,score,obligations,acceptable,decision,"
                     .. "owners\n1,R-1,SRV-1,A,T-FIRE,Low,8,,yes,,\n", csv)
    local json, _, rc2 = H.run("--db", reg.path, "risks", "list", "--top", "1", "--format", "json")
    assert.are.equal(0, rc2)
    assert.truthy(json:find('"ref":"R-1"', 1, true), json)
  end)

  it("usage errors exit 2, unknown fields too (as every register's set)", function()
    local reg = register_with_assets()
    local _, _, rc = H.run("--db", reg.path, "risks", "generate")
    assert.are.equal(2, rc)
    assert(reg:put_risks({ { ref = "R-1", asset = "SRV-1", threat = "T-FIRE" } }))
    local _, err, rc2 = H.run("--db", reg.path, "risks", "set", "R-1", "colour=red")
    assert.are.equal(2, rc2)
    assert.truthy(err:find("risk R-1: unknown field 'colour'", 1, true), err)
  end)

  it("a predicate failing on real data is reported, not crashed on", function()
    local reg = register_with_assets()
    assert(reg:put_risks({ { ref = "R-1", asset = "SVC-1", threat = "T-X",
                             ratings = { S = 2, O = 2, D = 2 } } }))
    local picky = H.file("picky.lua", [[
methodology "picky" { extends = "qism-fmea" }
acceptance "services" {
  when = { asset_type = { "service" } },
  predicate = function(r) if r.asset.outsourced then error("outsourced: ask legal") end return true end,
}
]])
    local before = H.snapshot(reg)
    local _, err, rc = H.run("--db", reg.path, "whatif", picky)
    assert.are.equal(3, rc)
    assert.truthy(err:find("picky.lua:4: outsourced: ask legal", 1, true), err)
    assert.are.equal(before, H.snapshot(reg))
  end)

  it("a register whose methodology only scores risks imports assets without valuing them", function()
    local reg = assert(require("isms").open(H.tmp("r.db")))
    assert(reg:set_methodology("iso27005-5x5"))
    local rep = assert(reg:import_assets(H.file("a.csv", "id,name,type,c,i,a\nX-1,One,software,2,2,2\n")))
    assert.are.equal(1, rep.created)
    local ok, err, code = reg:value()
    assert.is_nil(ok)
    assert.are.equal("INPUT", code)
    assert.are.equal("methodology iso27005-5x5 does not value assets (no C, I, A and asset_class)", err)
  end)

  it("a risk CSV without obligation columns keeps the stored obligations", function()
    local reg = register_with_assets()
    assert(reg:put_risks({ { ref = "R-1", asset = "SRV-1", threat = "T-FIRE",
                             obligations = { legal = true } } }))
    local _, err, rc = H.run("--db", reg.path, "risks", "import",
                             H.file("r.csv", "ref,asset,threat,S,O,D\nR-1,SRV-1,T-FIRE,3,3,3\n"))
    assert.are.equal(0, rc, err)
    local r = reg:risk("R-1")
    assert.are.equal(1, r.obligations)
    assert.are.equal(27, r.score)
  end)

  it("threat ids stay text", function()
    local reg = register_with_assets()
    assert(reg:generate_risks(H.file("tiny.lua", CATALOG)))
    local iter = reg:rows("threats")
    assert.are.equal("T-FIRE", iter().id)
  end)
end)

describe("risk register in columns", function()
  local risk_register = require "isms.risk.register"
  local isms = require "isms"

  local function rated_register()
    local reg = register_with_assets()
    assert(reg:generate_risks(H.file("tiny.lua", CATALOG)))
    assert(reg:put_risks({
      { ref = "SRV-1/T-FIRE/V-NO-DETECT", ratings = { S = 9, O = 5, D = 5 } },
      { ref = "DOC-1/T-LEAK/V-NO-CLASS", ratings = { S = 5, O = 5, D = 5 },
        obligations = { legal = true } },
      { ref = "DOC-1/T-LEAK/V-WEAK-AUTH", ratings = { S = 5, O = 5, D = 5 } },
      { ref = "SVC-1/T-OUTAGE", ratings = { S = 1, O = 2, D = 3 }, decision = "accept" },
    }))
    return reg
  end

  -- Runs SQL on a register file beside the library (the sqlite3 shell).
  local function sql(reg, text)
    assert.are.equal(0, os.execute("sqlite3 " .. H.shell_quote(reg.path) .. " "
                                   .. H.shell_quote(text)))
  end

  it("assess over the columns gives the known answer of a small register", function()
    local reg = rated_register()
    local csv, err, rc = H.run("--db", reg.path, "assess", "--format", "csv")
    assert.are.equal(0, rc, err)
    assert.are.equal(table.concat({
      "priority,ref,asset,class,threat,level,score,obligations,acceptable,decision,owners",
      "1,SRV-1/T-FIRE/V-NO-DETECT,SRV-1,A,T-FIRE,High,225,,no,,IT",        -- High: treat
      "2,DOC-1/T-LEAK/V-NO-CLASS,DOC-1,A,T-LEAK,Medium,125,legal,no,,Engineering",  -- class A: Low only
      "3,DOC-1/T-LEAK/V-WEAK-AUTH,DOC-1,A,T-LEAK,Medium,125,,no,,Engineering",      -- fewer obligations
      "4,SVC-1/T-OUTAGE,SVC-1,B,T-OUTAGE,Low,6,,yes,accept,",
      "5,SVC-1/T-LEAK/V-WEAK-AUTH,SVC-1,B,T-LEAK,unrated,,,,,", "" }, "\n"), csv)
    local out = H.run("--db", reg.path, "assess")
    local steps = {}
    for id, status, done, missing in out:gmatch("\n(%S+) +[^\n]-  +(%a+) +(%d+) +(%d+)") do
      steps[#steps + 1] = table.concat({ id, status, done, missing }, " ")
    end
    assert.are.same({
      "a missing 2 1",      -- SVC-1 has no owner
      "b done 3 0", "c done 3 0",
      "d missing 1 4",      -- only T-FIRE names its impacts
      "e missing 3 2",      -- SVC-1's risks have no owner
      "f missing 0 5", "g-h missing 4 1", "i missing 4 1",
      "j missing 0 3",      -- three unacceptable risks, none decided
    }, steps)
    -- A stored level out of date counts at step i until re-scored.
    sql(reg, "UPDATE risks SET level = 'Low' WHERE ref = 'SRV-1/T-FIRE/V-NO-DETECT'")
    assert.truthy(H.run("--db", reg.path, "assess"):find("\ni +risk levels[^\n]-missing +3 +2"))
    local text, _, rc2 = H.run("--db", reg.path, "risks", "score")
    assert.are.equal(0, rc2)
    assert.are.equal("scored 5 risks under qism-fmea; 1 changed\n", text)
    assert.truthy(H.run("--db", reg.path, "assess"):find("\ni +risk levels[^\n]-missing +4 +1"))
  end)

  it("evaluates the columns as the row path does, predicates included", function()
    local reg = rated_register()
    assert(reg:put_risks({
      { ref = "SVC-1/T-LEAK/V-WEAK-AUTH", ratings = { S = 3, O = 3, D = 3 },
        obligations = { contractual = true }, impacts = { "reputation", "repair" } },
      { ref = "X-1", asset = "SVC-1", threat = "T-X", ratings = { S = 3, O = 3, D = 3 } },
      { ref = "X-2", asset = "SRV-1", threat = "T-X", ratings = { S = 7, O = 3, D = 1 },
        category = "governance" },
    }))
    local views = assert(isms.methodology.load(H.file("views.lua", [[
methodology "views" { extends = "qism-fmea" }
acceptance "seen" {
  predicate = function(r)
    return (r.impacts.repair and (r.asset.value or 0) > 12) or r.obligations.contractual
      or (r.ratings.S < 4 and r.asset.outsourced) or r.category == "governance"
  end,
}
]])))
    local strict = assert(isms.methodology.load("demo/qism-strict.lua"))
    local t = assert(reg:risk_table())
    local rows = reg:risks()
    assert.are.equal(#rows, t.n)
    for _, m in ipairs({ reg:methodology(), strict, views }) do
      local want = risk_register.evaluate(m, rows)
      local got = risk_register.evaluate_table(m, t)
      local order = got.order()
      for i, row in ipairs(rows) do
        assert.are.equal(row.ref, t:ref(i - 1))
        assert.are.equal(want.score[i], tonumber(got.score[i - 1]), row.ref)
        assert.are.equal(want.rank[i], got.rank[i - 1], row.ref)
        assert.are.equal(want.acceptable[i], got.acceptable[i - 1] == 1, m:name() .. " " .. row.ref)
        assert.are.equal(want.order[i], order[i - 1] + 1)
      end
    end
    -- The predicate does decide: not every rated risk is acceptable.
    local got = risk_register.evaluate_table(views, t)
    local acc = 0
    for i = 0, t.n - 1 do acc = acc + got.acceptable[i] end
    assert.is_true(acc > 0 and acc < t.n - 1)
  end)

  it("reads one asset's risks, finds refs and assets", function()
    local reg = rated_register()
    local t = assert(reg:risk_table({ asset = "DOC-1" }))
    assert.are.equal(2, t.n)
    assert.are.equal("DOC-1/T-LEAK/V-NO-CLASS", t:ref(0))
    assert.are.equal(1, t:find("DOC-1/T-LEAK/V-WEAK-AUTH"))
    assert.is_nil(t:find("SRV-1/T-FIRE/V-NO-DETECT"))
    assert.are.same({ class = "A", type = "information", value = 24, outsourced = false,
                      group = false, c = 4, i = 3, a = 2 }, t:asset("DOC-1"))
    assert.are.same({ asset = "DOC-1", category = "reputation", obligations = 1,
                      ratings = { S = 5, O = 5, D = 5 } }, t:stored(0))
    assert.are.equal("SRV-1", reg:risk("SRV-1/T-FIRE/V-NO-DETECT").asset)
    assert.is_nil(reg:risk("NOPE"))
  end)

  it("a generation failing half-way changes nothing", function()
    local reg = register_with_assets()
    -- (The first writer fixes the register's factors, in a batch of its own.)
    assert(reg:set_setting("risk_factors", "S,O,D"))
    sql(reg, "CREATE TRIGGER boom BEFORE INSERT ON risks WHEN NEW.asset = 'SVC-1'"
             .. " BEGIN SELECT RAISE(ABORT, 'boom'); END")
    local before = H.snapshot(reg)
    local ok, err, code = reg:generate_risks(H.file("tiny.lua", CATALOG))
    assert.is_nil(ok)
    assert.are.equal("INPUT", code)
    assert.truthy(err:find("boom", 1, true), err)
    -- DOC-1's and SRV-1's risks were written before SVC-1's: all rolled back.
    assert.are.equal(before, H.snapshot(reg))
    assert.are.equal(0, #reg:risks())
  end)

  it("a re-scoring failing half-way changes nothing", function()
    local reg = rated_register()
    -- Ratings changed behind the register's back: every rated risk moves.
    sql(reg, "UPDATE risks SET r1 = 10 WHERE r1 IS NOT NULL")
    sql(reg, "CREATE TRIGGER boom BEFORE UPDATE ON risks WHEN NEW.ref = 'SVC-1/T-OUTAGE'"
             .. " BEGIN SELECT RAISE(ABORT, 'boom'); END")
    local before = H.snapshot(reg)
    local n, err, code = reg:score_risks()
    assert.is_nil(n)
    assert.are.equal("INPUT", code)
    assert.truthy(err:find("risk SVC-1/T-OUTAGE: boom", 1, true), err)
    assert.are.equal(before, H.snapshot(reg))
    -- A predicate failing on real data stops it before any write as well.
    sql(reg, "DROP TRIGGER boom")
    local picky = assert(isms.methodology.load(H.file("picky.lua", [[
methodology "picky" { extends = "qism-fmea" }
acceptance "services" {
  when = { asset_type = { "service" } },
  predicate = function(r) if r.asset.outsourced then error("outsourced: ask legal") end return true end,
}
]])))
    local n2, err2, code2 = reg:score_risks(picky)
    assert.is_nil(n2)
    assert.are.equal("RULE", code2)
    assert.truthy(err2:find("outsourced: ask legal", 1, true), err2)
    assert.are.equal(before, H.snapshot(reg))
    -- Once it can run, only what moved is written, each field logged.
    local changed, total = assert(reg:score_risks())
    assert.are.equal(4, changed)
    assert.are.equal(5, total)
    local logged = {}
    for _, c in ipairs(reg:changes("SVC-1/T-OUTAGE")) do
      if c.action == "update" and c.batch == reg:batches()[#reg:batches()].id then
        logged[#logged + 1] = c.field .. ":" .. tostring(c.old) .. ">" .. tostring(c.new)
      end
    end
    assert.are.same({ "score:6000000>60000000" }, logged)
  end)
end)

describe("risk register verbs: show, add, check, --json", function()
  local cjson = require "cjson"

  it("shows every field of one risk and its history, ratings by factor name", function()
    local reg = register_with_assets()
    assert(reg:put_risks({ { ref = "R-1", asset = "SRV-1", threat = "T-FIRE", owners = "IT" } }))
    local _, err, rc = H.run("--db", reg.path, "risks", "set", "R-1", "S=7", "O=3", "D=2",
                             "--reason", "workshop")
    assert.are.equal(0, rc, err)
    local out
    out, err, rc = H.run("--db", reg.path, "risks", "show", "R-1")
    assert.are.equal(0, rc, err)
    for _, line in ipairs({ "ref            R-1\n", "asset          SRV-1\n", "S              7\n",
                            "score          42\n", "owners         IT\n" }) do
      assert.truthy(out:find(line, 1, true), line .. " in\n" .. out)
    end
    assert.truthy(out:find("update S:  -> 7  (workshop)", 1, true), out)
    assert.truthy(out:find("update score:  -> 42  (workshop)", 1, true), out)
    local j = cjson.decode((H.run("--db", reg.path, "risks", "show", "R-1", "--json")))
    assert.are.equal("R-1", j.ref)
    assert.are.equal("7", j.S)
    assert.truthy(#j.history >= 4)
    _, err, rc = H.run("--db", reg.path, "risks", "show", "R-9")
    assert.are.equal(4, rc)
    assert.truthy(err:find("no risk 'R-9' in the register", 1, true), err)
    -- --json on list is --format json
    local list = H.run("--db", reg.path, "risks", "list", "--json")
    assert.are.equal(list, (H.run("--db", reg.path, "risks", "list", "--format", "json")))
    assert.are.equal("R-1", cjson.decode(list)[1].ref)
    _, err, rc = H.run("--db", reg.path, "risks", "list", "--json", "--format", "csv")
    assert.are.equal(2, rc)
    assert.truthy(err:find("--json and --format csv contradict", 1, true), err)
  end)

  it("adds one risk with the import's checks, or refuses it and writes nothing", function()
    local reg = register_with_assets()
    local out, err, rc = H.run("--db", reg.path, "risks", "add", "ref=R-2", "asset=DOC-1",
                               "threat=T-LEAK", "S=5", "O=2", "D=2", "owners=Engineering")
    assert.are.equal(0, rc, err)
    assert.are.equal("R-2\n", out)
    local r = reg:risk("R-2")
    assert.are.equal("DOC-1", r.asset)
    assert.truthy(r.level)
    local before = H.snapshot(reg)
    local cases = {
      { 3, "risk 'R-2' is in the register already", "ref=R-2", "asset=DOC-1", "threat=T-LEAK" },
      { 3, "no asset 'NOPE' in the register", "ref=R-3", "asset=NOPE", "threat=T-LEAK" },
      { 3, "S: 99 is not a tier of S", "ref=R-3", "asset=DOC-1", "threat=T-LEAK", "S=99" },
      { 2, "risks have no field 'colour'", "ref=R-3", "asset=DOC-1", "threat=T-LEAK", "colour=red" },
      { 2, "needs ref=REF", "asset=DOC-1", "threat=T-LEAK" },
    }
    for _, case in ipairs(cases) do
      local _, e, code = H.run("--db", reg.path, "risks", "add", unpack(case, 3))
      assert.are.equal(case[1], code, e)
      assert.truthy(e:find(case[2], 1, true), e)
      assert.falsy(e:find("/tmp", 1, true), e)
    end
    assert.are.equal(before, H.snapshot(reg))
  end)

  it("checks the stored risks: no owner, not rated, unacceptable without a decision", function()
    local reg = register_with_assets()
    assert(reg:put_risks({
      { ref = "R-1", asset = "SRV-1", threat = "T-FIRE", owners = "IT", ratings = { S = 2, O = 2, D = 2 } },
      { ref = "R-2", asset = "DOC-1", threat = "T-LEAK", ratings = { S = 2, O = 2, D = 2 } },
      { ref = "R-3", asset = "DOC-1", threat = "T-FIRE", owners = "IT", ratings = { S = 2 } },
      { ref = "R-4", asset = "SVC-1", threat = "T-OUTAGE", owners = "IT",
        ratings = { S = 10, O = 10, D = 10 } },
    }))
    local out, err, rc = H.run("--db", reg.path, "risks", "check")
    assert.are.equal(1, rc, err)
    assert.truthy(out:find("R%-2%s+owners%s+no owner"), out)
    assert.truthy(out:find("R%-3%s+O,D%s+not rated on O, D"), out)
    assert.truthy(out:find("R%-4%s+decision%s+level %S+ is not acceptable and no decision"), out)
    assert.falsy(out:find("R-1", 1, true), out)
    local problems = cjson.decode((H.run("--db", reg.path, "risks", "check", "--json")))
    assert.are.equal(3, #problems)
    local _, e2, rc2 = H.run("--db", reg.path, "risks", "set", "R-4", "decision=treat",
                             "owners=IT")
    assert.are.equal(0, rc2, e2)
    problems = cjson.decode((H.run("--db", reg.path, "risks", "check", "--json")))
    assert.are.equal(2, #problems)
  end)
end)
