"""Live sessions: a BLE sensor recorded to a file and analysed as it streams, or a replay.

:func:`run_live_session` records one sensor exactly as ``repscope record`` does
(:func:`repscope.ble.recorder.record_session`: the same crash-safe CSV and sidecar, so
``repscope analyze FILE`` works afterwards) and feeds every decoded batch to a
:class:`~repscope.live.engine.LiveAnalyzer` as it arrives, on a worker thread
(:mod:`repscope.live.worker`) so that the analysis never holds back the event loop that
receives the notifications; a :class:`~repscope.live.link.LinkWatch` notices
within a second when the sensor stops sending (no samples for ``stall_s``, or the link
drops), says when it is back and how much data is missing, and the interruptions are
written to the sidecar (``extra["live"]``, :mod:`repscope.live.link`). :func:`replay_live` sends a
recording (a raw BLE capture from ``--raw-out``, or any recording file) through the same
analyzer at full speed, in chunks the size of a BLE connection interval, for notebooks and
tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from repscope.errors import InputError
from repscope.live.engine import LiveAnalyzer
from repscope.live.events import LiveEvent
from repscope.live.link import STALL_S, LinkStatus, LinkWatch, mark_interruptions
from repscope.live.worker import AnalysisWorker
from repscope.recording import Recording

if TYPE_CHECKING:
    from repscope.ble.clock import TimedSamples
    from repscope.ble.recorder import RecordSummary, RecordTarget, SessionInfo
    from repscope.ble.transport import LinkEvent

#: Chunk length of a replay: one BLE connection interval's worth of samples.
REPLAY_CHUNK_S = 0.03


@dataclass
class LiveResult:
    """What a live session or a replay produced.

    Attributes
    ----------
    events
        Every event, in order.
    analyzer
        The analyzer (its ``stats`` hold the compute cost of the updates).
    wall_latency_s
        Live sessions only: for each ``rep_completed`` event, the host-clock time from the
        rep's end (``row["end_s"]`` on the session's time axis, whose zero is placed on
        the host clock from the first batch of samples) to the moment the event was
        produced. It covers batching by the radio, the transport, decoding and analysis,
        but not the radio's constant delay (the sample clock cannot see it).
    summary
        Live sessions only: the recorder's summary (files, samples, link statistics).
    interruptions
        Live sessions only: every time the sensor was lost (see :class:`LinkWatch`).
    """

    events: list[LiveEvent]
    analyzer: LiveAnalyzer
    wall_latency_s: list[float] = field(default_factory=list)
    summary: RecordSummary | None = None
    interruptions: list[dict[str, Any]] = field(default_factory=list)

    def reps(self, kind: str = "rep_completed") -> list[dict[str, Any]]:
        """Rep rows of the events of ``kind`` (``rep_completed``: as first reported)."""
        return [
            {**e.row, "set": e.set_number, "rep": e.rep_number}
            for e in self.events
            if e.kind == kind and e.row is not None
        ]

    def final_reps(self) -> list[dict[str, Any]]:
        """Rep rows of every ``set_ended`` event (each set's analysis as a whole)."""
        return [dict(r) for e in self.events if e.kind == "set_ended" for r in e.reps]


def replay_recording(
    recording: Recording,
    analyzer: LiveAnalyzer,
    *,
    chunk_s: float = REPLAY_CHUNK_S,
    on_events: Callable[[list[LiveEvent]], None] | None = None,
) -> LiveResult:
    """Push a recording through an analyzer in chunks of ``chunk_s``, then finish.

    Rows of NaN (a resampled recording's gaps) are skipped; the time axis keeps its gaps.
    """
    if not chunk_s > 0:
        raise InputError(f"chunk_s must be positive, got {chunk_s!r}")
    time_s = recording.time_s
    acc = recording.acc_g
    gyr = recording.gyr_dps
    valid = np.isfinite(acc).all(axis=1)
    if gyr is not None:
        valid &= np.isfinite(gyr).all(axis=1)
    time_s, acc = time_s[valid], acc[valid]
    gyr = None if gyr is None else gyr[valid]
    events: list[LiveEvent] = []
    if time_s.size == 0:
        return LiveResult(events, analyzer)
    edges = np.arange(time_s[0] + chunk_s, time_s[-1] + chunk_s, chunk_s)
    cuts = np.unique(np.searchsorted(time_s, edges, side="left"))
    start = 0
    for stop in [*cuts.tolist(), time_s.size]:
        if stop <= start:
            continue
        part = slice(start, stop)
        new = analyzer.push(time_s[part], acc[part], None if gyr is None else gyr[part])
        if new and on_events is not None:
            on_events(new)
        events.extend(new)
        start = stop
    new = analyzer.finish()
    if new and on_events is not None:
        on_events(new)
    events.extend(new)
    return LiveResult(events, analyzer)


def load_replay_source(path: str | Path, *, device: str | None = None) -> Recording:
    """Read what to replay: a raw BLE capture (``.jsonl``) or any recording file.

    Parameters
    ----------
    path
        The file.
    device
        For a raw capture with several sensors, the label to replay.

    Raises
    ------
    repscope.errors.InputError
        When the file cannot be read, or a capture holds several sensors and ``device``
        names none of them.
    """
    p = Path(path)
    if p.suffix.lower() == ".jsonl":
        from repscope.ble.raw_capture import replay_raw_capture

        streams = replay_raw_capture(p)
        if not streams:
            raise InputError("the raw capture holds no samples", path=p)
        if device is None and len(streams) == 1:
            return next(iter(streams.values()))
        if device not in streams:
            raise InputError(
                f"the raw capture holds sensors {', '.join(sorted(streams))}",
                path=p,
                where="--device",
                hint="Name the one to replay with --device LABEL.",
            )
        return streams[str(device)]
    from repscope.io import read_recording

    return read_recording(p)


def replay_live(
    source: str | Path | Recording,
    *,
    placement: str | None = None,
    exercise: str | None = None,
    tempo: str | None = None,
    device: str | None = None,
    chunk_s: float = REPLAY_CHUNK_S,
    **options: Any,
) -> LiveResult:
    """Replay a recording through the live pipeline at full speed.

    Parameters
    ----------
    source
        A :class:`~repscope.recording.Recording`, a raw BLE capture (``--raw-out``) or any
        recording file.
    placement, exercise
        Default to the recording's metadata (an error when unknown).
    tempo
        Prescribed tempo, or None.
    device
        Which sensor of a raw capture with several.
    chunk_s
        Samples pushed at a time.
    **options
        Further :class:`~repscope.live.engine.LiveAnalyzer` parameters.

    Examples
    --------
    >>> from repscope.simulate import SetSpec, simulate_set
    >>> sim = simulate_set(SetSpec("squat", n_reps=3, tempo="2-0-1-0"),
    ...                    sampling_rate_hz=100, placement="bar", seed=4)
    >>> result = replay_live(sim.recording)
    >>> [e.kind for e in result.events if e.kind.startswith("set")]
    ['set_started', 'set_ended']
    >>> len(result.reps())
    3
    """
    recording = (
        source if isinstance(source, Recording) else load_replay_source(source, device=device)
    )
    analyzer = make_analyzer(
        recording, placement=placement, exercise=exercise, tempo=tempo, **options
    )
    return replay_recording(recording, analyzer, chunk_s=chunk_s)


def make_analyzer(
    recording: Recording,
    *,
    placement: str | None,
    exercise: str | None,
    tempo: str | None,
    **options: Any,
) -> LiveAnalyzer:
    """Return an analyzer for a recording (placement and exercise default to its metadata)."""
    meta = recording.meta
    placement = placement or meta.placement
    if placement is None:
        raise InputError(
            "the sensor placement is unknown",
            where="--placement",
            hint="Pass --placement bar or --placement wrist.",
        )
    exercise = exercise or meta.exercise
    if exercise is None:
        raise InputError("the exercise is unknown", where="--exercise", hint="Pass --exercise.")
    # a replay runs at full speed, not in real time: no window is left out for lag
    options.setdefault("max_lag_s", None)
    return LiveAnalyzer(
        sampling_rate_hz=meta.sampling_rate_hz,
        placement=placement,
        exercise=exercise,
        tempo=tempo,
        device=meta.device,
        **options,
    )


async def run_live_session(
    target: RecordTarget,
    analyzer: LiveAnalyzer,
    *,
    out: str | Path,
    info: SessionInfo | None = None,
    seconds: float | None = None,
    raw_out: str | Path | None = None,
    overwrite: bool = False,
    stop_event: asyncio.Event | None = None,
    on_events: Callable[[list[LiveEvent], float], None] | None = None,
    on_link_event: Callable[[LinkEvent], None] | None = None,
    on_tick: Callable[[float], None] | None = None,
    tick_s: float = 0.25,
    on_link_status: Callable[[LinkStatus], None] | None = None,
    stall_s: float = STALL_S,
) -> LiveResult:
    """Record one sensor to ``out`` and analyse it live.

    Parameters
    ----------
    target
        The sensor (from :func:`repscope.ble.transport.scan`).
    analyzer
        The live analyzer; its ``sampling_rate_hz`` is the rate configured on the sensor.
    out, info, seconds, raw_out, overwrite, stop_event
        As for :func:`repscope.ble.recorder.record_session`.
    on_events
        Called with the events of each batch as they happen, and the host-clock session
        time (seconds since the session's zero, placed on the host clock from the first
        batch) at which they were produced.
    on_link_event
        Link events (connections, losses) from the transport.
    on_tick
        Called every ``tick_s`` with the session time (seconds since its start), e.g. to
        refresh a display.
    on_link_status
        Called when the sensor is lost (no sample for ``stall_s``, or a disconnection)
        and when it is back (:class:`LinkStatus`). The interruptions are also written to
        the sidecar when the session ends: ``extra["live"]["interrupted"]`` and
        ``extra["live"]["interruptions"]`` (times on the session's axis).

    Returns
    -------
    LiveResult
        The events (including those of :meth:`LiveAnalyzer.finish`), wall-clock latencies
        and the recorder's summary.
    """
    from repscope.ble.recorder import record_session

    events: list[LiveEvent] = []
    latencies: list[float] = []
    anchor: list[float] = []
    started = time.monotonic()
    watch = LinkWatch(stall_s=stall_s, sample_interval_s=1.0 / analyzer.sampling_rate_hz)

    def session_now() -> float:
        return time.monotonic() - (anchor[0] if anchor else started)

    def report(changes: list[LinkStatus]) -> None:
        if on_link_status is not None:
            for change in changes:
                on_link_status(change)

    def link_event(event: LinkEvent) -> None:
        if event.kind == "disconnected":
            report(watch.disconnected(session_now()))
        if on_link_event is not None:
            on_link_event(event)

    loop = asyncio.get_running_loop()

    def handle(new: list[LiveEvent], produced_s: float) -> None:
        # on the loop; ``produced_s`` is the host clock when the worker produced them
        host_time_s = produced_s - (anchor[0] if anchor else 0.0)
        for event in new:
            if event.kind == "rep_completed" and event.row is not None and anchor:
                latencies.append(host_time_s - float(event.row["end_s"]))
        events.extend(new)
        if on_events is not None:
            on_events(new, host_time_s)

    def on_samples(_label: str, samples: TimedSamples) -> None:
        if not anchor:
            # session time zero on the monotonic clock: this batch's newest sample is
            # at most a few milliseconds old when it gets here
            anchor.append(time.monotonic() - float(samples.time_s[-1]))
        if len(samples.time_s):
            first, last = float(samples.time_s[0]), float(samples.time_s[-1])
            report(watch.samples(session_now(), first, last))
        worker.submit(samples.time_s, samples.acc_g, samples.gyr_dps)

    # the analysis runs on its own thread: a slow window cannot hold back the loop that
    # receives and stamps the notifications
    def to_loop(new: list[LiveEvent], produced_s: float) -> None:
        loop.call_soon_threadsafe(handle, new, produced_s)

    worker = AnalysisWorker(analyzer, to_loop)

    async def ticker() -> None:
        while True:
            await asyncio.sleep(tick_s)
            report(watch.tick(session_now()))
            if on_tick is not None:
                on_tick(session_now())

    tick_task = asyncio.ensure_future(ticker())
    worker.start()
    try:
        summary = await record_session(
            [target],
            out=out,
            sampling_rate_hz=analyzer.sampling_rate_hz,
            info=info,
            seconds=seconds,
            raw_out=raw_out,
            overwrite=overwrite,
            stop_event=stop_event,
            on_event=link_event,
            on_samples=on_samples,
        )
    finally:
        tick_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await tick_task
        # what is queued, then the end of the stream (LiveAnalyzer.finish), on the worker
        await asyncio.to_thread(worker.close)
        await asyncio.sleep(0)  # the events it handed to the loop
    if watch.lost and watch.last_sample_s is not None:
        # never came back: the data is missing from the last sample to the session's end
        entry = watch.interruptions[-1]
        entry["missing_s"] = round(max(0.0, session_now() - watch.last_sample_s), 3)
    for path in summary.files.values():
        mark_interruptions(path, watch.interruptions, settings=analyzer.settings.to_dict())
    return LiveResult(events, analyzer, latencies, summary, list(watch.interruptions))
