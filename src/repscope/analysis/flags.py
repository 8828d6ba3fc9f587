"""Fault flags per rep and the set verdict: each a documented rule, thresholds per exercise.

Every rule reads its thresholds from :class:`repscope.analysis.profiles.FlagThresholds`
(``t`` below) and writes a reason that quotes the numbers, so a lifter sees why.

Per-rep rules
-------------
``rushed_negative``
    The limit: with a prescribed eccentric ``E`` (``--tempo``)
    ``t.rushed_negative_fraction * E``; without one (or ``X``)
    ``t.rushed_negative_min_eccentric_s``. A fast eccentric is not wrong in itself, so the
    rule only fires against a target or the documented minimum. Complete reps only, and
    only where the data resolve it (:func:`~repscope.analysis.resolution.rushed_negative_withheld`):

    1. the eccentric stroke covers the descent: when the eccentric's travel is known,
       ``eccentric_rom_m >= t.partial_rom_fraction`` x the set's full eccentric travel
       (:func:`full_range_reference`). A rushed lowering is the whole descent done fast;
       a short stroke that travelled a fraction of it is a descent split at a hesitation
       (the rest taken for a pause), and its duration is not the lowering's;
    2. the eccentric is below the limit by more than the set's timing scatter:
       ``eccentric_s < limit - t.rushed_negative_noise_margin * s``, ``s`` = 1.4826 x the
       median absolute deviation of the eccentric durations of the set's complete reps
       (at least 3; else ``s`` = 0). A lifter repeats a tempo to about 10% (the
       simulator's 12% jitter); where the measured durations scatter far more, the
       phase boundaries are not resolved (e.g. a curl's lowering/lifting split found in
       a continuous set's acceleration rhythm) and a rep just under the limit is noise.

    A rep that meets the limit but fails 1 or 2 is not flagged, and the reason goes into
    its ``confidence_reasons``. On real-like dev seeds (280000-79, 290000-79,
    200000-39, 1462 matched reps) precision rose from 0.56 to 0.85 at recall 0.93 ->
    0.73 (margin 0 -> 0.5: 0.68 -> 0.85; 1.0: 0.86 at recall 0.40).
``bounce``
    The bottom (chest, floor, stretch reflex), not the lifter, stops the bar: it arrives
    fast and turns without a pause. Both must hold:

    1. no pause: ``bottom pause < t.bounce_max_bottom_pause_s`` (0.12 s). A rebound
       needs the bar to turn at once: its benefit decays as soon as the lifter pauses
       (half-life 0.85 s in the bench press, Wilson, Elliott & Wood 1991,
       doi:10.1249/00005768-199103000-00016);
    2. a fast arrival: the eccentric's *arrival ratio*, its speed at 90% of its duration
       over its peak speed, is at least ``t.bounce_min_arrival_ratio`` (0.40). The speed is
       read in the signal the strokes were found in (vertical velocity; the arc speed for
       the curl) and counted only in the eccentric's direction (see
       :func:`repscope.analysis.rep_kinematics.arrival_ratio`).

    Why 0.40: a lifter who controls the bar brakes it over the last part of the descent,
    so little speed is left at 90% (minimum jerk 0.13; the late-peaking
    ``tau^3.5 (1 - tau)^2``: 0.25; even a harmonic, spring-like turnaround
    ``sin(pi tau)``: 0.31). A bar that is not braked until the bottom stops it is still
    fast at 90%: a speed falling linearly into an abrupt stop, ``tau^a (1 - tau)``, reads
    0.46 for ``a = 1.5``, 0.55 for ``a = 2`` and up to 0.94 (a bounce is "letting the
    barbell collide with the chest", Løken et al. 2021, PubMed 34797886). 0.40 is the
    geometric middle of 0.31 and 0.55. On the simulated development sets (seeds 0-439 and
    500-939, 2010 turnarounds without a pause) the controlled ones read 0.25 or less in
    99%, at most 0.42, and the bounced ones at least 0.49 (the curl's from its arc
    speed); precision and recall stay at or above 98% from 0.32 to 0.48 (+-20%), and the
    pause threshold matters little (0.06-0.20 s give the same flags).

    A prescribed touch-and-go (pause 0) that decelerates into the bottom is not a bounce,
    however explosive the concentric that follows. For concentric-first lifts the
    turnaround before rep k's concentric ends rep k-1's eccentric.
``partial_rom``
    A rep cut short of the set's full range. With ``f = t.partial_rom_fraction``:

    1. Only complete reps are judged and only they make the reference: a rep the recording
       cut (``eccentric_s`` or ``concentric_s`` NaN) may have lost part of its remaining
       stroke to the cut, so its range is unknown.
    2. The reference is the set's full range, :func:`full_range_reference`: the median
       ``rom_m`` of the reps that are not short against the set's 90th percentile ``rom_m``
       (its maximum with fewer than 3 reps), i.e. of the reps with
       ``rom_m >= f * p90``. A typical full rep, so that a few over-measured reps do not
       raise the bar for all the others, as a high percentile alone lets them.
    3. ``rom_m`` (the concentric's travel) ``< f * reference``, and at least half the
       judged reps make the reference (:func:`.resolution.full_range_support`): a "full
       range" that only a minority reaches is as likely a few over-measured reps, and the
       flag is withheld with the reason. Real-like dev seeds (280000-79, 290000-79,
       200000-39): precision 0.67 -> 0.93, recall 0.78 -> 0.69 (matched reps); clean
       seeds 0-239 unchanged.
    4. When the table has the eccentric's travel (column ``eccentric_rom_m``, optional),
       it must be short as well: ``eccentric_rom_m < f * eccentric reference`` (step 2 on
       that column). Every rep starts and ends at the same height, so a rep cut short
       travels less both down and up; a short concentric after a full-range eccentric is
       a concentric split at a sticking point (part of it taken for a pause), not a
       partial rep. Without the column (or with it NaN) step 3 decides alone.
``grind``
    A slow concentric with a sticking region, against the set's median concentric:
    slow (``t.grind_concentric_ratio``), slowish with a speed dip mid-lift, or a lift
    that stalled part-way after a full lowering (:mod:`.grind` derives all three).
``swing``
    Momentum from the body: the bar (or the wrist) leaves its line and comes back (a curl
    or row heaved with a body lean). Complete reps only, gyroscope needed. The rep's
    largest horizontal speed over its concentric is at least ``t.swing_ratio_to_set`` x
    the set's median (over its complete reps, at least 3) and exceeds it by
    ``t.swing_min_speed_mps``; :mod:`.swing` holds the measure, the physics, why rotation
    and the excursion are not used and why the curl's swing is not resolved.
``jerky``
    Complete reps only. The concentric's LDLJ is more than ``t.jerky_ldlj_drop`` below
    the set's median LDLJ (relative, because LDLJ depends on the lift and the sensor).
``tempo_off``
    Against ``--tempo`` only: some phase with a target differs from it by more than
    ``max(t.tempo_tolerance_s, t.tempo_tolerance_fraction * target)``.

Set verdict
-----------
In this order:

1. ``ego_lifting`` when momentum faults (bounce, partial_rom, swing) affect at least
   ``t.ego_min_reps`` reps and a fraction ``t.ego_momentum_fraction`` of the set, and the
   set's confidence is not ``low`` (then ``uncertain``, with the same reasons: a wrong
   verdict is worse than none);
2. ``rushed_negatives`` or ``tempo_off`` when those affect that fraction;
3. ``controlled`` never hides a fault: ``grinding`` (any grind), ``partial_reps`` (any
   partial rep), ``fatigued`` (velocity loss over full-range reps at least
   ``t.large_velocity_loss``, 40 %, the high-fatigue arm of Pareja-Blanco et al. 2017,
   doi:10.1111/sms.12678), ``minor_faults`` (any other flag);
4. ``controlled``: no flag and no large velocity loss. A set without reps is ``no_reps``.

Where a rule cannot be judged (e.g. bounce without a measured arrival speed) it is not
raised, and the rep's ``confidence_reasons`` say why. A rep that travelled further than
any barbell lift, or :data:`~repscope.analysis.profiles.MERGED_TRAVEL_RATIO` times the
set's typical (median) travel
(:func:`~repscope.analysis.resolution.unmeasured_reasons`), was not measured: two reps
merged, or an impulse lost in a radio gap. It gets no flag, does not count in the set's
references, and its confidence is ``low`` with the reason
(:func:`~repscope.analysis.resolution.with_unmeasured`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from repscope.analysis.grind import deficit_sd, grind_reason, travel_balance, travel_share
from repscope.analysis.profiles import FLAGS, FlagThresholds
from repscope.analysis.resolution import (
    PARTIAL_ROM_WITHHELD,
    full_range_reference,
    full_range_support,
    range_unresolved,
    rushed_negative_limit_s,
    rushed_negative_withheld,
    timing_scatter_s,
    unmeasured_reasons,
)
from repscope.analysis.swing import set_reference_speed_mps, swing_reason
from repscope.tempo import Tempo

if TYPE_CHECKING:
    from repscope.analysis.metrics import RepMetrics

#: Flags whose rule compares a rep with the rest of its set: over a set still under way
#: (live) they are recomputed as reps come; the others judge a rep alone.
#: ``rushed_negative`` is one: its limit is judged against the set's timing scatter.
SET_RELATIVE_FLAGS: tuple[str, ...] = ("rushed_negative", "partial_rom", "grind", "swing", "jerky")
#: Flags whose rule judges a rep alone (its window's verdict stands while the set goes on).
PER_REP_FLAGS: tuple[str, ...] = tuple(f for f in FLAGS if f not in SET_RELATIVE_FLAGS)
MOMENTUM_FLAGS: tuple[str, ...] = ("bounce", "partial_rom", "swing")
#: Each flag in plain words, a verb phrase that reads after "rep 3" or "2 of 8 reps": the
#: one wording of a flag for the terminal, the live display and the reports (the rule's
#: reason, the evidence, follows it).
FLAG_WORDS: dict[str, str] = {
    "rushed_negative": "rushed the lowering",
    "bounce": "bounced out of the bottom",
    "partial_rom": "cut the range short",
    "grind": "ground out",
    "swing": "swung off line",
    "jerky": "moved jerkily",
    "tempo_off": "missed the tempo",
}
#: Each set verdict in plain words.
VERDICT_WORDS: dict[str, str] = {
    "controlled": "controlled",
    "ego_lifting": "ego lifting: momentum, not the muscles, moved the bar",
    "rushed_negatives": "rushed lowering",
    "tempo_off": "off tempo: the prescribed tempo was missed",
    "grinding": "grinding: close to failure",
    "partial_reps": "partial reps",
    "fatigued": "fatigued: bar speed fell a lot",
    "minor_faults": "minor faults: mostly controlled",
    "uncertain": "not sure: the data are too uncertain",
    "no_reps": "no reps",
}
#: The tempo phases in plain words, in the rep table's order (E-B-C-T).
PHASE_WORDS: dict[str, str] = {
    "eccentric_s": "lowering",
    "bottom_pause_s": "bottom pause",
    "concentric_s": "lifting",
    "top_pause_s": "top pause",
}
VERDICTS: tuple[str, ...] = (
    "controlled",
    "ego_lifting",
    "rushed_negatives",
    "tempo_off",
    "grinding",
    "partial_reps",
    "fatigued",
    "minor_faults",
    "uncertain",
    "no_reps",
)


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def tempo_tolerance_s(target_s: float, thresholds: FlagThresholds) -> float:
    """Return how far a phase may miss its prescribed ``target_s`` and still be on tempo.

    ``max(t.tempo_tolerance_s, t.tempo_tolerance_fraction * target_s)``: the one home of
    the ``tempo_off`` tolerance (the live display colours phases and the report draws the
    on-tempo band with it).
    """
    t = thresholds
    return max(t.tempo_tolerance_s, t.tempo_tolerance_fraction * target_s)


def velocity_loss(mcv_mps: np.ndarray, *, full_range: np.ndarray) -> np.ndarray:
    """Per rep ``1 - MCV / best MCV`` of the set, over full-range reps only.

    The one home of the rule. A partial rep is fast because it is short: it neither sets
    the best nor gets a loss (NaN). Cues at 10/20/40 % loss follow Pareja-Blanco et al.
    2017 (doi:10.1111/sms.12678).
    """
    mcv = np.asarray(mcv_mps, dtype=float)
    full = np.asarray(full_range, dtype=bool) & np.isfinite(mcv)
    if not full.any():
        return np.full(mcv.shape, math.nan)
    best = float(np.max(mcv[full]))
    if not best > 0:
        return np.full(mcv.shape, math.nan)
    return np.where(full, 1.0 - mcv / best, math.nan)


def full_range_mask(
    reps: Sequence[RepMetrics],
    flags: Sequence[Sequence[str]],
    *,
    thresholds: FlagThresholds | None = None,
    unmeasured: Sequence[str] | None = None,
    withheld: Sequence[Sequence[str]] | None = None,
) -> np.ndarray:
    """Per rep, whether it counts for velocity loss: complete and not ``partial_rom``.

    With ``thresholds`` (or ``unmeasured``, the reasons of
    :func:`~repscope.analysis.resolution.unmeasured_reasons` already computed), a rep that
    was not measured does not count either; with ``withheld`` (:func:`judge_reps`), nor
    does a rep whose range is not resolved
    (:func:`~repscope.analysis.resolution.range_unresolved`).
    """
    if unmeasured is None and thresholds is not None:
        unmeasured = unmeasured_reasons(reps, thresholds=thresholds)
    measured = [not why for why in unmeasured] if unmeasured is not None else [True] * len(reps)
    if withheld is not None:
        measured = [
            ok and not range_unresolved(w) for ok, w in zip(measured, withheld, strict=True)
        ]
    return np.array(
        [
            ok and r.complete and "partial_rom" not in f
            for r, f, ok in zip(reps, flags, measured, strict=True)
        ],
        dtype=bool,
    )


def flag_set(
    reps: Sequence[RepMetrics],
    *,
    thresholds: FlagThresholds,
    tempo: Tempo | None,
    unmeasured: Sequence[str] | None = None,
) -> tuple[list[list[str]], list[list[str]]]:
    """Apply the per-rep rules to one set's reps: :func:`judge_reps` without the withheld."""
    flags, reasons, _ = judge_reps(reps, thresholds=thresholds, tempo=tempo, unmeasured=unmeasured)
    return flags, reasons


def judge_reps(
    reps: Sequence[RepMetrics],
    *,
    thresholds: FlagThresholds,
    tempo: Tempo | None,
    unmeasured: Sequence[str] | None = None,
) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """Apply the per-rep rules to one set's reps.

    Parameters
    ----------
    reps
        One set's reps, in order (:class:`repscope.analysis.metrics.RepMetrics`; the
        turnaround measures and ``eccentric_rom_m`` may be NaN where not measured).
    thresholds
        The exercise's thresholds.
    tempo
        The prescribed tempo, or None.
    unmeasured
        :func:`~repscope.analysis.resolution.unmeasured_reasons` of ``reps`` when the
        caller has them (computed here otherwise).

    Returns
    -------
    flags, reasons, withheld
        Per rep, the flag names (in :data:`FLAGS` order), one reason string per flag, and
        why a flag the rep met was not raised (the data do not resolve it).
    """
    t = thresholds
    why_unmeasured = unmeasured_reasons(reps, thresholds=t) if unmeasured is None else unmeasured
    not_measured = np.array([bool(why) for why in why_unmeasured], dtype=bool)

    def column(name: str) -> np.ndarray:
        # an unmeasured rep is no part of the set's references (module docs)
        values = np.array([getattr(r, name) for r in reps], dtype=float)
        return np.where(not_measured, math.nan, values)

    rom = column("rom_m")
    complete = np.isfinite(column("eccentric_s")) & np.isfinite(column("concentric_s"))
    rom = np.where(complete, rom, math.nan)
    reference_rom = full_range_reference(rom, fraction=t.partial_rom_fraction)
    full_support, known_travels = full_range_support(rom, fraction=t.partial_rom_fraction)
    rom_down = np.where(complete, column("eccentric_rom_m"), math.nan)
    reference_down = full_range_reference(rom_down, fraction=t.partial_rom_fraction)
    balance, balance_median, balance_scatter = travel_balance(rom, rom_down)
    concentric = column("concentric_s")
    known_concentric = concentric[np.isfinite(concentric)]
    median_concentric = float(np.median(known_concentric)) if known_concentric.size else math.nan
    sideways = np.where(complete, column("horizontal_speed_mps"), math.nan)
    reference_sideways = set_reference_speed_mps(sideways.tolist())
    ldlj = column("ldlj")
    median_ldlj = float(np.nanmedian(ldlj)) if np.isfinite(ldlj).any() else math.nan
    targets = tempo.as_tuple() if tempo else (None, None, None, None)
    phase_cols = tuple(PHASE_WORDS)
    phase_names = tuple(PHASE_WORDS.values())

    eccentric_scatter = timing_scatter_s(np.where(complete, column("eccentric_s"), math.nan))
    target_e = targets[0]
    rushed_limit = rushed_negative_limit_s(target_e, t)

    all_flags: list[list[str]] = []
    all_reasons: list[list[str]] = []
    all_withheld: list[list[str]] = []
    for k, rep in enumerate(reps):
        found: dict[str, str] = {}
        withheld: list[str] = []
        all_withheld.append(withheld)
        if not_measured[k]:
            all_flags.append([])
            all_reasons.append([])
            continue
        ecc = rep.eccentric_s
        if complete[k] and ecc < rushed_limit:
            why = rushed_negative_withheld(
                ecc,
                limit_s=rushed_limit,
                scatter_s=eccentric_scatter,
                travel_fraction=travel_share(float(rom_down[k]), reference_down),
                thresholds=t,
            )
            if why:
                withheld.append(why)
            elif target_e is not None and _finite(target_e) and target_e > 0:
                found["rushed_negative"] = f"lowered in {ecc:.1f} s, target {target_e:g} s"
            else:
                found["rushed_negative"] = (
                    f"lowered in {ecc:.1f} s, under the "
                    f"{t.rushed_negative_min_eccentric_s:g} s of a controlled lowering"
                )
        pause = rep.turnaround_bottom_pause_s
        arrival = rep.turnaround_arrival_ratio
        if (
            _finite(pause)
            and _finite(arrival)
            and pause < t.bounce_max_bottom_pause_s
            and arrival >= t.bounce_min_arrival_ratio
        ):
            found["bounce"] = f"no pause, arriving at {arrival:.0%} of the lowering's top speed"
        rom_m, down_m = float(rom[k]), float(rom_down[k])
        down_known = _finite(down_m) and _finite(reference_down)
        short = (
            _finite(rom_m)
            and _finite(reference_rom)
            and rom_m < t.partial_rom_fraction * reference_rom
            and (not down_known or down_m < t.partial_rom_fraction * reference_down)
        )
        if short and 2 * full_support < known_travels:  # full_range_support
            withheld.append(
                f"{PARTIAL_ROM_WITHHELD}: only {full_support} of {known_travels} reps reach "
                f"{t.partial_rom_fraction:.0%} of the set's longest travel, so its full range "
                "is not resolved"
            )
        elif short:
            found["partial_rom"] = (
                f"moved {rom_m:.2f} m, {rom_m / reference_rom:.0%} of the set's full "
                f"{reference_rom:.2f} m"
                + (f", down {down_m / reference_down:.0%}" if down_known else "")
            )
        ground = grind_reason(
            concentric_s=rep.concentric_s,
            median_concentric_s=median_concentric,
            sticking=rep.sticking_ratio,
            travel_up=travel_share(rom_m, reference_rom),
            travel_down=travel_share(down_m, reference_down),
            balance_sd=deficit_sd(float(balance[k]), balance_median, balance_scatter),
            thresholds=t,
        )
        if complete[k] and ground:
            found["grind"] = ground
        swung = swing_reason(
            float(sideways[k]),
            reference_sideways,
            ratio_to_set=t.swing_ratio_to_set,
            min_speed_mps=t.swing_min_speed_mps,
        )
        if swung:
            found["swing"] = swung
        lj = rep.ldlj
        if (
            complete[k]
            and _finite(lj)
            and _finite(median_ldlj)
            and lj < median_ldlj - t.jerky_ldlj_drop
        ):
            found["jerky"] = f"LDLJ smoothness {lj:.1f} against the set's {median_ldlj:.1f}"
        if tempo is not None:
            off = []
            for col, name, target in zip(phase_cols, phase_names, targets, strict=True):
                actual = float(getattr(rep, col))
                if target is None or not _finite(actual):
                    continue
                if abs(actual - target) > tempo_tolerance_s(target, t):
                    off.append(f"{name} {actual:.1f} s vs {target:g} s")
            if off:
                found["tempo_off"] = ", ".join(off)
        names = [f for f in FLAGS if f in found]
        all_flags.append(names)
        all_reasons.append([found[f] for f in names])
    return all_flags, all_reasons, all_withheld


def set_verdict(
    flags_per_rep: Sequence[Sequence[str]],
    *,
    thresholds: FlagThresholds,
    velocity_loss: float = math.nan,
    confidence: str = "high",
) -> tuple[str, list[str]]:
    """Verdict and reasons for a set from its reps' flags (see module docs).

    ``velocity_loss`` is the set's largest loss over full-range reps
    (:func:`velocity_loss`); ``confidence`` the lowest of its reps' confidences.
    """
    n = len(flags_per_rep)
    if n == 0:
        return "no_reps", ["no reps detected"]
    counts: Counter[str] = Counter(f for flags in flags_per_rep for f in flags)
    momentum = sum(1 for flags in flags_per_rep if any(f in MOMENTUM_FLAGS for f in flags))
    t = thresholds
    if momentum >= t.ego_min_reps and momentum / n >= t.ego_momentum_fraction:
        reasons = [f"{counts[f]} of {n} reps {FLAG_WORDS[f]}" for f in MOMENTUM_FLAGS if counts[f]]
        if counts["grind"]:
            reasons.append(f"{counts['grind']} of {n} reps {FLAG_WORDS['grind']}")
        if confidence == "low":
            return "uncertain", [*reasons, "the data are too uncertain to call it ego lifting"]
        return "ego_lifting", reasons
    if counts["rushed_negative"] / n >= t.ego_momentum_fraction:
        return "rushed_negatives", [f"{counts['rushed_negative']} of {n} reps rushed the lowering"]
    if counts["tempo_off"] / n >= t.ego_momentum_fraction:
        return "tempo_off", [f"{counts['tempo_off']} of {n} reps missed the prescribed tempo"]
    reasons = [f"{counts[f]} of {n} reps {FLAG_WORDS[f]}" for f in FLAGS if counts[f]]
    large_loss = _finite(velocity_loss) and velocity_loss >= t.large_velocity_loss
    if large_loss:
        reasons.append(f"bar speed fell {velocity_loss:.0%} over the set")
    # controlled never hides a grind, a partial rep or a large velocity loss
    if counts["grind"]:
        return "grinding", reasons
    if counts["partial_rom"]:
        return "partial_reps", reasons
    if large_loss:
        return "fatigued", reasons
    if reasons:
        return "minor_faults", reasons
    return "controlled", ["no faults found"]
