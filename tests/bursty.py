"""Synthetic BLE-like sensor streams with exactly known layout, stale rows and gaps.

Every 4.5 s the sensor tilts about its x axis and back in 2.5 s (a rep; peak rate
1.5 rad/s), then rests 2 s, so the gravity it measures turns exactly as its gyroscope
says. Samples come in pairs
``burst_ms`` apart every ``cycle_ms`` (a BLE connection event carrying two readings);
every ``stale_every``-th sample is followed by a stale row (same motion values, new
timestamp 1 ms later). Columns: ``node_id, time, ax, ay, az, gx, gy, gz, mx, my, mz``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

G = 9.80665


@dataclass
class Stream:
    """The file's rows and what a reader must make of them."""

    rows: np.ndarray  # the table as written
    time_s: np.ndarray  # distinct samples' times, seconds from the first
    acc_g: np.ndarray
    gyr_dps: np.ndarray
    n_stale: int
    gaps_s: list[tuple[float, float]]  # (last sample before, first after) of each true gap


def tilting_stream(
    *,
    seconds: float = 20.0,
    cycle_ms: int = 30,
    burst_ms: int = 4,
    gaps_ms: tuple[tuple[int, int], ...] = (),
    stale_every: int = 3,
    time_unit: str = "ms",
    acc_unit: str = "m/s2",
    gyr_unit: str = "rad/s",
    start_ms: int = 304079,
    seed: int = 0,
) -> Stream:
    """Build a stream; ``gaps_ms`` are ``(start, end)`` windows (ms from the start) with no data."""
    rng = np.random.default_rng(seed)
    starts = np.arange(0, int(seconds * 1000), cycle_ms)
    t_ms = np.sort(np.concatenate([starts, starts + burst_ms]))
    keep = np.ones(t_ms.size, dtype=bool)
    for a, b in gaps_ms:
        keep &= ~((t_ms > a) & (t_ms < b))
    t_ms = t_ms[keep]
    t = t_ms / 1000.0
    # reps: one 2.5 s tilt-and-return (peak rate 1.5 rad/s), then 2 s at rest
    tau = np.mod(t, 4.5)
    active = tau < 2.5
    w = 2 * math.pi / 2.5
    rate = np.where(active, 1.5 * np.sin(w * tau), 0.0)
    angle = np.where(active, 1.5 / w * (1 - np.cos(w * tau)), 0.0)
    acc_g = np.column_stack([np.zeros_like(t), np.sin(angle), np.cos(angle)])
    acc_g += rng.normal(0, 0.01, acc_g.shape)
    gyr_rads = np.column_stack([rate, np.zeros_like(t), np.zeros_like(t)])
    gyr_rads += rng.normal(0, 0.002, gyr_rads.shape) + np.array([0.01, -0.02, 0.005])
    acc_g = np.round(acc_g, 4)
    gyr_rads = np.round(gyr_rads, 4)
    acc_out = acc_g * G if acc_unit == "m/s2" else acc_g
    gyr_out = gyr_rads if gyr_unit == "rad/s" else np.degrees(gyr_rads)
    mag = np.round(np.array([40.0, -20.0, 10.0]) + rng.normal(0, 0.3, (t.size, 3)), 3)
    rows = []
    for i in range(t.size):
        motion = [*acc_out[i], *gyr_out[i]]
        rows.append([1, t_ms[i], *motion, *mag[i]])
        if stale_every and i % stale_every == stale_every - 1 and i + 1 < t.size:
            rows.append([1, t_ms[i] + 1, *motion, *mag[i]])
    table = np.array(rows, dtype=float)
    scale = {"ms": 1.0, "s": 1e-3, "us": 1e3}[time_unit]
    table[:, 1] = (table[:, 1] + start_ms) * scale
    gaps = []
    for a, b in gaps_ms:
        before = t_ms[t_ms <= a].max()
        after = t_ms[t_ms >= b].min()
        gaps.append((before / 1000.0, after / 1000.0))
    return Stream(
        rows=table,
        time_s=t - t[0],
        acc_g=acc_g,
        gyr_dps=np.degrees(gyr_rads),
        n_stale=int(table.shape[0] - t.size),
        gaps_s=gaps,
    )


def write_csv(stream: Stream, path, *, header: str | None = None, decimals: int = 6) -> None:  # type: ignore[no-untyped-def]
    """Write the rows (integers without a decimal point, like a board's printout)."""
    lines = [header] if header else []
    for row in stream.rows:
        cells = [str(int(v)) if float(v).is_integer() else f"{v:.{decimals}f}" for v in row]
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
