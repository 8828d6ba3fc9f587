"""Where the training history lives by default: standard library only.

Kept apart from :mod:`repscope.history.store` (which imports numpy, pandas and the
analysis) so that ``repscope history --help`` can name the default file without
importing them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

#: Environment variable naming the history file.
HISTORY_ENV = "REPSCOPE_HISTORY"
#: File name of the history inside the per-user data folder.
HISTORY_FILENAME = "history.sqlite"


def platform_history_path() -> Path:
    """Return the per-user data file of this platform (ignoring ``$REPSCOPE_HISTORY``)."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME")
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "repscope" / HISTORY_FILENAME


def default_history_path() -> Path:
    """Return the history file: ``$REPSCOPE_HISTORY`` when set, else the platform's.

    See :mod:`repscope.history.store` for where each platform keeps it.
    """
    env = os.environ.get(HISTORY_ENV)
    if env:
        return Path(env).expanduser()
    return platform_history_path()
