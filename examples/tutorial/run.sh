#!/usr/bin/env bash
# Runs the tutorial experiment twice, starting and stopping the service each
# time: against the broken service (the run deviates: exit 1) and against the
# fixed one (the run passes: exit 0). Exits 0 when both outcomes are as
# expected. PORT (default 8080) chooses the service's port.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${PORT:-8080}"

echo "==> building chaos and the tutorial service"
cargo build --quiet --manifest-path "$root/Cargo.toml" -p chaos -p exchange-service
bin="${CARGO_TARGET_DIR:-$root/target}/debug"

cd "$here"
export EXCHANGE_SERVICE_URL="http://127.0.0.1:$port/"
service_pid=""
trap '[ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null || true' EXIT

run_against() {
    local mode="$1"
    shift
    echo "exchange rates: EUR/USD 1.08" > exchange.dat
    rm -f exchange.dat.old
    "$bin/exchange-service" "$@" --port "$port" --exchange-file ./exchange.dat &
    service_pid=$!
    for _ in $(seq 100); do
        (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    echo
    echo "==> chaos run experiment.json against the $mode service"
    set +e
    "$bin/chaos" run experiment.json --journal-path "journal-$mode.json" \
        --allow-read=. --allow-write=. --allow-net="127.0.0.1:$port" --allow-env=EXCHANGE_SERVICE_URL
    local code=$?
    set -e
    kill "$service_pid" 2>/dev/null || true
    wait "$service_pid" 2>/dev/null || true
    service_pid=""
    eval "exit_$mode=$code"
}

run_against broken
run_against fixed --fixed

echo
echo "==> outcomes"
echo "broken service: chaos exited $exit_broken (journal-broken.json; expected 1: the steady state deviated)"
echo "fixed service:  chaos exited $exit_fixed (journal-fixed.json; expected 0: the steady state held)"
[ "$exit_broken" -eq 1 ] && [ "$exit_fixed" -eq 0 ]
