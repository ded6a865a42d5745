-- Treatment of a method of more than four factors (issue #16): OWASP's
-- 16 factors rated 0-9. Residual ratings past the fourth are stored in
-- treatments.rrx; ratings are read as tier values (position 1 is 0), so
-- retain, modify with --target on factors past the fourth, acceptance and
-- `risks explain --residual` agree on the residual level.
local H = require "helper"
local cjson = require "cjson"
local isms = require "isms"
local _

local FACTORS = { "skill", "motive", "opportunity", "size", "discovery", "exploit", "awareness",
                  "detection", "confidentiality", "integrity", "availability", "accountability",
                  "financial", "reputation", "compliance", "privacy" }

local function all(v)
  local list = {}
  for k, f in ipairs(FACTORS) do list[k] = f .. "=" .. v end
  return list
end

describe("treating OWASP's 16 factors", function()
  local path, HIGH, LOW
  setup(function()
    _, path = H.register()
    local _, err, code = H.run("--db", path, "init", path, "--methodology", "owasp-risk-rating")
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", path, "import", "assets",
      H.file("a.csv", "id,name,type,c,i,a,owner\nDB-1,Customer DB,information,3,3,2,Ann\n"))
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", path, "risks", "generate", "generic")
    assert.are.equal(0, code, err)
    HIGH = "DB-1/T-ABUSE-OF-RIGHTS/V-EXCESS-ACCESS"
    LOW = "DB-1/T-MALWARE/V-NO-ANTIMALWARE"
    local out
    out, err, code = H.run("--db", path, "risks", "set", HIGH, unpack(all(9)))
    assert.are.equal(0, code, err)
    assert.are.equal(HIGH .. ": Critical 5, not acceptable\n", out)
    out, err, code = H.run("--db", path, "risks", "set", LOW, unpack(all(0)))
    assert.are.equal(0, code, (err or "") .. (out or ""))
    assert.truthy(out:find(": Note 1, acceptable", 1, true), out)
  end)

  local function treatments()
    local out, err, code = H.run("--db", path, "treat", "list", "--format", "json")
    assert.are.equal(0, code, err)
    return cjson.decode(out)
  end

  it("retains a risk rated 0 on every factor at its own level (0 is a value, not a position)",
     function()
    local out, err, code = H.run("--db", path, "treat", LOW, "retain")
    assert.are.equal(0, code, err)
    assert.are.equal(LOW .. ": retain; residual Note (1), acceptable\n", out)
    local reg = assert(isms.open(path))
    local tr = reg:treatment(LOW)
    -- stored as positions, like the risk's ratings: the tier 0 is position 1
    assert.are.same(reg:risk(LOW).ratings, tr.residual)
    assert.are.equal(1, tr.residual.privacy)
    local row = reg:query(("SELECT hex(rrx) AS x FROM treatments WHERE risk = '%s'"):format(LOW))()
    assert.are.equal(("01"):rep(12), row.x)
    reg:close()
  end)

  it("refuses to retain a Critical risk without an override: it is judged, not unrated", function()
    local _, err, code = H.run("--db", path, "treat", HIGH, "retain")
    assert.are_not.equal(0, code)
    assert.truthy(err:find("retaining needs the acceptance criteria met", 1, true), err)
  end)

  it("refuses a target out of range, naming the factor, and stores nothing", function()
    local reg = assert(isms.open(path))
    local before = reg:query("SELECT count(*) AS n FROM change_log")().n
    reg:close()
    local _, err, code = H.run("--db", path, "treat", HIGH, "modify", "--controls", "A.5.15",
                               "--target", "financial=0,awareness=12")
    assert.are_not.equal(0, code)
    assert.truthy(err:find("target: '12' is not a tier of awareness", 1, true), err)
    _, err, code = H.run("--db", path, "treat", HIGH, "modify", "--controls", "A.5.15",
                         "--target", "tampering=1")
    assert.are_not.equal(0, code)
    assert.truthy(err:find("target: no factor named 'tampering'", 1, true), err)
    reg = assert(isms.open(path))
    assert.is_nil(reg:treatment(HIGH))
    assert.are.equal(before, reg:query("SELECT count(*) AS n FROM change_log")().n)
    reg:close()
  end)

  it("reduces with targets on factors past the fourth; explain --residual agrees; accepted",
     function()
    -- likelihood (9 x 4 + 0 x 4) / 8 = 4.5 MEDIUM, business impact 0 LOW: Low
    local out, err, code = H.run("--db", path, "treat", HIGH, "modify", "--controls", "A.5.15",
      "--target", "discovery=0,exploit=0,awareness=0,detection=0,financial=0,reputation=0,"
        .. "compliance=0,privacy=0", "--rationale", "least privilege")
    assert.are.equal(0, code, err)
    assert.are.equal(HIGH .. ": modify with A.5.15; residual Low (2), acceptable\n", out)
    local reg = assert(isms.open(path))
    local tr = reg:treatment(HIGH)
    assert.are.same({ 10, 1, 1, 10 }, { tr.residual.skill, tr.residual.awareness,
                                        tr.residual.privacy, tr.residual.confidentiality })
    assert.are.equal("0", require("isms.treat.treatment").values_of(reg:methodology(),
                                                                    tr.residual).privacy)
    -- the risk itself is untouched
    assert.are.equal(10, reg:risk(HIGH).ratings.privacy)
    reg:close()
    out, err, code = H.run("--db", path, "risks", "explain", HIGH, "--residual", "--format", "json")
    assert.are.equal(0, code, err)
    local e = cjson.decode(out)
    assert.are.same({ "Low", true }, { e.level, e.acceptance.acceptable })
    assert.truthy(e.residual_of:find("modify", 1, true))
    out = H.run("--db", path, "risks", "explain", HIGH, "--residual")
    assert.truthy(out:find("likelihood = 4.5  band MEDIUM", 1, true), out)
    assert.truthy(out:find("score 2: level Low", 1, true), out)
    -- without --residual: the risk as rated
    out = H.run("--db", path, "risks", "explain", HIGH)
    assert.truthy(out:find("level Critical", 1, true), out)
    -- a change of one target moves only that byte of rrx
    out, err, code = H.run("--db", path, "treat", HIGH, "modify", "--controls", "A.5.15",
      "--target", "discovery=0,exploit=0,awareness=0,detection=0,financial=0,reputation=0,"
        .. "compliance=0,privacy=9")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("residual Low (2), acceptable", 1, true), out)
    -- the change log names the factor, as a risk's r5..: rr16 (privacy)
    -- from position 1 (the tier 0) to 10 (the tier 9), not rrx in hex
    reg = assert(isms.open(path))
    local logged = {}
    for row in reg:query([[SELECT field, old, new FROM change_log WHERE entity = 'treatment'
        AND batch = (SELECT max(batch) FROM change_log WHERE entity = 'treatment')
        AND field LIKE 'rr%']]) do
      logged[#logged + 1] = ("%s %s -> %s"):format(row.field, row.old, row.new)
    end
    assert.are.same({ "rr16 1 -> 10" }, logged)
    assert.is_nil(reg:query("SELECT field FROM change_log WHERE field = 'rrx'")())
    reg:close()
    -- accepted by management and the owner
    _, err, code = H.run("--db", path, "accept", HIGH, "--role", "management", "--who", "CEO",
                         "--rationale", "within appetite")
    assert.are.equal(0, code, err)
    out, err, code = H.run("--db", path, "accept", HIGH, "--role", "owner", "--who", "Ann",
                           "--rationale", "agreed")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("fully accepted", 1, true), out)
    local list = treatments()
    local by = {}
    for _, t in ipairs(list) do by[t.risk] = t end
    assert.are.same({ "modify", "Low", true, "accepted" }, { by[HIGH].option,
      by[HIGH].residual_level, by[HIGH].residual_acceptable, by[HIGH].status })
    -- the register still verifies: the writes went through the chain
    _, err, code = H.run("--db", path, "verify")
    assert.are.equal(0, code, err)
  end)

  it("refuses residual and target together, and a residual missing factors", function()
    local _, err, code = H.run("--db", path, "treat", LOW, "share", "--shared-with", "Insurer",
                               "--residual", "skill=1", "--target", "skill=1")
    assert.are_not.equal(0, code)
    assert.truthy(err:find("not both", 1, true), err)
    _, err, code = H.run("--db", path, "treat", LOW, "share", "--shared-with", "Insurer",
                         "--residual", "skill=1")
    assert.are_not.equal(0, code)
    assert.truthy(err:find("residual: no rating for motive", 1, true), err)
  end)
end)
