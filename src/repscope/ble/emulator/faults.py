"""Faults given on the command line (``repscope emulate --fault SPEC``), parsed.

A spec names one fault; times are seconds from when the emulator is ready (a trailing
``s`` is allowed):

* ``link-loss@T`` or ``link-loss@T:D``: at ``T`` every connected sensor loses its link
  (a supervision timeout) and stays out of range for ``D`` seconds (default 1 s):
  :meth:`~repscope.ble.emulator.device.EmulatedDevice.trigger_link_loss`.
* ``stall@T:D``: from ``T`` the sensors' radio sends nothing for ``D`` seconds while the
  samples keep coming; then the queued notifications go out, as many per connection event
  as the radio allows, so they arrive late and bunched (a busy host or radio).
  :meth:`~repscope.ble.emulator.device.EmulatedDevice.trigger_stall`.
* ``drop-packets:P``: each data notification is lost with probability ``P``.
* ``corrupt-packets:P``: each data notification is cut short by one byte with
  probability ``P``.

The probabilities are :class:`Faults`; the timed faults are
:class:`TimedFault`, applied by :func:`repscope.ble.emulator.runner.serve`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from repscope.errors import InputError


@dataclass
class Faults:
    """Faults injected into a device's data stream.

    Attributes
    ----------
    drop_rate
        Probability that a data notification is lost.
    malformed_rate
        Probability that a data notification arrives cut short by one byte.
    seed
        Seed of the random draws (faults are reproducible).
    """

    drop_rate: float = 0.0
    malformed_rate: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("drop_rate", "malformed_rate"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], got {value!r}")


#: Timed fault kinds and whether their duration is required.
TIMED_KINDS = {"link-loss": False, "stall": True}
#: Rate fault kinds and the :class:`Faults` field each sets.
RATE_KINDS = {"drop-packets": "drop_rate", "corrupt-packets": "malformed_rate"}
#: Outage of a ``link-loss`` spec without a duration (s).
DEFAULT_OUTAGE_S = 1.0
FAULT_SPEC_HELP = "link-loss@T[:D], stall@T:D, drop-packets:P or corrupt-packets:P"

_TIMED = re.compile(r"^(?P<kind>[a-z-]+)@(?P<at>[^:]+)(?::(?P<duration>.+))?$")
_RATE = re.compile(r"^(?P<kind>[a-z-]+):(?P<value>.+)$")


@dataclass(frozen=True)
class TimedFault:
    """A fault at a moment of the emulation.

    Attributes
    ----------
    kind
        ``"link-loss"`` or ``"stall"``.
    at_s
        Seconds after the emulator is ready.
    duration_s
        Outage (``link-loss``) or stall length.
    """

    kind: str
    at_s: float
    duration_s: float


def _seconds(text: str, spec: str, what: str) -> float:
    value = text.strip()
    if value.endswith("s"):
        value = value[:-1]
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise InputError(f"fault {spec!r}: {what} must be a number of seconds >= 0, got {text!r}")
    return seconds


def parse_fault(spec: str) -> TimedFault | tuple[str, float]:
    """Parse one ``--fault`` spec (see the module docs).

    Returns a :class:`TimedFault`, or ``(field, probability)`` for a rate fault, where
    ``field`` is the :class:`Faults` attribute it sets.

    Raises
    ------
    repscope.errors.InputError
        For a spec that is not one of the forms above, naming the spec and the forms.
    """
    text = spec.strip().lower()
    timed = _TIMED.match(text)
    if timed and timed["kind"] in TIMED_KINDS:
        kind = timed["kind"]
        at_s = _seconds(timed["at"], spec, "the time")
        if timed["duration"] is None:
            if TIMED_KINDS[kind]:
                raise InputError(f"fault {spec!r}: give its duration, e.g. {kind}@{at_s:g}s:2s")
            return TimedFault(kind, at_s, DEFAULT_OUTAGE_S)
        duration_s = _seconds(timed["duration"], spec, "the duration")
        if duration_s <= 0:
            raise InputError(f"fault {spec!r}: the duration must be above 0 s")
        return TimedFault(kind, at_s, duration_s)
    rate = _RATE.match(text)
    if rate and rate["kind"] in RATE_KINDS:
        try:
            probability = float(rate["value"])
        except ValueError:
            probability = math.nan
        if not 0.0 <= probability <= 1.0:
            raise InputError(
                f"fault {spec!r}: the probability must lie in [0, 1], got {rate['value']!r}"
            )
        return RATE_KINDS[rate["kind"]], probability
    raise InputError(f"fault {spec!r} not understood; use {FAULT_SPEC_HELP}")


def parse_faults(
    specs: Iterable[str], *, base: Faults | None = None
) -> tuple[Faults, list[TimedFault]]:
    """Parse ``--fault`` specs: the packet faults (over ``base``'s) and the timed ones.

    A rate given by a spec replaces ``base``'s; the timed faults come sorted by time.
    """
    base = base or Faults()
    rates = {"drop_rate": base.drop_rate, "malformed_rate": base.malformed_rate}
    timed: list[TimedFault] = []
    for spec in specs:
        fault = parse_fault(spec)
        if isinstance(fault, TimedFault):
            timed.append(fault)
        else:
            rates[fault[0]] = fault[1]
    faults = Faults(
        drop_rate=rates["drop_rate"], malformed_rate=rates["malformed_rate"], seed=base.seed
    )
    return faults, sorted(timed, key=lambda f: f.at_s)
