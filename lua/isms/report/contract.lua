--- The report model contract (docs/report-model.md): what a model is
-- (sections of kind facts, table or heatmaps) and how a cell reads as
-- text. Every builder and every renderer depends on this file; no
-- renderer depends on another renderer.
-- @module isms.report.contract
local format = require "isms.store.format"

local M = {}

M.FORMATS = "table, csv, json, markdown, html, xlsx"

local KINDS = { facts = true, table = true, heatmaps = true }

--- Display width in characters (UTF-8 continuation bytes do not count).
function M.width(s)
  return #s - select(2, s:gsub("[\128-\191]", ""))
end

--- A cell's value as text: nil -> "", booleans -> yes/no, numbers as
-- short decimals (36, 2.5).
function M.cell_text(v)
  if v == nil then return "" end
  if v == true then return "yes" end
  if v == false then return "no" end
  if type(v) == "number" then return format.number(v) end
  return tostring(v)
end

--- A column's title as the text formats show it: with the suffix
-- " [confidential]" when the column is confidential.
function M.column_title(c)
  local title = tostring(c.title or c.key)
  if c.confidential then title = title .. " [confidential]" end
  return title
end

--- "N of TOTAL rows" when a table shows fewer rows than the register holds.
function M.shown(s)
  local n = #(s.rows or {})
  if type(s.total) == "number" and s.total > n then
    return ("%s of %s rows"):format(format.number(n), format.number(s.total))
  end
end

--- "N risks" (or "1 risk").
function M.risks(n)
  n = n or 0
  return format.number(n) .. (n == 1 and " risk" or " risks")
end

--- Raises an error (at `level`, counted from the caller of `check`) unless
-- model looks like a report model: a table with a list of sections, each
-- of a known kind.
function M.check(model, level)
  level = (level or 1) + 1
  if type(model) ~= "table" then error("report: the model must be a table", level) end
  if type(model.sections) ~= "table" then error("report: the model has no sections list", level) end
  for i, s in ipairs(model.sections) do
    if type(s) ~= "table" or not KINDS[s.kind] then
      error(("report: section %d (%s) has unknown kind '%s' (facts, table, heatmaps)")
            :format(i, tostring(type(s) == "table" and s.id), tostring(type(s) == "table" and s.kind)),
            level)
    end
  end
end

return M
