"""Stage 5's typed results: each rep with its flags, each set with its summary.

The stages in order (:func:`repscope.analysis.pipeline.analyze_recording` runs them):

1. :mod:`.stretches` - the uniform grid and its gap-free stretches;
2. :mod:`.find_reps` - the reps of each stretch (strokes or rhythm), with confidence;
3. :mod:`.rep_kinematics` - what each rep's own samples measure;
4. :mod:`.metrics` - phases, velocity and turnaround measures per rep, the set summary;
5. :mod:`.flags` - flags per rep and the set verdict, gathered here.

Tables (:mod:`.tables`) are made from these results only at the output boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

from repscope.analysis.metrics import RepMetrics, SetSummary


@dataclass(frozen=True)
class RepResult:
    """One rep: its metrics, flags with one reason each, and its velocity loss.

    ``full_range``: complete and not a partial rep, so it counts for velocity loss.
    """

    metrics: RepMetrics
    flags: tuple[str, ...]
    flag_reasons: tuple[str, ...]
    velocity_loss: float
    full_range: bool

    def __post_init__(self) -> None:
        # the output boundary joins reasons with ";" (tables.py): one inside a reason
        # would split it into two, so it becomes a comma here
        clean = tuple(r.replace(";", ",") for r in self.flag_reasons)
        object.__setattr__(self, "flag_reasons", clean)


@dataclass(frozen=True)
class SetResult:
    """One set: its summary and its reps in order."""

    summary: SetSummary
    reps: tuple[RepResult, ...]
