"""Turnarounds the rhythm missed: a short rep hidden between two full ones.

The position proxy of :mod:`repscope.analysis.segmentation` is band-limited around the
rep frequency. A partial rep (a third to half of the range) between two full ones keeps
the rhythm, but the band filter's response to its large neighbours swamps its small
swing: its middle turnaround stays a local maximum of the proxy, with an excursion
below the interior bar (a quarter of the typical), and is rejected. The two middle
turnarounds around it are then about two periods apart, and one "rep" holds two.

The rhythm vouches for the rep instead. Where two accepted middle turnarounds lie
:data:`LONG_STRETCH_PERIODS` to :data:`MAX_STRETCH_PERIODS` rep periods apart, take the
candidate between them (at least half a period from each) with the largest excursion,
measured between the two. It is a rep's turnaround when that excursion stands out of
the noise (segmentation's noise bar: ``min_excursion_noise_factor`` times the excursion
the sensor noise alone gives the proxy) and reaches ``min_hidden_excursion_fraction``
(0.08) of the typical excursion. On the real-like development seeds the hidden partial
reps (a third to half of the range) kept 0.10-0.23 of the typical excursion in the
proxy; the largest wiggle of a curl's forearm between two reps reached 0.06. Two reps
take about two periods and one rep with a long pause about one.
"""

from __future__ import annotations

import numpy as np

#: Two accepted middle turnarounds further apart than this many rep periods, and at most
#: :data:`MAX_STRETCH_PERIODS` apart, may hold one rep the rhythm missed (two reps take
#: about two periods; a longer stretch is one slow rep, a grind or a pause).
LONG_STRETCH_PERIODS = 1.5
MAX_STRETCH_PERIODS = 2.5


def _excursion_between(x: np.ndarray, a: int, c: int, b: int) -> float:
    """Drop from ``x[c]`` to the lower of its valleys towards ``a`` and towards ``b``."""
    return float(x[c] - max(x[a : c + 1].min(), x[c : b + 1].min()))


def restore_missed_turns(
    x: np.ndarray,
    kept: np.ndarray,
    candidates: np.ndarray,
    *,
    period_samples: float,
    floor_m: float,
) -> np.ndarray:
    """Return ``kept`` (sorted peak indices of ``x``) with the missed turnarounds added.

    ``candidates``: every local maximum of ``x`` that passed the movement test (module
    docs); ``floor_m``: the noise bar on the excursion.
    """
    peaks = np.sort(np.asarray(kept))
    half = 0.5 * period_samples
    changed = True
    while changed and peaks.size >= 2:  # a rep restored splits its stretch: look again
        changed = False
        gaps = np.diff(peaks)
        long = (gaps > LONG_STRETCH_PERIODS * period_samples) & (
            gaps <= MAX_STRETCH_PERIODS * period_samples
        )
        for k in np.flatnonzero(long):
            a, b = int(peaks[k]), int(peaks[k + 1])
            inner = candidates[(candidates >= a + half) & (candidates <= b - half)]
            if not inner.size:
                continue
            exc = np.array([_excursion_between(x, a, int(c), b) for c in inner])
            best = int(np.argmax(exc))
            if exc[best] >= floor_m:
                peaks = np.sort(np.append(peaks, inner[best]))
                changed = True
                break
    return peaks
