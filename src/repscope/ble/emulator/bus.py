"""A private ``dbus-daemon`` for the emulated BlueZ, and the ``bluetoothctl`` shim.

The emulator must never touch the machine's real system bus: a stand-in ``org.bluez``
there would shadow (or fight with) the real Bluetooth daemon. Everything here therefore
works on a throw-away bus started from a temporary folder:

1. :func:`start_private_bus` writes a bus configuration that allows every connection to
   own any name and talk to anyone (it is only reachable through a socket file in a
   private folder), runs ``dbus-daemon --fork --print-address --print-pid`` and returns a
   :class:`PrivateBus` holding the address and the daemon's pid.
2. Clients (bleak) reach it by ``DBUS_SYSTEM_BUS_ADDRESS=<address>``: bleak always opens
   the *system* bus, and dbus-fast reads that variable when it connects.
3. :func:`write_bluetoothctl_shim` writes a two-line ``bluetoothctl`` script that prints a
   BlueZ version. bleak runs ``bluetoothctl --version`` once per process before the first
   connection and refuses BlueZ older than 5.55; with the shim first on ``PATH`` the answer
   is deterministic whatever is (or is not) installed.
4. :meth:`PrivateBus.stop` kills the daemon by its pid (never by name) and removes the
   folder. A small watchdog process started beside the daemon does the same if the
   process that started it dies without stopping it (``kill -9``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from repscope.errors import RepscopeError

#: Socket folders of real system buses; an address under one of them is refused.
SYSTEM_BUS_DIRS: tuple[str, ...] = ("/var/run/dbus", "/run/dbus")

#: The BlueZ version the shim reports (bleak needs >= 5.55).
SHIM_BLUEZ_VERSION = "5.66"

_BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <!-- repscope emulated BlueZ: a private bus reachable only through its socket file. -->
  <type>repscope-emulated-system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
  <limit name="max_replies_per_connection">50000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
</busconfig>
"""


class EmulatorError(RepscopeError):
    """The emulated BlueZ cannot run (no dbus-daemon, or a real system bus was given)."""


#: Marker in the configuration of a bus started by :func:`start_private_bus`.
PRIVATE_BUS_TYPE = "repscope-emulated-system"
#: Names of the socket and the configuration inside a private bus folder.
SOCKET_NAME = "bus"
CONFIG_NAME = "bus.conf"


def parse_bus_address(address: str) -> list[tuple[str, dict[str, str]]]:
    """Split a D-Bus address into ``(transport, options)`` entries as the client will.

    Uses dbus-fast's own parser (bleak connects through dbus-fast), so percent-escapes
    (``%2F``) are decoded exactly as they will be when connecting.

    Raises
    ------
    EmulatorError
        When the address does not parse.
    """
    from dbus_fast._private.address import parse_address

    try:
        return parse_address(address)
    except Exception as exc:  # dbus-fast raises InvalidAddressError (a TypeError)
        raise EmulatorError(f"{address!r} is not a D-Bus address: {exc}") from None


def private_bus_socket(path: str | Path) -> Path | None:
    """Return the real socket path if ``path`` is the socket of a repscope private bus.

    A relative path is taken from the current folder, as the client's ``connect`` takes
    it; symbolic links are resolved. The socket must be named ``bus`` and sit in a folder
    holding the configuration :func:`start_private_bus` writes (its bus type is
    :data:`PRIVATE_BUS_TYPE`), outside every folder of :data:`SYSTEM_BUS_DIRS`.
    """
    real = Path(os.path.realpath(Path.cwd() / path))
    for folder in SYSTEM_BUS_DIRS:
        system = Path(os.path.realpath(folder))
        if real == system or system in real.parents:
            return None
    if real.name != SOCKET_NAME:
        return None
    config = real.parent / CONFIG_NAME
    try:
        text = config.read_text(errors="replace")
    except OSError:
        return None
    if f"<type>{PRIVATE_BUS_TYPE}</type>" not in text:
        return None
    return real


def check_private_bus_address(address: str | None) -> str:
    """Return ``address`` if it is a repscope private bus, else raise :class:`EmulatorError`.

    The address is parsed as the D-Bus client will parse it (:func:`parse_bus_address`:
    escapes decoded, every ``;``-separated entry), and each entry must be a
    ``unix:path=`` socket of a bus started by :func:`start_private_bus`
    (:func:`private_bus_socket`: relative paths and symbolic links resolved). Anything
    else is refused: an empty address, the system bus under any spelling, TCP, abstract
    or ``tmpdir`` sockets, or another program's bus.
    """
    if not address:
        raise EmulatorError(
            "DBUS_SYSTEM_BUS_ADDRESS is not set; the emulated BlueZ only runs on a private "
            "bus. Start one with `repscope emulate` (it prints the address to export)."
        )
    for transport, options in parse_bus_address(address):
        path = options.get("path")
        if transport != "unix" or path is None or private_bus_socket(path) is None:
            raise EmulatorError(
                f"refusing to run the emulated BlueZ on {address!r}: it is not a private bus "
                "started by `repscope emulate` (the system bus, or another program's bus, "
                "is never used). Leave out --bus-address, or give the address "
                "`repscope emulate` printed."
            )
    return address


@dataclass
class PrivateBus:
    """A running private ``dbus-daemon``.

    Attributes
    ----------
    address
        The bus address (``unix:path=...,guid=...``) to export as
        ``DBUS_SYSTEM_BUS_ADDRESS``.
    pid
        The daemon's process id.
    folder
        Temporary folder holding the socket, the configuration and the shim.
    """

    address: str
    pid: int
    folder: Path
    watchdog: subprocess.Popen[bytes] | None = field(default=None, repr=False, compare=False)

    @property
    def shim_dir(self) -> Path:
        """Folder holding the ``bluetoothctl`` shim (put it first on ``PATH``)."""
        return self.folder / "bin"

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment for a client process: the bus address and the shim on ``PATH``."""
        env = dict(os.environ if base is None else base)
        env["DBUS_SYSTEM_BUS_ADDRESS"] = self.address
        env["PATH"] = f"{self.shim_dir}{os.pathsep}{env.get('PATH', '')}"
        return env

    def is_running(self) -> bool:
        """Whether the daemon process still runs (a zombie awaiting its reaper does not)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # pragma: no cover - someone else's pid
            return True
        try:
            stat = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return True
        return stat.rsplit(")", 1)[-1].split()[0] != "Z"

    def stop(self, *, timeout_s: float = 2.0) -> None:
        """Stop the daemon (SIGTERM, then SIGKILL) and delete the folder."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline and self.is_running():
                _reap(self.pid)
                time.sleep(0.01)
            if self.is_running():
                os.kill(self.pid, signal.SIGKILL)
        _reap(self.pid)
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.watchdog is not None:  # it ends within 0.2 s of the daemon
            try:
                self.watchdog.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                self.watchdog.kill()
                self.watchdog.wait()

    def __enter__(self) -> PrivateBus:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _reap(pid: int) -> None:
    # The forked daemon is not our child, but reap it if it happens to be.
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def find_dbus_daemon() -> str:
    """Path of the ``dbus-daemon`` executable, or :class:`EmulatorError` if missing."""
    found = shutil.which("dbus-daemon")
    if found is None:
        for candidate in ("/usr/bin/dbus-daemon", "/bin/dbus-daemon"):
            if Path(candidate).exists():
                return candidate
        raise EmulatorError(
            "dbus-daemon not found; install it (Debian/Ubuntu: apt-get install dbus-daemon, "
            "Fedora: dnf install dbus-daemon)."
        )
    return found


def write_bluetoothctl_shim(folder: Path, *, version: str = SHIM_BLUEZ_VERSION) -> Path:
    """Write an executable ``bluetoothctl`` that prints ``version`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bluetoothctl"
    path.write_text(
        "#!/bin/sh\n"
        "# repscope emulated BlueZ: bleak asks `bluetoothctl --version` for the BlueZ version.\n"
        f'echo "bluetoothctl: {version}"\n'
    )
    path.chmod(0o755)
    return path


def start_private_bus(*, parent: Path | None = None, timeout_s: float = 5.0) -> PrivateBus:
    """Start a private ``dbus-daemon`` and return it (stop it with :meth:`PrivateBus.stop`).

    Parameters
    ----------
    parent
        Folder in which to create the bus folder (default: the system temp folder).
    timeout_s
        How long to wait for the daemon to report its address.
    """
    daemon = find_dbus_daemon()
    folder = Path(tempfile.mkdtemp(prefix="repscope-bluez-", dir=parent))
    try:
        config = folder / CONFIG_NAME
        config.write_text(_BUS_CONFIG)
        socket_path = folder / SOCKET_NAME
        write_bluetoothctl_shim(folder / "bin")
        proc = subprocess.run(
            [
                daemon,
                f"--config-file={config}",
                f"--address=unix:path={socket_path}",
                "--print-address=1",
                "--print-pid=1",
                "--fork",
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        lines = [line.strip() for line in proc.stdout.splitlines() if line.strip()]
        if proc.returncode != 0 or len(lines) < 2:
            raise EmulatorError(
                f"dbus-daemon failed to start (exit {proc.returncode}): "
                f"{' '.join(proc.stderr.split()) or 'no output'}"
            )
        address, pid = lines[0], int(lines[1])
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    bus = PrivateBus(address=check_private_bus_address(address), pid=pid, folder=folder)
    bus.watchdog = _start_watchdog(pid, folder)
    return bus


#: Run by a small process beside every private bus: when the process that started the
#: bus is gone without stopping it (killed with SIGKILL), stop the daemon by its pid and
#: remove the folder. It ends by itself once the daemon is stopped normally.
_WATCHDOG = """
import os, shutil, signal, sys, time
parent, daemon, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
while True:
    time.sleep(0.2)
    try:
        os.kill(daemon, 0)
    except OSError:
        break
    if os.getppid() != parent:
        try:
            os.kill(daemon, signal.SIGTERM)
        except OSError:
            pass
        shutil.rmtree(folder, ignore_errors=True)
        break
"""


def _start_watchdog(daemon_pid: int, folder: Path) -> subprocess.Popen[bytes]:
    import sys

    return subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-S",
            "-c",
            _WATCHDOG,
            str(os.getpid()),
            str(daemon_pid),
            str(folder),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in the terminal reaches repscope, not the watchdog
    )
