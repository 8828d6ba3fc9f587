"""The batch driver: discover, hash, skip what is cached, analyse the rest, store, assemble."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from repscope.batch.discover import discover
from repscope.batch.executors import Executor, make_executor
from repscope.batch.store import OUTPUT_FORMATS, Store, cache_key
from repscope.batch.worker import FileJob, FileResult
from repscope.errors import InputError
from repscope.io.generic_csv import CsvImport

#: ``on_session(session_row, sets, reps)``, called in the driver for each analysed file.
SessionHook = Callable[[dict[str, Any], pd.DataFrame, pd.DataFrame], None]


@dataclass(frozen=True)
class FileFailure:
    """A file the batch could not analyse: its path and the one-line reason."""

    path: str
    reason: str
    internal: bool = False


@dataclass
class BatchSummary:
    """What a batch did.

    Attributes
    ----------
    files
        Recordings found.
    analysed, skipped, failed
        Files analysed in this run, skipped because their cached result was current,
        and failed (see ``failures``).
    sessions, sets, reps
        Rows in the output tables (analysed and skipped files).
    recording_s
        Total duration of the recordings analysed in this run.
    worker_s
        Wall time the workers spent on the files of this run (reading and analysing),
        summed; ``worker_s / wall_s`` is how many workers were busy on average.
    worker_cpu_s
        CPU time of the same work: below ``worker_s`` when workers waited for a core
        (more workers than free cores), so ``worker_cpu_s / analysed`` is the cost of
        a file whatever else runs on the machine.
    wall_s
        Wall time of the whole run (discovery to the assembled tables).
    failures
        One entry per failed file, in path order.
    outputs
        ``{"sessions": path, "sets": path, "reps": path}``.
    executor
        Where the files ran (``"in-process"``, ``"2 local processes"``, a Dask address).
    """

    files: int = 0
    analysed: int = 0
    skipped: int = 0
    failed: int = 0
    sessions: int = 0
    sets: int = 0
    reps: int = 0
    recording_s: float = 0.0
    worker_s: float = 0.0
    worker_cpu_s: float = 0.0
    wall_s: float = 0.0
    failures: list[FileFailure] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)
    executor: str = "none (nothing to analyse)"

    @property
    def realtime_multiple(self) -> float:
        """Recording time analysed per second of wall time (0 when nothing was analysed)."""
        return self.recording_s / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def ok(self) -> bool:
        """Whether no file failed."""
        return self.failed == 0

    @property
    def exit_code(self) -> int:
        """0 when every file was analysed or skipped, 1 when some failed."""
        return 0 if self.ok else 1


def _options(
    placement: str | None, exercise: str | None, tempo: str | None, fmt: str
) -> dict[str, Any]:
    """Check the options once (bad ones are usage errors) and return the cache-key part."""
    from repscope.analysis.profiles import get_profile
    from repscope.recording import PLACEMENTS
    from repscope.tempo import parse_tempo

    if placement is not None and placement not in PLACEMENTS:
        raise InputError(
            f"placement must be one of {', '.join(PLACEMENTS)}, got {placement!r}",
            where="--placement",
        )
    exercise_name = None if exercise is None else get_profile(exercise).name
    tempo_code = None if tempo is None else parse_tempo(tempo).code()
    if fmt not in OUTPUT_FORMATS:
        raise InputError(
            f"unknown output format {fmt!r}",
            where="--format",
            hint=f"Use one of: {', '.join(OUTPUT_FORMATS)}.",
        )
    return {"placement": placement, "exercise": exercise_name, "tempo": tempo_code}


def _partner_sha256(path: Path) -> str | None:
    """Hash of a MetaMotion export's partner file (read together with it), if any."""
    from repscope.analysis.session import file_sha256
    from repscope.io.metamotion import find_partner

    partner = find_partner(path)
    return None if partner is None else file_sha256(partner)


@contextlib.contextmanager
def _progress_bar(enabled: bool, total: int) -> Iterator[Callable[[str], None]]:
    """Yield ``advance(description)``; a rich progress bar on stderr when enabled."""
    if not enabled:
        yield lambda _description: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task("batch", total=total)

        def advance(description: str) -> None:
            bar.update(task, advance=1, description=description)

        yield advance


def run_batch(
    paths: Iterable[str | Path],
    *,
    out_dir: str | Path,
    workers: int | None = None,
    scheduler: Any = None,
    placement: str | None = None,
    exercise: str | None = None,
    tempo: str | None = None,
    force: bool = False,
    fmt: str = "parquet",
    progress: bool = True,
    on_session: SessionHook | None = None,
    csv_import: CsvImport | None = None,
) -> BatchSummary:
    """Analyse many recordings and write ``sessions``, ``sets`` and ``reps`` tables to ``out_dir``.

    Steps:

    1. :func:`repscope.batch.discover` the recordings (files, folders, glob patterns).
    2. Hash each file (:func:`repscope.analysis.session.file_sha256`) and build its cache
       key from the hash, the options and the repscope version; a file whose key is in
       ``out_dir/manifest.json`` is skipped unless ``force``.
    3. Analyse the others on the executor, keeping at most ``2 × workers`` files in
       flight; each worker returns only the session row and the set and rep tables
       (:func:`repscope.batch.worker.analyse_file`).
    4. As results arrive, buffer them and write them to ``out_dir/parts/`` in parts of 64
       sessions (:class:`repscope.batch.store.Store`); report failures and go on.
    5. Assemble ``sessions``, ``sets`` and ``reps`` (Parquet or CSV) from the parts,
       streaming, rows sorted by source path, set and rep.

    The output is the same whatever the executor and the number of workers.

    Parameters
    ----------
    paths
        Files, folders (searched recursively) and glob patterns.
    out_dir
        Output folder (created). Also holds the cache: keep it to skip unchanged files.
    workers
        Local processes; default: the number of CPUs. ``1`` analyses in this process.
        With ``scheduler``, the number of files in flight is twice this (default: the
        cluster's worker threads).
    scheduler
        Dask scheduler address (``tcp://HOST:PORT``) or a :class:`distributed.Client`:
        run on that cluster instead of local processes (needs ``repscope[dask]``).
    placement, exercise, tempo
        Applied to every file; ``None`` takes placement and exercise from each file's
        metadata (no tempo then). Part of the cache key.
    force
        Analyse every file even when its cached result is current.
    fmt
        ``"parquet"`` or ``"csv"`` for the three final tables (parts are always Parquet).
    progress
        Show a progress bar on stderr.
    on_session
        Called in this process as ``on_session(session_row, sets, reps)`` for each file
        analysed in this run (not for skipped ones; pass ``force=True`` to see every
        file), in completion order. ``session_row`` has
        :data:`repscope.analysis.session.SESSION_COLUMNS`; ``sets`` and ``reps`` are the
        DataFrames written to the output, with the session columns in front. It is the
        hook for adding sessions to a training history. An exception raised by it stops
        the batch; the files passed to it before stay cached, the file it failed on does
        not (the next run passes it again).

    Returns
    -------
    BatchSummary
        Counts, failures, timings and the output paths.

    Raises
    ------
    InputError
        Bad options, a path that does not exist, no recordings found, an unusable output
        folder or an unreachable scheduler. Problems with single files are not raised:
        they are in ``BatchSummary.failures``.
    """
    import repscope
    from repscope.analysis.session import file_sha256

    start = time.perf_counter()
    options = _options(placement, exercise, tempo, fmt)
    if csv_import is not None:
        options["import"] = csv_import.to_dict()
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}", where="--workers")
    out = Path(out_dir)
    files = discover(paths, exclude=[out])
    if not files:
        _refuse_inputs_inside_out(paths, out)
        raise InputError(
            "no recordings found",
            where="PATH",
            hint="Give recording files, folders holding them, or a quoted glob pattern.",
        )
    store = Store(out)
    summary = BatchSummary(files=len(files))
    version = repscope.__version__

    def job_for(path: Path) -> tuple[FileJob, str] | None:
        source = str(path)
        try:
            content = file_sha256(path)
            key = cache_key(
                content,
                options=options,
                repscope_version=version,
                partner_sha256=_partner_sha256(path),
            )
        except OSError as exc:
            fail(source, f"cannot read the file ({exc.strerror or exc})")
            return None
        cached = None if force else store.cached(source, key)
        if cached is not None:
            store.keep(source, cached)
            summary.skipped += 1
            advance(status())
            return None
        job = FileJob(
            path=str(path.resolve()),
            source_path=source,
            content_sha256=content,
            placement=placement,
            exercise=exercise,
            tempo=tempo,
            csv_import=csv_import,
        )
        return job, key

    def fail(source: str, reason: str, internal: bool = False) -> None:
        summary.failures.append(FileFailure(source, reason, internal))
        summary.failed += 1
        advance(status())

    def status() -> str:
        return f"analysed {summary.analysed}, skipped {summary.skipped}, failed {summary.failed}"

    def handle(result: FileResult, key: str) -> None:
        summary.worker_s += result.elapsed_s
        summary.worker_cpu_s += result.cpu_s
        if not result.ok:
            fail(result.source_path, str(result.error), result.internal)
            return
        session = result.session
        assert session is not None and result.sets is not None and result.reps is not None
        if on_session is not None:
            # Before the result is stored: if the hook fails, the file is not cached and
            # the next run analyses it (and calls the hook) again.
            on_session(dict(session), result.sets.to_pandas(), result.reps.to_pandas())
        store.add(result, key)
        summary.analysed += 1
        summary.recording_s += float(session["duration_s"])
        advance(status())

    # The executor starts at the first file to analyse: a run where every file is
    # cached starts no process and connects to no cluster.
    executor: Executor | None = None
    window = 1
    remaining = iter(files)
    in_flight: dict[Any, tuple[FileJob, str]] = {}
    with _progress_bar(progress, len(files)) as advance:
        try:
            while True:
                while len(in_flight) < window:
                    path = next(remaining, None)
                    if path is None:
                        break
                    made = job_for(path)
                    if made is None:
                        continue
                    if executor is None:
                        executor = make_executor(workers, scheduler)
                        summary.executor = executor.name
                        window = 2 * executor.slots
                    in_flight[executor.submit(made[0])] = made
                if not in_flight:
                    break
                assert executor is not None
                done = executor.wait_any(set(in_flight))
                for future in sorted(done, key=lambda f: in_flight[f][0].source_path):
                    job, key = in_flight.pop(future)
                    try:
                        result = future.result()
                    except Exception as exc:  # the worker itself died or was lost
                        result = FileResult(
                            job.source_path,
                            error=f"internal error ({type(exc).__name__}: {exc})",
                            internal=True,
                        )
                    handle(result, key)
        finally:
            if executor is not None:
                executor.close()
            store.flush()
    summary.outputs = store.assemble(fmt)
    summary.sessions = len(store.current)
    summary.sets = sum(entry.n_sets for entry in store.current.values())
    summary.reps = sum(entry.n_reps for entry in store.current.values())
    summary.failures.sort(key=lambda f: f.path)
    summary.wall_s = time.perf_counter() - start
    return summary


def _refuse_inputs_inside_out(paths: Any, out: Path) -> None:
    """Explain an empty batch whose inputs are the output folder (or inside it)."""
    given = [paths] if isinstance(paths, (str, Path)) else list(paths)
    out_real = out.resolve()
    for item in given:
        path = Path(item).resolve()
        if path == out_real or out_real in path.parents:
            raise InputError(
                f"{item} is the output folder {out} (or inside it), whose files batch skips",
                where="PATH",
                hint="Give --out a folder of its own, e.g. --out results/.",
            )
