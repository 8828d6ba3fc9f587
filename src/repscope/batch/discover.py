"""Find the recordings a batch analyses.

Rules (:func:`discover`):

1. A path to a file is taken as it is, whatever its content (a file that is not a
   recording is then reported as failed), except a ``<stem>.json`` sidecar beside its
   project CSV ``<stem>.csv``, which is part of that recording, not a recording of its own.
2. A path to a folder is searched recursively (hidden files and folders, and the batch's
   own output folder, are left out) for ``.csv``, ``.parquet`` and ``.pq`` files, and
   each is kept only if its content looks like a recording: a CSV whose header names the
   project columns (``time_s``, ``acc_x_g``, ...) or is a MetaMotion export, a CSV
   without a header whose first line is all numbers (another sensor's), a Parquet
   file with those columns. Other tables in the folder (ground truth, notes, results) are
   skipped. A file whose content cannot be looked at (empty, not UTF-8, broken Parquet)
   is kept so that the batch reports it.
3. A path that does not exist but holds ``*``, ``?`` or ``[`` is a glob pattern
   (``**`` crosses folders); matched files and folders are treated as in rule 2.
4. A MetaMotion gyroscope export whose accelerometer partner is also found is dropped:
   the reader joins the pair when it reads the accelerometer file.
5. Duplicates (the same file reached twice) are dropped; the result is sorted by the
   path's text, which is the order of the batch's output rows.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from repscope.errors import InputError

#: File extensions searched in folders.
RECORDING_SUFFIXES: tuple[str, ...] = (".csv", ".parquet", ".pq")


def _header(path: Path) -> list[str] | None:
    """CSV header, or None when the file cannot be read as text."""
    from repscope.io.detect import read_header

    try:
        return read_header(path)
    except (InputError, OSError):
        return None


def looks_like_recording(path: Path) -> bool:
    """Whether a file found in a folder should be analysed (rule 2 of the module docs)."""
    from repscope.io.detect import PARQUET_MAGIC, is_metamotion_header
    from repscope.io.generic_csv import is_plain_number_row
    from repscope.recording import ALL_COLUMNS

    suffix = path.suffix.lower()
    if suffix not in RECORDING_SUFFIXES:
        return False
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError:
        return True
    if magic == PARQUET_MAGIC:
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(path).names
        except Exception:  # a broken Parquet file is reported by the batch
            return True
        return any(name in ALL_COLUMNS for name in names)
    header = _header(path)
    if header is None:
        return True
    return (
        is_metamotion_header(header)
        or any(name in ALL_COLUMNS for name in header)
        or is_plain_number_row(header)
    )


def _is_gyroscope_only(path: Path) -> bool:
    from repscope.io.detect import is_metamotion_header
    from repscope.io.metamotion import ACC_AXES, GYR_AXES

    if path.suffix.lower() != ".csv":
        return False
    header = _header(path)
    if header is None or not is_metamotion_header(header):
        return False
    return any(c in GYR_AXES for c in header) and not any(c in ACC_AXES for c in header)


def _is_sidecar(path: Path) -> bool:
    return path.suffix.lower() == ".json" and path.with_suffix(".csv").is_file()


def _inside(path: Path, folders: tuple[Path, ...]) -> bool:
    absolute = path.resolve()
    return any(absolute == f or f in absolute.parents for f in folders)


def _walk(folder: Path, exclude: tuple[Path, ...]) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        root_path = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not _inside(root_path / d, exclude)
        )
        for name in sorted(files):
            if not name.startswith("."):
                yield root_path / name


def _searched(path: Path, exclude: tuple[Path, ...]) -> Iterator[Path]:
    """Files under a folder (or the file itself) that look like recordings."""
    candidates = _walk(path, exclude) if path.is_dir() else iter([path])
    for candidate in candidates:
        if (
            candidate.is_file()
            and not _inside(candidate, exclude)
            and looks_like_recording(candidate)
        ):
            yield candidate


def discover(paths: Iterable[str | Path], *, exclude: Iterable[str | Path] = ()) -> list[Path]:
    """Return the recordings named by ``paths`` (files, folders, glob patterns), sorted.

    Parameters
    ----------
    paths
        Files, folders (searched recursively) and glob patterns; see the module docs for
        what is kept.
    exclude
        Folders never searched (the batch passes its output folder).

    Raises
    ------
    InputError
        A path that does not exist (and is not a pattern), or a pattern that matches nothing.
    """
    excluded = tuple(Path(p).resolve() for p in exclude)
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        text = str(raw)
        if path.is_file():
            if not _is_sidecar(path):
                found.append(path)
        elif path.is_dir():
            found.extend(_searched(path, excluded))
        elif glob.has_magic(text):
            matches = sorted(glob.glob(text, recursive=True))  # noqa: PTH207 (absolute patterns)
            if not matches:
                raise InputError(
                    "the pattern matches no file", path=text, hint="Check the pattern."
                )
            for match in matches:
                found.extend(_searched(Path(match), excluded))
        else:
            raise InputError(
                "no such file or folder", path=text, hint="Check the path and the spelling."
            )
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    kept = {key: path for key, path in unique.items() if not _drop_gyroscope(path, unique)}
    return sorted(kept.values(), key=str)


def _drop_gyroscope(path: Path, found: dict[Path, Path]) -> bool:
    """Rule 4: a gyroscope export whose accelerometer partner is in the batch."""
    if not _is_gyroscope_only(path):
        return False
    from repscope.io.metamotion import find_partner

    partner = find_partner(path)
    return partner is not None and partner.resolve() in found
