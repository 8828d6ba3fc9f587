"""Options shared by analyze, report and live are declared once and work in each."""

from __future__ import annotations

import re
import struct
from pathlib import Path

from click.testing import CliRunner

from repscope.cli._options import DEFAULT_DPI
from repscope.cli.main import cli
from repscope.report import DEFAULT_PNG_DPI

CLI_DIR = Path(__file__).resolve().parents[2] / "src" / "repscope" / "cli"
SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "bench_ego.csv"


def test_each_shared_option_is_declared_once():
    for option in ("--stop-at-loss", "--dpi", "--reference-set"):
        homes = [
            p.name
            for p in CLI_DIR.glob("*.py")
            if re.search(rf"[\"']{option}[\"']", p.read_text(encoding="utf-8"))
        ]
        assert homes == ["_options.py"], (option, homes)
    assert DEFAULT_DPI == DEFAULT_PNG_DPI  # the help's default is the writer's


def test_help_of_each_command_shows_its_shared_options():
    for command, options in (
        ("analyze", ("--stop-at-loss", "--dpi", "--reference-set", "--report")),
        ("report", ("--stop-at-loss", "--dpi", "--reference-set")),
        ("live", ("--stop-at-loss",)),
        ("trend", ("--dpi",)),
    ):
        result = CliRunner().invoke(cli, [command, "--help"], terminal_width=100)
        assert result.exit_code == 0, result.output
        for option in options:
            assert option in result.output, (command, option)


def _png_size(path: Path) -> tuple[int, int]:
    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height


def test_analyze_report_takes_dpi_and_stop_at_loss(tmp_path):
    out = tmp_path / "ego.png"
    args = ["analyze", str(SAMPLE), "--report", str(out), "--dpi", "60"]
    result = CliRunner().invoke(cli, [*args, "--stop-at-loss", "20%"])
    assert result.exit_code == 0, result.output
    assert "Report written to" in result.output
    assert _png_size(out) == (round(11.69 * 60), round(8.27 * 60))  # A4 landscape
    bad = CliRunner().invoke(cli, [*args, "--stop-at-loss", "120%"])
    assert bad.exit_code == 2 and "not a velocity loss" in bad.output
    missing = CliRunner().invoke(cli, [*args, "--reference-set", "4"])
    assert missing.exit_code == 2 and "there is no set 4" in missing.output
