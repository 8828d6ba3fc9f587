"""An emulated sensor's sample clock, and the samples that wait for a full packet.

A real IMU samples on its own crystal, not the host's: its rate is off by some parts per
million (a typical 32.768 kHz watch crystal is within +-20 ppm), so the host sees the
stream drift against its own clock. Sample ``k`` of a stream that started at host time
``t0`` is taken at ``t0 + k / (rate * (1 + ppm * 1e-6))`` and stamped by the device at
``device_t0 + k / rate``, where ``device_t0`` counts from power-on.

Samples are taken from the source as they fall due and held until a packet's worth has
gathered (``samples_per_packet`` of the peripheral), as firmware does; the rest of a
stream is sent short when the source ends or the rate changes.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from repscope.ble.emulator.sources import SampleSource


class SampleRun(NamedTuple):
    """Samples for one packet: the index of the first since power-on, and the samples."""

    first: int
    acc_g: np.ndarray
    gyr_dps: np.ndarray
    device_time_s: np.ndarray
    host_time_s: np.ndarray


class CrystalClock:
    """The sample clock of one device (see the module docs).

    Parameters
    ----------
    clock_ppm
        Frequency error of the device's crystal in parts per million.
    boot_time_s
        Host time (``time.monotonic()``) at which the device powered on.
    """

    def __init__(self, *, clock_ppm: float, boot_time_s: float) -> None:
        self.clock_ppm = float(clock_ppm)
        self.boot_time_s = float(boot_time_s)
        #: nominal rate of the current stream (0 before the first)
        self.rate_hz = 0.0
        self._t0 = 0.0
        self._device_t0 = 0.0
        self._produced = 0
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._next_sample = 0

    @property
    def _true_rate_hz(self) -> float:
        return self.rate_hz * (1.0 + self.clock_ppm * 1e-6)

    def start(self, rate_hz: float, *, now: float) -> None:
        """Start a stream at ``rate_hz`` now; samples still waiting are discarded."""
        self.rate_hz = rate_hz
        self._t0 = now
        self._device_t0 = now - self.boot_time_s
        self._produced = 0
        self._pending.clear()

    def discard_pending(self) -> None:
        """Forget the samples that wait for a packet (the stream stopped)."""
        self._pending.clear()

    def change_rate(self, rate_hz: float, *, now: float) -> None:
        """Continue at a new rate: the next sample follows the last one by the new period.

        Take the waiting samples out first (:meth:`runs` with ``partial=True``).
        """
        if self._produced:
            last = self._produced - 1
            last_host = self._t0 + last / self._true_rate_hz
            last_device = self._device_t0 + last / self.rate_hz
            new_true = rate_hz * (1.0 + self.clock_ppm * 1e-6)
            self._t0 = max(last_host + 1.0 / new_true, now)
            self._device_t0 = last_device + (self._t0 - last_host)
        else:
            self._t0 = now
            self._device_t0 = now - self.boot_time_s
        self._produced = 0
        self.rate_hz = rate_hz

    def take_due(self, source: SampleSource, *, now: float) -> int | None:
        """Take the samples that fell due by ``now``; return how many, ``None`` at its end."""
        rate = self._true_rate_hz
        due = math.floor((now - self._t0) * rate) + 1 - self._produced
        if due <= 0:
            return 0
        taken = source.take(due, sampling_rate_hz=self.rate_hz)
        if taken is None or taken[0].shape[0] == 0:
            return None
        acc, gyr = taken
        n = acc.shape[0]
        k = self._produced + np.arange(n)
        self._produced += n
        self._pending.append((acc, gyr, self._device_t0 + k / self.rate_hz, self._t0 + k / rate))
        return n

    def runs(self, per_packet: int, *, partial: bool) -> list[SampleRun]:
        """Cut the waiting samples into runs of ``per_packet``; ``partial`` sends the rest too."""
        if not self._pending:
            return []
        acc, gyr, dev_t, host_t = (np.concatenate([p[i] for p in self._pending]) for i in range(4))
        n_all = acc.shape[0]
        n_use = n_all if partial else n_all // per_packet * per_packet
        out: list[SampleRun] = []
        for start in range(0, n_use, per_packet):
            sl = slice(start, min(start + per_packet, n_use))
            out.append(SampleRun(self._next_sample, acc[sl], gyr[sl], dev_t[sl], host_t[sl]))
            self._next_sample += sl.stop - start
        rest = slice(n_use, None)
        self._pending = [(acc[rest], gyr[rest], dev_t[rest], host_t[rest])] if n_use < n_all else []
        return out
