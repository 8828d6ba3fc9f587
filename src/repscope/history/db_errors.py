"""SQLite failures on the history file, as the one-line errors the commands print.

Every :class:`~repscope.history.store.History` method that touches the file is wrapped
by :func:`sqlite_errors_as_input_errors`, so a read-only folder, a damaged or foreign
file or a lock held too long never reaches the user as a traceback: the message names the
file and says what to do.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from repscope.errors import InputError

#: Seconds a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_S = 30.0


def database_error(exc: sqlite3.Error, path: Path | str) -> InputError:
    """Return an SQLite failure as the one-line error the commands print.

    Names the file and says what to do: a read-only file or folder, a damaged file (a
    corrupt page, a missing table), a lock held too long, or anything else SQLite says.
    """
    text = str(exc)
    lowered = text.lower()
    if "readonly" in lowered or "read-only" in lowered or "unable to open" in lowered:
        return InputError(
            f"the history cannot be written ({text})",
            path=path,
            hint="Make the file and its folder writable, or give another --db file.",
        )
    if "not a database" in lowered:
        return InputError(
            f"is not a history file ({text})",
            path=path,
            hint="Give the right --db file; if this was your history, restore it from a backup.",
        )
    if (
        "malformed" in lowered
        or "no such table" in lowered
        or "no such column" in lowered
        or "corrupt" in lowered
    ):
        return InputError(
            f"the history file is damaged ({text})",
            path=path,
            hint="Restore it from a backup, or move it aside and give another --db file "
            "(`sqlite3 FILE .recover` may rescue its data).",
        )
    if "locked" in lowered or "busy" in lowered:
        return InputError(
            f"the history is busy: another program held it for over {BUSY_TIMEOUT_S:g} s ({text})",
            path=path,
            hint="Try again when the other repscope command has finished.",
        )
    return InputError(f"SQLite failed on the history ({text})", path=path)


_F = TypeVar("_F", bound=Callable[..., Any])


def sqlite_errors_as_input_errors(method: _F) -> _F:
    """Decorate a method of an object with a ``path``: SQLite errors become one-line InputErrors.

    An :class:`sqlite3.IntegrityError` passes through: the tables given break a constraint,
    which is the caller's bug, not the file's.
    """

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.IntegrityError:
            raise  # the tables given break a constraint: the caller's bug, not the file's
        except sqlite3.Error as exc:
            raise database_error(exc, self.path) from None

    wrapper.__name__ = method.__name__
    wrapper.__qualname__ = method.__qualname__
    wrapper.__doc__ = method.__doc__
    return wrapper  # type: ignore[return-value]
