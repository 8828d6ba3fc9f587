"""Parquet recordings: the project's columns as float64, metadata inside the file.

The sample table has the same columns as the project CSV (see
:mod:`repscope.io.project_csv`), each stored as float64. The metadata document (the same
JSON as the CSV sidecar: :meth:`RecordingMeta.to_dict` plus ``format`` and
``format_version``) is stored in the Arrow schema metadata under the key ``b"repscope"``.
A Parquet file without that key is still read; its rate is then inferred from the
timestamps, as for a CSV without a sidecar.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from repscope.errors import InputError
from repscope.io._table import (
    check_finite_rows,
    check_input_file,
    check_time_increasing,
    parquet_row_label,
)
from repscope.io.project_csv import (
    INFERRED_RATE_SOURCE,
    check_project_columns,
    is_resampled,
    meta_from_json_text,
    meta_to_json_text,
)
from repscope.io.timebase import (
    check_declared_rate,
    check_plausible_rate,
    infer_sampling_rate_hz,
)
from repscope.recording import Recording, RecordingMeta

METADATA_KEY = b"repscope"
_ROW_HINT = "Rows are counted from 1."


def read_parquet(path: str | Path, *, allow_gaps: bool = False) -> Recording:
    """Read a Parquet recording into a validated :class:`Recording`.

    Parameters
    ----------
    path
        The ``.parquet`` file.
    allow_gaps
        Accept rows whose sensor values are all NaN (gaps of a resampled recording).
        Always on when the embedded metadata marks the recording as resampled.
    """
    p = check_input_file(path)
    try:
        table = pq.read_table(p)
    except (pa.ArrowException, OSError) as exc:
        detail = " ".join(str(exc).split())
        detail = re.sub(r"^Could not open Parquet input source '.*?': ", "", detail)
        detail = detail.split(". ")[0].rstrip(".")[:120]
        raise InputError(
            f"cannot read it as Parquet ({detail})",
            path=p,
            hint="The file is corrupt or truncated; write it again.",
        ) from None
    columns = check_project_columns([str(n) for n in table.column_names], path=p)
    arrays = []
    for name in columns:
        column = table.column(name)
        if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
            raise InputError(
                f"column {name} holds {column.type}, not numbers",
                path=p,
                where=f"column {name}",
                hint="Store the sample columns as float64.",
            )
        arrays.append(column.to_numpy(zero_copy_only=False).astype(np.float64))
    if table.num_rows == 0:
        raise InputError("has no data rows", path=p, hint="The recording is empty.")
    values = np.column_stack(arrays)
    metadata = table.schema.metadata or {}
    embedded: RecordingMeta | None = None
    if METADATA_KEY in metadata:
        try:
            text = metadata[METADATA_KEY].decode("utf-8")
        except UnicodeDecodeError:
            raise InputError("embedded metadata is not UTF-8 text", path=p) from None
        embedded = meta_from_json_text(text, path=p)
    allow_gaps = allow_gaps or is_resampled(embedded)
    check_finite_rows(
        values,
        columns,
        row_label=parquet_row_label,
        path=p,
        allow_gaps=allow_gaps,
        hint=_ROW_HINT,
    )
    check_time_increasing(values[:, 0], row_label=parquet_row_label, path=p, hint=_ROW_HINT)
    if embedded is not None:
        meta = embedded
        check_declared_rate(meta.sampling_rate_hz, values[:, 0], path=p, source="Parquet metadata")
    else:
        if len(values) < 2:
            raise InputError(f"only {len(values)} sample(s)", path=p)
        rate = infer_sampling_rate_hz(values[:, 0])
        check_plausible_rate(rate, path=p, hint="time_s must be in seconds.")
        meta = RecordingMeta(
            sampling_rate_hz=rate,
            source=str(p),
            extra={"sampling_rate_source": INFERRED_RATE_SOURCE},
        )
    data = pd.DataFrame({c: values[:, i] for i, c in enumerate(columns)})
    return Recording(data, meta).validate(path=str(p), allow_gaps=allow_gaps)


def write_parquet(recording: Recording, path: str | Path) -> list[Path]:
    """Write ``recording`` to a Parquet file with embedded metadata; return ``[path]``."""
    p = Path(path)
    recording.validate(path=str(p), allow_gaps=is_resampled(recording.meta))
    text = meta_to_json_text(recording.meta, path=p)
    columns = recording.columns()
    table = pa.table({c: pa.array(recording.data[c].to_numpy(dtype=np.float64)) for c in columns})
    table = table.replace_schema_metadata({METADATA_KEY: text.encode("utf-8")})
    p.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, p)
    return [p]
