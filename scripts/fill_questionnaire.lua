-- Fills answers into an exported questionnaire workbook, as the people of
-- a workshop would in Excel or LibreOffice, and writes it out again with
-- the same drop-downs and locked columns (isms.store.tabular):
--   isms --db REG run scripts/fill_questionnaire.lua A IN.xlsx OUT.xlsx \
--     "REF|field=value|field=value" ...
-- e.g. "A.8.13|status=met|maturity=3|owner=IT Operations". Then
--   isms --db REG gap import A OUT.xlsx
-- reads it back, all or nothing, naming any bad cell (OUT.xlsx:Questionnaire!C7).
local isms = require "isms"
local tabular = require "isms.store.tabular"
local assess = require "isms.gap.assess"

local a, input, output = arg[1], arg[2], arg[3]
if not output then
  io.stderr:write("usage: isms run scripts/fill_questionnaire.lua A IN.xlsx OUT.xlsx "
    .. "\"REF|field=value\" ...\n")
  os.exit(2)
end
local reg = assert(isms.open(isms.default_db()))
local _, method = assert(assess.assessment(reg, a))
local columns = assess.xlsx_columns(method)
local rd = assert(tabular.open(input))
local rows, by_ref = {}, {}
for cells in rd.next, rd do
  local row = {}
  for k, name in ipairs(rd.header) do row[name] = cells[k] end
  rows[#rows + 1], by_ref[row.requirement] = row, row
end
rd:close()
for k = 4, #arg do
  local ref, rest = arg[k]:match("^([^|]+)|(.*)$")
  local row = assert(by_ref[ref or ""], "no requirement '" .. tostring(ref) .. "' in " .. input)
  for field, value in (rest .. "|"):gmatch("([%w_]+)=([^|]*)|") do row[field] = value end
end
assert(tabular.write_xlsx(output, "Questionnaire", columns, rows))
print(("%s: %d rows, %d filled in"):format(output, #rows, #arg - 3))
