"""Errors that reach users as one clear line.

Every problem with a user's input is raised as :class:`InputError` (or a subclass). Its
string form is a single line naming the file, the row or field, what is wrong and what to
do about it, so that the CLI can print it and exit non-zero without a traceback::

    session.csv, row 17, column acc_x_g: 'abc' is not a number. Fix or delete the row.

Library users can catch :class:`RepscopeError` to handle every repscope failure.
"""

from __future__ import annotations

from pathlib import Path


class RepscopeError(Exception):
    """Base class of every error repscope raises on purpose."""


class InputError(RepscopeError, ValueError):
    """Bad input data: a file, a table or an argument that cannot be used as it is.

    Parameters
    ----------
    problem
        What is wrong, in plain words.
    path
        The file concerned, if any.
    where
        The row, column or field concerned (e.g. ``"row 17, column acc_x_g"``).
    hint
        What the user can do about it.
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | Path | None = None,
        where: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = None if path is None else str(path)
        self.where = where
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """Return the message as the single line the CLI prints."""
        parts = [p for p in (self.path, self.where) if p]
        head = ", ".join(parts)
        text = f"{head}: {self.problem}" if head else self.problem
        if self.hint:
            text = f"{text.rstrip('.')}. {self.hint}"
        return " ".join(text.split())

    def with_path(self, path: str | Path) -> InputError:
        """Return a copy of this error that names ``path`` (when it named no file yet)."""
        if self.path is not None:
            return self
        return type(self)(self.problem, path=path, where=self.where, hint=self.hint)


class UnitsError(InputError):
    """Values are in the wrong unit (e.g. m/s^2 in a column declared in g)."""


class TooShortError(InputError):
    """A recording is too short to analyse."""
