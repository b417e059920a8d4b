#!/usr/bin/env bash
# Records the reference Chaos Toolkit's journals and exit codes for the
# experiments in experiments/, as fixtures for tests/e2e/reference.rs.
#
#   python3 -m venv ~/ctk && ~/ctk/bin/pip install chaostoolkit==1.19.0 chaostoolkit-lib==1.44.0
#   tests/reference/regenerate.sh            # CTK=/path/to/chaos to use another binary
#
# Each experiment runs in a fresh scratch directory with the flags in
# experiments/NAME.flags (if any), as the test runs this engine.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ctk="${CTK:-$HOME/ctk/bin/chaos}"
"$ctk" --version
for experiment in "$here"/experiments/*.json; do
    name="$(basename "$experiment" .json)"
    flags=""
    [ -f "$here/experiments/$name.flags" ] && flags="$(cat "$here/experiments/$name.flags")"
    work="$(mktemp -d)"
    cp "$experiment" "$work/experiment.json"
    set +e
    # shellcheck disable=SC2086
    (cd "$work" && "$ctk" --no-version-check --no-log-file run experiment.json --journal-path journal.json $flags >/dev/null 2>&1)
    code=$?
    set -e
    python3 -m json.tool "$work/journal.json" > "$here/journals/$name.json"
    echo "$code" > "$here/journals/$name.exit"
    echo "$name: exit $code"
    rm -rf "$work"
done
