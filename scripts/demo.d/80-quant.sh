#!/bin/sh
# Quantitative risk (issue #17, docs/quantitative.md): the register's risks
# simulated as annual loss in euros under fair-qism (qism-fmea plus FAIR
# estimates), before and after the treatments above; the run is stored, and
# the report that follows draws its loss exceedance curve and lists the
# risks with the largest expected annual loss. Env: BUILD, ISMS, DB.
set -eu
echo "== isms quant --method fair-qism (100,000 simulated years)"
"$ISMS" --db "$DB" quant --method fair-qism --top 8 --reason "annual loss (demo)"
echo
echo "== isms quant curve (the loss exceedance curve, every 8th point)"
"$ISMS" --db "$DB" quant curve | awk 'NR <= 3 || (NR - 3) % 8 == 0'
echo
