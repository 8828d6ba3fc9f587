"""After kill -9 of the parent, no child is left behind (issue 17, orphans).

The bounds are generous (20 s) so that they hold on a loaded machine; the children check
every 0.2-0.5 s.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from repscope.batch.executors import process_alive


def _wait_until(condition, timeout_s: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_killed_emulator_leaves_no_dbus_daemon_nor_folder():
    pytest.importorskip("dbus_fast")
    # a short parent: a unix socket's path must stay under 108 bytes, and pytest's
    # tmp_path (/tmp/pytest-of-USER/pytest-N/test_killed_emulator_leaves_no_0) is too long
    parent = Path(tempfile.mkdtemp(prefix="rs-orphan-", dir="/tmp"))
    code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from repscope.ble.emulator import start_private_bus
        bus = start_private_bus(parent=Path({str(parent)!r}))
        print(bus.pid, bus.folder, flush=True)
        time.sleep(600)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().split()
    daemon_pid, folder = int(line[0]), Path(line[1])
    assert process_alive(daemon_pid) and folder.exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    try:
        assert _wait_until(lambda: not process_alive(daemon_pid) and not folder.exists())
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def test_killed_batch_leaves_no_worker(tmp_path):
    code = textwrap.dedent(
        """
        import os, sys
        from repscope.batch.executors import LocalExecutor
        pool = LocalExecutor(2)
        pids = pool.pool.submit(os.getpid).result(), pool.pool.submit(os.getpid).result()
        print(*set(pids), flush=True)
        import time; time.sleep(600)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    workers = [int(p) for p in proc.stdout.readline().split()]
    assert workers and all(process_alive(p) for p in workers)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _wait_until(lambda: not any(process_alive(p) for p in workers))


def test_process_alive_sees_zombies_as_dead():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    assert _wait_until(lambda: not process_alive(proc.pid))  # exited, not yet reaped
    proc.wait()
    assert not process_alive(proc.pid)
    assert process_alive(os.getpid())
