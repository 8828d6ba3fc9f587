"""Entry point of the ``repscope`` command.

Each command lives in its own module of this package and is registered here. Commands
parse options, call the library and format its output; they hold no analysis logic.
Errors that are the user's to fix (:class:`repscope.errors.RepscopeError`) are printed as
one line on stderr with exit status 2, never as a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from repscope.errors import RepscopeError

EXIT_USER_ERROR = 2


#: Every command: its name and the module and function that define it, in the order of
#: ``--help``. A command module is imported only when its command is looked up (to run it,
#: show its help or list it in ``repscope --help``); each module imports the heavy stack
#: (numpy, pandas, scipy, matplotlib, the analysis, bleak) only inside its command's body.
COMMANDS: dict[str, tuple[str, str]] = {
    "info": ("repscope.cli.info", "info"),
    "convert": ("repscope.cli.convert", "convert"),
    "analyze": ("repscope.cli.analyze", "analyze"),
    "report": ("repscope.cli.report", "report"),
    "scan": ("repscope.cli.scan", "scan"),
    "record": ("repscope.cli.record", "record"),
    "emulate": ("repscope.cli.emulate", "emulate"),
    "live": ("repscope.cli.live", "live"),
    "simulate": ("repscope.cli.simulate", "simulate"),
    "history": ("repscope.cli.history", "history"),
    "trend": ("repscope.cli.trend", "trend"),
    "batch": ("repscope.cli.batch", "batch"),
}


class _Group(click.Group):
    """Click group that loads commands on demand and turns repscope errors into one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *(n for n in super().list_commands(ctx) if n not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands or cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(module_name), attribute)
        self.add_command(command, cmd_name)
        return command

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
@click.version_option(package_name="repscope", prog_name="repscope")
def cli() -> None:
    """Honest per-rep feedback from a barbell or wrist IMU.

    Read a recording, split it into sets and reps, measure each rep's tempo phases, range
    of motion, bar velocity and smoothness, and flag ego lifting and rushed negatives.
    Run `repscope COMMAND --help` for the options of a command.
    """


def main(argv: list[str] | None = None) -> None:
    """Run the command line (console-script entry point)."""
    cli.main(args=argv, prog_name="repscope", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
