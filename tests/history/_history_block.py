"""Helpers of tests/history: the simulated block every test uses, filling a history."""

from __future__ import annotations

import hashlib

from repscope.analysis import SessionAnalysis
from repscope.history import History
from repscope.recording import Recording
from repscope.simulate.block import simulate_training_block

#: A short block: 3 weeks x 3 sessions of 2 sets x 3 reps at 50 Hz (7 distinct loads).
BLOCK = {
    "athlete": "ana",
    "exercise": "bench",
    "weeks": 3,
    "sessions_per_week": 3,
    "one_rm_kg": 100.0,
    "sampling_rate_hz": 50.0,
    "sets_per_session": 2,
    "reps_per_set": 3,
    "rest_between_sets_s": 15.0,
}


def simulate_block(seed: int, **overrides: object) -> list[Recording]:
    return simulate_training_block(**{**BLOCK, **overrides, "seed": seed})  # type: ignore[arg-type]


def fake_sha(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def fill(history: History, analyses: list[SessionAnalysis], prefix: str = "s") -> list[str]:
    return [
        history.add_analysis(
            a, source_path=f"{prefix}{k}.csv", content_sha256=fake_sha(f"{prefix}{k}")
        )
        for k, a in enumerate(analyses)
    ]
