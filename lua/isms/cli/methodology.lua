--- `isms methodology show | list | check | import`: reading, checking and
-- converting methodology rule files from the command line.
local isms = require "isms"
local format = require "isms.store.format"
require "isms.asset.register"   -- the register's asset methods

local function where(list, t)
  for _, x in ipairs(list or {}) do t[#t + 1] = x end
  return t
end

-- A condition table as text: "asset_class A; obligations legal, regulatory".
local function when_text(when)
  local parts = {}
  for _, key in ipairs({ "asset_class", "asset_type", "category", "level", "obligations" }) do
    if when and when[key] then parts[#parts + 1] = key .. " " .. table.concat(when[key], ", ") end
  end
  return #parts > 0 and table.concat(parts, "; ") or "every risk"
end

local function show_valuation(out, m)
  for _, d in ipairs({ "C", "I", "A" }) do
    out("scale ", d, "\n", format.table(m:tiers(d), { "value", "label",
      { "description", "description", 60 } }), "\n")
  end
  out("asset value = ", m:combine(), " of C, I and A\n\n")
  local rows = {}
  for _, c in ipairs(m:classes()) do
    rows[#rows + 1] = {
      class = c.name, title = c.title,
      values = c.values and table.concat(c.values, ", ") or
        ("%g..%g"):format(c.range[1], c.range[2]),
      description = c.description,
    }
  end
  out(format.table(rows, { "class", "title", "values", { "description", "description", 50 } }), "\n")
end

local function show_risk(out, m)
  local factors = m:factors()
  for _, f in ipairs(factors) do
    out("scale ", f, "\n", format.table(m:tiers(f), { "value", "label",
      { "description", "description", 60 } }), "\n")
  end
  out(("risk score = %s of %s\n\n"):format(m:risk_combine(), table.concat(factors, ", ")))
  local levels = {}
  for _, lv in ipairs(m:levels()) do
    levels[#levels + 1] = {
      rank = lv.rank, level = lv.name, color = lv.color,
      scores = lv.range and ("%s..%s"):format(format.number(lv.range[1]), format.number(lv.range[2]))
        or lv.values and table.concat(where(lv.values, {}), ", ") or "(matrix)",
      description = lv.description,
    }
  end
  out(format.table(levels, { "rank", "level", "scores", "color",
    { "description", "description", 50 } }), "\n")
  local grid = m:matrix()
  if grid then
    local cols = { { "row", grid.rows .. " \\ " .. grid.columns } }
    local rows = {}
    local ctiers = m:tiers(grid.columns)
    for j, t in ipairs(ctiers) do cols[#cols + 1] = { "c" .. j, j .. " " .. t.label, 18 } end
    local rtiers = m:tiers(grid.rows)
    for i = #rtiers, 1, -1 do  -- highest row first, as matrices are printed
      local row = { row = i .. " " .. rtiers[i].label }
      for j = 1, #ctiers do
        row["c" .. j] = ("%s (%s)"):format(grid.cells[i][j], format.number(grid.scores[i][j]))
      end
      rows[#rows + 1] = row
    end
    out(format.table(rows, cols), "\n")
  end
  local crit = {}
  for _, c in ipairs(m:criteria()) do
    local holds = {}
    if c.max_level then holds[#holds + 1] = "level <= " .. c.max_level end
    if c.max_score then holds[#holds + 1] = "score <= " .. format.number(c.max_score) end
    if c.predicate then holds[#holds + 1] = "predicate (line " .. c.predicate .. ")" end
    crit[#crit + 1] = { kind = c.residual and "residual" or "acceptance", name = c.name,
                        applies = when_text(c.when), holds = table.concat(holds, " and "),
                        description = c.description }
  end
  if #crit > 0 then
    out(format.table(crit, { "kind", "name", { "applies", "applies to", 40 }, "holds",
      { "description", "description", 40 } }), "\n")
  end
end

return function(kit)
  local out, EXIT = kit.out, kit.EXIT

  kit.command("methodology", {
    usage = "isms methodology show [NAME] | list | check FILE | import FILE.yaml [--output F]",
    summary = "show, list, check or import risk methodologies",
    help = [[
show [NAME]    the scales, asset classes, risk levels, matrix and acceptance
               criteria of NAME (default: the register's methodology)
list           the methodologies on the rules path
check FILE     validate a methodology; prints faults with FILE:LINE and
               warnings (band values no combination of tiers reaches);
               exit 3 if it does not load
import FILE    convert a CISO Assistant risk_matrix library (YAML) into an
               equivalent rule file, written to --output (default stdout);
               --name N names the methodology, --lang en|fr|de|... picks
               the translation, --matrix REF picks a matrix in the library]],
    options = { output = "value", name = "value", lang = "value", matrix = "value" },
    verbs = { show = 1, list = 0, check = 1, import = 1 },
    verb_options = { show = {}, list = {}, check = {},
                     import = { "output", "name", "lang", "matrix" } },
    run = function(ctx, opts, pos)
      local sub = pos[1]
      if sub == "list" then
        for _, name in ipairs(isms.methodology.list()) do out(name, "\n") end
        return true
      elseif sub == "check" then
        if not pos[2] then return nil, "usage: isms methodology check FILE", "USAGE" end
        local m, e, code = isms.methodology.load(pos[2])
        if not m then return nil, e, code end
        for _, w in ipairs(m:warnings()) do out("warning: ", w, "\n") end
        local parts = {}
        if m:values_assets() then parts[#parts + 1] = #m:classes() .. " asset classes" end
        if m:scores_risks() then
          local n = #m:criteria()
          parts[#parts + 1] = ("%d risk levels over %s, %d acceptance %s")
            :format(#m:levels(), table.concat(m:factors(), " x "), n,
                    n == 1 and "criterion" or "criteria")
        end
        -- The quantitative words, if any (docs/quantitative.md).
        local qok, q = pcall(require("isms.quant.model").from, m)
        if not qok then
          if type(q) == "table" and q.msg then return nil, q.msg, "RULE" end
          error(q, 0)
        end
        if q then
          local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end
          parts[#parts + 1] = ("quantitative model %s: %d frequencies, %d magnitudes, %d risks, "
            .. "%d controls"):format(q.model.name, count(q.frequency), count(q.magnitude),
                                     count(q.risks), count(q.controls))
        end
        out(("%s: ok: methodology %s (%s)\n"):format(pos[2], m:name(), table.concat(parts, "; ")))
        -- a staged score: which stages are table lookups, which kernels
        if m:scores_risks() and m.spec.risk.staged then
          for _, line in ipairs(m:plan()) do out("runs: ", line, "\n") end
        end
        return EXIT.OK
      elseif sub == "import" then
        if not pos[2] then return nil, "usage: isms methodology import FILE.yaml", "USAGE" end
        local f, ferr = io.open(pos[2], "rb")
        if not f then return nil, ferr, "IO" end
        local text = f:read("*a")
        f:close()
        local conv = require "isms.method.ciso_matrix"
        local rule, cerr = conv.convert(text, { source = pos[2], lang = opts.lang,
                                                name = opts.name, matrix = opts.matrix })
        if not rule then return nil, cerr, "INPUT" end
        if opts.output then
          -- Written beside the target and renamed once it loads, so a
          -- conversion that fails never touches an existing file.
          local tmp = opts.output .. ".tmp.lua"
          local o, oerr = io.open(tmp, "wb")
          if not o then return nil, oerr, "IO" end
          o:write(rule)
          o:close()
          local m, merr = isms.methodology.load(tmp)
          if not m then
            os.remove(tmp)
            return nil, "converted rule file does not load: " .. merr, "INPUT"
          end
          local renamed, rerr = os.rename(tmp, opts.output)
          if not renamed then
            os.remove(tmp)
            return nil, rerr, "IO"
          end
          out(("wrote %s: methodology %s, %d x %d matrix, %d levels\n"):format(opts.output,
            m:name(), #m:tiers(m:factors()[1]), #m:tiers(m:factors()[2]), #m:levels()))
        else
          out(rule)
        end
        return EXIT.OK
      elseif sub ~= "show" then
        return nil, "usage: " .. kit.commands.methodology.usage, "USAGE"
      end
      local m, e, code
      if pos[2] then
        m, e, code = isms.methodology.load(pos[2])
      else
        local reg, rerr, rcode = kit.open_register(ctx)
        if not reg then return nil, rerr, rcode end
        m, e, code = reg:methodology()
        reg:close()
      end
      if not m then return nil, e, code end
      out(("%s — %s\n%s\n\n"):format(m:name(), m:title() or "", m:file()))
      if m:values_assets() then show_valuation(out, m) end
      if m:scores_risks() then show_risk(out, m) end
      return true
    end,
  })
end
