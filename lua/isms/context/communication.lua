--- Communication (ISO/IEC 27001 7.4 a-e): the plan says what is
-- communicated, when (a first date and a frequency), to whom, who is
-- responsible and how; sent communications are recorded against it. The
-- schedule says, for each entry, when it is next due and whether it is
-- overdue, as of a date.
local kind = require "isms.store.kind"
local records = require "isms.store.records"

local M = {}

--- Frequencies of a plan entry and their interval in months.
M.FREQUENCIES = { "once", "monthly", "quarterly", "half_yearly", "yearly", "every_2_years" }
M.MONTHS = { once = 0, monthly = 1, quarterly = 3, half_yearly = 6, yearly = 12,
             every_2_years = 24 }

function M.define()
  kind.define {
    kind = "communication", plural = "communications", table = "communications", key = "id",
    id_prefix = "COM-",
    title = "Communication plan (clause 7.4: what, when, to whom, who, how)",
    summary = "the communication plan (isms communications due: what falls due)",
    list_columns = { "id", "what", "audience", "responsible", "frequency", "first_on" },
    fields = {
      { name = "id", type = "id" },
      { name = "what", type = "text", required = true, help = "a) what is communicated" },
      { name = "audience", type = "text", required = true, help = "c) to whom" },
      { name = "responsible", type = "text", required = true, help = "d) who communicates" },
      { name = "channel", type = "text", help = "e) how: email, meeting, poster, intranet, ..." },
      { name = "frequency", type = "enum", values = M.FREQUENCIES, required = true,
        help = "b) when, with first_on" },
      { name = "first_on", type = "date", required = true },
      { name = "notes", type = "text" },
    },
  }
  kind.define {
    kind = "communication_sent", plural = "sent-communications", table = "communications_sent",
    key = "id", id_prefix = "SENT-",
    title = "Communications sent (records of the communication plan carried out)",
    list_columns = { "id", "communication", "sent_on", "sent_by", "audience" },
    fields = {
      { name = "id", type = "id" },
      { name = "communication", type = "ref", to = "communication", required = true },
      { name = "sent_on", type = "date", required = true },
      { name = "sent_by", type = "text" },
      { name = "audience", type = "text", help = "who it reached, if not the plan's audience" },
      { name = "evidence", type = "text", help = "mail id, minutes, photo of the poster, ..." },
      { name = "note", type = "text" },
    },
  }
end

-- Each plan entry with its last sending and next due date: a one-off is
-- due on its first date until sent; a periodic entry on its first date,
-- then an interval after the last sending (never before its first date).
local SCHEDULE = [[
WITH last AS (
  SELECT communication, max(sent_on) AS last_sent, count(*) AS times
  FROM communications_sent WHERE sent_on <= ?1 GROUP BY communication),
plan AS (
  SELECT c.id, c.what, c.audience, c.responsible, c.channel, c.frequency, c.first_on,
         l.last_sent, coalesce(l.times, 0) AS times,
         CASE c.frequency WHEN 'monthly' THEN 1 WHEN 'quarterly' THEN 3 WHEN 'half_yearly' THEN 6
           WHEN 'yearly' THEN 12 WHEN 'every_2_years' THEN 24 ELSE 0 END AS months
  FROM communications c LEFT JOIN last l ON l.communication = c.id)
SELECT id, what, audience, responsible, channel, frequency, first_on, last_sent, times,
  CASE WHEN last_sent IS NULL THEN first_on
       WHEN months = 0 THEN NULL
       ELSE max(first_on, date(last_sent, '+' || months || ' months')) END AS next_due
FROM plan ORDER BY id]]

--- The plan as of opts.today with each entry's next due date and status
-- (overdue, due (within opts.within days, default 30), scheduled, done):
-- { { id, what, audience, responsible, channel, frequency, first_on,
-- last_sent, times, next_due, status }, ... }.
function M.schedule(reg, opts)
  opts = opts or {}
  local today = records.today(opts.today)
  local within = opts.within or 30
  local soon = os.date("!%Y-%m-%d", os.time({ year = tonumber(today:sub(1, 4)),
    month = tonumber(today:sub(6, 7)), day = tonumber(today:sub(9, 10)) + within, hour = 12 }))
  local out = {}
  for row in reg:query(SCHEDULE, today) do
    row.times = tonumber(row.times)
    if not row.next_due then row.status = "done"
    elseif row.next_due < today then row.status = "overdue"
    elseif row.next_due <= soon then row.status = "due"
    else row.status = "scheduled" end
    out[#out + 1] = row
  end
  return out
end

--- Plan entries as actions of the tracker (due on their next date).
function M.actions(reg, opts)
  local out = {}
  for _, r in ipairs(M.schedule(reg, { today = opts and opts.today })) do
    out[#out + 1] = { id = r.id, title = "communicate: " .. r.what, owner = r.responsible,
                      due = r.next_due, status = r.status, done = r.status == "done",
                      ref = "communication plan " .. r.id }
  end
  return out
end

return M
