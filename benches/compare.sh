#!/usr/bin/env bash
# Times `chaos run` of this engine and of the reference Chaos Toolkit on the
# same work, in alternating runs (ours, reference, ours, reference...), and
# prints the medians of wall time and of peak RSS, and their ratios, as a
# Markdown table. The work (benches/compare.py says exactly what each is):
#   - the tutorial experiment (examples/tutorial), against its service;
#   - N probes for each N in SIZES: `builtin:fs exists` with a read grant
#     (ours), a python provider `os.path.exists` on the same path (the
#     reference cannot run wasm);
#   - BACKGROUND background activities that each sleep 1 s (process
#     provider `sleep 1` for both; for ours also a wasm activity that sleeps,
#     when the hostile test component has one), against the sum of their
#     durations;
#   - a continuous hypothesis every 0.1 s while the method is busy: the
#     period achieved.
#
#   benches/compare.sh                         # release build, RUNS=5
#   RUNS=9 SIZES=10,1000 benches/compare.sh    # other run counts and sizes
#   CHAOS=/path/to/chaos benches/compare.sh    # this binary (no build)
#   BASELINE=/path/to/older/chaos benches/compare.sh
#                                              # also times another build of
#                                              # this engine, in the same runs
#   CTK=/path/to/chaos benches/compare.sh      # another reference install
#   REDUCED=1 ...                              # a quick run (what `cargo
#                                              # test` runs): SIZES=10, RUNS=1,
#                                              # 10 sleepers, a short load
# Other variables: BIG_RUNS (runs for 10,000 activities and more, with no
# warm-up; default min(RUNS, 3)), BACKGROUND (default 100), WARMUP (untimed
# runs of each engine before each work; default 1), HOSTILE (the hostile test component;
# built when absent), SERVICE_URL with SERVICE_FILE (a running tutorial
# service and the exchange file it serves; else the service is built and
# started here), CHAOS_CACHE_DIR (the component cache; default a scratch
# directory, warmed before timing).
#
# The reference (chaostoolkit 1.19.0, chaostoolkit-lib 1.44.0) is installed
# in a virtualenv under ${XDG_CACHE_HOME:-~/.cache}/chaos-bench the first
# time, unless CTK names one. Needs python3 (with venv) and bash only.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"

ctk_version=1.19.0
ctk_lib_version=1.44.0
if [ -z "${CTK:-}" ]; then
    venv="${XDG_CACHE_HOME:-$HOME/.cache}/chaos-bench/ctk-$ctk_version-lib-$ctk_lib_version"
    if [ ! -e "$venv/.installed" ]; then
        echo "installing the reference Chaos Toolkit in $venv" >&2
        rm -rf "$venv"
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check \
            "chaostoolkit==$ctk_version" "chaostoolkit-lib==$ctk_lib_version" >&2
        touch "$venv/.installed"
    fi
    CTK="$venv/bin/chaos"
fi
export CTK

if [ -z "${CHAOS:-}" ]; then
    cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p chaos -p exchange-service
    CHAOS="$target/release/chaos"
    EXCHANGE_SERVICE="${EXCHANGE_SERVICE:-$target/release/exchange-service}"
fi
export CHAOS
if [ -z "${SERVICE_URL:-}" ] && [ -z "${EXCHANGE_SERVICE:-}" ]; then
    if [ -x "$(dirname "$CHAOS")/exchange-service" ]; then
        EXCHANGE_SERVICE="$(dirname "$CHAOS")/exchange-service"
    else
        cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p exchange-service
        EXCHANGE_SERVICE="$target/release/exchange-service"
    fi
fi
export EXCHANGE_SERVICE="${EXCHANGE_SERVICE:-}"
if [ -z "${HOSTILE:-}" ]; then
    cargo build --quiet --release --manifest-path "$root/Cargo.toml" --target wasm32-wasip2 \
        --target-dir "$target/guest" -p test-component-hostile
    HOSTILE="$target/guest/wasm32-wasip2/release/test_component_hostile.wasm"
fi
export HOSTILE

exec python3 "$root/benches/compare.py"
