"""Stage 1 of the analysis: the timebase and the gap-free stretches that are analysed.

Steps
-----
1. The recording is resampled onto a uniform grid at its nominal rate
   (:func:`repscope.io.timebase.resample_uniform`), never across a gap longer than
   :data:`MAX_BRIDGED_GAP_S` (or 2.5 sample periods at low rates): shorter gaps are
   bridged by linear interpolation and counted.
2. The grid's valid samples form runs; each run of at least :data:`MIN_STRETCH_S` is a
   :class:`Stretch`, analysed on its own by the later stages (no filter or integral runs
   across a gap). Shorter runs hold less than one slow rep and are skipped, except a
   first run that starts at a known rep boundary (a live window continued from a
   reported rep's end, ``starts_at_rest``): the reps it holds start at its first sample,
   so it is kept from :data:`MIN_KNOWN_START_S`.
3. The time between two analysed stretches is a data gap: a rep that the set's rhythm
   puts there is inferred later (:mod:`.gap_reps`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from repscope.analysis.filters import runs
from repscope.recording import Recording

#: Gaps up to this long (lost BLE packets, a stalled link) are bridged by linear
#: interpolation for the analysis; longer gaps split the recording into separately
#: analysed stretches. The number of bridged gaps is reported in the provenance. Real BLE
#: links stall for up to 0.44 s inside a set (the longest interval in the 25 clean
#: Feather bar sets; shared/notes/real-sensors.md); at 0.25 s such stalls cut a sparse
#: set into stretches too short for a rhythm. A 0.5 s gap hides only frequencies above
#: 1 Hz, above the fundamental of all but the fastest reps.
MAX_BRIDGED_GAP_S = 0.5
#: Stretches shorter than this are not analysed (less than one slow rep).
MIN_STRETCH_S = 2.0
#: A first stretch that starts at a known zero velocity is kept from this length: the
#: shortest stroke pair of a rep (two 0.25 s strokes of an explosive touch-and-go rep).
MIN_KNOWN_START_S = 0.5


@dataclass(frozen=True)
class Stretch:
    """A gap-free run of grid samples ``[start_idx, end_idx)``."""

    start_idx: int
    end_idx: int

    @property
    def n_samples(self) -> int:
        """Number of grid samples in the stretch."""
        return self.end_idx - self.start_idx


@dataclass(frozen=True)
class Timebase:
    """The uniform grid and what of it is analysed.

    Attributes
    ----------
    grid
        The recording on a uniform grid at its nominal rate (NaN inside long gaps).
    stretches
        The analysed stretches, in time order.
    bridged_gaps
        How many short gaps were bridged by interpolation.
    max_bridged_gap_s
        The longest gap bridged at this rate.
    """

    grid: Recording
    stretches: tuple[Stretch, ...]
    bridged_gaps: int
    max_bridged_gap_s: float

    @property
    def sampling_rate_hz(self) -> float:
        """The grid's rate."""
        return float(self.grid.meta.sampling_rate_hz)

    def data_gaps(self) -> list[tuple[float, float]]:
        """``(last time before, first time after)`` of each gap between analysed stretches."""
        time_s = self.grid.time_s
        return [
            (float(time_s[before.end_idx - 1]), float(time_s[after.start_idx]))
            for before, after in itertools.pairwise(self.stretches)
        ]


def max_bridged_gap_s(sampling_rate_hz: float) -> float:
    """Longest gap bridged at ``sampling_rate_hz``: :data:`MAX_BRIDGED_GAP_S`, or 2.5 periods."""
    return max(MAX_BRIDGED_GAP_S, 2.5 / sampling_rate_hz)


def split_stretches(recording: Recording, *, starts_at_rest: bool = False) -> Timebase:
    """Resample ``recording`` onto its uniform grid and find the stretches to analyse.

    ``starts_at_rest``: the first sample is a known rep boundary (module docs, step 2).
    """
    from repscope.io.timebase import (
        gap_rows,
        resample_arrays,
        sensor_columns,
        timebase_report_arrays,
    )

    rate = recording.meta.sampling_rate_hz
    longest = max_bridged_gap_s(rate)
    # the columns are read once (resample_uniform, gap_mask and timebase_report of the
    # same arrays: the same numbers)
    columns = sensor_columns(recording)
    time_s, values = recording.time_s, recording.column_values(columns)
    grid, grid_values = resample_arrays(
        time_s,
        values,
        columns=columns,
        meta=recording.meta,
        sampling_rate_hz=rate,
        max_gap_s=longest,
    )
    valid = ~gap_rows(grid_values)
    gaps = timebase_report_arrays(time_s, values, nominal_rate_hz=rate).gaps
    bridged = sum(1 for g in gaps if g[1] - g[0] <= longest)
    min_samples = int(MIN_STRETCH_S * rate)
    first = int(MIN_KNOWN_START_S * rate) if starts_at_rest else min_samples
    stretches = tuple(
        Stretch(a, b) for a, b in runs(valid) if b - a >= (first if a == 0 else min_samples)
    )
    return Timebase(grid, stretches, bridged, longest)
