"""When is the bar at zero velocity? A cheap causal detector of turnarounds and stops.

Why the engine needs it
-----------------------
The batch pipeline takes a recording to end at rest: it forces the velocity to zero on
the last sample and removes drift with a linear ramp back to the last still interval. A
window that ends while the bar moves at ``v`` therefore bends every velocity since that
interval by up to ``v``; in a set without pauses (touch-and-go) that moves stroke
boundaries by tenths of a second or loses reps. Measured on simulated sets: a window
ending within 0.05 s after a turnaround gives the batch values (phases within 0.05 s);
0.1-0.2 s into a fast next stroke the errors reach 0.2-0.4 s. So the engine runs the
pipeline when the bar is momentarily at zero velocity: at a **turnaround** (one stroke
ends, the next goes the other way), when it **stops**, and when it **starts** moving
again. Those moments come from :class:`TurnaroundDetector`, a cheap causal estimate of
the vertical velocity (real-time VQF, :class:`repscope.analysis.orientation.RealtimeVQF`,
integrated from the last turnaround). It only decides when to run the pipeline and which
phase to show; no number a lifter sees comes from it.

Drift and re-anchoring
----------------------
Integrated over a stroke, that velocity drifts (a tilt error of a fraction of a degree is
a few hundredths of m/s^2), and without a pause between reps the drift would carry from
one stroke into the next: measured on simulated touch-and-go curls at 50 Hz, the detector
saw the end of a rep up to 0.5 s late. Two things keep it close. After each reported rep
its velocity is **re-anchored**: integrated again from zero from the rep's end, which the
batch pipeline found at zero velocity (:meth:`TurnaroundDetector.reanchor`). And when a
late detection shows, the engine **looks back** (:mod:`repscope.live.acceptance`).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

import numpy as np

from repscope.analysis.orientation import RealtimeVQF
from repscope.recording import STANDARD_GRAVITY_MPS2, check_sampling_rate


class TurnaroundDetector:
    """Causal detector of the moments the bar is at zero vertical velocity.

    Vertical acceleration, causally: with a gyroscope, the real-time variant of VQF (the
    filter whose offline variant the pipeline uses; Laidig & Seel 2023,
    doi:10.1016/j.inffus.2022.10.014; ``tau_acc_s`` 3 s and rest time 0.5 s as in the
    pipeline) rotates each sample into the earth frame and ``a`` is its vertical
    component minus gravity. Without one, ``a = (|f| - |f|_rest) g`` (valid while the
    sensor turns slowly; horizontal acceleration only enters to second order). Either way
    its bias is removed: the median of the first ``init_s`` (0.5 s) of samples, then an
    exponential running mean with time constant ``bias_tau_s`` (4 s), during a movement
    only over the samples within ``quiet_acc_mps2`` of it (a stroke's pushes and brakes
    would bend the mean).
    This takes out sensor bias and scale error. Integrating ``a`` gives a velocity ``v``
    good for one stroke:

    - a **movement** starts when ``|v|`` exceeds ``start_speed_mps`` (0.1 m/s);
    - it ends at a **turnaround** when ``v`` crosses zero (the next stroke goes the other
      way), or with a **stop** when ``|v|`` stays below ``stop_speed_mps`` (0.05 m/s) or
      ``stop_fraction`` (15%) of the movement's peak speed for ``stop_s`` (0.1 s: a
      minimum-jerk stroke is then in its last tenth), or below ``start_speed_mps`` with
      ``|a|`` under ``quiet_acc_mps2`` (0.3 m/s^2) for ``quiet_s`` (0.2 s: what is left of
      ``v`` is integration error), or after ``max_move_s`` (8 s, longer than any stroke). Each
      sets ``v`` back to zero.

    Between movements ``v`` leaks to zero with time constant ``leak_s`` (0.5 s), so that
    what the running mean has not yet absorbed cannot build up into a false movement.

    The last ``history_s`` (4 s) of bias-free vertical acceleration are kept, so that when
    the caller learns that the bar was at rest at some recent moment (a rep's end found by
    the batch pipeline), :meth:`reanchor` integrates again from zero from there with the
    same rules: the error gathered since the last reset is dropped, unless a mark came
    after that moment (the velocity was restarted then already).

    Only :class:`LiveAnalyzer`'s scheduling and its phase label use this; it measures
    nothing that is reported.
    """

    def __init__(
        self,
        *,
        sampling_rate_hz: float,
        start_speed_mps: float = 0.1,
        stop_speed_mps: float = 0.05,
        stop_fraction: float = 0.15,
        stop_s: float = 0.1,
        leak_s: float = 0.5,
        bias_tau_s: float = 4.0,
        max_move_s: float = 8.0,
        quiet_acc_mps2: float = 0.3,
        quiet_s: float = 0.2,
        init_s: float = 0.5,
        tau_acc_s: float = 3.0,
        rest_min_s: float = 0.5,
        history_s: float = 4.0,
    ) -> None:
        self.dt_s = 1.0 / check_sampling_rate(sampling_rate_hz)
        self.start_speed_mps = start_speed_mps
        self.stop_speed_mps = stop_speed_mps
        self.stop_fraction = stop_fraction
        self.stop_samples = max(1, round(stop_s / self.dt_s))
        self.max_move_samples = max(1, round(max_move_s / self.dt_s))
        self.quiet_acc_mps2 = quiet_acc_mps2
        self.quiet_samples = max(1, round(quiet_s / self.dt_s))
        self.leak = math.exp(-self.dt_s / leak_s)
        self.bias_weight = 1.0 - math.exp(-self.dt_s / bias_tau_s)
        self._orientation = RealtimeVQF(
            sampling_rate_hz=sampling_rate_hz, tau_acc_s=tau_acc_s, rest_min_s=rest_min_s
        )
        self._bias = math.nan
        self._init: list[float] = []
        self.init_samples = max(1, round(init_s / self.dt_s))
        self.velocity_mps = 0.0
        #: Direction of the movement under way: +1 up, -1 down, 0 none.
        self.direction = 0
        #: Direction of the last movement that ended.
        self.last_direction = 0
        self._slow = 0
        self._moving = 0
        self._quiet = 0
        self._peak = 0.0
        self._since_mark = 0
        #: Recent bias-free vertical accelerations, for :meth:`reanchor`.
        self._residuals: deque[float] = deque(maxlen=max(1, round(history_s / self.dt_s)))

    def vertical_acceleration(self, acc_g: np.ndarray, gyr_dps: np.ndarray | None) -> np.ndarray:
        """Vertical acceleration (m/s^2, gravity and running bias not yet removed: see feed)."""
        if gyr_dps is None:
            acc_mps2 = np.ascontiguousarray(acc_g, dtype=float) * STANDARD_GRAVITY_MPS2
            return np.asarray(np.linalg.norm(acc_mps2, axis=1))
        return self._orientation.vertical_specific_force(acc_g, gyr_dps)

    def feed(self, acc_g: np.ndarray, gyr_dps: np.ndarray | None) -> list[tuple[int, str, int]]:
        """Process samples; return ``(index, kind, direction)`` per ``move``, ``turn``, ``stop``.

        ``direction`` is the movement's (+1 up, -1 down): the one starting for ``move``,
        the one ending for ``turn`` and ``stop``.
        """
        if len(acc_g) == 0:
            return []
        marks, _ = self.integrate(self.vertical_acceleration(acc_g, gyr_dps))
        return marks

    def integrate(
        self, vertical: np.ndarray | Sequence[float], *, stop_at_mark: bool = False
    ) -> tuple[list[tuple[int, str, int]], int]:
        """Advance by samples of :meth:`vertical_acceleration`; return the marks and samples used.

        With ``stop_at_mark`` it stops after the first sample that makes a mark, so that
        the caller can act on it (and :meth:`reanchor`) before the next sample.
        """
        values = np.asarray(vertical, dtype=float).tolist()
        start = 0
        if math.isnan(self._bias):
            # the first init_s of samples set the bias and are not analysed further
            needed = self.init_samples - len(self._init)
            self._init.extend(values[:needed])
            if len(self._init) < self.init_samples:
                return [], len(values)
            self._bias = float(np.median(self._init))
            start = needed
        out: list[tuple[int, str, int]] = []
        w, quiet_acc = self.bias_weight, self.quiet_acc_mps2
        for i in range(start, len(values)):
            a = values[i]
            if self.direction == 0 or abs(a - self._bias) < quiet_acc:
                self._bias += w * (a - self._bias)  # a stroke's pushes would bend the mean
            residual = a - self._bias
            self._residuals.append(residual)
            self._since_mark += 1
            mark = self._step(residual)
            if mark is not None:
                self._since_mark = 0
                out.append((i, *mark))
                if stop_at_mark:
                    return out, i + 1
        return out, len(values)

    def _step(self, a: float) -> tuple[str, int] | None:
        """One sample of bias-free vertical acceleration ``a``; the mark it makes, if any."""
        d = self.direction
        if d == 0:
            self.velocity_mps = v = self.velocity_mps * self.leak + a * self.dt_s
            if abs(v) <= self.start_speed_mps:
                return None
            self.direction = 1 if v > 0 else -1
            self._slow = self._moving = self._quiet = 0
            self._peak = abs(v)
            return "move", self.direction
        self.velocity_mps = v = self.velocity_mps + a * self.dt_s
        self._moving += 1
        self._peak = max(self._peak, abs(v))
        slow_limit = max(self.stop_speed_mps, self.stop_fraction * self._peak)
        self._slow = self._slow + 1 if abs(v) < slow_limit else 0
        quiet = abs(a) < self.quiet_acc_mps2 and abs(v) < self.start_speed_mps
        self._quiet = self._quiet + 1 if quiet else 0
        if d * v <= 0.0:
            kind = "turn"
        elif (
            self._slow >= self.stop_samples
            or self._quiet >= self.quiet_samples
            or self._moving >= self.max_move_samples
        ):
            kind = "stop"
        else:
            return None
        self.last_direction, self.direction, self.velocity_mps = d, 0, 0.0
        self._slow = self._quiet = 0
        return kind, d

    def reanchor(self, n_samples: int) -> list[tuple[str, int]]:
        """Restart the velocity from zero ``n_samples`` samples ago.

        Called when the bar is known to have been at rest then (a rep's end, found by the
        batch pipeline): the last ``n_samples`` are integrated again from zero with the
        same rules, which removes the error the velocity had gathered since its last
        reset. Returns what the state change means for the caller, ``("move", d)`` when
        a movement in direction ``d`` is now under way that was not before, or
        ``("stop", d)`` when the movement in direction ``d`` is no longer; nothing when
        fewer samples are kept (``history_s``).
        """
        if not 0 < n_samples <= min(len(self._residuals), self._since_mark):
            return []  # not kept, or the velocity has been restarted since
        before = self.direction
        recent = list(self._residuals)[-n_samples:]
        self.velocity_mps, self.direction = 0.0, 0
        self._slow = self._moving = self._quiet = 0
        for a in recent:
            self._step(a)
        if self.direction == before:
            return []
        if self.direction == 0:
            self.last_direction = before
            return [("stop", before)]
        return [("move", self.direction)]
