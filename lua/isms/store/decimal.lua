--- Exact decimals for scores, weights and band edges, as integer millionths.
-- A rule file writes 0.1 and means one tenth; a double holds a nearby
-- binary fraction, and 0.1 * 3 + 0.2 * 3 ~= 0.9 in doubles. Converting
-- each number once through its shortest decimal text ("%.15g" round-trips
-- every decimal of up to 15 digits) to an integer count of millionths
-- makes every later sum and comparison exact, so a score on a band edge
-- stays on it.
local M = {}

M.UNIT = 1000000
M.PLACES = 6
-- Largest magnitude kept exact: doubles hold integers exactly below 2^53.
local LIMIT = 2 ^ 53

--- Converts a Lua number to millionths.
-- @treturn integer|nil the count of millionths, or nil and the reason
function M.from_number(x)
  if type(x) ~= "number" or x ~= x or x == math.huge or x == -math.huge then
    return nil, "expected a finite number"
  end
  local text = ("%.15g"):format(x)
  local sign, int, frac, exp = text:match("^(%-?)(%d+)%.?(%d*)e?([-+]?%d*)$")
  if not int then return nil, "cannot read " .. text .. " as a decimal" end
  exp = tonumber(exp) or 0
  -- Shift the decimal point by the exponent, then take 6 places.
  local digits = int .. frac
  local point = #int + exp
  if point < 0 then digits, point = ("0"):rep(-point) .. digits, 0 end
  if point > #digits then digits = digits .. ("0"):rep(point - #digits) end
  local whole, places = digits:sub(1, point), digits:sub(point + 1)
  if places:find("[1-9]", M.PLACES + 1) then
    return nil, ("%s has more than %d decimal places"):format(text, M.PLACES)
  end
  places = (places .. ("0"):rep(M.PLACES)):sub(1, M.PLACES)
  local n = tonumber((whole == "" and "0" or whole) .. places)
  if n >= LIMIT then return nil, text .. " is too large" end
  return sign == "-" and -n or n
end

--- Rounds a computed number (a rule file function's result) to millionths.
function M.round(x)
  if type(x) ~= "number" or x ~= x or x == math.huge or x == -math.huge then
    return nil, "expected a finite number"
  end
  if math.abs(x) * M.UNIT >= LIMIT then return nil, ("%.15g is too large"):format(x) end
  -- Round half away from zero, from the decimal text so 2.675 means 2.675.
  local text = ("%.15g"):format(x)
  local n = M.from_number(tonumber(text))
  if n then return n end
  local scaled = x * M.UNIT
  return scaled >= 0 and math.floor(scaled + 0.5) or -math.floor(-scaled + 0.5)
end

--- Formats millionths as the shortest decimal text: 2500000 -> "2.5".
function M.format(n)
  local sign = n < 0 and "-" or ""
  n = math.abs(n)
  local whole, frac = math.floor(n / M.UNIT), n % M.UNIT
  if frac == 0 then return sign .. ("%d"):format(whole) end
  return sign .. ("%d.%06d"):format(whole, frac):gsub("0+$", "")
end

--- Millionths as a Lua number (for display and the Lua API).
function M.to_number(n) return n / M.UNIT end

return M
