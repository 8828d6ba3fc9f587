"""Every example in every `--help` runs when pasted into a shell.

The examples are taken from the help as a terminal shows it (click rewraps paragraphs,
so an example that is not in a ``\\b`` block comes out split and fails here). They run in
order, in a fresh folder holding a copy of sample_data, through bash (globs and quotes as
a user's shell treats them). Examples that need a BLE sensor, the emulated radio or a
Dask cluster are only parsed: every option and value must be accepted.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from repscope.cli.main import COMMANDS, cli

REPO = Path(__file__).resolve().parents[2]

#: Commands that need a sensor in range (or the emulator's bus) or a cluster to run.
NEEDS_HARDWARE = ("repscope scan", "repscope record", "repscope emulate", "repscope live --device")


def _help(args: list[str]) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


def _helps() -> list[tuple[str, str]]:
    """(command, help text) of the group and of every command and subcommand, in order."""
    helps = [("repscope", _help([]))]
    for name in COMMANDS:
        helps.append((f"repscope {name}", _help([name])))
        command = cli.get_command(click.Context(cli), name)
        if isinstance(command, click.Group):
            for sub in command.commands:  # in the order they are defined: add before remove
                helps.append((f"repscope {name} {sub}", _help([name, sub])))
    return helps


def examples(text: str) -> list[str]:
    """The shell lines of a help text that run repscope (with ``\\`` continuations)."""
    found: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("repscope "):
            while line.endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line[:-1].rstrip() + " " + lines[i].strip()
            found.append(line)
        i += 1
    return found


def _dry_parse(line: str) -> None:
    """Parse a command line as the CLI would, running no command."""
    args = shlex.split(line)[1:]
    command: click.Command = cli
    parent: click.Context | None = None
    name = "repscope"
    while True:
        ctx = command.make_context(name, args, parent=parent)
        if not isinstance(command, click.Group):
            return
        protected = getattr(ctx, "_protected_args", None)
        if protected is None:  # click < 8.2
            protected = ctx.protected_args
        rest = [*protected, *ctx.args]
        name, sub, args = command.resolve_command(ctx, rest)
        assert sub is not None and name is not None, line
        command, parent = sub, ctx


def test_every_command_has_an_example():
    for command, text in _helps():
        if command in ("repscope", "repscope history"):
            continue
        assert examples(text), f"{command} --help has no example"


def test_examples_are_not_split_by_rewrapping():
    for command, text in _helps():
        for line in examples(text):
            # A rewrapped example leaves an option without its value or a word alone on
            # the next line; both fail to parse.
            try:
                _dry_parse(line)
            except click.UsageError as exc:
                pytest.fail(f"{command} --help: {line!r} does not parse: {exc}")
            except click.exceptions.Exit:
                pass


@pytest.mark.slow
def test_every_help_example_runs_when_pasted(tmp_path):
    shutil.copytree(REPO / "sample_data", tmp_path / "sample_data")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "REPSCOPE_HISTORY": str(tmp_path / "history.sqlite"),
        "MPLBACKEND": "Agg",
    }
    ran: list[str] = []
    parsed: list[str] = []
    for command, text in _helps():
        for line in examples(text):
            if line.startswith(NEEDS_HARDWARE) or "--scheduler" in line:
                _dry_parse(line)
                parsed.append(line)
                continue
            result = subprocess.run(
                ["bash", "-c", line],
                cwd=tmp_path,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert result.returncode == 0, (
                f"{command} --help example {line!r} exited {result.returncode}:\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
            )
            ran.append(line)
    assert len(ran) >= 12, ran
    assert any(line.startswith("repscope history add sample_data/*.csv") for line in ran)
    assert any(line.startswith("repscope emulate") for line in parsed)
