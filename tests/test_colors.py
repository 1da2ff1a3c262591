"""viz.colors: every fill readable with black text (WCAG AA), and the gradient colours colour-blind safe.

The measures are written here from their definitions, not taken from viz: WCAG 2's relative
luminance and contrast ratio, Machado, Oliveira & Fernandes (2009) for simulating dichromacy,
and OKLab (Ottosson 2020) for how far apart two colours look.
"""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from viz import colors

NAMED = {"black": "#000000", "white": "#ffffff", "gold": "#ffd700"}  # CSS and Graphviz agree on these

# Machado et al. 2009 at severity 1.0, applied to linear RGB.
DICHROMACY = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
VISION = {"normal vision": ((1, 0, 0), (0, 1, 0), (0, 0, 1)), **DICHROMACY}


def rgb(colour: str) -> tuple[int, int, int]:
    code = NAMED.get(colour, colour)
    assert len(code) == 7 and code[0] == "#", code
    return int(code[1:3], 16), int(code[3:5], 16), int(code[5:7], 16)


def linear(colour: str) -> list[float]:
    """sRGB to linear light, channel by channel (WCAG 2.x uses 0.04045 as IEC 61966-2-1 does)."""
    return [c / 255 / 12.92 if c / 255 <= 0.04045 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb(colour)]


def luminance(colour: str) -> float:
    r, g, b = linear(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def oklab(lin: list[float]) -> tuple[float, float, float]:
    r, g, b = (min(1.0, max(0.0, v)) for v in lin)
    lms = (
        0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b,
        0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b,
        0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b,
    )
    l_, m_, s_ = (v ** (1 / 3) for v in lms)
    return (
        0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_,
        1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_,
        0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_,
    )


def seen(colour: str, vision: str) -> tuple[float, float, float]:
    """How `colour` looks with `vision`, in OKLab."""
    lin = linear(colour)
    return oklab([sum(m * c for m, c in zip(row, lin, strict=True)) for row in VISION[vision]])


def apart(a: str, b: str, vision: str) -> float:
    """OKLab ΔE × 100 between two colours as seen with `vision`: about 2 is just noticeable,
    15 is clearly different."""
    return 100 * math.dist(seen(a, vision), seen(b, vision))


def old_gradient_fill(grad: float, largest: float) -> str:
    """The palette before issue 12 (green/red), kept here to show that the checks catch it."""
    strength = min(1.0, abs(grad) / largest)
    base = (46, 160, 67) if grad > 0 else (214, 39, 40)
    r, g, b = (round(255 - (255 - c) * (0.25 + 0.75 * strength)) for c in base)
    return f"#{r:02x}{g:02x}{b:02x}"


SWEEP = [i / 20 for i in range(1, 21)]  # |grad| / largest


class TestTheMeasures:
    """The formulas give the published values, so the checks below measure what they say."""

    def test_contrast_of_black_and_white_is_21(self):
        assert contrast("black", "white") == pytest.approx(21.0)
        assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)

    def test_the_grey_that_just_fails_aa(self):
        # WebAIM's example: #777 on white is 4.48:1, #767676 4.54:1.
        assert contrast("#777777", "white") == pytest.approx(4.48, abs=0.01)
        assert contrast("#767676", "white") == pytest.approx(4.54, abs=0.01)

    def test_red_and_green_look_alike_to_a_deuteranope(self):
        assert apart("#d62728", "#2ca02c", "normal vision") > 25
        assert apart("#d62728", "#2ca02c", "deuteranopia") < 10


class TestReadable:
    def test_highlight_with_black_text(self):
        assert contrast(colors.HIGHLIGHT, colors.TEXT) >= 4.5

    def test_emphasis_on_the_white_page(self):
        """The animation draws edges and their chain-rule labels in EMPHASIS on white."""
        assert contrast(colors.EMPHASIS, "white") >= 4.5

    @pytest.mark.parametrize("sign", [1.0, -1.0])
    @pytest.mark.parametrize("ratio", [1e-300, 1e-9, 0.5, 1.0, 1e9, math.inf])
    def test_extremes_with_black_text(self, sign, ratio):
        fill = colors.gradient_fill(sign * ratio, 1.0)
        assert contrast(fill, colors.TEXT) >= 4.5, fill

    @pytest.mark.parametrize("largest", [0.0, -1.0, math.inf, math.nan])
    def test_odd_largest_still_gives_a_readable_fill(self, largest):
        for grad in (-2.0, 3.0, math.nan):
            assert contrast(colors.gradient_fill(grad, largest), colors.TEXT) >= 4.5

    @given(
        grad=st.floats(allow_nan=True, allow_infinity=True).filter(lambda g: g != 0),
        largest=st.floats(allow_nan=True, allow_infinity=True),
    )
    def test_any_gradient_with_black_text(self, grad, largest):
        assert contrast(colors.gradient_fill(grad, largest), colors.TEXT) >= 4.5

    def test_the_old_palette_failed(self):
        """Black on the old strongest red was 4.18:1."""
        assert contrast(old_gradient_fill(-1.0, 1.0), "black") < 4.5


class TestColourBlindSafe:
    @pytest.mark.parametrize("vision", list(VISION))
    def test_signs_stay_apart(self, vision):
        """The strongest positive and negative fills look clearly different with each kind of vision."""
        assert apart(colors.gradient_fill(1.0, 1.0), colors.gradient_fill(-1.0, 1.0), vision) >= 15

    @pytest.mark.parametrize("vision", list(VISION))
    def test_signs_stay_apart_across_the_sweep(self, vision):
        """At every strength the two signs are further apart than a just-noticeable difference,
        and further the stronger they are."""
        distances = [apart(colors.gradient_fill(r, 1.0), colors.gradient_fill(-r, 1.0), vision) for r in SWEEP]
        assert min(distances) > 3
        assert distances == sorted(distances)

    @pytest.mark.parametrize("vision", ["normal vision", "protanopia", "deuteranopia"])
    def test_no_fill_passes_for_the_highlight(self, vision):
        """Why vermillion and not Okabe–Ito's orange: a light orange is within 8 of gold.

        Not for tritanopia, which sees gold and a 35% vermillion alike (1.7 apart), as it does
        every warm tint of the right lightness: there a highlight needs more than its colour."""
        for sign in (1.0, -1.0):
            assert min(apart(colors.gradient_fill(sign * r, 1.0), colors.HIGHLIGHT, vision) for r in SWEEP) >= 12

    def test_the_old_palette_failed(self):
        assert apart(old_gradient_fill(1.0, 1.0), old_gradient_fill(-1.0, 1.0), "deuteranopia") < 15


class TestStrength:
    @pytest.mark.parametrize("sign", [1.0, -1.0])
    def test_grows_with_the_gradient(self, sign):
        """Larger |grad| gives a darker fill, and looks further from white, for every kind of vision."""
        fills = [colors.gradient_fill(sign * r, 1.0) for r in SWEEP]
        lightness = [luminance(f) for f in fills]
        assert all(a > b for a, b in zip(lightness, lightness[1:], strict=False))
        for vision in VISION:
            distances = [apart(f, "white", vision) for f in fills]
            assert all(a < b for a, b in zip(distances, distances[1:], strict=False)), vision

    def test_never_white(self):
        """The smallest gradient still shows a colour: white would read as no gradient."""
        for sign in (1.0, -1.0):
            assert apart(colors.gradient_fill(sign * 1e-12, 1.0), "white", "normal vision") > 5

    def test_sign_sets_the_hue(self):
        """Positive is the blue, negative the vermillion, at any strength."""
        for r in SWEEP:
            red, _, blue = rgb(colors.gradient_fill(r, 1.0))
            assert blue > red
            red, _, blue = rgb(colors.gradient_fill(-r, 1.0))
            assert red > blue

    def test_beyond_the_largest_is_the_strongest(self):
        assert colors.gradient_fill(5.0, 1.0) == colors.gradient_fill(1.0, 1.0)
        assert colors.gradient_fill(-5.0, 1.0) == colors.gradient_fill(-1.0, 1.0)
