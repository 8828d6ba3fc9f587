"""The sensor's link during a live session: when it is lost, when it is back, what is missing.

:class:`LinkWatch` notices within a second when the sensor stops sending (no samples for
``stall_s``, or the link drops), says when it is back and how much data is missing;
:func:`mark_interruptions` writes the interruptions into the recording's sidecar
(``extra["live"]``) when the session ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Seconds without a sample after which the sensor is taken as lost. Samples arrive at
#: every connection event (7.5-50 ms on real sensors, at most a few hundred ms), so half a
#: second of silence is a lost sensor; with the 0.25 s display tick the loss is on screen
#: within ``STALL_S + 0.25`` s of the last sample.
STALL_S = 0.5


@dataclass
class LinkStatus:
    """The sensor was lost (``kind="lost"``) or is back (``kind="back"``).

    Attributes
    ----------
    kind
        ``"lost"`` or ``"back"``.
    session_s
        Host-clock session time of the change.
    last_sample_s
        Time of the last sample before the loss (the samples' axis).
    missing_s
        ``"back"`` only: the data missing, from the last sample before the loss to the
        first after it (less one sample interval); 0 when nothing was lost.
    reason
        ``"no data"`` (nothing arrived for ``stall_s``) or ``"disconnected"``.
    """

    kind: str
    session_s: float
    last_sample_s: float | None
    missing_s: float = 0.0
    reason: str = ""


class LinkWatch:
    """Notice a sensor that stops sending, and its return (pure: times are passed in).

    Call :meth:`samples` for every batch, :meth:`tick` regularly (it declares the loss
    once no sample came for ``stall_s``) and :meth:`disconnected` when the link drops.
    Each returns the :class:`LinkStatus` changes; :attr:`interruptions` lists every loss
    (``lost_at_s``, ``last_sample_s``, ``back_at_s``, ``missing_s``, ``reason``; the last
    two are None while the sensor is still away).
    """

    def __init__(self, *, stall_s: float = STALL_S, sample_interval_s: float = 0.0) -> None:
        self.stall_s = stall_s
        self.sample_interval_s = sample_interval_s
        self.lost = False
        self.last_arrival_s: float | None = None
        self.last_sample_s: float | None = None
        self.interruptions: list[dict[str, Any]] = []

    def _lose(self, now_s: float, reason: str) -> list[LinkStatus]:
        if self.lost or self.last_arrival_s is None:
            return []
        self.lost = True
        self.interruptions.append(
            {
                "lost_at_s": round(now_s, 3),
                "last_sample_s": None
                if self.last_sample_s is None
                else round(self.last_sample_s, 4),
                "back_at_s": None,
                "missing_s": None,
                "reason": reason,
            }
        )
        return [LinkStatus("lost", now_s, self.last_sample_s, reason=reason)]

    def tick(self, now_s: float) -> list[LinkStatus]:
        """Declare the sensor lost when nothing arrived for ``stall_s``."""
        if self.last_arrival_s is not None and now_s - self.last_arrival_s >= self.stall_s:
            return self._lose(now_s, "no data")
        return []

    def disconnected(self, now_s: float) -> list[LinkStatus]:
        """Declare the sensor lost now: its link dropped."""
        return self._lose(now_s, "disconnected")

    def samples(self, now_s: float, first_s: float, last_s: float) -> list[LinkStatus]:
        """Take a batch that arrived at ``now_s`` with samples ``first_s``..``last_s``."""
        out: list[LinkStatus] = []
        if self.lost:
            self.lost = False
            previous = self.last_sample_s
            missing = 0.0
            if previous is not None:
                missing = round(max(0.0, first_s - previous - self.sample_interval_s), 3)
            entry = self.interruptions[-1]
            entry["back_at_s"] = round(now_s, 3)
            entry["missing_s"] = missing
            out.append(LinkStatus("back", now_s, previous, missing, entry["reason"]))
        self.last_arrival_s = now_s
        self.last_sample_s = (
            last_s if self.last_sample_s is None else max(self.last_sample_s, last_s)
        )
        return out


def mark_interruptions(
    csv_path: str | Path,
    interruptions: list[dict[str, Any]],
    *,
    settings: dict[str, Any] | None = None,
) -> None:
    """Write a live session's interruptions (and the engine's settings) into a sidecar.

    Sets ``extra["live"] = {"interrupted": bool, "interruptions": [...]}`` (each with
    ``lost_at_s``, ``last_sample_s``, ``back_at_s``, ``missing_s``, ``reason``), plus
    ``"settings"`` (:meth:`repscope.live.settings.LiveSettings.to_dict`) when given, and
    replaces the sidecar atomically; other keys are kept. A missing sidecar is left alone.
    """
    import json
    import os

    from repscope.io.project_csv import sidecar_path

    path = sidecar_path(csv_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    extra = data.setdefault("extra", {})
    extra["live"] = {"interrupted": bool(interruptions), "interruptions": interruptions}
    if settings is not None:
        extra["live"]["settings"] = settings
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
