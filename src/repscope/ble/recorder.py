"""Crash-safe recording of live BLE sensors in the project CSV format.

What a recording leaves on disk
-------------------------------
For each sensor, a project CSV (``time_s,acc_x_g,acc_y_g,acc_z_g[,gyr_x_dps,gyr_y_dps,
gyr_z_dps]``) and its JSON sidecar (same stem, ``.json``; the schema of
:mod:`repscope.io.project_csv`), readable with :func:`repscope.io.read_recording`.
With one sensor the CSV is ``--out`` itself; with several, each gets
``<stem>.<label>.csv`` next to it (``session.bar.csv``, ``session.wrist.csv``), where
the label is the one given as ``LABEL=DEVICE`` or else the device's name.

``time_s`` counts seconds from the session anchor (one instant shared by all sensors of a
session, ``start_time_utc`` in every sidecar), so the files of one session share a time
axis. Times come from :class:`repscope.ble.clock.SampleClock`; gaps (lost packets, link
losses) are not filled: the time axis jumps, and the sidecar lists every gap under
``extra["ble"]["gaps"]`` with the counts of malformed and lost packets.

Crash safety
------------
Rows are collected in memory and appended with one ``write`` system call of whole lines
every ``flush_interval_s`` (0.25 s by default), followed by ``fsync``. A process killed
with ``kill -9`` therefore loses at most the last interval plus the samples still in
flight (a connection interval or two), and the file never ends in a partial line. The
sidecar is written before the first row and replaced atomically (write a temporary file,
``fsync``, ``rename``) whenever the counts change, at most every 2 s, and at the end, when
``extra["ble"]["complete"]`` becomes true.

Raw capture
-----------
``--raw-out RAW.jsonl`` keeps every notification as one JSON line (``t`` host time in
seconds since the anchor, ``device`` label, ``conn`` connection number, ``char`` UUID,
``hex`` payload), after a first ``{"kind": "session", ...}`` line naming each label's
driver, address and rate (:mod:`repscope.ble.raw_capture`, which also decodes such a
file again).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from repscope.ble.clock import TimedSamples
from repscope.ble.crash_safe import DEFAULT_FLUSH_INTERVAL_S, CrashSafeAppender, atomic_write_text
from repscope.ble.devices import DRIVERS, DeviceDriver
from repscope.ble.raw_capture import RawCapture
from repscope.ble.session import LiveSession, SessionDevice, StreamStats
from repscope.ble.transport import ClockAnchor, FoundDevice, LinkEvent
from repscope.errors import InputError
from repscope.io.project_csv import meta_to_json_text, sidecar_path
from repscope.recording import ACC_COLUMNS, GYR_COLUMNS, TIME_COLUMN, RecordingMeta

#: Shortest time between two sidecar rewrites while recording.
SIDECAR_INTERVAL_S = 2.0


def format_rows(time_s: np.ndarray, acc_g: np.ndarray, gyr_dps: np.ndarray | None) -> str:
    """CSV lines for samples: time with microsecond resolution, values round-trip exact."""
    columns = [acc_g] if gyr_dps is None else [acc_g, gyr_dps]
    values = np.hstack(columns).tolist()
    lines = [
        f"{t:.6f}," + ",".join(repr(v) for v in row)
        for t, row in zip(time_s.tolist(), values, strict=True)
    ]
    return "\n".join(lines) + "\n" if lines else ""


# ---------------------------------------------------------------------- per-device writer
@dataclass
class DeviceRecording:
    """One sensor being recorded: its CSV, sidecar and counters."""

    label: str
    path: Path
    meta: RecordingMeta
    overwrite: bool = False
    flush_interval_s: float = DEFAULT_FLUSH_INTERVAL_S
    samples_written: int = 0
    samples_skipped: int = 0
    has_gyro: bool | None = None
    _csv: CrashSafeAppender | None = field(default=None, repr=False)
    _last_sidecar: float = 0.0
    _sidecar_dirty: bool = False

    @property
    def sidecar(self) -> Path:
        """The JSON sidecar's path."""
        return sidecar_path(self.path)

    def open(self) -> None:
        """Write the sidecar (the CSV is created with the first samples)."""
        if self.path.exists() and not self.overwrite:
            raise InputError(
                "file already exists", path=self.path, hint="Choose another name or pass --force."
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.write_sidecar()

    def write(self, samples: TimedSamples) -> None:
        """Append samples (the first call fixes whether the file has gyroscope columns)."""
        if samples.n_samples == 0:
            return
        if self.has_gyro is None:
            self.has_gyro = samples.gyr_dps is not None
            columns = [TIME_COLUMN, *ACC_COLUMNS, *(GYR_COLUMNS if self.has_gyro else ())]
            self._csv = CrashSafeAppender(
                self.path,
                header=",".join(columns) + "\n",
                interval_s=self.flush_interval_s,
                overwrite=self.overwrite,
            )
        if self.has_gyro and samples.gyr_dps is None:
            self.samples_skipped += samples.n_samples  # cannot leave cells empty
            return
        gyr = samples.gyr_dps if self.has_gyro else None
        assert self._csv is not None
        self._csv.append(format_rows(samples.time_s, samples.acc_g, gyr))
        self.samples_written += samples.n_samples
        if samples.gaps:
            self._sidecar_dirty = True

    def flush(self) -> None:
        """Write pending rows; rewrite the sidecar if due."""
        if self._csv is not None:
            self._csv.flush()
        now = time.monotonic()
        if self._sidecar_dirty and now - self._last_sidecar >= SIDECAR_INTERVAL_S:
            self.write_sidecar()

    def write_sidecar(self) -> None:
        """Replace the sidecar atomically with the current metadata."""
        atomic_write_text(self.sidecar, meta_to_json_text(self.meta, path=self.sidecar) + "\n")
        self._last_sidecar = time.monotonic()
        self._sidecar_dirty = False

    def close(self) -> None:
        """Flush rows and write the final sidecar (both are removed if nothing was recorded)."""
        if self._csv is None:
            self.sidecar.unlink(missing_ok=True)
            return
        self._csv.close()
        self.write_sidecar()


def output_paths(out: str | Path, labels: Sequence[str]) -> dict[str, Path]:
    """CSV path per label: ``out`` itself for one sensor, ``<stem>.<label>.csv`` for several."""
    out = Path(out)
    if out.suffix.lower() != ".csv":
        raise InputError(
            "the output must be a .csv file", path=out, hint="Name it e.g. session.csv."
        )
    if len(labels) == 1:
        return {labels[0]: out}
    return {label: out.with_name(f"{out.stem}.{label}{out.suffix}") for label in labels}


def safe_label(text: str) -> str:
    """Return a label usable in a file name (letters, digits, ``-`` and ``_``)."""
    label = re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")
    return label or "sensor"


# ---------------------------------------------------------------------- sessions
@dataclass
class RecordTarget:
    """One sensor to record.

    Attributes
    ----------
    label
        Stream label (file-name suffix with several sensors).
    device
        The scanned device.
    placement
        ``"bar"``, ``"wrist"`` or ``None``.
    """

    label: str
    device: FoundDevice
    placement: str | None = None


@dataclass
class SessionInfo:
    """Metadata common to every sensor of a session."""

    athlete: str | None = None
    exercise: str | None = None
    load_kg: float | None = None


@dataclass
class RecordSummary:
    """What a recording session produced."""

    files: dict[str, Path]
    samples: dict[str, int]
    stats: dict[str, StreamStats]
    duration_s: float


def _base_meta(
    target: RecordTarget,
    driver: DeviceDriver,
    *,
    sampling_rate_hz: float,
    info: SessionInfo,
    anchor: ClockAnchor,
) -> RecordingMeta:
    meta = RecordingMeta(
        sampling_rate_hz=sampling_rate_hz,
        device=driver.display_name or driver.name,
        placement=target.placement,
        exercise=info.exercise,
        load_kg=info.load_kg,
        athlete=info.athlete,
        source=f"ble:{target.device.address}",
        start_time_utc=anchor.utc.isoformat(),
        extra={
            "ble": {
                "label": target.label,
                "address": target.device.address,
                "name": target.device.name,
                "driver": driver.name,
                "rssi_dbm": target.device.rssi_dbm,
                "complete": False,
            }
        },
    )
    meta.validate()
    return meta


def _update_meta(meta: RecordingMeta, session: LiveSession, label: str, *, complete: bool) -> None:
    link = session.links[label]
    stats = session.stats[label]
    clock = session.clocks[label]
    ble = dict(meta.extra.get("ble", {}))
    ble.update(
        {
            "firmware": link.firmware,
            "device_info": link.device_info,
            "clock_mode": clock.mode,
            "notifications": stats.notifications,
            "samples": stats.samples,
            # sent while the sensor was being (re)configured: scale unknown, not recorded
            "discarded_samples": stats.discarded_samples,
            "malformed_packets": stats.malformed_packets,
            "lost_packets": stats.lost_packets,
            "connections": stats.connections,
            "link_losses": stats.link_losses,
            "missing_samples": stats.missing_samples,
            "gaps": [gap.to_dict() for gap in stats.gaps],
            "complete": complete,
        }
    )
    if clock.offset_s is not None and clock.offset_bound_s is not None:
        ble["clock_offset_bias_bound_s"] = round(clock.offset_s - clock.offset_bound_s, 6)
    meta.extra["ble"] = ble
    for key in ("firmware_version", "acc_range_g", "gyr_range_dps"):
        if key in link.device_info:
            meta.extra[key] = link.device_info[key]
    if link.firmware and "firmware" not in meta.extra:
        meta.extra["firmware"] = link.firmware


async def record_session(
    targets: Sequence[RecordTarget],
    *,
    out: str | Path,
    sampling_rate_hz: float,
    info: SessionInfo | None = None,
    seconds: float | None = None,
    raw_out: str | Path | None = None,
    overwrite: bool = False,
    stop_event: asyncio.Event | None = None,
    on_event: Callable[[LinkEvent], None] | None = None,
    on_progress: Callable[[dict[str, int]], None] | None = None,
    flush_interval_s: float = DEFAULT_FLUSH_INTERVAL_S,
    link_options: Mapping[str, Any] | None = None,
    on_samples: Callable[[str, TimedSamples], None] | None = None,
) -> RecordSummary:
    """Record ``targets`` until ``seconds`` have passed or ``stop_event`` is set.

    Parameters
    ----------
    targets
        Sensors to record (from :func:`repscope.ble.transport.scan`).
    out
        The CSV path (see :func:`output_paths` for several sensors).
    sampling_rate_hz
        Rate to configure on every sensor.
    info
        Athlete, exercise and load for the sidecars.
    seconds
        Recording length; ``None`` records until ``stop_event``.
    raw_out
        Optional raw capture (JSON lines).
    overwrite
        Replace existing files instead of refusing.
    stop_event
        Set it to stop (e.g. from a signal handler).
    on_event, on_progress
        Optional callbacks: link events, and samples written per label once a second.
    flush_interval_s
        Longest time rows stay in memory.
    link_options
        Extra keyword arguments for every :class:`repscope.ble.transport.DeviceLink`.
    on_samples
        Optional callback with ``(label, samples)`` for every batch, after it is queued
        for the file (live analysis, :mod:`repscope.live`).

    Raises
    ------
    repscope.errors.InputError
        For unusable paths or options.
    repscope.ble.transport.TransportError
        When a sensor cannot be connected.
    """
    if not targets:
        raise InputError("no sensor to record", where="--device")
    if seconds is not None and seconds <= 0:
        raise InputError(f"--seconds must be positive, got {seconds:g}", where="--seconds")
    info = info or SessionInfo()
    labels = [t.label for t in targets]
    paths = output_paths(out, labels)
    anchor = ClockAnchor.now()
    drivers = {t.label: DRIVERS[t.device.driver] for t in targets}
    writers = {
        t.label: DeviceRecording(
            t.label,
            paths[t.label],
            _base_meta(
                t, drivers[t.label], sampling_rate_hz=sampling_rate_hz, info=info, anchor=anchor
            ),
            overwrite=overwrite,
            flush_interval_s=flush_interval_s,
        )
        for t in targets
    }
    for writer in writers.values():
        writer.open()
    raw: RawCapture | None = None
    if raw_out is not None:
        raw = RawCapture(
            Path(raw_out),
            anchor=anchor,
            devices={
                t.label: {
                    "driver": t.device.driver,
                    "address": t.device.address,
                    "name": t.device.name,
                    "device": drivers[t.label].display_name,
                    "sampling_rate_hz": sampling_rate_hz,
                }
                for t in targets
            },
            overwrite=overwrite,
            interval_s=flush_interval_s,
        )

    def sink(label: str, samples: TimedSamples) -> None:
        writers[label].write(samples)
        if on_samples is not None:
            on_samples(label, samples)

    session = LiveSession(
        [SessionDevice(t.label, t.device, drivers[t.label], sampling_rate_hz) for t in targets],
        sink=sink,
        anchor=anchor,
        on_event=on_event,
        on_notification=raw.add if raw is not None else None,
        link_options=link_options,
    )
    stop_event = stop_event or asyncio.Event()
    started = time.monotonic()
    try:
        await session.start()
        started = time.monotonic()
        session.refresh_counts()
        for label, writer in writers.items():
            _update_meta(writer.meta, session, label, complete=False)
            writer.write_sidecar()
        deadline = None if seconds is None else started + seconds
        last_progress = started
        while not stop_event.is_set():
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                break
            wait = flush_interval_s if deadline is None else min(flush_interval_s, deadline - now)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop_event.wait(), timeout=max(wait, 0.0))
            session.refresh_counts()
            for label, writer in writers.items():
                if session.stats[label].gaps:
                    _update_meta(writer.meta, session, label, complete=False)
                writer.flush()
            if raw is not None:
                raw.flush()
            if on_progress is not None and time.monotonic() - last_progress >= 1.0:
                last_progress = time.monotonic()
                on_progress({label: w.samples_written for label, w in writers.items()})
    finally:
        await session.stop()
        for label, writer in writers.items():
            _update_meta(writer.meta, session, label, complete=True)
            writer.close()
        if raw is not None:
            raw.close()
    return RecordSummary(
        files={label: w.path for label, w in writers.items()},
        samples={label: w.samples_written for label, w in writers.items()},
        stats=session.stats,
        duration_s=time.monotonic() - started,
    )
