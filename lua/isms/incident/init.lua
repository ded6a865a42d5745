--- The incident register (ISO/IEC 27001:2022 A.5.24-A.5.28; 2013 A.16):
-- incidents and their timelines as record kinds (isms.store.kind), their
-- statistics, and incidents beside a risk's likelihood.
--
--   local incidents = reg:records("incidents")
--   incidents:add { title = "Laptop stolen", detected = "2026-11-30T09:10",
--                   severity = "high", category = "theft", assets = "IC-PHY-003" }
--   isms.incidents.stats(reg, { by = "severity" })
--   isms.incidents.beside_likelihood(reg, "IC-PHY-003/T-THEFT")
local kind = require "isms.store.kind"
local actions = require "isms.actions"
local irules = require "isms.incident.rules"

local M = {}

M.rules = irules

-- ------------------------------------------------------------ times

--- Seconds since 1970 (UTC) of a date or time as the datetime field type
-- keeps it (YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM]); nil if unreadable.
function M.seconds(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d, rest = s:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)(.*)$")
  if not y then return nil end
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  -- days from the civil date (proleptic Gregorian), as in Howard Hinnant's algorithm
  local yy = mo <= 2 and y - 1 or y
  local era = math.floor(yy / 400)
  local yoe = yy - era * 400
  local doy = math.floor((153 * (mo + (mo > 2 and -3 or 9)) + 2) / 5) + d - 1
  local doe = yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy
  local days = era * 146097 + doe - 719468
  local h, mi, sec, zone = 0, 0, 0, ""
  if rest ~= "" then
    local hh, mm, tail = rest:match("^[T ](%d%d):(%d%d)(.*)$")
    if not hh then return nil end
    h, mi = tonumber(hh), tonumber(mm)
    local ss, z = tail:match("^:(%d%d%.?%d*)(.*)$")
    if ss then sec, zone = tonumber(ss), z else zone = tail end
  end
  local offset = 0
  if zone ~= "" and zone ~= "Z" then
    local sign, oh, om = zone:match("^([%+%-])(%d%d):(%d%d)$")
    if not sign then return nil end
    offset = (tonumber(oh) * 60 + tonumber(om)) * 60 * (sign == "-" and -1 or 1)
  end
  return days * 86400 + h * 3600 + mi * 60 + sec - offset
end

--- The order of an incident's times.
M.TIMES = { "detected", "reported", "contained", "closed" }

-- The first pair of given times out of order, as a reason and the field.
local function times_in_order(row)
  local prev, prev_name
  for _, name in ipairs(M.TIMES) do
    local t = row[name] and M.seconds(row[name])
    if t then
      if prev and t < prev then
        return ("%s (%s) is before %s (%s); times run detected <= reported <= contained "
                .. "<= closed"):format(name, row[name], prev_name, row[prev_name]), name
      end
      prev, prev_name = t, name
    end
  end
end
M.times_in_order = times_in_order

-- ------------------------------------------------------------ kinds

-- The nonconformity an incident raised (the register of isms.audit; looked
-- up here so the incident register does not depend on the audit package,
-- which depends on the context package that shows incidents).
kind.resolver("nonconformity", function(reg, id)
  local next_row = reg:query("SELECT 1 FROM nonconformities WHERE id = ?1", id)
  local found = next_row() ~= nil
  if found then next_row() end
  return found
end)

-- Vulnerabilities of the catalogs, for incidents that name the weakness
-- exploited.
kind.resolver("vulnerability", function(reg, id)
  local next_row = reg:query("SELECT 1 FROM vulnerabilities WHERE id = ?1", id)
  local found = next_row() ~= nil
  if found then next_row() end
  return found
end)

--- The incident kind (reg:records("incidents")).
M.kind = kind.define {
  kind = "incident", plural = "incidents", table = "incidents", key = "id", id_prefix = "INC-",
  title = "Information security incidents",
  summary = "the incident register (list, show, add, set, delete, import, export, check)",
  list_columns = { "id", "detected", "severity", "category", "title", "closed" },
  fields = {
    { name = "id", type = "id" },
    { name = "title", type = "text", required = true, max_length = 500 },
    { name = "description", type = "text" },
    { name = "detected", type = "datetime", required = true, help = "when it was noticed" },
    { name = "reported", type = "datetime", help = "when it reached the incident team" },
    { name = "contained", type = "datetime" },
    { name = "closed", type = "datetime" },
    { name = "category", type = "text", check = irules.scale_check("category"),
      help = "on the category scale of the incident rule file" },
    { name = "severity", type = "text", required = true, check = irules.scale_check("severity"),
      help = "on the severity scale of the incident rule file" },
    { name = "affected", type = "list", values = { "C", "I", "A" },
      help = "the properties lost: C, I, A" },
    { name = "assets", type = "links", to = "asset" },
    { name = "threats", type = "links", to = "threat" },
    { name = "vulnerabilities", type = "links", to = "vulnerability" },
    { name = "risks", type = "links", to = "risk" },
    { name = "controls_failed", type = "links", to = "control" },
    { name = "controls_worked", type = "links", to = "control" },
    { name = "owner", type = "text", help = "who handles it" },
    { name = "lessons", type = "text", help = "lessons learned" },
    { name = "evidence", type = "list", help = "references to the evidence kept" },
    { name = "nonconformity", type = "ref", to = "nonconformity",
      help = "the nonconformity it raised (isms nonconformities)" },
  },
  validate = function(row) return times_in_order(row) end,
  check = function(reg, rows, problem)
    local spec = irules.of(reg)
    for _, r in ipairs(rows) do
      if spec then
        for _, name in ipairs({ "severity", "category" }) do
          if r[name] and not spec.scales[name]:parse(r[name]) then
            problem(r.id, name, ("'%s' is no longer on the %s scale of %s"):format(r[name], name,
                                                                                spec.file))
          end
        end
      end
      if r.closed and not r.lessons then
        problem(r.id, "lessons", "closed without lessons learned")
      end
      if r.closed and not r.contained then
        problem(r.id, "contained", "closed, but no time of containment")
      end
    end
  end,
}

--- Events of an incident's timeline (reg:records("incident-events"));
-- type "action" with a due date is a response action of the tracker.
M.EVENT_TYPES = { "detection", "report", "triage", "containment", "eradication", "recovery",
                  "communication", "action", "closure", "note" }

M.event_kind = kind.define {
  kind = "incident_event", plural = "incident-events", table = "incident_events", key = "id",
  id_prefix = "EV-", title = "Incident timelines: events and response actions",
  list_columns = { "id", "incident", "at", "type", "text", "owner", "due", "done" },
  fields = {
    { name = "id", type = "id" },
    { name = "incident", type = "ref", to = "incident", required = true },
    { name = "at", type = "datetime", required = true },
    { name = "type", type = "enum", values = M.EVENT_TYPES, default = "note" },
    { name = "text", type = "text", required = true },
    { name = "actor", type = "text", help = "who did it" },
    { name = "owner", type = "text", help = "an action: who carries it out" },
    { name = "due", type = "date", help = "an action: by when" },
    { name = "done", type = "date", help = "an action: when it was done" },
  },
  validate = function(row)
    if row.type == "action" and not row.due then return "a response action needs a due date", "due" end
    if row.type ~= "action" and (row.due or row.done) then
      return "only a response action (type action) has a due or done date", row.due and "due" or "done"
    end
  end,
}

-- Response actions of the incident timelines in the one action tracker.
actions.source("incidents", function(reg)
  local out = {}
  for row in reg:query("SELECT id, incident, text, owner, due, done FROM incident_events "
                       .. "WHERE type = 'action' ORDER BY id") do
    out[#out + 1] = { id = row.id, title = row.text, owner = row.owner, due = row.due,
                      status = row.done and "done" or "open", done = row.done ~= nil,
                      ref = "incident " .. row.incident }
  end
  return out
end)

local stats = require "isms.incident.stats"
M.stats = stats.stats
M.metrics = stats.metrics
-- The statistics as figures of the measurement programme ("incidents...").
require("isms.measure").figures("incidents", stats.metrics)
local likelihood = require "isms.incident.likelihood"
M.beside_likelihood = likelihood.beside_likelihood
M.sheet_sql = likelihood.sheet_sql
M.history = likelihood.history
--- Incidents beside likelihood in the risk list, explain and the report.
M.beside = require "isms.incident.beside"

return M
