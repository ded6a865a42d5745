-- sandbox_prelude.lua -- the rule-file DSL and the sandbox environment.
--
-- Runs inside the rule sandbox child (core/sandbox.c), before the rule
-- file, in a state that has only base, table, string and math opened. It
-- is trusted code: it sees the real globals as its first argument and a
-- table of private C helpers as its second:
--
--   H.chunkname     the rule file's name, for messages
--   H.caller_line() line of the innermost rule-file frame on the stack
--   H.pcall, H.xpcall, H.resume, H.wrap
--                   protected calls that re-raise a sandbox kill, so a
--                   rule cannot swallow a CPU, time or memory limit
--   H.track(f)      wraps a C pattern function so the line it was called
--                   from is known if the time limit strikes inside it
--   H.rep           string.rep that refuses results beyond the memory cap
--
-- It returns the environment for the rule file and a `finish` function
-- that returns the list of declarations { kind, name, line, body }.
-- C wipes the real globals after this chunk has run, so everything used
-- later is captured in locals here.

local G, H = ...

local error, type, pairs, ipairs, tostring = G.error, G.type, G.pairs, G.ipairs, G.tostring
local setmetatable, getmetatable = G.setmetatable, G.getmetatable
local format = G.string.format
local chunk, caller_line = H.chunkname, H.caller_line

-- Every message starts with "<file>:<line>: ", the line of the rule file
-- that was running (or the one given, for faults found at the end).
local function raise(msg, line)
  line = line or caller_line()
  if line > 0 then
    error(chunk .. ":" .. line .. ": " .. msg, 0)
  end
  error(chunk .. ": " .. msg, 0)
end

-- ------------------------------------------------------------ proxies

-- Reading a name that is not there is an error, so typos are caught
-- instead of silently reading nil.
local function strict(tbl, prefix)
  return setmetatable(tbl, {
    __index = function(_, k)
      raise(format("unknown name '%s%s'", prefix, tostring(k)))
    end,
    __metatable = false,
  })
end

-- An empty table that reads through to a private copy and refuses
-- writes; the copy itself is never handed to the rule file.
local function readonly(copy, name)
  return setmetatable({}, {
    __index = strict(copy, name .. "."),
    __newindex = function(_, k)
      raise(format("cannot modify '%s' (read-only): tried to set '%s'", name, tostring(k)))
    end,
    __metatable = false,
  })
end

local function copy_of(src, skip)
  local t = {}
  for k, v in pairs(src) do
    if not (skip and skip[k]) then t[k] = v end
  end
  return t
end

local sstring = copy_of(G.string, { dump = true })
for _, k in ipairs({ "find", "match", "gmatch", "gsub" }) do
  sstring[k] = H.track(G.string[k])
end
sstring.rep = H.rep

local co = G.coroutine
local libs = {
  string = readonly(sstring, "string"),
  table = readonly(copy_of(G.table), "table"),
  math = readonly(copy_of(G.math), "math"),
  coroutine = readonly({
    create = co.create, yield = co.yield, status = co.status, running = co.running,
    resume = H.resume, wrap = H.wrap,
  }, "coroutine"),
}

-- ("x"):rep(3) goes through the string metatable: point it at the safe
-- copy (no dump; strict since readonly() above) and lock it.
local string_mt = getmetatable("")
string_mt.__index = sstring
string_mt.__metatable = false

-- ---------------------------------------------------------------- DSL
--
-- Declarations are curried calls, as in Prosody's config:
--   scale "C" { ... }          a named word: name, then body
--   asset_value { ... }        an anonymous word: body only
-- Each records the rule-file line of the call. To add a word, add a line
-- to WORDS: { word, shape, example name for messages }.

local WORDS = {
  { "methodology",         "named", "qism-fmea" },
  { "scale",               "named", "C" },
  { "asset_value",         "anonymous" },
  { "asset_class",         "named", "A" },
  { "risk_score",          "anonymous" },
  { "risk_matrix",         "named", "default" },
  { "risk_level",          "named", "High" },
  { "acceptance",          "named", "default" },
  { "residual_acceptance", "named", "default" },
  { "catalog",             "named", "generic" },
  { "threat_class",        "named", "physical" },
  { "threat",              "named", "T-FIRE" },
  { "vulnerability",       "named", "V-NO-BACKUP" },
  { "roadmap_step",        "named", "1" },
  { "control_catalog",     "named", "iso27001-2022" },
  { "control_group",       "named", "A.5" },
  { "control",             "named", "A.5.1" },
  { "control_mapping",     "named", "iso27001-2013-to-2022" },
  { "maps",                "named", "A.5.1.1" },
  { "new_control",         "named", "A.5.7" },
  -- gap analysis (docs/gap-analysis.md)
  { "requirement_catalog", "named", "iso27001-2022" },
  { "requirement",         "named", "6.1.2 c) 1)" },
  { "requirement_mapping", "named", "iso9001-2015-to-iso27001-2022" },
  { "new_requirement",     "named", "6.1.2" },
  { "gap_method",          "named", "default" },
  { "answer_status",       "named", "met" },
  { "maturity_level",      "named", "3" },
  { "readiness",           "named", "default" },
  { "criterion",           "named", "internal_audit" },
  { "quant_model",         "named", "fair" },
  { "quant_frequency",     "named", "T-FIRE" },
  { "quant_magnitude",     "named", "A" },
  { "quant_risk",          "named", "ASSET/T-FIRE" },
  { "quant_control",       "named", "A.8.13" },
  { "quant_acceptance",    "named", "p90 below 100k" },
  { "risk_stage",          "named", "likelihood" },
  -- roadmaps (docs/roadmaps.md); criterion is shared with gap analysis
  { "roadmap",             "named", "qism-24" },
  { "phase",               "named", "awareness" },
  { "step",                "named", "1" },
  { "role",                "named", "lead-team" },
  { "calendar",            "named", "weekdays" },
  -- ISMS roles and competence programmes (docs/context-and-support.md)
  { "programme",           "named", "general-awareness" },
  -- keeping current (docs/keeping-current.md)
  { "incident_history",    "anonymous" },
  { "review_cycle",        "named", "risk" },
  { "trigger",             "named", "incident" },
  -- running the ISMS (docs/operations.md)
  { "document_list",       "named", "iso27001" },
  { "mandatory",           "named", "scope" },
  { "metric_set",          "named", "iso27001" },
  { "metric",              "named", "M-RISK-TREATED" },
  { "workflow",            "named", "nonconformity" },
  { "state",               "named", "open" },
  { "transition",          "named", "plan" },
}

local decls = {}
local pending = nil   -- a named declaration still waiting for its body

local function check_pending()
  local p = pending
  if p then
    pending = nil
    raise(format("%s '%s' declared without a body {...}", p.kind, p.name), p.line)
  end
end

local function named_word(kind, example)
  return function(name)
    check_pending()
    local line = caller_line()
    if type(name) ~= "string" or name == "" then
      raise(format('%s: expected a name string, e.g. %s "%s" { ... }', kind, kind, example), line)
    end
    local d = { kind = kind, name = name, line = line }
    pending = d
    return function(body)
      if d.body then
        raise(format("%s '%s' already has a body", kind, name))
      end
      if pending ~= d then
        raise(format("%s '%s': the body must follow the name, e.g. %s \"%s\" { ... }",
                     kind, name, kind, name))
      end
      if type(body) ~= "table" then
        raise(format("%s '%s': expected a table body {...}, got %s", kind, name, type(body)))
      end
      pending = nil
      d.body = body
      decls[#decls + 1] = d
    end
  end
end

local function anonymous_word(kind)
  return function(body)
    check_pending()
    local line = caller_line()
    if type(body) ~= "table" then
      raise(format("%s: expected a table body, e.g. %s { ... }, got %s", kind, kind, type(body)),
            line)
    end
    decls[#decls + 1] = { kind = kind, line = line, body = body }
  end
end

-- ---------------------------------------------------------- environment

-- ------------------------------------------------------- read-only views
--
-- Data the host passes to a call as `view` (a roadmap criterion's
-- register view: counts and query results) reaches the rule through
-- proxies: reading works at any depth, writing raises, naming the path;
-- pairs, ipairs and next walk the data behind a proxy (# does not: it
-- gives 0). The tables whose paths the host lists as `strict` raise on
-- a key they lack (a misspelt count), the others give nil (a map). Other
-- tables are untouched.
local rawnext = G.next
local view_data = setmetatable({}, { __mode = "k" })   -- proxy -> { data, path }
local view_proxy = setmetatable({}, { __mode = "k" })  -- data -> proxy
local view_strict = {}                                 -- path -> true

local function view_of(v, path)
  if type(v) ~= "table" then return v end
  local p = view_proxy[v]
  if p then return p end
  local strict_here = view_strict[path]
  p = setmetatable({}, {
    __index = function(_, k)
      local x = v[k]
      if x == nil and strict_here then raise(format("unknown name '%s.%s'", path, tostring(k))) end
      return view_of(x, path .. "." .. tostring(k))
    end,
    __newindex = function(_, k)
      raise(format("cannot modify '%s.%s': the register view is read-only", path, tostring(k)))
    end,
    __metatable = false,
  })
  view_proxy[v], view_data[p] = p, { v, path }
  return p
end

local function view_next(t, k)
  local w = view_data[t]
  if not w then return rawnext(t, k) end
  local nk, nv = rawnext(w[1], k)
  if nk == nil then return nil end
  return nk, view_of(nv, w[2] .. "." .. tostring(nk))
end

local function view_pairs(t)
  if view_data[t] then return view_next, t, nil end
  return pairs(t)
end

local function view_ipairs(t)
  local w = view_data[t]
  if not w then return ipairs(t) end
  return function(_, i)
    i = i + 1
    local v = w[1][i]
    if v == nil then return nil end
    return i, view_of(v, w[2] .. "[" .. i .. "]")
  end, t, 0
end

local allowed = {
  assert = G.assert, error = G.error, ipairs = view_ipairs, next = view_next, pairs = view_pairs,
  pcall = H.pcall, xpcall = H.xpcall, select = G.select, tonumber = G.tonumber,
  tostring = G.tostring, type = G.type, unpack = G.unpack,
  string = libs.string, table = libs.table, math = libs.math, coroutine = libs.coroutine,
}
for _, w in ipairs(WORDS) do
  local word, shape, example = w[1], w[2], w[3]
  allowed[word] = shape == "named" and named_word(word, example) or anonymous_word(word)
end

local env = setmetatable({}, {
  __index = strict(allowed, ""),
  __newindex = function(_, k)
    raise(format("cannot assign global '%s': rule files declare things with DSL words "
                 .. "(e.g. scale \"C\" { ... }); use 'local' for helper values", tostring(k)))
  end,
  __metatable = false,
})

local function finish()
  check_pending()
  return decls
end

-- Calls functions the rule file declared, for the host: a custom score
-- over every combination of tiers, a predicate over risk views. Each call
-- is { decl = index in decls, field = name in its body, args = { ... } }
-- and gets { ok = true, value = v, reason = r } or { ok = false, error = m }.
-- Limits still apply and a kill is never caught (H.pcall re-raises it).
local unpack, select = G.unpack, G.select
local PLAIN = { number = true, boolean = true, string = true, ["nil"] = true }
-- A call with view = true gets the list's `view` data, read-only, as its
-- first argument (`strict`: the paths of its tables that refuse unknown keys).
-- With results_only = true on the list, the declarations do not travel
-- back with the results (the host has them from the evaluation already;
-- a programme of thousands of steps would send megabytes for nothing).
local function run_calls(list, calls)
  local results = {}
  for _, path in ipairs(calls.strict or {}) do view_strict[path] = true end
  local view = calls.view ~= nil and view_of(calls.view, "register") or nil
  for k, call in ipairs(calls) do
    local d = list[call.decl]
    local fn = d and d.body[call.field]
    local r
    if type(fn) ~= "function" then
      r = { ok = false, error = "not a function" }
    else
      local packed
      if call.view then
        packed = { H.pcall(fn, view, unpack(call.args or {})) }
      else
        packed = { H.pcall(fn, unpack(call.args or {})) }
      end
      if not packed[1] then
        r = { ok = false, error = tostring(packed[2]) }
      elseif not PLAIN[type(packed[2])] or not PLAIN[type(packed[3])] then
        r = { ok = false, error = "returned a " .. type(packed[2]) ..
              (select("#", unpack(packed)) > 2 and (" and a " .. type(packed[3])) or "") }
      else
        r = { ok = true, value = packed[2], reason = packed[3] }
      end
    end
    results[k] = r
  end
  if calls.results_only then
    for k = #list, 1, -1 do list[k] = nil end
  end
  return results
end

return env, finish, run_calls
