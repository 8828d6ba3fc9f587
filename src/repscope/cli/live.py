"""``repscope live``: record a BLE sensor and give feedback on every rep as it happens."""

from __future__ import annotations

import contextlib
import json
import math
import signal
import statistics
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from repscope.cli._names import PLACEMENTS
from repscope.cli._options import stop_at_loss_option
from repscope.errors import InputError

if TYPE_CHECKING:
    from rich.console import Console


def _zone(value: str | None) -> Any:
    """Parse ``--velocity-zone`` (the zone module only when the option is given)."""
    if value is None:
        return None
    from repscope.live.zones import parse_velocity_zone

    return parse_velocity_zone(value)


def _open_events(path: Path | None, *, force: bool) -> IO[str] | None:
    if path is None:
        return None
    if path.exists() and not force:
        raise InputError(
            "file already exists", path=path, hint="Choose another name or pass --force."
        )
    try:
        return path.open("w", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", path=path) from None


def _stats_line(analyzer: Any, latencies: list[float]) -> str:
    stats = analyzer.stats
    text = (
        f"{stats.n_updates} updates, {1000 * stats.total_s / max(stats.n_updates, 1):.0f} ms each"
    )
    if latencies:
        text += (
            f"; feedback {statistics.median(latencies):.2f} s after a rep's end "
            f"(median, max {max(latencies):.2f} s)"
        )
    return text


@click.command("live")
@click.option(
    "--device",
    default=None,
    metavar="NAME|ADDRESS",
    help="Sensor to stream from, by advertised name or address.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Output CSV (crash-safe, as `repscope record`); `repscope analyze OUT` reads it.",
)
@click.option(
    "--placement",
    type=click.Choice(PLACEMENTS),
    default=None,
    help="Where the sensor is worn [default: the file's metadata with --replay, else bar].",
)
@click.option("--exercise", default=None, help="Exercise, e.g. bench (required for a sensor).")
@click.option("--tempo", default=None, help="Prescribed tempo, e.g. 3-1-1-0 or 31X0.")
@click.option("--beep", is_flag=True, help="Ring the terminal bell per rep (three rings: flagged).")
@click.option(
    "--speak",
    is_flag=True,
    help="Say each rep (number, velocity, faults) and each set's end, offline through "
    "espeak-ng (apt install espeak-ng); without it, ring the terminal bell instead.",
)
@click.option(
    "--count",
    is_flag=True,
    help="Count each timed phase of --tempo down aloud as it happens ('three, two, one, "
    "up'); the bell once a second without espeak-ng.",
)
@stop_at_loss_option("a red STOP line, said with --speak, else three bells (default: no stop line)")
@click.option(
    "--velocity-zone",
    "velocity_zone",
    metavar="LOW-HIGH",
    default=None,
    callback=lambda ctx, param, value: _zone(value),
    help="Velocity target in m/s of mean concentric velocity, e.g. 0.45-0.60: a rep "
    "outside it gets a line ('below the zone'), said with --speak ('Too slow.'), else two "
    "bells.",
)
@click.option(
    "--big",
    is_flag=True,
    help="Large type, readable from a few metres: rep count, last rep's tempo and velocity.",
)
@click.option(
    "--duration",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Stop after this many seconds (default: until Ctrl-C).",
)
@click.option(
    "--rate-hz", type=float, default=100.0, show_default=True, help="Sampling rate to configure."
)
@click.option(
    "--raw-out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also keep every notification (JSON lines) for --replay.",
)
@click.option(
    "--replay",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Instead of a sensor, replay a raw capture (--raw-out) or a recording at full speed.",
)
@click.option(
    "--events-out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write every event as a JSON line (reps as reported, corrections, set summaries).",
)
@click.option("--athlete", default=None, help="Athlete name or id (metadata).")
@click.option("--load-kg", type=click.FloatRange(min=0), default=None, help="Load (metadata).")
@click.option(
    "--scan-seconds",
    type=click.FloatRange(min=0.1),
    default=4.0,
    show_default=True,
    help="How long to scan for the sensor first.",
)
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
def live(
    device: str | None,
    out: Path | None,
    placement: str | None,
    exercise: str | None,
    tempo: str | None,
    beep: bool,
    speak: bool,
    count: bool,
    stop_at_loss: float | None,
    velocity_zone: Any,
    big: bool,
    duration: float | None,
    rate_hz: float,
    raw_out: Path | None,
    replay: Path | None,
    events_out: Path | None,
    athlete: str | None,
    load_kg: float | None,
    scan_seconds: float,
    force: bool,
) -> None:
    """Live feedback on every rep while a BLE sensor streams.

    Shows the current phase with a running timer against its target ("1.8 of 3 s"), the
    rep count, each rep's tempo against the target, flags as they happen and the set
    summary when the set ends; a sensor that stops sending is shown within a second
    ("sensor lost, reconnecting", then "back, 2.3 s missing") and the sidecar records the
    interruption. --big shows the rep count, the last rep's tempo and velocity in large
    type. The session is recorded to OUT
    exactly as `repscope record` does, so `repscope analyze OUT` gives the same sets
    afterwards. Reps are reported about 0.1 s after they end (live numbers are the batch
    analysis of the last seconds; the set summary is the batch analysis of the whole
    set). Stop with Ctrl-C or --duration.

    \b
    Examples:
        repscope live --device repscope-diy-1 --out b.csv --exercise bench --tempo 3-1-1-0
        repscope live --device repscope-diy-1 --out b.csv --exercise squat --beep --duration 60
        repscope live --device repscope-diy-1 --out b.csv --exercise bench --tempo 3-1-1-0 \\
            --speak --count --stop-at-loss 20% --big
        repscope live --replay sample_data/bench_3110_controlled.csv --tempo 3-1-1-0
    """  # noqa: D301 (click needs the \b marker)
    import asyncio

    from rich.console import Console

    from repscope.live.display import LiveView
    from repscope.tempo import parse_tempo

    tempo_obj = parse_tempo(tempo) if tempo is not None else None
    if count and tempo_obj is None:
        raise InputError("--count needs a tempo to count", where="--count", hint="Pass --tempo.")
    if (device is None) == (replay is None):
        raise InputError(
            "give a sensor or a file to replay",
            where="--device/--replay",
            hint="Pass --device NAME (with --out) or --replay FILE.",
        )
    console = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False)
    events_file = _open_events(events_out, force=force)

    def write_events(new: list[Any], host_time_s: float | None = None) -> None:
        if events_file is None:
            return
        for event in new:
            record = event.to_json_dict()
            if host_time_s is not None and event.kind == "rep_completed" and event.row:
                record["host_latency_s"] = round(host_time_s - float(event.row["end_s"]), 4)
            events_file.write(json.dumps(record) + "\n")
        events_file.flush()

    try:
        if replay is not None:
            if speak or count:
                err.print("repscope: --speak and --count are for a live session, not a replay")
            _replay(
                replay,
                placement,
                exercise,
                tempo,
                console,
                write_events,
                beep,
                stop_at_loss,
                velocity_zone,
            )
            return
        if out is None:
            raise InputError("--out is required with --device", where="--out")
        from repscope.analysis.profiles import get_profile
        from repscope.live.engine import LiveAnalyzer

        profile = get_profile(exercise)
        where = placement or "bar"
        analyzer = LiveAnalyzer(
            sampling_rate_hz=rate_hz,
            placement=where,
            exercise=profile.name,
            tempo=tempo_obj,
            device=str(device),
        )
        view = LiveView(
            title=f"{device}: {profile.name}, {where}"
            + (f", tempo {tempo_obj.code()}" if tempo_obj else ""),
            tempo=tempo_obj,
            thresholds=profile.thresholds,
            stop_at_loss=stop_at_loss,
            velocity_zone=velocity_zone,
        )
        asyncio.run(
            _run(
                device=str(device),
                out=out,
                analyzer=analyzer,
                view=view,
                placement=where,
                exercise=profile.name,
                athlete=athlete,
                load_kg=load_kg,
                duration=duration,
                raw_out=raw_out,
                scan_seconds=scan_seconds,
                force=force,
                cue_options={"beep": beep, "speak": speak, "count": count, "tempo": tempo_obj},
                console=console,
                err=err,
                write_events=write_events,
                big=big,
            )
        )
        hint = f"repscope analyze {out}" + (f" --tempo {tempo_obj.code()}" if tempo_obj else "")
        console.print(f"analyse the saved session with: {hint}")
    finally:
        if events_file is not None:
            events_file.close()


def _replay(
    path: Path,
    placement: str | None,
    exercise: str | None,
    tempo: str | None,
    console: Console,
    write_events: Any,
    beep: bool,
    stop_at_loss: float | None,
    velocity_zone: Any = None,
) -> None:
    from repscope.live.display import Beeper, LiveView
    from repscope.live.session import load_replay_source, make_analyzer, replay_recording

    recording = load_replay_source(path)
    placement = placement or recording.meta.placement or "bar"
    analyzer = make_analyzer(recording, placement=placement, exercise=exercise, tempo=tempo)
    view = LiveView(
        tempo=analyzer.tempo,
        thresholds=analyzer.profile.thresholds,
        stop_at_loss=stop_at_loss,
        velocity_zone=velocity_zone,
    )
    beeper = Beeper(lambda text: console.file.write(text)) if beep else None
    console.print(
        f"replaying {path.name}: {analyzer.profile.name}, {analyzer.placement}, "
        f"{analyzer.sampling_rate_hz:g} Hz"
        + (f", tempo {analyzer.tempo.code()}" if analyzer.tempo else "")
    )

    def on_events(new: list[Any]) -> None:
        write_events(new)
        for event in new:
            lines = view.apply(event)
            for line in lines:
                console.print(f"{event.time_s:8.2f} s  {line}", soft_wrap=True)
            if beeper is not None:
                beeper.on_event(event)
                if view.stop_message and view.stop_message in lines:
                    console.file.write(Beeper.BELL * 3)

    result = replay_recording(recording, analyzer, on_events=on_events)
    latencies = [
        e.time_s - float(e.row["end_s"])
        for e in result.events
        if e.kind == "rep_completed" and e.row
    ]
    console.print(
        _stats_line(analyzer, [])
        + (
            f"; reps reported {statistics.median(latencies):.2f} s of data after their end (median)"
            if latencies
            else ""
        )
    )


async def _run(
    *,
    device: str,
    out: Path,
    analyzer: Any,
    view: Any,
    placement: str,
    exercise: str,
    athlete: str | None,
    load_kg: float | None,
    duration: float | None,
    raw_out: Path | None,
    scan_seconds: float,
    force: bool,
    cue_options: dict[str, Any],
    console: Console,
    err: Console,
    write_events: Any,
    big: bool,
) -> None:
    import asyncio

    from rich.console import Console
    from rich.live import Live

    from repscope.ble.recorder import RecordTarget, SessionInfo, safe_label
    from repscope.ble.transport import pick_devices, scan
    from repscope.live.big_type import render_big
    from repscope.live.display import render_view
    from repscope.live.session import run_live_session

    err.print(f"scanning for {scan_seconds:g} s ...")
    (found,) = pick_devices(await scan(timeout_s=scan_seconds), [device])
    target = RecordTarget(
        safe_label(found.name or found.address.replace(":", "")), found, placement
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    def bell(text: str) -> None:
        console.file.write(text)
        console.file.flush()

    from repscope.live.cues import Cues

    cues = Cues(bell=bell, schedule=loop.call_later, err=err, **cue_options)
    terminal = console.is_terminal
    # the live panel wraps its own lines (a soft-wrapped line longer than the terminal is
    # cut, or wrapped by the terminal behind rich's back, which then redraws the panel
    # below itself) and is cut to the terminal's height
    screen = Console(highlight=False, file=console.file) if terminal else console
    clock = [0.0]

    def draw() -> Any:
        if big:
            return render_big(view, session_s=clock[0])
        size = screen.size
        return render_view(view, height=size.height, width=size.width, session_s=clock[0])

    display = (
        Live(draw(), console=screen, auto_refresh=False, vertical_overflow="crop")
        if terminal
        else None
    )
    latencies: list[float] = []

    def on_events(new: list[Any], host_time_s: float) -> None:
        write_events(new, host_time_s)
        for event in new:
            if event.kind == "rep_completed" and event.row is not None:
                latencies.append(host_time_s - float(event.row["end_s"]))
            lines = view.apply(event)
            cues.on_event(event, lines, view)
            if display is None:
                for line in lines:
                    console.print(f"{event.time_s:8.2f} s  {line}", soft_wrap=True)
        if display is not None:
            display.update(draw(), refresh=True)

    def on_tick(session_s: float) -> None:
        clock[0] = session_s
        view.tick(session_s)
        if view.lost:
            view.status = f"recording to {out.name} paused: no data; Ctrl-C to stop"
        else:
            view.status = f"{session_s:.0f} s recorded to {out.name}; Ctrl-C to stop"
        if display is not None:
            display.update(draw(), refresh=True)

    def on_link_status(change: Any) -> None:
        clock[0] = change.session_s
        if change.kind == "lost":
            lines = view.sensor_lost(change.session_s)
        else:
            lines = view.sensor_back(change.session_s, change.missing_s)
        if display is None:
            for line in lines:
                console.print(f"{change.session_s:8.2f} s  {line}", soft_wrap=True)
        else:
            display.update(draw(), refresh=True)

    def on_link(event: Any) -> None:
        if event.kind in ("disconnected", "connected", "retry"):
            err.print(f"{event.device}: {event.kind} {event.detail}".rstrip())

    err.print(
        f"live: {exercise} on the {placement} at {analyzer.sampling_rate_hz:g} Hz; "
        "press Ctrl-C to stop"
    )
    if display is not None:
        display.start()
    try:
        result = await run_live_session(
            target,
            analyzer,
            out=out,
            info=SessionInfo(athlete=athlete, exercise=exercise, load_kg=load_kg),
            seconds=duration,
            raw_out=raw_out,
            overwrite=force,
            stop_event=stop,
            on_events=on_events,
            on_link_event=on_link,
            on_tick=on_tick,
            on_link_status=on_link_status,
        )
    finally:
        cues.close()
        if display is not None:
            display.stop()
    summary = result.summary
    if summary is not None:
        stats = summary.stats[target.label]
        console.print(
            f"{summary.samples[target.label]} samples -> {out} ({len(stats.gaps)} gap(s), "
            f"{stats.malformed_packets} malformed packet(s), {stats.link_losses} link loss(es))"
        )
    if result.interruptions:
        missing = sum(i["missing_s"] or 0.0 for i in result.interruptions)
        console.print(
            f"the sensor was lost {len(result.interruptions)} time(s), {missing:.1f} s of data "
            f"missing (recorded in {out.with_suffix('.json').name})"
        )
    console.print(_stats_line(analyzer, [x for x in latencies if math.isfinite(x)]))
