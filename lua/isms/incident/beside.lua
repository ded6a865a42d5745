--- Incidents beside likelihood where risks are shown (issue 21, item 2):
-- the risk list, `isms risks explain` and the risk report's most urgent
-- risks. Each view asks for the incident history once
-- (isms.incidents.history: one SQL query for every risk) and adds its
-- columns only when the register holds incidents, so a register without
-- them looks as it did.
local likelihood = require "isms.incident.likelihood"
local sql_read = require "isms.incident._sql"

local M = {}

--- Whether the register holds any incident (an index probe).
function M.any(reg)
  return sql_read.first(reg, "SELECT 1 AS x FROM incidents LIMIT 1") ~= nil
end

-- Up to this many risks shown, the history is asked for those only (its
-- incidents looked up by id); more, and it reads every incident once.
M.FEW = 10000

--- The incident history of every risk with incidents in the window (or
-- of those in the list `refs`), by ref; nil (and why) when the register
-- holds none or its incident rule file does not load. opts: { today }.
function M.by_ref(reg, opts, refs)
  if not M.any(reg) then return nil end
  local list, err = likelihood.history(reg, { today = opts and opts.today, refs = refs })
  if not list then return nil, err end
  local map = {}
  for _, h in ipairs(list) do map[h.ref] = h end
  return map
end

--- Sets `incidents` (the count in the window, 0 when none) and
-- `incident_flag` (the flag rule's reason, or nil) on each row that has a
-- `ref` (or `key`), from one history query. Returns the history by ref,
-- or nil when the register holds no incident (the rows are left alone).
function M.annotate(reg, rows, opts)
  local key = opts and opts.key or "ref"
  local refs
  if #rows <= M.FEW then
    refs = {}
    for k, row in ipairs(rows) do refs[k] = row[key] end
  end
  local map, err = M.by_ref(reg, opts, refs)
  if not map then return nil, err end
  for _, row in ipairs(rows) do
    local h = map[row[key]]
    row.incidents = h and h.count or 0
    row.incident_flag = h and h.flag or nil
  end
  return map
end

-- A copy of a column list with more columns at its end.
local function with(list, more)
  local out = {}
  for k, c in ipairs(list) do out[k] = c end
  for _, c in ipairs(more) do out[#out + 1] = c end
  return out
end

--- For a command that lists risks: annotates the rows and returns the
-- table columns and the data columns (csv, json) with the incident
-- columns added, or the given ones when the register holds no incident.
-- CSV keeps the import format of the risk register, so it gains nothing.
function M.list_columns(reg, rows, table_cols, data_cols, fmt, opts)
  if fmt == "csv" or not M.annotate(reg, rows, opts) then return table_cols, data_cols end
  return with(table_cols, { "incidents", { "incident_flag", "incident flag", 40 } }),
    with(data_cols, { "incidents", "incident_flag" })
end

--- For a report table of risks (rows keyed by `ref`): annotates the rows
-- and returns the columns with "Incidents" and "Incident history flag"
-- added, or the given ones when the register holds no incident.
function M.report_columns(reg, rows, columns, opts)
  local map = M.annotate(reg, rows, opts)
  if not map then return columns end
  return with(columns, {
    { key = "incidents", title = "Incidents", numeric = true },
    { key = "incident_flag", title = "Incident history flag" },
  })
end

--- The lines `isms risks explain` prints under the explanation: the
-- incidents beside the likelihood rating and the flag, if any; nil when
-- the register holds no incident.
function M.explain(reg, ref, opts)
  if not M.any(reg) then return nil end
  local b, err = likelihood.beside_likelihood(reg, ref, opts)
  if not b then return nil, err end
  local lines = { "incidents: " .. b.text .. (#b.incidents > 0 and
    (" (" .. table.concat(b.incidents, ", ") .. ")") or "") }
  if b.flag then lines[#lines + 1] = "  flag: " .. b.flag end
  return table.concat(lines, "\n") .. "\n", b
end

return M
