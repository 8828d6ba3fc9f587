"""``repscope emulate --fault``: the specs, and a bad one refused before any bus starts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from repscope.ble.emulator import Faults
from repscope.ble.emulator.faults import TimedFault, parse_fault, parse_faults
from repscope.cli.main import cli
from repscope.errors import InputError


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("link-loss@20s", TimedFault("link-loss", 20.0, 1.0)),
        ("link-loss@20:3s", TimedFault("link-loss", 20.0, 3.0)),
        ("stall@10s:2s", TimedFault("stall", 10.0, 2.0)),
        ("STALL@0.5:0.25", TimedFault("stall", 0.5, 0.25)),
        ("corrupt-packets:0.01", ("malformed_rate", 0.01)),
        ("drop-packets:1", ("drop_rate", 1.0)),
    ],
)
def test_fault_specs(spec, expected):
    assert parse_fault(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("stall@10s", "give its duration"),
        ("stall@10s:0s", "above 0 s"),
        ("link-loss@-1s", "seconds >= 0"),
        ("link-loss@soon", "seconds >= 0"),
        ("corrupt-packets:2", r"\[0, 1\]"),
        ("drop-packets:nan", r"\[0, 1\]"),
        ("meteor@3s", "not understood"),
        ("", "not understood"),
    ],
)
def test_bad_fault_specs_name_the_spec(spec, message):
    with pytest.raises(InputError, match=message):
        parse_fault(spec)


def test_rates_from_specs_replace_the_options_and_timed_faults_are_sorted():
    faults, timed = parse_faults(
        ["link-loss@20s", "corrupt-packets:0.05", "stall@10s:2s"],
        base=Faults(drop_rate=0.1, malformed_rate=0.2, seed=7),
    )
    assert faults == Faults(drop_rate=0.1, malformed_rate=0.05, seed=7)
    assert [f.kind for f in timed] == ["stall", "link-loss"]
    assert parse_faults([]) == (Faults(), [])


def test_a_bad_fault_is_refused_in_one_line_before_any_bus_starts(monkeypatch):
    def no_bus():
        raise AssertionError("a bus was started")

    monkeypatch.setattr("repscope.ble.emulator.start_private_bus", no_bus)
    result = CliRunner().invoke(cli, ["emulate", "--profile", "diy", "--fault", "stall@3"])
    assert result.exit_code == 2
    assert "Invalid value for '--fault': fault 'stall@3': give its duration" in result.output
    assert "Traceback" not in result.output
