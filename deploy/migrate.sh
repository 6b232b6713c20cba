#!/bin/sh
# The compose file's one-shot `migrate` service: apply migrations once before the nodes start (they would
# also migrate under an advisory lock, but one place keeps start-up logs and failures clear), then, with
# DEMO=on, load demo history for DEMO_SYMBOLS into Postgres (idempotent: natural keys).
set -eu
cli="${SMT_CLI:-server/dist/cli.js}"
node "$cli" migrate
if [ "${DEMO:-off}" = "on" ]; then
  # One argument per symbol.
  # shellcheck disable=SC2046
  node "$cli" demo $(echo "${DEMO_SYMBOLS:-AAPL,MSFT,NVDA,TSLA,SPY}" | tr ',' ' ') --days "${DEMO_DAYS:-30}"
fi
