import pytest

from repscope.errors import InputError
from repscope.tempo import Tempo, parse_tempo


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("3-1-1-0", (3.0, 1.0, 1.0, 0.0)),
        ("31X0", (3.0, 1.0, None, 0.0)),
        ("3-1-X-1", (3.0, 1.0, None, 1.0)),
        ("2.5-0-1-0", (2.5, 0.0, 1.0, 0.0)),
        (" 4010 ", (4.0, 0.0, 1.0, 0.0)),
    ],
)
def test_parse_tempo_forms(code, expected):
    assert parse_tempo(code).as_tuple() == expected


@pytest.mark.parametrize("code", ["", "3-1-1", "311", "3-1-1-0-0", "3-a-1-0", "31100", "3--1-0"])
def test_parse_tempo_rejects(code):
    with pytest.raises(InputError, match="tempo"):
        parse_tempo(code)


def test_tempo_code_round_trip():
    assert Tempo(3.0, 1.0, None, 0.0).code() == "3-1-X-0"
    assert parse_tempo(Tempo(2.5, 0.0, 1.0, 0.0).code()) == Tempo(2.5, 0.0, 1.0, 0.0)


def test_format_phases_writes_a_phase_not_measured_as_a_question_mark():
    from repscope.tempo import format_phases

    assert format_phases([2.94, 1.0, 1.04, float("nan")]) == "2.9-1.0-1.0-?"
    assert format_phases([None, 0.95, "x", 0.0]) == "?-0.9-?-0.0"  # 0.95 rounds half-even
    assert format_phases([3.0, 1.0], digits=2) == "3.00-1.00"
    assert "--" not in format_phases([float("nan")] * 4)
