"""``repscope history``: add analysed sessions to the training history, list, show, remove."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from repscope.cli._names import EXERCISES, PLACEMENTS
from repscope.errors import RepscopeError
from repscope.history_path import HISTORY_ENV, platform_history_path
from repscope.tempo import parse_tempo

if TYPE_CHECKING:
    import pandas as pd

#: Exit status when some files could not be added.
EXIT_SOME_FAILED = 2


def db_option(func: Any) -> Any:
    """Add the ``--db PATH`` option every history command takes."""
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        metavar="PATH",
        help=f"History file (default: ${HISTORY_ENV}, else {_shown_default()}).",
    )(func)


def history_option(func: Any) -> Any:
    """Add ``--history [PATH]`` (used by ``repscope batch`` and ``repscope record``)."""
    return click.option(
        "--history",
        "history_db",
        is_flag=False,
        flag_value="",
        default=None,
        metavar="[PATH]",
        help="Also add each analysed session to the training history: the default file, or "
        "PATH (see `repscope history`). batch adds the files it analyses, not the unchanged "
        "ones it skips (use --force to add those too).",
    )(func)


def _history_path(history_db: str) -> Path | None:
    return Path(history_db) if history_db else None


class HistoryHook:
    """An ``on_session(session_row, sets, reps)`` hook adding each session to a history.

    Opened from a ``--history`` value (``""`` for the default file, or a path) before the
    work starts, so that a bad file fails early; :meth:`close` prints how many sessions
    were added.
    """

    def __init__(self, history_db: str) -> None:
        from repscope.history import open_history

        self._store = open_history(_history_path(history_db))
        self.added: list[str] = []

    def on_session(self, session: dict[str, Any], sets: pd.DataFrame, reps: pd.DataFrame) -> None:
        """Add one analysed session (see :meth:`repscope.history.History.add_tables`)."""
        self.added.append(self._store.add_tables(session, sets, reps))

    def close(self) -> None:
        """Close the history and say how many sessions were added."""
        self._store.close()
        click.echo(f"{_count(len(self.added), 'session')} added to the history {self._store.path}")


def history_hook(history_db: str | None) -> HistoryHook | None:
    """Return the hook for a ``--history`` value, or None when the option was not given."""
    return None if history_db is None else HistoryHook(history_db)


def check_history(history_db: str | None) -> None:
    """Open the ``--history`` file once, so a bad one fails before a long recording."""
    if history_db is not None:
        from repscope.history import open_history

        open_history(_history_path(history_db)).close()


def add_recordings(paths: Iterable[Path], history_db: str) -> int:
    """Analyse and add freshly recorded files; return how many could not be added.

    A file that cannot be analysed is reported on stderr in one line; the recording
    itself is kept.
    """
    from repscope.history import open_history

    failed = 0
    with open_history(_history_path(history_db)) as store:
        for path in paths:
            try:
                session_id = store.add_file(path)
            except RepscopeError as exc:
                failed += 1
                click.echo(f"repscope: recorded, but not added to the history: {exc}", err=True)
                continue
            click.echo(f"{path}: added to the history {store.path} as {session_id}")
    return failed


def _shown_default() -> str:
    path = platform_history_path()
    home = Path.home()
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def check_date(
    ctx: click.Context | None, param: click.Parameter | None, value: str | None
) -> str | None:
    """Click callback: a ``YYYY-MM-DD`` date or a one-line error naming the option."""
    from repscope.history.store import parse_date

    name = f"--{param.name}" if param is not None and param.name else "date"
    return parse_date(value, where=name)


def filter_options(func: Any) -> Any:
    """Add ``--athlete``, ``--exercise``, ``--since`` and ``--until``."""
    for option in reversed(
        [
            click.option("--athlete", default=None, help="Only this athlete."),
            click.option("--exercise", default=None, metavar="NAME", help="Only this exercise."),
            click.option(
                "--since",
                default=None,
                metavar="YYYY-MM-DD",
                callback=check_date,
                help="Only sessions on or after this date (UTC).",
            ),
            click.option(
                "--until",
                default=None,
                metavar="YYYY-MM-DD",
                callback=check_date,
                help="Only sessions on or before this date (UTC).",
            ),
        ]
    ):
        func = option(func)
    return func


def _fmt(value: Any, digits: int = 1, scale: float = 1.0) -> str:
    if value is None:
        return "-"
    try:
        number = float(value) * scale
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.{digits}f}" if math.isfinite(number) else "-"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _text(value: Any) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


@click.group("history")
def history() -> None:
    """Keep every analysed session in a training history (one SQLite file).

    The history holds each session (a recording file, identified by its content), its
    sets and its reps. `repscope trend` plots them across sessions. The file is
    $REPSCOPE_HISTORY if set, else ~/.local/share/repscope/history.sqlite on Linux
    (~/Library/Application Support/repscope on macOS, %LOCALAPPDATA%\\repscope on
    Windows); every command takes --db PATH.

    \b
    Example:
        repscope history add sample_data/*.csv --athlete ana
        repscope history list --athlete ana --since 2025-01-01
    """  # noqa: D301 (click needs the \b marker)


@history.command("add")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@db_option
@click.option(
    "--placement",
    type=click.Choice(PLACEMENTS),
    help="Where the sensor was worn (default: from each file's metadata).",
)
@click.option(
    "--exercise",
    metavar="NAME",
    help=f"Exercise: {', '.join(EXERCISES)} (default: from each file's metadata).",
)
@click.option("--tempo", metavar="E-B-C-T", help="Prescribed tempo, e.g. 3-1-1-0 or 31X0.")
@click.option("--athlete", default=None, help="Athlete (default: from each file's metadata).")
@click.pass_context
def add(
    ctx: click.Context,
    paths: tuple[str, ...],
    db: Path | None,
    placement: str | None,
    exercise: str | None,
    tempo: str | None,
    athlete: str | None,
) -> None:
    """Analyse each recording and add it to the history.

    PATH is a recording (repscope CSV or Parquet, MetaMotion export), a folder searched
    recursively for recordings, or a quoted glob pattern, as for `repscope batch`. Files
    that are not recordings (ground-truth tables, notes, sidecars) are skipped with a
    note on stderr, also when named one by one (as a shell's *.csv does).

    A file already in the history (same content) is analysed again and replaces its
    earlier entry ("already there, replaced"). A recording that cannot be read or analysed
    is reported on one line and skipped; the others are added (exit status 2 if any failed
    or none was found).

    \b
    Example:
        repscope history add sample_data --athlete ana
        repscope history add sample_data/*.csv --athlete ana
    """  # noqa: D301 (click needs the \b marker)
    from rich.console import Console

    from repscope.batch.discover import discover, looks_like_recording
    from repscope.errors import InputError
    from repscope.history import open_history

    if tempo is not None:
        parse_tempo(tempo)
    files = []
    for file in discover(paths):
        if looks_like_recording(file):
            files.append(file)
        else:
            click.echo(f"repscope: skipped {file}: not a recording", err=True)
    if not files:
        raise InputError(
            f"no recordings in {' '.join(paths)}",
            hint="Name recordings (repscope CSV or Parquet, MetaMotion exports) or folders.",
        )
    failed = 0
    console = Console(highlight=False)
    with open_history(db) as store:
        for file in files:
            try:
                session_id = store.add_file(
                    file, placement=placement, exercise=exercise, tempo=tempo, athlete=athlete
                )
            except RepscopeError as exc:
                failed += 1
                click.echo(f"repscope: error: {exc}", err=True)
                continue
            # decided inside the adding transaction: true for concurrent commands too
            verb = "already there, replaced" if store.last_add_replaced else "added"
            row = store.session(session_id)
            load = "" if _missing(row["load_kg"]) else f", {row['load_kg']:g} kg"
            day = "" if row["date"] is None else f", {row['date']}"
            console.print(
                f"{verb} {session_id} {file.name} ({_text(row['exercise'])}{load}{day}: "
                f"{_count(row['n_sets'], 'set')}, {_count(row['n_reps'], 'rep')})"
            )
        console.print(f"History: {store.path}")
    if failed:
        click.echo(f"repscope: {failed} of {len(files)} files were not added", err=True)
        ctx.exit(EXIT_SOME_FAILED)


def _session_id(text: str) -> str:
    """Return ``text`` (an id or its start), or the id of the recording file it names."""
    path = Path(text)
    if not path.is_file():
        return text
    from repscope.analysis.session import file_sha256

    return file_sha256(path)[:16]  # as repscope.analysis.session.session_record names it


def _missing(value: Any) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


@history.command("list")
@db_option
@filter_options
def list_sessions(
    db: Path | None,
    athlete: str | None,
    exercise: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """List the sessions in the history, oldest first.

    \b
    Example:
        repscope history list --athlete ana --exercise bench --since 2025-01-01
    """  # noqa: D301 (click needs the \b marker)
    from repscope.history import open_history

    with open_history(db, create=False) as store:
        sessions = store.sessions(athlete, exercise, since, until)
        sets = store.sets(athlete, exercise, since, until)
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    if sessions.empty:
        console.print("No sessions match." if len(sessions.columns) else "No sessions.")
        return
    flagged = sets.groupby("session_id")["n_flagged_reps"].sum()
    velocity = sets.groupby("session_id")["best_mcv_mps"].mean()
    table = Table(title=_count(len(sessions), "session"), title_justify="left")
    for name in (
        "session",
        "date",
        "athlete",
        "exercise",
        "load (kg)",
        "sets",
        "reps",
        "flagged",
        "velocity (m/s)",
        "file",
    ):
        table.add_column(name, justify="right" if name in _NUMERIC else "left")
    for row in sessions.to_dict(orient="records"):
        sid = row["session_id"]
        table.add_row(
            sid,
            _text(row["date"]),
            _text(row["athlete"]),
            _text(row["exercise"]),
            _fmt(row["load_kg"], 1),
            str(row["n_sets"]),
            str(row["n_reps"]),
            str(int(flagged.get(sid, 0))),
            _fmt(velocity.get(sid), 2),
            Path(str(row["source_path"])).name,
        )
    console.print(table)
    console.print("velocity: mean over sets of each set's fastest mean concentric velocity")


_NUMERIC = {"load (kg)", "sets", "reps", "flagged", "velocity (m/s)"}


@history.command("show")
@click.argument("session_id")
@db_option
@click.option("--reps", "show_reps", is_flag=True, help="Also print every rep of every set.")
def show(session_id: str, db: Path | None, show_reps: bool) -> None:
    """Show one session: where it came from, its sets and each set's verdict.

    SESSION_ID is the id `repscope history list` prints, a unique start of it, or the
    recording file itself (its content names its session).

    \b
    Example:
        repscope history show sample_data/bench_ego.csv --reps
    """  # noqa: D301 (click needs the \b marker)
    from repscope.history import open_history

    with open_history(db, create=False) as store:
        sid = store.resolve(_session_id(session_id))
        session = store.session(sid)
        sets = store.sets(session_id=sid)
        reps = store.reps(session_id=sid)
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    load = "-" if _missing(session["load_kg"]) else f"{session['load_kg']:g} kg"
    console.print(f"[bold]Session {sid}[/bold]: {session['source_path']}")
    console.print(
        f"  athlete {_text(session['athlete'])} | {_text(session['exercise'])} | load {load} | "
        f"started {_text(session['start_time_utc'])}"
    )
    console.print(
        f"  {_text(session['placement'])}, {_text(session['device'])}, "
        f"{_fmt(session['sampling_rate_hz'], 0)} Hz, {_fmt(session['duration_s'], 0)} s | "
        f"analysed by repscope {session['repscope_version']} | added {session['added_utc']}"
    )
    if sets.empty:
        console.print("No sets: no reps were detected in this recording.")
        return
    from repscope.analysis.flags import VERDICT_WORDS

    table = Table(
        title=f"{_count(len(sets), 'set')}, {_count(len(reps), 'rep')}", title_justify="left"
    )
    for name in (
        "set",
        "reps",
        "mean tempo E-B-C-T (s)",
        "tempo consistency (0-100)",
        "ROM (m)",
        "best MCV (m/s)",
        "velocity loss (%)",
        "flagged",
        "verdict",
    ):
        table.add_column(
            name, justify="left" if name in ("verdict", "mean tempo E-B-C-T (s)") else "right"
        )
    for row in sets.to_dict(orient="records"):
        table.add_row(
            str(row["set"]),
            str(row["n_reps"]),
            _text(row["tempo_code"]),
            _fmt(row["tempo_consistency"], 0),
            _fmt(row["mean_rom_m"], 2),
            _fmt(row["best_mcv_mps"], 2),
            _fmt(row["velocity_loss"], 0, scale=100.0),
            str(row["n_flagged_reps"]),
            VERDICT_WORDS.get(_text(row["verdict"]), _text(row["verdict"])).split(":")[0],
        )
    console.print(table)
    for row in sets.to_dict(orient="records"):
        reasons = _text(row["verdict_reasons"]).replace(";", "; ")
        verdict = VERDICT_WORDS.get(_text(row["verdict"]), _text(row["verdict"]))
        console.print(f"  set {row['set']}: {verdict} ({reasons})")
    if show_reps:
        import pandas as pd

        from repscope.analysis import SessionAnalysis
        from repscope.cli.analyze import print_tables

        provenance = json.loads(str(session["provenance_json"] or "{}"))
        provenance.setdefault("exercise", session["exercise"])
        provenance.setdefault("placement", session["placement"])
        provenance.setdefault("sampling_rate_hz", session["sampling_rate_hz"])
        provenance.setdefault("device", session["device"])
        provenance.setdefault("tempo", None)
        stored = SessionAnalysis(
            reps=reps.drop(columns="session_id"),
            sets=sets.drop(columns="session_id"),
            traces=pd.DataFrame(),
            provenance=provenance,
            meta={},
        )
        print_tables(stored, console)


@history.command("remove")
@click.argument("session_ids", nargs=-1, required=True, metavar="SESSION_ID...")
@db_option
def remove(session_ids: tuple[str, ...], db: Path | None) -> None:
    """Remove sessions (with their sets and reps) from the history.

    SESSION_ID is as for `repscope history show`: an id, its unique start, or the file.

    \b
    Example:
        repscope history remove sample_data/bench_ego.csv
    """  # noqa: D301 (click needs the \b marker)
    from repscope.history import open_history

    with open_history(db, create=False) as store:
        resolved = [store.resolve(_session_id(s)) for s in session_ids]  # all or nothing
        for sid in resolved:
            store.remove(sid)
            click.echo(f"removed {sid}")
