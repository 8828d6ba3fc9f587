"""The import options shared by every command that reads recordings (``--columns`` ...).

They describe a CSV from another sensor (see :mod:`repscope.io.generic_csv`); any one of
them makes the command read its files as such a CSV. Without them, the format is told
from the content, and a headerless numeric CSV has its layout told from physics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from repscope.cli._names import ACC_UNITS, GYR_UNITS, TIME_UNITS

if TYPE_CHECKING:
    from repscope.io import CsvImport

F = TypeVar("F", bound=Callable[..., Any])


def import_options(func: F) -> F:
    """Add ``--columns``, ``--time-unit``, ``--acc-unit``, ``--gyr-unit``, ``--header``."""
    options = [
        click.option(
            "--columns",
            metavar="T,AX,AY,AZ[,GX,GY,GZ]",
            help="CSV from another sensor: its time, accelerometer and (optional) gyroscope "
            "columns in this order, by header name or position from 1, e.g. "
            "--columns t_ms,ax,ay,az,gx,gy,gz or --columns 2,3,4,5,6,7,8.",
        ),
        click.option(
            "--time-unit",
            type=click.Choice(list(TIME_UNITS)),
            help="Unit of the time column of a CSV from another sensor (default: inferred).",
        ),
        click.option(
            "--acc-unit",
            type=click.Choice(list(ACC_UNITS)),
            help="Unit of its acceleration columns (default: inferred from gravity).",
        ),
        click.option(
            "--gyr-unit",
            type=click.Choice(list(GYR_UNITS)),
            help="Unit of its angular-rate columns (default: inferred).",
        ),
        click.option(
            "--header/--no-header",
            "csv_header",
            default=None,
            help="Whether its first line names the columns (default: a header unless it "
            "is all numbers).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def csv_import(
    columns: str | None,
    time_unit: str | None,
    acc_unit: str | None,
    gyr_unit: str | None,
    csv_header: bool | None,
) -> CsvImport | None:
    """Build the :class:`CsvImport` the options describe (``None`` when none was given)."""
    from repscope.io import CsvImport

    return CsvImport.from_options(
        columns=columns,
        time_unit=time_unit,
        acc_unit=acc_unit,
        gyr_unit=gyr_unit,
        header=csv_header,
    )
