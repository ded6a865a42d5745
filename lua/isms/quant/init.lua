--- Quantitative risk (docs/quantitative.md): FAIR-style Monte Carlo of annual
-- loss, as a kind of methodology. Loading this package adds the register
-- methods `quant_model`, `quant_run`, `quant_runs` and `quant_result`
-- (isms.quant.register); `model` validates the rule files' quant_* words
-- and builds a risk's estimates, `engine` runs libisms's simulation.
-- @module isms.quant
require "isms.quant.register"

return {
  model = require "isms.quant.model",
  engine = require "isms.quant.engine",
}
