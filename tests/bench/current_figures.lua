-- Bench helper of area-current.sh (run by `isms run`): the incident
-- figures of the measurement programme for a 12-month window
-- (isms.incidents.metrics: counts and times, no links), and the incident
-- history of the ten risks a `risks list --top 10` shows (history{refs}).
-- Prints the number of figures and of risks with incidents.
local isms = require "isms"
local path = assert(arg[1], "usage: isms run current_figures.lua DB")
local reg = assert(isms.open(path))
local figures = assert(isms.incidents.metrics(reg, { from = "2025-12-08", to = "2026-12-07" }))
local refs = {}
for row in reg:query("SELECT ref FROM risks ORDER BY ref LIMIT 10") do refs[#refs + 1] = row.ref end
local hist = assert(isms.incidents.history(reg, { today = "2026-12-07", refs = refs }))
print(("%d figures; %d of %d risks with incidents"):format(#figures, #hist, #refs))
reg:close()
