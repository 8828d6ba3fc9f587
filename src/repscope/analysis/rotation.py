"""Strokes of a rotation: the curl's forearm angle from the gyroscope.

A curl turns the forearm through 120-140 degrees about the elbow, and the hands, the bar
and a wrist-worn sensor turn with it. In the vertical velocity the top of the movement is
slow (the hands move mostly sideways there: ``z = r (cos θ0 - cos θ)`` changes little
near ``θ = 90-140°``), and the wrist's orientation filter lags behind the fast flexion, so
vertical strokes of a curl come out short or split. The angular velocity is measured
directly, with no integration and so no drift, which makes it the natural signal for the
rep's strokes.

Steps (:func:`arc_speed`):

1. The rotation axis is the first principal axis (SVD) of the angular-velocity samples
   faster than ``min_speed_dps``: the elbow's flexion axis in the sensor frame (it turns
   with the sensor, so it is fixed in that frame).
2. The angular velocity about that axis, in rad/s, times ``arc_radius_m`` is the arc speed
   of a point on the forearm at that distance from the elbow: metres per second, so the
   stroke finder's and the pairing's thresholds keep their meaning.
3. Its sign is chosen so that it agrees with the vertical velocity (flexion lifts the
   hands): the sign of ``sum(arc_speed * vertical_velocity)``.

Pauses are still judged by the accepted still anchors of the vertical kinematics
(:func:`repscope.analysis.stroke_repair.snap_turnarounds`). Runs of slow rotation were tried as
pauses too and made timing worse: a 4 s negative starts turning slower than the hand's
micro-motion, which put false top pauses of up to 1.8 s before it.

The strokes found in it are then given the vertical travel and peak vertical speed of the
same samples (:func:`vertical_strokes`), so range of motion, velocities and the flags read
the bar's (or wrist's) vertical movement as for every other lift.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from repscope.analysis.strokes import Stroke
from repscope.recording import check_sampling_rate


def arc_speed(
    gyr_dps: np.ndarray,
    vertical_velocity_mps: np.ndarray,
    *,
    sampling_rate_hz: float,
    arc_radius_m: float,
    min_speed_dps: float = 30.0,
) -> np.ndarray | None:
    """Arc speed (m/s) about the main rotation axis, signed like the vertical velocity.

    Returns ``None`` when fewer than one second of samples turn faster than
    ``min_speed_dps`` (no rotation to follow).
    """
    rate = check_sampling_rate(sampling_rate_hz)
    gyr = np.asarray(gyr_dps, dtype=float)
    moving = np.linalg.norm(gyr, axis=1) > min_speed_dps
    if moving.sum() < rate:
        return None
    _, _, vt = np.linalg.svd(gyr[moving], full_matrices=False)
    axis = vt[0]
    speed = np.radians(gyr @ axis) * arc_radius_m
    if float(np.dot(speed, vertical_velocity_mps)) < 0:
        speed = -speed
    return np.asarray(speed)


def vertical_strokes(
    strokes: list[Stroke], vertical_velocity_mps: np.ndarray, position_m: np.ndarray
) -> list[Stroke]:
    """Return the strokes with the vertical travel and peak vertical speed of their samples."""
    out = []
    n = position_m.size
    for s in strokes:
        i0, i1 = max(s.start_idx, 0), min(max(s.end_idx, s.start_idx + 1), n - 1)
        window = vertical_velocity_mps[i0 : i1 + 1]
        out.append(
            dataclasses.replace(
                s,
                displacement_m=float(position_m[i1] - position_m[i0]),
                peak_speed_mps=float(np.max(np.abs(window))) if window.size else 0.0,
            )
        )
    return out
