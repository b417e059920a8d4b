#!/usr/bin/env python3
"""Prints an experiment of N `builtin:fs exists` probes, each with a read
grant of ".", on standard output:

    benches/gen-probes.py 10000 > probes.json
    chaos run probes.json --allow-read=.

Run it from the directory the experiment is run in: the probes check that
`./probes.json` exists there.
"""
import json
import sys

if len(sys.argv) != 2 or not sys.argv[1].isdigit():
    sys.exit("usage: benches/gen-probes.py N > experiment.json")
n = int(sys.argv[1])
probe = lambda i: {
    "type": "probe",
    "name": f"exists-{i}",
    "provider": {
        "type": "wasm",
        "module": "builtin:fs",
        "func": "exists",
        "arguments": {"path": "./probes.json"},
        "grants": {"read": ["."]},
    },
}
json.dump({"title": f"{n} probes", "description": "benchmark", "method": [probe(i) for i in range(n)]}, sys.stdout)
