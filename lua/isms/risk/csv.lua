--- Risks as CSV: the export columns and an all-or-nothing import.
-- The import reads the file with libcsv (isms_csv_*), checks every row
-- against the register (assets) and the methodology (ratings, categories,
-- impacts), lists every bad row as FILE:LINE:COLUMN: column: reason, and
-- stores nothing unless every row is good; then all rows are written in
-- one transaction and one change batch.
local b = require "isms.store._ffi"
local decimal = require "isms.store.decimal"
local risk_method = require "isms.method.risk_method"

local ffi, C = b.ffi, b.C
local M = {}

M.HEAD = { "ref", "asset", "threat", "vulnerability", "title", "category", "impacts",
           "owners", "controls", "legal", "regulatory", "contractual" }
M.TAIL = { "score", "level", "acceptable", "decision", "decided_by", "decided_at",
           "rationale" }

--- The CSV columns for a register whose ratings are on `factors`; with
-- `links`, the column "assets" (the assets linked to a risk besides its
-- own, ids by spaces) after "asset"; with `threat_links`, the column
-- "threats" (the catalog threats linked to it besides its own) after
-- "threat".
function M.columns(factors, links, threat_links)
  local cols = {}
  for _, c in ipairs(M.HEAD) do
    cols[#cols + 1] = c
    if c == "asset" and links then cols[#cols + 1] = "assets" end
    if c == "threat" and threat_links then cols[#cols + 1] = "threats" end
  end
  for _, f in ipairs(factors) do cols[#cols + 1] = f end
  for _, c in ipairs(M.TAIL) do cols[#cols + 1] = c end
  return cols
end

-- A stored rating (the tier's position) as a person and the import read
-- it: the tier's value ("0".."9" on a 0-9 scale; the position itself on a
-- scale of 1..n), or the label of a not rated tier.
local function shown(m, name, p)
  local sc = p and m and m.spec.scales[name]
  local t = sc and sc.positions[p]
  if not t then return p end
  if t.not_rated then return t.label end
  return decimal.format(t.micro)
end
M.shown = shown

--- Flattens risk rows for tables and CSV: ratings as columns by factor
-- (tier values under m, when given), obligations as yes/no columns.
function M.flat(rows, factors, m)
  local list = {}
  for _, r in ipairs(rows) do
    local f = {}
    for k, v in pairs(r) do if type(v) ~= "table" then f[k] = v end end
    for _, name in ipairs(factors) do f[name] = shown(m, name, r.ratings[name]) end
    f.legal = bit.band(r.obligations, 1) ~= 0
    f.regulatory = bit.band(r.obligations, 2) ~= 0
    f.contractual = bit.band(r.obligations, 4) ~= 0
    list[#list + 1] = f
  end
  return list
end

-- Columns the import reads; score, level and acceptable are computed, so
-- they are accepted (an export reads back) but ignored.
local COMPUTED = { score = true, level = true, acceptable = true }
local YES = { yes = true, y = true, ["true"] = true, ["1"] = true }
local NO = { no = true, n = true, ["false"] = true, ["0"] = true, [""] = true }
local DECISIONS = { accept = true, treat = true }

--- Imports risks from a CSV file into reg, all or nothing.
-- @treturn table|nil `{ rows, created, updated, batch }` or nil, message, code
function M.import(reg, path, opts)
  opts = opts or {}
  local max_errors = opts.max_errors or 50
  local m, merr, mcode = reg:methodology()
  if not m then return nil, merr, mcode end
  if not m:scores_risks() then
    return nil, ("methodology %s does not score risks"):format(m:name()), "INPUT"
  end
  local factors = reg:risk_factors() or m:factors()
  local out = ffi.new("isms_csv_reader *[1]")
  local rc = C.isms_csv_open(path, out)
  local r = out[0] ~= nil and ffi.gc(out[0], C.isms_csv_close) or nil
  if rc ~= 0 then
    local msg = r and ffi.string(C.isms_csv_error(r)) or "out of memory"
    return nil, msg .. "\n" .. path .. ": rejected; nothing was stored",
      rc == 3 and "IO" or "INPUT"
  end
  local len = ffi.new("size_t[1]")
  local line_out = ffi.new("int64_t[1]")
  local function field(k)
    local p = C.isms_csv_field(r, k, len)
    return p ~= nil and ffi.string(p, len[0]) or nil
  end
  local errors, bad_rows = {}, 0
  local function report(k, column, reason)
    if #errors < max_errors then
      local col = C.isms_csv_column(r, k, line_out)
      errors[#errors + 1] = ("%s:%d:%d: %s: %s"):format(path, tonumber(line_out[0]), col,
                                                        column, reason)
    end
  end
  if C.isms_csv_next(r) ~= 100 then
    return nil, path .. ":1:1: file is empty; expected a header row such as "
      .. "ref,asset,threat," .. table.concat(factors, ",") .. "\n" .. path
      .. ": rejected; nothing was stored", "INPUT"
  end
  -- The header: columns by name, any case; factors by their names.
  local known = {}
  for _, c in ipairs(M.columns(factors, true, true)) do known[c:lower()] = c end
  local col_of, names = {}, {}
  for k = 0, C.isms_csv_fields(r) - 1 do
    local name = (field(k) or ""):match("^%s*(.-)%s*$")
    local canon = known[name:lower()]
    if not canon then
      report(k, "header", ("unknown column '%s'; expected %s"):format(name,
        table.concat(M.columns(factors), ", ")))
    elseif col_of[canon] then
      report(k, "header", ("column '%s' appears twice"):format(name))
    else
      col_of[canon] = k
    end
    names[k] = canon or name
  end
  for _, need in ipairs({ "ref", "asset", "threat" }) do
    if not col_of[need] and #errors == 0 then
      errors[#errors + 1] = ("%s:1:1: header: missing required column '%s'"):format(path, need)
    end
  end
  if #errors > 0 then
    return nil, table.concat(errors, "\n") .. "\n" .. path
      .. ": rejected: the header row is not usable; nothing was stored", "INPUT"
  end
  local has_obligations = col_of.legal or col_of.regulatory or col_of.contractual
  local assets, is_factor, threats = {}, {}, nil
  for _, a in ipairs(reg:assets()) do assets[a.id] = a end
  if col_of.threats then
    threats = {}
    for row in reg:query("SELECT id FROM threats") do threats[row.id] = true end
  end
  for _, f in ipairs(factors) do is_factor[f] = true end
  local list, seen, rows = {}, {}, 0
  local width = C.isms_csv_fields(r)
  while C.isms_csv_next(r) == 100 do
    rows = rows + 1
    local before = #errors
    local nf = C.isms_csv_fields(r)
    local bad = false
    local function err(col, reason)
      bad = true
      report(col_of[col] or 0, col, reason)
    end
    if nf ~= width then
      bad = true
      report(math.min(nf, width), "row", ("row has %d fields, the header has %d"):format(nf, width))
    else
      -- Obligations are replaced only by a file that has their columns.
      local risk = { ratings = {}, obligations = has_obligations and {} or nil }
      for k = 0, nf - 1 do
        local name, v = names[k], field(k)
        if is_factor[name] then
          if v == "" then
            risk.ratings[name] = ""
          else
            -- checked here (file:line:col); put_risks reads the text again
            local t, why = m:parse_rating(name, v)
            if t then risk.ratings[name] = v else err(name, why) end
          end
        elseif name == "legal" or name == "regulatory" or name == "contractual" then
          local low = v:lower()
          if YES[low] then risk.obligations[name] = true
          elseif not NO[low] then err(name, ("'%s' is not yes or no"):format(v)) end
        elseif not COMPUTED[name] then
          risk[name] = v
        end
      end
      if risk.ref == "" then err("ref", "ref is empty")
      elseif seen[risk.ref] then
        err("ref", ("duplicate ref '%s' (first on line %d)"):format(risk.ref, seen[risk.ref]))
      else
        seen[risk.ref] = tonumber(C.isms_csv_line(r))
      end
      if risk.asset == "" then err("asset", "asset is empty")
      elseif not assets[risk.asset] then
        err("asset", ("no asset '%s' in the register"):format(risk.asset))
      end
      for id in (risk.assets or ""):gmatch("[^,;%s]+") do
        if not assets[id] then err("assets", ("no asset '%s' in the register"):format(id)) end
      end
      for id in (risk.threats or ""):gmatch("[^,;%s]+") do
        if not threats[id] then
          err("threats", ("no threat '%s' in the register's catalogs"):format(id))
        end
      end
      if risk.threat == "" then err("threat", "threat is empty") end
      if risk.category and risk.category ~= "" and
         not risk_method.CATEGORY_INDEX[risk.category] then
        err("category", ("unknown category '%s'; expected %s"):format(risk.category,
          table.concat(risk_method.CATEGORIES, ", ")))
      end
      if risk.impacts then
        for kind in risk.impacts:gmatch("[^,;%s]+") do
          if not risk_method.IMPACT_INDEX[kind] then
            err("impacts", ("unknown impact kind '%s'; expected %s"):format(kind,
              table.concat(risk_method.IMPACTS, ", ")))
          end
        end
      end
      if risk.decision and risk.decision ~= "" and not DECISIONS[risk.decision] then
        err("decision", ("'%s' is not accept or treat"):format(risk.decision))
      end
      list[#list + 1] = risk
    end
    if bad or #errors > before then bad_rows = bad_rows + 1 end
  end
  if bad_rows > 0 then
    local more = bad_rows > #errors and ("\n... and more (%d bad rows in all)"):format(bad_rows)
      or ""
    return nil, table.concat(errors, "\n") .. more .. "\n" ..
      ("%s: rejected: %d bad row%s; nothing was stored"):format(path, bad_rows,
                                                                  bad_rows == 1 and "" or "s"),
      "INPUT"
  end
  local rep, perr, pcode = reg:put_risks(list, { reason = opts.reason, methodology = m,
                                                 command = "import risks", source = path })
  if not rep then return nil, perr, pcode end
  rep.rows = rows
  return rep
end

return M
