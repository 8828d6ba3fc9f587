"""Options shared by several commands, each declared once: its name, parsing and help.

- :func:`stop_at_loss_option` (``analyze``, ``report``, ``live``): the velocity-loss stop
  threshold, ``20%`` -> 0.2; what a command does with it is the one sentence it adds.
- :func:`dpi_option` (``analyze --report``, ``report``, ``trend --out``): the resolution
  of PNG pages.
- :func:`reference_set_option` (``analyze``, ``report``): the lifter's baseline set.

Only click is imported here: ``repscope --help`` must stay fast
(``tests/cli/test_startup.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

import click

from repscope.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])

#: Resolution of PNG report pages when ``--dpi`` is not given (the value of
#: :data:`repscope.report.writer.DEFAULT_PNG_DPI`, written out so that the help needs no
#: matplotlib; a test keeps the two equal).
DEFAULT_DPI = 150.0


def parse_loss(value: str | None) -> float | None:
    """``20%`` or ``20`` -> 0.2 (None stays None); a one-line error for anything else."""
    if value is None:
        return None
    text = value.strip().rstrip("%").strip()
    try:
        percent = float(text)
    except ValueError:
        percent = math.nan
    if not 1.0 <= percent < 100.0:
        raise InputError(
            f"{value!r} is not a velocity loss",
            where="--stop-at-loss",
            hint="Give a percentage from 1 to 99, e.g. 20%.",
        )
    return percent / 100.0


def stop_at_loss_option(effect: str) -> Callable[[F], F]:
    """``--stop-at-loss PCT`` (parsed to a fraction, None when not given).

    ``effect`` says what the command does once a rep crosses it (one sentence, no full
    stop), after the shared definition.
    """
    return click.option(
        "--stop-at-loss",
        "stop_at_loss",
        metavar="PCT",
        default=None,
        callback=lambda ctx, param, value: parse_loss(value),
        help="Velocity-loss stop threshold, e.g. 20%: a rep whose mean concentric velocity "
        f"is this far below the set's fastest ends the set; {effect}.",
    )


def dpi_option(func: F) -> F:
    """``--dpi DPI``: resolution of PNG report pages (None when not given)."""
    return click.option(
        "--dpi",
        type=click.FloatRange(min=20, max=1200),
        default=None,
        help=f"Resolution of PNG report pages in dots per inch (default {DEFAULT_DPI:g}; "
        "pages are A4 landscape; PDF and SVG are vector).",
    )(func)


def reference_set_option(func: F) -> F:
    """``--reference-set N``: the set the others are compared with (None: chosen)."""
    return click.option(
        "--reference-set",
        type=click.IntRange(1),
        metavar="N",
        help="The lifter's baseline (a warm-up set): the other sets are compared with it for "
        "tempo, range of motion, smoothness and bar path. Default: the lightest set, else "
        "the first.",
    )(func)
