"""The colours of graph pictures, and why they are these.

Two promises, both checked by ``tests/test_colors.py``:

* **Readable.** Graphviz draws every label in black, so every fill here is light enough for
  black text to reach WCAG AA, a contrast of at least 4.5:1, and the colour the animation
  draws lines and edge labels in reaches 4.5:1 on the white page.
* **Colour-blind safe.** Gradients are coloured by sign on a diverging scale from the
  Okabe–Ito palette (Okabe & Ito, *Color Universal Design*, 2008), which was chosen so that
  its colours stay apart for the three kinds of dichromacy: blue for a positive gradient,
  vermillion for a negative one. Red against green, the usual choice, is the one contrast
  that protanopes and deuteranopes cannot see (simulated for deuteranopia, the old
  green/red pair are 5 apart in OKLab ΔE; this pair are 25 apart). Blue against orange or
  vermillion survives every kind, because each differs from the other in lightness as well
  as hue. Vermillion rather than Okabe–Ito's orange: a light orange is close to the gold of
  the highlight (less than 8 apart, for every kind of vision), while vermillion's tints stay
  at least 12 apart from it, except for tritanopia, which sees a 35% tint and gold alike,
  as it does every warm tint of that lightness. So where a picture mixes the highlight with
  gradient colours, the highlight needs a cue besides its colour (a heavier outline).

The saturated colours themselves are too dark for black text (black on Okabe–Ito blue is
4.0:1), so fills are tints, the colour mixed with white: 15% of it for the smallest gradients
up to 80% for the largest. Strength grows linearly with |grad| / largest, so twice the
gradient is visibly stronger, and a fill never fades to white, which would read as "no
gradient".
"""

from __future__ import annotations

import math

TEXT = "black"
"""The colour Graphviz draws labels in; every fill below is measured against it."""

HIGHLIGHT = "gold"
"""The fill of highlighted Values and of the animation's current node (#ffd700; 15:1 with black)."""

EMPHASIS = "#0072b2"
"""Okabe–Ito blue: the animation's edges that carry the current node's gradient (5.2:1 on white)."""

POSITIVE = (0x00, 0x72, 0xB2)
"""Okabe–Ito blue, the hue of positive gradients."""

NEGATIVE = (0xD5, 0x5E, 0x00)
"""Okabe–Ito vermillion, the hue of negative gradients."""

WEAKEST = 0.15
"""How much of the hue the smallest gradients get (the rest is white)."""

STRONGEST = 0.8
"""How much of the hue the largest gradient gets: the most that keeps black text above 4.5:1 with
a margin (blue at 80% gives 5.8:1)."""


def gradient_fill(grad: float, largest: float) -> str:
    """The fill of a node whose gradient is `grad` (not 0) when the largest in magnitude is
    `largest`: a tint of blue for positive, of vermillion for negative, stronger for larger |grad|.

    Any `grad` and `largest` give a tint between `WEAKEST` and `STRONGEST`, so black text on it
    stays readable even for infinities or a `largest` of 0 (which count as the strongest).
    """
    ratio = abs(grad) / largest if largest > 0 else math.inf
    strength = 1.0 if math.isnan(ratio) else min(1.0, ratio)
    amount = WEAKEST + (STRONGEST - WEAKEST) * strength
    hue = POSITIVE if grad > 0 else NEGATIVE
    r, g, b = (round(255 - (255 - c) * amount) for c in hue)
    return f"#{r:02x}{g:02x}{b:02x}"
