"""Raw BLE capture: every notification kept as one JSON line, and decoded again later.

``repscope record --raw-out RAW.jsonl`` writes a first line ``{"kind": "session",
"format": "repscope-ble-raw", "format_version": 1, "start_time_utc": ..., "devices":
{label: {"driver", "address", "sampling_rate_hz", ...}}}``, then one line per
notification: ``t`` host time in seconds since the session anchor, ``device`` label,
``conn`` connection number, ``char`` UUID and ``hex`` payload. Lines are appended
crash-safe (:mod:`repscope.ble.crash_safe`), so a killed recorder leaves at most a
truncated last line, which :func:`replay_raw_capture` ignores.

Replaying runs the same decoders and :class:`~repscope.ble.clock.SampleClock` as the live
path, so a capture reproduces what the recorder wrote, and a decoder fix can be tried on
old sessions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from repscope.ble.clock import SampleClock, TimedSamples
from repscope.ble.crash_safe import DEFAULT_FLUSH_INTERVAL_S, CrashSafeAppender
from repscope.ble.devices import DRIVERS, get_driver
from repscope.ble.transport import ClockAnchor, Notification
from repscope.errors import InputError
from repscope.recording import Recording, RecordingMeta


class RawCapture:
    """Crash-safe JSON-lines capture of every notification (see the module docs)."""

    def __init__(
        self,
        path: Path,
        *,
        anchor: ClockAnchor,
        devices: Mapping[str, Mapping[str, Any]],
        overwrite: bool,
        interval_s: float = DEFAULT_FLUSH_INTERVAL_S,
    ) -> None:
        self.anchor = anchor
        session = {
            "kind": "session",
            "format": "repscope-ble-raw",
            "format_version": 1,
            "start_time_utc": anchor.utc.isoformat(),
            "devices": devices,
        }
        self._out = CrashSafeAppender(
            path, header=json.dumps(session) + "\n", interval_s=interval_s, overwrite=overwrite
        )

    def add(self, note: Notification) -> None:
        """Queue one notification."""
        record = {
            "t": round(note.host_time_s - self.anchor.monotonic_s, 6),
            "device": note.device,
            "conn": note.connection,
            "char": note.char_uuid,
            "hex": note.payload.hex(),
        }
        self._out.append(json.dumps(record) + "\n")

    def flush(self) -> None:
        """Write queued lines."""
        self._out.flush()

    def close(self) -> None:
        """Flush and close."""
        self._out.close()


def _session_line(path: Path, line: str) -> dict[str, Any]:
    """Check the first line: the session, each device with a known driver and a rate."""
    try:
        session = json.loads(line)
        if not isinstance(session, dict) or session.get("kind") != "session":
            raise ValueError
        drivers = [str(info["driver"]) for info in session["devices"].values()]
        for info in session["devices"].values():
            float(info["sampling_rate_hz"])
    except (ValueError, KeyError, TypeError, AttributeError):
        raise InputError(
            "not a repscope raw BLE capture (its first line must be the session line "
            "written by `repscope record --raw-out`)",
            path=path,
            where="line 1",
        ) from None
    for driver in drivers:
        if driver.lower() not in DRIVERS:
            raise InputError(
                f"unknown device family {driver!r}",
                path=path,
                where="line 1",
                hint=f"Choose one of {', '.join(sorted(DRIVERS))}.",
            )
    return session


def replay_raw_capture(path: str | Path) -> dict[str, Recording]:
    """Decode a raw capture again: one :class:`Recording` per device label.

    A truncated last line (a killed recorder) is ignored.

    Raises
    ------
    repscope.errors.InputError
        When the file is not a raw capture or names an unknown driver.
    """
    p = Path(path)
    decoders = {}
    clocks = {}
    chunks: dict[str, list[TimedSamples]] = {}
    connections: dict[str, int] = {}
    with p.open(encoding="utf-8") as lines:
        session = _session_line(p, next(lines, ""))
        for label, info in session["devices"].items():
            clocks[label] = SampleClock(sampling_rate_hz=info["sampling_rate_hz"])
            chunks[label] = []
            connections[label] = 0
        for number, line in enumerate(lines, start=2):
            try:
                record = json.loads(line)
            except ValueError:
                if not line.endswith("\n"):  # the last line, cut short by a crash
                    break
                raise InputError("malformed JSON line", path=p, where=f"line {number}") from None
            try:
                label = str(record["device"])
                conn = int(record["conn"])
                host_time_s = float(record["t"])
                char_uuid = str(record["char"])
                payload = bytes.fromhex(record["hex"])
            except (KeyError, TypeError, ValueError):
                raise InputError(
                    "a notification needs t, device, conn, char and hex (a hex string)",
                    path=p,
                    where=f"line {number}",
                ) from None
            if label not in clocks:
                raise InputError(
                    f"device {label!r} is not in the session line's devices",
                    path=p,
                    where=f"line {number}",
                )
            if connections[label] != conn:
                connections[label] = conn
                driver = get_driver(session["devices"][label]["driver"])
                decoders[label] = driver.new_stream_decoder()
            for batch in decoders[label].feed(char_uuid, payload):
                timed = clocks[label].place(batch, host_time_s=host_time_s, connection=conn)
                if timed.n_samples:
                    chunks[label].append(timed)
    out = {}
    for label, parts in chunks.items():
        info = session["devices"][label]
        if not parts:
            continue
        gyro = all(part.gyr_dps is not None for part in parts)
        out[label] = Recording.from_arrays(
            time_s=np.concatenate([part.time_s for part in parts]),
            acc_g=np.concatenate([part.acc_g for part in parts]),
            gyr_dps=np.concatenate([part.gyr_dps for part in parts]) if gyro else None,
            meta=RecordingMeta(
                sampling_rate_hz=info["sampling_rate_hz"],
                device=info.get("device", info["driver"]),
                source=f"raw capture {p.name}",
                start_time_utc=session.get("start_time_utc"),
            ),
        )
    return out
