"""The fills of graph pictures: the highlight and the gradient colouring."""

from __future__ import annotations

HIGHLIGHT = "gold"


def gradient_fill(grad: float, largest: float) -> str:
    """The fill of a node whose gradient is `grad` (not 0) when the largest in magnitude is
    `largest`: green for positive, red for negative, stronger for larger magnitudes."""
    strength = min(1.0, abs(grad) / largest)
    base = (46, 160, 67) if grad > 0 else (214, 39, 40)
    r, g, b = (round(255 - (255 - c) * (0.25 + 0.75 * strength)) for c in base)
    return f"#{r:02x}{g:02x}{b:02x}"
