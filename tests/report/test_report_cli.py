"""`repscope report` and `repscope analyze --report` through the CLI."""

from __future__ import annotations

from click.testing import CliRunner
from report_helpers import SAMPLE_DIR, pdf_page_count

from repscope.cli.main import cli

SQUAT = str(SAMPLE_DIR / "squat_session.csv")
BENCH = str(SAMPLE_DIR / "bench_ego.csv")


def test_report_several_files_into_one_pdf(tmp_path):
    out = tmp_path / "both.pdf"
    args = ["report", SQUAT, BENCH, "--out", str(out), "--tempo", "3-1-1-0"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"Report written to {out}" in result.output
    assert pdf_page_count(out) == (1 + 3) + (1 + 1)


def test_report_png_of_one_set_is_one_file(tmp_path):
    out = tmp_path / "bench.png"
    result = CliRunner().invoke(cli, ["report", BENCH, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bench.png"]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_analyze_with_report(tmp_path):
    out = tmp_path / "squat.svg"
    result = CliRunner().invoke(cli, ["analyze", SQUAT, "--report", str(out)])
    assert result.exit_code == 0, result.output
    assert "Set 3: 5 reps" in result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["squat-set1.svg", "squat-set2.svg", "squat-set3.svg", "squat-summary.svg"]


def test_bad_extension_exits_2_with_one_line(tmp_path):
    for args in (
        ["report", BENCH, "--out", str(tmp_path / "r.jpg")],
        ["analyze", BENCH, "--report", str(tmp_path / "r.docx")],
        ["report", BENCH, SQUAT, "--out", str(tmp_path / "r.png")],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("repscope: error: "), result.output
        assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_report_help_has_example():
    result = CliRunner().invoke(cli, ["report", "--help"])
    assert result.exit_code == 0
    assert "repscope report sample_data/squat_session.csv" in result.output
    assert "OUT-set1.png" in result.output
