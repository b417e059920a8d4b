#!/usr/bin/env bash
# Times `chaos run` of this engine (release build) and of the reference Chaos
# Toolkit on the same experiments, with hyperfine, and prints medians and
# ratios. Also measures the per-activity cost of wasm activities.
#
#   apt-get install hyperfine
#   python3 -m venv ~/ctk && ~/ctk/bin/pip install chaostoolkit==1.19.0 chaostoolkit-lib==1.44.0
#   benches/compare.sh                # RUNS=30 CTK=/path/to/chaos to change
#   BASELINE=/path/to/older/chaos benches/compare.sh
#                                     # also times another build of this engine
#                                     # on the same experiments, in the same run
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ctk="${CTK:-$HOME/ctk/bin/chaos}"
runs="${RUNS:-30}"
cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p chaos
cargo build --quiet --release --manifest-path "$root/Cargo.toml" --target wasm32-wasip2 \
    --target-dir "${CARGO_TARGET_DIR:-$root/target}/guest" -p greeter-activity
ours="${CARGO_TARGET_DIR:-$root/target}/release/chaos"
export GREETER="${CARGO_TARGET_DIR:-$root/target}/guest/wasm32-wasip2/release/greeter_activity.wasm"
work="$(mktemp -d)"
# The component cache lives outside the directory the experiments grant:
# a grant that overlaps it is refused (SECURITY.md).
caches="$(mktemp -d)"
trap 'rm -rf "$work" "$caches"' EXIT
cd "$work"
export CHAOS_CACHE_DIR="$caches/warm"

cp "$root/tests/reference/experiments/completed.json" completed.json
python3 - <<'PY'
import json, os
def experiment(method):
    return {"title": "bench", "description": "bench", "method": method}
probe = lambda i: {"type": "probe", "name": f"exists-{i}", "provider": {"type": "wasm", "module": "builtin:fs",
                   "func": "exists", "arguments": {"path": "./completed.json"}, "grants": {"read": ["."]}}}
json.dump(experiment([]), open("empty.json", "w"))
json.dump(experiment([probe(i) for i in range(1)]), open("wasm-1.json", "w"))
json.dump(experiment([probe(i) for i in range(100)]), open("wasm-100.json", "w"))
greet = lambda i: {"type": "probe", "name": f"greet-{i}", "provider": {"type": "wasm", "module": os.environ["GREETER"],
                   "func": "greet", "arguments": {"name": "bench"}}}
json.dump(experiment([greet(i) for i in range(1)]), open("greet-1.json", "w"))
json.dump(experiment([greet(i) for i in range(100)]), open("greet-100.json", "w"))
PY
# Compile the built-in components once (the artifact cache), as any second run would.
"$ours" run wasm-1.json --allow-read=. --journal-path j.json >/dev/null 2>&1
"$ours" run greet-1.json --journal-path j.json >/dev/null 2>&1
baseline_args=()
if [ -n "${BASELINE:-}" ]; then
    "$BASELINE" run wasm-1.json --allow-read=. --journal-path j.json >/dev/null 2>&1
    "$BASELINE" run greet-1.json --journal-path j.json >/dev/null 2>&1
    baseline_args=(
        -n "baseline: empty experiment" "$BASELINE run empty.json --journal-path j.json"
        -n "baseline: completed.json (5 process activities)" "$BASELINE run completed.json --allow-run --journal-path j.json"
        -n "baseline: 1 wasm activity" "$BASELINE run wasm-1.json --allow-read=. --journal-path j.json"
        -n "baseline: 100 wasm activities" "$BASELINE run wasm-100.json --allow-read=. --journal-path j.json"
        -n "baseline: 1 wasm activity without grants" "$BASELINE run greet-1.json --journal-path j.json"
        -n "baseline: 100 wasm activities without grants" "$BASELINE run greet-100.json --journal-path j.json"
    )
fi

hyperfine --style none --warmup 3 --runs "$runs" --export-json results.json \
    -n "ours: empty experiment" "$ours run empty.json --journal-path j.json" \
    -n "reference: empty experiment" "$ctk --no-version-check --no-log-file run empty.json --journal-path j.json" \
    -n "ours: completed.json (5 process activities)" "$ours run completed.json --allow-run --journal-path j.json" \
    -n "reference: completed.json (5 process activities)" "$ctk --no-version-check --no-log-file run completed.json --journal-path j.json" \
    -n "ours: 1 wasm activity" "$ours run wasm-1.json --allow-read=. --journal-path j.json" \
    -n "ours: 100 wasm activities" "$ours run wasm-100.json --allow-read=. --journal-path j.json" \
    -n "ours: 1 wasm activity without grants" "$ours run greet-1.json --journal-path j.json" \
    -n "ours: 100 wasm activities without grants" "$ours run greet-100.json --journal-path j.json" \
    "${baseline_args[@]}" \
    >/dev/null 2>&1

# First run against an empty artifact cache (compile, then store) and a warm one.
hyperfine --style none --warmup 1 --runs 10 --export-json cold.json \
    --prepare "rm -rf $caches/cold" \
    -n "ours: 1 wasm activity, empty component cache" "env CHAOS_CACHE_DIR=$caches/cold $ours run wasm-1.json --allow-read=. --journal-path j.json" \
    >/dev/null 2>&1

python3 - <<'PY'
import json
r = {x["command"]: x for f in ("results.json", "cold.json") for x in json.load(open(f))["results"]}
med = lambda n: r[n]["median"] * 1000
print(f"{'benchmark':52} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
for name, x in r.items():
    print(f"{name:52} {x['median']*1000:10.1f} {x['min']*1000:8.1f} {x['max']*1000:8.1f}")
print()
for what in ["empty experiment", "completed.json (5 process activities)"]:
    print(f"reference / ours, {what}: {med('reference: ' + what) / med('ours: ' + what):.1f}x")
per = (med("ours: 100 wasm activities") - med("ours: 1 wasm activity")) / 99 * 1000
print(f"ours, cost of one more wasm activity with a read grant (fresh store, grants, instantiate, call, journal): {per:.0f} us")
per = (med("ours: 100 wasm activities without grants") - med("ours: 1 wasm activity without grants")) / 99 * 1000
print(f"ours, cost of one more wasm activity without grants: {per:.0f} us")
cold = med("ours: 1 wasm activity, empty component cache") - med("ours: 1 wasm activity")
print(f"ours, compiling builtin:fs on a first run: {cold:.0f} ms")
baselines = [n[len("baseline: "):] for n in r if n.startswith("baseline: ")]
for what in baselines:
    print(f"baseline / ours, {what}: {med('baseline: ' + what) / med('ours: ' + what):.2f}x")
PY
