--- Gantt charts of a roadmap status model (progress.status): as text for
-- the terminal, as SVG, and as a standalone HTML page with the SVG and a
-- table of the steps.
--
-- Nothing is told by colour alone: every bar carries its state in text
-- (a status column, a mark after the bar, a <title> in SVG), done bars
-- are solid, blocked ones hatched, critical ones outlined thick, overdue
-- ones marked "!", and the today line is labelled.
local calendar = require "isms.roadmap.calendar"

local M = {}

local MARK = { done = "done", skipped = "skipped", ready = "ready", started = "started",
               blocked = "blocked" }

-- The day range the chart covers: every bar, today and the target.
local function span(model)
  local lo, hi
  local function see(s)
    local z = s and calendar.parse(s)
    if z then
      lo = (not lo or z < lo) and z or lo
      hi = (not hi or z > hi) and z or hi
    end
  end
  for _, item in ipairs(model.steps) do
    see(item.start)
    see(item.finish)
  end
  see(model.today)
  see(model.target)
  return lo, hi
end

-- Bar days of an item: first and last day.
local function bar_days(item)
  local a, b = calendar.parse(item.start), calendar.parse(item.finish)
  if b < a then a, b = b, a end
  return a, b
end

local function state_words(item)
  local words = { MARK[item.status] or item.status }
  if item.critical then words[#words + 1] = "critical" end
  if item.overdue then words[#words + 1] = "overdue" end
  return table.concat(words, ", ")
end

-- ------------------------------------------------------------ text

--- The chart as text: one line per step (id, state, start, finish and a
-- bar on a scale of `width` columns; '=' done, '#' critical, '-' other,
-- '*' a milestone, '|' today, '!' after an overdue bar).
function M.text(model, width)
  width = width or 60
  local lo, hi = span(model)
  local days = math.max(hi - lo + 1, 1)
  local function col(z) return math.floor((z - lo) * (width - 1) / math.max(days - 1, 1)) + 1 end
  local today = col(calendar.parse(model.today))
  local idw, tw = 2, 5
  for _, item in ipairs(model.steps) do
    idw = math.max(idw, #item.id)
    tw = math.max(tw, #state_words(item))
  end
  local lines = {}
  local head = ("%-" .. idw .. "s  %-" .. tw .. "s  %-10s  %-10s  "):format("id", "state", "start",
                                                                          "finish")
  local scale = {}
  for c = 1, width do scale[c] = " " end
  local first = calendar.format(lo):sub(1, 7)
  local last = calendar.format(hi):sub(1, 7)
  for k = 1, #first do scale[k] = first:sub(k, k) end
  for k = 1, #last do scale[width - #last + k] = last:sub(k, k) end
  lines[1] = head .. table.concat(scale)
  local phase
  for _, item in ipairs(model.steps) do
    if item.phase ~= phase then
      phase = item.phase
      local ph
      for _, p in ipairs(model.phases) do if p.id == phase then ph = p end end
      if ph then lines[#lines + 1] = ("-- %s (%d of %d done)"):format(ph.title, ph.done, ph.total) end
    end
    local a, b = bar_days(item)
    local ca, cb = col(a), col(b)
    local ch = (item.status == "done" or item.status == "skipped") and "="
      or item.critical and "#" or "-"
    local bar = {}
    for c = 1, width do bar[c] = " " end
    if a == b and item.duration.mid == 0 then bar[ca] = "*"
    else for c = ca, cb do bar[c] = ch end end
    if bar[today] == " " then bar[today] = "|" end
    local tail = item.overdue and " !" or ""
    lines[#lines + 1] = ("%-" .. idw .. "s  %-" .. tw .. "s  %-10s  %-10s  %s%s"):format(
      item.id, state_words(item), item.start, item.finish, table.concat(bar), tail)
  end
  lines[#lines + 1] = ("legend: = done  # critical  - planned  * milestone  | today (%s)  "
    .. "! overdue"):format(model.today)
  return table.concat(lines, "\n") .. "\n"
end

-- ------------------------------------------------------------ SVG

local function esc(s)
  return (tostring(s):gsub("[&<>\"']", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
                                         ['"'] = "&quot;", ["'"] = "&#39;" }))
end
M.escape = esc

local ROW, LABEL, TOP, PX_MAX = 22, 260, 46, 900

--- The chart as an SVG document (a string).
function M.svg(model)
  local lo, hi = span(model)
  local days = math.max(hi - lo + 1, 1)
  local px = math.max(2, math.min(24, math.floor(PX_MAX / days)))
  local width = LABEL + days * px + 120
  local rows = #model.steps + #model.phases
  local height = TOP + rows * ROW + 40
  local function x(z) return LABEL + (z - lo) * px end
  local out = {}
  local function put(s) out[#out + 1] = s end
  put(('<svg xmlns="http://www.w3.org/2000/svg" class="gantt" role="img" width="%d" height="%d" '
    .. 'viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">'):format(width, height,
    width, height))
  put(("<title>%s: schedule of %d steps, projected finish %s</title>"):format(
    esc(model.workflow.title), #model.steps, model.finish))
  put('<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    .. 'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
    .. '<line x1="0" y1="0" x2="0" y2="6" stroke="#555" stroke-width="3"/></pattern></defs>')
  -- Month ticks.
  local y0, m0 = calendar.civil(lo)
  local z = calendar.day_number(y0, m0, 1)
  while z <= hi do
    if z >= lo then
      put(('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ddd"/>'):format(x(z), TOP - 14, x(z),
        height - 30))
      put(('<text x="%d" y="%d" fill="#333">%s</text>'):format(x(z) + 2, TOP - 18,
        calendar.format(z):sub(1, 7)))
    end
    z = calendar.add_months(z, 1)
  end
  local y = TOP
  local phase = false
  for _, item in ipairs(model.steps) do
    if item.phase ~= phase then
      phase = item.phase
      for _, p in ipairs(model.phases) do
        if p.id == phase then
          put(('<text class="phase" x="4" y="%d" font-weight="bold">%s (%d of %d done)</text>')
            :format(y + 15, esc(p.title), p.done, p.total))
          y = y + ROW
        end
      end
    end
    local a, b = bar_days(item)
    local words = state_words(item)
    put(('<g class="step %s%s%s" data-step="%s">'):format(item.status,
      item.critical and " critical" or "", item.overdue and " overdue" or "", esc(item.id)))
    put(("<title>%s %s: %s; %s to %s (%s)%s</title>"):format(esc(item.id), esc(item.title),
      esc(words), item.start, item.finish, esc(item.role_title),
      #item.why > 0 and ("; " .. esc(table.concat(item.why, "; "))) or ""))
    local label = item.id .. " " .. item.title
    if #label > 40 then label = label:sub(1, 38) .. "…" end
    put(('<text x="4" y="%d">%s</text>'):format(y + 15, esc(label)))
    local fill = (item.status == "done" or item.status == "skipped") and "#4a7"
      or item.status == "blocked" and "url(#hatch)" or "#9bd"
    local stroke = item.critical and ' stroke="#000" stroke-width="3"' or ' stroke="#345"'
    if item.duration.mid == 0 and a == b then
      local cx, cy = x(a) + px / 2, y + ROW / 2
      put(('<polygon class="bar milestone" points="%d,%d %d,%d %d,%d %d,%d" fill="%s"%s/>')
        :format(cx, cy - 7, cx + 7, cy, cx, cy + 7, cx - 7, cy, fill, stroke))
    else
      put(('<rect class="bar" x="%d" y="%d" width="%d" height="%d" fill="%s"%s/>'):format(x(a),
        y + 4, (b - a + 1) * px, ROW - 8, fill, stroke))
    end
    local tag = words .. (item.overdue and " !" or "")
    put(('<text class="state" x="%d" y="%d" fill="#222">%s</text>'):format(x(b) + px + 4, y + 15,
      esc(tag)))
    put("</g>")
    y = y + ROW
  end
  local tz = calendar.parse(model.today)
  put(('<line class="today" x1="%d" y1="%d" x2="%d" y2="%d" stroke="#c00" stroke-width="2" '
    .. 'stroke-dasharray="6 3"/>'):format(x(tz), TOP - 10, x(tz), y))
  put(('<text class="today-label" x="%d" y="%d" fill="#c00">today %s</text>'):format(x(tz) + 3,
    y + 14, model.today))
  if model.target then
    local tg = calendar.parse(model.target)
    put(('<line class="target" x1="%d" y1="%d" x2="%d" y2="%d" stroke="#000" '
      .. 'stroke-dasharray="2 2"/>'):format(x(tg) + px, TOP - 10, x(tg) + px, y))
    put(('<text class="target-label" x="%d" y="%d">target %s</text>'):format(x(tg) + px + 3,
      y + 28, model.target))
  end
  put("</svg>")
  return table.concat(out, "\n") .. "\n"
end

-- ------------------------------------------------------------ HTML

--- A standalone HTML page: the summary, the chart and the steps.
function M.html(model)
  local out = {}
  local function put(s) out[#out + 1] = s end
  local wf = model.workflow
  put("<!DOCTYPE html>")
  put('<html lang="en"><head><meta charset="utf-8">')
  put(("<title>%s (%s)</title>"):format(esc(wf.title), esc(model.run.id)))
  put("<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
    .. "th,td{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}"
    .. ".gantt-wrap{overflow-x:auto}</style></head><body>")
  put(("<h1>%s</h1>"):format(esc(wf.title)))
  local late = ""
  if model.late_by then
    late = model.late_by > 0 and (", %d working days after the target"):format(model.late_by)
      or (", %d working days before the target"):format(-model.late_by)
  end
  put(("<p id=\"summary\">Run %s, started %s. Today %s: %d of %d steps done. Projected finish "
    .. "<strong>%s</strong> (between %s and %s)%s%s.</p>"):format(esc(model.run.id),
    esc(model.run.started), model.today, model.done, model.total, model.finish, model.finish_low,
    model.finish_high, model.target and (", target " .. esc(model.target)) or "", late))
  put(("<p id=\"critical-path\">Critical path: %s</p>"):format(
    esc(table.concat(model.critical_path, " → "))))
  put('<div class="gantt-wrap">')
  put(M.svg(model))
  put("</div>")
  put('<table id="steps"><thead><tr><th scope="col">Step</th><th scope="col">Title</th>'
    .. '<th scope="col">Role</th><th scope="col">State</th><th scope="col">Start</th>'
    .. '<th scope="col">Finish</th><th scope="col">Slack</th><th scope="col">Why</th></tr>'
    .. "</thead><tbody>")
  for _, item in ipairs(model.steps) do
    put(("<tr data-step=\"%s\"><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
      .. "<td>%s</td><td>%s</td></tr>"):format(esc(item.id), esc(item.id), esc(item.title),
      esc(item.role_title), esc(state_words(item)), item.start, item.finish,
      item.slack and tostring(item.slack) or "", esc(table.concat(item.why, "; "))))
  end
  put("</tbody></table></body></html>")
  return table.concat(out, "\n") .. "\n"
end

return M
