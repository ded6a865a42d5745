-- The report's one-pass scan (core/report_scan.c, isms_report_scan_read)
-- against the register read into columns (report.full's path "columns"):
-- on a register of a few thousand risks rated, treated and accepted every
-- way the report counts (unrated, avoided, residual ratings missing,
-- overrides, owners or none, management and owners' acceptances, a risk
-- whose asset is gone), both paths give the same model.
local H = require "helper"
local report = require "isms.report.models"

local function sql(path, text)
  local f = H.file("scan.sql", text)
  assert(os.execute("sqlite3 " .. H.shell_quote(path) .. " < " .. H.shell_quote(f) .. " >/dev/null"))
end

local function register(n_assets)
  local reg, path = H.register()
  local lines = { "id,name,type,owner,c,i,a" }
  for k = 1, n_assets do
    lines[#lines + 1] = ("A-%04d,Asset %d,%s,%s,%d,%d,%d"):format(k, k,
      k % 3 == 0 and "information" or "physical", k % 4 == 0 and "" or "IT;Legal",
      1 + k % 4, 1 + k % 3, 1 + k % 2)
  end
  assert(reg:import_assets(H.file("assets.csv", table.concat(lines, "\n") .. "\n")))
  assert(reg:generate_risks("generic"))
  -- ratings, levels and treatments straight in SQL, from a hash of each
  -- risk's position (as tests/bench/report.sh builds its register)
  sql(path, [[
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TEMP TABLE h(ref TEXT PRIMARY KEY, x INTEGER, h INTEGER);
INSERT INTO h SELECT ref, x, (x * 2654435761) % 1000003
  FROM (SELECT ref, row_number() OVER (ORDER BY ref) AS x FROM risks);
UPDATE risks SET
  r1 = CASE WHEN (SELECT h FROM h WHERE h.ref = risks.ref) % 23 = 0 THEN NULL
            ELSE 1 + (SELECT h FROM h WHERE h.ref = risks.ref) % 10 END,
  r2 = 1 + ((SELECT h FROM h WHERE h.ref = risks.ref) / 10) % 10,
  r3 = 1 + ((SELECT h FROM h WHERE h.ref = risks.ref) / 100) % 10,
  obligations = (SELECT h FROM h WHERE h.ref = risks.ref) % 8,
  owners = CASE WHEN (SELECT h FROM h WHERE h.ref = risks.ref) % 5 = 0 THEN NULL
                ELSE 'IT;Legal' END;
UPDATE risks SET score = coalesce(r1, 0) * r2 * r3 * 1000000;
UPDATE risks SET level_rank = CASE WHEN r1 IS NULL THEN NULL WHEN score < 100000000 THEN 1
                                   WHEN score < 200000000 THEN 2 ELSE 3 END;
UPDATE risks SET level = CASE level_rank WHEN 1 THEN 'Low' WHEN 2 THEN 'Medium'
                                         WHEN 3 THEN 'High' END,
                 acceptable = CASE WHEN level_rank IS NULL THEN NULL
                                   WHEN level_rank <= 2 THEN 1 ELSE 0 END;
INSERT INTO treatments(risk, option, rationale, rr1, rr2, rr3, residual_score, residual_rank,
                       residual_level, residual_acceptable, override_by, override_reason)
  SELECT r.ref,
         CASE h.h % 4 WHEN 0 THEN 'modify' WHEN 1 THEN 'retain' WHEN 2 THEN 'avoid'
                      ELSE 'share' END, 'spec',
         CASE WHEN h.h % 9 = 0 THEN NULL ELSE 1 + h.h % 3 END,
         CASE WHEN h.h % 11 = 0 THEN NULL ELSE 1 + (h.h / 3) % 4 END, r.r3,
         1000000, CASE WHEN h.h % 13 = 0 THEN NULL ELSE 1 + h.h % 3 END,
         'Low', h.h % 2, CASE WHEN h.h % 17 = 0 THEN 'CEO' END,
         CASE WHEN h.h % 17 = 0 THEN 'spec' END
  FROM risks r JOIN h USING (ref) WHERE r.level_rank >= 2 OR h.x % 7 = 0;
INSERT INTO acceptances(risk, role, who, at, rationale)
  SELECT t.risk, 'management', 'CEO', '2026-11-01', 'spec' FROM treatments t JOIN h ON h.ref = t.risk
  WHERE h.h % 3 <> 0;
INSERT INTO acceptances(risk, role, who, at, rationale)
  SELECT t.risk, 'owner', 'IT', '2026-11-01', 'spec' FROM treatments t JOIN h ON h.ref = t.risk
  WHERE h.h % 5 IN (1, 2);
INSERT INTO acceptances(risk, role, who, at, rationale)
  SELECT t.risk, 'owner', 'Legal', '2026-11-01', 'spec' FROM treatments t JOIN h ON h.ref = t.risk
  WHERE h.h % 5 = 1;
-- acceptances of untreated risks are not counted
INSERT INTO acceptances(risk, role, who, at, rationale)
  SELECT r.ref, 'management', 'CEO', '2026-11-01', 'spec' FROM risks r JOIN h USING (ref)
  WHERE h.x % 50 = 1 AND r.ref NOT IN (SELECT risk FROM treatments);
-- a risk whose asset is gone, treated and accepted: neither path shows it
INSERT INTO risks(ref, asset, threat, r1, r2, r3, score, level, level_rank, acceptable,
                  owners, created_batch)
  SELECT 'GONE/T-1', 'GONE', 'T-1', 9, 9, 9, 729000000, 'High', 3, 0, 'IT', created_batch
  FROM risks LIMIT 1;
INSERT INTO treatments(risk, option, rr1, residual_rank) VALUES ('GONE/T-1', 'modify', 1, 1);
INSERT INTO acceptances(risk, role, who, at, rationale)
  VALUES ('GONE/T-1', 'management', 'CEO', '2026-11-01', 'spec');
COMMIT;
]])
  return reg, path
end

describe("report scan", function()
  it("gives the model the register read into columns gives, on a few thousand risks", function()
    local reg = register(120)
    local n = tonumber(reg:query("SELECT count(*) AS n FROM risks")().n)
    assert.is_true(n > 2000, "risks: " .. n)
    for _, limit in ipairs({ 25, 100000 }) do
      local fast = assert(report.full(reg, { today = "2027-01-15", limit = limit }))
      local slow = assert(report.full(reg, { today = "2027-01-15", limit = limit, path = "columns" }))
      assert.are.same(slow, fast)
      -- and the register is the one described: every kind of count is there
      local by_id = {}
      for _, s in ipairs(fast.sections) do by_id[s.id] = s end
      assert.are.equal(n - 1, by_id.risks.total)             -- the orphan is left out
      assert.truthy(by_id.heatmap.maps[1].note:find("not rated"))
      assert.truthy(by_id.heatmap.maps[2].note:find("avoided"))
      assert.is_true(by_id.acceptance.total > 0)
      assert.are.equal(math.min(limit, n - 1), #by_id.risks.rows)
    end
  end)

  it("gives the same model read in parts, one thread and connection each", function()
    local ffi = require "ffi"
    pcall(ffi.cdef, "int setenv(const char *, const char *, int); int unsetenv(const char *);")
    local reg = register(120)
    local slow = {}
    for _, limit in ipairs({ 25, 100000 }) do
      slow[limit] = assert(report.full(reg, { today = "2027-01-15", limit = limit, path = "columns" }))
    end
    -- 50 parts of about 50 risks: the most urgent, and the first risks
    -- awaiting acceptance (25 of them), come from many parts
    for _, parts in ipairs({ 2, 3, 7, 50 }) do
      ffi.C.setenv("ISMS_REPORT_THREADS", tostring(parts), 1)
      for _, limit in ipairs({ 25, 100000 }) do
        local ok, fast = pcall(report.full, reg, { today = "2027-01-15", limit = limit })
        ffi.C.unsetenv("ISMS_REPORT_THREADS")
        assert(ok, fast)
        assert.are.same(slow[limit], fast)
        ffi.C.setenv("ISMS_REPORT_THREADS", tostring(parts), 1)
      end
    end
    ffi.C.unsetenv("ISMS_REPORT_THREADS")
  end)

  it("reads in one pass inside a write of its own connection (others cannot see it)", function()
    local ffi = require "ffi"
    pcall(ffi.cdef, "int setenv(const char *, const char *, int); int unsetenv(const char *);")
    local reg = register(120)
    local ref = reg:query("SELECT risk FROM treatments WHERE option <> 'avoid' ORDER BY risk DESC LIMIT 1")().risk
    local fast, slow
    local ok, err = require("isms.store.records").run(reg, "spec", nil, function(w)
      -- not yet committed: the last treated risk (in the last part) now avoided
      w.put("treatment", { risk = ref, option = "avoid", rationale = "spec" })
      ffi.C.setenv("ISMS_REPORT_THREADS", "4", 1)
      local got, e = pcall(report.full, reg, { today = "2027-01-15", limit = 25 })
      ffi.C.unsetenv("ISMS_REPORT_THREADS")
      assert(got, e)
      fast = e
      slow = assert(report.full(reg, { today = "2027-01-15", limit = 25, path = "columns" }))
      w.fail("rolled back")
    end)
    assert.is_nil(ok)
    assert.are.equal("rolled back", err)
    assert.are.same(slow, fast)
    local after = fast.sections[2].maps[2]
    local now = assert(report.full(reg, { today = "2027-01-15", limit = 25 })).sections[2].maps[2]
    assert.are_not.same(now.note, after.note)  -- one risk more avoided, then rolled back
  end)

  it("refuses an axis column past r4 (the report then reads columns)", function()
    local reg = register(2)
    local b = require "isms.store._ffi"
    local box = b.ffi.new("isms_report_scan *[1]")
    assert.are_not.equal(0, b.C.isms_report_scan_read(reg.db, 4, 0, 10, box))
    assert.are.equal(0, b.C.isms_report_scan_read(reg.db, 0, -1, 10, box))
    -- one factor: every rated risk in column 0 of its row
    local sc, sum, off_axis = box[0], 0, 0
    for k = 0, 256 * 256 * b.C.ISMS_REPORT_RANKS - 1 do
      sum = sum + sc.before[k]
      if math.floor(k / b.C.ISMS_REPORT_RANKS) % 256 ~= 0 then off_axis = off_axis + sc.before[k] end
    end
    assert.are.equal(tonumber(sc.n), sum + tonumber(sc.unrated))
    assert.are.equal(0, off_axis)
    b.C.isms_report_scan_free(sc)
  end)
end)
