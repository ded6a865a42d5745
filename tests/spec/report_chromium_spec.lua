-- The HTML report (lua/isms/report_html.lua) opened in a real browser:
-- Debian's headless Chromium (scripts/install-deps.sh installs it) loads
-- the fixture report (report_fixture.lua) from a file, and the test reads
-- back the DOM it built (every heat map and cell there, the nasty values
-- still text), its console (silent), a screenshot and a PDF print.
-- Without Chromium these tests fail, naming the package to install: CI
-- installs it, and a skipped browser check would pass unseen.
--
-- What Chromium 156 prints on stderr here (no D-Bus, no GPU): the Debian
-- launcher's "/usr/bin/chromium: 9: [: ...: unexpected operator", many
-- "ERROR:dbus/bus.cc" and "ERROR:dbus/object_proxy.cc" lines, vaapi,
-- sandbox and idle WARNINGs. None of that is the page's. What the page
-- writes to its console (console.log/warn/error, uncaught exceptions, CSP
-- violations) is logged as
--   [pid:tid:time:INFO:CONSOLE:1] "message", source: file:///.../x.html (1)
-- (older versions: "INFO:CONSOLE(1)] ..."), and that is what is checked.
-- A missing <img> is not logged at all at --v=0, so the test that proves
-- the check can fail uses an inline script.
local H = require "helper"
local F = require "report_fixture"
local html = require "isms.report.html"

local CHROMIUM = os.getenv("ISMS_CHROMIUM") or "/usr/bin/chromium"
local q = H.shell_quote

local function need_chromium()
  if os.execute("test -x " .. q(CHROMIUM)) ~= 0 then
    error(CHROMIUM .. " not found: the HTML report is checked in headless Chromium; install it with "
          .. "`apt-get install chromium` (scripts/install-deps.sh does, as CI does)", 0)
  end
end

local function mkdir(path)
  assert(os.execute("mkdir -p " .. q(path)) == 0)
  return path
end

local function file_url(path)
  assert(path:sub(1, 1) == "/", "an absolute path: " .. path)
  return "file://" .. path:gsub("[^%w/._~-]", function(c) return ("%%%02X"):format(c:byte()) end)
end

--- Runs headless Chromium on a page with extra arguments; returns
-- { code, out, err }. HOME and the profile are fresh temporary folders.
local function chromium(page, ...)
  need_chromium()
  local out, err = H.tmp("chromium.out"), H.tmp("chromium.err")
  local args = {}
  for i, a in ipairs({ ... }) do args[i] = q(a) end
  local cmd = table.concat({
    "HOME=" .. q(mkdir(H.tmp("home"))), "timeout 60", q(CHROMIUM),
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
    "--enable-logging=stderr", "--v=0", "--user-data-dir=" .. q(mkdir(H.tmp("profile"))),
    table.concat(args, " "), q(file_url(page)), ">" .. q(out), "2>" .. q(err), "; echo $?",
  }, " ")
  local p = io.popen(cmd)
  local code = tonumber(p:read("*a"))
  p:close()
  assert.are_not.equal(124, code, "chromium did not finish within 60 s")
  return { code = code, out = H.read(out), err = H.read(err) }
end

--- The lines of Chromium's stderr that come from the page: console
-- messages, and error lines that name the page's URL.
local function page_messages(stderr, url)
  local found = {}
  for line in stderr:gmatch("[^\n]+") do
    if line:find(":CONSOLE[:(]%d") or (url and line:find(":ERROR:", 1, true) and line:find(url, 1, true)) then
      found[#found + 1] = line
    end
  end
  return found
end

local count = H.count

local function be32(s, at)
  local a, b, c, d = s:byte(at, at + 3)
  return ((a * 256 + b) * 256 + c) * 256 + d
end

describe("report html in headless chromium #chromium", function()
  local report_path
  local function report_page()
    report_path = report_path or H.write(H.tmp("report.html"), html.render(F.model()))
    return report_path
  end

  it("tells page console messages from the browser's own log lines", function()
    local log = table.concat({
      "/usr/bin/chromium: 9: [: 25276026880: unexpected operator",
      "[24233:24262:1123/132250.307827:ERROR:dbus/bus.cc:405] Failed to connect to the bus: "
        .. "Failed to connect to socket /run/dbus/system_bus_socket: No such file or directory",
      "[24276:24276:1123/132250.766562:WARNING:media/gpu/vaapi/vaapi_wrapper.cc:1655] drmGetDevices2() "
        .. "has not found any devices",
      '[24403:24403:1123/132254.662566:INFO:CONSOLE:1] "boom", source: file:///tmp/x.html (1)',
      '[1:1:0101/000000.000000:INFO:CONSOLE(7)] "old style", source: file:///tmp/x.html (7)',
      "[1:1:0101/000000.000000:ERROR:net/x.cc:1] failed to load file:///tmp/x.html",
    }, "\n")
    local got = page_messages(log, "file:///tmp/x.html")
    assert.are.equal(3, #got)
    assert.matches('"boom"', got[1])
    assert.matches('"old style"', got[2])
    assert.matches("failed to load", got[3])
  end)

  it("builds the DOM: every heat map and cell, values kept as text, a silent console", function()
    local page = report_page()
    local r = chromium(page, "--dump-dom")
    assert.are.equal(0, r.code, r.err)
    local dom = r.out
    assert.truthy(dom:find("<html", 1, true))
    assert.truthy(dom:find("</html>", 1, true))
    assert.are.equal(4, count(dom, '<svg class="heatmap"'))
    assert.are.equal(F.cell_count(F.model()), count(dom, "<rect "))
    assert.are.equal(96, count(dom, '<g class="cell"><title>'))
    assert.truthy(dom:find("<title>5 Almost certain x 1 Insignificant: 18 risks, Medium</title>", 1, true))
    assert.truthy(dom:find('<section id="soa" class="table">', 1, true))
    assert.truthy(dom:find('<p class="classification" role="note">', 1, true))
    -- markup in values stayed text: no <b> element, no script
    assert.truthy(dom:find("Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt;", 1, true))
    assert.falsy(dom:find("<b>", 1, true))
    assert.falsy(dom:find("<script", 1, true))
    assert.are.same({}, page_messages(r.err, file_url(page)))
  end)

  it("catches a page that writes to its console", function()
    local bad = H.write(H.tmp("bad.html"), '<!DOCTYPE html><html><head><meta charset="utf-8"><title>bad</title>'
      .. '</head><body><img src="missing.png" alt=""><script>console.error("deliberate console error");'
      .. "undefinedFunction();</script></body></html>")
    local r = chromium(bad, "--dump-dom")
    assert.are.equal(0, r.code, r.err)
    local got = page_messages(r.err, file_url(bad))
    assert.are.equal(2, #got, r.err)
    assert.matches("deliberate console error", got[1], 1, true)
    assert.matches("undefinedFunction is not defined", got[2], 1, true)
  end)

  it("paints a screenshot that is more than a blank page", function()
    local function shot(path)
      local png = H.tmp("shot.png")
      local r = chromium(path, "--screenshot=" .. png, "--window-size=1280,2000")
      assert.are.equal(0, r.code, r.err)
      assert.are.same({}, page_messages(r.err, file_url(path)))
      local data = H.read(png)
      assert.are.equal("\137PNG\r\n\26\n", data:sub(1, 8))
      assert.are.equal("IHDR", data:sub(13, 16))
      assert.are.equal(1280, be32(data, 17))
      assert.are.equal(2000, be32(data, 21))
      return #data
    end
    local blank = shot(H.write(H.tmp("blank.html"),
      '<!DOCTYPE html><html><head><meta charset="utf-8"><title>blank</title></head><body></body></html>'))
    local report = shot(report_page())
    assert.is_true(report > 4 * blank, ("report %d bytes, blank page %d"):format(report, blank))
  end)

  it("prints to PDF", function()
    local pdf = H.tmp("report.pdf")
    local r = chromium(report_page(), "--no-pdf-header-footer", "--print-to-pdf=" .. pdf)
    assert.are.equal(0, r.code, r.err)
    local data = H.read(pdf)
    assert.are.equal("%PDF-", data:sub(1, 5))
    assert.is_true(#data > 20000, #data .. " bytes")
  end)
end)

describe("isms report --format html of a register in headless chromium #chromium", function()
  it("renders both heat maps of a treated register with a silent console", function()
    local db = H.tmp("chromium-register.db")
    os.remove(db)
    local function isms(...)
      local out, err, code = H.run("--db", db, ...)
      assert.are.equal(0, code, err)
      return out
    end
    H.run("init", db)
    isms("import", "assets", H.file("a.csv", "id,name,type,owner,c,i,a\nSRV-1,Build server,physical,IT,2,2,2\n"))
    isms("risks", "generate", "generic")
    local reg = assert(require("isms").open(db))
    local ref = reg:risks()[1].ref
    assert(reg:set_risk(ref, { ratings = { S = 8, O = 5, D = 6 } }))
    reg:close()
    isms("treat", ref, "modify", "--controls", "A.8.7", "--residual", "S=8,O=1,D=2")
    local page = H.tmp("register-report.html")
    isms("report", "--format", "html", "--out", page, "--today", "2027-01-15")
    local r = chromium(page, "--dump-dom")
    assert.are.equal(0, r.code, r.err)
    assert.are.same({}, page_messages(r.err, file_url(page)))
    assert.are.equal(2, count(r.out, '<svg class="heatmap"'))
    assert.are.equal(200, count(r.out, "<rect"))  -- S x O: 10 x 10, before and after
    assert.truthy(r.out:find("8 Very high x 5 Moderate: 1 risk, zone High", 1, true))
    assert.truthy(r.out:find("8 Very high x 1 Remote: 1 risk, zone Low", 1, true))
  end)

  it("renders the gap report: a bar per clause, the gaps, a silent console", function()
    local db = H.tmp("chromium-gap.db")
    os.remove(db)
    local function isms(...)
      local out, err, code = H.run("--db", db, ...)
      assert.are.equal(0, code, err)
      return out
    end
    H.run("init", db)
    isms("requirements", "import", "iso27001-2022")
    isms("gap", "new", "--framework", "iso27001-2022", "--assessor", "x", "--date", "2026-12-01")
    isms("gap", "credit", "GA-001", "--certified")
    isms("gap", "answer", "GA-001", "A.5.1", "status=met", "notes=<script>alert(1)</script>")
    local page = H.tmp("gap-report.html")
    isms("gap", "report", "GA-001", "--format", "html", "--out", page)
    local r = chromium(page, "--dump-dom")
    assert.are.equal(0, r.code, r.err)
    assert.are.same({}, page_messages(r.err, file_url(page)))
    -- one bar per clause (4-10 and A) and per theme (the clauses'
    -- requirements and the four Annex A themes)
    assert.are.equal(13, count(r.out, '<svg class="bar"'))
    assert.truthy(r.out:find("Gaps in priority order", 1, true))
    assert.truthy(r.out:find("6.1.2 a) 1)", 1, true))
  end)
end)
