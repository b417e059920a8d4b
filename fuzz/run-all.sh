#!/usr/bin/env bash
# Runs every target for SECONDS_EACH seconds (default 240), one at a time.
set -u
cd "$(dirname "$0")"
secs=${SECONDS_EACH:-240}
for t in ${TARGETS:-tolerance substitution validate load_json load_yaml}; do
  mkdir -p corpus/$t logs
  seeds=(); [ -d seeds/$t ] && seeds=(seeds/$t)
  echo "== $t ($secs s)"
  cargo +nightly fuzz run -O "$t" corpus/$t "${seeds[@]}" -- \
    -jobs=1 -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=65536 ${EXTRA:-} 2>&1 | tail -5
  [ -f fuzz-0.log ] && mv fuzz-0.log "logs/$t.log" && tail -25 "logs/$t.log"
done
