"""Write reports to PDF, PNG or SVG, byte for byte reproducibly.

PDF: one file, the session summary first, then one page per set (with several
recordings, each recording's summary and sets in turn). PNG and SVG hold one page per
file: a recording with one set gives ``OUT.png`` (the set page); with several sets, one
file per set, ``OUT-set1.png``, ``OUT-set2.png``, ..., and the summary in
``OUT-summary.png``; with no sets, ``OUT.png`` is the "No reps detected" page.

Reproducibility: the timestamps matplotlib writes by default are removed
(``CreationDate`` in PDF, ``Date`` in SVG) and the creator names repscope instead of a
tool version (``Software`` is dropped from PNG); SVG element ids are derived from a fixed
salt (rcParam ``svg.hashsalt``, set by :func:`repscope.report.style.report_style`); the
font is fixed. Two runs over the same analysis give identical bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from repscope import __version__
from repscope.analysis import SessionAnalysis
from repscope.errors import InputError
from repscope.report.figures import plot_session_summary, plot_set
from repscope.report.style import report_style
from repscope.tempo import Tempo

#: Output formats by file suffix.
REPORT_FORMATS: tuple[str, ...] = ("pdf", "png", "svg")

#: Resolution of PNG pages (A4 landscape at 150 dpi is 1754 x 1240 pixels: the rep table
#: and the flags in words stay readable on a phone; ``--dpi`` changes it).
DEFAULT_PNG_DPI = 150.0

_METADATA: dict[str, dict[str, Any]] = {
    "pdf": {
        "Creator": "repscope",
        "Producer": f"repscope {__version__}",
        "CreationDate": None,
        "ModDate": None,
    },
    "png": {"Software": None},
    "svg": {"Creator": "repscope", "Date": None},
}


def report_format(path: str | Path) -> str:
    """Return ``"pdf"``, ``"png"`` or ``"svg"`` from the file name, or raise InputError."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in REPORT_FORMATS:
        shown = f"'.{suffix}'" if suffix else "no extension"
        raise InputError(
            f"a report file must end in .pdf, .png or .svg, got {shown}",
            path=path,
            hint="Name the file e.g. report.pdf.",
        )
    return suffix


def page_paths(result: SessionAnalysis, path: str | Path) -> list[Path]:
    """Return the files a PNG or SVG report of ``result`` is written to, in order."""
    path = Path(path)
    n_sets = len(result.sets)
    if n_sets <= 1:
        return [path]
    stem, suffix = path.stem, path.suffix
    return [path.with_name(f"{stem}-summary{suffix}")] + [
        path.with_name(f"{stem}-set{k}{suffix}") for k in result.sets["set"].astype(int)
    ]


def _pages(
    result: SessionAnalysis,
    *,
    tempo: str | Tempo | None,
    title: str | None,
    stop_at_loss: float | None = None,
    reference_set: int | None = None,
) -> list[Figure]:
    pages = [
        plot_session_summary(
            result, title=title, tempo=tempo, stop_at_loss=stop_at_loss,
            reference_set=reference_set,
        )
    ]  # fmt: skip
    pages += [
        plot_set(
            result, int(k), tempo=tempo, title=title, stop_at_loss=stop_at_loss,
            reference_set=reference_set,
        )
        for k in result.sets["set"].astype(int)
    ]  # fmt: skip
    return pages


def write_report(
    result: SessionAnalysis,
    path: str | Path,
    *,
    tempo: str | Tempo | None = None,
    title: str | None = None,
    dpi: float = DEFAULT_PNG_DPI,
    stop_at_loss: float | None = None,
    reference_set: int | None = None,
) -> list[Path]:
    """Write the report of one analysis and return the files written.

    Parameters
    ----------
    result
        An analysis from :func:`repscope.analysis.analyze_recording`.
    path
        ``*.pdf`` (summary page, then one page per set), ``*.png`` or ``*.svg`` (see the
        module docstring for the file names of a multi-set session).
    tempo
        Prescribed tempo for the tempo bars; defaults to the analysis's.
    title
        Put before each page's title (e.g. the recording's file name).
    dpi
        Resolution of PNG pages (dots per inch, positive).
    stop_at_loss
        Velocity-loss stop threshold (0.2 for 20 %) drawn against the velocity loss;
        None: the exercise's ``fatigued`` line (40 %).
    reference_set
        The lifter's baseline set the others are compared with; None: the lightest set,
        else the first (:mod:`repscope.analysis.reference`).
    """
    fmt = report_format(path)
    if not dpi > 0:
        raise InputError(f"dpi must be positive, got {dpi:g}", where="--dpi")
    if fmt == "pdf":
        return write_pdf_report(
            [result], path, tempo=tempo, titles=[title], stop_at_loss=stop_at_loss,
            reference_set=reference_set,
        )  # fmt: skip
    path = Path(path)
    targets = page_paths(result, path)
    if len(result.sets) == 1:
        number = int(result.sets["set"].iloc[0])
        figures = [
            plot_set(
                result, number, tempo=tempo, title=title, stop_at_loss=stop_at_loss,
                reference_set=reference_set,
            )
        ]  # fmt: skip
    elif len(result.sets) == 0:
        figures = [plot_session_summary(result, title=title)]
    else:
        figures = _pages(
            result, tempo=tempo, title=title, stop_at_loss=stop_at_loss,
            reference_set=reference_set,
        )  # fmt: skip
    with report_style():
        for fig, target in zip(figures, targets, strict=True):
            try:
                fig.savefig(target, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
            except OSError as exc:
                raise InputError(f"cannot write: {exc.strerror}", path=target) from None
    return targets


def write_pdf_report(
    results: Sequence[SessionAnalysis],
    path: str | Path,
    *,
    tempo: str | Tempo | None = None,
    titles: Sequence[str | None] | None = None,
    stop_at_loss: float | None = None,
    reference_set: int | None = None,
) -> list[Path]:
    """Write several analyses into one PDF: for each, its summary page, then its sets.

    Parameters
    ----------
    results
        Analyses, in the order their pages appear.
    path
        The PDF file.
    tempo
        Prescribed tempo for every set page; defaults to each analysis's.
    titles
        One title per analysis (e.g. file names), or None.
    stop_at_loss
        Velocity-loss stop threshold (0.2 for 20 %), or None (see :func:`write_report`).
    reference_set
        The baseline set of every analysis, or None (see :func:`write_report`).
    """
    if report_format(path) != "pdf":
        raise InputError("several recordings need a .pdf report", path=path)
    path = Path(path)
    names = list(titles) if titles is not None else [None] * len(results)
    if len(names) != len(results):
        raise InputError("give one title per analysis", where="titles")
    with report_style():
        try:
            with PdfPages(path, metadata=_METADATA["pdf"]) as pdf:
                for result, title in zip(results, names, strict=True):
                    pages = _pages(
                        result, tempo=tempo, title=title, stop_at_loss=stop_at_loss,
                        reference_set=reference_set,
                    )  # fmt: skip
                    for fig in pages:
                        pdf.savefig(fig)
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror}", path=path) from None
    return [path]
