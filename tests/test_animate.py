"""viz.animate_backward: the backward pass as an HTML page, one frame per node."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from receipts import apples, apples_and_oranges

import viz


class TestAnimation:
    def test_one_frame_per_node_well_formed_and_offline(self, tmp_path):
        price, _ = apples_and_oranges()
        path = viz.animate_backward(price, tmp_path / "backward.html", frames_dir=tmp_path / "frames")
        text = path.read_text()
        root = ET.fromstring(text.split("\n", 1)[1])  # after the HTML5 doctype, the page is XML
        frames = [e for e in root.iter() if e.get("class") == "frame"]
        assert len(frames) == 9
        assert len(list((tmp_path / "frames").glob("frame_*.svg"))) == 9
        assert all(any(e.tag.endswith("svg") for e in f.iter()) for f in frames)
        assert not re.search(r"(src|href)=\"https?:", text)

    def test_frames_follow_backward_order_with_chain_rule_captions(self, tmp_path):
        price, _ = apples_and_oranges()
        text = viz.animate_backward(price, tmp_path / "b.html").read_text()
        captions = re.findall(r'<p class="caption">(.*?)</p>', text)
        assert captions[0].startswith("Step 1 of 9: ∂price/∂price = 1")
        assert "∂price/∂tax = 650 × 1 = 650" in captions[1]
        assert captions[-1] == "Step 9 of 9: ∂price/∂apple = 2 × 1.1 = 2.2"

    def test_current_node_is_highlighted_and_later_grads_hidden(self, tmp_path):
        price, _ = apples_and_oranges()
        text = viz.animate_backward(price, tmp_path / "b.html").read_text()
        second = text.split('id="frame-2"')[1].split('id="frame-3"')[0]
        assert "grad 650" in second and "grad ?" in second and 'fill="gold"' in second

    def test_runs_backward_when_needed(self, tmp_path):
        price, inputs = apples()
        viz.animate_backward(price, tmp_path / "b.html")
        assert inputs["tax"].grad == pytest.approx(200)


CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)


def test_animation_runs_in_headless_chromium(tmp_path):
    """The page's own script picks the frame named in the address, in a real browser.

    Skips where Chromium is missing, except in CI: `.ci/run` installs it and sets
    AUTOGRAD_SCALAR_REQUIRE_CHROMIUM, so there a missing browser fails the test."""
    import os
    import subprocess

    if CHROMIUM is None:
        if os.environ.get("AUTOGRAD_SCALAR_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is required here (AUTOGRAD_SCALAR_REQUIRE_CHROMIUM is set) but not installed")
        pytest.skip("Debian's chromium is not installed (apt install chromium)")

    price, _ = apples_and_oranges()
    page = viz.animate_backward(price, tmp_path / "backward.html")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    result = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", f"{page.as_uri()}#frame-4"], capture_output=True, text=True, timeout=120
    )
    dom = result.stdout
    assert "frame 4 of 9" in dom
    assert re.findall(r'class="frame current" id="frame-(\d+)"', dom) == ["4"]
