-- The methodologies issue #16 ships, against their sources' published
-- examples and tables: OWASP Risk Rating (step 4's worked example, the
-- LOW/MEDIUM/HIGH edges, the severity matrix cell by cell) and CVSS v3.1
-- base scores (the vectors of the specification's examples document and of
-- well-known CVEs, and the Roundup of Appendix A).
local isms = require "isms"

describe("owasp-risk-rating", function()
  local m = assert(isms.methodology.load("owasp-risk-rating"))
  local LIKELIHOOD = { "skill", "motive", "opportunity", "size", "discovery", "exploit", "awareness",
                       "detection" }
  local TECHNICAL = { "confidentiality", "integrity", "availability", "accountability" }
  local BUSINESS = { "financial", "reputation", "compliance", "privacy" }

  local function rate(l, t, b)
    local r = {}
    for k, f in ipairs(LIKELIHOOD) do r[f] = l[k] end
    for k, f in ipairs(TECHNICAL) do r[f] = t[k] end
    for k, f in ipairs(BUSINESS) do r[f] = b and b[k] or "unknown" end
    return r
  end

  it("has sixteen factors rated 0-9", function()
    assert.are.equal(16, #m:factors())
    for _, f in ipairs(m:factors()) do
      local tiers = m:tiers(f)
      assert.are.same({ 0, "0" }, { tiers[1].value, tiers[1].label })
      assert.are.same({ 9, "9" }, { tiers[10].value, tiers[10].label })
    end
  end)

  it("reproduces step 4's example: likelihood 4.375 MEDIUM, technical 7.25 HIGH, business 2.25 LOW", function()
    local l, t, b = { 5, 2, 7, 1, 3, 6, 9, 2 }, { 9, 7, 5, 8 }, { 1, 2, 1, 5 }
    local e = m:explain(rate(l, t, b))
    local by = {}
    for _, st in ipairs(e.stages) do by[st.name] = st end
    assert.are.same({ "4.375", "MEDIUM" }, { by.likelihood.value, by.likelihood.band })
    assert.are.equal("7.25", by.technical_impact.value)
    assert.are.equal("2.25", by.business_impact.value)
    -- "the business impact is actually low, so the overall severity is best described as low"
    assert.are.same({ "LOW" }, { by.impact.band })
    assert.are.equal("Low", e.level)
    -- "from a purely technical perspective it appears that the overall severity is high"
    local _, level = m:score(rate(l, t, nil))
    assert.are.equal("High", level)
  end)

  it("bands averages at 3 and 6, exactly", function()
    local function likelihood_band(sum)  -- eight factors summing to `sum`
      local l = {}
      for k = 1, 8 do
        l[k] = math.min(9, math.max(0, sum - 9 * (k - 1)))
      end
      local e = m:explain(rate(l, { 9, 9, 9, 9 }, nil))
      for _, st in ipairs(e.stages) do
        if st.name == "likelihood" then return st.value, st.band end
      end
    end
    assert.are.same({ "2.875", "LOW" }, { likelihood_band(23) })
    assert.are.same({ "3", "MEDIUM" }, { likelihood_band(24) })
    assert.are.same({ "5.875", "MEDIUM" }, { likelihood_band(47) })
    assert.are.same({ "6", "HIGH" }, { likelihood_band(48) })
  end)

  it("gives the severity matrix of step 4 cell by cell", function()
    local want = {  -- impact rows LOW, MEDIUM, HIGH; likelihood columns LOW, MEDIUM, HIGH
      { "Note", "Low", "Medium" },
      { "Low", "Medium", "High" },
      { "Medium", "High", "Critical" },
    }
    local rating = { 1, 4, 7 }  -- one average in each band
    for i = 1, 3 do
      for j = 1, 3 do
        local lj, ii = rating[j], rating[i]
        local _, level = m:score(rate({ lj, lj, lj, lj, lj, lj, lj, lj }, { 0, 0, 0, 0 },
                                      { ii, ii, ii, ii }))
        assert.are.equal(want[i][j], level, ("impact %d, likelihood %d"):format(ii, lj))
      end
    end
    local grid = m:matrix()
    assert.are.same({ "impact", "likelihood" }, { grid.rows, grid.columns })
    assert.are.same(want, grid.cells)
    assert.are.same({ "LOW", "MEDIUM", "HIGH" }, { m:tiers("impact")[1].label,
      m:tiers("impact")[2].label, m:tiers("impact")[3].label })
  end)

  it("reads the options of a factor as aliases", function()
    assert.are.equal(10, m:parse_rating("skill", "security penetration skills"))
    assert.are.equal(7, m:parse_rating("confidentiality", "extensive non-sensitive data disclosed"))
    assert.are.equal(m:parse_rating("confidentiality", "minimal critical data disclosed"),
                     m:parse_rating("confidentiality", "6"))
  end)

  it("needs every likelihood factor: a missing one leaves the risk not rated", function()
    local r = rate({ 5, 2, 7, 1, 3, 6, 9, 2 }, { 9, 7, 5, 8 }, { 1, 2, 1, 5 })
    r.awareness = nil
    local s, why, code = m:score(r)
    assert.is_nil(s)
    assert.are.same({ "not rated: no rating for awareness", "UNRATED" }, { why, code })
  end)
end)

describe("cvss-3.1-base", function()
  local m = assert(isms.methodology.load("cvss-3.1-base"))

  local function vector(v)
    local r = {}
    for k, x in v:gmatch("(%u%u?):(%u)") do r[k] = x end
    return r
  end

  -- Vectors and base scores from the CVSS v3.1 examples (FIRST) and NVD.
  local EXAMPLES = {
    { "CVE-2014-0160 (Heartbleed)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, "High" },
    { "CVE-2014-6271 (Shellshock)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "Critical" },
    { "CVE-2013-1937 (phpMyAdmin reflected XSS)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1,
      "Medium" },
    { "CVE-2013-0375 (MySQL stored SQL injection)", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N",
      6.4, "Medium" },
    { "CVE-2014-3566 (POODLE)", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, "Low" },
    { "CVE-2012-1516 (VMware guest to host escape)", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H",
      9.9, "Critical" },
    { "CVE-2009-0783 (Apache Tomcat XML parser)", "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2,
      "Medium" },
    { "CVE-2012-0384 (Cisco IOS command injection)", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
      8.8, "High" },
    { "CVE-2015-1098 (iWork denial of service)", "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8,
      "High" },
    { "CVE-2014-0224 (OpenSSL CCS injection)", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4,
      "High" },
    { "CVE-2012-5376 (Chrome IPC)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6, "Critical" },
    { "CVE-2016-1645 (Chrome PDFium JPEG 2000)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8,
      "High" },
    { "CVE-2016-0128 (Badlock)", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N", 6.8, "Medium" },
    { "CVE-2014-2005 (Sophos Disk Encryption)", "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8,
      "Medium" },
    { "CVE-2010-0467 (Joomla directory traversal)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N",
      5.8, "Medium" },
    { "CVE-2013-6014 (Juniper proxy ARP)", "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 9.3,
      "Critical" },
    { "CVE-2011-1265 (Bluetooth stack)", "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8, "High" },
    { "CVE-2014-2019 (iOS iCloud password)", "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 4.6,
      "Medium" },
    { "no impact", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N", 0, "None" },
    { "the maximum", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10, "Critical" },
  }

  for _, ex in ipairs(EXAMPLES) do
    it(("scores %s as %s %s"):format(ex[1], ex[3], ex[4]), function()
      local s, level = m:score(vector(ex[2]))
      assert.are.equal(ex[3], s)
      assert.are.equal(ex[4], level)
    end)
  end

  it("runs the specification's formula once per combination, then looks scores up", function()
    local r = m.spec.risk
    assert.is_false(r.tabulated)                 -- eight factors: no 15^4 table
    assert.are.equal(2592, r.result.tabulated)   -- but one lookup stage of 2,592 cells
  end)

  it("takes PR's changed-scope weights only when the scope is changed", function()
    -- PR:L is 0.62 unchanged, 0.68 changed: 6.5 (S:U) against 7.7 (S:C, x 1.08 and the impact curve)
    assert.are.equal(6.5, (m:score(vector("AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"))))
    assert.are.equal(7.7, (m:score(vector("AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:N/A:N"))))
  end)

  it("reads the metric names as aliases", function()
    local a = { m:score(vector("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N")) }
    local b = { m:score { AV = "Network", AC = "Low", PR = "None", UI = "None", S = "Unchanged",
                         C = "High", I = "None", A = "None" } }
    assert.are.same(a, b)
  end)
end)

describe("a register and a method of more than four factors", function()
  local H = require "helper"
  local cjson = require "cjson"
  -- (before issue #16's second stage a guard refused these; before it, a segfault)
  it("generates, rates, lists, assesses and explains OWASP's 16 factors in the register", function()
    local _, path = H.register()
    local out, err, code = H.run("--db", path, "init", path, "--methodology", "owasp-risk-rating")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("owasp-risk-rating", 1, true))
    _, err, code = H.run("--db", path, "import", "assets",
                         H.file("a.csv", "id,name,type,c,i,a\nDB-1,Customer DB,information,3,3,2\n"))
    assert.are.equal(0, code, err)
    out, err, code = H.run("--db", path, "risks", "generate", "generic")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("\ngenerated %d+ risks"), out)
    -- the OWASP page's example: likelihood 4.375 MEDIUM, impact 2.25 LOW (business) -> Low
    local ref = "DB-1/T-ABUSE-OF-RIGHTS/V-EXCESS-ACCESS"
    out, err, code = H.run("--db", path, "risks", "set", ref, "skill=5", "motive=2", "opportunity=7",
      "size=1", "discovery=3", "exploit=6", "awareness=9", "detection=2", "confidentiality=2",
      "integrity=1", "availability=1", "accountability=1", "financial=1", "reputation=2",
      "compliance=1", "privacy=5")
    assert.are.equal(0, code, err)
    assert.are.equal(ref .. ": Low 2, acceptable\n", out)
    out, err, code = H.run("--db", path, "risks", "list", "--format", "json")
    assert.are.equal(0, code, err)
    local row
    for _, r in ipairs(cjson.decode(out)) do if r.ref == ref then row = r end end
    assert.are.same({ "Low", 2, 5, 5 }, { row.level, tonumber(row.score), tonumber(row.skill),
                                         tonumber(row.privacy) })
    out, err, code = H.run("--db", path, "assess", "--format", "json")
    assert.are.equal(0, code, err)
    local first = cjson.decode(out)[1]
    assert.are.same({ ref, "Low", "2" }, { first.ref, first.level, first.score })
    out, err, code = H.run("--db", path, "risks", "explain", ref)
    assert.are.equal(0, code, err)
    assert.truthy(out:find("likelihood = 4.375  band MEDIUM", 1, true), out)
    assert.truthy(out:find("score 2: level Low", 1, true), out)
  end)
end)
