"""What an emulated device did: its counters, each packet's fate and the samples it made.

Tests compare what the client decoded with :class:`StreamLog` (what was generated and
which packets were sent) and :class:`DeviceStats` (how many of each happened), so a lost
sample is always accounted for: dropped or corrupted by a fault, lost with the link,
overflowed from the radio's queue, or still waiting when the stream stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class DeviceStats:
    """Counters of what the device did (all since power-on)."""

    connections: int = 0
    link_losses: int = 0
    samples_generated: int = 0
    packets_generated: int = 0
    packets_sent: int = 0
    #: samples inside the packets sent (the rest of ``samples_generated`` was dropped,
    #: lost, overflowed, or still waiting for a packet or a connection event at the end)
    samples_sent: int = 0
    #: of ``samples_sent``: those sent after the client's stop command (queued before it);
    #: a client that disconnects right after stopping does not wait for them
    samples_sent_after_stop: int = 0
    packets_dropped: int = 0
    packets_malformed: int = 0
    packets_lost_to_link: int = 0
    packets_overflowed: int = 0
    oversize_packets: int = 0
    #: stalls played (:meth:`EmulatedDevice.trigger_stall`)
    stalls: int = 0


@dataclass
class PacketRecord:
    """One data notification the device produced (see :attr:`EmulatedDevice.log`)."""

    first_sample: int
    n_samples: int
    #: "queued", "sent", "dropped", "malformed", "lost" (no link), "overflow" (TX queue
    #: full: the radio cannot carry the data rate), "oversize" (longer than MTU - 3)
    fate: str
    #: False for the second and later packets of one run of samples (Polar sends a GYRO
    #: frame beside each ACC frame): :attr:`DeviceStats.samples_sent` counts a run once
    counts_samples: bool = True


@dataclass
class StreamLog:
    """Everything generated during streaming: samples and what became of each packet.

    Sample arrays grow by chunks; :meth:`arrays` concatenates them.
    """

    acc_g: list[np.ndarray] = field(default_factory=list)
    gyr_dps: list[np.ndarray] = field(default_factory=list)
    device_time_s: list[np.ndarray] = field(default_factory=list)
    true_host_time_s: list[np.ndarray] = field(default_factory=list)
    packets: list[PacketRecord] = field(default_factory=list)

    def arrays(self) -> dict[str, np.ndarray]:
        """Return ``acc_g``, ``gyr_dps``, ``device_time_s``, ``true_host_time_s``, ``delivered``."""
        out: dict[str, np.ndarray] = {}
        for name in ("acc_g", "gyr_dps", "device_time_s", "true_host_time_s"):
            chunks = getattr(self, name)
            if chunks:
                out[name] = np.concatenate(chunks)
            else:
                out[name] = np.zeros((0, 3) if name in ("acc_g", "gyr_dps") else (0,))
        delivered = np.zeros(out["device_time_s"].shape[0], dtype=bool)
        for record in self.packets:
            if record.fate == "sent":
                delivered[record.first_sample : record.first_sample + record.n_samples] = True
        out["delivered"] = delivered
        return out
