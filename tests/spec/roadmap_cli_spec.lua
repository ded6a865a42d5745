-- `isms roadmap ...` (lua/isms/cli/roadmap.lua): the verbs, their exit
-- codes and --json, the validator's file:line messages, and the Gantt
-- chart as HTML and SVG -- opened in headless Chromium, which must build
-- the page without a word on its console.
local H = require "helper"
local cjson = require "cjson"

local run = H.run
local CHROMIUM = os.getenv("ISMS_CHROMIUM") or "/usr/bin/chromium"
local q = H.shell_quote

local function register()
  local db = H.tmp("cli.db")
  local _, err, code = run("init", db)
  assert.are.equal(0, code, err)
  return db
end

local function batches(db)
  local p = io.popen("sqlite3 " .. q(db) .. " 'SELECT count(*) FROM change_batches'")
  local n = tonumber(p:read("*a"))
  p:close()
  return n
end

describe("isms roadmap", function()
  it("lists and shows workflows, with a plan from a start date", function()
    local out, err, code = run("roadmap", "list")
    assert.are.equal(0, code, err)
    for _, name in ipairs({ "certification", "internal-audit", "pre-implementation", "qism-24",
                            "risk-assessment" }) do
      assert.truthy(out:find(name, 1, true), name)
    end
    out = run("roadmap", "list", "--json")
    assert.are.equal(5, #cjson.decode(out).workflows)
    local _
    out, err, code = run("roadmap", "show", "qism-24", "--start", "2027-01-04")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("roles: top-management (Top management)", 1, true), out)
    assert.truthy(out:find("plan from 2027-01-04: finish 2027-12-20", 1, true), out)
    local j = cjson.decode((run("roadmap", "show", "certification", "--json", "--start",
                                "2027-01-04")))
    assert.are.equal("certification", j.name)
    assert.are.equal(12, #j.steps)
    _, err, code = run("roadmap", "show", "nope")
    assert.are.equal(4, code)
    assert.truthy(err:find("no roadmap rule file named 'nope'", 1, true), err)
    _, err, code = run("roadmap", "frobnicate")
    assert.are.equal(2, code)
    assert.truthy(err:find("unknown verb 'frobnicate'", 1, true), err)
  end)

  it("checks a file: file:line and the field, and with --db its criteria on the register", function()
    local bad = H.file("bad.lua", [[
roadmap "bad" { }
role "lead" { }
step "a" { role = "boss", title = "A", duration = 1 }
]])
    local _, err, code = run("roadmap", "check", bad)
    assert.are.equal(3, code)
    assert.truthy(err:find(bad .. ":3: step 'a': role: unknown role 'boss'; the roles are lead", 1,
                           true), err)
    local good = H.file("good.lua", [[
roadmap "good" { }
phase "one" { }
phase "two" { }
role "lead" { }
criterion "boom" { text = "breaks", check = function(r) return r.count.assets > 0 end }
criterion "other" { text = "another area's register", sql = { n = "SELECT count(*) FROM audits" },
  check = function(r) return r.sql.n > 0 end }
step "a" { phase = "two", role = "lead", title = "A", duration = 1 }
step "b" { phase = "one", role = "lead", title = "B", duration = 1, depends = { "a" },
           exit = { "boom", "other" } }
]])
    local out
    out, err, code = run("roadmap", "check", good)
    assert.are.equal(0, code, err)
    assert.truthy(out:find(good .. ": ok: roadmap good, 2 steps in 2 phases, 1 roles, 2 criteria",
                           1, true), out)
    assert.truthy(out:find("note: " .. good .. ":9: step 'b': depends: waits for step 'a' of a "
                           .. "later phase (two)", 1, true), out)
    out, err, code = run("--db", register(), "roadmap", "check", good)
    assert.are.equal(3, code)
    assert.truthy(err:find(good .. ":5: criterion 'boom': check: " .. good .. ":5: unknown name "
                           .. "'register.count.assets' (name it in the criterion's counts", 1, true),
                  err)
    assert.truthy(out:find(good .. ":6: criterion 'other': check: cannot be evaluated on this "
                           .. "register: sql n: no such table: audits", 1, true), out)
  end)

  it("starts a run, says where it stands, records by hand, schedules and asks what if", function()
    local db = register()
    local _
    local out, err, code = run("--db", db, "roadmap", "start", "risk-assessment", "--start",
                               "2027-01-04", "--target", "2027-03-31")
    assert.are.equal(0, code, err)
    assert.are.equal("RM-001\n", out)
    -- An empty register: nothing holds, a is ready.
    local before = batches(db)
    out, err, code = run("--db", db, "roadmap", "status", "--today", "2027-01-05", "--no-record")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("roadmap RM-001: Risk assessment exercise (guideline 6.2 a-j) "
                           .. "(risk-assessment)", 1, true), out)
    assert.truthy(out:find("next actions by role:\n  ISMS implementation team: a Identify the "
                           .. "assets and their owners", 1, true), out)
    assert.truthy(out:find("critical path: a -> c -> d -> g -> h -> i -> j", 1, true), out)
    assert.are.equal(before, batches(db))
    -- Assets with owners and values: steps a and b are done by the register, and recorded.
    assert.are.equal(0, select(3, run("--db", db, "import", "assets", H.file("a.csv", H.GOOD))))
    local j = cjson.decode((run("--db", db, "roadmap", "status", "RM-001", "--today", "2027-01-06",
                                "--json")))
    assert.are.equal(2, j.recorded)   -- a, and b: the import valued the assets
    assert.are.equal("2027-03-31", j.target)
    local a
    for _, s in ipairs(j.steps) do if s.id == "a" then a = s end end
    assert.are.same({ "done", "criteria", "2027-01-06" }, { a.status, a.how, a.done_on })
    assert.are.equal("holds", a.exit[1].state)
    -- By hand: a step without evidence is refused, with it recorded.
    _, err, code = run("--db", db, "roadmap", "complete", "c", "--today", "2027-01-06",
                       "--override", "listed on paper")
    assert.are.equal(3, code)
    assert.truthy(err:find("evidence: a step completed by hand needs evidence", 1, true), err)
    out, err, code = run("--db", db, "roadmap", "complete", "RM-001", "c", "--evidence",
                         "valuation sheet; sign-off", "--override", "listed on paper", "--date",
                         "2027-01-07")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("step c: done", 1, true))
    out = run("--db", db, "roadmap-steps", "show", "RM-001 / c")
    assert.truthy(out:find("evidence      valuation sheet; sign-off", 1, true), out)
    -- The schedule: a table, the critical path and a text Gantt.
    out, err, code = run("--db", db, "roadmap", "schedule", "--today", "2027-01-08")
    assert.are.equal(0, code, err)
    assert.truthy(out:find("late_start", 1, true), out)
    assert.truthy(out:find("legend: = done  # critical", 1, true), out)
    -- What a delay does.
    j = cjson.decode((run("--db", db, "roadmap", "whatif", "d", "--delay", "5", "--today",
                          "2027-01-08", "--json")))
    assert.are.equal(5, j.finish_by)
    assert.are.equal("d", j.moved[1].step)
    out = run("--db", db, "roadmap", "whatif", "RM-001", "f", "--delay", "2", "--today", "2027-01-08")
    assert.truthy(out:find("projected finish", 1, true), out)
    _, err, code = run("--db", db, "roadmap", "whatif", "a", "--delay", "2")
    assert.are.equal(3, code)
    assert.truthy(err:find("step a is done; only a step still to do can slip", 1, true), err)
    _, _, code = run("--db", db, "roadmap", "whatif", "d", "--delay", "-2")
    assert.are.equal(2, code)
    _, err, code = run("--db", db, "roadmap", "status", "--today", "2027-02-30")
    assert.are.equal(2, code)
    assert.truthy(err:find("--today: '2027-02-30' is not a date", 1, true), err)
  end)

  it("draws the Gantt chart as SVG and HTML that headless Chromium builds silently", function()
    local db = register()
    assert.are.equal(0, select(3, run("--db", db, "roadmap", "start", "qism-24", "--start",
                                      "2027-01-04", "--target", "2027-09-30", "--title",
                                      "QISM <roll-out> & \"friends\"")))
    assert.are.equal(0, select(3, run("--db", db, "roadmap", "complete", "2", "--evidence", "x",
                                      "--date", "2027-01-08")))
    local svg = H.tmp("gantt.svg")
    local _, err, code = run("--db", db, "roadmap", "schedule", "--today", "2027-03-01",
                             "--format", "svg", "--out", svg)
    assert.are.equal(0, code, err)
    local text = H.read(svg)
    assert.truthy(text:find('<line class="today"', 1, true))
    assert.truthy(text:find("critical", 1, true))
    assert.are.equal(24, H.count(text, '<g class="step '))
    local page = H.tmp("gantt.html")
    _, err, code = run("--db", db, "roadmap", "schedule", "--today", "2027-03-01", "--format",
                       "html", "--out", page)
    assert.are.equal(0, code, err)
    assert.truthy(H.read(page):find("QISM &lt;roll-out&gt; &amp;", 1, true) == nil)  -- the run's title is not the page's
    if os.execute("test -x " .. q(CHROMIUM)) ~= 0 then
      error(CHROMIUM .. " not found: the Gantt page is checked in headless Chromium; install it "
            .. "with `apt-get install chromium` (scripts/install-deps.sh does)", 0)
    end
    local home, profile = H.tmp("home"), H.tmp("profile")
    os.execute("mkdir -p " .. q(home) .. " " .. q(profile))
    local dom, log = H.tmp("dom.html"), H.tmp("chromium.err")
    local url = "file://" .. page:gsub("[^%w/._~-]", function(c) return ("%%%02X"):format(c:byte()) end)
    local cmd = table.concat({ "HOME=" .. q(home), "timeout 60", q(CHROMIUM), "--headless",
      "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
      "--enable-logging=stderr", "--v=0", "--user-data-dir=" .. q(profile), "--dump-dom", q(url),
      ">" .. q(dom), "2>" .. q(log) }, " ")
    assert.are.equal(0, os.execute(cmd))
    local built = H.read(dom)
    assert.are.equal(24, H.count(built, 'class="step '))
    assert.are.equal(1, H.count(built, 'class="today"'))
    assert.truthy(built:find('class="step done"', 1, true), "a done step")
    assert.truthy(built:find('class="step ready critical overdue"', 1, true) or
                  built:find('class="step blocked critical overdue"', 1, true), "overdue and critical")
    assert.truthy(built:find("url(#hatch)", 1, true), "blocked steps hatched")
    assert.truthy(built:find('<tr data-step="24">', 1, true))
    for line in H.read(log):gmatch("[^\n]+") do
      assert.is_nil(line:find(":CONSOLE[:(]%d"), "the page wrote to its console: " .. line)
    end
  end)
end)
