"""Files that survive a crash: whole lines appended and fsync'ed, sidecars replaced atomically.

A recorder killed with ``kill -9`` (or a machine that loses power) must leave files that
read back: never a partial line, never a half-written sidecar.

* :class:`CrashSafeAppender` collects complete lines in memory and appends them with one
  ``write`` system call every ``interval_s``, then ``fsync``; a crash loses at most the
  last interval. ``O_APPEND`` keeps each write at the end of the file.
* :func:`atomic_write_text` writes a temporary file, ``fsync``s it and renames it over
  the old one (POSIX ``rename`` is atomic), then ``fsync``s the directory so the rename
  itself is durable.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from repscope.errors import InputError

#: Longest time rows wait in memory before they are written and fsync'ed.
DEFAULT_FLUSH_INTERVAL_S = 0.25


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that a crash leaves the old or the new file."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        _write_all(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    tmp.replace(path)
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class CrashSafeAppender:
    """Append whole lines to a file, writing and fsync'ing at most every ``interval_s``."""

    def __init__(self, path: Path, *, header: str | None, interval_s: float, overwrite: bool):
        self.path = path
        self.interval_s = interval_s
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | (os.O_TRUNC if overwrite else os.O_EXCL)
        try:
            self.fd: int | None = os.open(path, flags, 0o644)
        except FileExistsError:
            raise InputError(
                "file already exists", path=path, hint="Choose another name or pass --force."
            ) from None
        self._pending: list[str] = []
        self._last_flush = time.monotonic()
        self.bytes_written = 0
        if header is not None:
            self._pending.append(header)
            self.flush()

    def append(self, text: str) -> None:
        """Queue complete lines (``text`` must end with a newline)."""
        if text:
            self._pending.append(text)
        if time.monotonic() - self._last_flush >= self.interval_s:
            self.flush()

    def flush(self) -> None:
        """Write the queued lines with one system call and fsync."""
        self._last_flush = time.monotonic()
        if not self._pending or self.fd is None:
            return
        data = "".join(self._pending).encode("utf-8")
        self._pending.clear()
        _write_all(self.fd, data)
        os.fsync(self.fd)
        self.bytes_written += len(data)

    def close(self) -> None:
        """Flush and close."""
        self.flush()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
