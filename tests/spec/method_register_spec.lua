-- Issue #16 in the register: methods of more than four factors stored and
-- scored risk by risk (r1..r4 and rx), and scores that read the asset (its
-- C, I, A, class) and the threat (what it affects) computed by the bulk
-- kernels for every risk, agreeing with `isms risks explain` and the API.
local H = require "helper"
local isms = require "isms"
local cjson = require "cjson"

local DIR = "tests/fixtures/methods/"
local CATALOG = "tests/fixtures/catalogs/affects.lua"

-- A register at path under the fixture method NAME, with assets.
local function register(method, assets_csv)
  local _, path = H.register()
  local _, err, code = H.run("init", path, "--methodology", DIR .. method .. ".lua")
  assert.are.equal(0, code, err)
  if assets_csv then
    _, err, code = H.run("--db", path, "import", "assets", H.file("assets.csv", assets_csv))
    assert.are.equal(0, code, err)
  end
  return path
end

local function json(path, ...)
  local out, err, code = H.run("--db", path, ...)
  assert.are.equal(0, code, err)
  return cjson.decode(out)
end

-- { score text ("" when unrated), level ("unrated") }
local function result(score, level)
  if score == nil or score == cjson.null then score = "" end
  if level == nil or level == cjson.null then level = "unrated" end
  return { tostring(score), level }
end

-- { ref = result } from `assess --format json`
local function assessed(path)
  local by = {}
  for _, r in ipairs(json(path, "assess", "--format", "json")) do by[r.ref] = result(r.score, r.level) end
  return by
end

local function explained(path, ref)
  local e = json(path, "risks", "explain", ref, "--format", "json")
  return result(e.score, e.level)
end

describe("a register and a method of six factors", function()
  local m = assert(isms.methodology.load(DIR .. "six-factors.lua"))
  local RISKS = "ref,asset,threat,skill,motive,opportunity,technical,financial,reputation\n" ..
    "R1,DB-1,T-LEAK,5,2,8,3,4,8\n" ..       -- 5 x 6 = 30: High
    "R2,DB-1,T-FIRE,9,9,9,9,0,0\n" ..       -- 9 x 9 = 81: Critical
    "R3,WEB-1,T-LEAK,0,1,2,1,2,3\n" ..      -- 1 x 2.5 = 2.5: Low
    "R4,WEB-1,T-FIRE,4,4,4,2,unknown,3\n"   -- not rated
  local ASSETS = "id,name,type,c,i,a\nDB-1,Customer DB,information,3,3,2\n" ..
                 "WEB-1,Web shop,software,2,3,3\n"
  local WANT = { R1 = { "30", "High" }, R2 = { "81", "Critical" }, R3 = { "2.5", "Low" },
                 R4 = { "", "unrated" } }

  it("imports, assesses, lists and explains every risk alike, as the API scores it", function()
    local path = register("six-factors", ASSETS)
    local out, err, code = H.run("--db", path, "import", "risks", H.file("risks.csv", RISKS))
    assert.are.equal(0, code, err)
    assert.truthy(out:find("4 created", 1, true))
    -- the stored scores (list), the computed ones (assess), the explanation
    local listed = {}
    for _, r in ipairs(json(path, "risks", "list", "--format", "json")) do
      listed[r.ref] = result(r.score, r.level)
      if r.ref == "R1" then
        -- ratings read back as the tiers' values, r5 and r6 from rx
        assert.are.same({ "5", "2", "8", "3", "4", "8" },
          { tostring(r.skill), tostring(r.motive), tostring(r.opportunity), tostring(r.technical),
            tostring(r.financial), tostring(r.reputation) })
      end
      if r.ref == "R4" then assert.are.equal("unknown", r.financial) end
    end
    local now = assessed(path)
    for ref, want in pairs(WANT) do
      assert.are.same(want, listed[ref], ref .. " listed")
      assert.are.same(want, now[ref], ref .. " assessed")
      assert.are.same(want, explained(path, ref), ref .. " explained")
    end
    -- the API on the same ratings
    local s, level = m:score { skill = 5, motive = 2, opportunity = 8, technical = 3, financial = 4,
                               reputation = 8 }
    assert.are.same({ 30, "High" }, { s, level })
  end)

  it("exports and imports back the same ratings, and logs r5 and r6 by name", function()
    local path = register("six-factors", ASSETS)
    local _, err, code = H.run("--db", path, "import", "risks", H.file("risks.csv", RISKS))
    assert.are.equal(0, code, err)
    local csv = H.tmp("export.csv")
    _, err, code = H.run("--db", path, "risks", "export", csv)
    assert.are.equal(0, code, err)
    local first = H.read(csv)
    local out
    out, err, code = H.run("--db", path, "import", "risks", csv)
    assert.are.equal(0, code, err)
    assert.truthy(out:find("0 updated", 1, true), out)
    _, err, code = H.run("--db", path, "risks", "export", csv)
    assert.are.equal(0, code, err)
    assert.are.equal(first, H.read(csv))
    -- a change of the sixth rating is one logged field, r6
    out, err, code = H.run("--db", path, "risks", "set", "R1", "reputation=2")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("R1: Medium 15", 1, true), out)   -- 5 x max(3, 3) = 15
    local reg = assert(isms.open(path))
    local seen = {}
    for _, c in ipairs(reg:changes("R1")) do seen[c.field or ""] = c end
    assert.are.equal("9", seen.r6.old)
    assert.are.equal("3", seen.r6.new)
    reg:close()
  end)

  it("re-scores and what-ifs the register in columns", function()
    local path = register("six-factors", ASSETS)
    local _, err, code = H.run("--db", path, "import", "risks", H.file("risks.csv", RISKS))
    assert.are.equal(0, code, err)
    local out
    out, err, code = H.run("--db", path, "risks", "score")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("scored 4 risks under six-factors; 0 changed", 1, true), out)
    -- through the API: the table read in C holds every rating column
    local reg = assert(isms.open(path))
    local t = assert(reg:risk_table())
    assert.are.equal(6, t.c.nratings)
    assert.are.same({ asset = "DB-1", obligations = 0,
                      ratings = { skill = 6, motive = 3, opportunity = 9, technical = 4,
                                  financial = 5, reputation = 9 } },
                    (function() local s = t:stored(t:find("R1")); s.category = nil; return s end)())
    reg:close()
  end)

  it("refuses a bad rating on the fifth factor with file:line:column", function()
    local path = register("six-factors", ASSETS)
    local bad = H.file("bad.csv", "ref,asset,threat,skill,motive,opportunity,technical,financial\n" ..
                                  "R1,DB-1,T-LEAK,5,2,8,3,12\n")
    local _, err, code = H.run("--db", path, "import", "risks", bad)
    assert.are_not.equal(0, code)
    assert.truthy(err:find(bad .. ":2:", 1, true), err)
    assert.truthy(err:find("financial: '12' is not a tier of financial", 1, true), err)
    assert.truthy(err:find("nothing was stored", 1, true), err)
  end)
end)

describe("a register scored on the asset's C, I and A", function()
  it("moves a risk when its asset's C changes (isms assess), as explain says", function()
    local path = register("iso27005-annex-e",
                          "id,name,type,c,i,a\nDB-1,Customer DB,information,5,2,3\n")
    local _, err, code = H.run("--db", path, "risks", "generate", CATALOG)
    assert.are.equal(0, code, err)
    for _, t in ipairs({ "T-LEAK", "T-TAMPER", "T-OUTAGE", "T-ANY" }) do
      _, err, code = H.run("--db", path, "risks", "set", "DB-1/" .. t, "threat=High", "ease=Medium")
      assert.are.equal(0, code, err)
    end
    -- per property: asset tier + threat (+1) + ease (+1), over what the
    -- threat affects (all three when the catalog says nothing), the max
    local want = { ["DB-1/T-LEAK"] = { "7", "High" }, ["DB-1/T-TAMPER"] = { "4", "Medium" },
                   ["DB-1/T-OUTAGE"] = { "5", "Medium" }, ["DB-1/T-ANY"] = { "7", "High" } }
    local now = assessed(path)
    for ref, w in pairs(want) do
      assert.are.same(w, now[ref], ref)
      assert.are.same(w, explained(path, ref), ref)
    end
    -- the asset's confidentiality falls to Low (2): the leak falls with it
    _, err, code = H.run("--db", path, "import", "assets",
                         H.file("a2.csv", "id,name,type,c,i,a\nDB-1,Customer DB,information,2,2,3\n"))
    assert.are.equal(0, code, err)
    now = assessed(path)
    assert.are.same({ "4", "Medium" }, now["DB-1/T-LEAK"])
    assert.are.same({ "5", "Medium" }, now["DB-1/T-ANY"])
    assert.are.same({ "4", "Medium" }, now["DB-1/T-TAMPER"])
    assert.are.same({ "4", "Medium" }, explained(path, "DB-1/T-LEAK"))
    -- assess says the stored levels are out of date until the register is re-scored
    local out = H.run("--db", path, "assess")
    assert.truthy(out:find("stored level current%)%s+missing%s+2%s+2"), out)
    out, err, code = H.run("--db", path, "risks", "score")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("scored 4 risks under iso27005-annex-e; 2 changed", 1, true), out)
    local listed = {}
    for _, r in ipairs(json(path, "risks", "list", "--format", "json")) do listed[r.ref] = r end
    assert.are.same({ "4", "Medium" }, result(listed["DB-1/T-LEAK"].score, listed["DB-1/T-LEAK"].level))
  end)

  it("scores impact = max(C, I, A) x likelihood for every risk, and follows the asset", function()
    local m = assert(isms.methodology.load(DIR .. "asset-impact.lua"))
    local path = register("asset-impact", "id,name,type,c,i,a\nDB-1,Customer DB,information,2,4,1\n" ..
                                          "WEB-1,Web shop,software,1,2,2\nNEW-1,Not valued,software,,,\n")
    local _, err, code = H.run("--db", path, "import", "risks", H.file("r.csv",
      "ref,asset,threat,likelihood\nR1,DB-1,T-LEAK,Possible\nR2,WEB-1,T-LEAK,Certain\n" ..
      "R3,NEW-1,T-LEAK,Certain\n"))
    assert.are.equal(0, code, err)
    local now = assessed(path)
    assert.are.same({ "12", "High" }, now.R1)       -- max(2, 4, 1) = 4, x 3
    assert.are.same({ "10", "Medium" }, now.R2)     -- max(1, 2, 2) = 2, x 5
    assert.are.same({ "", "unrated" }, now.R3)      -- an asset not valued: not rated, never 0
    for ref, want in pairs(now) do assert.are.same(want, explained(path, ref), ref) end
    -- as the API scores it with the asset given
    local s, level = m:score({ likelihood = 3 }, { asset = { C = 2, I = 4, A = 1 } })
    assert.are.same({ 12, "High" }, { s, level })
    _, err, code = H.run("--db", path, "import", "assets",
                         H.file("a2.csv", "id,name,type,c,i,a\nDB-1,Customer DB,information,2,1,1\n"))
    assert.are.equal(0, code, err)
    now = assessed(path)
    assert.are.same({ "6", "Medium" }, now.R1)
    assert.are.same({ "6", "Medium" }, explained(path, "R1"))
  end)

  it("picks a matrix row by the asset's class", function()
    local path = register("class-matrix", "id,name,type,c,i,a\nDB-1,Customer DB,information,1,2,2\n" ..
                                          "WEB-1,Web shop,software,3,1,1\n")
    local _, err, code = H.run("--db", path, "import", "risks",
      H.file("r.csv", "ref,asset,threat,likelihood\nR1,DB-1,T-LEAK,Possible\nR2,WEB-1,T-LEAK,Possible\n"))
    assert.are.equal(0, code, err)
    local now = assessed(path)
    assert.are.same({ "1", "Low" }, now.R1)          -- ordinary x Possible
    assert.are.same({ "3", "High" }, now.R2)         -- critical x Possible
    _, err, code = H.run("--db", path, "import", "assets",
                         H.file("a2.csv", "id,name,type,c,i,a\nDB-1,Customer DB,information,3,2,2\n"))
    assert.are.equal(0, code, err)
    now = assessed(path)
    assert.are.same({ "3", "High" }, now.R1)         -- now critical
    assert.are.same({ "3", "High" }, explained(path, "R1"))
  end)
end)

describe("a register scored over the assets linked to a risk", function()
  local ASSETS = "id,name,type,c,i,a\nP-1,Billing process,service,2,2,2\n" ..
                 "A-1,Billing DB,information,4,3,3\nA-2,Invoice app,software,4,2,1\n"
  it("imports the links, scores over them, logs them, and follows their values", function()
    local path = register("linked-assets", ASSETS)
    local csv = H.file("r.csv", "ref,asset,assets,threat,likelihood\n" ..
                                "R1,P-1,A-1 A-2,T-OUTAGE,Possible\nR2,A-2,,T-LEAK,Rare\n")
    local _, err, code = H.run("--db", path, "import", "risks", csv)
    assert.are.equal(0, code, err)
    -- R1: values 8 + 36 + 8 = 52, x 2 = 104; two Secret assets lift it to 200
    local now = assessed(path)
    assert.are.same({ "200", "High" }, now.R1)
    assert.are.same({ "8", "Low" }, now.R2)      -- 4 x 2 x 1 = 8, x Rare (1)
    assert.are.same({ "200", "High" }, explained(path, "R1"))
    local listed = {}
    for _, r in ipairs(json(path, "risks", "list", "--format", "json")) do listed[r.ref] = r end
    assert.are.equal("A-1 A-2", listed.R1.assets)
    assert.are.same({ "200", "High" }, result(listed.R1.score, listed.R1.level))
    local out = H.run("--db", path, "changes")
    assert.truthy(out:find("risk / R1 / assets / A-2  create", 1, true), out)
    -- A-2 is no longer Secret: one Secret asset, exposure 8 + 36 + 4 = 48 x 2 = 96
    _, err, code = H.run("--db", path, "import", "assets",
                         H.file("a2.csv", "id,name,type,c,i,a\nA-2,Invoice app,software,2,2,1\n"))
    assert.are.equal(0, code, err)
    assert.are.same({ "96", "Medium" }, assessed(path).R1)
    assert.are.same({ "96", "Medium" }, explained(path, "R1"))
    -- unlinking A-2 through risks set: 8 + 36 = 44 x 2 = 88
    out, err, code = H.run("--db", path, "risks", "set", "R1", "assets=A-1")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("R1: Medium 88", 1, true), out)
    out = H.run("--db", path, "changes")
    assert.truthy(out:find("risk / R1 / assets / A-2  delete", 1, true), out)
    -- an export (of a register re-scored: A-2 moved R2 too) reads back unchanged
    _, err, code = H.run("--db", path, "risks", "score")
    assert.are.equal(0, code, err)
    local x = H.tmp("x.csv")
    _, err, code = H.run("--db", path, "risks", "export", x)
    assert.are.equal(0, code, err)
    assert.truthy(H.read(x):find("\nR1,P-1,A-1,T-OUTAGE,", 1, true), H.read(x))
    out, err, code = H.run("--db", path, "import", "risks", x)
    assert.are.equal(0, code, err)
    assert.truthy(out:find("0 updated", 1, true), out)
  end)

  it("refuses a link to an asset the register does not hold, with file:line:column", function()
    local path = register("linked-assets", ASSETS)
    local csv = H.file("r.csv", "ref,asset,assets,threat,likelihood\nR1,P-1,A-1 NOPE,T-OUTAGE,Possible\n")
    local _, err, code = H.run("--db", path, "import", "risks", csv)
    assert.are_not.equal(0, code)
    assert.truthy(err:find(csv .. ":2:8: assets: no asset 'NOPE' in the register", 1, true), err)
    _, err, code = H.run("--db", path, "import", "risks",
                         H.file("ok.csv", "ref,asset,threat,likelihood\nR1,P-1,T-OUTAGE,Possible\n"))
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", path, "risks", "set", "R1", "assets=A-1,NOPE")
    assert.are_not.equal(0, code)
    assert.truthy(err:find("risk R1: assets: no asset 'NOPE' in the register", 1, true), err)
  end)
end)

describe("a register scored on the threat's own ratings", function()
  it("reads threat.likelihood from the catalog for every risk, as explain does", function()
    local path = register("threat-likelihood", "id,name,type,c,i,a\nDB-1,Customer DB,information,3,2,1\n")
    local _, err, code = H.run("--db", path, "risks", "generate", "tests/fixtures/catalogs/rated-threats.lua")
    assert.are.equal(0, code, err)
    for _, t in ipairs({ "T-PHISH", "T-INSIDER", "T-NEW" }) do
      _, err, code = H.run("--db", path, "risks", "set", "DB-1/" .. t, "exposure=Partner")
      assert.are.equal(0, code, err)
    end
    -- max(3, 2, 1) x the threat's likelihood x Partner (2)
    local want = { ["DB-1/T-PHISH"] = { "24", "High" },      -- Frequent (4)
                   ["DB-1/T-INSIDER"] = { "6", "Low" },      -- 1 (Rare)
                   ["DB-1/T-NEW"] = { "", "unrated" } }      -- the catalog rates it not
    local now = assessed(path)
    for ref, w in pairs(want) do
      assert.are.same(w, now[ref], ref)
      assert.are.same(w, explained(path, ref), ref)
    end
    local out = H.run("--db", path, "risks", "explain", "DB-1/T-PHISH")
    assert.truthy(out:find("threat.likelihood        4 (Frequent)", 1, true), out)
  end)

  it("refuses a threat's ratings that are not by scale name, and an unknown scale, with file:line:field", function()
    local f = H.file("cat.lua", 'catalog "c" { title = "c" }\n' ..
                                'threat_class "x" { title = "x" }\n' ..
                                'threat "T" { class = "x", title = "t", applies_to = { "information" },\n' ..
                                '  ratings = { likelihood = "a;b" } }\n')
    local path = register("threat-likelihood")
    local _, err, code = H.run("--db", path, "risks", "generate", f)
    assert.are_not.equal(0, code)
    assert.truthy(err:find(f .. ":3: threat 'T': ratings.likelihood: expected a tier's value or label", 1,
                           true), err)
    local m = H.file("m.lua", 'methodology "m" {}\n' ..
      'scale "p" { tiers = { { value = 1, label = "a" }, { value = 2, label = "b" } } }\n' ..
      'risk_stage "s" { combine = "product", inputs = { "p", "threat.size" } }\n' ..
      'risk_score { factors = { "p" }, combine = "s" }\n' ..
      'risk_level "L" { from = 0 }\n')
    local out
    out, err, code = H.run("methodology", "check", m)
    assert.are_not.equal(0, code, out)
    assert.truthy(err:find(m .. ":3: risk_stage 's': inputs[2]: threat.size reads the threat's rating on "
                           .. "scale 'size': declare scale \"size\"", 1, true), err)
  end)
end)

describe("a register scored on the vulnerability's own ratings", function()
  it("reads vulnerability.ease from the catalog for every risk, as explain does", function()
    local path = register("threat-vulnerability",
                          "id,name,type,c,i,a\nDB-1,Customer DB,information,5,3,2\n")
    local _, err, code = H.run("--db", path, "risks", "generate",
                               "tests/fixtures/catalogs/rated-vulnerabilities.lua")
    assert.are.equal(0, code, err)
    -- Table E.1 per property: the asset's tier + likelihood + ease
    local want = {
      ["DB-1/T-LEAK/V-WEAK-PW"] = { "8", "High" },    -- C: 5 + 1 (High) + 2 (High)
      ["DB-1/T-OUTAGE/V-SPOF"] = { "2", "Low" },      -- A: 2 - 1 (Low) + 1 (Medium, rated 1)
      ["DB-1/T-LEAK/V-UNRATED"] = { "", "unrated" },  -- neither the risk nor the catalog rates ease
    }
    local out
    out, err, code = H.run("--db", path, "risks", "score")
    assert.are.equal(0, code, (err or "") .. (out or ""))
    local now = assessed(path)
    for ref, w in pairs(want) do
      assert.are.same(w, now[ref], ref)
      assert.are.same(w, explained(path, ref), ref)
    end
    out = H.run("--db", path, "risks", "explain", "DB-1/T-LEAK/V-WEAK-PW")
    assert.truthy(out:find("vulnerability.ease", 1, true), out)
    assert.truthy(out:find("2 (High)", 1, true), out)
    -- a risk rating its own ease comes first: 5 + 1 + 0 (Low) = 6, High
    out, err, code = H.run("--db", path, "risks", "set", "DB-1/T-LEAK/V-UNRATED", "ease=Low")
    assert.are.equal(0, code, err)
    assert.are.equal("DB-1/T-LEAK/V-UNRATED: High 6, not acceptable\n", out)
    out, err, code = H.run("--db", path, "risks", "set", "DB-1/T-OUTAGE/V-SPOF", "ease=High")
    assert.are.equal(0, code, err)
    assert.are.equal("DB-1/T-OUTAGE/V-SPOF: Medium 3, acceptable\n", out)
    assert.are.same({ "6", "High" }, assessed(path)["DB-1/T-LEAK/V-UNRATED"])
    -- the API sees the same
    local reg = assert(isms.open(path))
    local row = reg:risk("DB-1/T-LEAK/V-WEAK-PW")
    assert.are.equal("ease=High", row.vulnerability_ratings)
    reg:close()
  end)

  it("refuses a vulnerability's bad ratings and an unknown scale, with file:line:field", function()
    local f = H.file("cat.lua", 'catalog "c" { title = "c" }\n' ..
                                'threat_class "x" { title = "x" }\n' ..
                                'vulnerability "V" { title = "v",\n' ..
                                '  ratings = { ease = "a=b" } }\n')
    local path = register("threat-vulnerability")
    local _, err, code = H.run("--db", path, "risks", "generate", f)
    assert.are_not.equal(0, code)
    assert.truthy(err:find(f .. ":3: vulnerability 'V': ratings.ease: expected a tier's value or label",
                           1, true), err)
    local m = H.file("m.lua", 'methodology "m" {}\n' ..
      'scale "p" { tiers = { { value = 1, label = "a" }, { value = 2, label = "b" } } }\n' ..
      'risk_stage "s" { combine = "product", inputs = { "p", "vulnerability.size" } }\n' ..
      'risk_score { factors = { "p" }, combine = "s" }\n' ..
      'risk_level "L" { from = 0 }\n')
    local out
    out, err, code = H.run("methodology", "check", m)
    assert.are_not.equal(0, code, out)
    assert.truthy(err:find(m .. ":3: risk_stage 's': inputs[2]: vulnerability.size reads the "
                           .. "vulnerability's rating on scale 'size': declare scale \"size\"", 1, true),
                  err)
  end)
end)

describe("a register scored over the risk's threats", function()
  it("aggregates the ratings of the risk's threat and those linked to it", function()
    local path = register("linked-threats", "id,name,type,c,i,a\nDB-1,Customer DB,information,3,2,1\n")
    local _, err, code = H.run("--db", path, "risks", "generate", "tests/fixtures/catalogs/rated-threats.lua")
    assert.are.equal(0, code, err)
    local out
    -- T-INSIDER alone: Rare (1) x Major (2) = 2, Low
    out, err, code = H.run("--db", path, "risks", "set", "DB-1/T-INSIDER", "impact=Major")
    assert.are.equal(0, code, err)
    assert.are.equal("DB-1/T-INSIDER: Low 2, acceptable\n", out)
    -- linked to T-PHISH (Frequent): max 4 x 2 = 8, Medium; one threat at
    -- Likely or above, no raise
    out, err, code = H.run("--db", path, "risks", "set", "DB-1/T-INSIDER", "threats=T-PHISH")
    assert.are.equal(0, code, err)
    assert.are.equal("DB-1/T-INSIDER: Medium 8, acceptable\n", out)
    -- T-PHISH's own risk linked to T-INSIDER: the same threats, 8
    out, err, code = H.run("--db", path, "risks", "set", "DB-1/T-PHISH", "impact=Major",
                           "threats=T-INSIDER")
    assert.are.equal("DB-1/T-PHISH: Medium 8, acceptable\n", out, err)
    assert.are.equal(0, code, err)
    -- a linked threat the catalog does not rate leaves the risk not rated
    out, err, code = H.run("--db", path, "risks", "set", "DB-1/T-NEW", "impact=Minor", "threats=T-PHISH")
    assert.are.equal(0, code, err)
    assert.are.equal("DB-1/T-NEW: unrated \n", out)
    -- assess (the kernels over columns) and explain agree
    local want = { ["DB-1/T-INSIDER"] = { "8", "Medium" }, ["DB-1/T-PHISH"] = { "8", "Medium" },
                   ["DB-1/T-NEW"] = { "", "unrated" } }
    local now = assessed(path)
    for ref, w in pairs(want) do
      assert.are.same(w, now[ref], ref)
      assert.are.same(w, explained(path, ref), ref)
    end
    -- unlinking goes back; the links export and import
    local csv = H.tmp("risks.csv")
    _, err, code = H.run("--db", path, "risks", "export", csv)
    assert.are.equal(0, code, err)
    local text = H.read(csv)
    assert.truthy(text:find("^ref,asset,threat,threats,"), text)
    assert.truthy(text:find("DB-1/T-INSIDER,DB-1,T-INSIDER,T-PHISH,", 1, true), text)
    out, err, code = H.run("--db", path, "risks", "set", "DB-1/T-INSIDER", "threats=")
    assert.are.equal("DB-1/T-INSIDER: Low 2, acceptable\n", out, err)
    assert.are.equal(0, code, err)
    _, err, code = H.run("--db", path, "risks", "import", csv)
    assert.are.equal(0, code, err)
    assert.are.same({ "8", "Medium" }, assessed(path)["DB-1/T-INSIDER"])
    -- an unknown threat is refused, with file:line:column, nothing stored
    local bad = H.file("bad.csv", "ref,asset,threat,threats,impact\nDB-1/T-INSIDER,DB-1,T-INSIDER,T-NOPE,Major\n")
    _, err, code = H.run("--db", path, "risks", "import", bad)
    assert.are_not.equal(0, code)
    assert.truthy(err:find(bad .. ":2:31: threats: no threat 'T-NOPE' in the register's catalogs", 1, true), err)
    _, err, code = H.run("--db", path, "risks", "set", "DB-1/T-INSIDER", "threats=T-NOPE")
    assert.are_not.equal(0, code)
    assert.truthy(err:find("threats: no threat 'T-NOPE' in the register", 1, true), err)
    assert.are.same({ "8", "Medium" }, assessed(path)["DB-1/T-INSIDER"])
  end)

  it("refuses threats.NAME on a scale the file does not declare, with file:line:field", function()
    local m = H.file("m.lua", 'methodology "m" {}\n' ..
      'scale "p" { tiers = { { value = 1, label = "a" }, { value = 2, label = "b" } } }\n' ..
      'risk_stage "s" { combine = "max", inputs = { "threats.size" } }\n' ..
      'risk_score { factors = { "p" }, combine = "s" }\n' ..
      'risk_level "L" { from = 0 }\n')
    local out, err, code = H.run("methodology", "check", m)
    assert.are_not.equal(0, code, out)
    assert.truthy(err:find(m .. ":3: risk_stage 's': inputs[1]: threats.size reads each threat's rating "
                           .. "on scale 'size': declare scale \"size\"", 1, true), err)
  end)
end)

describe("a catalog's affects", function()
  it("is refused unless it lists C, I or A, with file:line:field", function()
    local f = H.file("cat.lua", 'catalog "c" { title = "c" }\n' ..
                                'threat_class "x" { title = "x" }\n' ..
                                'threat "T" { class = "x", title = "t", applies_to = { "information" },\n' ..
                                '  affects = { "C", "confidentiality" } }\n')
    local path = register("iso27005-annex-e")
    local _, err, code = H.run("--db", path, "risks", "generate", f)
    assert.are_not.equal(0, code)
    assert.truthy(err:find(f .. ":3: threat 'T': affects[2]: 'confidentiality' is not C, I or A", 1, true),
                  err)
  end)
end)
