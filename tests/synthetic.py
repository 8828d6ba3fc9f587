"""Hand-built recordings with exactly known reps, shared by several test modules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from repscope.recording import STANDARD_GRAVITY_MPS2, Recording, RecordingMeta

RATE = 100.0


def minimum_jerk(duration_s: float, distance_m: float) -> np.ndarray:
    tau = np.linspace(0, 1, round(duration_s * RATE), endpoint=False)
    return distance_m * (10 * tau**3 - 15 * tau**4 + 6 * tau**5)


def bench_set(
    n_reps: int = 6, tempo=(3.0, 1.0, 1.0, 0.5), rom_m: float = 0.45, seed: int = 0
) -> tuple[Recording, pd.DataFrame]:
    """A vertical bench set with the sensor's z axis up, noise, no rotation."""
    ecc, bottom, con, top = tempo
    parts = [np.zeros(int(3 * RATE))]
    truth = []
    t = 3.0
    for k in range(n_reps):
        truth.append(
            {
                "start_s": t,
                "eccentric_s": ecc,
                "bottom_pause_s": bottom,
                "concentric_s": con,
                "top_pause_s": top if k < n_reps - 1 else np.nan,
            }
        )
        parts += [
            -minimum_jerk(ecc, rom_m),
            np.full(int(bottom * RATE), -rom_m),
            -rom_m + minimum_jerk(con, rom_m),
        ]
        t += ecc + bottom + con
        if k < n_reps - 1:
            parts.append(np.zeros(int(top * RATE)))
            t += top
    parts.append(np.zeros(int(3 * RATE)))
    z = np.concatenate(parts)
    time_s = np.arange(z.size) / RATE
    acc_z = np.gradient(np.gradient(z, 1 / RATE), 1 / RATE)
    rng = np.random.default_rng(seed)
    acc = np.zeros((z.size, 3))
    acc[:, 2] = 1 + acc_z / STANDARD_GRAVITY_MPS2
    acc += rng.normal(0, 0.005, acc.shape)
    gyr = rng.normal(0, 0.2, acc.shape)
    meta = RecordingMeta(sampling_rate_hz=RATE, placement="bar", exercise="bench", device="test")
    return Recording.from_arrays(time_s=time_s, acc_g=acc, gyr_dps=gyr, meta=meta), pd.DataFrame(
        truth
    )
