"""The shape of a turnaround in the position proxy: its sides, excursion and span.

The rhythm finder (:mod:`repscope.analysis.segmentation`) counts a rep at each maximum
(concentric-first lifts) or minimum (eccentric-first, on the negated proxy) of the
band-limited position proxy. Whether a candidate is a rep rests on its geometry, all of
it measured from the peak to the valleys either side (the previous and next peaks bound
the search, the recording's ends bound the first and last):

* the **excursion**: the drop to the lower valley (at the recording's edges, to the inner
  one, so a rep cut by the start or end still counts) (:func:`excursions`);
* whether a first or last turnaround **rises and falls like a rep**: both sides drop by
  heights within a ratio, to valleys inside the recording; a set-up move leaves the bar
  at another height (:func:`whole_at_edge`, :func:`cut_by_edge`);
* the **span**, valley to valley, in samples (:func:`rep_spans`).
"""

from __future__ import annotations

import numpy as np


def peak_sides(x: np.ndarray, peaks: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the proxy from the previous peak (or start) to ``peaks[k]``, and on to the next."""
    i = peaks[k]
    lo = peaks[k - 1] if k else 0
    hi = peaks[k + 1] if k + 1 < peaks.size else x.size - 1
    return x[lo : i + 1], x[i : hi + 1]


def excursions(x: np.ndarray, peaks: np.ndarray, *, both_sides: bool = False) -> np.ndarray:
    """Drop from each peak to its neighbouring valleys (inner side only at the edges).

    With ``both_sides`` the lower of the two drops, at the edges too.
    """
    out = np.empty(peaks.size)
    for k, i in enumerate(peaks):
        before, after = peak_sides(x, peaks, k)
        left = x[i] - before.min()
        right = x[i] - after.min()
        if both_sides:
            out[k] = min(left, right)
        elif peaks.size == 1:
            out[k] = max(left, right)
        elif k == 0:
            out[k] = right
        elif k == peaks.size - 1:
            out[k] = left
        else:
            out[k] = min(left, right)
    return out


def whole_at_edge(
    x: np.ndarray, peaks: np.ndarray, k: int, ratio: float, *, cut_ok: bool = False
) -> bool:
    """Whether the first or last turnaround ``peaks[k]`` rises and falls like a rep.

    A rep ends at the height where it started: both sides of its turnaround drop by about
    the same height (within ``ratio``), to a valley inside the recording (or, with
    ``cut_ok``, at its edge). A set-up move (picking the bar up, racking it, stepping
    back) leaves the bar at another height.
    """
    before, after = peak_sides(x, peaks, k)
    if not cut_ok and cut_by_edge(before, after, k, peaks.size):
        return False  # its outer stroke runs into the recording's edge
    left, right = x[peaks[k]] - before.min(), x[peaks[k]] - after.min()
    return bool(min(left, right) > 0 and max(left, right) <= ratio * min(left, right))


def cut_by_edge(before: np.ndarray, after: np.ndarray, k: int, n_peaks: int) -> bool:
    """Whether turnaround ``k``'s outer valley (:func:`peak_sides`) is the recording's edge."""
    return (k == 0 and int(np.argmin(before)) == 0) or (
        k == n_peaks - 1 and int(np.argmin(after)) == after.size - 1
    )


def rep_spans(x: np.ndarray, peaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return each rep's samples from valley to valley (cut as in step 7), and which are cut.

    A rep cut by the recording's edge spans at least what is returned.
    """
    spans, cut = np.empty(peaks.size), np.zeros(peaks.size, dtype=bool)
    for k in range(peaks.size):
        before, after = peak_sides(x, peaks, k)
        spans[k] = before.size - 1 - int(np.argmin(before)) + int(np.argmin(after))
        cut[k] = cut_by_edge(before, after, k, peaks.size)
    return spans, cut
