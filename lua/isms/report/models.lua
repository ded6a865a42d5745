--- Report models (docs/report-model.md) built from the register: the SoA,
-- the RTP and the whole report (summary, heat maps before and after
-- treatment, the most urgent risks, acceptances still missing, SoA, RTP),
-- and their XLSX workbooks. What grows with the register (counts, heat
-- maps, the overdue list) is computed in SQL or the C kernels; the model
-- keeps the first `limit` rows of long tables and says how many there are,
-- while the XLSX workbook carries every row, streamed from SQLite in C.
local b = require "isms.store._ffi"
local decimal = require "isms.store.decimal"
local records = require "isms.store.records"
local treatment = require "isms.treat.treatment"
local xlsx = require "isms.report.xlsx"
local rtp_rules = require "isms.treat.rtp"
local quant_report = require "isms.quant.report"
local stages = require "isms.method.stages"
local roadmap = require "isms.roadmap"
local format = require "isms.store.format"

local ffi, C = b.ffi, b.C

local M = {}

M.LIMIT = 100  -- rows of a long table kept in the model (the rest: XLSX, CSV)

local function count_of(reg, sql, ...)
  local row = reg:query(sql, ...)()  -- one row: the cursor ends with it
  return row and tonumber(row.n) or 0
end

local function note_more(shown, total, where)
  if total > shown then
    return ("%d of %d shown; %s"):format(shown, total, where or "every row: isms report --full --format xlsx")
  end
end

-- ------------------------------------------------------------ columns

-- Confidential: what tells an attacker where the organisation is weak
-- (vulnerabilities, the controls in place or missing) and why management
-- took a risk knowingly.
M.SOA_COLUMNS = {
  { key = "control", title = "Control" },
  { key = "title", title = "Title" },
  { key = "group", title = "Clause/theme" },
  { key = "applicable", title = "Applicable" },
  { key = "reasons", title = "Reasons" },
  { key = "justification", title = "Justification" },
  { key = "status", title = "Status" },
  { key = "owner", title = "Owner" },
  { key = "risks", title = "Linked risks", numeric = true },
  { key = "linked", title = "First linked risks", confidential = true },
}

M.TASK_COLUMNS = {
  { key = "id", title = "Task" },
  { key = "risk", title = "Risk" },
  { key = "control", title = "Control" },
  { key = "title", title = "Title" },
  { key = "owner", title = "Owner" },
  { key = "status", title = "Status" },
  { key = "due", title = "Due", date = true },
  { key = "first_due", title = "First due", date = true },
  { key = "delays", title = "Delays", numeric = true },
  { key = "days_overdue", title = "Days overdue", numeric = true },
  { key = "last_delay", title = "Last delay (reason, approved by)" },
}

local function risk_columns(factors, residual_too)
  local cols = {
    { key = "ref", title = "Risk" },
    { key = "asset", title = "Asset" },
    { key = "threat", title = "Threat" },
    { key = "vulnerability", title = "Vulnerability", confidential = true },
    { key = "owners", title = "Owners" },
    { key = "obligations", title = "Obligations" },
  }
  for _, f in ipairs(factors) do cols[#cols + 1] = { key = "r:" .. f, title = f, numeric = true } end
  for _, c in ipairs {
    { key = "score", title = "Score", numeric = true },
    { key = "level", title = "Level" },
    { key = "acceptable", title = "Acceptable" },
    { key = "option", title = "Treatment" },
    { key = "controls", title = "Selected controls", confidential = true },
  } do cols[#cols + 1] = c end
  if residual_too then
    for _, c in ipairs {
      { key = "residual_score", title = "Residual score", numeric = true },
      { key = "residual_level", title = "Residual level" },
      { key = "residual_acceptable", title = "Residual acceptable" },
    } do cols[#cols + 1] = c end
  end
  return cols
end

-- ------------------------------------------------------------ heat maps

-- A heat map is the methodology's matrix over two factors (the rows and
-- columns its risk_matrix names, else its first two): each cell is
-- coloured by its zone, the level the methodology gives that position
-- (with more factors: the highest level over the hidden ones, said in the
-- caption), and counts the risks in it. Before treatment: from the risk
-- table's columns, one pass in LuaJIT over the arrays, into counts per
-- (cell, rank). After: the same counts with each treated risk moved to its
-- residual cell and rank (avoided risks leave), from one aggregate query
-- over the treatments -- exact, because the counts are kept per rank.
local MAXR = 33  -- ranks 0..32
local ZONE_COMBOS = 250000  -- positions a staged method is run over for its zones

-- One pass over the treatments for both the after-treatment map and the
-- acceptance count, without a join: the treatments (by risk) and the
-- acceptances (by risk) are read in key order and merged with the risk
-- table (ordered by ref too), so no risk row is read again. A treated
-- risk still awaits acceptance without a management acceptance, or with
-- owners recorded and no owner's acceptance; with both, its owners are
-- compared one by one afterwards (few risks: `checks`).
pcall(ffi.cdef, "int strcmp(const char *a, const char *b);")
local ROW, DONE = 100, 101
local cur_box = ffi.new("isms_cursor *[1]")

local function raw_cursor(reg, sql)
  if C.isms_cursor_query(reg.db, sql, 0, nil, cur_box) ~= 0 then
    error(ffi.string(C.isms_errmsg(reg.db)), 2)
  end
  return ffi.gc(cur_box[0], C.isms_cursor_close)
end

local function close(reg, cur, step)
  C.isms_cursor_close(ffi.gc(cur, nil))
  if step ~= DONE then error(ffi.string(C.isms_errmsg(reg.db)), 2) end
end

-- A non-negative integer column (nil for NULL), read without a Lua string.
local function int_at(p)
  if p == nil then return nil end
  local v, k = 0, 0
  while p[k] >= 48 and p[k] <= 57 do v = v * 10 + p[k] - 48; k = k + 1 end
  return v
end

-- Moves each treated risk in `counts` (per cell and rank) from its cell
-- to its residual one (avoided risks leave; counts nil: the acceptances
-- only, the map's counts come from elsewhere). Returns { missing = n,
-- checks = { ref, ... }, first = { ref, ... } (the first refs that await
-- acceptance or need checking, in order, enough for `limit` rows) }.
local function treated_pass(reg, t, ri, ci, limit, counts)
  local c = t.c
  local n = tonumber(c.n)
  local text, refs, flags = c.text, c.ref, c.flags
  local r1, r2, rank = c.ratings[ri], ci and c.ratings[ci], c.level_rank
  local tc = raw_cursor(reg, ("SELECT risk, %s, %s, residual_rank, option = 'avoid' "
    .. "FROM treatments ORDER BY risk"):format(counts and ("rr%d"):format(ri + 1) or "NULL",
    counts and ci and ("rr%d"):format(ci + 1) or "NULL"))
  local ac = raw_cursor(reg, "SELECT risk, role FROM acceptances ORDER BY risk")
  local astep = C.isms_cursor_next(ac)
  local out = { missing = 0, checks = {}, first = {} }
  local i, sure = 0, 0
  local step
  while true do
    step = C.isms_cursor_next(tc)
    if step ~= ROW then break end
    local ref = C.isms_cursor_text(tc, 0)
    while i < n and C.strcmp(text + refs[i], ref) < 0 do i = i + 1 end
    local found = i < n and C.strcmp(text + refs[i], ref) == 0
    if counts and found and r1[i] > 0 then
      -- the risk leaves its cell; unless avoided, it joins its residual one
      local a, b2, rk = r1[i], r2 and r2[i] or 0, rank[i]
      local at = (a * 256 + b2) * MAXR + rk
      counts[at] = counts[at] - 1
      local gone = C.isms_cursor_text(tc, 4)
      if not (gone ~= nil and gone[0] == 49) then
        local na, nb = int_at(C.isms_cursor_text(tc, 1)), int_at(C.isms_cursor_text(tc, 2))
        na = (na and na > 0) and na or a
        nb = r2 and (nb or b2) or 0
        at = (na * 256 + nb) * MAXR + (int_at(C.isms_cursor_text(tc, 3)) or rk)
        counts[at] = counts[at] + 1
      end
    end
    -- this risk's acceptances
    local mgmt, owner_acc = false, 0
    while astep == ROW do
      local d = C.strcmp(C.isms_cursor_text(ac, 0), ref)
      if d > 0 then break end
      if d == 0 then
        if C.isms_cursor_text(ac, 1)[0] == 109 then mgmt = true  -- 'm'anagement
        else owner_acc = owner_acc + 1 end
      end
      astep = C.isms_cursor_next(ac)
    end
    local owners = found and bit.band(flags[i], C.ISMS_RISK_OWNERS) ~= 0
    local state  -- nil accepted, 1 missing, 2 to check
    if not mgmt or (owners and owner_acc == 0) then state = 1
    elseif owners then state = 2 end
    if state then
      local r = ffi.string(ref)
      if state == 1 then out.missing = out.missing + 1 else out.checks[#out.checks + 1] = r end
      -- enough candidates for `limit` rows, whatever the checks find
      if sure < limit then
        out.first[#out.first + 1] = r
        if state == 1 then sure = sure + 1 end
      end
    end
  end
  if astep ~= ROW then close(reg, ac, astep) else C.isms_cursor_close(ffi.gc(ac, nil)) end
  close(reg, tc, step)
  return out
end

-- Counts per (row rating, column rating, rank) from the stored rating
-- columns ri and ci (0-based; ci nil for a one-factor method), and the
-- number of risks without a rating on the row factor.
local function cell_counts(t, ri, ci, ranks)
  local counts = ffi.new("uint32_t[?]", 256 * 256 * MAXR)
  local c = t.c
  local zeros = ffi.new("uint8_t[?]", math.max(tonumber(t.n), 1))
  -- a factor past those any risk holds (r5.. unrated everywhere): zeros
  local r1 = ri < c.nratings and c.rating[ri] or zeros
  local rank = ranks or c.level_rank
  local r2 = ci and ci < c.nratings and c.rating[ci] or zeros
  local unrated = 0
  for i = 0, tonumber(t.n) - 1 do
    local a = r1[i]
    if a > 0 then
      local rk = rank[i]
      local at = (a * 256 + r2[i]) * MAXR + (rk < MAXR and rk or MAXR - 1)
      counts[at] = counts[at] + 1
    else
      unrated = unrated + 1
    end
  end
  return counts, unrated
end

--- The zone of each position of a heat map: zones[row pos * 256 + col
-- pos] = the highest level rank the methodology gives at that position
-- over every tier of the other factors (the position's own rank with two
-- factors). nil when the positions have no level of their own: the score
-- reads the asset, the threat or related records, or has too many
-- combinations to run.
-- @tparam table m the methodology
-- @tparam string row_f, col_f the factors on the axes (col_f may be nil)
-- @treturn table|nil zones, or nil and why
function M.zones(m, row_f, col_f)
  local r = m.spec.risk
  local factors = r.factors
  local nf = #factors
  local z = {}
  local prog = r.program
  local is_factor = {}
  for _, f in ipairs(factors) do is_factor[f.name] = true end
  if not is_factor[row_f] or (col_f and not is_factor[col_f]) then
    -- axes that are stages (or the asset's tiers): each cell's zone is
    -- its own level when they are the axes of the score's matrix
    local res = prog and prog.by_name and r.result
    local axes = res and res.axes
    if not (axes and axes[1].name == row_f and col_f and axes[2].name == col_f) then
      return nil, "its axes are computed and are not the axes of the score's matrix"
    end
    local nrows = axes[1].npos
    for cell, v in ipairs(res.def.table) do
      local pr, pc = (cell - 1) % nrows + 1, math.floor((cell - 1) / nrows) + 1
      if v ~= stages.NR then
        for _, iv in ipairs(r.level_list) do
          if v >= iv.lo and (v < iv.hi or (v == iv.hi and not iv.open)) then
            z[pr * 256 + pc] = iv.rank
            break
          end
        end
      end
    end
    return z
  end
  local function see(pos, rank)
    local pr, pc = pos[row_f], col_f and pos[col_f] or 0
    local k = pr * 256 + pc
    if rank and rank > 0 and (not z[k] or rank > z[k]) then z[k] = rank end
  end
  local rated = {}  -- per factor: the positions of rated tiers
  local total = 1
  for k, f in ipairs(factors) do
    rated[k] = {}
    for p, t in ipairs(m.spec.scales[f.name].positions) do
      if not t.not_rated then rated[k][#rated[k] + 1] = p end
    end
    total = total * #rated[k]
  end
  if total > ZONE_COMBOS then
    return nil, ("its %d factors have %d combinations"):format(nf, total)
  end
  -- every combination of rated positions, factor 1 fastest
  local combos = {}
  local idx = {}
  for k = 1, nf do idx[k] = 1 end
  for _ = 1, total do
    local pos = {}
    for k, f in ipairs(factors) do pos[f.name] = rated[k][idx[k]] end
    combos[#combos + 1] = pos
    for k = 1, nf do
      idx[k] = idx[k] + 1
      if idx[k] <= #rated[k] then break end
      idx[k] = 1
    end
  end
  if r.tabulated then
    for _, pos in ipairs(combos) do
      local cell, stride = 0, 1
      for _, f in ipairs(factors) do
        cell = cell + (pos[f.name] - 1) * stride
        stride = stride * f.ntiers
      end
      see(pos, r.ranks[cell])
    end
    return z
  end
  local res = stages.run(r.program, combos)
  for i, pos in ipairs(combos) do
    if (res.rank[i] or 0) < 1 then
      return nil, "its score reads more than the ratings (the asset, the threat or related records)"
    end
    see(pos, res.rank[i])
  end
  return z
end

-- "8 Very high" for a tier, or its label alone when that is its value
-- (numeric labels: "0".."9").
local function tier_label(t)
  local v = format.number(t.value)
  if tostring(t.label) == v then return v end
  return v .. " " .. tostring(t.label)
end

-- The rated tiers of a factor, by position: list of { position, label }.
local function axis_tiers(m, factor)
  local list = {}
  local prog = m.spec.risk and m.spec.risk.program
  local e = not m.spec.scales[factor] and prog and prog.by_name[factor]
  if e and e.kind == "tiers" then
    -- an input of the score read from the asset (asset.C, asset.class)
    for p, t in ipairs(e.scale.positions) do
      if not t.not_rated then list[#list + 1] = { position = p, label = tostring(t.label) } end
    end
    return list
  elseif e and e.bands then
    -- a banded stage: its bands by label (LOW, MEDIUM, HIGH)
    for p, label in ipairs(e.bands.labels) do list[p] = { position = p, label = label } end
    return list
  end
  for p, t in ipairs(m:tiers(factor)) do
    if not t.not_rated then list[#list + 1] = { position = p, label = tier_label(t) } end
  end
  return list
end

-- An axis title: the scale's title and its name, "Severity (S)".
local function axis_title(m, factor)
  local sc = m.spec.scales[factor]
  local title = sc and sc.title
  local prog = m.spec.risk and m.spec.risk.program
  local e = not sc and prog and prog.by_name[factor]
  if e and e.stage then title = e.stage.title end
  if title and title ~= "" and title:lower() ~= factor:lower() then
    return ("%s (%s)"):format(title, factor)
  end
  if title and title ~= "" then return title end
  return factor
end

--- The heat-map counts of a staged score over two slots of its program
-- (stages with bands, or factors): per (row position, column position,
-- rank) as isms_report_scan lays them out, before treatment (each risk
-- at its computed bands and stored rank) and after it (each treated risk
-- at the bands of its residual ratings and its residual rank; avoided
-- ones gone), counted in C over the register's columns.
-- @tparam RiskTable t from reg:risk_table()
-- @tparam number row_slot, col_slot the program's slots (col_slot -1: one axis)
-- @treturn cdata, cdata, number, number before, after (uint32_t[256 * 256
--   * 33]), the risks placed on no cell, the avoided risks
function M.stage_counts(reg, m, t, row_slot, col_slot)
  local inputs = require "isms.risk.inputs"
  local prog = m.spec.risk.program
  local n = t.n
  local function fail_rc(rc)
    error({ msg = "heat map: " .. ffi.string(C.isms_stages_errmsg(prog.h)),
            code = b.code_names[rc] or "ERROR" })
  end
  local cols, keep = inputs.columns(m, t, reg)
  local before = ffi.new("uint32_t[?]", 256 * 256 * MAXR)
  local rc = C.isms_stages_cells(prog.h, n, cols, row_slot, col_slot, t.c.level_rank, nil, before)
  if rc ~= 0 then fail_rc(rc) end
  local box = ffi.new("isms_risk_after *[1]")
  rc = C.isms_risk_table_after(reg.db, t.c, box)
  if rc ~= 0 then error({ msg = ffi.string(C.isms_errmsg(reg.db)), code = b.code_names[rc] }) end
  local a = ffi.gc(box[0], C.isms_risk_after_free)
  local acols, akeep = inputs.columns(m, t, reg, a.rating, a.nratings)
  local after = ffi.new("uint32_t[?]", 256 * 256 * MAXR)
  rc = C.isms_stages_cells(prog.h, n, acols, row_slot, col_slot, a.rank, a.keep, after)
  if rc ~= 0 then fail_rc(rc) end
  -- not placed: position 0 on an axis (cells, not rows: 256 x 2 x 33 sums)
  local unrated = 0
  for x = 0, 255 do
    for rk = 0, MAXR - 1 do
      unrated = unrated + before[(x * 256) * MAXR + rk]               -- column 0
      if x > 0 then unrated = unrated + before[x * MAXR + rk] end     -- row 0
    end
  end
  if col_slot < 0 then  -- one axis: column 0 is every row; only row 0 is unplaced
    unrated = 0
    for rk = 0, MAXR - 1 do unrated = unrated + before[rk] end
  end
  local _ = { keep, akeep, a }
  return before, after, unrated, tonumber(a.avoided)
end

local function heatmap(m, counts, shape, title)
  local levels = m:levels()
  local rows_t, cols_t = shape.rows, shape.cols
  local nr, nc = #rows_t, cols_t and #cols_t or 1
  local cells, total = {}, 0
  for r = 1, nr do
    local p1 = rows_t[nr - r + 1].position  -- highest tier on top
    cells[r] = {}
    for c = 1, nc do
      local cell = { count = 0 }
      local p2 = cols_t and cols_t[c].position or 0
      -- an unplaced map (axes that are stages) counts nothing: see heat_shape
      for rank = 0, MAXR - 1 do
        local n = not shape.unplaced and counts[(p1 * 256 + p2) * MAXR + rank] or 0
        if n > 0 then
          cell.count = cell.count + n
          if rank > 0 and levels[rank] then cell.level = levels[rank].name end
        end
      end
      local zr = shape.zones and shape.zones[p1 * 256 + p2]
      if zr and levels[zr] then cell.zone = levels[zr].name end
      total = total + cell.count
      cells[r][c] = cell
    end
  end
  local labels, col_labels = {}, {}
  for r = 1, nr do labels[r] = rows_t[nr - r + 1].label end
  for c = 1, nc do col_labels[c] = cols_t and cols_t[c].label or "all" end
  return { title = title, row_title = shape.row_title, col_title = shape.col_title or "",
           rows = labels, cols = col_labels, cells = cells, total = total }
end

-- The axes, stored columns and zones of the heat maps of m.
local function heat_shape(reg, m)
  local r = m.spec.risk
  local factors = m:factors()
  local row_f, col_f = factors[1], factors[2]
  if r.matrix and r.matrix.rows and r.matrix.columns then
    row_f, col_f = r.matrix.rows, r.matrix.columns
  end
  local stored = reg:risk_factors() or factors
  local col_of = {}
  for k, name in ipairs(stored) do col_of[name] = k - 1 end
  local shape = { row_f = row_f, col_f = col_f, ri = col_of[row_f] or 0,
                  ci = col_f and (col_of[col_f] or 1) or nil,
                  rows = axis_tiers(m, row_f), cols = col_f and axis_tiers(m, col_f) or nil,
                  row_title = axis_title(m, row_f), col_title = col_f and axis_title(m, col_f) }
  local hidden = {}
  for _, f in ipairs(factors) do
    if f ~= row_f and f ~= col_f then hidden[#hidden + 1] = f end
  end
  local zones, why = M.zones(m, row_f, col_f)
  shape.zones = zones
  local axes = col_f and (row_f .. " x " .. col_f) or row_f
  -- Axes that are stages of a staged score (OWASP's impact x likelihood)
  -- are no stored rating: each risk's bands are computed by the score's
  -- program over the register's columns (isms_stages_cells), before
  -- treatment and after it (isms_risk_table_after). An axis the program
  -- has no positions for cannot place risks; the map says so.
  local prog = r.program
  -- a stored factor past the fourth (r5..) is no column of the one-pass
  -- scan nor of the treatments' rr1..rr4: the program places it too
  local stored_axes = col_of[row_f] ~= nil and (not col_f or col_of[col_f] ~= nil)
  local past_r4 = (shape.ri > 3 or (shape.ci and shape.ci > 3)) and prog ~= nil
  if past_r4 or not stored_axes then
    local re = prog and prog.by_name[row_f]
    local ce = col_f and prog and prog.by_name[col_f]
    if re and re.npos > 0 and (not col_f or (ce and ce.npos > 0)) then
      shape.slots = { row = re.index, col = ce and ce.index or -1 }
    elseif not stored_axes then
      shape.unplaced = true
      shape.note = ("the axes %s have no tiers or bands the score computes: risks are not "
        .. "placed on this map (isms assess lists each risk's level)"):format(axes)
      return shape
    end
  end
  if not stored_axes then
    local staged_axis = prog.by_name[row_f].kind == "stage"
      or (col_f and prog.by_name[col_f].kind == "stage")
    if zones then
      shape.note = ("the axes %s are %s of the score, computed for each risk from its ratings; "
        .. "a cell's colour is the level %s gives it"):format(axes,
        staged_axis and "stages" or "inputs", m:name())
    else
      shape.note = ("the axes %s are computed for each risk from its ratings; a cell's colour "
        .. "is the highest level of its risks (%s)"):format(axes, why)
    end
  elseif not zones then
    shape.note = ("a cell's colour is the highest level of its risks (%s: the positions have no "
      .. "level of their own, as %s)"):format(axes, why)
  elseif #hidden > 0 then
    shape.note = ("a cell's colour is the highest level any %s gives at that %s (the worst case "
      .. "over %s); its count is the risks rated there"):format(table.concat(hidden, ", "), axes,
      table.concat(hidden, ", "))
  else
    shape.note = ("a cell's colour is the level %s gives that %s, whether or not risks sit there")
      :format(m:name(), axes)
  end
  return shape
end

--- The heat map of methodology m over the risks of t before treatment,
-- each risk at the rank given (int16_t[n]; nil: its stored rank): how the
-- register would sit on m's grid (`isms whatif`). Axes that are stages
-- are computed per risk in C (isms_stages_cells), as in the report.
-- @tparam RiskTable t from reg:risk_table()
-- @treturn table, number the map (as a heatmaps section's) and the risks
--   it cannot place; nil, why when m's axes are not on the register
function M.heat_grid(reg, m, t, ranks, title)
  local shape = heat_shape(reg, m)
  if shape.unplaced then return nil, shape.note end
  local counts, unrated
  if shape.slots then
    local inputs = require "isms.risk.inputs"
    local prog = m.spec.risk.program
    local cols, keep = inputs.columns(m, t, reg)
    counts = ffi.new("uint32_t[?]", 256 * 256 * MAXR)
    local rc = C.isms_stages_cells(prog.h, t.n, cols, shape.slots.row, shape.slots.col,
                                   ranks or t.c.level_rank, nil, counts)
    if rc ~= 0 then return nil, ffi.string(C.isms_stages_errmsg(prog.h)) end
    unrated = 0
    for x = 0, 255 do
      for rk = 0, MAXR - 1 do
        if shape.slots.col >= 0 then
          unrated = unrated + counts[(x * 256) * MAXR + rk]
          if x > 0 then unrated = unrated + counts[x * MAXR + rk] end
        elseif x == 0 then unrated = unrated + counts[rk] end
      end
    end
    local _ = keep
  else
    local stored = reg:risk_factors() or m:factors()
    local col_of = {}
    for k, name in ipairs(stored) do col_of[name] = k - 1 end
    local ri, ci = col_of[shape.row_f], shape.col_f and col_of[shape.col_f]
    if ri == nil or ri >= t.c.nratings or (ci and ci >= t.c.nratings) then
      return nil, ("the register holds no ratings on %s"):format(shape.row_f)
    end
    counts, unrated = cell_counts(t, ri, ci, ranks)
  end
  local map = heatmap(m, counts, shape, title or m:name())
  map.note = shape.note
  return map, unrated
end

-- The heat maps before and after treatment, and the treated pass
-- (treated_pass) that moves the risks between them.
-- `treat(counts)` gives the counts after treatment and the pass.
local function heatmaps_section(reg, m, shape, counts, unrated, treat)
  local before = heatmap(m, counts, shape, "Before treatment: inherent risk")
  before.stage = "before"
  before.subtitle = "as assessed, before any treatment"
  local after_counts, pass = treat(counts)
  local after = heatmap(m, after_counts, shape, "After treatment: residual risk")
  after.stage = "after"
  after.subtitle = "with each treated risk at its expected residual rating"
  local avoided = pass.avoided
    or count_of(reg, "SELECT count(*) AS n FROM treatments WHERE option = 'avoid'")
  if unrated > 0 then before.note = (before.note and before.note .. "; " or "")
    .. ("%d risk(s) not rated"):format(unrated) end
  if avoided > 0 then after.note = (after.note and after.note .. "; " or "")
    .. ("%d risk(s) avoided"):format(avoided) end
  local levels = {}
  for k, lv in ipairs(m:levels()) do
    levels[k] = { name = lv.name, rank = lv.rank or k, color = lv.color }
  end
  return { id = "heatmap", title = "Risk heat map", kind = "heatmaps", maps = { before, after },
           levels = levels, zoned = shape.zones ~= nil, note = shape.note }, pass
end

-- ------------------------------------------------------------ risks

-- The `limit` most urgent risks (stored level, score, obligations, ref;
-- ordered in C) with their treatments.
-- `picks` is the list of { ref, asset, threat } (asset and threat nil:
-- read with the row), most urgent first, of n risks.
local function top_risks_of(reg, m, picks, n, today)
  local factors = reg:risk_factors() or m:factors()
  local rows = {}
  for _, p in ipairs(picks) do
    local ref = p.ref
    local r = { ref = ref, asset = p.asset, threat = p.threat }
    rows[#rows + 1] = r
    for row in reg:query([[SELECT r.asset AS asset_id, r.threat AS threat_id, r.vulnerability,
        r.owners, r.obligations, r.r1, r.r2, r.r3, r.r4, r.score,
        r.level, r.acceptable, t.option, t.residual_score, t.residual_level,
        t.residual_acceptable,
        (SELECT group_concat(control, ' ') FROM (SELECT control FROM treatment_controls c
           WHERE c.risk = r.ref ORDER BY control)) AS controls
      FROM risks r LEFT JOIN treatments t ON t.risk = r.ref WHERE r.ref = ?1]], ref) do
      r.asset, r.threat = r.asset or row.asset_id, r.threat or row.threat_id
      r.vulnerability, r.owners, r.level = row.vulnerability, row.owners, row.level
      r.obligations = M.obligation_words(tonumber(row.obligations))
      for f, name in ipairs(factors) do r["r:" .. name] = tonumber(row["r" .. f]) end
      r.score = row.score and decimal.to_number(tonumber(row.score))
      if row.acceptable then r.acceptable = row.acceptable == "1" end
      r.option, r.controls, r.residual_level = row.option, row.controls, row.residual_level
      r.residual_score = row.residual_score and decimal.to_number(tonumber(row.residual_score))
      if row.residual_acceptable then r.residual_acceptable = row.residual_acceptable == "1" end
    end
  end
  return { id = "risks", title = "Most urgent risks", kind = "table",
           columns = require("isms.incident.beside").report_columns(reg, rows,
             risk_columns(factors, true), { today = today }), rows = rows, total = n,
           note = note_more(#rows, n, "ordered by level, score and obligations; every risk: "
                            .. "isms report --full --format xlsx") }
end

-- The most urgent from the risk table (ordered in C).
local function top_risks(reg, m, t, limit, today)
  local n = t.n
  local k = math.min(limit, n)
  local out = ffi.new("uint32_t[?]", math.max(k, 1))
  assert(C.isms_risk_order(n, t.c.level_rank, t.c.score, t.c.obligations, k, out) == 0)
  local picks = {}
  for x = 0, k - 1 do
    local i = out[x]
    picks[#picks + 1] = { ref = t:ref(i), asset = t:asset_id(i), threat = t:threat(i) }
  end
  return top_risks_of(reg, m, picks, n, today)
end

-- Treated risks whose residual risk management or an owner has not yet
-- accepted (the first `limit`, and how many in all). The total comes from
-- the merged pass (treated_pass); only risks with a management and an
-- owner's acceptance are checked one by one against their owners, and
-- the rows shown are read by ref.
local ACCEPT_SQL = [[SELECT t.risk, t.option, t.residual_level, r.owners,
    (SELECT group_concat(role || '|' || who, ';') FROM acceptances a WHERE a.risk = t.risk)
      AS accepted
  FROM treatments t JOIN risks r ON r.ref = t.risk]]

local function acceptance_of(row)
  local tr = { acceptances = {} }
  for item in (row.accepted or ""):gmatch("[^;]+") do
    local role, who = item:match("^(.-)|(.*)$")
    tr.acceptances[#tr.acceptances + 1] = { role = role, who = who }
  end
  return treatment.acceptance_state({ owners = row.owners }, tr)
end

local function acceptance_section(reg, limit, pass)
  local missing_total = pass.missing
  local checked = {}
  for _, ref in ipairs(pass.checks) do
    for row in reg:query(ACCEPT_SQL .. " WHERE t.risk = ?1", ref) do
      local st = acceptance_of(row)
      checked[ref] = st
      if not st.accepted then missing_total = missing_total + 1 end
    end
  end
  local rows = {}
  for _, ref in ipairs(pass.first) do
    if #rows >= limit then break end
    if not checked[ref] or not checked[ref].accepted then
      for row in reg:query(ACCEPT_SQL .. " WHERE t.risk = ?1", ref) do
        local state = acceptance_of(row)
        rows[#rows + 1] = { risk = row.risk, option = row.option,
                            residual_level = row.residual_level,
                            missing = table.concat(state.missing, ", ") }
      end
    end
  end
  return { id = "acceptance", title = "Residual risk awaiting acceptance", kind = "table",
           sheet = "Awaiting acceptance",
           columns = { { key = "risk", title = "Risk" }, { key = "option", title = "Treatment" },
                       { key = "residual_level", title = "Residual level" },
                       { key = "missing", title = "Still to accept" } },
           rows = rows, total = missing_total, note = note_more(#rows, missing_total) },
         missing_total
end

-- ------------------------------------------------------------ SoA

local function soa_rows(soa)
  local rows = {}
  for k, e in ipairs(soa.entries) do
    rows[k] = { control = e.control, title = e.title, group = e.group,
                applicable = e.applicable,  -- nil while undecided
                reasons = table.concat(e.reasons, ", "), justification = e.justification,
                status = e.status, owner = e.owner, risks = e.risks,
                linked = table.concat(e.linked, " ") }
  end
  return rows
end

--- The SoA as a model.
function M.soa(reg, opts)
  opts = opts or {}
  local soa, err, code = reg:soa({ linked = 5 })
  if not soa then return nil, err, code end
  local problems = assert(reg:soa_problems(soa))
  local applicable, excluded, undecided, implemented = 0, 0, 0, 0
  for _, e in ipairs(soa.entries) do
    if not e.decided then undecided = undecided + 1
    elseif e.applicable then
      applicable = applicable + 1
      if e.status == "implemented" then implemented = implemented + 1 end
    else excluded = excluded + 1 end
  end
  local rev = soa.revision
  local facts = {
    { label = "Catalogs", value = soa.catalogs },
    { label = "Revision", value = rev and ("%d of %s, approved by %s"):format(rev.rev,
                                  rev.issued_at, rev.approved_by) or "none issued" },
    { label = "Controls", value = #soa.entries },
    { label = "Applicable", value = applicable },
    { label = "Implemented", value = implemented },
    { label = "Excluded", value = excluded },
    { label = "Undecided", value = undecided },
    { label = "Problems", value = #problems },
  }
  return {
    title = "Statement of Applicability",
    subtitle = soa.catalogs .. (rev and (", revision %d"):format(rev.rev) or ", draft"),
    generated_at = records.today(opts.today), register = opts.register,
    sections = {
      { id = "summary", title = "Summary", kind = "facts", facts = facts },
      { id = "soa", title = "Controls", kind = "table", columns = M.SOA_COLUMNS,
        rows = soa_rows(soa), total = #soa.entries, problems = problems },
    },
  }, problems
end

-- ------------------------------------------------------------ RTP

local TASK_SQL = [[SELECT k.id, k.risk, k.control, k.title, k.owner, k.status, k.due,
    coalesce((SELECT old_due FROM rtp_delays d WHERE d.task = k.id AND d.seq = 1), k.due)
      AS first_due,
    (SELECT count(*) FROM rtp_delays d WHERE d.task = k.id) AS delays,
    CASE WHEN k.status IN ('done', 'cancelled') OR k.due >= ?1 THEN 0
         ELSE CAST(julianday(?1) - julianday(k.due) AS INTEGER) END AS days_overdue,
    (SELECT reason || ' (' || approved_by || ')' FROM rtp_delays d WHERE d.task = k.id
       ORDER BY seq DESC LIMIT 1) AS last_delay
  FROM rtp_tasks k]]
local OPEN = "k.status NOT IN ('done', 'cancelled')"

-- The first `limit` tasks that match, in order: chosen on the bare table
-- first, so the per-task subqueries run for those rows only.
local function task_rows(reg, where, order, limit, today, ...)
  local rows = {}
  local sql = TASK_SQL .. " JOIN (SELECT k.id AS pick FROM rtp_tasks k WHERE " .. where
    .. " ORDER BY " .. order .. " LIMIT " .. limit .. ") ON pick = k.id ORDER BY " .. order
  for row in reg:query(sql, today, ...) do
    row.delays, row.days_overdue = tonumber(row.delays), tonumber(row.days_overdue)
    rows[#rows + 1] = row
  end
  return rows
end

local function rtp_sections(reg, opts)
  local today = records.today(opts.today)
  local limit = opts.limit or M.LIMIT
  local warn = ("date(?1, '+%d days')"):format(opts.warn_days or rtp_rules.WARN_DAYS)
  local overdue_where = OPEN .. " AND k.due < ?1"
  local slipping_where = OPEN .. " AND k.due >= ?1 AND (EXISTS (SELECT 1 FROM rtp_delays d"
    .. " WHERE d.task = k.id) OR (k.status = 'planned' AND k.due <= " .. warn .. "))"
  -- the tasks by status, and the open ones overdue, in one pass over the
  -- index on (status, due) (no row of the table read, no sort)
  local open = {}  -- the statuses of OPEN (the schema allows no others)
  local n_tasks, n_overdue, by_status = 0, 0, {}
  for row in reg:query("SELECT status, count(*) AS n, coalesce(sum(due < ?1), 0) AS late"
                       .. " FROM rtp_tasks GROUP BY status", today) do
    local n = tonumber(row.n)
    n_tasks = n_tasks + n
    if row.status ~= "done" and row.status ~= "cancelled" then
      n_overdue = n_overdue + tonumber(row.late)
    end
    by_status[row.status] = n
  end
  for _, st in ipairs(rtp_rules.STATUSES) do
    if st ~= "done" and st ~= "cancelled" then open[#open + 1] = ("'%s'"):format(st) end
  end
  open = table.concat(open, ", ")
  -- slipping: the open tasks due from today on that were re-dated (from
  -- the delays, by task), and the planned ones due within the window that
  -- were not (a range of the index on (status, due)); no task is in both
  local n_slipping = count_of(reg, "SELECT count(*) AS n FROM (SELECT DISTINCT task FROM rtp_delays)"
      .. " JOIN rtp_tasks k ON k.id = task WHERE k.status IN (" .. open .. ") AND k.due >= ?1", today)
    + count_of(reg, "SELECT count(*) AS n FROM rtp_tasks k WHERE k.status = 'planned'"
      .. " AND k.due >= ?1 AND k.due <= " .. warn
      .. " AND NOT EXISTS (SELECT 1 FROM rtp_delays d WHERE d.task = k.id)", today)
  local facts = { { label = "Tasks", value = n_tasks } }
  for _, s in ipairs(rtp_rules.STATUSES) do
    facts[#facts + 1] = { label = s:gsub("_", " "):gsub("^%l", string.upper),
                          value = by_status[s] or 0 }
  end
  facts[#facts + 1] = { label = "Overdue", value = n_overdue }
  facts[#facts + 1] = { label = "Slipping", value = n_slipping }
  local overdue = task_rows(reg, overdue_where, "k.due, k.id", limit, today)  -- most overdue first
  local slipping = task_rows(reg, slipping_where, "k.due, k.id", limit, today)
  local all = task_rows(reg, "1", "k.id", limit, today)
  return {
    { id = "rtp-summary", title = "Risk treatment plan", kind = "facts", facts = facts },
    { id = "overdue", title = "Overdue tasks", kind = "table", columns = M.TASK_COLUMNS,
      rows = overdue, total = n_overdue, note = note_more(#overdue, n_overdue) },
    { id = "slipping", title = "Slipping tasks", kind = "table", columns = M.TASK_COLUMNS,
      rows = slipping, total = n_slipping,
      note = "re-dated at least once, or due within the warning window and not started" },
    { id = "tasks", title = "All tasks", kind = "table", columns = M.TASK_COLUMNS, rows = all,
      total = n_tasks, note = note_more(#all, n_tasks) },
  }, { overdue = n_overdue, slipping = n_slipping, tasks = n_tasks }
end

--- The RTP as a model, as of opts.today.
function M.rtp(reg, opts)
  opts = opts or {}
  local sections, counts = rtp_sections(reg, opts)
  return { title = "Risk Treatment Plan", subtitle = "as of " .. records.today(opts.today),
           generated_at = records.today(opts.today), register = opts.register,
           sections = sections }, counts
end

-- ------------------------------------------------------------ roadmap

-- One roadmap run as a report section: its steps as a table and, for
-- HTML, the Gantt chart the roadmap draws itself (isms.roadmap.gantt:
-- today line, critical path, done/blocked/overdue in words as well as
-- form) as `figure`.
local function roadmap_section(reg, run, opts)
  local model, err, code = roadmap.status(reg, run.id, { today = opts.today, record = false })
  if not model then return nil, err, code end
  local rows = {}
  for _, item in ipairs(model.steps) do
    local state = { item.status }
    if item.critical then state[#state + 1] = "critical" end
    if item.overdue then state[#state + 1] = "overdue" end
    rows[#rows + 1] = { step = item.id, title = item.title, role = item.role,
                        state = table.concat(state, ", "), start = item.start,
                        finish = item.finish, slack = item.slack }
  end
  local note = ("run %s of %s, started %s: projected finish %s"):format(model.run.id,
    model.workflow.name, tostring(model.run.started), tostring(model.finish))
  if model.target then
    note = note .. (", target %s"):format(model.target)
    if (tonumber(model.late_by) or 0) > 0 then
      note = note .. (" (%d working days late)"):format(model.late_by)
    end
  end
  return { id = "roadmap-" .. run.id,
           title = ("Roadmap %s: %s"):format(run.id, tostring(run.title or model.workflow.title
                                                                 or model.workflow.name)),
           sheet = "Roadmap " .. run.id, kind = "table", note = note,
           columns = { { key = "step", title = "Step" }, { key = "title", title = "Title" },
                       { key = "role", title = "Role" }, { key = "state", title = "State" },
                       { key = "start", title = "Start", date = true },
                       { key = "finish", title = "Finish", date = true },
                       { key = "slack", title = "Slack (working days)", numeric = true } },
           rows = rows, total = #rows, figure = roadmap.gantt.svg(model) }
end

--- The active roadmap runs as report sections (issue #15),
-- {} when there is none; in run id order.
function M.roadmap_sections(reg, opts)
  opts = opts or {}
  local out = {}
  for _, run in ipairs(reg:records("roadmap_run"):list({ status = "active" })) do
    local s = roadmap_section(reg, run, opts)
    if s then out[#out + 1] = s end
  end
  return out
end

-- ------------------------------------------------------------ the whole report

-- Risks stored as not acceptable, counted over the risk table's column.
local function not_acceptable(t)
  local a, n = t.c.acceptable, 0
  for i = 0, t.n - 1 do
    if a[i] == 0 then n = n + 1 end
  end
  return n
end

-- The treatments by option, residual not acceptable, overrides and
-- avoided, by SQL (the columns path; the scan counts them as it goes).
local function treatment_stats(reg)
  local by_option = {}
  for row in reg:query("SELECT option, count(*) AS n FROM treatments GROUP BY option") do
    by_option[row.option] = tonumber(row.n)
  end
  return { by_option = by_option,
           residual = count_of(reg, "SELECT count(*) AS n FROM treatments WHERE residual_acceptable = 0"),
           overrides = count_of(reg, "SELECT count(*) AS n FROM treatments WHERE override_by IS NOT NULL"),
           avoided = count_of(reg, "SELECT count(*) AS n FROM treatments WHERE option = 'avoid'") }
end

-- The options in the order of isms_report_scan's counts.
local SCAN_OPTIONS = { "modify", "retain", "avoid", "share" }

local function strings(arr, n)
  local out = {}
  for x = 0, tonumber(n) - 1 do out[#out + 1] = ffi.string(arr[x]) end
  return out
end

-- The report's aggregates in one pass (core/report_scan.c), or nil when
-- an axis is a stored factor past r4 (read into columns then); nil,
-- message, code on failure.
local scan_box = ffi.new("isms_report_scan *[1]")
local function scan(reg, shape, limit)
  if shape.ri > 3 or (shape.ci and shape.ci > 3) then return nil end
  local rc = C.isms_report_scan_read(reg.db, shape.ri, shape.ci or -1, limit, scan_box)
  if rc ~= 0 then return nil, ffi.string(C.isms_errmsg(reg.db)), b.code_names[rc] or "ERROR" end
  return ffi.gc(scan_box[0], C.isms_report_scan_free)
end

--- The whole report: summary, heat maps, most urgent risks, acceptance,
-- SoA and RTP.
-- @tparam table opts `{ today, limit, register, methodology = m, path }`
-- (path "columns": read the register into columns instead of the one-pass
-- scan; the same model, slower)
function M.full(reg, opts)
  opts = opts or {}
  local m = opts.methodology
  if not m then
    local err, code
    m, err, code = reg:methodology()
    if not m then return nil, err, code end
  end
  local limit = opts.limit or M.LIMIT
  local shape = heat_shape(reg, m)
  local risks, heat, pass, n_not_acceptable, tstats
  local sc, serr, scode
  if opts.path ~= "columns" and not shape.slots then
    sc, serr, scode = scan(reg, shape, limit)
    if sc == nil and serr then return nil, serr, scode end
  end
  if sc then
    -- the fast path: the aggregates of one pass in C (isms_report_scan_read)
    local picks = {}
    for x = 0, tonumber(sc.ntop) - 1 do picks[#picks + 1] = { ref = ffi.string(sc.top[x]) } end
    risks = top_risks_of(reg, m, picks, tonumber(sc.n), opts.today)
    heat, pass = heatmaps_section(reg, m, shape, sc.before, tonumber(sc.unrated), function()
      return sc.after, { missing = tonumber(sc.missing), checks = strings(sc.checks, sc.nchecks),
                         first = strings(sc.first, sc.nfirst), avoided = tonumber(sc.options[2]) }
    end)
    n_not_acceptable = tonumber(sc.not_acceptable)
    tstats = { by_option = {}, residual = tonumber(sc.residual_not_acceptable),
               overrides = tonumber(sc.overrides), avoided = tonumber(sc.options[2]) }
    for k, o in ipairs(SCAN_OPTIONS) do
      local n = tonumber(sc.options[k - 1])
      if n > 0 then tstats.by_option[o] = n end
    end
  else
    -- the register read into columns (more than four stored factors on the
    -- axes, or asked for: the spec compares both)
    local t, terr, tcode = reg:risk_table()
    if not t then return nil, terr, tcode end
    risks = top_risks(reg, m, t, limit, opts.today)
    if shape.slots then
      local before, after, unrated, avoided = M.stage_counts(reg, m, t, shape.slots.row,
                                                             shape.slots.col)
      heat, pass = heatmaps_section(reg, m, shape, before, unrated, function()
        local p = treated_pass(reg, t, shape.ri, shape.ci, limit, nil)
        p.avoided = avoided
        return after, p
      end)
    else
      local counts, unrated = cell_counts(t, shape.ri, shape.ci)
      heat, pass = heatmaps_section(reg, m, shape, counts, unrated, function(c)
        return c, treated_pass(reg, t, shape.ri, shape.ci, limit, c)
      end)
    end
    n_not_acceptable = not_acceptable(t)
  end
  local acceptance, awaiting = acceptance_section(reg, limit, pass)
  local soa_model, problems = M.soa(reg, opts)
  if not soa_model then return nil, problems end
  local rtp, counts = rtp_sections(reg, opts)
  tstats = tstats or treatment_stats(reg)
  local by_option = tstats.by_option
  local facts = {
    { label = "Methodology", value = m:name() },
    { label = "Assets", value = count_of(reg, "SELECT count(*) AS n FROM assets") },
    { label = "Risks", value = risks.total },
    { label = "Not acceptable before treatment", value = n_not_acceptable },
  }
  for _, o in ipairs(treatment.OPTIONS) do
    facts[#facts + 1] = { label = "Treatment: " .. o, value = by_option[o] or 0 }
  end
  for _, f in ipairs {
    { label = "Residual not acceptable", value = tstats.residual },
    { label = "Management overrides", value = tstats.overrides },
    { label = "Awaiting acceptance", value = awaiting },
    { label = "SoA", value = soa_model.subtitle },
    { label = "SoA problems", value = #problems },
    { label = "RTP tasks", value = counts.tasks },
    { label = "Overdue tasks", value = counts.overdue },
    { label = "Slipping tasks", value = counts.slipping },
  } do facts[#facts + 1] = f end
  local sections = {
    { id = "summary", title = "Summary", kind = "facts", facts = facts },
    heat,
    risks,
    acceptance,
    soa_model.sections[2],
  }
  sections[5].id, sections[5].title = "soa", "Statement of Applicability"
  for _, s in ipairs(rtp) do sections[#sections + 1] = s end
  for _, s in ipairs(M.roadmap_sections(reg, opts)) do sections[#sections + 1] = s end
  -- the latest quantitative run, if any (docs/quantitative.md)
  local quant = quant_report.sections(reg, { limit = limit })
  for _, s in ipairs(quant) do sections[#sections + 1] = s end
  if #quant > 0 then
    -- quantified risks have an annual loss in money, no place on the
    -- factor grid: the heat map says where they are instead (issue #17)
    local row = reg:query(([[SELECT count(*) AS n, sum(coalesce(k.r%d, 0) > 0) AS rated
      FROM quant_results q LEFT JOIN risks k ON k.ref = q.risk
      WHERE q.run = (SELECT max(run) FROM quant_results)]]):format(shape.ri + 1))()
    local n, rated = tonumber(row and row.n) or 0, tonumber(row and row.rated) or 0
    if n > 0 then
      local hm = sections[2]
      hm.note = (hm.note and hm.note .. ". " or "") .. ("%s %s a quantitative estimate: an annual "
        .. "loss in money is no position on this factor grid, so the loss exceedance curve and "
        .. "the annual-loss sections below show %s; %d of %s also rated on the factors and "
        .. "counted here"):format(format.number(n), n == 1 and "risk has" or "risks have",
        n == 1 and "it" or "them", rated, n == 1 and "it is" or "them are")
    end
  end
  return { title = "Information security risk report", subtitle = m:name(),
           generated_at = records.today(opts.today), register = opts.register,
           sections = sections }
end

-- ------------------------------------------------------------ XLSX

-- A risk's obligations (bits 1 legal, 2 regulatory, 4 contractual) as
-- words, in SQL: "legal, contractual".
M.OBLIGATION_WORDS = "nullif(substr(CASE WHEN r.obligations & 1 THEN ', legal' ELSE '' END"
  .. " || CASE WHEN r.obligations & 2 THEN ', regulatory' ELSE '' END"
  .. " || CASE WHEN r.obligations & 4 THEN ', contractual' ELSE '' END, 3), '')"

--- Obligation bits as words (nil for none).
function M.obligation_words(bits)
  bits = tonumber(bits) or 0
  local words = {}
  if bit.band(bits, 1) ~= 0 then words[#words + 1] = "legal" end
  if bit.band(bits, 2) ~= 0 then words[#words + 1] = "regulatory" end
  if bit.band(bits, 4) ~= 0 then words[#words + 1] = "contractual" end
  return #words > 0 and table.concat(words, ", ") or nil
end

-- A 0/1 column as the words the text formats use.
local function yes_no(col)
  return ("CASE %s WHEN 1 THEN 'yes' WHEN 0 THEN 'no' END"):format(col)
end

-- Every risk with its treatment, straight from SQLite (C streams it).
local function risk_sheet(reg, m, opts)
  local factors = reg:risk_factors() or m:factors()
  local cols = {
    { "r.ref", "Risk" }, { "r.asset", "Asset" }, { "a.name", "Asset name" },
    { "a.class", "Asset class" }, { "r.threat", "Threat" }, { "th.title", "Threat title" },
    { "r.vulnerability", "Vulnerability", confidential = true },
    { "v.title", "Vulnerability title", confidential = true },
    { "r.category", "Category" }, { "r.owners", "Owners" },
    { "r.controls", "Existing controls", confidential = true },
    { M.OBLIGATION_WORDS, "Obligations" },
  }
  for k, f in ipairs(factors) do cols[#cols + 1] = { "r.r" .. k, f, number = true } end
  -- the incidents beside the likelihood, as the list and the most urgent
  -- risks show them (only when the register holds incidents)
  local hist = opts.beside and require("isms.incident.likelihood").sheet_sql(reg, opts)
  if hist then
    cols[#cols + 1] = { hist.count, "Incidents", number = true }
    cols[#cols + 1] = { hist.flag, "Incident history flag" }
  end
  for _, c in ipairs {
    { "r.score / 1000000.0", "Score", number = true }, { "r.level", "Level" },
    { yes_no("r.acceptable"), "Acceptable" }, { "t.option", "Treatment" },
    { "(SELECT group_concat(control, ' ') FROM treatment_controls c WHERE c.risk = r.ref)",
      "Selected controls", confidential = true },
  } do cols[#cols + 1] = c end
  for k, f in ipairs(factors) do cols[#cols + 1] = { "t.rr" .. k, "Residual " .. f, number = true } end
  for _, c in ipairs {
    { "t.residual_score / 1000000.0", "Residual score", number = true },
    { "t.residual_level", "Residual level" },
    { yes_no("t.residual_acceptable"), "Residual acceptable" },
    { "t.override_by", "Override by" },
    { "t.override_reason", "Override reason", confidential = true },
    { "(SELECT group_concat(role || ': ' || who || ' ' || at, '; ') FROM acceptances x"
      .. " WHERE x.risk = r.ref)", "Accepted by" },
    { "r.rationale", "Rationale", confidential = true },
  } do cols[#cols + 1] = c end
  local exprs = {}
  for k, c in ipairs(cols) do exprs[k] = c[1] end
  return {
    name = "Risks", cols = cols,
    query = (hist and hist.with or "") .. "SELECT " .. table.concat(exprs, ", ")
      .. " FROM risks r JOIN assets a ON a.id = r.asset"
      .. " LEFT JOIN threats th ON th.id = r.threat"
      .. " LEFT JOIN vulnerabilities v ON v.id = r.vulnerability"
      .. " LEFT JOIN treatments t ON t.risk = r.ref"
      .. (hist and " LEFT JOIN hist ON hist.ref = r.ref" or "") .. " ORDER BY r.ref",
  }
end

local function task_sheet(today)
  local cols = {}
  for k, c in ipairs(M.TASK_COLUMNS) do
    cols[k] = { c.key, c.title, number = c.numeric, date = c.date, confidential = c.confidential }
  end
  return { name = "Tasks", cols = cols, params = { today },
           query = TASK_SQL .. " ORDER BY k.id" }
end

local function delay_sheet()
  return { name = "Delays", cols = {
      { "task", "Task" }, { "seq", "Delay", number = true }, { "reason", "Reason" },
      { "old_due", "Old due", date = true }, { "revised_due", "Revised due", date = true },
      { "approved_by", "Approved by" }, { "recorded_at", "Recorded", date = true } },
    query = "SELECT task, seq, reason, old_due, revised_due, approved_by, recorded_at"
      .. " FROM rtp_delays ORDER BY task, seq" }
end

--- The sheets of a model in a workbook: its sections, and for a report
-- naming them (opts.full_risks, opts.full_tasks) every risk and task.
function M.xlsx(reg, model, path, opts)
  opts = opts or {}
  local sheets = {}
  for _, s in ipairs(model.sections) do
    local full = (s.id == "risks" and opts.full_risks) or (s.id == "tasks" and opts.full_tasks)
      or (s.id == "quant-risks" and opts.full_risks)
    if not full then xlsx.section_sheets(s, sheets) end
  end
  if opts.full_risks then
    local m = opts.methodology or assert(reg:methodology())
    table.insert(sheets, 2, risk_sheet(reg, m, { today = opts.today,
      beside = require("isms.incident.beside").any(reg) }))
  end
  if opts.full_tasks then
    sheets[#sheets + 1] = task_sheet(records.today(opts.today))
    sheets[#sheets + 1] = delay_sheet()
  end
  if opts.full_risks then
    for _, sh in ipairs(quant_report.sheets(reg)) do sheets[#sheets + 1] = sh end
  end
  return xlsx.write(reg, path, model.title, sheets)
end


return M
