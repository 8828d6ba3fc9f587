"""Client CPU and completeness of BLE streaming, against the emulated BlueZ.

Each scenario (a sensor family, a number of sensors, a rate) runs twice, each time against
a fresh ``repscope emulate`` process on one private dbus-daemon, for ``--seconds``:

1. **baseline**: a bare bleak client (this script's ``bare_bleak``) that connects to every
   sensor, starts its stream with the family's own commands and only counts the
   notifications. Its CPU is what BLE costs any Python client on this machine (D-Bus
   signal parsing in bleak and its D-Bus library), whatever it does with the data.
2. **repscope**: :class:`repscope.ble.session.LiveSession`, as ``repscope record`` uses
   it: notifications timestamped on a queue, decoded, timed by the sample clock and
   delivered to a sink.

Reported per scenario: the client's CPU time as a percentage of one core (total and per
sensor) for both runs and their ratio (repscope's cost for the same stream as a multiple
of bleak's own); the samples the sensors generated in the measured window against the
samples that reached the sink; the samples the client found missing (sequence or clock
gaps); and the emulator's own counters (``--stats-out``): packets sent, dropped and
overflowed (the emulated radio's queue was full because its process fell behind). A
sensor's stream is lossless when every generated sample reached the sink.

    .venv/bin/python benchmarks/bench_ble.py                       # default scenarios
    .venv/bin/python benchmarks/bench_ble.py --seconds 30 --write-docs
    .venv/bin/python benchmarks/bench_ble.py --scenario diy:4:200 --seconds 5

What this cannot show: radio behaviour and real connection timing (see docs/ble.md). The
emulator is a Python process on the same 2 cores: at high notification rates it is the
emulator, not the client, that runs out of time first; its counters say when.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    REPO_ROOT,
    default_out,
    md_table,
    provenance,
    provenance_line,
    replace_marked,
    write_json,
)
from bleak import BleakClient

from repscope.ble.devices import DRIVERS, DeviceDriver
from repscope.ble.emulator import start_private_bus
from repscope.ble.session import LiveSession, SessionDevice
from repscope.ble.transport import FoundDevice, scan

DOCS = REPO_ROOT / "docs" / "ble.md"

#: (profile, sensors, rate in Hz): one sensor of every family at 100 Hz, then four at once
#: at the highest rate the families with a sample counter support.
DEFAULT_SCENARIOS: list[tuple[str, int, float]] = [
    ("diy", 1, 100.0),
    ("witmotion", 1, 100.0),
    ("metamotion", 1, 100.0),
    ("polar", 1, 104.0),
    ("movesense", 1, 104.0),
    ("diy", 4, 200.0),
    ("polar", 4, 208.0),
    ("witmotion", 4, 200.0),
]

SETTLE_S = 1.0


def parse_scenario(text: str) -> tuple[str, int, float]:
    """``PROFILE:N:RATE`` (e.g. ``diy:4:200``) -> (profile, sensors, rate)."""
    try:
        profile, n, rate = text.split(":")
        parsed = (profile, int(n), float(rate))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"scenario {text!r}: write PROFILE:SENSORS:RATE_HZ, e.g. diy:4:200"
        ) from None
    if profile not in DRIVERS or parsed[1] < 1 or parsed[2] <= 0:
        raise argparse.ArgumentTypeError(
            f"scenario {text!r}: profile one of {', '.join(sorted(DRIVERS))}, "
            "at least one sensor, a positive rate"
        )
    return parsed


class Emulator:
    """``repscope emulate`` in a child process, with its counters read back at exit."""

    def __init__(self, bus_env: dict[str, str], address: str, profile: str, n: int) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-ble-")
        self.stats_path = Path(self._tmp.name) / "stats.json"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "repscope.cli.main", "emulate", "--bus-address", address]
            + ["--profile", profile] * n
            + ["--connection-interval-ms", "7.5", "--stats-out", str(self.stats_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=bus_env,
        )
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.strip() == "ready":
                return
        raise RuntimeError("repscope emulate did not start")

    def stop(self) -> list[dict[str, Any]]:
        """Stop the emulator and return its per-sensor counters."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)
        try:
            return list(json.loads(self.stats_path.read_text(encoding="utf-8")))
        finally:
            self._tmp.cleanup()


async def find_sensors(profile: str, n: int) -> list[FoundDevice]:
    found = [f for f in await scan(timeout_s=1.0) if f.driver == profile]
    found.sort(key=lambda f: f.address)
    if len(found) != n:
        raise RuntimeError(f"expected {n} emulated {profile} sensors, found {len(found)}")
    return found


async def _start_bare(client: BleakClient, driver: DeviceDriver, rate: float, counts: list[int]):
    """Connect, subscribe with a counting callback, start the stream as the family wants."""
    decoder = driver.new_stream_decoder()
    identifying = [True]

    def on_notify(char: Any, data: bytearray) -> None:
        if identifying[0]:  # module-info and feature replies fill device_info
            decoder.feed(str(char.uuid), bytes(data))
        counts[0] += 1
        counts[1] += len(data)

    await client.connect()
    for uuid in driver.notify_char_uuids:
        await client.start_notify(uuid, on_notify)
    for write in driver.identify_commands():
        await client.write_gatt_char(write.char_uuid, write.data, response=write.response)
    deadline = time.monotonic() + 2.0
    while not decoder.identified() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    for write in driver.start_commands(sampling_rate_hz=rate, device_info=decoder.device_info):
        await client.write_gatt_char(write.char_uuid, write.data, response=write.response)
    identifying[0] = False


async def bare_bleak(profile: str, n: int, rate: float, seconds: float) -> dict[str, float]:
    """The baseline: bleak alone, counting notifications."""
    driver = DRIVERS[profile]
    found = await find_sensors(profile, n)
    clients = [BleakClient(f.ble_device or f.address) for f in found]
    counts = [[0, 0] for _ in found]
    await asyncio.gather(
        *(_start_bare(c, driver, rate, k) for c, k in zip(clients, counts, strict=True))
    )
    await asyncio.sleep(SETTLE_S)
    before = sum(k[0] for k in counts)
    cpu0, wall0 = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu1, wall1 = time.process_time(), time.monotonic()
    after = sum(k[0] for k in counts)
    for client in clients:
        await client.disconnect()
    elapsed = wall1 - wall0
    return {
        "cpu_pct": 100 * (cpu1 - cpu0) / elapsed,
        "notifications_per_s": (after - before) / elapsed,
    }


async def repscope_session(profile: str, n: int, rate: float, seconds: float) -> dict[str, Any]:
    """The product: LiveSession decoding and timing every sample into a sink."""
    found = await find_sensors(profile, n)
    counts = dict.fromkeys((f"s{i}" for i in range(n)), 0)

    def sink(label: str, samples: Any) -> None:
        counts[label] += samples.n_samples

    session = LiveSession(
        [SessionDevice(f"s{i}", f, DRIVERS[profile], rate) for i, f in enumerate(found)],
        sink=sink,
    )
    await session.start()
    await asyncio.sleep(SETTLE_S)
    before = dict(counts)
    cpu0, wall0 = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu1, wall1 = time.process_time(), time.monotonic()
    window = {k: counts[k] - before[k] for k in counts}
    await session.stop()
    elapsed = wall1 - wall0
    return {
        "cpu_pct": 100 * (cpu1 - cpu0) / elapsed,
        "received_per_s": sum(window.values()) / elapsed,
        "received_total": sum(counts.values()),
        "missing_detected": sum(s.missing_samples for s in session.stats.values()),
        "malformed": sum(s.malformed_packets for s in session.stats.values()),
        "discarded_in_setup": sum(s.discarded_samples for s in session.stats.values()),
        "notifications": sum(s.notifications for s in session.stats.values()),
    }


def run_scenario(bus: Any, profile: str, n: int, rate: float, seconds: float) -> dict[str, Any]:
    env = bus.env()
    emulator = Emulator(env, bus.address, profile, n)
    try:
        base = asyncio.run(bare_bleak(profile, n, rate, seconds))
    finally:
        base_stats = emulator.stop()
    emulator = Emulator(env, bus.address, profile, n)
    try:
        ours = asyncio.run(repscope_session(profile, n, rate, seconds))
    finally:
        our_stats = emulator.stop()
    generated = sum(int(s["samples_generated"]) for s in our_stats)
    sent = sum(int(s["samples_sent"]) for s in our_stats)
    after_stop = sum(int(s["samples_sent_after_stop"]) for s in our_stats)
    unreceived = sent - ours["received_total"] - ours["discarded_in_setup"]
    overflowed = sum(int(s["packets_overflowed"]) for s in our_stats)
    dropped = sum(int(s["packets_dropped"]) for s in our_stats)
    return {
        "profile": profile,
        "sensors": n,
        "rate_hz": rate,
        "seconds": seconds,
        "baseline_cpu_pct": base["cpu_pct"],
        "baseline_notifications_per_s": base["notifications_per_s"],
        "cpu_pct": ours["cpu_pct"],
        "cpu_pct_per_sensor": ours["cpu_pct"] / n,
        "cpu_ratio_to_bleak": ours["cpu_pct"] / base["cpu_pct"] if base["cpu_pct"] > 0 else None,
        "received_per_s": ours["received_per_s"],
        "expected_per_s": n * rate,
        "samples_generated": generated,
        "samples_received": ours["received_total"],
        "samples_discarded_in_setup": ours["discarded_in_setup"],
        "samples_sent": sent,
        "samples_sent_after_stop": after_stop,
        "samples_not_received": unreceived,
        # packets queued before the stop command and sent after it are not awaited by a
        # client that disconnects once the sensor acknowledged the stop
        "samples_lost": max(0, unreceived - after_stop),
        "missing_detected": ours["missing_detected"],
        "malformed": ours["malformed"],
        "emulator_packets_sent": sum(int(s["packets_sent"]) for s in our_stats),
        "emulator_packets_overflowed": overflowed,
        "emulator_packets_dropped": dropped,
        "baseline_emulator_packets_overflowed": sum(
            int(s["packets_overflowed"]) for s in base_stats
        ),
    }


HEADER = [
    "scenario",
    "client CPU (one core)",
    "per sensor",
    "bare bleak",
    "ratio",
    "samples/s received / nominal",
    "samples generated / sent / received",
    "lost",
    "emulator overflow",
]


def table_rows(results: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for r in results:
        ratio = r["cpu_ratio_to_bleak"]
        rows.append(
            [
                f"{r['sensors']} x {r['profile']} {r['rate_hz']:g} Hz",
                f"{r['cpu_pct']:.1f}%",
                f"{r['cpu_pct_per_sensor']:.1f}%",
                f"{r['baseline_cpu_pct']:.1f}%",
                "-" if ratio is None else f"{ratio:.2f}",
                f"{r['received_per_s']:.0f} / {r['expected_per_s']:.0f}",
                f"{r['samples_generated']} / {r['samples_sent']} / {r['samples_received']}"
                + (
                    f" (+{r['samples_discarded_in_setup']} in set-up)"
                    if r["samples_discarded_in_setup"]
                    else ""
                ),
                f"{r['samples_lost']} ({r['missing_detected']} detected)",
                str(r["emulator_packets_overflowed"]),
            ]
        )
    return rows


def markdown(results: list[dict[str, Any]], prov: dict[str, Any], seconds: float) -> str:
    lossless = [
        r for r in results if r["samples_lost"] == 0 and r["emulator_packets_overflowed"] == 0
    ]
    return "\n".join(
        [
            provenance_line(prov),
            "",
            f"Each scenario streamed {seconds:g} s (after {SETTLE_S:g} s to settle) from "
            "`repscope emulate` (7.5 ms connection interval) into `LiveSession`, and the same "
            "from a fresh emulator into a bare bleak client that only counts notifications "
            "(`benchmarks/bench_ble.py`). CPU is the client process's CPU time over wall "
            "time. *Ratio* is repscope's CPU over bare bleak's for the same stream. "
            "*Samples generated / sent / received*: every sample the emulated sensors made "
            "from connection to stop; those in the packets they sent (the rest were still "
            "waiting for a packet or a connection event when the client stopped, or the "
            "emulated radio dropped them); those that reached the sink (a sensor that "
            "streams as soon as it is subscribed sends some while it is being configured, "
            "which the client discards on purpose: in brackets). *Lost*: sent minus "
            "received, less the samples sent after the client's stop command (queued before "
            "it: the client disconnects once the sensor has acknowledged the stop), and in "
            "brackets the samples the client itself reported missing in gaps. *Emulator "
            "overflow*: packets the emulated radio dropped because its process fell behind.",
            "",
            md_table(HEADER, table_rows(results)),
            "",
            f"Lossless: {len(lossless)} of {len(results)} scenarios.",
        ]
    )


def write_docs(text: str, path: Path = DOCS) -> None:
    """Replace the text between the blestream markers of docs/ble.md."""
    replace_marked(path, "blestream", text)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per run")
    parser.add_argument(
        "--scenario",
        dest="scenarios",
        action="append",
        type=parse_scenario,
        help="PROFILE:SENSORS:RATE_HZ, repeatable (default: the built-in list)",
    )
    parser.add_argument("--out", type=Path, default=None, help="JSON output path")
    parser.add_argument("--write-docs", action="store_true", help="update docs/ble.md")
    args = parser.parse_args(argv)
    scenarios = args.scenarios or DEFAULT_SCENARIOS
    prov = provenance()
    bus = start_private_bus()
    saved = {key: os.environ.get(key) for key in bus.env()}
    os.environ.update(bus.env())
    results = []
    try:
        for profile, n, rate in scenarios:
            result = run_scenario(bus, profile, n, rate, args.seconds)
            results.append(result)
            print(" | ".join(table_rows([result])[0]), flush=True)
    finally:
        bus.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    text = markdown(results, prov, args.seconds)
    out = write_json(
        {"provenance": prov, "seconds": args.seconds, "results": results},
        args.out or default_out("bench_ble"),
    )
    print(f"\n{text}\n\nwrote {out}")
    if args.write_docs:
        write_docs(text)
    return {"results": results}


if __name__ == "__main__":
    main()
