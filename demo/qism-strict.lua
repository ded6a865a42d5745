-- A stricter variant of qism-fmea for the what-if in `make demo`: the same
-- S, O and D scales and criteria, with lower RPN thresholds. `extends`
-- inherits everything else from qism-fmea.
methodology "qism-strict" {
  extends = "qism-fmea",
  title = "QISM InfoSec FMEA, stricter RPN bands",
}

risk_level "Low" { range = { 1, 59 } }
risk_level "Medium" { range = { 60, 149 } }
risk_level "High" { range = { 150, 1000 } }
