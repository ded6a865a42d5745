--- Quantitative risk commands: `isms quant` (run, show, runs, curve).
-- A run simulates the register's risks under a methodology's quantitative
-- model (docs/quantitative.md) in C, with a progress bar on a terminal, and
-- stores it; the other verbs read stored runs.
local format = require "isms.store.format"

local STATS = { "mean", "sd", "p50", "p90", "p95", "p99", "max", "p_exceed", "p_loss" }

-- ------------------------------------------------------------ JSON

-- JSON with keys in sorted order and numbers to the last digit, so the
-- same run prints the same bytes.
local function json(v, out)
  local t = type(v)
  if t == "table" then
    if #v > 0 or next(v) == nil then
      out[#out + 1] = "["
      for k = 1, #v do
        if k > 1 then out[#out + 1] = "," end
        json(v[k], out)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = tostring(k) end
      table.sort(keys)
      out[#out + 1] = "{"
      for k, key in ipairs(keys) do
        if k > 1 then out[#out + 1] = "," end
        json(key, out)
        out[#out + 1] = ":"
        json(v[key], out)
      end
      out[#out + 1] = "}"
    end
  elseif t == "number" then
    if v ~= v or v == math.huge or v == -math.huge then out[#out + 1] = "null"
    elseif v == math.floor(v) and math.abs(v) < 2 ^ 53 then out[#out + 1] = ("%d"):format(v)
    else
      -- the shortest text that reads back as the same double
      local s
      for digits = 15, 17 do
        s = ("%." .. digits .. "g"):format(v)
        if tonumber(s) == v then break end
      end
      out[#out + 1] = s
    end
  elseif t == "string" then
    out[#out + 1] = '"' .. v:gsub('[%c"\\]', function(c)
      local esc = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }
      return esc[c] or ("\\u%04x"):format(c:byte())
    end) .. '"'
  elseif t == "boolean" then
    out[#out + 1] = tostring(v)
  else
    out[#out + 1] = "null"
  end
end

local function to_json(v)
  local out = {}
  json(v, out)
  return table.concat(out) .. "\n"
end

-- ------------------------------------------------------------ text

-- 1234567.8 -> "1,234,568"
local function money(x)
  if x == nil then return "" end
  local s = ("%.0f"):format(x)
  local sign, digits = s:match("^(-?)(%d+)$")
  if not digits then return s end
  digits = digits:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", "")
  return sign .. digits
end

local function pct(p)
  if p == nil then return "" end
  return ("%.1f%%"):format(p * 100)
end

local function yes_no(v)
  if v == nil then return "" end
  return v and "yes" or "no"
end

local function summary(res)
  local out = {}
  local function add(s) out[#out + 1] = s end
  add(("quant run %s: %s, %d risks x %d years (seed %s)%s, %s\n"):format(
    res.run and tostring(res.run) or "(not stored)", res.method, res.risks, res.iterations,
    format.number(res.seed), (res.correlation or 0) > 0
      and (", correlation %s"):format(format.number(res.correlation)) or "", res.currency or ""))
  if (res.skipped or 0) > 0 then
    add(("%d risks without estimates, not simulated (e.g. %s: %s)\n"):format(res.skipped,
        res.skipped_first.ref, res.skipped_first.why))
  end
  add("\n")
  local rows = {}
  local b0, a0 = res.before, res.after
  for _, s in ipairs({ { "mean (annualised loss expectancy)", "mean" }, { "sd", "sd" },
                       { "p50", "p50" }, { "p90", "p90" }, { "p95", "p95" }, { "p99", "p99" },
                       { "worst year", "max" } }) do
    rows[#rows + 1] = { what = s[1], before = money(b0[s[2]]), after = money(a0[s[2]]) }
  end
  if res.threshold then
    rows[#rows + 1] = { what = "P(year > " .. money(res.threshold) .. ")",
                        before = pct(b0.p_exceed), after = pct(a0.p_exceed) }
  end
  rows[#rows + 1] = { what = "years with a loss", before = pct(b0.p_loss), after = pct(a0.p_loss) }
  add(format.table(rows, { { "what", "portfolio annual loss", 40 }, { "before", "before" },
                           { "after", "after treatment" } }))
  if (res.control_cost or 0) > 0 then
    add(("\ncontrols in the treatments cost %s a year; they cut the expected loss by %s: "
         .. "return on the controls %s\n"):format(money(res.control_cost), money(res.reduction),
         res.rosi and ("%.2f"):format(res.rosi) or "n/a"))
  end
  return table.concat(out)
end

local RISK_COLUMNS = { "ref", "level", "mean", "p90", "p99", "p_exceed", "acceptable",
                       "after_level", "after_mean", "after_acceptable", "cost" }
local function risk_table(res)
  local list = { { "ref", "risk", 44 }, "level", "mean", "p90", "p99" }
  if res.risk_threshold then
    list[#list + 1] = { "p_exceed", "P(>" .. money(res.risk_threshold) .. ")" }
  end
  for _, c in ipairs({ "acceptable", { "after_level", "after: level" }, { "after_mean", "mean" },
                       { "after_acceptable", "acceptable" }, { "cost", "controls' cost" } }) do
    list[#list + 1] = c
  end
  return list
end

local function risk_rows(res, top, text)
  local list = {}
  for k, r in ipairs(res.rows) do
    if top and k > top then break end
    local row = { ref = r.ref, level = r.level, acceptable = r.acceptable,
                  after_level = r.after_level, after_acceptable = r.after_acceptable }
    if text then
      row.mean, row.p90, row.p99 = money(r.mean), money(r.p90), money(r.p99)
      row.p_exceed, row.after_mean = pct(r.p_exceed), money(r.after.mean)
      row.cost = r.cost and r.cost > 0 and money(r.cost) or ""
      row.acceptable, row.after_acceptable = yes_no(r.acceptable), yes_no(r.after_acceptable)
    else
      row.mean, row.p90, row.p99, row.p_exceed = r.mean, r.p90, r.p99, r.p_exceed
      row.after_mean, row.cost = r.after.mean, r.cost
    end
    list[#list + 1] = row
  end
  return list
end

-- The result as plain data for --format json.
local function as_data(res, top)
  local rows = {}
  for k, r in ipairs(res.rows) do
    if top and k > top then break end
    local row = { ref = r.ref, level = r.level, acceptable = r.acceptable,
                  after_level = r.after_level, after_acceptable = r.after_acceptable,
                  cost = r.cost, controls = r.controls, before = {}, after = {} }
    for _, s in ipairs(STATS) do row.before[s], row.after[s] = r[s], r.after[s] end
    rows[#rows + 1] = row
  end
  return { run = res.run, method = res.method, currency = res.currency, metric = res.metric,
           seed = res.seed, iterations = res.iterations, correlation = res.correlation,
           threshold = res.threshold, risk_threshold = res.risk_threshold, risks = res.risks,
           skipped = res.skipped,
           portfolio = { before = res.before, after = res.after },
           control_cost = res.control_cost, reduction = res.reduction, rosi = res.rosi,
           top = rows, curve = res.curve }
end

return function(kit)
  local out, EXIT = kit.out, kit.EXIT

  local function fmt_of(opts)
    if opts.json then return "json" end
    return opts.format or "table"
  end

  local function show(res, opts)
    local fmt = fmt_of(opts)
    if fmt == "json" then
      out(to_json(as_data(res, opts.top)))
    elseif fmt == "csv" then
      out(format.csv(risk_rows(res, opts.top, false), RISK_COLUMNS))
    else
      out(summary(res))
      local top = opts.top or 10
      if top > 0 then
        out(("\ntop %d risks by annual loss (%s, %s):\n"):format(math.min(top, #res.rows),
            res.metric == "mean" and "mean" or "mean; levels by " .. tostring(res.metric),
            res.currency or ""))
        out(format.table(risk_rows(res, top, true), risk_table(res)))
      end
    end
    return EXIT.OK
  end

  local function correlation_of(v)
    if v == nil then return nil end
    local r = tonumber(v)
    if not r or r < 0 or r > 1 then
      return nil, ("option --correlation expects a number from 0 to 1, got '%s'"):format(v)
    end
    return r
  end

  kit.command("quant", {
    usage = "isms quant [run|show [RUN]|runs|curve [RUN]] [--method NAME] [--iterations N] "
            .. "[--seed S] [--threads T] [--json]",
    summary = "quantitative risk: Monte Carlo of annual loss, before and after treatment",
    help = [[
run              simulate the register's risks under a quantitative model
                 (quant_model in the methodology, docs/quantitative.md) and store
                 the run: portfolio and per-risk annual loss (mean, sd,
                 p50/p90/p95/p99), the loss exceedance curve, before and
                 after treatment, the levels and acceptance of each risk
  --method NAME  the methodology with the model (default: the register's)
  --iterations N simulated years (default: the model's; at most 10,000,000)
  --seed S       the random seed (default: the model's); the same seed gives
                 the same results on any number of threads
  --threads T    worker threads (default: one per core)
  --correlation R  rank correlation between risks, 0..1 (default: the model's)
  --no-store     print without storing
  --reason TEXT  recorded in the change log
show [RUN]       a stored run (the latest by default)
runs             the stored runs
curve [RUN]      the loss exceedance curve of a stored run
--top N          risks shown by run and show (table: 10; json and csv: all)
--format table|csv|json, --json   output format (every verb)]],
    options = { method = "value", iterations = "positive", seed = "count", threads = "count",
                correlation = "value", top = "count", format = "value", json = "flag",
                ["no-store"] = "flag", reason = "value" },
    verbs = { run = 0, show = 1, curve = 1, runs = 0 },
    default_verb = "run",
    verb_options = {
      run = { "method", "iterations", "seed", "threads", "correlation", "no-store", "reason",
              "top", "format", "json" },
      show = { "top", "format", "json" }, curve = { "format", "json" }, runs = { "format", "json" },
    },
    run = function(ctx, opts, pos)
      local sub = pos[1] or "run"
      local ok, ferr = kit.check_format(opts.format)
      if not ok then return nil, ferr, "USAGE" end
      local corr, cerr = correlation_of(opts.correlation)
      if cerr then return nil, cerr, "USAGE" end
      return kit.with_register(ctx, function(reg)
        local fail = kit.fail
        if sub == "run" then
          if pos[2] then return fail("usage: isms quant run [options]", "USAGE") end
          local progress
          local res, err, code = reg:quant_run({
            method = opts.method, iterations = opts.iterations, seed = opts.seed,
            threads = opts.threads, correlation = corr, store = not opts["no-store"],
            reason = opts.reason,
            progress = function(p)
              if progress == nil then
                progress = require("isms.cli.progress").bar("simulating annual loss") or false
              end
              if progress then progress(p) end
            end,
          })
          if not res then return fail(err, code) end
          return show(res, opts)
        elseif sub == "show" or sub == "curve" then
          local id = pos[2] and tonumber(pos[2])
          if pos[2] and not id then return fail("usage: isms quant " .. sub .. " [RUN]", "USAGE") end
          local res, err, code = reg:quant_result(id)
          if not res then return fail(err, code) end
          if sub == "show" then return show(res, opts) end
          local fmt = fmt_of(opts)
          local cols = { "loss", "before", "after" }
          if fmt == "json" then
            out(to_json(res.curve))
          elseif fmt == "csv" then
            out(format.csv(res.curve, cols))
          else
            local rows = {}
            for k, p in ipairs(res.curve) do
              rows[k] = { loss = money(p.loss), before = pct(p.before), after = pct(p.after) }
            end
            out(("loss exceedance curve of run %d (%s): P(annual loss > x)\n"):format(res.run,
                res.currency or ""))
            out(format.table(rows, { { "loss", "x" }, { "before", "before" },
                                     { "after", "after treatment" } }))
          end
          return EXIT.OK
        elseif sub == "runs" then
          local list = reg:quant_runs()
          local fmt = fmt_of(opts)
          local cols = { "run", "at", "actor", "method", "risks", "iterations", "seed", "mean",
                         "after_mean", "control_cost", "currency" }
          if fmt == "json" then out(to_json(list))
          elseif fmt == "csv" then out(format.csv(list, cols))
          else
            local rows = {}
            for k, r in ipairs(list) do
              rows[k] = { run = r.run, at = r.at, actor = r.actor, method = r.method,
                          risks = r.risks, iterations = r.iterations, seed = r.seed,
                          mean = money(r.mean), after_mean = money(r.after_mean),
                          control_cost = money(r.control_cost), currency = r.currency }
            end
            out(format.table(rows, cols))
          end
          return EXIT.OK
        end
        return fail(("unknown quant command '%s'; see isms help quant"):format(sub), "USAGE")
      end)
    end,
  })

  -- for the specs
  return { json = to_json, money = money }
end
