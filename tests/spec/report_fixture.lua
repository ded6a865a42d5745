--- The report model the report specs render (report_render_spec,
-- report_chromium_spec): every section kind, values that need escaping in
-- every format, and heat maps of 5x5, 1x1 and 3x15 cells.
local F = {}

--- A value with everything a format must escape: markup, an entity, quotes,
-- a pipe, a comma, a newline, a tab and non-ASCII UTF-8.
F.NASTY = 'Tom & Jerry <b>bold</b> "quoted" \'single\' | piped, comma\nsecond\tline: Ünïcødé ✓ 日本語'

F.LEVELS = {
  { name = "Low", rank = 1, color = "#2E7D32" },
  { name = "Medium", rank = 2 },
  { name = "High", rank = 3 },
  { name = "Very high", rank = 4, color = "#B71C1C" },
}

local LIKELIHOOD = { "5 Almost certain", "4 Likely", "3 Possible", "2 Unlikely", "1 Rare" }
local IMPACT = { "1 Insignificant", "2 Minor", "3 Moderate", "4 Major", "5 Severe" }
local LEVEL_BY_SCORE = { "Low", "Low", "Low", "Medium", "Medium", "Medium", "High", "High", "Very high" }

-- A 5x5 map: counts follow from (r, c, seed); some cells are empty, one
-- holds risks without a level.
local function five(title, seed)
  local cells, total = {}, 0
  for r = 1, 5 do
    cells[r] = {}
    for c = 1, 5 do
      local count = (r * 7 + c * 3 + seed) % 6 == 0 and 0 or ((r * 13 + c * 5 + seed) % 40)
      local likelihood = 6 - r
      local level = count > 0 and LEVEL_BY_SCORE[likelihood + c - 1] or nil
      cells[r][c] = { count = count, level = level }
      total = total + count
    end
  end
  cells[5][1] = { count = 2 }   -- risks without a level
  return { title = title, row_title = "Likelihood", col_title = "Impact",
           rows = LIKELIHOOD, cols = IMPACT, cells = cells, total = total + 2 }
end

--- A fresh model (tests may change it).
function F.model()
  local wide_cols = {}
  for c = 1, 15 do wide_cols[c] = ("Consequence category number %d (long label)"):format(c) end
  local wide_cells = {}
  for r = 1, 3 do
    wide_cells[r] = {}
    for c = 1, 15 do
      local count = (r * c) % 4 == 0 and 0 or r * c * 137
      wide_cells[r][c] = { count = count, level = count > 0 and F.LEVELS[(r + c) % 4 + 1].name or nil }
    end
  end
  local levels = {}
  for i, l in ipairs(F.LEVELS) do levels[i] = { name = l.name, rank = l.rank, color = l.color } end
  return {
    title = "Statement of Applicability & <Risk> Report",
    subtitle = "ISO/IEC 27001:2022 Annex A, revision 3 — “draft”",
    generated_at = "2026-11-23",
    register = "registers/q&a <test>.db",
    sections = {
      { id = "summary", title = "Summary", kind = "facts",
        facts = {
          { label = "Risks", value = 3818 },
          { label = "Methodology", value = "qism-fmea" },
          { label = "Scope <main> & \"HQ\"", value = F.NASTY },
          { label = "Carried from 2013", value = true },
          { label = "Mean score", value = 2.5 },
        } },
      { id = "soa", title = "Statement of Applicability", kind = "table",
        columns = {
          { key = "control", title = "Control" },
          { key = "name", title = "Name, full" },
          { key = "risks", title = "Linked risks", numeric = true },
          { key = "applicable", title = "Applicable" },
          { key = "justification", title = "Justification", confidential = true },
        },
        rows = {
          { control = "A.5.1", name = "Policies for information security", risks = 12,
            applicable = true, justification = "Required by clause 5.2" },
          { control = "A.5.2", name = F.NASTY, risks = 3818, applicable = false,
            justification = F.NASTY },
          { control = "A.8.7", name = "Protection against malware", risks = nil,
            applicable = true, justification = nil },
          { control = "A.8.24", name = "Use of cryptography", risks = 7, applicable = true,
            justification = "Kryptografie für Daten | at rest, in transit" },
        },
        total = 93,
        note = "The 4 first of 93 controls; all in XLSX",
        problems = { "A.8.7 is excluded but used by the treatment of R-0012 <&>",
                     "A.5.2 has no owner, | no date" } },
      { id = "owners", title = "Control owners", kind = "table",
        columns = { { key = "owner", title = "Owner" }, { key = "controls", title = "Controls", numeric = true } },
        rows = { { owner = "CISO", controls = 41 }, { owner = "Head of IT", controls = 52 } },
        total = 2 },
      { id = "empty", title = "Exceptions", kind = "table",
        columns = { { key = "id", title = "Id" } }, rows = {}, total = 0 },
      { id = "heatmap", title = "Risk heat map", kind = "heatmaps",
        maps = {
          five("Before treatment", 0),
          five("After treatment", 3),
          { title = "One cell", row_title = "L", col_title = "I", rows = { "All" }, cols = { "All" },
            cells = { { { count = 1, level = "Medium" } } }, total = 1,
            note = "121 risks are not rated" },
          { title = "Wide: " .. F.NASTY, row_title = "Likelihood over a very long axis title that will not fit",
            col_title = "Consequence <category> & more",
            rows = { "High – with a very long row label that goes on and on", F.NASTY, "Low" },
            cols = wide_cols, cells = wide_cells },
        },
        levels = levels },
    },
  }
end

--- The same model without confidential columns.
function F.public_model()
  local m = F.model()
  for _, s in ipairs(m.sections) do
    for _, c in ipairs(s.columns or {}) do c.confidential = nil end
  end
  return m
end

--- Cells in all heat maps of a model.
function F.cell_count(model)
  local n = 0
  for _, s in ipairs(model.sections) do
    for _, map in ipairs(s.maps or {}) do n = n + #map.rows * #map.cols end
  end
  return n
end

return F
