"""Where an emulated sensor's samples come from.

A source hands out consecutive samples in physical units (g, deg/s) on demand; the
emulated device asks for as many as its clock says are due. Sources:

* :class:`RecordingSource` plays a :class:`~repscope.recording.Recording` (e.g. the
  simulator's output), once or looped, resampled onto the device's rate if the rates
  differ (linear interpolation);
* :class:`RestSource` is a sensor lying still: 1 g on +z plus white noise, for ever;
* :func:`simulated_set_source` asks :mod:`repscope.simulate` for a set of an exercise.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from repscope.recording import Recording, check_sampling_rate


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
        Standard deviations of the added noise.
    seed
        Random seed (the stream is reproducible).
    """

    def __init__(
        self, *, acc_noise_g: float = 0.004, gyr_noise_dps: float = 0.1, seed: int = 0
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
    """Return a source playing a set simulated by :func:`repscope.simulate.simulate_set`.

    The simulated IMU keeps its noise, bias and quantisation but drops no packets and has
    no timestamp jitter: losses and timing are the emulated radio's business.

    Raises
    ------
    repscope.errors.InputError
        For an unknown exercise, a bad tempo code or placement (from the simulator).
    """
    from repscope.simulate import SensorSpec, SetSpec, simulate_set

    set_spec = SetSpec(exercise, n_reps=reps, tempo=tempo, load_kg=load_kg)
    sensor = SensorSpec(timestamp_jitter_s=0.0, drop_fraction=0.0)
    result = simulate_set(
        set_spec, sampling_rate_hz=sampling_rate_hz, placement=placement, sensor=sensor, seed=seed
    )
    return RecordingSource(result.recording, loop=loop)
