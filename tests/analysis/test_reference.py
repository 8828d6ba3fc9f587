"""The reference set: which one, and where the working sets drift from it."""

from __future__ import annotations

import pandas as pd
import pytest

from repscope.analysis.reference import compare_with_reference, reference_set_of
from repscope.errors import InputError


def _sets(loads):
    return pd.DataFrame({"set": range(1, len(loads) + 1), "load_kg": loads})


def test_the_reference_is_the_named_set_else_the_lightest_else_the_first():
    assert reference_set_of(_sets([80.0, 60.0, 100.0])) == (2, "the lightest set")
    assert reference_set_of(_sets([80.0, 80.0, 100.0])) == (1, "the first set")
    assert reference_set_of(_sets([float("nan")] * 2)) == (1, "the first set")
    assert reference_set_of(_sets([80.0, 60.0]), 1) == (1, "named with --reference-set")
    assert reference_set_of(_sets([80.0])) == (None, "one set: nothing to compare")
    with pytest.raises(InputError, match="there is no set 3: the analysis found 2 set"):
        reference_set_of(_sets([80.0, 60.0]), 3)


def _reps(set_number, eccentric_s, concentric_s, rom_m, ldlj, excursion_m, n=4):
    return pd.DataFrame(
        {
            "set": [set_number] * n,
            "eccentric_s": [eccentric_s] * n,
            "concentric_s": [concentric_s] * n,
            "rom_m": [rom_m] * n,
            "ldlj": [ldlj] * n,
            "horizontal_excursion_m": [excursion_m] * n,
        }
    )


def test_drifts_are_found_and_said_with_both_numbers():
    reps = pd.concat(
        [
            _reps(1, 3.0, 1.0, 0.42, -6.0, 0.02),  # the warm-up
            _reps(2, 2.8, 1.2, 0.40, -6.5, 0.03),  # within every tolerance
            _reps(3, 1.2, 1.0, 0.33, -7.5, 0.08),  # rushed, short, jerky, wandering
        ]
    )
    drifts = compare_with_reference(reps, reference=1)
    assert {d.set for d in drifts} == {3}
    by_measure = {d.measure: d for d in drifts}
    assert set(by_measure) == {"eccentric_s", "rom_m", "ldlj", "horizontal_excursion_m"}
    assert by_measure["eccentric_s"].text == "lowering 1.2 s against 3.0 s"
    assert by_measure["rom_m"].text == "range 0.33 m against 0.42 m (-21%)"
    assert by_measure["horizontal_excursion_m"].text == ("bar wanders 8 cm sideways against 2 cm")
    # a concentric slowed by 0.3 s is inside max(25%, 0.3 s); by 0.35 s it drifts
    slower = pd.concat(
        [_reps(1, 3.0, 1.0, 0.42, -6.0, 0.02), _reps(2, 3.0, 1.35, 0.42, -6.0, 0.02)]
    )
    assert [d.text for d in compare_with_reference(slower, reference=1)] == [
        "lifting 1.4 s against 1.0 s"
    ]
