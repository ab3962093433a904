#!/bin/sh
# JSON API benchmarks on a data folder filled by bench/api/prepare.sh:
#   wrk, 16 connections, 30 s, on one entry's JSON; then JSON search p50/p95.
#   bench/api/run.sh /tmp/r27bench
set -eu
DIR=${1:-/tmp/r27bench}
PORT=${PORT:-8027}
export REGION27_DATA_DIR="$DIR" DJANGO_SETTINGS_MODULE=region27.config.settings.demo
# Rate limits off for the measurement (they are measured by the tests).
export REGION27_API_RATE_IP=0 REGION27_API_RATE_TOKEN=0 REGION27_LOG_LEVEL=WARNING
.venv/bin/region27 serve --bind 127.0.0.1:$PORT --workers "${WORKERS:-2}" --no-worker >"$DIR/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER' EXIT
for _ in $(seq 60); do curl -sf "http://127.0.0.1:$PORT/api/1/themes" >/dev/null && break; sleep 1; done
SLUG=$(curl -sf "http://127.0.0.1:$PORT/api/1/entries?kind=dataset&page_size=1" | .venv/bin/python -c "import json,sys; print(json.load(sys.stdin)['data'][0]['slug'])")
echo "entry: /api/1/entries/$SLUG"
echo "before wrk: $(uptime)"
( sleep 15; echo "during wrk: $(uptime)" ) &
wrk -t 2 -c 16 -d 30s --latency "http://127.0.0.1:$PORT/api/1/entries/$SLUG"
echo "after wrk: $(uptime)"
.venv/bin/python bench/api/search_latency.py "http://127.0.0.1:$PORT" --repeat "${REPEAT:-30}"
echo "after search: $(uptime)"
