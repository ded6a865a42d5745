--- The due dates of tracked actions (isms.actions) as an iCalendar file
-- (RFC 5545), for people's calendars: one all-day VEVENT per action on
-- its due date, with a stable UID (source and id), so importing a newer
-- file updates the events instead of doubling them.
local M = {}

-- TEXT values: backslash, semicolon, comma and line breaks escaped.
local function text(s)
  s = tostring(s or "")
  return (s:gsub("\\", "\\\\"):gsub(";", "\\;"):gsub(",", "\\,"):gsub("\r?\n", "\\n"))
end

-- Content lines are folded at 75 octets (a CRLF and a space), never
-- inside a UTF-8 character.
local function fold(line)
  if #line <= 75 then return line .. "\r\n" end
  local out, cur = {}, ""
  for ch in line:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
    local limit = #out == 0 and 75 or 74
    if #cur + #ch > limit then
      out[#out + 1] = cur
      cur = ""
    end
    cur = cur .. ch
  end
  out[#out + 1] = cur
  return table.concat(out, "\r\n ") .. "\r\n"
end

local function day(d) return (d:gsub("%-", "")) end

local function next_day(d)
  local y, m, dd = d:match("^(%d+)%-(%d+)%-(%d+)$")
  return os.date("%Y%m%d", os.time({ year = tonumber(y), month = tonumber(m),
                                     day = tonumber(dd) + 1, hour = 12 }))
end

--- The calendar text of a list of actions (those without a due date are
-- left out). opts: { today (DTSTAMP, YYYY-MM-DD), name (calendar name) }.
function M.calendar(list, opts)
  opts = opts or {}
  local stamp = day(opts.today or os.date("!%Y-%m-%d")) .. "T000000Z"
  local out = { "BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "PRODID:-//isms//action tracker//EN\r\n",
                "CALSCALE:GREGORIAN\r\n", "METHOD:PUBLISH\r\n",
                fold("X-WR-CALNAME:" .. text(opts.name or "ISMS actions")) }
  for _, a in ipairs(list) do
    if a.due then
      local uid = ("%s-%s@isms"):format(a.source or "action", tostring(a.id)):gsub("[^%w%-%._@]", "_")
      out[#out + 1] = "BEGIN:VEVENT\r\n"
      out[#out + 1] = fold("UID:" .. uid)
      out[#out + 1] = "DTSTAMP:" .. stamp .. "\r\n"
      out[#out + 1] = "DTSTART;VALUE=DATE:" .. day(a.due) .. "\r\n"
      out[#out + 1] = "DTEND;VALUE=DATE:" .. next_day(a.due) .. "\r\n"
      out[#out + 1] = fold("SUMMARY:" .. text(("%s%s: %s"):format(a.done and "(done) " or "", a.id,
                                                                   a.title or "")))
      out[#out + 1] = fold("DESCRIPTION:" .. text(("%s action for %s; owner %s; status %s"):format(
        a.source or "", a.ref or "-", a.owner or "-", a.status or "-")))
      if a.owner then out[#out + 1] = fold("X-ISMS-OWNER:" .. text(a.owner)) end
      out[#out + 1] = fold("CATEGORIES:" .. text(a.source or "action"))
      out[#out + 1] = "STATUS:CONFIRMED\r\n"
      out[#out + 1] = "TRANSP:TRANSPARENT\r\n"
      out[#out + 1] = "END:VEVENT\r\n"
    end
  end
  out[#out + 1] = "END:VCALENDAR\r\n"
  return table.concat(out)
end

return M
