--- Scales: the tiers a rating is given on (docs/rule-files.md, "scale").
-- A tier has a value (a decimal number: 0-9 scales, -1, 0.25 and 0-100
-- are all fine), a label, aliases, and may be the scale's "not rated"
-- tier. Ratings are stored as positions: the rated tiers in ascending
-- order of value are positions 1..n, the not rated ones follow. On a
-- scale whose values run 1..n (every scale before issue #16) a position
-- is the tier's value, so stored ratings mean what they always meant.
--
-- The C, I and A scales of asset valuation keep the narrower rules of the
-- C x I x A cube (core/method.c): whole values 1..15 without gaps.
local check = require "isms.rules.check"
local decimal = require "isms.store.decimal"

local fail, is_int = check.fail, check.is_int
local M = {}

M.MAX_TIERS = 254      -- positions 1..254 in a uint8 column; 0 is "no rating"
M.MAX_ASSET_TIER = 15  -- the C x I x A cube

local ALLOWED_SCALE = check.set { "title", "description", "tiers", "not_rated" }
local ALLOWED_TIER = check.set { "value", "label", "description", "aliases" }

--- Checks a scale declaration and fills scale.tiers (the rated tiers by
-- position), scale.positions (all tiers by position), scale.ntiers (rated
-- tiers), scale.classic (values run 1..n, nothing not rated).
function M.check(file, decl, scale)
  local f = decl.fields
  check.fields(file, decl, f, ALLOWED_SCALE)
  if not decl.name:match("^[%a_][%w_%-]*$") then
    fail(file, decl, nil, "a scale name is letters, digits, _ and -, starting with a letter")
  end
  local tiers = f.tiers
  if type(tiers) ~= "table" or #tiers == 0 then
    fail(file, decl, "tiers", "expected a list of tiers, e.g. { { value = 1, label = \"Low\" } }")
  end
  if #tiers + (f.not_rated and 1 or 0) > M.MAX_TIERS then
    fail(file, decl, "tiers", ("at most %d tiers, got %d"):format(M.MAX_TIERS, #tiers))
  end
  -- The not rated tier is declared apart (not_rated = { value = -1, label
  -- = "Not rated" }) and joins the list after the rated ones.
  local all = {}
  for k, tier in ipairs(tiers) do all[k] = { tier, ("tiers[%d]"):format(k) } end
  if f.not_rated ~= nil then
    if type(f.not_rated) ~= "table" then
      fail(file, decl, "not_rated", "expected a tier { value = -1, label = \"Not rated\" }")
    end
    all[#all + 1] = { f.not_rated, "not_rated" }
    f.not_rated.not_rated = true
  end
  local seen_value, seen_word = {}, {}
  for _, entry in ipairs(all) do
    local tier, at = entry[1], entry[2]
    if type(tier) ~= "table" then fail(file, decl, at, "expected a table") end
    local nr = tier.not_rated
    tier.not_rated = nil
    check.fields(file, decl, tier, ALLOWED_TIER, at .. ".")
    tier.not_rated = nr
    local micro, why = decimal.from_number(tier.value)
    if not micro then
      fail(file, decl, at .. ".value", ("expected a number with at most 6 decimal places, got %s")
           :format(type(tier.value) == "number" and (why .. ": " .. tostring(tier.value))
                   or tostring(tier.value)))
    end
    if seen_value[micro] then
      fail(file, decl, at .. ".value", ("tier %s is declared twice (also %s)")
           :format(decimal.format(micro), seen_value[micro]))
    end
    seen_value[micro] = at
    tier.micro = micro
    check.string(file, decl, at .. ".label", tier.label)
    check.string(file, decl, at .. ".description", tier.description, true)
    local words = { tier.label }
    if tier.aliases ~= nil then
      if type(tier.aliases) ~= "table" then fail(file, decl, at .. ".aliases", "expected a list") end
      for j, alias in ipairs(tier.aliases) do
        check.string(file, decl, ("%s.aliases[%d]"):format(at, j), alias)
        words[#words + 1] = alias
      end
    end
    for _, word in ipairs(words) do
      local key = word:lower()
      if seen_word[key] then
        fail(file, decl, at, ("'%s' already names tier %s; labels and aliases must be unique")
             :format(word, decimal.format(seen_word[key])))
      end
      -- A label that reads as a number must read as this tier's own value:
      -- "0".."9" on a 0-9 scale, never "2" on the tier worth 3.
      local n = tonumber(word)
      if n then
        local nm = decimal.from_number(n)
        if nm ~= micro then
          fail(file, decl, at, ("label '%s' reads as a number other than the tier's value %s")
               :format(word, decimal.format(micro)))
        end
      end
      seen_word[key] = micro
    end
  end
  local rated, unrated = {}, {}
  for _, t in ipairs(tiers) do rated[#rated + 1] = t end
  if f.not_rated then unrated[1] = f.not_rated end
  table.sort(rated, function(x, y) return x.micro < y.micro end)
  local positions = {}
  for _, t in ipairs(rated) do positions[#positions + 1] = t end
  for _, t in ipairs(unrated) do positions[#positions + 1] = t end
  for p, t in ipairs(positions) do t.position = p end
  local classic = #unrated == 0 and #rated <= M.MAX_ASSET_TIER
  for p, t in ipairs(rated) do
    if t.micro ~= p * decimal.UNIT then classic = false end
  end
  -- tiers: the rated ones in the order of their positions (what a heat
  -- map's rows and columns follow); the not rated tier is apart
  scale.declared = tiers
  scale.tiers, scale.positions, scale.ntiers, scale.classic = rated, positions, #rated, classic
  scale.not_rated = f.not_rated
  scale.integral = true
  for _, t in ipairs(rated) do
    if t.micro % decimal.UNIT ~= 0 then scale.integral = false end
  end
end

--- The narrower rules of an asset valuation scale (C, I, A): whole
-- values 1..15 running 1..n without gaps, none not rated.
function M.check_asset(file, decl, scale)
  for k, tier in ipairs(scale.declared) do
    local at = ("tiers[%d]"):format(k)
    local v = tier.value
    if not is_int(v) or v < 1 or v > M.MAX_ASSET_TIER then
      fail(file, decl, at .. ".value", ("expected a whole number from 1 to %d, got %s")
           :format(M.MAX_ASSET_TIER, tostring(v)))
    end
  end
  if scale.not_rated then
    fail(file, decl, "not_rated", "an asset valuation scale (C, I, A) has no not rated tier")
  end
  for v = 1, #scale.tiers do
    if not scale.positions[v] or scale.positions[v].micro ~= v * decimal.UNIT then
      fail(file, decl, "tiers", ("tiers must run 1..%d without gaps; tier %d is missing")
           :format(#scale.tiers, v))
    end
  end
end

--- The position of a rating given as a tier value, label or alias (any
-- case); nil and the reason if it is none of the scale's.
function M.position(scale, name, text)
  local s = tostring(text)
  local n = tonumber(s)
  if n then
    local micro = decimal.from_number(n)
    for _, t in ipairs(scale.positions) do
      if t.micro == micro then return t.position end
    end
    if scale.classic then
      return nil, ("%s is not a tier of %s (1-%d)"):format(s, name, #scale.tiers), "INPUT"
    end
  end
  local want = s:lower()
  for _, t in ipairs(scale.positions) do
    if t.label:lower() == want then return t.position end
    for _, a in ipairs(t.aliases or {}) do
      if a:lower() == want then return t.position end
    end
  end
  local labels = {}
  for p, t in ipairs(scale.positions) do labels[p] = t.label end
  if scale.classic then
    return nil, ("'%s' is not a tier of %s (%s, or 1-%d)")
      :format(s, name, table.concat(labels, ", "), #scale.tiers), "INPUT"
  end
  local values = {}
  for p, t in ipairs(scale.positions) do values[p] = decimal.format(t.micro) end
  return nil, ("'%s' is not a tier of %s (%s, or %s)")
    :format(s, name, table.concat(labels, ", "), table.concat(values, ", ")), "INPUT"
end

--- The tier at a position, or nil.
function M.tier(scale, position) return scale.positions[position] end

return M
