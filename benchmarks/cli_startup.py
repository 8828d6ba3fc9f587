"""Start-up time of the ``repscope`` command line, as a ratio to ``python -c pass``.

Runs ``repscope --help``, ``repscope --version`` and every command's ``--help`` (each a
fresh process of the ``repscope`` console script beside this interpreter, as a user runs
it), and this interpreter doing nothing, ``--repeats`` times each in round-robin order,
so that load from other jobs on the machine falls on all of them alike. Reports per
invocation the median and fastest wall time, the median CPU time of the child (user +
system), and the median wall time over that of ``python -c pass`` measured in the same
run. For scale it also times ``python -c "import repscope.analysis"``: what every command
paid before the heavy stack was imported lazily.

    .venv/bin/python benchmarks/cli_startup.py [--repeats 15] [--out results.json]

Target (issue 18): every invocation under 0.3 s. Start-up time depends on the machine and
its load; the ratio to a bare interpreter is the figure to compare between machines.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import default_out, provenance, provenance_line, write_json

TARGET_S = 0.3


def invocations() -> dict[str, list[str]]:
    """Label -> argv of every invocation measured."""
    from repscope.cli.main import COMMANDS

    script = Path(sys.executable).parent / "repscope"
    cli = [str(script)] if script.exists() else [sys.executable, "-m", "repscope.cli.main"]
    python = sys.executable
    runs: dict[str, list[str]] = {
        "python -c pass": [python, "-c", "pass"],
        "repscope --help": [*cli, "--help"],
        "repscope --version": [*cli, "--version"],
    }
    for name in COMMANDS:
        runs[f"repscope {name} --help"] = [*cli, name, "--help"]
    for sub in ("add", "list", "show", "remove"):
        runs[f"repscope history {sub} --help"] = [*cli, "history", sub, "--help"]
    runs["python -c 'import repscope.analysis' (for scale)"] = [
        python,
        "-c",
        "import repscope.analysis",
    ]
    return runs


def run_once(argv: list[str]) -> tuple[float, float]:
    """Wall and child CPU time (s) of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        argv,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    runs = invocations()
    for argv in runs.values():  # warm the file cache and the bytecode cache once
        run_once(argv)
    walls: dict[str, list[float]] = {label: [] for label in runs}
    cpus: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(args.repeats):
        for label, argv in runs.items():
            wall, cpu = run_once(argv)
            walls[label].append(wall)
            cpus[label].append(cpu)

    base = statistics.median(walls["python -c pass"])
    rows: list[dict[str, Any]] = []
    for label in runs:
        median = statistics.median(walls[label])
        rows.append(
            {
                "invocation": label,
                "median_s": median,
                "min_s": min(walls[label]),
                "cpu_median_s": statistics.median(cpus[label]),
                "ratio_to_python": median / base,
                "under_target": median < TARGET_S,
            }
        )
    prov = provenance()
    print(provenance_line(prov))
    print(f"{args.repeats} runs each, round-robin; {os.cpu_count()} CPU(s)")
    print(f"{'invocation':<52} {'median s':>9} {'min s':>7} {'CPU s':>7} {'x python':>9}")
    for row in rows:
        print(
            f"{row['invocation']:<52} {row['median_s']:9.3f} {row['min_s']:7.3f} "
            f"{row['cpu_median_s']:7.3f} {row['ratio_to_python']:9.1f}"
        )
    commands = [r for r in rows if r["invocation"].startswith("repscope")]
    slowest = max(commands, key=lambda r: r["median_s"])
    print(
        f"slowest repscope invocation: {slowest['invocation']}, median {slowest['median_s']:.3f} s "
        f"({slowest['ratio_to_python']:.1f}x python -c pass); "
        f"{sum(r['under_target'] for r in commands)} of {len(commands)} under {TARGET_S} s "
        f"wall, {sum(r['cpu_median_s'] < TARGET_S for r in commands)} of {len(commands)} "
        f"in CPU time (max {max(r['cpu_median_s'] for r in commands):.3f} s). Wall time "
        "includes waiting for a core: on a loaded machine compare the ratio or the CPU time."
    )
    out = write_json(
        {"provenance": prov, "repeats": args.repeats, "target_s": TARGET_S, "rows": rows},
        args.out or default_out("cli_startup"),
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
