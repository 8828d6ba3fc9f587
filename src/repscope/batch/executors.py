"""Where the files of a batch are analysed: in the driver, in local processes, or on Dask.

All three give the same interface, a small seam the driver's windowed loop drives:
``submit(job) -> future``, ``wait_any(futures) -> done futures``, ``slots`` (how many
files run at once) and ``close()``. Futures answer ``result()``.

Local processes use :class:`concurrent.futures.ProcessPoolExecutor` rather than Dask's
local scheduler: the default path then needs nothing beyond the standard library (Dask is
an optional extra), a worker process costs one fork, and the same submit-and-wait loop
drives both backends. The pool starts its workers with the ``forkserver`` method (where
the platform has it, else ``spawn``): forking the driver directly could copy a lock held
by one of its threads (the progress bar redraws from a thread) and hang the child.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Protocol

from repscope.batch.worker import FileJob, FileResult, analyse_file
from repscope.errors import InputError

DASK_HINT = 'Install it with: pip install "repscope[dask]"'
#: Modules the forkserver imports before it forks workers.
PRELOAD: tuple[str, ...] = ("repscope.batch.worker", "repscope.analysis", "repscope.io")
#: Seconds to wait for a Dask scheduler to answer.
CONNECT_TIMEOUT_S = 15.0


def default_workers() -> int:
    """Return the number of CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust kill(0)
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def die_with_parent(parent_pid: int, *, interval_s: float = 0.5) -> None:
    """Pool-worker initializer: exit when the batch driver ``parent_pid`` is gone.

    A driver killed with SIGKILL cannot shut its pool down, and the workers (children of
    the forkserver, not of the driver) would wait for work forever. A daemon thread checks
    every ``interval_s`` that the driver still runs and ends the worker otherwise.
    """

    def watch() -> None:
        while process_alive(parent_pid):
            time.sleep(interval_s)
        os._exit(1)

    threading.Thread(target=watch, name="repscope-parent-watch", daemon=True).start()


class Executor(Protocol):
    """What the batch driver needs from a backend."""

    slots: int
    name: str

    def submit(self, job: FileJob) -> Any:
        """Start one file; return a future."""

    def wait_any(self, futures: set[Any]) -> set[Any]:
        """Block until at least one future is done; return the done ones."""

    def close(self) -> None:
        """Release workers and connections."""


class SerialExecutor:
    """Analyse each file in the driver process, at submission (``workers=1``)."""

    name = "in-process"

    def __init__(self) -> None:
        self.slots = 1

    def submit(self, job: FileJob) -> cf.Future[FileResult]:
        """Start one file; return its future."""
        future: cf.Future[FileResult] = cf.Future()
        future.set_result(analyse_file(job))
        return future

    def wait_any(self, futures: set[Any]) -> set[Any]:
        """Block until a future is done; return the done ones."""
        return set(futures)

    def close(self) -> None:
        """Release the workers."""
        return None


class LocalExecutor:
    """A pool of ``workers`` local processes."""

    def __init__(self, workers: int) -> None:
        methods = multiprocessing.get_all_start_methods()
        method = "forkserver" if "forkserver" in methods else "spawn"
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            # Imported once in the server, so that each forked worker starts warm.
            context.set_forkserver_preload(list(PRELOAD))
        self.pool = cf.ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )
        self.slots = workers
        self.name = f"{workers} local processes"

    def submit(self, job: FileJob) -> cf.Future[FileResult]:
        """Start one file; return its future."""
        return self.pool.submit(analyse_file, job)

    def wait_any(self, futures: set[Any]) -> set[Any]:
        """Block until a future is done; return the done ones."""
        done, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return set(done)

    def close(self) -> None:
        """Release the workers."""
        self.pool.shutdown(wait=True, cancel_futures=True)


def import_distributed() -> Any:
    """Import :mod:`distributed`, or raise :class:`InputError` saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise InputError(
            "running on a Dask cluster needs dask.distributed, which is not installed",
            where="--scheduler",
            hint=DASK_HINT,
        ) from None
    return distributed


class DaskExecutor:
    """Files run as tasks on a Dask distributed cluster.

    Parameters
    ----------
    scheduler
        The scheduler's address (``tcp://host:8786``) or a connected
        :class:`distributed.Client` (left open at :meth:`close`).
    workers
        Files in flight at once is twice this; default: the cluster's worker threads.

    Notes
    -----
    Workers open the files by absolute path, so they must see the same file system as
    the driver (one machine, or a shared mount) and have repscope installed.
    """

    def __init__(self, scheduler: Any, workers: int | None = None) -> None:
        distributed = import_distributed()
        if isinstance(scheduler, str):
            _check_reachable(scheduler)
            try:
                self.client = distributed.Client(
                    scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False
                )
            except (OSError, TimeoutError, ValueError) as exc:
                raise InputError(
                    f"cannot connect to the Dask scheduler at {scheduler} ({exc})",
                    where="--scheduler",
                    hint="Check the address (tcp://HOST:PORT) and that `dask scheduler` runs.",
                ) from None
            self._owned = True
            self.name = f"Dask scheduler {scheduler}"
        else:
            self.client = scheduler
            self._owned = False
            self.name = f"Dask scheduler {getattr(scheduler.scheduler, 'address', '')}"
        threads = sum(self.client.nthreads().values())
        self.slots = workers or max(1, threads)
        # Yields each submitted future once, when it is done (no default client needed).
        self._completed = distributed.as_completed(loop=self.client.loop)

    def submit(self, job: FileJob) -> Any:
        """Start one file; return its future."""
        key = f"repscope-batch-{uuid.uuid4().hex}"
        future = self.client.submit(analyse_file, job, key=key, pure=False)
        self._completed.add(future)
        return future

    def wait_any(self, futures: set[Any]) -> set[Any]:
        """Block until a future is done; return the done ones."""
        first = next(self._completed)
        return {first, *self._completed.next_batch(block=False)}

    def close(self) -> None:
        """Release the workers."""
        if self._owned:
            self.client.close()


def _check_reachable(address: str) -> None:
    """Fail fast, with the usage error, when a ``tcp://`` scheduler does not answer.

    Checked with a plain socket before :class:`distributed.Client` is made: a client
    that failed to connect keeps trying to close itself until the interpreter exits.
    """
    from urllib.parse import urlsplit

    given = address
    if "://" not in address:
        address = f"tcp://{address}"  # distributed's default protocol
    elif address.startswith("inproc://"):
        return  # a cluster inside this process (answers at once or not at all)
    elif not address.startswith(("tcp://", "tls://")):
        # distributed would retry other protocols for its whole timeout, then fail with a
        # traceback: say at once what it takes
        raise InputError(
            f"{given!r} is not a tcp:// or tls:// scheduler address",
            where="--scheduler",
            hint="Write it as tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786 (from Python, "
            "pass a connected distributed.Client for other protocols).",
        )
    try:
        parts = urlsplit(address)
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if host is None or port is None:
        raise InputError(
            f"{given!r} is not a scheduler address",
            where="--scheduler",
            hint="Write it as tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786.",
        )
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise InputError(
            f"cannot connect to the Dask scheduler at {given} ({exc.strerror or exc})",
            where="--scheduler",
            hint="Check the address and that `dask scheduler` runs there.",
        ) from None


def make_executor(workers: int | None, scheduler: Any) -> Executor:
    """Return the backend for ``workers`` local processes or a Dask ``scheduler``."""
    if scheduler is not None:
        return DaskExecutor(scheduler, workers)
    count = default_workers() if workers is None else workers
    if count < 1:
        raise InputError(f"workers must be at least 1, got {count}", where="--workers")
    if count == 1:
        return SerialExecutor()
    return LocalExecutor(count)
