#!/bin/sh
# Tamper evidence (issue #18): every row and change batch of the demo
# register is in one hash chain; `isms verify` recomputes it and finds the
# register as the commands above left it (env: BUILD, ISMS, DB).
set -eu
: "${ISMS:?}" "${DB:?}"
echo "== isms verify"
"$ISMS" --db "$DB" verify
