"""A live set: its flags as it grows, when it is over, and its summary.

**Flags.** Rules about the rep alone (:data:`repscope.analysis.flags.PER_REP_FLAGS`) come
from the window that reported it. Rules relative to the set
(:data:`~repscope.analysis.flags.SET_RELATIVE_FLAGS`) and the velocity loss
(:func:`~repscope.analysis.flags.velocity_loss`, over full-range reps) are recomputed
against the reps of the set *so far* with the batch rules (:func:`reflag`): live, a rep
can only be compared with the reps before it; the set summary compares it with the whole
set, as ``repscope analyze`` does.

**Set end.** A set is over at a rack: once the bar has rested at the sensor's floor for
``rack_rest_s`` (1.5 s) after its last rep (:func:`racked_since`, the rule of
:mod:`repscope.analysis.set_end` that ``repscope analyze`` splits sets by), so the summary
comes about 2 s after the bar leaves the hands. A hand-held pause (tremor and sway above
the floor) never ends a set. Otherwise, as before, when ``set_gap_s`` (the batch rule:
reps further apart start a new set; :class:`~repscope.analysis.reps.RepSettings`' 15 s by
default) have passed after its last rep and the bar is not moving
(:func:`set_should_end`), or at the end of the stream. The set is then analysed once more
with the batch configuration, and the batch set that covers most of the live set is its
summary (:func:`pick_set`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from repscope.analysis.flags import (
    SET_RELATIVE_FLAGS,
    flag_set,
    full_range_mask,
    velocity_loss,
)
from repscope.analysis.metrics import RepMetrics
from repscope.analysis.profiles import FLAGS, FlagThresholds
from repscope.analysis.set_end import SetEndSettings, find_racks, racked_between
from repscope.live.acceptance import LiveRep, overlap_s
from repscope.live.ring import SampleRing
from repscope.live.settings import LiveSettings
from repscope.tempo import Tempo

Row = dict[str, Any]


def reflag(
    reps: Sequence[LiveRep], *, thresholds: FlagThresholds, tempo: Tempo | None, set_number: int
) -> None:
    """Recompute the set-relative flags and velocity loss of ``reps`` (the set so far).

    The per-rep flags stand as each rep's window found them; ``bounce`` can only come from
    there, since the rows do not hold the turnaround measures (NaN in
    :meth:`RepMetrics.from_row`); the swing rule's horizontal speed comes with each
    :class:`LiveRep`. Updates each rep's row in place.
    """
    metrics = [
        replace(RepMetrics.from_row(r.row), horizontal_speed_mps=r.horizontal_speed_mps)
        for r in reps
    ]
    flags, reasons = flag_set(metrics, thresholds=thresholds, tempo=tempo)
    merged: list[dict[str, str]] = []
    for rep, set_flags, set_reasons in zip(reps, flags, reasons, strict=True):
        found = {f: r for f, r in zip(set_flags, set_reasons, strict=True)}
        for name, reason in zip(rep.window_flags, rep.window_reasons, strict=True):
            if name not in SET_RELATIVE_FLAGS:
                found.setdefault(name, reason)
        merged.append(found)
    loss = velocity_loss(
        np.array([m.mean_concentric_velocity_mps for m in metrics], dtype=float),
        full_range=full_range_mask(metrics, [list(f) for f in merged]),
    )
    for rep, found, rep_loss in zip(reps, merged, loss, strict=True):
        names = [f for f in FLAGS if f in found]
        rep.row["flags"] = ";".join(names)
        rep.row["flag_reasons"] = ";".join(found[f] for f in names)
        rep.row["velocity_loss"] = float(rep_loss)
        rep.row["set"] = set_number
        rep.row["rep"] = rep.number


def racked_since(
    ring: SampleRing,
    *,
    last_end_s: float,
    t_edge: float,
    sampling_rate_hz: float,
    settings: SetEndSettings,
) -> bool:
    """Whether the bar has rested at the sensor's floor for ``rack_rest_s`` since ``last_end_s``.

    The floor is measured over every sample the ``ring`` keeps up to ``t_edge``, as
    ``repscope analyze`` measures it over the whole recording.
    """
    if t_edge - last_end_s < settings.rack_rest_s or len(ring) < 2:
        return False
    t, values = ring.since(ring.oldest_time_s, t_edge)
    spans = find_racks(t, values[:, :3], sampling_rate_hz=sampling_rate_hz, settings=settings)
    return racked_between(spans, last_end_s, t_edge, settings)


def set_should_end(
    rows: Sequence[Row],
    *,
    last_end_s: float,
    t_edge: float,
    moving: bool,
    set_gap_s: float,
    settings: LiveSettings,
    racked: bool = False,
) -> bool:
    """Whether the set whose last rep ended at ``last_end_s`` is over at ``t_edge``.

    ``racked``: the bar rests at the floor since the last rep (:func:`racked_since`); the
    set is then over. Else after ``set_gap_s``: ``rows`` are the reps of the window ending
    at ``t_edge``, and a rep under way that started within the gap still belongs to the set.
    """
    if racked and not moving:
        return True
    if t_edge - last_end_s <= set_gap_s or moving:
        return False
    for r in rows:
        start = float(r["start_s"])
        if last_end_s + settings.rep_gap_slack_s < start <= last_end_s + set_gap_s and float(
            r["end_s"]
        ) > (t_edge - settings.settle_s):
            return False
    return True


def pick_set(
    reps: pd.DataFrame, sets: pd.DataFrame, live_span: Row, *, set_number: int
) -> tuple[list[Row], Row]:
    """Return the rep rows and the set row of the batch set covering most of ``live_span``.

    ``reps`` and ``sets`` are the tables of the set's summary analysis (``reps`` not
    empty); ``live_span`` has the live set's ``start_s`` and ``end_s``. The rows are
    renumbered to the live ``set_number``.
    """
    rows = [{str(k): v for k, v in r.items()} for r in reps.to_dict("records")]
    covered: dict[int, float] = {}
    for r in rows:
        covered[int(r["set"])] = covered.get(int(r["set"]), 0.0) + max(overlap_s(r, live_span), 0.0)
    chosen = max(covered, key=lambda k: covered[k])
    picked = [{**r, "set": set_number} for r in rows if int(r["set"]) == chosen]
    summary = {str(k): v for k, v in sets[sets["set"] == chosen].iloc[0].to_dict().items()}
    summary["set"] = set_number
    return picked, summary
