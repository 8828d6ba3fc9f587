"""Strip outputs and run state from Jupyter notebooks before they are committed.

    .venv/bin/python scripts/strip_notebooks.py              # strip notebooks/*.ipynb in place
    .venv/bin/python scripts/strip_notebooks.py --check      # list dirty notebooks, exit 1 if any
    .venv/bin/python scripts/strip_notebooks.py path/to/a.ipynb ...

What "stripped" means (the test ``tests/notebooks/test_notebooks.py`` checks the same):
every code cell has no outputs and ``execution_count`` None, and the run-specific
metadata that Jupyter adds (per-cell ``execution`` timings, ``collapsed``/``scrolled``
view state, ``ExecuteTime``; the notebook's ``widgets`` state) is removed. Sources,
markdown and the kernel/language metadata are kept. Files are written with nbformat
(indent 1, trailing newline), so stripping a stripped notebook rewrites identical bytes.

A project script rather than ``nbstripout``: it needs only ``nbformat`` (already in the
``test`` extra), needs no git filter installed on every clone, and CI checks the result
the same way on every machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat import NotebookNode

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"

#: Cell metadata keys that record a run or a view, not content.
VOLATILE_CELL_KEYS: tuple[str, ...] = ("execution", "collapsed", "scrolled", "ExecuteTime")
#: Notebook metadata keys that record a run.
VOLATILE_NOTEBOOK_KEYS: tuple[str, ...] = ("widgets",)


def strip(nb: NotebookNode) -> bool:
    """Remove outputs and run state from ``nb`` in place; return whether anything changed."""
    changed = False
    for key in VOLATILE_NOTEBOOK_KEYS:
        if key in nb.metadata:
            del nb.metadata[key]
            changed = True
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            if key in cell.metadata:
                del cell.metadata[key]
                changed = True
        if cell.cell_type != "code":
            continue
        if cell.outputs:
            cell.outputs = []
            changed = True
        if cell.execution_count is not None:
            cell.execution_count = None
            changed = True
    return changed


def strip_file(path: Path, *, check: bool = False) -> bool:
    """Strip one notebook file (unless ``check``); return whether it was dirty."""
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    dirty = strip(nb)
    if dirty and not check:
        nbformat.validate(nb)
        nbformat.write(nb, path)
    return dirty


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Strip outputs and execution counts from notebooks (default notebooks/).",
        epilog="Example: .venv/bin/python scripts/strip_notebooks.py --check",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default notebooks/*.ipynb)")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a notebook needs stripping"
    )
    args = parser.parse_args(argv)
    paths: list[Path] = args.paths or sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print(f"error: no such notebook: {missing[0]}", file=sys.stderr)
        return 2
    dirty = [p for p in paths if strip_file(p, check=args.check)]
    for path in dirty:
        print(f"{'needs stripping' if args.check else 'stripped'}: {path}")
    return 1 if args.check and dirty else 0


if __name__ == "__main__":
    sys.exit(main())
