"""Where an emulated sensor's samples come from.

A source hands out consecutive samples in physical units (g, deg/s) on demand; the
emulated device asks for as many as its clock says are due. Sources:

* :class:`RecordingSource` plays a :class:`~repscope.recording.Recording` (e.g. the
  simulator's output), once or looped, resampled onto the device's rate if the rates
  differ (linear interpolation);
* :class:`RestSource` is a sensor lying still: 1 g on +z plus white noise, for ever;
* :func:`simulated_set_source` asks :mod:`repscope.simulate` for a set of an exercise
  (:func:`emulated_set`: the set with its truth).

A racked bar looks like a real one
----------------------------------
A bar on the hooks is held by steel, so a sensor on it shows its own noise only; a bar in
the hands shakes with the lifter's tremor (:mod:`repscope.analysis.set_end`, whose rack
rule ends a live set within about 2 s of the rack). The emulated sensor's white noise is
therefore a real accelerometer's, :data:`RESTING_ACC_NOISE_G` per axis, not the
simulator's default (0.01 g, ten times more, :class:`repscope.simulate.SensorSpec`): with
that, no rest ever reaches the rule's 0.01 m/s^2 bound and a live set ends only 15 s
after its last rep. The held bar carries the simulator's tremor at the real held level
(``SetSpec.tremor``, :data:`repscope.simulate.HELD_BAR_TREMOR`), so a hand-held pause
still never reads as a rack.

Measured, as the rule measures it (0.5 s standard deviation of ``|f|``, lowest value in a
recording): the 41 Feather bar recordings in ``shared/realdata/feather_bar`` (stale
repeats removed) read 0.0062 / 0.064 / 1.55 m/s^2 (min / median / max); none holds a
racked bar, so their quietest stretch, a bar held still, bounds the floor from above. The
Feather's LSM6DS33 is specified at 90 ug/sqrt(Hz): 0.00064 g per axis over its 50 Hz band
(0.0062 m/s^2 of ``|f|``); the MetaMotion on a resting arm reads 0.0045 m/s^2. The
emulated racked bar, 0.0006 g per axis, reads 0.004-0.005 m/s^2 at 50-100 Hz (16 bits,
+-16 g).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from repscope.recording import Recording, check_sampling_rate

if TYPE_CHECKING:
    from repscope.simulate import SimulationResult

#: White accelerometer noise per axis of a real sensor at rest, g (module docs; the
#: simulator's :data:`repscope.simulate.REAL_FLOOR_ACC_NOISE_G`, checked equal by a test).
RESTING_ACC_NOISE_G = 0.0006
#: White gyroscope noise per axis at rest, deg/s (the LSM6DS33's 7 mdps/sqrt(Hz) over 50 Hz).
RESTING_GYR_NOISE_DPS = 0.05


class SampleSource(Protocol):
    """Consecutive samples at the device's rate."""

    def take(self, n: int, *, sampling_rate_hz: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Return up to ``n`` samples ``(acc_g (m, 3), gyr_dps (m, 3))``; ``None`` when done.

        ``sampling_rate_hz`` is the rate the device streams at (sources with a time base
        play at that rate).
        """
        ...


class ArraySource:
    """Play arrays of samples, once or looped.

    Parameters
    ----------
    acc_g, gyr_dps
        ``(N, 3)`` arrays (``gyr_dps`` may be ``None``: zeros are sent).
    loop
        Start again from the first sample after the last one.
    """

    def __init__(self, acc_g: np.ndarray, gyr_dps: np.ndarray | None, *, loop: bool) -> None:
        self.acc_g = np.asarray(acc_g, dtype=np.float64).reshape(-1, 3)
        if self.acc_g.shape[0] == 0:
            raise ValueError("a sample source needs at least one sample")
        self.gyr_dps = (
            np.zeros_like(self.acc_g)
            if gyr_dps is None
            else np.asarray(gyr_dps, dtype=np.float64).reshape(-1, 3)
        )
        self.loop = loop
        self.position = 0
        self.passes = 0

    def take(self, n: int, *, sampling_rate_hz: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Return the next ``n`` samples (fewer at the end of a finite source).

        The arrays have no time base, so ``sampling_rate_hz`` is ignored.
        """
        total = self.acc_g.shape[0]
        if not self.loop and self.position >= total:
            return None
        if self.loop:
            index = (self.position + np.arange(n)) % total
            self.passes += (self.position + n) // total - self.position // total
        else:
            index = np.arange(self.position, min(self.position + n, total))
        self.position += index.size
        return self.acc_g[index], self.gyr_dps[index]


class RecordingSource(ArraySource):
    """Play a recording at the device's rate (resampled linearly when the rates differ).

    When the device's rate changes (a client configures another one), the rest of the
    recording is resampled onto the new rate from the same point in time.
    """

    def __init__(self, recording: Recording, *, loop: bool) -> None:
        self.recording = recording
        self._rate_hz = float(recording.meta.sampling_rate_hz)
        super().__init__(recording.acc_g, recording.gyr_dps, loop=loop)

    def take(self, n: int, *, sampling_rate_hz: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Return the next ``n`` samples at ``sampling_rate_hz``."""
        rate = check_sampling_rate(sampling_rate_hz)
        if abs(rate - self._rate_hz) > 1e-9 * rate:
            self._resample(rate)
        return super().take(n, sampling_rate_hz=rate)

    def _resample(self, rate: float) -> None:
        time_s = self.recording.time_s - self.recording.time_s[0]
        elapsed = self.position / self._rate_hz
        grid = np.arange(0.0, time_s[-1] + 0.5 / rate, 1.0 / rate)
        acc = self.recording.acc_g
        gyr = self.recording.gyr_dps
        if gyr is None:
            gyr = np.zeros_like(acc)
        self.acc_g = np.column_stack([np.interp(grid, time_s, acc[:, i]) for i in range(3)])
        self.gyr_dps = np.column_stack([np.interp(grid, time_s, gyr[:, i]) for i in range(3)])
        self.position = round(elapsed * rate)
        self._rate_hz = rate


class RestSource:
    """A sensor lying flat and still: (0, 0, 1) g and no rotation, plus white noise.

    Parameters
    ----------
    acc_noise_g, gyr_noise_dps
        Standard deviations of the added noise; default a real sensor's floor (module
        docs), so a sensor at rest reads as racked.
    seed
        Random seed (the stream is reproducible).
    """

    def __init__(
        self,
        *,
        acc_noise_g: float = RESTING_ACC_NOISE_G,
        gyr_noise_dps: float = RESTING_GYR_NOISE_DPS,
        seed: int = 0,
    ) -> None:
        self.acc_noise_g = acc_noise_g
        self.gyr_noise_dps = gyr_noise_dps
        self.rng = np.random.default_rng(seed)

    def take(self, n: int, *, sampling_rate_hz: float) -> tuple[np.ndarray, np.ndarray]:
        """Return ``n`` samples (never runs out)."""
        acc = self.rng.normal(0.0, self.acc_noise_g, size=(n, 3))
        acc[:, 2] += 1.0
        gyr = self.rng.normal(0.0, self.gyr_noise_dps, size=(n, 3))
        return acc, gyr


def emulated_set(
    *,
    exercise: str,
    reps: int,
    tempo: str,
    load_kg: float | None,
    placement: str,
    sampling_rate_hz: float,
    seed: int,
) -> SimulationResult:
    """Return the set an emulated sensor plays, with its truth (:func:`simulated_set_source`).

    A set from :func:`repscope.simulate.simulate_set` with the defaults of the simulator,
    except: the held bar shakes with the hand's tremor
    (:data:`repscope.simulate.HELD_BAR_TREMOR`), and the IMU has a real sensor's noise
    floor (:meth:`repscope.simulate.SensorSpec.real_floor`; module docs), no dropped
    packets and no timestamp jitter (losses and timing are the emulated radio's
    business). Noise, bias and quantisation are kept.

    Raises
    ------
    repscope.errors.InputError
        For an unknown exercise, a bad tempo code or placement (from the simulator).
    """
    from repscope.simulate import HELD_BAR_TREMOR, SensorSpec, SetSpec, simulate_set

    set_spec = SetSpec(exercise, n_reps=reps, tempo=tempo, load_kg=load_kg, tremor=HELD_BAR_TREMOR)
    sensor = SensorSpec.real_floor(timestamp_jitter_s=0.0, drop_fraction=0.0)
    return simulate_set(
        set_spec, sampling_rate_hz=sampling_rate_hz, placement=placement, sensor=sensor, seed=seed
    )


def simulated_set_source(
    *,
    exercise: str,
    reps: int,
    tempo: str,
    load_kg: float | None,
    placement: str,
    sampling_rate_hz: float,
    seed: int,
    loop: bool,
) -> RecordingSource:
    """Return a source playing the set of :func:`emulated_set` (same arguments), maybe looped.

    Raises
    ------
    repscope.errors.InputError
        For an unknown exercise, a bad tempo code or placement (from the simulator).
    """
    result = emulated_set(
        exercise=exercise,
        reps=reps,
        tempo=tempo,
        load_kg=load_kg,
        placement=placement,
        sampling_rate_hz=sampling_rate_hz,
        seed=seed,
    )
    return RecordingSource(result.recording, loop=loop)
