"""The batch's output folder: result parts, the manifest, and the assembled tables.

Layout of ``DIR``::

    DIR/manifest.json                   what was analysed, with which cache key, where it is
    DIR/parts/sessions/part-00001.parquet
    DIR/parts/sets/part-00001.parquet
    DIR/parts/reps/part-00001.parquet   results, written as they arrive
    DIR/sessions.parquet, DIR/sets.parquet, DIR/reps.parquet   (or .csv with --format csv)

Results are streamed: the driver keeps at most ``part_sessions`` analysed sessions (or
:data:`PART_INTERVAL_S` seconds' worth) in memory, then writes them as one part (three
single-row-group Parquet files, sessions in source-path order) and records where each
session's rows start in each of them in the manifest. The manifest is rewritten
(atomically, via a temporary file and a rename) after every part, so an interrupted or
killed batch resumes where it stopped.

:meth:`Store.assemble` walks the sessions in source-path order, slices each one's rows
out of its part (the last :data:`_OPEN_PARTS` parts read stay loaded; parts hold runs of
consecutive paths, so each is usually read once) and appends them to a
:class:`pyarrow.parquet.ParquetWriter` (or :class:`pyarrow.csv.CSVWriter`) in row groups
of about :data:`OUTPUT_ROW_GROUP_ROWS` rows: memory is bounded by a few parts and one
row group, whatever the number of sessions. Parts no longer referenced by the manifest
(files that changed or left the batch) are deleted afterwards.

The cache key of a session (:func:`cache_key`) is the SHA-256 of the file's content hash
(and its MetaMotion partner's), the analysis options, the repscope version and the
layout version :data:`LAYOUT_VERSION`; a file is skipped when its key is in the manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from repscope.batch.schema import SCHEMAS, TABLES
from repscope.batch.worker import FileResult
from repscope.errors import InputError

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "repscope-batch-manifest"
#: Bump when the part files or table columns change meaning: old caches are then unused.
LAYOUT_VERSION = 2
PARTS_DIR = "parts"
#: Sessions buffered in memory before they are written as one part.
PART_SESSIONS = 64
#: ... or after this many seconds since the oldest buffered one arrived, so that a batch
#: killed early (before a full part) loses at most this much work on its rerun.
PART_INTERVAL_S = 10.0
#: Rows per row group of the assembled Parquet tables (at most)...
OUTPUT_ROW_GROUP_ROWS = 65_536
#: ... and bytes (the session rows carry the provenance JSON, about 2 KB each).
OUTPUT_ROW_GROUP_BYTES = 8 << 20
#: Session pieces gathered before they are compacted into one table while assembling.
_COMPACT_PIECES = 64
#: Parts kept loaded while assembling.
_OPEN_PARTS = 4
OUTPUT_FORMATS: tuple[str, ...] = ("parquet", "csv")


def cache_key(
    content_sha256: str,
    *,
    options: dict[str, Any],
    repscope_version: str,
    partner_sha256: str | None = None,
) -> str:
    """Hex SHA-256 of everything a session's result depends on."""
    payload = {
        "content_sha256": content_sha256,
        "partner_sha256": partner_sha256,
        "options": options,
        "repscope_version": repscope_version,
        "layout_version": LAYOUT_VERSION,
    }
    text = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class Entry:
    """Where one analysed session's rows are, and what they summarise.

    Its rows are row ``sessions_row`` of the part's sessions file, ``n_sets`` rows from
    ``sets_row`` of its sets file and ``n_reps`` rows from ``reps_row`` of its reps file.
    """

    cache_key: str
    content_sha256: str
    session_id: str
    part: int
    sessions_row: int
    sets_row: int
    reps_row: int
    n_sets: int
    n_reps: int
    duration_s: float

    def rows(self, table: str) -> tuple[int, int]:
        """First row and number of rows of this session in the part of ``table``."""
        if table == "sessions":
            return self.sessions_row, 1
        if table == "sets":
            return self.sets_row, self.n_sets
        return self.reps_row, self.n_reps


def part_path(out_dir: Path, table: str, part: int) -> Path:
    """Path of one part file."""
    return out_dir / PARTS_DIR / table / f"part-{part:05d}.parquet"


class Store:
    """The output folder of a batch (see the module docs).

    Parameters
    ----------
    out_dir
        Output folder; created if missing.
    part_sessions
        Sessions per part (memory bound of the driver); default :data:`PART_SESSIONS`.
    """

    def __init__(self, out_dir: str | Path, *, part_sessions: int | None = None) -> None:
        self.out_dir = Path(out_dir)
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise InputError("is a file, not a folder", path=self.out_dir, where="--out")
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the folder: {exc.strerror}", path=out_dir) from None
        self.part_sessions = PART_SESSIONS if part_sessions is None else part_sessions
        self.part_interval_s = PART_INTERVAL_S
        self._buffer_since: float | None = None
        self.previous, self.outputs_written = self._load()
        self.current: dict[str, Entry] = {}
        self._buffer: list[FileResult] = []
        self._keys: dict[str, str] = {}
        self._next_part = self._first_free_part()

    # ---------------------------------------------------------------- manifest
    @property
    def manifest_path(self) -> Path:
        """Path of ``manifest.json``."""
        return self.out_dir / MANIFEST_NAME

    def _load(self) -> tuple[dict[str, Entry], list[str]]:
        path = self.manifest_path
        if not path.exists():
            return {}, []
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != MANIFEST_FORMAT:
                raise ValueError("not a repscope batch manifest")
            if data.get("layout_version") != LAYOUT_VERSION:
                return {}, []  # written by another repscope: analyse everything again
            entries = {src: Entry(**fields) for src, fields in data["sessions"].items()}
            outputs = [str(name) for name in data.get("outputs", [])]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(
                f"the batch manifest cannot be read ({exc})",
                path=path,
                hint="Delete the output folder (or choose another --out) to start afresh.",
            ) from None
        return entries, outputs

    def _save(self, sessions: dict[str, Entry], outputs: list[str]) -> None:
        """Write the manifest, one session per line, streamed (no copy of it all in memory)."""
        head = {"format": MANIFEST_FORMAT, "layout_version": LAYOUT_VERSION, "outputs": outputs}
        tmp = self.manifest_path.with_name(MANIFEST_NAME + ".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            handle.write(json.dumps(head)[:-1] + ', "sessions": {')
            for i, source in enumerate(sorted(sessions)):
                entry = json.dumps(asdict(sessions[source]))
                handle.write(f"{',' if i else ''}\n{json.dumps(source)}: {entry}")
            handle.write("\n}}\n")
        tmp.replace(self.manifest_path)

    def _first_free_part(self) -> int:
        used = [entry.part for entry in self.previous.values()]
        for table in TABLES:
            folder = self.out_dir / PARTS_DIR / table
            if folder.is_dir():
                for file in folder.glob("part-*.parquet"):
                    with contextlib.suppress(ValueError):
                        used.append(int(file.stem.split("-", 1)[1]))
        return max(used, default=0) + 1

    # ---------------------------------------------------------------- during the run
    def cached(self, source_path: str, key: str) -> Entry | None:
        """Return the previous entry of ``source_path`` if its cache key is ``key``."""
        entry = self.previous.get(source_path)
        return entry if entry is not None and entry.cache_key == key else None

    def keep(self, source_path: str, entry: Entry) -> None:
        """Carry a cached session into this run's output."""
        self.current[source_path] = entry

    def add(self, result: FileResult, key: str) -> None:
        """Buffer an analysed session; write a part when the buffer is full or old.

        A part is written at :attr:`part_sessions` sessions or when the oldest buffered
        session has waited :attr:`part_interval_s` (:data:`PART_INTERVAL_S`), so a killed
        batch keeps all but the last few seconds of its work for the rerun.
        """
        if not result.ok:
            raise ValueError("only analysed sessions are stored")
        if not self._buffer:
            self._buffer_since = time.monotonic()
        self._buffer.append(result)
        self._keys[result.source_path] = key
        waited = time.monotonic() - (self._buffer_since or 0.0)
        if len(self._buffer) >= self.part_sessions or waited >= self.part_interval_s:
            self.flush()

    def flush(self) -> None:
        """Write the buffered sessions as one part and save the manifest."""
        if not self._buffer:
            return
        part = self._next_part
        self._next_part += 1
        buffered = sorted(self._buffer, key=lambda r: r.source_path)
        for table in TABLES:
            path = part_path(self.out_dir, table, part)
            path.parent.mkdir(parents=True, exist_ok=True)
            rows = pa.concat_tables([getattr(result, table) for result in buffered])
            pq.write_table(rows, path, row_group_size=max(1, rows.num_rows))
        sets_row = reps_row = 0
        for sessions_row, result in enumerate(buffered):
            session = result.session
            assert session is not None and result.sets is not None and result.reps is not None
            self.current[result.source_path] = Entry(
                cache_key=self._keys.pop(result.source_path),
                content_sha256=str(session["content_sha256"]),
                session_id=str(session["session_id"]),
                part=part,
                sessions_row=sessions_row,
                sets_row=sets_row,
                reps_row=reps_row,
                n_sets=result.sets.num_rows,
                n_reps=result.reps.num_rows,
                duration_s=float(session["duration_s"]),
            )
            sets_row += result.sets.num_rows
            reps_row += result.reps.num_rows
        self._buffer.clear()
        self._save({**self.previous, **self.current}, self.outputs_written)

    # ---------------------------------------------------------------- at the end
    def assemble(self, fmt: str = "parquet") -> dict[str, Path]:
        """Write the final tables of this run's sessions, sorted by source path.

        Also saves the manifest (only this run's sessions) and deletes unreferenced parts
        and the previous run's outputs of another format.
        """
        if fmt not in OUTPUT_FORMATS:
            raise InputError(f"unknown output format {fmt!r}", hint="Use parquet or csv.")
        self.flush()
        order = sorted(self.current.items())
        outputs: dict[str, Path] = {}
        for table in TABLES:
            outputs[table] = self._assemble_table(table, order, fmt)
        names = [path.name for path in outputs.values()]
        for stale in set(self.outputs_written) - set(names):
            with contextlib.suppress(OSError):
                (self.out_dir / stale).unlink()
        self._save(self.current, names)
        self._delete_unreferenced_parts()
        self.previous = dict(self.current)
        self.outputs_written = names
        return outputs

    def _assemble_table(self, table: str, order: list[tuple[str, Entry]], fmt: str) -> Path:
        schema = SCHEMAS[table]
        out = self.out_dir / f"{table}.{fmt}"
        tmp = out.with_name(out.name + ".tmp")
        loaded: OrderedDict[int, pa.Table] = OrderedDict()
        writer: pq.ParquetWriter | pacsv.CSVWriter
        writer = pq.ParquetWriter(tmp, schema) if fmt == "parquet" else pacsv.CSVWriter(tmp, schema)
        try:
            compacted: list[pa.Table] = []  # tables that own their rows
            slices: list[pa.Table] = []  # views into loaded parts
            rows = size = 0
            for _, entry in order:
                first, count = entry.rows(table)
                if count:
                    piece = self._part(loaded, table, entry.part).slice(first, count)
                    slices.append(piece)
                    rows += count
                    size += piece.nbytes
                full = rows >= OUTPUT_ROW_GROUP_ROWS or size >= OUTPUT_ROW_GROUP_BYTES
                if slices and (len(slices) >= _COMPACT_PIECES or full):
                    # Copy the slices, so that they stop holding on to evicted parts.
                    compacted.append(pa.concat_tables(slices).combine_chunks())
                    slices = []
                if full:
                    writer.write_table(pa.concat_tables(compacted))
                    compacted, rows, size = [], 0, 0
            if rows:
                writer.write_table(pa.concat_tables([*compacted, *slices]))
        finally:
            writer.close()
        tmp.replace(out)
        return out

    def _part(self, loaded: OrderedDict[int, pa.Table], table: str, part: int) -> pa.Table:
        """One part of ``table``, read at most once while it stays among the recent ones."""
        rows = loaded.get(part)
        if rows is None:
            with pq.ParquetFile(part_path(self.out_dir, table, part)) as handle:
                rows = handle.read(use_threads=False)
            loaded[part] = rows
            if len(loaded) > _OPEN_PARTS:
                loaded.popitem(last=False)
        else:
            loaded.move_to_end(part)
        return rows

    def _delete_unreferenced_parts(self) -> None:
        live = {entry.part for entry in self.current.values()}
        for table in TABLES:
            folder = self.out_dir / PARTS_DIR / table
            if not folder.is_dir():
                continue
            for file in folder.glob("part-*.parquet"):
                try:
                    number = int(file.stem.split("-", 1)[1])
                except ValueError:
                    continue
                if number not in live:
                    file.unlink()
