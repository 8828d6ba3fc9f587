"""One look for every report: page size, fonts, the colour-blind-safe palette, phase colours.

Colours come from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design";
recommended by Wong 2011, Nature Methods 8:441, https://doi.org/10.1038/nmeth.1618),
which stays distinguishable under the common colour-vision deficiencies. A tempo phase
has the same colour in every plot of every page (:data:`PHASE_COLOURS`).

Reports are reproducible: the font is fixed (DejaVu Sans, shipped with matplotlib), and
:func:`report_style` fixes the rcParams that would otherwise depend on the user's
matplotlibrc (sizes, font, the SVG id salt). It is a context manager around
``matplotlib.rc_context``, so it never changes pyplot's or the caller's global state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl

#: The Okabe-Ito palette by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: The four tempo phases in the order a tempo code is written (E-B-C-T).
PHASES: tuple[str, str, str, str] = ("eccentric", "bottom_pause", "concentric", "top_pause")

#: Rep-table column holding each phase's duration.
PHASE_DURATION_COLUMNS: dict[str, str] = {p: f"{p}_s" for p in PHASES}

#: The one colour of each phase, everywhere.
PHASE_COLOURS: dict[str, str] = {
    "eccentric": OKABE_ITO["blue"],
    "bottom_pause": OKABE_ITO["yellow"],
    "concentric": OKABE_ITO["vermillion"],
    "top_pause": OKABE_ITO["bluish_green"],
}

#: Human-readable phase names for legends.
PHASE_LABELS: dict[str, str] = {
    "eccentric": "lowering (eccentric)",
    "bottom_pause": "bottom pause",
    "concentric": "lifting (concentric)",
    "top_pause": "top pause",
}

#: Opacity of the phase shading behind the traces.
PHASE_ALPHA = 0.28

#: Colours of the other series.
TRACE_COLOUR = OKABE_ITO["black"]
MCV_COLOUR = OKABE_ITO["orange"]
VELOCITY_LOSS_COLOUR = OKABE_ITO["reddish_purple"]
ROM_COLOUR = OKABE_ITO["sky_blue"]
CONSISTENCY_COLOUR = OKABE_ITO["bluish_green"]

#: Colour of each flag in the session summary's stacked flag counts.
FLAG_COLOURS: dict[str, str] = {
    "rushed_negative": OKABE_ITO["blue"],
    "bounce": OKABE_ITO["vermillion"],
    "partial_rom": OKABE_ITO["orange"],
    "grind": OKABE_ITO["reddish_purple"],
    "swing": OKABE_ITO["sky_blue"],
    "jerky": OKABE_ITO["bluish_green"],
    "tempo_off": OKABE_ITO["black"],
}

#: Short codes written above a flagged rep (the page carries the key).
FLAG_CODES: dict[str, str] = {
    "rushed_negative": "RN",
    "bounce": "B",
    "partial_rom": "P",
    "grind": "G",
    "swing": "S",
    "jerky": "J",
    "tempo_off": "T",
}

#: A4 landscape in inches.
A4_LANDSCAPE_IN: tuple[float, float] = (11.69, 8.27)

#: The size of every page (set, summary and trends): landscape, so that the traces get
#: the width.
PAGE_IN: tuple[float, float] = A4_LANDSCAPE_IN

#: Colour of the velocity-loss stop line and of the reps past it.
STOP_COLOUR = OKABE_ITO["vermillion"]

#: Colour map of the reps (early to late) in the bar-path overlay and of the sets in the
#: summary's bar speed (perceptually uniform, readable in grey).
SEQUENCE_CMAP = "viridis"

#: The font every report uses (bundled with matplotlib, so always present).
FONT_FAMILY = "DejaVu Sans"

#: rcParams fixed for every report.
RC_PARAMS: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT_FAMILY],
    "font.size": 8.0,
    "axes.titlesize": 9.0,
    "axes.labelsize": 8.0,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.1,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.formatter.useoffset": False,
    "hatch.linewidth": 0.6,
    "svg.hashsalt": "repscope",
    "svg.fonttype": "path",
    "pdf.fonttype": 3,
    "path.simplify": True,
    "text.usetex": False,
    "axes.unicode_minus": True,
}


@contextmanager
def report_style() -> Iterator[None]:
    """Apply :data:`RC_PARAMS` for the duration of a ``with`` block (no global change)."""
    params: Any = RC_PARAMS  # matplotlib's stubs want literal keys
    with mpl.rc_context(params):
        yield
