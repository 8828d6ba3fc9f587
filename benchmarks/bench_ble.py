"""Client CPU and completeness of live BLE streaming, against the emulated BlueZ.

The emulator runs in its own process (``repscope emulate``) on a private dbus-daemon; this
process is the client (real bleak, the repscope transport, decoders and sample clock).
For each scenario it streams for ``--seconds`` and prints the client's CPU time as a
percentage of one core (total and per sensor) and whether any sample was lost.

    .venv/bin/python benchmarks/bench_ble.py             # the default scenarios
    .venv/bin/python benchmarks/bench_ble.py --seconds 5

What this cannot show: radio behaviour and real connection timing (see docs/ble.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time

from repscope.ble.devices import DRIVERS
from repscope.ble.emulator import start_private_bus
from repscope.ble.transport import LiveSession, SessionDevice, scan

SCENARIOS = [
    ("diy", 1, 100.0),
    ("witmotion", 1, 100.0),
    ("diy", 4, 200.0),
    ("witmotion", 4, 200.0),
    ("polar", 4, 208.0),
]


def start_emulator(bus_env: dict[str, str], address: str, profile: str, n: int):
    proc = subprocess.Popen(
        [sys.executable, "-m", "repscope.cli.main", "emulate", "--bus-address", address]
        + ["--profile", profile] * n
        + ["--connection-interval-ms", "7.5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=bus_env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "ready":
            return proc
    raise RuntimeError("emulator did not start")


async def measure(profile: str, n: int, rate: float, seconds: float) -> dict[str, float]:
    found = [f for f in await scan(timeout_s=1.0) if f.driver == profile]
    found.sort(key=lambda f: f.address)
    assert len(found) == n, f"expected {n} emulated {profile} sensors, found {len(found)}"
    counts = dict.fromkeys((f"s{i}" for i in range(n)), 0)

    def sink(label: str, samples) -> None:
        counts[label] += samples.n_samples

    session = LiveSession(
        [SessionDevice(f"s{i}", f, DRIVERS[profile], rate) for i, f in enumerate(found)],
        sink=sink,
    )
    await session.start()
    await asyncio.sleep(1.0)  # settle
    start_counts = dict(counts)
    cpu0, wall0 = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    cpu1, wall1 = time.process_time(), time.monotonic()
    end_counts = dict(counts)
    await session.stop()
    elapsed = wall1 - wall0
    received = sum(end_counts[k] - start_counts[k] for k in counts)
    missing = sum(s.missing_samples for s in session.stats.values())
    malformed = sum(s.malformed_packets for s in session.stats.values())
    return {
        "cpu_pct": 100 * (cpu1 - cpu0) / elapsed,
        "received_per_s": received / elapsed,
        "expected_per_s": n * rate,
        "missing": missing,
        "malformed": malformed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    bus = start_private_bus()
    os.environ.update(bus.env())
    try:
        print(f"{'scenario':<22} {'client CPU':>11} {'per sensor':>11} {'samples/s':>16} lost")
        for profile, n, rate in SCENARIOS:
            emulator = start_emulator(bus.env(), bus.address, profile, n)
            try:
                result = asyncio.run(measure(profile, n, rate, args.seconds))
            finally:
                emulator.send_signal(signal.SIGTERM)
                emulator.wait(timeout=10)
            name = f"{n} x {profile} {rate:g} Hz"
            print(
                f"{name:<22} {result['cpu_pct']:>10.1f}% {result['cpu_pct'] / n:>10.1f}% "
                f"{result['received_per_s']:>7.0f} / {result['expected_per_s']:<6.0f} "
                f"{result['missing']:.0f} samples, {result['malformed']:.0f} malformed"
            )
    finally:
        bus.stop()


if __name__ == "__main__":
    main()
