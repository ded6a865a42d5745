--- Reports: one model (docs/report-model.md), rendered per format.
-- `render` turns a model into text (table, CSV, JSON, Markdown) or an
-- HTML page; `write_xlsx` writes it as a workbook. Builders of models
-- live with their domain (isms.report.models for the risk report, the
-- SoA and the RTP); renderers depend on the model contract only.
-- @module isms.report
local contract = require "isms.report.contract"
local text = require "isms.report.text"
local html = require "isms.report.html"
local xlsx = require "isms.report.xlsx"

local M = {}

M.FORMATS = contract.FORMATS

--- Renders a report model as text.
-- @tparam table model a report model
-- @tparam string fmt "table", "csv", "json", "markdown" or "html"
-- @treturn string the report
-- @raise on an unknown format, on "xlsx" (written to a file by the C
--   core: see write_xlsx), or on a model that is not a report model
function M.render(model, fmt)
  if fmt == "xlsx" then
    error("report: xlsx is written to a file by the C core (isms_report_xlsx), not to a string", 2)
  elseif fmt ~= "html" and not text.FORMATS[fmt] then
    error(("report: unknown format '%s' (%s)"):format(tostring(fmt), M.FORMATS), 2)
  end
  contract.check(model, 2)
  if fmt == "html" then return html.render(model) end
  return text.render(model, fmt)
end

--- Writes a model's sections, then `extra` sheets (see isms.report.xlsx),
-- to an XLSX file.
-- @treturn true|nil true, or nil, message, code
function M.write_xlsx(reg, model, path, extra)
  local sheets = {}
  for _, s in ipairs(model.sections) do xlsx.section_sheets(s, sheets) end
  for _, s in ipairs(extra or {}) do sheets[#sheets + 1] = s end
  return xlsx.write(reg, path, model.title, sheets)
end

return M
