"""Entry point of the ``repscope`` command.

Each command lives in its own module of this package and is registered here. Commands
parse options, call the library and format its output; they hold no analysis logic.
Errors that are the user's to fix (:class:`repscope.errors.RepscopeError`) are printed as
one line on stderr with exit status 2, never as a traceback.
"""

from __future__ import annotations

import sys

import click

from repscope import __version__
from repscope.errors import RepscopeError

EXIT_USER_ERROR = 2


class _Group(click.Group):
    """Click group that turns repscope errors into one line and exit status 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except RepscopeError as exc:
            click.echo(f"repscope: error: {exc}", err=True)
            ctx.exit(EXIT_USER_ERROR)
        except KeyboardInterrupt:
            click.echo("repscope: interrupted", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="repscope")
def cli() -> None:
    """Honest per-rep feedback from a barbell or wrist IMU.

    Read a recording, split it into sets and reps, measure each rep's tempo phases, range
    of motion, bar velocity and smoothness, and flag ego lifting and rushed negatives.
    Run `repscope COMMAND --help` for the options of a command.
    """


def _register() -> None:
    # One import and one add_command per command module, in the order of `--help`.
    from repscope.cli.info import info

    cli.add_command(info)
    from repscope.cli.convert import convert

    cli.add_command(convert)
    from repscope.cli.analyze import analyze

    cli.add_command(analyze)
    from repscope.cli.report import report

    cli.add_command(report)
    from repscope.cli.scan import scan

    cli.add_command(scan)
    from repscope.cli.record import record

    cli.add_command(record)
    from repscope.cli.emulate import emulate

    cli.add_command(emulate)
    from repscope.cli.live import live

    cli.add_command(live)
    from repscope.cli.simulate import simulate

    cli.add_command(simulate)
    from repscope.cli.history import history

    cli.add_command(history)
    from repscope.cli.trend import trend

    cli.add_command(trend)
    from repscope.cli.batch import batch

    cli.add_command(batch)


_register()


def main(argv: list[str] | None = None) -> None:
    """Run the command line (console-script entry point)."""
    cli.main(args=argv, prog_name="repscope", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
