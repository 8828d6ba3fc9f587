"""The result tables of an analysis, their documented columns and their validators.

Rep table (one row per rep)
---------------------------
=====================================  =======  ==================================================
column                                 unit     meaning
=====================================  =======  ==================================================
``set``, ``rep``                       -        set and rep numbers, both from 1
``start_s``, ``end_s``                 s        start of the first / end of the last movement
                                                phase, on the input's ``time_s`` time base
``eccentric_s``                        s        duration of the lowering phase
``bottom_pause_s``                     s        pause between eccentric and concentric at the
                                                bottom (NaN for a concentric-first set's last rep)
``concentric_s``                       s        duration of the lifting phase
``top_pause_s``                        s        pause at the top before the next rep (NaN for
                                                an eccentric-first set's last rep)
``rom_m``                              m        vertical travel of the concentric
``mean_concentric_velocity_mps``       m/s      ``rom_m / concentric_s``
``peak_concentric_velocity_mps``       m/s      highest upward velocity in the concentric
``mean_propulsive_velocity_mps``       m/s      mean velocity over the propulsive part of the
                                                concentric (acceleration >= -g); equals MCV
                                                when the bar never brakes harder than gravity
                                                (:mod:`repscope.analysis.vbt`)
``load_kg``                            kg       the set's load, NaN when unknown
``mean_concentric_power_w``            W        mean of ``load (a + g) v`` over the concentric
                                                (NaN without a load)
``peak_concentric_power_w``            W        its highest sample
``time_under_tension_s``               s        ``end_s - start_s``
``peak_turnaround_acc_mps2``           m/s^2    highest upward acceleration within 0.2 s of the
                                                turnaround into the concentric
``eccentric_arrival_ratio``            -        eccentric speed (in its own direction) at 90% of
                                                its duration over its peak speed: a braked
                                                descent reads up to about 0.3, a bounce 0.5-0.9
                                                (curl: from the forearm's arc speed)
``ldlj``                               -        log dimensionless jerk of the concentric
``sparc``                              -        spectral arc length of the concentric speed
``velocity_loss``                      -        ``1 - MCV / best MCV of the set`` (0..1)
``horizontal_excursion_m``             m        largest horizontal distance from the rep's start
``rotation_deg``                       deg      largest rotation from the rep's starting attitude
``flags``                              -        ``;``-separated names from
                                                :data:`repscope.analysis.profiles.FLAGS`
``flag_reasons``                       -        ``;``-separated reasons, in the order of flags
=====================================  =======  ==================================================

Set table (one row per set)
---------------------------
``set``, ``start_s``, ``end_s``, ``n_reps``, ``exercise``, mean phase durations
(``mean_eccentric_s`` ...), their coefficients of variation (``cv_eccentric`` ...),
``tempo_code`` (mean tempo written like ``3.1-0.9-1.2-0.4``), ``tempo_consistency``
(0-100, ``100 * (1 - mean CV of the eccentric and concentric)``, clipped), ``mean_rom_m``,
``cv_rom``, ``best_mcv_mps``, ``last_mcv_mps``, ``velocity_loss`` (last rep against the
best), ``fatigue_slope_mps_per_rep`` (least-squares slope of MCV over rep number),
``load_kg`` (NaN when unknown), ``best_mpv_mps`` (highest mean propulsive velocity of a
full-range rep), ``estimated_rir`` with ``estimated_rir_low`` and ``estimated_rir_high``
(reps in reserve after the last rep, an estimate from the set's velocity loss with its
interval; NaN when the data cannot support one) and ``estimated_rir_note`` (what the
estimate rests on, or why there is none; :mod:`repscope.analysis.vbt`),
``n_flagged_reps``, one ``n_<flag>`` count per flag, ``verdict`` and ``verdict_reasons``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from repscope.analysis.flags import VERDICTS
from repscope.analysis.profiles import FLAGS
from repscope.errors import InputError

if TYPE_CHECKING:
    from repscope.analysis.results import RepResult, SetResult

REP_COLUMNS: tuple[str, ...] = (
    "set",
    "rep",
    "start_s",
    "end_s",
    "eccentric_s",
    "bottom_pause_s",
    "concentric_s",
    "top_pause_s",
    "rom_m",
    "mean_concentric_velocity_mps",
    "peak_concentric_velocity_mps",
    "mean_propulsive_velocity_mps",
    "load_kg",
    "mean_concentric_power_w",
    "peak_concentric_power_w",
    "time_under_tension_s",
    "peak_turnaround_acc_mps2",
    "eccentric_arrival_ratio",
    "ldlj",
    "sparc",
    "velocity_loss",
    "horizontal_excursion_m",
    "rotation_deg",
    "flags",
    "flag_reasons",
    "confidence",
    "confidence_reasons",
)

PHASE_COLUMNS: tuple[str, str, str, str] = (
    "eccentric_s",
    "bottom_pause_s",
    "concentric_s",
    "top_pause_s",
)

SET_COLUMNS: tuple[str, ...] = (
    "set",
    "start_s",
    "end_s",
    "n_reps",
    "exercise",
    "mean_eccentric_s",
    "mean_bottom_pause_s",
    "mean_concentric_s",
    "mean_top_pause_s",
    "cv_eccentric",
    "cv_bottom_pause",
    "cv_concentric",
    "cv_top_pause",
    "tempo_code",
    "tempo_consistency",
    "mean_rom_m",
    "cv_rom",
    "best_mcv_mps",
    "last_mcv_mps",
    "velocity_loss",
    "fatigue_slope_mps_per_rep",
    "load_kg",
    "best_mpv_mps",
    "estimated_rir",
    "estimated_rir_low",
    "estimated_rir_high",
    "estimated_rir_note",
    "n_flagged_reps",
    *(f"n_{flag}" for flag in FLAGS),
    "verdict",
    "verdict_reasons",
    "confidence",
    "confidence_reasons",
)


@functools.lru_cache(maxsize=1)
def _empty_reps_template() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=float) for c in REP_COLUMNS})
    return frame.astype(
        {
            "set": "int64",
            "rep": "int64",
            "flags": object,
            "flag_reasons": object,
            "confidence": object,
            "confidence_reasons": object,
        }
    )


def empty_reps() -> pd.DataFrame:
    """Return an empty rep table with the documented columns and dtypes.

    Built once and copied: building it costs more than a live window's other tables.
    """
    return _empty_reps_template().copy()


def validate_reps(reps: pd.DataFrame) -> None:
    """Check a rep table: columns, numbering from 1, times ordered, flags known."""
    missing = [c for c in REP_COLUMNS if c not in reps.columns]
    if missing:
        raise InputError(f"rep table lacks column {missing[0]!r}")
    if reps.empty:
        return
    if (reps["set"] < 1).any() or (reps["rep"] < 1).any():
        raise InputError("set and rep numbers start at 1")
    if (reps["end_s"] < reps["start_s"]).any():
        raise InputError("a rep ends before it starts")
    for names in reps["flags"]:
        for name in filter(None, str(names).split(";")):
            if name not in FLAGS:
                raise InputError(f"unknown flag {name!r} in rep table")


def validate_sets(sets: pd.DataFrame) -> None:
    """Check a set table: columns, numbering and verdicts."""
    missing = [c for c in SET_COLUMNS if c not in sets.columns]
    if missing:
        raise InputError(f"set table lacks column {missing[0]!r}")
    if sets.empty:
        return
    if list(sets["set"]) != list(range(1, len(sets) + 1)):
        raise InputError("sets must be numbered 1, 2, ... in order")
    unknown = set(sets["verdict"]) - set(VERDICTS)
    if unknown:
        raise InputError(f"unknown verdict {sorted(unknown)[0]!r}")


def rep_row(result: RepResult) -> dict[str, Any]:
    """One rep's row of the rep table (the output boundary: lists become ``;``-joined)."""
    m = result.metrics
    return {
        "set": m.set_number,
        "rep": m.rep_number,
        "start_s": m.start_s,
        "end_s": m.end_s,
        "eccentric_s": m.eccentric_s,
        "bottom_pause_s": m.bottom_pause_s,
        "concentric_s": m.concentric_s,
        "top_pause_s": m.top_pause_s,
        "rom_m": m.rom_m,
        "mean_concentric_velocity_mps": m.mean_concentric_velocity_mps,
        "peak_concentric_velocity_mps": m.peak_concentric_velocity_mps,
        "time_under_tension_s": m.time_under_tension_s,
        "peak_turnaround_acc_mps2": m.peak_turnaround_acc_mps2,
        "eccentric_arrival_ratio": m.eccentric_arrival_ratio,
        "ldlj": m.ldlj,
        "sparc": m.sparc,
        "velocity_loss": result.velocity_loss,
        "horizontal_excursion_m": m.horizontal_excursion_m,
        "rotation_deg": m.rotation_deg,
        "flags": ";".join(result.flags),
        "flag_reasons": ";".join(result.flag_reasons),
        "confidence": m.confidence,
        "confidence_reasons": ";".join(m.confidence_reasons),
    }


def set_row(result: SetResult) -> dict[str, Any]:
    """One set's row of the set table."""
    s = result.summary
    row: dict[str, Any] = {
        "set": s.set_number,
        "start_s": s.start_s,
        "end_s": s.end_s,
        "n_reps": s.n_reps,
        "exercise": s.exercise,
    }
    for col, mean in zip(PHASE_COLUMNS, s.mean_phase_s, strict=True):
        row[f"mean_{col}"] = mean
    for col, cv in zip(PHASE_COLUMNS, s.cv_phase, strict=True):
        row[f"cv_{col.removesuffix('_s')}"] = cv
    row.update(
        tempo_code=s.tempo_code,
        tempo_consistency=s.tempo_consistency,
        mean_rom_m=s.mean_rom_m,
        cv_rom=s.cv_rom,
        best_mcv_mps=s.best_mcv_mps,
        last_mcv_mps=s.last_mcv_mps,
        velocity_loss=s.velocity_loss,
        fatigue_slope_mps_per_rep=s.fatigue_slope_mps_per_rep,
        n_flagged_reps=s.n_flagged_reps,
    )
    for flag, count in s.flag_counts:
        row[f"n_{flag}"] = count
    row.update(
        verdict=s.verdict,
        verdict_reasons=";".join(s.verdict_reasons),
        confidence=s.confidence,
        confidence_reasons=";".join(s.confidence_reasons),
    )
    return row


@functools.cache
def _inferred_text_dtype() -> Any:
    """Return the dtype pandas gives a column of Python strings (pandas 3, pyarrow: ``str``)."""
    return pd.DataFrame({"text": np.array(["a"], dtype=object)})["text"].dtype


def coded_text(codes: np.ndarray, names: Sequence[str]) -> Any:
    """Return a text column of ``names[codes]``, stored as pandas stores those strings.

    With pandas' Arrow-backed ``str`` dtype (pandas 3 with pyarrow), converting an hour's
    360,000 Python strings into Arrow takes longer than the column is worth (a third of
    building the traces); the column is made by an Arrow dictionary of the few ``names``
    instead, cast to the same string type: the same dtype and values. With any other
    text dtype (pandas 2: object columns) it is the object array ``names[codes]``.
    """
    dtype = _inferred_text_dtype()
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return np.array(list(names), dtype=object)[codes]
    import pyarrow as pa

    arrow = pa.DictionaryArray.from_arrays(
        pa.array(codes), pa.array(list(names), type=pa.large_string())
    ).cast(pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(arrow), dtype=dtype)


def rep_table(results: Sequence[SetResult]) -> pd.DataFrame:
    """Build the rep table of ``results`` (columns :data:`REP_COLUMNS`)."""
    rows = [rep_row(rep) for result in results for rep in result.reps]
    if not rows:
        return empty_reps()
    return pd.DataFrame(rows, columns=list(REP_COLUMNS)).astype({"set": "int64", "rep": "int64"})


def set_table(results: Sequence[SetResult]) -> pd.DataFrame:
    """Build the set table of ``results`` (columns :data:`SET_COLUMNS`)."""
    return pd.DataFrame([set_row(r) for r in results], columns=list(SET_COLUMNS))
