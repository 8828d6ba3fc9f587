"""`repscope emulate` in its own process on a private bus, for tests that need a sensor.

Shared by the BLE recorder, live and history tests: start a private dbus-daemon, run the
emulator against it, wait for its ``ready`` line, and stop both afterwards whatever
happens.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from repscope.ble.emulator import PrivateBus, start_private_bus

REPSCOPE = [sys.executable, "-m", "repscope.cli.main"]


def readline(proc: subprocess.Popen[str], timeout_s: float) -> str:
    """Next line of the process's stdout; AssertionError if none comes within the timeout."""
    deadline = time.monotonic() + timeout_s
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    buffer = ""
    while time.monotonic() < deadline:
        chunk = proc.stdout.readline()
        if chunk:
            buffer += chunk
            if buffer.endswith("\n"):
                return buffer
        elif proc.poll() is not None:
            break
        time.sleep(0.02)
    raise AssertionError(f"no line from the emulator within {timeout_s} s: {buffer!r}")


@contextmanager
def emulator_process(
    args: list[str], *, max_lines: int = 10, timeout_s: float = 90.0
) -> Iterator[tuple[PrivateBus, list[str]]]:
    """Run ``repscope emulate --bus-address BUS *args``; yield the bus and its start-up lines.

    The lines up to and including ``ready`` are yielded so a test can check what the
    emulator announced. ``timeout_s`` bounds each line as a runaway guard, not a timing:
    20 s was exceeded on a 2-core machine at a load average of 10-14 (a new Python
    process importing the stack), where the emulator then worked normally.
    """
    bus = start_private_bus()
    proc = subprocess.Popen(
        [*REPSCOPE, "emulate", "--bus-address", bus.address, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=bus.env(),
    )
    try:
        lines: list[str] = []
        while len(lines) < max_lines and (not lines or lines[-1].strip() != "ready"):
            lines.append(readline(proc, timeout_s))
        assert lines[-1].strip() == "ready", lines
        yield bus, lines
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        finally:
            if proc.poll() is None:
                proc.kill()
            bus.stop()
