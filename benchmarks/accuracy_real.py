"""Rep counting on real wrist recordings (MetaMotion), repscope against a peer baseline.

Usage::

    .venv/bin/python benchmarks/accuracy_real.py [--write-docs] [--out results.json]
        [--realdata PATH] [--limit N]

Data
----
``<realdata>/metamotion_wrist/`` (``$REPSCOPE_REALDATA`` or ``<repo>/../shared/realdata``),
read in place, never copied: 57 labelled sets (bench, dead, ohp, row, squat), 2 rest
recordings and 2 unlabelled bench sets done wrong on purpose (``form/``). The reference
is ``nominal_reps`` from ``labels.csv``: the *planned* count (heavy 5, medium 10), not a
verified count (see the data's README), so a disagreement may be the lifter's.

Counters compared (all on the same recording, in the same run)
--------------------------------------------------------------
``repscope``
    ``len(analyze_recording(rec, placement="wrist", exercise=<dead -> deadlift>).reps)``:
    the full pipeline (strokes, pairing, sets).
``periodicity``
    ``repscope.analysis.wrist.periodicity_count`` on the recording resampled onto its
    uniform grid (:func:`repscope.io.timebase.resample_uniform`); samples inside the few
    gaps are filled by linear interpolation so the counter sees one gap-free stretch
    (the number of filled samples is reported per set).
``baseline``
    The peer method of the dataset's author (``daveebbelaar/tracking-barbell-exercises``,
    notebook ``counting_repetitions.ipynb``): the accelerometer magnitude
    ``sqrt(x² + y² + z²)`` low-passed at 0.4 Hz and the number of its local maxima
    (``scipy.signal.argrelextrema(..., np.greater)``). Here: the same gap-filled uniform
    grid as above (25 Hz, the accelerometer's 12.5 Hz samples interpolated onto the
    gyroscope's time stamps by the reader), a 2nd-order Butterworth low-pass at 0.4 Hz
    applied forward and backward (``sosfiltfilt``, zero phase), maxima counted over the
    whole recording. One setting for every exercise: the author's per-exercise tweaks
    (other cut-offs for squat, ohp and deadlift, a gyroscope axis for rows, chosen by
    looking at these very sets) are *not* applied, because they were fitted to the answer.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    default_out,
    md_table,
    num,
    pct,
    provenance,
    provenance_line,
    realdata_folder,
    rich_table,
    write_json,
    write_section,
)

EXERCISE_NAMES = {"dead": "deadlift"}
REST_PROFILES = ("bench", "squat", "deadlift", "ohp", "row")
BASELINE_CUTOFF_HZ = 0.4
BASELINE_ORDER = 2
#: Targets from repscope issue 4 (per exercise).
TARGET_EXACT = 0.85
TARGET_MAE = 0.3
METHODS = ("repscope", "periodicity", "baseline")


def realdata_dir(override: Path | None = None) -> Path:
    """Folder of the MetaMotion wrist recordings."""
    return realdata_folder("metamotion_wrist", override)


def set_name(accelerometer_file: str) -> str:
    """``A-bench-heavy2-rpe8 @ 2019-01-11T16.10.08`` from a MetaMotion file name."""
    label, _, rest = accelerometer_file.partition("_MetaWear_")
    stamp = rest.split("_", 1)[0][:19]
    return f"{label} @ {stamp}" if stamp else label


def uniform_filled(recording: Any) -> tuple[Any, np.ndarray, np.ndarray | None, int]:
    """Resample onto the uniform grid and fill gap rows by linear interpolation.

    Returns the uniform recording, acceleration (g), angular rate (deg/s or None) and the
    number of filled samples.
    """
    from repscope.io.timebase import gap_mask, resample_uniform

    uniform = resample_uniform(recording, sampling_rate_hz=recording.meta.sampling_rate_hz)
    gaps = gap_mask(uniform)
    t = uniform.time_s
    arrays = [uniform.acc_g.copy()]
    if uniform.gyr_dps is not None:
        arrays.append(uniform.gyr_dps.copy())
    if gaps.any():
        for arr in arrays:
            for k in range(arr.shape[1]):
                arr[gaps, k] = np.interp(t[gaps], t[~gaps], arr[~gaps, k])
    gyr = arrays[1] if len(arrays) > 1 else None
    return uniform, arrays[0], gyr, int(gaps.sum())


def baseline_count(acc_g: np.ndarray, *, sampling_rate_hz: float) -> int:
    """Peer baseline: maxima of the 0.4 Hz low-passed acceleration magnitude (module docs)."""
    from scipy import signal

    magnitude = np.linalg.norm(acc_g, axis=1)
    sos = signal.butter(
        BASELINE_ORDER, BASELINE_CUTOFF_HZ, btype="low", output="sos", fs=sampling_rate_hz
    )
    smooth = signal.sosfiltfilt(sos, magnitude)
    return int(signal.argrelextrema(smooth, np.greater)[0].size)


def count_recording(path: Path, exercise: str) -> dict[str, Any]:
    """All three counts for one recording; an exception makes that count None (= wrong)."""
    from repscope.analysis import analyze_recording
    from repscope.analysis.wrist import periodicity_count
    from repscope.io import read_recording

    out: dict[str, Any] = {"errors": {}}
    rec = read_recording(path)
    out["duration_s"] = float(rec.time_s[-1] - rec.time_s[0])
    out["sampling_rate_hz"] = rec.meta.sampling_rate_hz
    t0 = time.perf_counter()
    try:
        reps = analyze_recording(rec, placement="wrist", exercise=exercise).reps
        out["repscope"] = len(reps)
        rom = reps["rom_m"].to_numpy(float) if len(reps) else np.zeros(0)
        out["mean_rom_m"] = float(np.nanmean(rom)) if np.isfinite(rom).any() else None
    except Exception as exc:
        out["repscope"] = None
        out["errors"]["repscope"] = repr(exc)
        out["traceback"] = traceback.format_exc(limit=6)
    out["analysis_s"] = time.perf_counter() - t0
    uniform, acc, gyr, filled = uniform_filled(rec)
    rate = uniform.meta.sampling_rate_hz
    out["gap_samples_filled"] = filled
    try:
        out["periodicity"] = periodicity_count(acc, gyr, sampling_rate_hz=rate).n_reps
    except Exception as exc:
        out["periodicity"] = None
        out["errors"]["periodicity"] = repr(exc)
    out["baseline"] = baseline_count(acc, sampling_rate_hz=rate)
    return out


def method_summary(rows: list[dict[str, Any]], method: str) -> dict[str, Any]:
    """Exact, within-one and MAE of one counter against the nominal counts."""
    if not rows:
        return {"sets": 0}
    # an exception counts as 0 reps found
    err = np.array([(r[method] or 0) - r["nominal_reps"] for r in rows], dtype=float)
    return {
        "sets": len(rows),
        "exact": float(np.mean(err == 0)),
        "within_one": float(np.mean(np.abs(err) <= 1)),
        "mae": float(np.mean(np.abs(err))),
        "bias": float(np.mean(err)),
        "exceptions": sum(1 for r in rows if r[method] is None),
    }


def counted_summary(rows: list[dict[str, Any]], method: str) -> dict[str, Any]:
    """Exact share and MAE of one counter against ``counted_reps`` (reps seen by eye)."""
    if not rows:
        return {"sets": 0}
    err = np.array([(r[method] or 0) - r["counted_reps"] for r in rows], dtype=float)
    return {
        "sets": len(rows),
        "exact": float(np.mean(err == 0)),
        "mae": float(np.mean(np.abs(err))),
        "wrong": [
            f"{r['set']}: {r[method]} of {r['counted_reps']}"
            for r, e in zip(rows, err, strict=True)
            if e
        ]
        if method == "repscope"
        else [],
    }


def run(folder: Path, *, limit: int | None = None, progress: bool = True) -> dict[str, Any]:
    """Count every recording; return the report."""
    from rich.progress import Progress

    with (folder / "labels.csv").open(newline="", encoding="utf-8") as fh:
        labels = list(csv.DictReader(fh))
    lifts = [r for r in labels if r["exercise"] != "rest"]
    rests = [r for r in labels if r["exercise"] == "rest"]
    if limit is not None:
        lifts = lifts[:limit]
    forms = sorted((folder / "form").glob("*_Accelerometer_*.csv"))
    t0 = time.perf_counter()
    sets: list[dict[str, Any]] = []
    rest_rows: list[dict[str, Any]] = []
    form_rows: list[dict[str, Any]] = []
    with Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("count reps", total=len(lifts) + len(rests) + len(forms))
        for row in lifts:
            exercise = EXERCISE_NAMES.get(row["exercise"], row["exercise"])
            counts = count_recording(folder / "raw" / row["accelerometer_file"], exercise)
            sets.append(
                {
                    "set": set_name(row["accelerometer_file"]),
                    "file": row["accelerometer_file"],
                    "participant": row["participant"],
                    "exercise": row["exercise"],
                    "category": row["category"],
                    "nominal_reps": int(row["nominal_reps"]),
                    "counted_reps": int(row["counted_reps"]) if row.get("counted_reps") else None,
                    **counts,
                }
            )
            bar.advance(task)
        for row in rests:
            path = folder / "raw" / row["accelerometer_file"]
            per_profile = {}
            first: dict[str, Any] = {}
            for profile in REST_PROFILES:
                counts = count_recording(path, profile)
                per_profile[profile] = counts["repscope"]
                first = first or counts
            rest_rows.append(
                {
                    "set": set_name(row["accelerometer_file"]),
                    "file": row["accelerometer_file"],
                    "category": row["category"],
                    "repscope_by_profile": per_profile,
                    "periodicity": first["periodicity"],
                    "baseline": first["baseline"],
                    "duration_s": first["duration_s"],
                }
            )
            bar.advance(task)
        for path in forms:
            counts = count_recording(path, "bench")
            form_rows.append({"set": set_name(path.name), "file": path.name, **counts})
            bar.advance(task)
    exercises = sorted({r["exercise"] for r in sets})
    summary: dict[str, Any] = {"by_exercise": {}, "overall": {}}
    for method in METHODS:
        summary["overall"][method] = method_summary(sets, method)
        for ex in exercises:
            summary["by_exercise"].setdefault(ex, {})[method] = method_summary(
                [r for r in sets if r["exercise"] == ex], method
            )
    counted = [r for r in sets if r.get("counted_reps") is not None]
    summary["counted"] = {method: counted_summary(counted, method) for method in METHODS}
    disagree = [r for r in sets if any(r[m] != r["nominal_reps"] for m in METHODS)]
    for row in form_rows:  # each form set's range against its lifter's normal bench sets
        who = row["set"].split("-")[0]
        normal = [
            r["mean_rom_m"]
            for r in sets
            if r["participant"] == who and r["exercise"] == "bench" and r.get("mean_rom_m")
        ]
        row["normal_rom_m"] = float(np.median(normal)) if normal else None
        row["normal_sets"] = len(normal)
    return {
        "benchmark": "accuracy_real",
        "config": {
            "folder": str(folder),
            "limit": limit,
            "baseline": {
                "signal": "accelerometer magnitude",
                "filter": f"Butterworth low-pass, order {BASELINE_ORDER}, "
                f"{BASELINE_CUTOFF_HZ} Hz, sosfiltfilt",
                "count": "scipy.signal.argrelextrema(np.greater) over the whole recording",
            },
        },
        "provenance": provenance(),
        "elapsed_s": time.perf_counter() - t0,
        "summary": summary,
        "disagreements": [
            {k: r[k] for k in ("set", "file", "exercise", "nominal_reps", *METHODS)}
            for r in disagree
        ],
        "sets": sets,
        "rest": rest_rows,
        "form": form_rows,
    }


# ----------------------------------------------------------------------------- output
SUMMARY_HEADER = [
    "exercise",
    "sets",
    "exact: repscope",
    "periodicity",
    "baseline",
    "MAE: repscope",
    "periodicity",
    "baseline",
    "within one: repscope",
    "periodicity",
    "baseline",
]


def _summary_rows(report: dict[str, Any]) -> list[list[str]]:
    s = report["summary"]
    groups = [*s["by_exercise"].items(), ("all", s["overall"])]
    rows = []
    for name, by_method in groups:
        row = [name, str(by_method["repscope"]["sets"])]
        row += [pct(by_method[m]["exact"]) for m in METHODS]
        row += [num(by_method[m]["mae"], 2) for m in METHODS]
        row += [pct(by_method[m]["within_one"]) for m in METHODS]
        rows.append(row)
    return rows


def _fmt(v: Any) -> str:
    return "error" if v is None else str(v)


def _disagree_rows(report: dict[str, Any]) -> list[list[str]]:
    return [
        [d["set"], str(d["nominal_reps"]), *(_fmt(d[m]) for m in METHODS)]
        for d in report["disagreements"]
    ]


def _rest_rows(report: dict[str, Any]) -> list[list[str]]:
    return [
        [
            r["set"],
            f"{r['duration_s']:.0f} s",
            ", ".join(f"{p} {_fmt(n)}" for p, n in r["repscope_by_profile"].items()),
            _fmt(r["periodicity"]),
            _fmt(r["baseline"]),
        ]
        for r in report["rest"]
    ]


def _form_rows(report: dict[str, Any]) -> list[list[str]]:
    rows = []
    for r in report["form"]:
        rom, normal = r.get("mean_rom_m"), r.get("normal_rom_m")
        share = f"{rom / normal:.0%}" if rom and normal else "-"
        rows.append(
            [
                r["set"],
                *(_fmt(r[m]) for m in METHODS),
                "-" if rom is None else f"{rom:.2f} m",
                "-" if normal is None else f"{normal:.2f} m ({r['normal_sets']} sets)",
                share,
            ]
        )
    return rows


FORM_HEADER = ["recording", *METHODS, "range", "lifter's normal bench", "share"]


def _headline(report: dict[str, Any]) -> str:
    o = report["summary"]["overall"]
    return (
        f"Against the planned counts of {o['repscope']['sets']} sets: repscope exact "
        f"{pct(o['repscope']['exact'])} (MAE {num(o['repscope']['mae'], 2)}, within one "
        f"{pct(o['repscope']['within_one'])}); periodicity counter exact "
        f"{pct(o['periodicity']['exact'])} (MAE {num(o['periodicity']['mae'], 2)}, within one "
        f"{pct(o['periodicity']['within_one'])}); peer baseline exact "
        f"{pct(o['baseline']['exact'])} (MAE {num(o['baseline']['mae'], 2)}, within one "
        f"{pct(o['baseline']['within_one'])})."
    )


def _counted_line(report: dict[str, Any]) -> str:
    counted = report["summary"].get("counted", {})
    if not counted or not counted.get("repscope", {}).get("sets"):
        return "_No counts by eye (`counted_reps`) in labels.csv._"
    parts = [
        f"{m} exact {pct(counted[m]['exact'])}, MAE {counted[m]['mae']:.2f}"
        for m in METHODS
        if counted[m].get("sets")
    ]
    wrong = counted["repscope"].get("wrong", [])
    return (
        f"**Against `counted_reps`** (reps performed, counted by eye; floor of issue 16: "
        f"exact >= 90%, MAE <= 0.15; {counted['repscope']['sets']} sets): "
        + "; ".join(parts)
        + (". repscope wrong on: " + ", ".join(wrong) if wrong else "")
        + "."
    )


def markdown(report: dict[str, Any]) -> str:
    """The real-data section of docs/accuracy.md."""
    by_ex = report["summary"]["by_exercise"]
    meets = [
        ex
        for ex, m in by_ex.items()
        if m["repscope"]["exact"] >= TARGET_EXACT and m["repscope"]["mae"] <= TARGET_MAE
    ]
    lines = [
        provenance_line(report["provenance"]),
        "",
        "Data: the MetaMotion wrist recordings of `daveebbelaar/tracking-barbell-exercises` "
        "(deduplicated copy in `../shared/realdata/metamotion_wrist/`, read in place; "
        "accelerometer 12.5 Hz, gyroscope 25 Hz). The reference is `nominal_reps`, the "
        "*planned* count (heavy 5, medium 10); true counts were never recorded, and a few "
        "sets visibly differ from the plan (e.g. `B-ohp-medium3-rpe9` shows about 8 clear "
        "reps), so no method can reach 100% against it.",
        "",
        "Counters, all run on the same recordings in the same run:",
        "",
        "- **repscope**: number of reps in `analyze_recording(rec, placement='wrist', "
        "exercise=...)` (`dead` mapped to `deadlift`).",
        "- **periodicity**: `repscope.analysis.wrist.periodicity_count` on the uniform "
        "25 Hz grid, gaps filled by linear interpolation.",
        f"- **baseline** (peer method of the data's author): accelerometer magnitude, "
        f"Butterworth low-pass {BASELINE_CUTOFF_HZ} Hz, order {BASELINE_ORDER}, zero phase "
        "(`sosfiltfilt`), local maxima counted with `scipy.signal.argrelextrema(np.greater)` "
        "over the whole recording. The author additionally tuned the cut-off per exercise "
        "(and used a gyroscope axis for rows) on these same sets; that tuning is not applied "
        "here, so the baseline is the published method with one setting for every exercise.",
        "",
        f"**Headline:** {_headline(report)}",
        "",
        _counted_line(report),
        "",
        f"Targets per exercise: exact ≥ {pct(TARGET_EXACT, 0)} and MAE ≤ {TARGET_MAE}; "
        f"repscope meets both for: {', '.join(meets) if meets else 'none'}. Anchors: RecoFit "
        "within one rep in 93% of sets; the author reports about 5% counting error with "
        "per-exercise tuning; a generic band-pass and autocorrelation counter scored MAE "
        "0.88, 49% exact and 82% within one on these 57 sets.",
        "",
        md_table(SUMMARY_HEADER, _summary_rows(report)),
        "",
        f"### Sets where some counter disagrees with the plan ({len(report['disagreements'])})",
        "",
        md_table(["set", "planned", *METHODS], _disagree_rows(report)),
        "",
        "### Rest recordings (no lifting: every count should be 0)",
        "",
        md_table(
            ["recording", "length", "repscope by exercise profile", "periodicity", "baseline"],
            _rest_rows(report),
        ),
        "",
        "### Form recordings (bench done wrong on purpose; no planned count)",
        "",
        md_table(FORM_HEADER, _form_rows(report)),
        "",
        "Range: the mean `rom_m` of the recording's reps; the lifter's normal bench: the "
        "median of the same mean over that participant's labelled bench sets. "
        "`repscope analyze FORM_FILE --reference-recording NORMAL_FILE` reports the same "
        "drift for one pair of recordings.",
        "",
        "Reproduce: `.venv/bin/python benchmarks/accuracy_real.py --write-docs` "
        f"(took {report['elapsed_s']:.0f} s).",
    ]
    return "\n".join(lines)


def print_report(report: dict[str, Any]) -> None:
    """Readable tables on the terminal."""
    from rich.console import Console

    console = Console(width=max(Console().width, 140))
    console.print(provenance_line(report["provenance"]))
    console.print(rich_table("Rep counts against the plan", SUMMARY_HEADER, _summary_rows(report)))
    console.print(
        rich_table(
            "Sets that disagree with the plan",
            ["set", "planned", *METHODS],
            _disagree_rows(report),
        )
    )
    console.print(
        rich_table(
            "Rest recordings (should be 0)",
            ["recording", "length", "repscope by profile", "periodicity", "baseline"],
            _rest_rows(report),
        )
    )
    console.print(rich_table("Form recordings", FORM_HEADER, _form_rows(report)))
    console.print(_headline(report))
    console.print(_counted_line(report))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Rep counting on real MetaMotion wrist recordings: repscope vs a baseline.",
        epilog="Example: .venv/bin/python benchmarks/accuracy_real.py --write-docs",
    )
    parser.add_argument(
        "--realdata",
        type=Path,
        default=None,
        help="folder holding metamotion_wrist/ (default $REPSCOPE_REALDATA or ../shared/realdata)",
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N labelled sets")
    parser.add_argument("--out", type=Path, default=None, help="JSON output path")
    parser.add_argument(
        "--write-docs", action="store_true", help="replace the real-data section of the docs"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)
    folder = realdata_dir(args.realdata)
    if not (folder / "labels.csv").exists():
        print(
            f"error: no labels.csv in {folder}; set REPSCOPE_REALDATA or pass --realdata",
            file=sys.stderr,
        )
        return 2
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    report = run(folder, limit=args.limit, progress=not args.no_progress)
    print_report(report)
    out = write_json(report, args.out or default_out("accuracy_real"))
    print(f"wrote {out}")
    if args.write_docs:
        write_section("real", markdown(report))
        print("updated docs/accuracy.md (real-data section)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
