"""The real bar sensor beside the simulator's real-like preset: the sensor's statistics.

Usage::

    .venv/bin/python benchmarks/real_vs_sim.py [--n-sim 25] [--seed-base 160000]
        [--realdata PATH] [--write-docs] [--out results.json]

What it measures
----------------
For every clean set of ``<realdata>/feather_bar/`` (``labels.csv``, ``quality == clean``;
``$REPSCOPE_REALDATA`` or ``<repo>/../shared/realdata``) and for ``--n-sim`` simulated
real-like sets (:func:`repscope.simulate.real_like_sensor` and
:func:`repscope.simulate.real_like_set`, exercises cycling through curl, deadlift, row,
ohp and squat, seeds ``seed_base + i``), the statistics of the table in
``shared/notes/real-sensors.md``, computed the same way on both:

- stale rows: share of rows whose six motion values (acc and gyro) equal the previous
  row's; half-stale rows: share where only the three acc or only the three gyro values do;
- distinct samples: the rows that are not stale; interval percentiles (10th, 50th, 90th)
  are of the intervals between distinct samples, the longest interval is between any two
  rows; distinct samples per second is their number over the duration;
- the quietest second: the 1 s window (starting at a distinct sample, holding the
  distinct samples of ``[t0, t0 + 1 s)``, at least 5 of them) with the smallest standard
  deviation of ``|acc|``; in it the gyro bias of the largest axis (``max |mean|``), the
  gyro noise of the largest axis (``max SD``) and the SD of ``|acc|``;
- peak and lowest ``|acc|`` and peak ``|ω|`` over the set.

Each statistic is summarised as min / median / max over the sets. The raw CSV is read
here with numpy (``node_id, t_ms, ax, ay, az`` in m/s², ``gx, gy, gz`` in rad/s, then the
magnetometer), independently of :mod:`repscope.io`.

The preset is tuned on these statistics of the sensor, never on rep-count accuracy.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    DOCS_PATH,
    REPO_ROOT,
    default_out,
    md_table,
    provenance,
    provenance_line,
    replace_marked,
    write_json,
)

G_MPS2 = 9.80665
SIM_EXERCISES: tuple[str, ...] = ("curl", "deadlift", "row", "ohp", "squat")
DOCS_MARKER = "real-vs-sim"
QUIET_WINDOW_S = 1.0
MIN_WINDOW_SAMPLES = 5

#: (key, label, unit, digits) of every statistic, in table order.
STATISTICS: tuple[tuple[str, str, str, int], ...] = (
    ("stale_share", "stale rows", "%", 0),
    ("half_stale_share", "half-stale rows (only acc or only gyro repeated)", "%", 1),
    ("interval_p10_ms", "interval between distinct samples, 10th percentile", "ms", 0),
    ("interval_p50_ms", "interval between distinct samples, median", "ms", 0),
    ("interval_p90_ms", "interval between distinct samples, 90th percentile", "ms", 0),
    ("longest_interval_ms", "longest interval in a set", "ms", 0),
    ("distinct_per_s", "distinct samples per second", "1/s", 0),
    ("gyro_bias_dps", "gyro bias, largest axis, quietest second", "deg/s", 1),
    ("gyro_noise_dps", "gyro SD, largest axis, quietest second", "deg/s", 1),
    ("acc_sd_mg", "|acc| SD in the quietest second", "mg", 0),
    ("peak_acc_g", "peak |acc|", "g", 2),
    ("lowest_acc_g", "lowest |acc|", "g", 2),
    ("peak_rate_dps", "peak angular rate", "deg/s", 0),
)


def realdata_root(override: Path | None = None) -> Path:
    """``--realdata``, else ``$REPSCOPE_REALDATA``, else ``<repo>/../shared/realdata``."""
    if override is not None:
        return override
    env = os.environ.get("REPSCOPE_REALDATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "realdata"


def read_feather_csv(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read one raw Feather file: time (s), acc (g) and gyro (deg/s), rows as stored."""
    raw = np.loadtxt(path, delimiter=",", ndmin=2)
    time_s = raw[:, 1] / 1000.0
    acc_g = raw[:, 2:5] / G_MPS2
    gyr_dps = np.degrees(raw[:, 5:8])
    return time_s, acc_g, gyr_dps


def stale_mask(acc: np.ndarray, gyr: np.ndarray) -> np.ndarray:
    """True for rows whose six motion values equal the previous row's."""
    six = np.hstack([acc, gyr])
    same = np.all(np.diff(six, axis=0) == 0, axis=1)
    return np.concatenate([[False], same])


def _half_stale(acc: np.ndarray, gyr: np.ndarray) -> np.ndarray:
    """True for rows where exactly one of the two sensors repeats the previous row."""
    same_acc = np.concatenate([[False], np.all(np.diff(acc, axis=0) == 0, axis=1)])
    same_gyr = np.concatenate([[False], np.all(np.diff(gyr, axis=0) == 0, axis=1)])
    return same_acc ^ same_gyr


def quietest_window(time_s: np.ndarray, acc_norm: np.ndarray) -> slice:
    """Index slice of the 1 s window with the smallest SD of ``|acc|`` (see module docs)."""
    ends = np.searchsorted(time_s, time_s + QUIET_WINDOW_S, side="left")
    csum = np.concatenate([[0.0], np.cumsum(acc_norm)])
    csum2 = np.concatenate([[0.0], np.cumsum(acc_norm**2)])
    counts = ends - np.arange(time_s.size)
    ok = (counts >= MIN_WINDOW_SAMPLES) & (time_s + QUIET_WINDOW_S <= time_s[-1])
    if not ok.any():
        return slice(0, time_s.size)
    starts = np.flatnonzero(ok)
    n = counts[starts]
    mean = (csum[ends[starts]] - csum[starts]) / n
    var = (csum2[ends[starts]] - csum2[starts]) / n - mean**2
    sd = np.sqrt(np.maximum(var * n / (n - 1), 0.0))
    k = int(starts[np.argmin(sd)])
    return slice(k, int(ends[k]))


def sensor_statistics(time_s: np.ndarray, acc_g: np.ndarray, gyr_dps: np.ndarray) -> dict:
    """The statistics of the module docs for one set."""
    stale = stale_mask(acc_g, gyr_dps)
    t_d, acc_d, gyr_d = time_s[~stale], acc_g[~stale], gyr_dps[~stale]
    gaps_ms = np.diff(t_d) * 1000.0
    norm = np.linalg.norm(acc_d, axis=1)
    quiet = quietest_window(t_d, norm)
    g_q = gyr_d[quiet]
    return {
        "rows": int(time_s.size),
        "duration_s": float(time_s[-1] - time_s[0]),
        "stale_share": float(stale.mean()),
        "half_stale_share": float(_half_stale(acc_g, gyr_dps).mean()),
        "interval_p10_ms": float(np.percentile(gaps_ms, 10)),
        "interval_p50_ms": float(np.percentile(gaps_ms, 50)),
        "interval_p90_ms": float(np.percentile(gaps_ms, 90)),
        "longest_interval_ms": float(np.diff(time_s).max() * 1000.0),
        "distinct_per_s": float(t_d.size / (time_s[-1] - time_s[0])),
        "gyro_bias_dps": float(np.abs(g_q.mean(axis=0)).max()),
        "gyro_noise_dps": float(g_q.std(axis=0, ddof=1).max()),
        "acc_sd_mg": float(norm[quiet].std(ddof=1) * 1000.0),
        "peak_acc_g": float(norm.max()),
        "lowest_acc_g": float(norm.min()),
        "peak_rate_dps": float(np.linalg.norm(gyr_d, axis=1).max()),
    }


def real_sets(root: Path) -> list[dict[str, Any]]:
    """Statistics of every clean Feather set (empty when the folder is absent)."""
    import pandas as pd

    folder = root / "feather_bar"
    labels_path = folder / "labels.csv"
    if not labels_path.exists():
        return []
    labels = pd.read_csv(labels_path)
    out = []
    for row in labels[labels["quality"] == "clean"].itertuples(index=False):
        t, acc, gyr = read_feather_csv(folder / "raw" / str(row.file))
        out.append(
            {"name": str(row.file), "exercise": str(row.exercise)} | sensor_statistics(t, acc, gyr)
        )
    return out


def simulated_sets(n_sets: int, seed_base: int) -> list[dict[str, Any]]:
    """Statistics of ``n_sets`` simulated real-like sets (see module docs)."""
    from repscope.simulate import (
        REAL_LIKE_SENSOR_RATE_HZ,
        real_like_sensor,
        real_like_set,
        simulate_set,
    )

    out = []
    for i in range(n_sets):
        seed = seed_base + i
        exercise = SIM_EXERCISES[i % len(SIM_EXERCISES)]
        rng = np.random.default_rng(seed)
        spec = real_like_set(exercise, rng=rng)
        sensor = real_like_sensor(rng=rng)
        res = simulate_set(
            spec,
            sampling_rate_hz=REAL_LIKE_SENSOR_RATE_HZ,
            placement="bar",
            sensor=sensor,
            seed=seed,
        )
        rec = res.recording
        gyr = rec.gyr_dps
        assert gyr is not None
        stats = sensor_statistics(rec.time_s, rec.acc_g, gyr)
        out.append({"name": f"seed {seed}", "exercise": exercise} | stats)
    return out


def summary(sets: list[dict[str, Any]]) -> dict[str, list[float]]:
    """Min / median / max of every statistic over the sets."""
    out = {}
    for key, *_ in STATISTICS:
        v = np.array([s[key] for s in sets], dtype=float)
        out[key] = [float(v.min()), float(np.median(v)), float(v.max())]
    return out


def _fmt(values: list[float] | None, unit: str, digits: int) -> str:
    if values is None:
        return "-"
    scale = 100.0 if unit == "%" else 1.0
    return " / ".join(f"{scale * v:.{digits}f}" for v in values)


def _covers(real: list[float], sim: list[float]) -> str:
    """Whether the simulated min-max range reaches both ends of the real one (5% slack)."""
    lo_ok = sim[0] <= real[0] * 1.0001 or np.isclose(sim[0], real[0], rtol=0.05)
    hi_ok = sim[2] >= real[2] * 0.9999 or np.isclose(sim[2], real[2], rtol=0.05)
    if lo_ok and hi_ok:
        return "yes"
    return "misses the low end" if hi_ok else ("misses the high end" if lo_ok else "no")


def markdown(report: dict[str, Any]) -> str:
    """The side-by-side table for docs/accuracy.md."""
    real, sim = report["real_summary"], report["sim_summary"]
    rows = []
    for key, label, unit, digits in STATISTICS:
        r = real.get(key) if real else None
        s = sim[key]
        cover = _covers(r, s) if r is not None else "-"
        rows.append([f"{label} ({unit})", _fmt(r, unit, digits), _fmt(s, unit, digits), cover])
    cfg = report["config"]
    lines = [
        provenance_line(report["provenance"]),
        "",
        f"Min / median / max over {report['n_real']} clean real sets "
        f"(`feather_bar`, LSM6DS33 on the bar centre, BLE) and {report['n_sim']} simulated "
        "real-like sets (`real_like_set` + `real_like_sensor`, curl, deadlift, row, ohp and "
        f"squat in turn, seeds {cfg['seed_base']}-{cfg['seed_base'] + cfg['n_sim'] - 1}). "
        "'covers' says whether the simulated range reaches both ends of the real one (5% "
        "slack). Definitions: `benchmarks/real_vs_sim.py`.",
        "",
        md_table(["statistic", "real bar sensor", "simulated real-like", "covers"], rows),
        "",
        "Reproduce: `.venv/bin/python benchmarks/real_vs_sim.py "
        f"--n-sim {cfg['n_sim']} --seed-base {cfg['seed_base']} --write-docs`.",
    ]
    return "\n".join(lines)


def run(n_sim: int, seed_base: int, realdata: Path | None) -> dict[str, Any]:
    """Measure both sides and return the report."""
    real = real_sets(realdata_root(realdata))
    sim = simulated_sets(n_sim, seed_base)
    return {
        "benchmark": "real_vs_sim",
        "config": {"n_sim": n_sim, "seed_base": seed_base},
        "provenance": provenance(),
        "n_real": len(real),
        "n_sim": len(sim),
        "real_summary": summary(real) if real else None,
        "sim_summary": summary(sim),
        "real_sets": real,
        "sim_sets": sim,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Statistics of the real bar sensor beside the simulator's real-like preset.",
        epilog="Example: .venv/bin/python benchmarks/real_vs_sim.py --n-sim 25 --write-docs",
    )
    parser.add_argument("--n-sim", type=int, default=25, help="simulated sets (default 25)")
    parser.add_argument("--seed-base", type=int, default=160000, help="first seed (default 160000)")
    parser.add_argument("--realdata", type=Path, default=None, help="folder holding feather_bar/")
    parser.add_argument("--out", type=Path, default=None, help="JSON output path")
    parser.add_argument(
        "--write-docs", action="store_true", help="write the table into docs/accuracy.md"
    )
    args = parser.parse_args(argv)
    if args.n_sim < 1:
        parser.error("--n-sim must be at least 1")
    report = run(args.n_sim, args.seed_base, args.realdata)
    if report["n_real"] == 0:
        msg = f"no feather_bar/labels.csv under {realdata_root(args.realdata)}"
        if os.environ.get("CI"):
            print(f"error: {msg} (required in CI)", file=sys.stderr)
            return 2
        print(f"note: {msg}; showing the simulated side only", file=sys.stderr)
    text = markdown(report)
    print(text)
    out = write_json(report, args.out or default_out("real_vs_sim"))
    print(f"wrote {out}")
    if args.write_docs:
        replace_marked(DOCS_PATH, DOCS_MARKER, text)
        print("updated docs/accuracy.md (real-vs-sim section)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
