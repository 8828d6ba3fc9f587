"""`repscope --help`, `--version` and every command's `--help` import no heavy module.

A behaviour test, not a timing test: start-up time is measured by
benchmarks/cli_startup.py. Here a fresh interpreter shows every help and the version,
and the test checks which modules that imported.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "numpy",
    "pandas",
    "scipy",
    "matplotlib",
    "pyarrow",
    "vqf",
    "bleak",
    "dask",
    "asyncio",
    "repscope.analysis",
    "repscope.simulate",
    "repscope.io",
    "repscope.history",
    "repscope.report",
    "repscope.ble",
    "repscope.live",
    "repscope.batch",
    "repscope.recording",
)

_PROBE = r"""
import json, sys
from repscope.cli.main import COMMANDS, main

heavy = HEAVY
invocations = [["--help"], ["--version"], ["-h"]]
invocations += [[name, "--help"] for name in COMMANDS]
invocations += [["history", sub, "--help"] for sub in ("add", "list", "show", "remove")]
report = []
for argv in invocations:
    try:
        main(argv)
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    loaded = sorted(
        m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy)
    )
    report.append({"argv": argv, "exit": code, "loaded": loaded})
print("\x00" + json.dumps(report))
"""


def _probe() -> list[dict]:
    code = _PROBE.replace("HEAVY", repr(HEAVY))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    return json.loads(out.rsplit("\x00", 1)[1])


def test_help_and_version_import_no_heavy_module():
    report = _probe()
    assert len(report) >= 3 + 12 + 4
    for entry in report:
        assert entry["exit"] in (0, None), entry
        assert entry["loaded"] == [], f"repscope {' '.join(entry['argv'])}: {entry['loaded']}"


def test_a_command_that_runs_imports_what_it_needs(tmp_path):
    # The lazy imports are real imports: analyze works and pulls in the analysis.
    code = (
        "import sys\n"
        "from repscope.cli.main import main\n"
        "try:\n"
        "    main(['analyze', 'sample_data/bench_ego.csv', '--json'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code in (0, None), exc.code\n"
        "print('\\x00', 'repscope.analysis' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    ).stdout
    assert out.rsplit("\x00", 1)[1].strip() == "True"


def test_names_in_help_are_the_librarys():
    from repscope.analysis.profiles import PROFILES
    from repscope.batch.store import OUTPUT_FORMATS
    from repscope.ble.devices import DRIVERS
    from repscope.cli import _names
    from repscope.history.trends import MVT_MPS
    from repscope.recording import PLACEMENTS
    from repscope.simulate import EXERCISES, Fault

    assert tuple(PLACEMENTS) == _names.PLACEMENTS
    assert tuple(PROFILES) == _names.EXERCISES
    assert tuple(EXERCISES) == _names.SIMULATED_EXERCISES
    assert tuple(f.value for f in Fault) == _names.SIMULATED_FAULTS
    assert tuple(sorted(DRIVERS)) == _names.DEVICE_FAMILIES
    assert tuple(OUTPUT_FORMATS) == _names.OUTPUT_FORMATS
    from repscope.io.layout import ACC_UNITS, GYR_UNITS, TIME_UNITS
    from repscope.simulate import REAL_LIKE_SENSOR_RATE_HZ

    assert _names.REAL_LIKE_SENSOR_RATE_HZ == REAL_LIKE_SENSOR_RATE_HZ

    assert (tuple(TIME_UNITS), tuple(ACC_UNITS), tuple(GYR_UNITS)) == (
        _names.TIME_UNITS,
        _names.ACC_UNITS,
        _names.GYR_UNITS,
    )
    assert {k: v.mvt_mps for k, v in MVT_MPS.items()} == _names.DEFAULT_MVT_MPS
    from repscope.analysis.vbt import KG_PER_LB
    from repscope.cli import _vbt

    assert _vbt.KG_PER_LB == KG_PER_LB
