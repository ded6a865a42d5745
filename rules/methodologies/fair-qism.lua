-- A quantitative (FAIR-style) method on top of QISM InfoSec FMEA, for the
-- IC design centre of the case study (domain.md sections 2 and 3; guideline
-- 6.1 a allows quantitative methods). See docs/quantitative.md.
--
-- Everything qism-fmea declares is kept (asset classes A, B and C, the S x
-- O x D risk score, the levels Low, Medium and High and their acceptance);
-- this file adds what a risk costs a year, in euros:
--   * how often a loss event happens, by threat (quant_frequency): a loss
--     event frequency (lef), or a threat event frequency (tef) times the
--     share of threat events that become losses (vulnerability);
--   * what one event costs, by asset class (quant_magnitude): the primary
--     loss, and with some probability a secondary loss (fines, customers'
--     claims, reputation);
--   * what the controls of a treatment change, and what they cost a year
--     (quant_control);
--   * how the expected annual loss bands into the levels, so quantitative
--     risks sit on the same scale as the rated ones, and the criteria for
--     accepting a risk on its loss (quant_acceptance).
--
-- The estimates are a workshop's calibrated ranges for this sample, not
-- industry data: replace them with your own. Threats without a frequency
-- here, and risks on assets without a class (not valued), are left out of
-- the simulation and counted in its output.

methodology "fair-qism" {
  extends = "qism-fmea",
  title = "FAIR-style annual loss on QISM InfoSec FMEA",
  description = "Monte Carlo of annual loss (Poisson events x loss magnitude), banded into "
    .. "the qism-fmea risk levels",
  reference = "Guideline 6.1 a (quantitative methods); FAIR (Open Group O-RA); docs/quantitative.md",
}

quant_model "fair" {
  title = "Annual loss, IC design centre",
  currency = "EUR",
  events = "poisson",       -- a year holds K ~ Poisson(frequency) loss events
  iterations = 100000,      -- simulated years
  seed = 20260101,
  metric = "mean",          -- the annualised loss expectancy bands into the levels
  bands = { Low = 0, Medium = 5000, High = 40000 },
  threshold = 3000000,      -- the portfolio: how likely is a year above 3 M?
  curve_points = 64,
}

-- ------------------------------------------------------------ frequency
-- Per risk scenario (an asset, a threat and a vulnerability), events a
-- year. { min =, most_likely =, max = } is a PERT estimate (gamma 4).

-- Attacks: threat events are frequent, few get through.
quant_frequency "T-MALWARE" {
  tef = { min = 1, most_likely = 4, max = 12 },
  vulnerability = { min = 0.0005, most_likely = 0.002, max = 0.01 },
  description = "Malware reaching the asset; most is stopped at the gateway and endpoints",
}

quant_frequency "T-INTRUSION" {
  tef = { min = 0.5, most_likely = 2, max = 8 },
  vulnerability = { min = 0.0005, most_likely = 0.002, max = 0.012 },
}

quant_frequency "T-SOCIAL-ENGINEERING" {
  tef = { min = 1, most_likely = 3, max = 10 },
  vulnerability = { min = 0.0005, most_likely = 0.002, max = 0.008 },
}

-- Accidents and failures: a loss event frequency directly.
quant_frequency "T-FIRE" { lef = { min = 0.0005, most_likely = 0.002, max = 0.01 } }
quant_frequency "T-FLOOD" { lef = { min = 0.0005, most_likely = 0.003, max = 0.015 } }
quant_frequency "T-EM-PULSE" { lef = { min = 0.0002, most_likely = 0.001, max = 0.005 } }
quant_frequency "T-POWER-LOSS" { lef = { min = 0.001, most_likely = 0.004, max = 0.02 } }
quant_frequency "T-EQUIPMENT-FAILURE" { lef = { min = 0.001, most_likely = 0.004, max = 0.016 } }
quant_frequency "T-EQUIPMENT-THEFT" { lef = { min = 0.001, most_likely = 0.005, max = 0.02 } }
quant_frequency "T-DATA-CORRUPTION" { lef = { min = 0.0005, most_likely = 0.002, max = 0.008 } }
quant_frequency "T-ERROR-IN-USE" { lef = { min = 0.001, most_likely = 0.004, max = 0.02 } }
quant_frequency "T-DISCLOSURE" { lef = { min = 0.001, most_likely = 0.004, max = 0.02 } }

-- ------------------------------------------------------------ magnitude
-- Per event, by the asset's class. { low =, high = } is a 90% interval,
-- taken as lognormal: losses have long right tails.

quant_magnitude "A" {
  primary = { low = 40000, high = 1500000 },
  secondary_probability = { uniform = { 0.05, 0.2 } },
  secondary = { min = 100000, most_likely = 400000, max = 4000000 },
  description = "Tape-out data, RTL, PDKs: rework, schedule slip, foundry NDA penalties",
}

quant_magnitude "B" {
  primary = { low = 8000, high = 250000 },
  secondary_probability = { uniform = { 0.02, 0.1 } },
  secondary = { min = 20000, most_likely = 80000, max = 800000 },
}

quant_magnitude "C" {
  primary = { low = 1000, high = 40000 },
}

-- ------------------------------------------------------------ risks
-- Risks the workshop estimated one by one (they replace the tables).

quant_risk "IC-PHY-002/T-EM-PULSE/V-NO-SHIELDING" {
  lef = { min = 0.01, most_likely = 0.04, max = 0.12 },
  primary = { low = 200000, high = 3000000 },
  description = "Unshielded lab equipment: a pulse destroys prototypes and test rigs",
}

quant_risk "IC-INF-014/T-FLOOD/V-NO-OFFSITE-BACKUP" {
  lef = { min = 0.005, most_likely = 0.02, max = 0.06 },
  primary = { low = 300000, high = 4000000 },
  secondary_probability = { uniform = { 0.2, 0.5 } },
  secondary = { min = 100000, most_likely = 500000, max = 2000000 },
}

-- ------------------------------------------------------------ controls
-- What a selected control changes (factors on the estimates) and its cost
-- a year (run, licences, staff, annualised investment).

quant_control "A.7.8" {
  title = "Equipment siting and protection",
  frequency = 0.25, cost = 18000,
}
quant_control "A.7.11" {
  title = "Supporting utilities",
  magnitude = 0.6, cost = 9000,
}
quant_control "A.8.13" {
  title = "Information backup",
  magnitude = 0.15, cost = 12000,
}
quant_control "A.5.30" {
  title = "ICT readiness for business continuity",
  magnitude = 0.7, cost = 15000,
}
quant_control "A.8.7" {
  title = "Protection against malware",
  vulnerability = 0.3, cost = 25000,
}
quant_control "A.6.3" {
  title = "Awareness, education and training",
  vulnerability = 0.5, cost = 10000,
}

-- ------------------------------------------------------------ acceptance
-- On the loss itself. A risk is acceptable when every criterion that
-- applies holds.

quant_acceptance "expected loss" {
  metric = "mean", max = 25000,
  description = "Retain a risk whose expected annual loss is below 25 k",
}

quant_acceptance "class A tail" {
  when = { asset_class = { "A" } },
  above = 1000000, max_probability = 0.01,
  description = "A year losing more than 1 M on a critical asset: at most once a century",
}

quant_acceptance "residual" {
  residual = true,
  metric = "mean", max = 10000,
  description = "After treatment the expected annual loss must be below 10 k",
}
