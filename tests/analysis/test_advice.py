"""The "next set" advice: its priority, its evidence, and when it declines to advise."""

from __future__ import annotations

from repscope.analysis.advice import next_set, rep_list
from repscope.tempo import parse_tempo

TEMPO = parse_tempo("3-1-1-0")


def rep(k: int, flags: str = "", **values: float) -> dict[str, object]:
    base = {"rep": k, "eccentric_s": 3.0, "bottom_pause_s": 1.0, "concentric_s": 1.0,
            "top_pause_s": 0.0, "rom_m": 0.42, "velocity_loss": 0.0}  # fmt: skip
    return {**base, **values, "flags": flags}


def test_rushed_lowering_quotes_the_median_against_the_target():
    rows = [rep(1), rep(2, "rushed_negative", eccentric_s=1.0), rep(3, "rushed_negative;tempo_off",
            eccentric_s=1.2)]  # fmt: skip
    advice = next_set(rows, tempo=TEMPO)
    assert advice.focus == "rushed_negative"
    assert advice.line == "Next set: slow the lowering: 1.1 s against 3 s (2 of 3 reps)"


def test_without_a_tempo_the_lowering_is_held_to_the_minimum():
    advice = next_set([rep(1, "rushed_negative", eccentric_s=0.6)])
    assert advice.text == "slow the lowering: 0.6 s, take at least 1 s (1 of 1 rep)"


def test_momentum_faults_of_the_set_come_before_control_faults_on_more_reps():
    rows = [rep(k, "rushed_negative") for k in range(1, 4)]
    rows += [rep(k, "partial_rom", rom_m=0.2) for k in (4, 5)] + [rep(6)]
    advice = next_set(rows, tempo=TEMPO)
    assert advice.focus == "partial_rom"  # 2 of 6: a fault of the set
    assert advice.text == "use the full range: reps 4, 5 moved 48% of your full 0.42 m"


def test_a_fault_of_one_rep_gives_way_to_a_fault_of_the_set():
    rows = [rep(k, "tempo_off", eccentric_s=2.0) for k in range(1, 4)] + [rep(4, "bounce")]
    rows += [rep(5), rep(6)]
    assert next_set(rows, tempo=TEMPO).focus == "tempo_off"
    alone = [rep(1, "bounce"), rep(2, "jerky"), rep(3), rep(4), rep(5), rep(6)]
    assert next_set(alone).focus == "bounce"  # isolated faults: on a tie, the order


def test_within_a_kind_the_flag_on_most_reps_wins():
    rows = [rep(1, "bounce"), rep(2, "partial_rom;bounce", rom_m=0.2), rep(3, "bounce")]
    assert next_set(rows).focus == "bounce"


def test_velocity_loss_at_the_stop_threshold_says_end_sooner():
    rows = [rep(1), rep(2, velocity_loss=0.25)]
    assert next_set(rows).focus == "none"  # under the default 40 %
    advice = next_set(rows, stop_at_loss=0.2)
    assert advice.text == "end the set sooner: bar speed fell 25%, past the 20% line"


def test_tempo_off_names_the_phase_furthest_from_its_target():
    rows = [rep(1, "tempo_off", bottom_pause_s=0.0, eccentric_s=2.4)]
    assert next_set(rows, tempo=TEMPO).text == (
        "hold the tempo: bottom pause 0.0 s against 1 s (1 of 1 rep)"
    )


def test_clean_sets_no_reps_and_low_confidence():
    assert next_set([rep(1)], tempo=TEMPO).line == (
        "Next set: keep it up: tempo on target, no fault found"
    )
    assert next_set([rep(1)]).text == "keep it up: no fault found"
    assert next_set([]).focus == "no_reps"
    low = next_set([rep(1, "bounce")], confidence="low", confidence_reasons=["2 rests disagree"])
    assert low.focus == "unsure"
    assert (
        low.line == "Next set: not sure what to change; the data are uncertain (2 rests disagree)"
    )


def test_rep_lists():
    assert rep_list([3]) == "rep 3"
    assert rep_list([2, 3, 4, 5]) == "reps 2-5"
    assert rep_list([4, 1, 6]) == "reps 1, 4, 6"
    assert rep_list([1, 2]) == "reps 1, 2"
