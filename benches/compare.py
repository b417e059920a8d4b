#!/usr/bin/env python3
"""The driver of benches/compare.sh (which builds and installs what it needs,
then runs this with CHAOS, CTK, HOSTILE and EXCHANGE_SERVICE or SERVICE_URL
set). Writes each work's experiments for both engines into a scratch
directory, times alternating runs of each engine (wall time with
time.perf_counter, peak RSS from os.wait4's rusage of that one child), and
prints medians and ratios as Markdown tables."""

import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REDUCED = os.environ.get("REDUCED", "") not in ("", "0")
RUNS = int(os.environ.get("RUNS", "1" if REDUCED else "5"))
BIG_RUNS = int(os.environ.get("BIG_RUNS", str(min(RUNS, 3))))
SIZES = [int(s.replace("_", "")) for s in os.environ.get("SIZES", "10" if REDUCED else "10,1000,10000,100000").split(",") if s]
BACKGROUND = int(os.environ.get("BACKGROUND", "10" if REDUCED else "100"))
WARMUP = int(os.environ.get("WARMUP", "0" if REDUCED else "1"))
# How long the method keeps the machine busy while the hypothesis runs.
LOAD_SECONDS = 1.0 if REDUCED else 3.0

OURS = os.environ["CHAOS"]
REFERENCE = os.environ["CTK"]
BASELINE = os.environ.get("BASELINE") or None
HOSTILE = os.environ.get("HOSTILE") or None


def experiment(method, **extra):
    return {"title": "bench", "description": "bench", "method": method, **extra}


def fs_exists(name, path):
    """Ours: `builtin:fs exists` with a read grant."""
    return {"type": "probe", "name": name, "provider": {"type": "wasm", "module": "builtin:fs", "func": "exists",
                                                       "arguments": {"path": path}, "grants": {"read": ["."]}}}


def os_path_exists(name, path):
    """The reference: the same check as a python provider."""
    return {"type": "probe", "name": name, "provider": {"type": "python", "module": "os.path", "func": "exists",
                                                       "arguments": {"path": path}}}


def process(name, path, arguments, background=False, kind="action"):
    activity = {"type": kind, "name": name, "provider": {"type": "process", "path": path, "arguments": arguments}}
    if background:
        activity["background"] = True
    return activity


def write(path, document):
    Path(path).write_text(json.dumps(document, indent=1))


def probes_for_ours(n, path):
    """N `builtin:fs exists` probes: benches/gen-probes.py when there is one."""
    generator = ROOT / "benches" / "gen-probes.py"
    if generator.exists():
        out = subprocess.run([sys.executable, str(generator), str(n)], check=True, capture_output=True, text=True)
        return out.stdout
    return json.dumps(experiment([fs_exists(f"exists-{i}", path) for i in range(n)]))


def timed(argv, cwd, env=None):
    """Runs argv once: (exit code, wall seconds, peak RSS in KiB)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # Drain stderr while waiting, without letting Popen reap the child.
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stderr.close()
    return child.returncode, wall, usage.ru_maxrss, stderr.decode(errors="replace")


class Engine:
    def __init__(self, label, argv_of):
        self.label = label
        self.argv_of = argv_of


def ours_engine(label, binary):
    def argv(work):
        return [binary, "run", work["ours"], "--journal-path", f"journal-{label}.json", *work.get("flags", [])]
    return Engine(label, argv)


def reference_engine():
    def argv(work):
        return [REFERENCE, "--no-version-check", "--no-log-file", "run", work["reference"],
                "--journal-path", "journal-reference.json", *work.get("reference_flags", work.get("ref_flags", []))]
    return Engine("reference", argv)


def measure(engines, work, cwd, runs, env=None, expect=0, warmup=WARMUP):
    """Alternating runs of each engine on one work, after `warmup` untimed
    rounds: {label: [(wall, rss, journal)]}."""
    results = {e.label: [] for e in engines}
    for round_ in range(warmup + runs):
        for engine in engines:
            if engine.label == "reference" and "reference" not in work:
                continue
            if engine.label != "reference" and "ours" not in work:
                continue
            argv = engine.argv_of(work)
            code, wall, rss, stderr = timed(argv, cwd, env)
            if code != expect:
                sys.exit(f"{engine.label}: {work['name']}: exit code {code}, expected {expect}\n"
                         f"command: {' '.join(argv)}\n{stderr[-4000:]}")
            if round_ >= warmup:
                journal = Path(cwd, f"journal-{engine.label}.json")
                results[engine.label].append((wall, rss, json.loads(journal.read_text()) if work.get("journal") else None))
    return results


def ms(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.2f} s"


def mb(kib):
    return f"{kib / 1024:.1f} MB"


ROWS = []


def row(name, results, note=""):
    """One line of the table from measure()'s results."""
    def med(label, i):
        xs = [r[i] for r in results.get(label, [])]
        return statistics.median(xs) if xs else None
    ours_wall, ours_rss = med("ours", 0), med("ours", 1)
    ref_wall, ref_rss = med("reference", 0), med("reference", 1)
    cells = [name + (f" ({note})" if note else ""), f"{ms(ours_wall)}", f"{mb(ours_rss)}"]
    if ref_wall is None:
        cells += ["n/a", "n/a", "n/a", "n/a"]
    else:
        cells += [ms(ref_wall), mb(ref_rss), f"{ref_wall / ours_wall:.2f}x", f"{ref_rss / ours_rss:.2f}x"]
    if BASELINE:
        base_wall, base_rss = med("baseline", 0), med("baseline", 1)
        cells += [f"{ms(base_wall)}, {mb(base_rss)}", f"{base_wall / ours_wall:.2f}x"]
    ROWS.append(cells)


def print_table():
    header = ["work", "ours wall", "ours peak RSS", "reference wall", "reference peak RSS",
              "wall: reference / ours", "RSS: reference / ours"]
    if BASELINE:
        header += ["baseline", "wall: baseline / ours"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for cells in ROWS:
        print("| " + " | ".join(cells) + " |")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"the tutorial service did not listen on port {port}")


def tutorial(engines, scratch):
    """The tutorial experiment against the fixed service (the run passes and
    its rollback puts the file back). The reference runs the same
    experiment with python providers in place of `builtin:fs`."""
    service = None
    if os.environ.get("SERVICE_URL"):
        url = os.environ["SERVICE_URL"]
        served = Path(os.environ["SERVICE_FILE"])
        cwd = served.parent
    else:
        cwd = scratch / "tutorial"
        cwd.mkdir()
        served = cwd / "exchange.dat"
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        served.write_text("exchange rates: EUR/USD 1.08\n")
        service = subprocess.Popen([os.environ["EXCHANGE_SERVICE"], "--fixed", "--port", str(port),
                                    "--exchange-file", str(served)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(port)
    try:
        source = json.loads((ROOT / "examples" / "tutorial" / "experiment.json").read_text())
        write(cwd / "tutorial-ours.json", source)
        python = {"exists": ("os.path", "exists"), "rename": ("os", "rename")}
        for activity in source["method"] + source["rollbacks"]:
            provider = activity["provider"]
            if provider["type"] == "wasm":
                module, func = python[provider["func"]]
                activity["provider"] = {"type": "python", "module": module, "func": func,
                                        "arguments": provider["arguments"]}
        write(cwd / "tutorial-reference.json", source)
        host = url.split("//")[1].rstrip("/")
        work = {"name": "tutorial", "ours": "tutorial-ours.json", "reference": "tutorial-reference.json",
                "flags": ["--allow-read=.", "--allow-write=.", f"--allow-net={host}",
                          "--allow-env=EXCHANGE_SERVICE_URL"]}
        env = dict(os.environ, EXCHANGE_SERVICE_URL=url)
        row("the tutorial experiment (http steady state, 3 `builtin:fs` activities of which 1 rollback, 1 http probe)",
            measure(engines, work, cwd, RUNS, env))
    finally:
        if service:
            service.send_signal(signal.SIGTERM)
            service.wait()


def probes(engines, scratch):
    cwd = scratch / "probes"
    cwd.mkdir()
    (cwd / "present.txt").write_text("here\n")
    for n in SIZES:
        (cwd / f"ours-{n}.json").write_text(probes_for_ours(n, "./present.txt"))
        write(cwd / f"reference-{n}.json", experiment([os_path_exists(f"exists-{i}", "./present.txt") for i in range(n)]))
        work = {"name": f"{n} probes", "ours": f"ours-{n}.json", "reference": f"reference-{n}.json",
                "flags": ["--allow-read=."]}
        row(f"{n:,} probes (ours `builtin:fs exists`, read grant; reference python `os.path.exists`)",
            measure(engines, work, cwd, BIG_RUNS if n >= 10_000 else RUNS, warmup=0 if n >= 10_000 else WARMUP))


def find_sleeper():
    """A wasm activity of the hostile test component that sleeps for a
    given time: (func, arguments for one second), or None."""
    if not HOSTILE or not Path(HOSTILE).exists():
        return None
    with tempfile.TemporaryDirectory() as d:
        out = subprocess.run([OURS, "discover", HOSTILE, "--discovery-path", "d.json"], cwd=d,
                             capture_output=True)
        if out.returncode != 0:
            return None
        discovery = json.loads(Path(d, "d.json").read_text())
    for extension in discovery.get("extensions", []):
        for activity in extension.get("activities", []):
            name = activity.get("name", "")
            properties = activity.get("arguments", {}).get("properties", {})
            if "sleep" not in name or "forever" in name or len(properties) != 1:
                continue
            (key, schema), = properties.items()
            if schema.get("type") not in ("number", "integer"):
                continue
            return name, {key: 1000 if "ms" in key or "milli" in key else 1}
    return None


def sum_of(results, label):
    """Median over runs of the sum of the method activities' durations."""
    sums = [sum(r["duration"] for r in journal["run"]) for _, _, journal in results.get(label, [])]
    return statistics.median(sums) if sums else None


def background(engines, scratch):
    cwd = scratch / "background"
    cwd.mkdir()
    sleep = shutil.which("sleep") or "/bin/sleep"
    method = [process(f"sleep-{i}", sleep, "1", background=True) for i in range(BACKGROUND)]
    write(cwd / "process.json", experiment(method))
    work = {"name": "background process sleepers", "ours": "process.json", "reference": "process.json",
            "flags": ["--allow-run"], "journal": True}
    results = measure(engines, work, cwd, RUNS)
    sums = ", ".join(f"{label} {sum_of(results, label):.0f} s" for label in results if results[label])
    row(f"{BACKGROUND} background activities that each sleep 1 s (process `sleep 1`)", results,
        note=f"sum of durations: {sums}")
    sleeper = find_sleeper()
    if sleeper is None:
        SKIPPED.append("background wasm sleepers: the hostile test component has no activity that sleeps for a "
                       "given time")
        return
    func, arguments = sleeper
    method = [{"type": "action", "name": f"sleep-{i}", "background": True,
               "provider": {"type": "wasm", "module": str(Path(HOSTILE).resolve()), "func": func,
                            "arguments": arguments}} for i in range(BACKGROUND)]
    write(cwd / "wasm.json", experiment(method))
    work = {"name": "background wasm sleepers", "ours": "wasm.json", "journal": True}
    results = measure([e for e in engines if e.label != "reference"], work, cwd, RUNS)
    row(f"{BACKGROUND} background wasm activities that each sleep 1 s (hostile `{func}`)", results,
        note=f"sum of durations: {sum_of(results, 'ours'):.0f} s")


PERIODS = []


def continuous(engines, scratch):
    """A hypothesis probe every 0.1 s while the method keeps both cores busy
    (two background CPU burners) and then runs 1,000 probes."""
    cwd = scratch / "continuous"
    cwd.mkdir()
    (cwd / "present.txt").write_text("here\n")
    burn = ["-c", f"import time\nend = time.time() + {LOAD_SECONDS}\nwhile time.time() < end: pass"]
    load = [process(f"burn-{i}", sys.executable, burn, background=True) for i in range(2)]
    n = 100 if REDUCED else 1000
    hypothesis = lambda probe: {"title": "present", "probes": [dict(probe, tolerance=True)]}
    write(cwd / "ours.json", experiment(load + [fs_exists(f"exists-{i}", "./present.txt") for i in range(n)],
                                        **{"steady-state-hypothesis": hypothesis(fs_exists("present", "./present.txt"))}))
    write(cwd / "reference.json", experiment(load + [os_path_exists(f"exists-{i}", "./present.txt") for i in range(n)],
                                             **{"steady-state-hypothesis": hypothesis(os_path_exists("present", "./present.txt"))}))
    strategy = ["--hypothesis-strategy", "continuously", "--hypothesis-frequency", "0.1"]
    work = {"name": "continuous hypothesis", "ours": "ours.json", "reference": "reference.json", "journal": True,
            "flags": ["--allow-read=.", "--allow-run", *strategy], "reference_flags": strategy}
    results = measure(engines, work, cwd, RUNS)
    row(f"continuous hypothesis every 0.1 s, method busy ({LOAD_SECONDS:g} s of CPU on 2 threads, {n:,} probes)",
        results)
    for label, runs in results.items():
        gaps, counts = [], []
        for _, _, journal in runs:
            starts = [datetime.fromisoformat(s["probes"][0]["start"]) for s in journal["steady_states"]["during"]
                      if s.get("probes")]
            counts.append(len(starts))
            gaps += [(b - a).total_seconds() for a, b in zip(starts, starts[1:])]
        if gaps:
            PERIODS.append([label, f"{statistics.median(counts):.0f}", f"{statistics.median(gaps) * 1000:.0f} ms",
                            f"{statistics.mean(gaps) * 1000:.0f} ms", f"{max(gaps) * 1000:.0f} ms"])
        else:
            PERIODS.append([label, f"{statistics.median(counts):.0f}", "n/a", "n/a", "n/a"])


SKIPPED = []


def main():
    engines = [ours_engine("ours", OURS), reference_engine()]
    if BASELINE:
        engines.append(ours_engine("baseline", BASELINE))
    scratch = Path(tempfile.mkdtemp(prefix="chaos-compare-"))
    caches = Path(tempfile.mkdtemp(prefix="chaos-compare-cache-"))
    os.environ.setdefault("CHAOS_CACHE_DIR", str(caches))
    try:
        # Compile the built-ins once (the artifact cache), as any second run would.
        warm = scratch / "warm"
        warm.mkdir()
        write(warm / "one.json", experiment([fs_exists("one", ".")]))
        for engine in engines:
            if engine.label != "reference":
                timed(engine.argv_of({"ours": "one.json", "flags": ["--allow-read=."]}), warm)
        tutorial(engines, scratch)
        probes(engines, scratch)
        background(engines, scratch)
        continuous(engines, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(caches, ignore_errors=True)
    print(f"chaos run, ours ({OURS}) against the reference ({REFERENCE}): medians of {RUNS} alternating runs "
          f"({BIG_RUNS} for 10,000 activities and more), after {WARMUP} warm-up run(s) each (none for 10,000 "
          "activities and more)")
    print()
    print_table()
    print()
    print("Continuous hypothesis every 0.1 s (the period achieved: gaps between the starts of consecutive "
          "hypothesis probes during the method)")
    print()
    print("| engine | states per run | median gap | mean gap | longest gap |")
    print("|---|---|---|---|---|")
    for cells in PERIODS:
        print("| " + " | ".join(cells) + " |")
    for skipped in SKIPPED:
        print(f"\nskipped: {skipped}")


if __name__ == "__main__":
    main()
