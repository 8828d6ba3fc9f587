"""Write ``sample_data/other_sensor/bench_ego.csv``: a CSV as another sensor would write it.

It is ``sample_data/bench_ego.csv`` (simulated) in vendor units: a board clock in integer
milliseconds starting at 5000, acceleration in m/s^2, angular rate in rad/s, a constant
device id in front and a temperature column at the end, under the header
``device,t_ms,ax,ay,az,gx,gy,gz,temp_c``. The examples in ``repscope analyze --help``
and docs/file-formats.md read it. Deterministic: re-running gives the same file.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Convert bench_ego.csv and write the file."""
    src = pd.read_csv(ROOT / "sample_data" / "bench_ego.csv")
    out = pd.DataFrame(
        {
            "device": 7,
            "t_ms": np.round(src["time_s"].to_numpy() * 1000).astype(np.int64) + 5000,
            **{
                f"a{axis}": np.round(src[f"acc_{axis}_g"].to_numpy() * 9.80665, 4) for axis in "xyz"
            },
            **{
                f"g{axis}": np.round(src[f"gyr_{axis}_dps"].to_numpy() * math.pi / 180, 5)
                for axis in "xyz"
            },
            "temp_c": 24.5,
        }
    )
    out.to_csv(
        ROOT / "sample_data" / "other_sensor" / "bench_ego.csv", index=False, lineterminator="\n"
    )


if __name__ == "__main__":
    main()
