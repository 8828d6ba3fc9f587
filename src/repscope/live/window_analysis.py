"""One live window through the batch pipeline (step 2 of the engine).

A live window is analysed by the batch pipeline with the same placement, exercise, tempo and
:class:`~repscope.analysis.AnalysisConfig`, except ``stillness.long_rest_s`` (how long
a still interval must be to be trusted without being checked against a rest on *both*
sides), lowered to ``live_trusted_rest_s`` (0.5 s). A live window has no rest after its
end, so the pipeline can check a pause near the end only against the far rest before
the set, and with the batch value of 1.5 s it rejects every tempo pause there and
merges it into the eccentric (measured: a 3-1-1-0 bench rep then reads 4-0-1-0).
Two facts of the call are passed to the analysis as arguments:
``known_noise_floor_mps2``, the lowest noise floor any window has measured so far
(a window in the middle of a touch-and-go set has no rest, its quietest second is
slow motion, and with that floor -- measured: 0.22 against the session's 0.13 m/s^2 in
a 3-0-1-0 squat set -- the middle of a slow eccentric passes for a rest); and
``ends_at_rest``, for a window that runs at a moment of zero velocity (a burst after a
turnaround or stop, a look-back or look-aside window): the still intervals nearest its
ends are then bridged to its first and last samples like any other, instead of being
kept unchecked for want of a neighbour (measured: a 0.7 s stretch of a 3 s squat
eccentric, kept, made the window lose the set's earlier reps; its rep was reported
1.6 s late). Periodic windows and the one at a movement's start do not say so: they
may end in motion (the detector marks a start only once the bar has gathered speed).

A set summary (``live=False``) is the batch analysis with the batch configuration and no
facts of the call, as ``repscope analyze`` runs it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np

from repscope.analysis import AnalysisConfig, SessionAnalysis, analyze_recording
from repscope.errors import InputError
from repscope.live.scheduling import UpdateStats
from repscope.live.settings import LiveSettings
from repscope.recording import Recording, RecordingMeta
from repscope.tempo import Tempo


class WindowAnalysis:
    """Run the batch analysis on windows of the live stream; keep the lowest noise floor.

    Parameters
    ----------
    sampling_rate_hz, placement, exercise, tempo, config, device
        As for :class:`~repscope.live.engine.LiveAnalyzer`.
    settings
        The engine's settings (``live_trusted_rest_s``).
    timer
        Clock for the compute time of each window.
    stats
        Where the cost of each analysis is recorded.
    """

    def __init__(
        self,
        *,
        sampling_rate_hz: float,
        placement: str,
        exercise: str,
        tempo: Tempo | None,
        config: AnalysisConfig,
        settings: LiveSettings,
        device: str,
        timer: Callable[[], float],
        stats: UpdateStats,
    ) -> None:
        self.config = config
        stillness = dataclasses.replace(
            config.stillness,
            long_rest_s=min(config.stillness.long_rest_s, settings.live_trusted_rest_s),
        )
        #: The configuration of a live window (a set summary uses ``config``).
        self.live_config = dataclasses.replace(config, stillness=stillness, rhythm_finder=False)
        self.meta = RecordingMeta(
            sampling_rate_hz=sampling_rate_hz,
            device=device,
            placement=placement,
            exercise=exercise,
            source="live",
        )
        self.tempo = tempo
        self.timer = timer
        self.stats = stats
        #: Quietest noise floor any window has measured.
        self.noise_floor_mps2 = math.inf

    def run(
        self, time_s: np.ndarray, values: np.ndarray, *, live: bool, at_zero: bool = False
    ) -> SessionAnalysis | None:
        """Analyse samples (acceleration, then angular rate when there are 6 columns).

        Returns None when the pipeline refuses the window (too little data).
        """
        floor = self.noise_floor_mps2 if live and math.isfinite(self.noise_floor_mps2) else None
        recording = Recording.from_arrays(
            time_s=time_s,
            acc_g=values[:, :3],
            gyr_dps=values[:, 3:] if values.shape[1] == 6 else None,
            meta=self.meta,
        )
        started = self.timer()
        try:
            result = analyze_recording(
                recording,
                placement=self.meta.placement,
                exercise=self.meta.exercise,
                tempo=self.tempo,
                config=self.live_config if live else self.config,
                known_noise_floor_mps2=floor,
                ends_at_rest=live and at_zero,
            )
        except InputError:
            self.stats.n_failed += 1
            return None
        finally:
            self.stats.add(self.timer() - started)
        measured = result.provenance.get("noise_floor_mps2")
        if measured is not None and math.isfinite(measured):
            self.noise_floor_mps2 = min(self.noise_floor_mps2, float(measured))
        return result
