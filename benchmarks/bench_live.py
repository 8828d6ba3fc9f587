"""Live feedback: latency from the end of a rep to its report, and the compute it costs.

Usage::

    .venv/bin/python benchmarks/bench_live.py [--sets-per-design 2] [--rates 50,100,200]
        [--placement bar] [--seed-base 30000] [--real DIR] [--ble] [--write-docs]
        [--out results.json] [--cost-against SRC [--cost-file FILE]]

**Engine** (always). Simulated sets (:func:`repscope.simulate.simulate_set`, realistic
sensor: noise, bias, timestamp jitter, dropped samples) of eight designs (bench 3-1-1-0
and 2-0-1-0, squat 3-0-1-0 and X-0-X-0, deadlift 2-1-1-1, curl 2-0-1-0, ohp 2-0-X-0,
row 1-0-1-1; 5 reps), evaluation seeds from ``--seed-base`` (the engine was tuned on
seeds below 100). Each recording is pushed through a
:class:`repscope.live.LiveAnalyzer` in chunks of 30 ms (a BLE connection interval: what
the recorder hands over at once), on a simulated clock: a chunk is available when its last
sample was taken and the engine starts on it when it is free, so
``clock = max(clock, last sample time) + measured compute time of the push``. The latency
of a rep is ``clock`` when its ``rep_completed`` event comes out minus the rep's true end
(the simulator's commanded end of its last phase). It leaves out the radio and operating
system delay before the samples reach the engine (a connection interval or two; the
``--ble`` run below includes them). Also reported: the data part of the latency (the
newest sample's time at the event minus the true end), the compute per update and per
second of data (share of one core), reps found live against ``repscope analyze`` on the
same recording, how far the first report of each rep is from the batch value (95th
percentile), and how many reps a lifter would read wrong (eccentric more than 0.5 s or
concentric more than 0.3 s from the simulator's truth) in the first report and in
`repscope analyze`.

**Real** (``--real DIR``, e.g. ``../shared/realdata/feather_bar``). Every clean set of
the folder (``labels.csv``) replayed the same way; there is no truth, so a rep's end is
``analyze``'s end of the rep it overlaps most, and the count is compared with ``analyze``.

**Cost** (``--cost-against SRC``). Only the CPU of a replay of ``--cost-file`` against one
``analyze``, this tree and the source tree SRC alternating in one run (ratios hold on a
loaded machine where absolute figures do not).

**BLE** (``--ble``). ``repscope emulate`` plays one simulated set (bench, 5 reps, 2-0-1-0)
in its own process on a private bus; this process runs the live session (real bleak,
transport, decoder, sample clock, recorder, engine) and measures on the host clock the
time from each rep's end (on the session time axis) to its event. The radio's constant
delay is not visible to the host (see docs/ble.md).

``--write-docs`` replaces the section between ``<!-- live:start -->`` and
``<!-- live:end -->`` of docs/ble.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    REPO_ROOT,
    default_out,
    md_table,
    num,
    provenance,
    provenance_line,
    replace_marked,
    write_json,
)

DESIGNS: list[tuple[str, str]] = [
    ("bench", "3-1-1-0"),
    ("bench", "2-0-1-0"),
    ("squat", "3-0-1-0"),
    ("squat", "X-0-X-0"),
    ("deadlift", "2-1-1-1"),
    ("curl", "2-0-1-0"),
    ("ohp", "2-0-X-0"),
    ("row", "1-0-1-1"),
]
N_REPS = 5
CHUNK_S = 0.03
TARGET_S = 0.5
#: A rep whose phases are this far from the truth reads wrong (a 3 s negative as 2.4 s).
OFF_ECC_S = 0.5
OFF_CON_S = 0.3
DOCS = REPO_ROOT / "docs" / "ble.md"


def _clock_replay(analyzer: Any, rec: Any) -> list[tuple[float, Any]]:
    """Push ``rec`` in ``CHUNK_S`` chunks on the simulated clock; events with their clock."""
    t, acc, gyr = rec.time_s, rec.acc_g, rec.gyr_dps
    valid = np.isfinite(acc).all(axis=1)
    if gyr is not None:
        valid &= np.isfinite(gyr).all(axis=1)
    t, acc = t[valid], acc[valid]
    gyr = None if gyr is None else gyr[valid]
    cuts = np.unique(np.searchsorted(t, np.arange(t[0] + CHUNK_S, t[-1] + CHUNK_S, CHUNK_S)))
    clock = -np.inf
    events: list[tuple[float, Any]] = []
    start = 0
    for stop in [*cuts.tolist(), t.size]:
        if stop <= start:
            continue
        began = time.perf_counter()
        new = analyzer.push(
            t[start:stop], acc[start:stop], None if gyr is None else gyr[start:stop]
        )
        clock = max(clock, float(t[stop - 1])) + (time.perf_counter() - began)
        events.extend((clock, e) for e in new)
        start = stop
    began = time.perf_counter()
    new = analyzer.finish()
    clock = max(clock, float(t[-1])) + (time.perf_counter() - began)
    events.extend((clock, e) for e in new)
    return events


def run_real(path: Path, exercise: str) -> dict[str, Any]:
    """Replay one real bar recording on the simulated clock; compare with ``analyze``.

    There is no truth: a rep's end is ``analyze``'s end of the rep that overlaps it most
    (the set summary's), so the latency is measured from there.
    """
    from repscope.analysis import analyze_recording
    from repscope.io import read_recording
    from repscope.live import LiveAnalyzer

    rec = read_recording(path)
    batch = analyze_recording(rec, placement="bar", exercise=exercise)
    analyzer = LiveAnalyzer(
        sampling_rate_hz=rec.meta.sampling_rate_hz, placement="bar", exercise=exercise
    )
    events = _clock_replay(analyzer, rec)
    ref = batch.reps
    reps = []
    for at, event in events:
        if event.kind != "rep_completed" or event.row is None:
            continue
        j, overlap = _best_match(ref, event.row)
        end = float(ref["end_s"].iloc[j]) if overlap > 0 else np.nan
        reps.append({"latency_s": at - end, "data_latency_s": event.time_s - end})
    return {
        "file": path.name,
        "exercise": exercise,
        "rate_hz": rec.meta.sampling_rate_hz,
        "n_batch": len(ref),
        "n_live": sum(1 for _, e in events if e.kind == "rep_completed"),
        "reps": reps,
        "duration_s": rec.duration_s,
        "compute_s": analyzer.stats.total_s,
        "n_updates": analyzer.stats.n_updates,
        "update_s": list(analyzer.stats.recent_s),
    }


def run_real_all(root: Path) -> dict[str, Any]:
    """Replay every clean feather bar set of ``root`` (its labels.csv); summarise."""
    import csv

    with (root / "labels.csv").open(newline="") as handle:
        labels = [r for r in csv.DictReader(handle) if r["quality"] == "clean"]
    sets = [run_real(root / "raw" / r["file"], r["exercise"]) for r in labels]
    reps = [r for s in sets for r in s["reps"]]
    lat = np.array([r["latency_s"] for r in reps], float)
    data = np.array([r["data_latency_s"] for r in reps], float)
    unmatched = int(np.sum(~np.isfinite(lat)))
    lat, data = lat[np.isfinite(lat)], data[np.isfinite(data)]
    share = np.array([s["compute_s"] / s["duration_s"] for s in sets])
    upd = np.array([u for s in sets for u in s["update_s"]], float)
    return {
        **_replay_summary(sets, lat=lat, data=data, upd=upd, share=share),
        "n_reps_unmatched": unmatched,
        "sets": [{k: v for k, v in s.items() if k != "update_s"} for s in sets],
    }


def _replay_summary(
    sets: list[dict[str, Any]],
    *,
    lat: np.ndarray,
    data: np.ndarray,
    upd: np.ndarray,
    share: np.ndarray,
) -> dict[str, Any]:
    """Counts, latency, update cost and core share common to simulated and real replays."""
    return {
        "n_sets": len(sets),
        "n_reps_live": int(sum(s["n_live"] for s in sets)),
        "n_reps_batch": int(sum(s["n_batch"] for s in sets)),
        "sets_count_equal_batch": int(sum(s["n_live"] == s["n_batch"] for s in sets)),
        "latency_median_s": float(np.median(lat)),
        "latency_p95_s": float(np.percentile(lat, 95)),
        "latency_max_s": float(lat.max()),
        "latency_within_target": float(np.mean(lat <= TARGET_S)),
        "data_latency_median_s": float(np.median(data)),
        "data_latency_p95_s": float(np.percentile(data, 95)),
        "update_median_ms": 1000 * float(np.median(upd)),
        "core_share_mean": float(share.mean()),
        "core_share_max": float(share.max()),
    }


def run_set(exercise: str, tempo: str, *, rate: float, placement: str, seed: int) -> dict[str, Any]:
    """Replay one simulated set on the simulated clock; return per-rep figures."""
    from repscope.analysis import analyze_recording
    from repscope.live import LiveAnalyzer
    from repscope.simulate import SetSpec, simulate_set

    sim = simulate_set(
        SetSpec(exercise, n_reps=N_REPS, tempo=tempo),
        sampling_rate_hz=rate,
        placement=placement,
        seed=seed,
    )
    prescribed = None if "X" in tempo else tempo
    rec = sim.recording
    batch = analyze_recording(rec, tempo=prescribed)
    analyzer = LiveAnalyzer(
        sampling_rate_hz=rate, placement=placement, exercise=exercise, tempo=prescribed
    )
    events = _clock_replay(analyzer, rec)
    truth = sim.truth
    ref = batch.reps
    reps = []
    for at, event in events:
        if event.kind != "rep_completed" or event.row is None:
            continue
        row = event.row
        k, true_overlap = _best_match(truth, row)
        j, batch_overlap = _best_match(ref, row)
        matched = batch_overlap > 0
        reps.append(
            {
                "latency_s": at - float(truth["end_s"].iloc[k]) if true_overlap > 0 else np.nan,
                "data_latency_s": event.time_s - float(truth["end_s"].iloc[k]),
                "ecc_vs_batch_s": float(row["eccentric_s"] - ref["eccentric_s"].iloc[j])
                if matched
                else np.nan,
                "con_vs_batch_s": float(row["concentric_s"] - ref["concentric_s"].iloc[j])
                if matched
                else np.nan,
                "off_truth": _off(row, truth.iloc[k]) if true_overlap > 0 else True,
            }
        )
    # the same count for `analyze`, whose reps are what the set summary shows
    batch_off = 0
    for _, row in ref.iterrows():
        k, true_overlap = _best_match(truth, row)
        batch_off += bool(_off(row, truth.iloc[k]) if true_overlap > 0 else True)
    updates = list(analyzer.stats.recent_s)
    return {
        "exercise": exercise,
        "tempo": tempo,
        "seed": seed,
        "rate_hz": rate,
        "n_truth": len(truth),
        "n_batch": len(batch.reps),
        "n_live": sum(1 for _, e in events if e.kind == "rep_completed"),
        "n_batch_off_truth": batch_off,
        "reps": reps,
        "duration_s": rec.duration_s,
        "compute_s": analyzer.stats.total_s,
        "n_updates": analyzer.stats.n_updates,
        "update_s": updates,
    }


def _best_match(table: Any, row: Any) -> tuple[int, float]:
    """Index of the rep of ``table`` that overlaps ``row`` most, and the overlap (s).

    ``(-1, 0.0)`` for an empty table; a negative overlap is a gap (no rep overlaps).
    """
    if len(table) == 0:
        return -1, 0.0
    overlap = (
        np.minimum(table["end_s"], row["end_s"]) - np.maximum(table["start_s"], row["start_s"])
    ).to_numpy()
    k = int(np.argmax(overlap))
    return k, float(overlap[k])


def _off(row: Any, true: Any) -> bool:
    """Whether a rep's phases read wrong: eccentric or concentric too far from the truth."""
    return bool(
        not abs(float(row["eccentric_s"]) - float(true["eccentric_s"])) <= OFF_ECC_S
        or not abs(float(row["concentric_s"]) - float(true["concentric_s"])) <= OFF_CON_S
    )


def summarise(sets: list[dict[str, Any]]) -> dict[str, Any]:
    """Latency, cost and agreement over sets of one rate."""
    reps = [r for s in sets for r in s["reps"]]
    lat = np.array([r["latency_s"] for r in reps], float)
    lat = lat[np.isfinite(lat)]
    data = np.array([r["data_latency_s"] for r in reps], float)
    upd = np.array([u for s in sets for u in s["update_s"]], float)
    share = np.array([s["compute_s"] / s["duration_s"] for s in sets])
    ecc = np.abs([r["ecc_vs_batch_s"] for r in reps])
    con = np.abs([r["con_vs_batch_s"] for r in reps])
    return {
        **_replay_summary(sets, lat=lat, data=data, upd=upd, share=share),
        "n_reps_truth": int(sum(s["n_truth"] for s in sets)),
        "data_latency_min_s": float(data.min()),
        "update_p95_ms": 1000 * float(np.percentile(upd, 95)),
        "update_max_ms": 1000 * float(upd.max()),
        "updates_per_s": float(
            sum(s["n_updates"] for s in sets) / sum(s["duration_s"] for s in sets)
        ),
        "ecc_vs_batch_median_s": float(np.nanmedian(ecc)),
        "ecc_vs_batch_p95_s": float(np.nanpercentile(ecc, 95)),
        "con_vs_batch_median_s": float(np.nanmedian(con)),
        "con_vs_batch_p95_s": float(np.nanpercentile(con, 95)),
        # reps a lifter would read wrong: eccentric more than 0.5 s or concentric more
        # than 0.3 s from the truth, in the first report and in `analyze` (the summary)
        "first_reports_off": int(sum(bool(r["off_truth"]) for r in reps)),
        "analyze_reps_off": int(sum(s["n_batch_off_truth"] for s in sets)),
    }


# ---------------------------------------------------------------------- BLE
def run_ble(seconds: float = 29.0) -> dict[str, Any]:
    """``repscope emulate`` in a process, the live session here; host-clock latencies."""
    from repscope.ble.devices import DRIVERS
    from repscope.ble.emulator import start_private_bus
    from repscope.ble.recorder import RecordTarget, SessionInfo
    from repscope.ble.transport import scan
    from repscope.live import LiveAnalyzer, run_live_session

    bus = start_private_bus()
    os.environ.update(bus.env())
    command = [sys.executable, "-m", "repscope.cli.main", "emulate", "--bus-address", bus.address]
    command += ["--profile", "diy", "--exercise", "bench", "--reps", "5", "--tempo", "2-0-1-0"]
    command += ["--seed", "30000", "--connection-interval-ms", "30"]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=bus.env()
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "ready":
                break

        async def session() -> Any:
            found = [f for f in await scan(timeout_s=1.0) if f.driver == "diy"]
            analyzer = LiveAnalyzer(
                sampling_rate_hz=100, placement="bar", exercise="bench", tempo="2-0-1-0"
            )
            cpu0 = time.process_time()
            out = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_live_{os.getpid()}.csv"
            result = await run_live_session(
                RecordTarget("bar", found[0], "bar"),
                analyzer,
                out=out,
                info=SessionInfo(exercise="bench"),
                seconds=seconds,
                overwrite=True,
            )
            cpu = time.process_time() - cpu0
            for path in (out, out.with_suffix(".json")):
                path.unlink(missing_ok=True)
            return result, cpu

        result, cpu = asyncio.run(session())
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        bus.stop()
    lat = result.wall_latency_s
    assert DRIVERS  # the driver table is what the emulator used
    return {
        "n_reps": len(lat),
        "latency_median_s": statistics.median(lat) if lat else None,
        "latency_max_s": max(lat) if lat else None,
        "client_cpu_share": cpu / seconds,
    }


# ---------------------------------------------------------------------- output
def markdown(results: dict[str, Any], prov: dict[str, Any]) -> str:
    rows = []
    for rate, s in results["rates"].items():
        counts = f"{s['n_reps_live']} / {s['n_reps_batch']}"
        sets_equal = f"{s['sets_count_equal_batch']}/{s['n_sets']} sets"
        latency = [num(s[f"latency_{k}_s"], 2) for k in ("median", "p95", "max")]
        rows.append(
            [
                f"{rate} Hz",
                f"{counts} ({sets_equal})",
                " / ".join(latency),
                f"{100 * s['latency_within_target']:.1f}%",
                f"{num(s['data_latency_median_s'], 2)} / {num(s['data_latency_p95_s'], 2)}",
                f"{num(s['update_median_ms'], 0)} / {num(s['update_p95_ms'], 0)}",
                f"{100 * s['core_share_mean']:.0f}% (max {100 * s['core_share_max']:.0f}%)",
                f"{num(s['ecc_vs_batch_p95_s'], 2)} / {num(s['con_vs_batch_p95_s'], 2)}",
                f"{s['first_reports_off']} / {s['analyze_reps_off']}",
            ]
        )
    table = md_table(
        [
            "rate",
            "reps live / analyze",
            "latency s: median / 95th / max",
            "within 0.5 s",
            "of which data: median / 95th",
            "update ms: median / 95th",
            "one core",
            "first report vs analyze, 95th: ecc / con (s)",
            f"reps off the truth (ecc > {OFF_ECC_S} s or con > {OFF_CON_S} s): first report"
            " / analyze",
        ],
        rows,
    )
    text = [
        provenance_line(prov),
        "",
        f"{results['n_sets_per_rate']} simulated {results['placement']} sets per rate "
        f"(8 designs, {N_REPS} reps, seeds from {results['seed_base']}), pushed in 30 ms chunks "
        "on a simulated clock (`benchmarks/bench_live.py`):",
        "",
        table,
    ]
    real = results.get("real")
    if real:
        text += [
            "",
            f"Real bar recordings (`--real`: the {real['n_sets']} clean sets of "
            "`realdata/feather_bar`, 10-60 irregular samples/s, replayed the same way; a "
            "rep's end is `analyze`'s): "
            f"{real['n_reps_live']} reps live, {real['n_reps_batch']} by `analyze` "
            f"({real['sets_count_equal_batch']}/{real['n_sets']} sets equal); latency "
            f"median {num(real['latency_median_s'], 2)} s, 95th "
            f"{num(real['latency_p95_s'], 2)} s, max {num(real['latency_max_s'], 2)} s "
            f"({100 * real['latency_within_target']:.1f}% within {TARGET_S} s; data part "
            f"median {num(real['data_latency_median_s'], 2)} s); update "
            f"{num(real['update_median_ms'], 0)} ms median, "
            f"{100 * real['core_share_mean']:.0f}% of a core (max "
            f"{100 * real['core_share_max']:.0f}%).",
        ]
    ble = results.get("ble")
    if ble:
        text += [
            "",
            f"Through BLE (`--ble`: `repscope emulate`, 30 ms connection interval, real bleak): "
            f"{ble['n_reps']} reps reported {num(ble['latency_median_s'], 2)} s after their end "
            f"(median, max {num(ble['latency_max_s'], 2)} s) on the host clock; the client "
            f"process used {100 * ble['client_cpu_share']:.0f}% of a core.",
        ]
    return "\n".join(text)


def write_docs(markdown_text: str, path: Path = DOCS) -> None:
    """Replace the text between the live markers of docs/ble.md."""
    replace_marked(path, "live", markdown_text)


#: Run in a child process with PYTHONPATH set to a source tree: after the imports (start-up
#: left out), the process CPU of one replay of a recording through the live engine (and
#: the CPU of each window, timed with ``time.process_time``), or of one ``analyze``.
_COST_CHILD = """
import json, statistics, sys, time
from repscope.analysis import analyze_recording
from repscope.io import read_recording
from repscope.live.session import replay_live
rec = read_recording(sys.argv[1])
start = time.process_time()
if sys.argv[2] == "live":
    result = replay_live(rec, timer=time.process_time)
    stats = result.analyzer.stats
    out = {"cpu_s": time.process_time() - start, "windows": stats.n_updates,
           "window_median_s": statistics.median(stats.recent_s),
           "reps": sum(1 for e in result.events if e.kind == "rep_completed")}
else:
    analyze_recording(rec)
    out = {"cpu_s": time.process_time() - start}
print(json.dumps(out))
"""


def replay_cost(path: Path, reference_src: Path, *, rounds: int = 2) -> dict[str, Any]:
    """CPU of a live replay of ``path`` against one ``analyze``, this tree and a reference.

    The two trees alternate ``rounds`` times in one run (the machine's load changes
    slowly), and the medians are compared: the ratios hold on a loaded machine where the
    absolute figures do not.
    """
    trees = {"this": REPO_ROOT / "src", "reference": Path(reference_src)}
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        tree: {"live": [], "analyze": []} for tree in trees
    }
    for _ in range(rounds):
        for tree, src in trees.items():
            for mode in ("analyze", "live"):
                env = {**os.environ, "PYTHONPATH": str(src)}
                done = subprocess.run(
                    [sys.executable, "-c", _COST_CHILD, str(path), mode],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs[tree][mode].append(json.loads(done.stdout.strip().splitlines()[-1]))

    def med(tree: str, mode: str, key: str) -> float:
        return float(statistics.median(r[key] for r in runs[tree][mode]))

    out: dict[str, Any] = {"path": str(path), "reference_src": str(reference_src), "runs": runs}
    for tree in trees:
        out[tree] = {
            "live_cpu_s": med(tree, "live", "cpu_s"),
            "analyze_cpu_s": med(tree, "analyze", "cpu_s"),
            "window_median_ms": 1e3 * med(tree, "live", "window_median_s"),
            "windows": med(tree, "live", "windows"),
            "live_over_analyze": med(tree, "live", "cpu_s") / med(tree, "analyze", "cpu_s"),
        }
    out["window_ratio_to_reference"] = (
        out["this"]["window_median_ms"] / out["reference"]["window_median_ms"]
    )
    out["live_cpu_ratio_to_reference"] = out["this"]["live_cpu_s"] / out["reference"]["live_cpu_s"]
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets-per-design", type=int, default=2)
    parser.add_argument("--rates", default="50,100,200")
    parser.add_argument("--placement", default="bar", choices=("bar", "wrist"))
    parser.add_argument("--seed-base", type=int, default=30000)
    parser.add_argument(
        "--ble", action="store_true", help="also measure through the emulated BLE stack"
    )
    parser.add_argument(
        "--real",
        type=Path,
        default=None,
        metavar="DIR",
        help="also replay every clean set of a feather_bar folder (labels.csv, raw/)",
    )
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--cost-against",
        type=Path,
        default=None,
        metavar="SRC",
        help="only measure the CPU of a replay of --cost-file against analyze, this tree "
        "and the source tree SRC (e.g. another checkout's src) alternating in one run",
    )
    parser.add_argument(
        "--cost-file", type=Path, default=REPO_ROOT / "sample_data" / "squat_session.csv"
    )
    args = parser.parse_args(argv)
    if args.cost_against is not None:
        cost = replay_cost(args.cost_file, args.cost_against)
        print(json.dumps({k: v for k, v in cost.items() if k != "runs"}, indent=2))
        write_json(cost, args.out or default_out("bench_live_cost"))
        return cost
    prov = provenance()
    results: dict[str, Any] = {
        "placement": args.placement,
        "seed_base": args.seed_base,
        "n_sets_per_rate": args.sets_per_design * len(DESIGNS),
        "rates": {},
        "sets": [],
        "provenance": prov,
    }
    for rate in (float(r) for r in args.rates.split(",")):
        sets = []
        for d, (exercise, tempo) in enumerate(DESIGNS):
            for k in range(args.sets_per_design):
                seed = args.seed_base + d * args.sets_per_design + k
                sets.append(
                    run_set(exercise, tempo, rate=rate, placement=args.placement, seed=seed)
                )
        summary = summarise(sets)
        results["rates"][f"{rate:g}"] = summary
        results["sets"] += [{k: v for k, v in s.items() if k != "update_s"} for s in sets]
        print(
            f"{rate:g} Hz: latency median {summary['latency_median_s']:.2f} s, 95th "
            f"{summary['latency_p95_s']:.2f} s, max {summary['latency_max_s']:.2f} s "
            f"({100 * summary['latency_within_target']:.1f}% within {TARGET_S} s); update "
            f"{summary['update_median_ms']:.0f} ms median, {summary['update_p95_ms']:.0f} ms 95th; "
            f"{100 * summary['core_share_mean']:.0f}% of a core (max "
            f"{100 * summary['core_share_max']:.0f}%); reps live {summary['n_reps_live']}, "
            f"analyze {summary['n_reps_batch']}, truth {summary['n_reps_truth']}",
            flush=True,
        )
    if args.real is not None:
        results["real"] = real = run_real_all(args.real)
        print(
            f"real ({real['n_sets']} sets): latency median {real['latency_median_s']:.2f} s, "
            f"95th {real['latency_p95_s']:.2f} s, max {real['latency_max_s']:.2f} s "
            f"({100 * real['latency_within_target']:.1f}% within {TARGET_S} s); reps live "
            f"{real['n_reps_live']}, analyze {real['n_reps_batch']}",
            flush=True,
        )
    if args.ble:
        results["ble"] = run_ble()
        print(f"BLE: {results['ble']}")
    text = markdown(results, prov)
    print()
    print(text)
    out = write_json(results, args.out or default_out("bench_live"))
    print(f"\nwrote {out}")
    if args.write_docs:
        write_docs(text)
        print(f"updated {DOCS}")
    return results


if __name__ == "__main__":
    main()
