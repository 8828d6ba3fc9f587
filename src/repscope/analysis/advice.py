"""The "next set" line: the one thing to change in the next set, from one set's flags.

The terminal (``repscope analyze``), the live display and the reports all print
:func:`next_set`'s line; the flags' own words are :data:`repscope.analysis.flags.FLAG_WORDS`
and their evidence the rule's reason.

Priority
--------
A set gets one piece of advice, the first that applies:

1. No reps: nothing to judge.
2. The set's confidence is ``low``: say we are not sure (with the first reason) instead of
   advising; a wrong cue is worse than none.
3. A fault of the set, one on at least ``ego_momentum_fraction`` (30 %) of its reps and
   on at least ``ego_min_reps`` (2), the share at which the set verdict names it. Among
   them, by kind (:data:`PRIORITY`): momentum faults first (``bounce``, ``partial_rom``,
   ``swing``: the load, not the lifter, moved the bar, which changes what the set
   trained), then control (``grind``, ``rushed_negative``: too heavy, or lowered too
   fast), then ``tempo_off`` (the phase missed on most reps), then ``jerky``;
   within one kind, the flag on the most reps.
4. Fatigue: the set's largest velocity loss reached the stop threshold
   (``--stop-at-loss``, else the exercise's ``large_velocity_loss``, 40 %): end the set
   sooner.
5. A fault of a rep or two: the flag on the most reps; on a tie, the order above.
6. Nothing: "keep it up", with "tempo on target" when a tempo was prescribed.

The advice quotes the evidence from the rep table (medians over the flagged reps) so that
it can be checked against the rep lines.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from repscope.analysis.flags import PHASE_WORDS, full_range_reference, tempo_tolerance_s
from repscope.analysis.profiles import FLAGS, FlagThresholds
from repscope.tempo import Tempo

#: The kinds of fault in their order (module docs), each a tuple of flags tried by count.
PRIORITY: tuple[tuple[str, ...], ...] = (
    ("bounce", "partial_rom", "swing"),
    ("grind", "rushed_negative"),
    ("tempo_off",),
    ("jerky",),
)
_ORDER: tuple[str, ...] = tuple(f for kind in PRIORITY for f in kind)


@dataclass(frozen=True)
class NextSet:
    """The advice for the next set.

    Attributes
    ----------
    focus
        What it is about: a flag name, ``"velocity_loss"``, ``"none"`` (no fault),
        ``"unsure"`` (low confidence) or ``"no_reps"``.
    text
        The advice, e.g. ``"slow the lowering: 1.1 s against 3 s (4 of 6 reps)"``.
    """

    focus: str
    text: str

    @property
    def line(self) -> str:
        """The line to print: ``Next set: <text>``."""
        return f"Next set: {self.text}"


def rep_flags(row: Mapping[Any, Any]) -> list[tuple[str, str]]:
    """Return ``(flag, reason)`` pairs of one rep row (lists or ``;``-joined strings)."""

    def split(value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(v) for v in value if v]
        return [x for x in str(value or "").split(";") if x]

    flags = split(row.get("flags"))
    reasons = split(row.get("flag_reasons"))
    reasons += [""] * (len(flags) - len(reasons))
    return list(zip(flags, reasons[: len(flags)], strict=True))


def rep_list(numbers: Iterable[int]) -> str:
    """``"rep 3"``, ``"reps 2-5"``, ``"reps 1, 4, 6"``."""
    ks = sorted(set(int(k) for k in numbers))
    if len(ks) == 1:
        return f"rep {ks[0]}"
    if ks == list(range(ks[0], ks[-1] + 1)) and len(ks) > 2:
        return f"reps {ks[0]}-{ks[-1]}"
    return "reps " + ", ".join(str(k) for k in ks)


def _of(k: int, n: int) -> str:
    """``"4 of 10 reps"``, ``"1 of 1 rep"``."""
    return f"{k} of {n} rep{'s' if n != 1 else ''}"


def _num(value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def _median(rows: Sequence[Mapping[str, Any]], column: str) -> float:
    values = np.array([_num(r.get(column)) for r in rows], dtype=float)
    values = values[np.isfinite(values)]
    return float(np.median(values)) if values.size else math.nan


def next_set(
    reps: Sequence[Mapping[str, Any]],
    *,
    confidence: str = "high",
    confidence_reasons: Sequence[str] = (),
    tempo: Tempo | None = None,
    thresholds: FlagThresholds | None = None,
    stop_at_loss: float | None = None,
) -> NextSet:
    """Return the one thing to change in the next set (priority in the module docs).

    Parameters
    ----------
    reps
        The set's rep rows (columns of the rep table; ``flags`` and ``flag_reasons`` as
        ``;``-joined strings or lists).
    confidence, confidence_reasons
        The set's confidence and its reasons.
    tempo
        The prescribed tempo, or None.
    thresholds
        The exercise's flag thresholds (defaults: :class:`FlagThresholds`).
    stop_at_loss
        Velocity-loss stop threshold (0.2 for 20 %); None: the thresholds'
        ``large_velocity_loss``.
    """
    t = thresholds or FlagThresholds()
    n = len(reps)
    if n == 0:
        return NextSet("no_reps", "no reps to judge")
    if confidence == "low":
        why = next((r for r in confidence_reasons if r), "the data are too uncertain")
        return NextSet("unsure", f"not sure what to change; the data are uncertain ({why})")
    flagged: dict[str, list[Mapping[str, Any]]] = {f: [] for f in FLAGS}
    for row in reps:
        for flag, _ in rep_flags(row):
            flagged.setdefault(flag, []).append(row)
    stop = stop_at_loss if stop_at_loss is not None else t.large_velocity_loss
    losses = np.array([_num(r.get("velocity_loss")) for r in reps], dtype=float)
    loss = float(np.nanmax(losses)) if np.isfinite(losses).any() else math.nan
    counts = {f: len(rows) for f, rows in flagged.items() if f in _ORDER and rows}
    of_the_set = max(t.ego_min_reps, t.ego_momentum_fraction * n)
    for kind in PRIORITY:
        present = [f for f in kind if counts.get(f, 0) >= of_the_set]
        if present:
            focus = max(present, key=lambda f: (counts[f], -kind.index(f)))
            return NextSet(focus, _advice(focus, flagged[focus], reps, tempo, t))
    if math.isfinite(loss) and loss >= stop:
        return NextSet(
            "velocity_loss",
            f"end the set sooner: bar speed fell {loss:.0%}, past the {stop:.0%} line",
        )
    if counts:
        focus = max(counts, key=lambda f: (counts[f], -_ORDER.index(f)))
        return NextSet(focus, _advice(focus, flagged[focus], reps, tempo, t))
    if tempo is not None:
        return NextSet("none", "keep it up: tempo on target, no fault found")
    return NextSet("none", "keep it up: no fault found")


def _advice(
    flag: str,
    rows: Sequence[Mapping[str, Any]],
    reps: Sequence[Mapping[str, Any]],
    tempo: Tempo | None,
    t: FlagThresholds,
) -> str:
    n, k = len(reps), len(rows)
    which = rep_list(int(_num(r.get("rep"))) for r in rows)
    share = _of(k, n)
    if flag == "rushed_negative":
        target = tempo.as_tuple()[0] if tempo is not None else None
        ecc = _median(rows, "eccentric_s")
        if target:
            return f"slow the lowering: {ecc:.1f} s against {target:g} s ({share})"
        return (
            f"slow the lowering: {ecc:.1f} s, take at least "
            f"{t.rushed_negative_min_eccentric_s:g} s ({share})"
        )
    if flag == "bounce":
        arrival = _median(rows, "eccentric_arrival_ratio")
        speed = f", still at {arrival:.0%} of top speed" if math.isfinite(arrival) else ""
        return f"control the bottom, don't bounce: {share} hit it without a pause{speed}"
    if flag == "partial_rom":
        rom = np.array([_num(r.get("rom_m")) for r in reps], dtype=float)
        full = full_range_reference(rom, fraction=t.partial_rom_fraction)
        moved = _median(rows, "rom_m")
        if math.isfinite(full) and full > 0 and math.isfinite(moved):
            return f"use the full range: {which} moved {moved / full:.0%} of your full {full:.2f} m"
        return f"use the full range: {which} cut short"
    if flag == "swing":
        return f"keep the bar on its line: {which} tipped off it"
    if flag == "grind":
        con, usual = _median(rows, "concentric_s"), _median(reps, "concentric_s")
        return (
            f"take weight off or stop a rep earlier: {which} took {con:.1f} s to lift "
            f"against the set's usual {usual:.1f} s"
        )
    if flag == "tempo_off" and tempo is not None:
        best: tuple[int, float, str] = (0, 0.0, "")
        for column, target in zip(PHASE_WORDS, tempo.as_tuple(), strict=True):
            if target is None:
                continue
            off = [
                r for r in rows
                if abs(_num(r.get(column)) - target) > tempo_tolerance_s(target, t)
            ]  # fmt: skip
            if not off:
                continue
            actual = _median(off, column)
            key = (len(off), abs(actual - target))
            if key > best[:2]:
                text = f"{PHASE_WORDS[column]} {actual:.1f} s against {target:g} s"
                best = (len(off), abs(actual - target), f"{text} ({_of(len(off), n)})")
        if best[2]:
            return f"hold the tempo: {best[2]}"
    if flag == "jerky":
        return f"lift smoothly: {which} jerkier than the rest of the set"
    return f"{flag.replace('_', ' ')}: {share}"


def thresholds_of(provenance: Mapping[str, Any]) -> FlagThresholds:
    """Return the flag thresholds an analysis used (from its provenance), else the defaults."""
    profile = (provenance.get("parameters") or {}).get("profile") or {}
    given = profile.get("thresholds") if isinstance(profile, Mapping) else None
    if not isinstance(given, Mapping):
        return FlagThresholds()
    known = set(FlagThresholds.__dataclass_fields__)
    return FlagThresholds(**{k: v for k, v in given.items() if k in known})


def advise_set(
    reps: Sequence[Mapping[str, Any]],
    set_row: Mapping[str, Any],
    provenance: Mapping[str, Any],
    *,
    tempo: Tempo | None = None,
    stop_at_loss: float | None = None,
) -> NextSet:
    """:func:`next_set` for one set of an analysis: its rows, set-table row and provenance.

    ``tempo`` defaults to the analysis's prescribed tempo (``provenance["tempo"]``).
    """
    from repscope.tempo import parse_tempo

    if tempo is None and provenance.get("tempo"):
        tempo = parse_tempo(str(provenance["tempo"]))
    reasons = set_row.get("confidence_reasons") or ""
    if not isinstance(reasons, list | tuple):
        reasons = [r for r in str(reasons).split(";") if r]
    return next_set(
        reps,
        confidence=str(set_row.get("confidence") or "high"),
        confidence_reasons=[str(r) for r in reasons],
        tempo=tempo,
        thresholds=thresholds_of(provenance),
        stop_at_loss=stop_at_loss,
    )
