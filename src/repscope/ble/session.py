"""Several sensors streaming at once: one link each, one decoding task for all.

:class:`LiveSession` starts a :class:`~repscope.ble.transport.DeviceLink` per sensor. The
links put every notification on one :class:`asyncio.Queue`, stamped with
``time.monotonic()`` in bleak's callback. One decoding task empties the queue: it feeds
each connection's :class:`~repscope.ble.devices.StreamDecoder`, times the samples with a
:class:`~repscope.ble.clock.SampleClock` (which absorbs the BLE bursts) and hands
:class:`~repscope.ble.clock.TimedSamples` to a sink (e.g. the recorder) in arrival order.
Malformed packets are counted and skipped; gaps and link losses are counted per device
(:class:`StreamStats`).

This module does not import bleak: the links do (:mod:`repscope.ble.transport`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from repscope.ble.clock import Gap, SampleClock, TimedSamples
from repscope.ble.devices import DeviceDriver, SampleBatch, StreamDecoder
from repscope.ble.transport import (
    ClockAnchor,
    DeviceLink,
    FoundDevice,
    LinkEvent,
    Notification,
    TransportError,
)
from repscope.errors import InputError

logger = logging.getLogger(__name__)


@dataclass
class StreamStats:
    """Per-device counters of a :class:`LiveSession`."""

    notifications: int = 0
    samples: int = 0
    malformed_packets: int = 0
    lost_packets: int = 0
    connections: int = 0
    link_losses: int = 0
    discarded_samples: int = 0
    gaps: list[Gap] = field(default_factory=list)

    @property
    def missing_samples(self) -> int:
        """Samples lost in all gaps."""
        return sum(g.missing_samples for g in self.gaps)


#: ``sink(label, samples)`` receives each device's timed samples in order.
SampleSink = Callable[[str, TimedSamples], None]


@dataclass
class SessionDevice:
    """One device of a :class:`LiveSession`."""

    label: str
    found: FoundDevice
    driver: DeviceDriver
    sampling_rate_hz: float


class LiveSession:
    """Stream several sensors at once and deliver timed samples to a sink.

    Parameters
    ----------
    devices
        The sensors, each with its label and rate.
    sink
        Called with ``(label, TimedSamples)`` for every decoded batch, in arrival order.
    anchor
        Session time zero (default: now).
    on_event
        Optional callback for :class:`LinkEvent` (progress display, logging).
    on_notification
        Optional callback for every raw :class:`Notification` (raw capture).
    link_options
        Extra keyword arguments for every :class:`DeviceLink`.
    """

    def __init__(
        self,
        devices: Sequence[SessionDevice],
        *,
        sink: SampleSink,
        anchor: ClockAnchor | None = None,
        on_event: Callable[[LinkEvent], None] | None = None,
        on_notification: Callable[[Notification], None] | None = None,
        link_options: Mapping[str, Any] | None = None,
    ) -> None:
        labels = [d.label for d in devices]
        if len(set(labels)) != len(labels):
            raise InputError("two sensors have the same label", hint="Give each a distinct name.")
        self.anchor = anchor or ClockAnchor.now()
        self.queue: asyncio.Queue[Notification | LinkEvent] = asyncio.Queue()
        self.sink = sink
        self.on_event = on_event
        self.on_notification = on_notification
        self.devices = {d.label: d for d in devices}
        self.links = {
            d.label: DeviceLink(
                d.found,
                d.driver,
                label=d.label,
                sampling_rate_hz=d.sampling_rate_hz,
                queue=self.queue,
                **dict(link_options or {}),
            )
            for d in devices
        }
        self.clocks = {
            d.label: SampleClock(
                sampling_rate_hz=d.sampling_rate_hz, anchor_s=self.anchor.monotonic_s
            )
            for d in devices
        }
        self.stats = {d.label: StreamStats() for d in devices}
        self._decoders: dict[str, StreamDecoder | None] = {d.label: None for d in devices}
        self._configured = dict.fromkeys(self.devices, False)
        self._last_arrival: dict[str, tuple[float, int]] = {}
        self._closed_malformed = dict.fromkeys(self.devices, 0)
        self._closed_lost = dict.fromkeys(self.devices, 0)
        self._tasks: list[asyncio.Task[None]] = []
        self._decode_task: asyncio.Task[None] | None = None

    async def start(self, *, timeout_s: float = 30.0) -> None:
        """Start every link and wait until all stream (raises :class:`TransportError`)."""
        self._decode_task = asyncio.ensure_future(self._decode_loop())
        self._tasks = [asyncio.ensure_future(link.run()) for link in self.links.values()]
        waits = [
            asyncio.ensure_future(link.wait_connected(timeout_s)) for link in self.links.values()
        ]
        pending: set[asyncio.Future[Any]] = set(waits) | set(self._tasks)
        try:
            while not all(w.done() for w in waits):
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    exc = task.exception()
                    if exc is None:
                        continue
                    if task in self._tasks:
                        raise exc
                    if task in waits:
                        label = list(self.links)[waits.index(task)]
                        raise TransportError(
                            f"{label} did not start streaming within {timeout_s:g} s"
                        )
        except BaseException:
            for w in waits:
                w.cancel()
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop every link (stop commands, disconnect) and drain the queue."""
        for link in self.links.values():
            link.stop()
        for task in self._tasks:
            with contextlib.suppress(TransportError, asyncio.CancelledError):
                await task
        self._tasks = []
        if self._decode_task is not None:
            await self.queue.join()
            for label in self.devices:
                self._flush_decoder(label)
            self._decode_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._decode_task
            self._decode_task = None
        self.refresh_counts()

    def refresh_counts(self) -> None:
        """Bring :attr:`stats` up to date with the decoders and links (packets, links)."""
        for label, stats in self.stats.items():
            decoder = self._decoders[label]
            stats.malformed_packets = self._closed_malformed[label] + (
                decoder.malformed_count if decoder else 0
            )
            stats.lost_packets = self._closed_lost[label] + (
                decoder.lost_packets_count if decoder else 0
            )
            link = self.links[label]
            stats.connections = link.stats.connections
            stats.link_losses = link.stats.link_losses

    async def _decode_loop(self) -> None:
        queue = self.queue
        while True:
            item = await queue.get()
            try:
                if isinstance(item, Notification):
                    self._on_notification(item)
                else:
                    self._on_event(item)
            except Exception:  # a sink failure must not stop the session silently
                logger.exception("error while handling %r", item)
                raise
            finally:
                queue.task_done()

    def _on_event(self, event: LinkEvent) -> None:
        if event.kind in ("connected", "configuring") and event.decoder is not None:
            old = self._decoders[event.device]
            if old is not None and self._configured[event.device]:
                # the streaming decoder of the lost link: what it held back was received
                self._flush_decoder(event.device)
                # counts of a set-up decoder are stale packets, not the stream's
                self._closed_malformed[event.device] += old.malformed_count
                self._closed_lost[event.device] += old.lost_packets_count
            self._decoders[event.device] = event.decoder
            self._configured[event.device] = False
        elif event.kind == "streaming":
            self._configured[event.device] = True
        self.refresh_counts()
        if self.on_event is not None:
            self.on_event(event)

    def _on_notification(self, note: Notification) -> None:
        if self.on_notification is not None:
            self.on_notification(note)
        decoder = self._decoders.get(note.device)
        if decoder is None:
            return
        stats = self.stats[note.device]
        stats.notifications += 1
        batches = decoder.feed(note.char_uuid, note.payload)
        if not self._configured[note.device]:
            # A sensor still streaming from before a link loss sends data before this
            # connection's start commands are acknowledged: their scale is unknown.
            stats.discarded_samples += sum(b.n_samples for b in batches)
            return
        self._last_arrival[note.device] = (note.host_time_s, note.connection)
        self._deliver(note.device, batches, note.host_time_s, note.connection)

    def _deliver(
        self, label: str, batches: list[SampleBatch], host_time_s: float, connection: int
    ) -> None:
        stats = self.stats[label]
        clock = self.clocks[label]
        for batch in batches:
            timed = clock.place(batch, host_time_s=host_time_s, connection=connection)
            if timed.n_samples == 0:
                continue
            stats.samples += timed.n_samples
            stats.gaps.extend(timed.gaps)
            self.sink(label, timed)

    def _flush_decoder(self, label: str) -> None:
        """Deliver what a streaming decoder held back (end of the stream or of its link).

        A Movesense message that might continue in the next notification waits for it; at
        the end of a link there is no next one, and without this its samples (up to one
        packet) would be lost. They are timed as if they had arrived with the last
        notification, which is when the host received them.
        """
        decoder = self._decoders.get(label)
        arrival = self._last_arrival.get(label)
        if decoder is None or not self._configured[label] or arrival is None:
            return
        self._deliver(label, decoder.flush(), *arrival)
