"""Throughput and memory of ``repscope batch`` on many small simulated sessions.

Usage::

    .venv/bin/python benchmarks/bench_batch.py [--sessions 200] [--memory-sizes 100,1000]
        [--workers 1,2] [--no-dask] [--quick] [--write-docs] [--out results.json]

Sessions: one bar set each (bench, squat, deadlift, overhead press or row; 4-6 reps at
2-0-1-0; 5 s of rest before and after, about 30 s in all) simulated at 50 Hz with
:func:`repscope.simulate.simulate_set` (seed ``20000 + i``, realistic noise, jitter and
dropped packets) and written as project CSV files into a temporary folder. The largest
size needed is simulated once (in parallel); smaller runs use its first files.

Throughput (``--sessions`` files):

- baseline: the single-file path, ``read_recording`` + ``analyze_recording`` in a loop
  in this process, nothing written;
- ``run_batch`` with each ``--workers`` count (1 analyses in the driver process, 2 and up
  in local processes), fresh output folder, all files analysed, tables written;
- ``run_batch`` again on the same folder: every file skipped (cache hit);
- ``run_batch`` on a Dask ``LocalCluster`` of 2 worker processes (cluster start-up not
  timed), unless ``--no-dask``.

Each is timed once, wall clock, from the call to the written tables: sessions per
minute, multiple of real time (recorded seconds per wall second) and speed against the
baseline.

Memory (``--memory-sizes``): for each size and worker count a fresh child process runs
``run_batch`` on that many files and reports its peak resident set size
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``, the driver: with 1 worker it analyses
too). The worker processes are children of the forkserver, not of the driver, so their
peaks are not included; each holds one recording and its analysis at a time. A driver
whose peak does not grow from 100 to 1,000 sessions streams its results.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from _common import (
    REPO_ROOT,
    default_out,
    md_table,
    provenance,
    provenance_line,
    rich_table,
    write_json,
)

RATE_HZ = 50.0
SEED_BASE = 20000
EXERCISES = ("bench", "squat", "deadlift", "ohp", "row")
TEMPO = "2-0-1-0"
PERF_DOCS = REPO_ROOT / "docs" / "performance.md"
SECTION = "batch"

_PERF_SKELETON = """# Performance

Figures measured by the scripts in `benchmarks/`, each between its own
`<!-- name:start -->` and `<!-- name:end -->` markers (rewritten by `--write-docs`).
"""


# ------------------------------------------------------------------ sessions
def _write_session(args: tuple[int, str]) -> float:
    """Simulate session ``i`` into ``folder``; return its duration in seconds."""
    from repscope.io import write_recording
    from repscope.simulate import SetSpec, simulate_set

    i, folder = args
    spec = SetSpec(
        EXERCISES[i % len(EXERCISES)],
        n_reps=4 + i % 3,
        tempo=TEMPO,
        rest_before_s=5.0,
        rest_after_s=5.0,
        load_kg=float(40 + 5 * (i % 9)),
    )
    result = simulate_set(spec, sampling_rate_hz=RATE_HZ, placement="bar", seed=SEED_BASE + i)
    write_recording(result.recording, Path(folder) / f"session_{i:05d}.csv")
    return float(result.recording.duration_s)


def make_sessions(folder: Path, n: int, *, workers: int) -> tuple[list[Path], float]:
    """Simulate ``n`` sessions into ``folder``; return the files and the wall time."""
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    jobs = [(i, str(folder)) for i in range(n)]
    if workers > 1:
        # spawn: a fork would copy the rich spinner's thread, and a forkserver started
        # here would lack the batch's preloaded modules
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            list(pool.map(_write_session, jobs, chunksize=16))
    else:
        for job in jobs:
            _write_session(job)
    files = sorted(folder.glob("session_*.csv"))
    return files, time.perf_counter() - start


# ------------------------------------------------------------------ throughput
def _recorded_s(files: list[Path]) -> float:
    from repscope.io import read_recording

    return sum(read_recording(f).duration_s for f in files)


def time_baseline(files: list[Path]) -> dict[str, float]:
    """Wall and CPU time of the single-file path over ``files``."""
    from repscope.analysis import analyze_recording
    from repscope.io import ensure_analysable, read_recording

    start, cpu_start = time.perf_counter(), time.process_time()
    for path in files:
        recording = ensure_analysable(read_recording(path), path=path)
        analyze_recording(recording)
    return {"wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu_start}


def time_batch(files: list[Path], out: Path, **kwargs: Any) -> dict[str, Any]:
    """Run the batch once; wall time and counts."""
    from repscope.batch import run_batch

    start = time.perf_counter()
    summary = run_batch(files, out_dir=out, progress=False, **kwargs)
    wall = time.perf_counter() - start
    return {
        "wall_s": wall,
        "cpu_s": summary.worker_cpu_s,
        "analysed": summary.analysed,
        "skipped": summary.skipped,
        "failed": summary.failed,
        "reps": summary.reps,
        "executor": summary.executor,
    }


def time_dask(files: list[Path], out: Path) -> dict[str, Any] | None:
    """The batch on a 2-process Dask LocalCluster (start-up not timed); None without Dask."""
    try:
        from distributed import LocalCluster
    except ImportError:
        return None
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        return time_batch(files, out, scheduler=cluster.scheduler_address)


def run_throughput(
    files: list[Path], workers: list[int], tmp: Path, *, dask: bool
) -> dict[str, Any]:
    """Baseline, batch with each worker count, cached rerun, Dask."""
    recorded = _recorded_s(files)
    rows: dict[str, Any] = {"baseline (analyze_recording loop)": time_baseline(files)}
    for count in workers:
        name = f"batch, {count} worker{'s' if count > 1 else ''}"
        rows[name] = time_batch(files, tmp / f"out_w{count}", workers=count)
    rows["batch rerun, all unchanged"] = time_batch(files, tmp / f"out_w{workers[-1]}")
    if dask:
        result = time_dask(files, tmp / "out_dask")
        if result is not None:
            rows["batch on Dask LocalCluster, 2 processes"] = result
    base = rows["baseline (analyze_recording loop)"]["wall_s"]
    for row in rows.values():
        row["sessions_per_min"] = 60.0 * len(files) / row["wall_s"]
        row["realtime_multiple"] = recorded / row["wall_s"]
        row["speed_vs_baseline"] = base / row["wall_s"]
    return {"sessions": len(files), "recorded_s": recorded, "runs": rows}


# ------------------------------------------------------------------ memory
def _rss_mb(field: str) -> float:
    """``VmHWM`` (peak) or ``VmRSS`` (current) of this process in MB.

    Read from ``/proc/self/status`` on Linux: ``ru_maxrss`` would not do in a child
    started with ``subprocess``, because Linux carries the parent's high-water mark over
    ``vfork`` + ``exec`` into the child's. Elsewhere ``ru_maxrss`` is the fallback.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KB elsewhere
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale / 1024


def _child(list_file: Path, out: Path, workers: int) -> None:
    """Entry of the memory child process: run the batch, print peak RSS as JSON."""
    from repscope.batch import run_batch

    files = list_file.read_text().splitlines()
    before = _rss_mb("VmRSS")
    start = time.perf_counter()
    summary = run_batch(files, out_dir=out, workers=workers, progress=False)
    wall = time.perf_counter() - start
    print(
        json.dumps(
            {
                "driver_rss_before_mb": before,
                "driver_peak_rss_mb": _rss_mb("VmHWM"),
                "wall_s": wall,
                "analysed": summary.analysed,
                "failed": summary.failed,
                "reps": summary.reps,
                "reps_parquet_kb": (out / "reps.parquet").stat().st_size / 1024,
            }
        )
    )


def measure_memory(files: list[Path], size: int, workers: int, tmp: Path) -> dict[str, Any]:
    """Peak RSS of a fresh process running the batch on the first ``size`` files."""
    list_file = tmp / f"files_{size}.txt"
    list_file.write_text("\n".join(str(f) for f in files[:size]))
    out = tmp / f"mem_{size}_w{workers}"
    cmd = [sys.executable, __file__, "--child", str(list_file), str(out), str(workers)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO_ROOT)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result.update({"sessions": size, "workers": workers})
    return result


# ------------------------------------------------------------------ report
def _load() -> float | None:
    """1-minute load average (other processes compete for the cores), None if unknown."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Simulate, time and measure; return the report."""
    sizes = sorted(args.memory_sizes)
    needed = max([args.sessions, *sizes])
    load_before = _load()
    tmp = Path(tempfile.mkdtemp(prefix="repscope-bench-batch-"))
    try:
        files, sim_s = make_sessions(tmp / "sessions", needed, workers=max(args.workers))
        throughput = run_throughput(
            files[: args.sessions], args.workers, tmp, dask=not args.no_dask
        )
        memory = [
            measure_memory(files, size, count, tmp) for count in args.workers for size in sizes
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "benchmark": "bench_batch",
        "config": {
            "sessions": args.sessions,
            "memory_sizes": sizes,
            "workers": args.workers,
            "sampling_rate_hz": RATE_HZ,
            "session": "one bar set, 4-6 reps at 2-0-1-0, 5 s rest before and after, project CSV",
            "seed_base": SEED_BASE,
            "simulate_s": sim_s,
        },
        "load_average_1min": {"before": load_before, "after": _load()},
        "provenance": provenance(),
        "throughput": throughput,
        "memory": memory,
    }


TP_HEADER = ["run", "wall (s)", "sessions/min", "x real time", "vs baseline", "CPU (s)"]
MEM_HEADER = [
    "workers",
    "sessions",
    "driver RSS before (MB)",
    "driver peak RSS (MB)",
    "wall (s)",
    "reps",
    "reps.parquet (KB)",
]


def _tp_rows(report: dict[str, Any]) -> list[list[str]]:
    return [
        [
            name,
            f"{row['wall_s']:.2f}",
            f"{row['sessions_per_min']:,.0f}",
            f"{row['realtime_multiple']:,.0f}x",
            f"{row['speed_vs_baseline']:.2f}x",
            f"{row['cpu_s']:.2f}",
        ]
        for name, row in report["throughput"]["runs"].items()
    ]


def _mem_rows(report: dict[str, Any]) -> list[list[str]]:
    return [
        [
            str(m["workers"]),
            f"{m['sessions']:,}",
            f"{m['driver_rss_before_mb']:.0f}",
            f"{m['driver_peak_rss_mb']:.0f}",
            f"{m['wall_s']:.1f}",
            f"{m['reps']:,}",
            f"{m['reps_parquet_kb']:.0f}",
        ]
        for m in report["memory"]
    ]


def _fmt_load(report: dict[str, Any]) -> str:
    load = report["load_average_1min"]
    if load["before"] is None:
        return "unknown"
    return f"{load['before']:.1f} before, {load['after']:.1f} after"


def _growth(report: dict[str, Any]) -> str:
    """One sentence: how the driver's peak changed from the smallest to the largest batch."""
    parts = []
    for count in report["config"]["workers"]:
        runs = sorted(
            (m for m in report["memory"] if m["workers"] == count), key=lambda m: m["sessions"]
        )
        if len(runs) < 2:
            continue
        low, high = runs[0], runs[-1]
        parts.append(
            f"{high['driver_peak_rss_mb'] - low['driver_peak_rss_mb']:+.0f} MB with "
            f"{count} worker{'s' if count > 1 else ''}"
        )
    if not parts:
        return ""
    sizes = sorted(report["config"]["memory_sizes"])
    return (
        f"From {sizes[0]:,} to {sizes[-1]:,} sessions the driver's peak changed by "
        + " and ".join(parts)
        + "."
    )


def markdown(report: dict[str, Any]) -> str:
    """The batch section of docs/performance.md."""
    cfg = report["config"]
    tp = report["throughput"]
    return "\n".join(
        [
            provenance_line(report["provenance"]),
            "",
            f"Throughput on {tp['sessions']} simulated sessions ({cfg['session']}, "
            f"{cfg['sampling_rate_hz']:g} Hz; {tp['recorded_s'] / 60:.0f} min recorded in "
            "all). Each run timed once from the call to the written tables; the baseline "
            "calls `read_recording` and `analyze_recording` in a loop and writes nothing. "
            f"Load average of the machine (1 min) {_fmt_load(report)}: other processes "
            "running at the same time take cores from the parallel runs. CPU is the "
            "analysis's CPU time (the baseline's process, the batch's workers, reading "
            "and analysing): when it stays the same while the wall time does not drop "
            "with more workers, the workers were waiting for a core.",
            "",
            md_table(TP_HEADER, _tp_rows(report)),
            "",
            "Peak resident memory of the driver process (a fresh process per row; with 1 "
            "worker it also does the analysis). Results are streamed to Parquet parts, so "
            "the peak should not grow with the number of sessions.",
            "",
            md_table(MEM_HEADER, _mem_rows(report)),
            "",
            _growth(report),
            "",
            "Reproduce: `.venv/bin/python benchmarks/bench_batch.py --write-docs` "
            "(about 4 min; `--quick` for a 1-minute check).",
        ]
    )


def write_section(markdown_text: str, *, path: Path = PERF_DOCS) -> None:
    """Replace the text between ``<!-- batch:start -->`` and ``<!-- batch:end -->``."""
    text = path.read_text(encoding="utf-8") if path.exists() else _PERF_SKELETON
    start, end = f"<!-- {SECTION}:start -->", f"<!-- {SECTION}:end -->"
    if start not in text or end not in text:
        text = text.rstrip("\n") + f"\n\n{start}\n{end}\n"
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{start}\n{markdown_text.strip()}\n{end}{tail}", encoding="utf-8")


def _int_list(text: str) -> list[int]:
    values = [int(v) for v in text.split(",") if v.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("give positive integers separated by commas")
    return values


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(Path(argv[1]), Path(argv[2]), int(argv[3]))
        return 0
    parser = argparse.ArgumentParser(
        description="Throughput and memory of repscope batch on simulated sessions.",
        epilog="Example: .venv/bin/python benchmarks/bench_batch.py --write-docs",
    )
    parser.add_argument("--sessions", type=int, default=200, help="throughput sessions (200)")
    parser.add_argument(
        "--memory-sizes", type=_int_list, default=[100, 1000], help="memory runs (100,1000)"
    )
    parser.add_argument("--workers", type=_int_list, default=[1, 2], help="worker counts (1,2)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster run")
    parser.add_argument(
        "--quick", action="store_true", help="20 sessions, memory at 20 and 100 (~1 min)"
    )
    parser.add_argument("--out", type=Path, default=None, help="JSON output path")
    parser.add_argument(
        "--write-docs", action="store_true", help="replace the batch section of performance.md"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions, args.memory_sizes = 20, [20, 100]
    if args.sessions < 1:
        parser.error("--sessions must be positive")
    from rich.console import Console

    console = Console()
    with console.status("simulating sessions and timing the batch"):
        report = run(args)
    console.print(provenance_line(report["provenance"]))
    console.print(f"load average (1 min): {_fmt_load(report)}")
    console.print(rich_table("Throughput", TP_HEADER, _tp_rows(report)))
    console.print(rich_table("Driver memory", MEM_HEADER, _mem_rows(report)))
    out = write_json(report, args.out or default_out("bench_batch"))
    print(f"wrote {out}")
    if args.write_docs:
        write_section(markdown(report))
        print(f"updated {PERF_DOCS.relative_to(REPO_ROOT)} ({SECTION} section)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
