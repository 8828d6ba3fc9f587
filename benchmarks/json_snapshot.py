"""Snapshot ``repscope analyze --json`` of every sample and real recording; compare two.

Usage::

    .venv/bin/python benchmarks/json_snapshot.py dump DIR [--realdata PATH]
    .venv/bin/python benchmarks/json_snapshot.py compare OLD_DIR NEW_DIR [--rel-tol 1e-9]

A change meant to leave the analysis's results alone (a speed-up, a refactoring) is
checked by a dump before it and one after, then ``compare``: every number must be the
same (or within ``--rel-tol`` relative, for changes that only reorder floating-point
sums); anything else is listed, file by file.

Recordings, each through the command a user runs (in-process, click's ``CliRunner``):

- ``sample_data/*.csv`` (their metadata give placement and exercise), and the
  other-sensor sample with its documented ``--columns`` and units;
- every Feather bar set of ``<realdata>/feather_bar/labels.csv``: ``--placement bar
  --exercise`` from the labels (as ``accuracy_bar_real.py``);
- every MetaMotion wrist recording of ``<realdata>/metamotion_wrist/labels.csv`` and the
  two form recordings: ``--placement wrist --exercise`` from the labels (``dead`` as
  ``deadlift``; the rest recordings without an exercise).

Each file ``NAME.json`` holds the exit status on its first line and the output after it.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from _common import REPO_ROOT, realdata_folder

EXERCISE_NAMES = {"dead": "deadlift"}


def jobs(realdata: Path | None) -> list[tuple[str, list[str]]]:
    """``(name, analyze arguments)`` of every recording (the real ones where found)."""
    out: list[tuple[str, list[str]]] = []
    samples = REPO_ROOT / "sample_data"
    for path in sorted(samples.glob("*.csv")):
        if not path.name.endswith(".truth.csv"):
            out.append((path.stem, [str(path)]))
    other = samples / "other_sensor" / "bench_ego.csv"
    if other.exists():
        units = ["--time-unit", "ms", "--acc-unit", "m/s2", "--gyr-unit", "rad/s"]
        columns = ["--columns", "t_ms,ax,ay,az,gx,gy,gz", *units]
        bar_bench = ["--placement", "bar", "--exercise", "bench"]
        out.append(("other_sensor_bench_ego", [str(other), *bar_bench, *columns]))
    bar = realdata_folder("feather_bar", realdata)
    if (bar / "labels.csv").exists():
        with (bar / "labels.csv").open(newline="") as handle:
            for row in csv.DictReader(handle):
                path = bar / "raw" / row["file"]
                args = [str(path), "--placement", "bar", "--exercise", row["exercise"]]
                out.append(("bar_" + path.stem, args))
    wrist = realdata_folder("metamotion_wrist", realdata)
    if (wrist / "labels.csv").exists():
        with (wrist / "labels.csv").open(newline="") as handle:
            for k, row in enumerate(csv.DictReader(handle)):
                exercise = EXERCISE_NAMES.get(row["exercise"], row["exercise"])
                path = wrist / "raw" / row["accelerometer_file"]
                args = [str(path), "--placement", "wrist"]
                if exercise != "rest":
                    args += ["--exercise", exercise]
                out.append((f"wrist_{k:02d}_" + path.name.split("_MetaWear")[0], args))
        for path in sorted((wrist / "form").glob("*Accelerometer*.csv")):
            name = "wrist_form_" + path.name.split("_MetaWear")[0]
            out.append((name, [str(path), "--placement", "wrist", "--exercise", "bench"]))
    return out


def dump(folder: Path, realdata: Path | None) -> int:
    """Write every recording's ``analyze --json`` into ``folder``."""
    from click.testing import CliRunner

    from repscope.cli.main import cli

    folder.mkdir(parents=True, exist_ok=True)
    todo = jobs(realdata)
    t0 = time.perf_counter()
    for name, args in todo:
        result = CliRunner().invoke(cli, ["analyze", *args, "--json"])
        text = result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            text += f"\ninternal error: {result.exception!r}"
        (folder / f"{name}.json").write_text(f"exit {result.exit_code}\n{text}", encoding="utf-8")
    print(f"{len(todo)} recordings in {time.perf_counter() - t0:.0f} s -> {folder}")
    return 0


def _load(path: Path) -> tuple[str, Any]:
    head, _, body = path.read_text(encoding="utf-8").partition("\n")
    try:
        return head, json.loads(body)
    except ValueError:
        return head, body


def differences(old: Any, new: Any, *, rel_tol: float, where: str = "") -> list[str]:
    """Where ``old`` and ``new`` differ (numbers beyond ``rel_tol`` relative)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new), key=str):
            if key not in old or key not in new:
                out.append(f"{where}.{key}: only in {'new' if key in new else 'old'}")
            else:
                out += differences(old[key], new[key], rel_tol=rel_tol, where=f"{where}.{key}")
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f"{where}: {len(old)} items, now {len(new)}"]
        out = []
        for k, (a, b) in enumerate(zip(old, new, strict=True)):
            out += differences(a, b, rel_tol=rel_tol, where=f"{where}[{k}]")
        return out
    numbers = (int, float)
    if (
        isinstance(old, numbers)
        and isinstance(new, numbers)
        and not isinstance(old, bool)
        and not isinstance(new, bool)
    ):
        if old == new or math.isclose(old, new, rel_tol=rel_tol, abs_tol=0.0):
            return []
        return [f"{where}: {old!r}, now {new!r}"]
    return [] if old == new else [f"{where}: {str(old)[:80]!r}, now {str(new)[:80]!r}"]


def compare(old_dir: Path, new_dir: Path, rel_tol: float) -> int:
    """Print the differences between two dumps; 1 if there are any."""
    changed = 0
    names = sorted({p.name for d in (old_dir, new_dir) for p in d.glob("*.json")})
    for name in names:
        if not (old_dir / name).exists() or not (new_dir / name).exists():
            print(f"{name}: in one dump only")
            changed += 1
            continue
        old_exit, old = _load(old_dir / name)
        new_exit, new = _load(new_dir / name)
        found = [] if old_exit == new_exit else [f"{old_exit}, now {new_exit}"]
        found += differences(old, new, rel_tol=rel_tol)
        if found:
            changed += 1
            print(f"{name}: {len(found)} differences")
            for line in found[:10]:
                print(f"    {line}")
    print(f"{len(names)} recordings, {changed} differ (relative tolerance {rel_tol:g})")
    return 1 if changed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Snapshot `repscope analyze --json` of the sample and real recordings.",
        epilog="Example: benchmarks/json_snapshot.py dump /tmp/before; (change); "
        "benchmarks/json_snapshot.py dump /tmp/after; "
        "benchmarks/json_snapshot.py compare /tmp/before /tmp/after",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump", help="write one JSON file per recording into DIR")
    d.add_argument("folder", type=Path)
    d.add_argument(
        "--realdata", type=Path, default=None, help="realdata folder (default ../shared/realdata)"
    )
    c = sub.add_parser("compare", help="list the differences between two dumps")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    c.add_argument("--rel-tol", type=float, default=0.0, help="relative tolerance (default 0)")
    args = parser.parse_args(argv)
    if args.command == "dump":
        return dump(args.folder, args.realdata)
    return compare(args.old, args.new, args.rel_tol)


if __name__ == "__main__":
    sys.exit(main())
