#!/bin/sh
# Fill a throw-away data folder with the real territories and N realistic entries.
#   bench/api/prepare.sh /tmp/r27bench 100000
set -eu
DIR=${1:-/tmp/r27bench}
N=${2:-100000}
export REGION27_DATA_DIR="$DIR" DJANGO_SETTINGS_MODULE=region27.config.settings.demo
mkdir -p "$DIR"
.venv/bin/region27 migrate -v0
.venv/bin/region27 load-territories
.venv/bin/region27 manage bench_data --entries "$N"
