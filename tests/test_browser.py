"""The backward animation in a real browser: Debian's Chromium at 1280×800, driven by Playwright.

Each test opens the page from a file with the network cut off, and ends by checking that the
page logged no error and tried to fetch nothing (the `chromium_page` fixture does this). Skips
where Chromium or Playwright is missing, unless AUTOGRAD_SCALAR_REQUIRE_CHROMIUM is set (as
`.ci/run` sets it): then a missing browser fails.
"""

from __future__ import annotations

import base64
from pathlib import Path

import browser
import pytest
from receipts import apples_and_oranges
from test_animate import network_loss

import viz
from autograd_scalar import Value


@pytest.fixture
def chromium_page(chromium_browser):
    """A fresh offline page at 1280×800; the test fails if the page logs an error or reaches for the network."""
    with browser.offline_page(chromium_browser) as watched:
        yield watched
        watched.assert_quiet_and_offline()


@pytest.fixture(scope="module")
def receipt_page(tmp_path_factory) -> Path:
    """Seed 004's receipt with oranges: 9 frames."""
    price, _ = apples_and_oranges()
    return viz.animate_backward(price, tmp_path_factory.mktemp("receipt") / "backward.html")


@pytest.fixture(scope="module")
def network_page(tmp_path_factory) -> Path:
    """A small network's loss: MLP(2, [2, 1]), one sample."""
    return viz.animate_backward(network_loss(), tmp_path_factory.mktemp("network") / "backward.html")


STATE = """root => {
  const box = root.querySelector(".picture"), svg = box.querySelector("svg");
  const s = svg.getBoundingClientRect(), b = box.getBoundingClientRect();
  const rect = r => [r.x, r.y, r.width, r.height];
  return {
    position: root.querySelector(".position").textContent,
    notice: root.querySelector(".notice").textContent,
    caption: root.querySelector(".caption").textContent,
    play: root.querySelector("button.play").textContent,
    hash: location.hash,
    box: rect(b),
    scroll: [box.scrollLeft, box.scrollTop],
    nodes: [...svg.querySelectorAll("g.node")].map(g => rect(g.getBoundingClientRect())),
    inPicture: [...svg.querySelectorAll("g.node")].map(g => {
      const r = g.getBoundingClientRect();
      return [r.x - s.x, r.y - s.y, r.width, r.height];
    }),
  };
}"""


def state(page, which: int = 0) -> dict:
    """What the `which`-th animation on the page shows, and where its picture's nodes are."""
    return page.locator(".backward-animation").nth(which).evaluate(STATE)


def frame_count(page) -> int:
    return int(state(page)["position"].rsplit(" ", 1)[1])


class StillnessChecker:
    """Compares every frame with the first: the nodes never move within the picture, the picture's
    box never moves on the page, and while the box is not scrolled nothing moves on screen at all."""

    def __init__(self, first: dict) -> None:
        self.first = first
        self.by_scroll = {tuple(first["scroll"]): first["nodes"]}

    def check(self, now: dict) -> None:
        assert same(now["inPicture"], self.first["inPicture"]), now["position"]
        assert same([now["box"]], [self.first["box"]]), now["position"]
        assert same(now["nodes"], self.by_scroll.setdefault(tuple(now["scroll"]), now["nodes"])), now["position"]


def same(rects: list[list[float]], others: list[list[float]]) -> bool:
    """Equal to 1/100 px: scrolling by a fraction of a px moves the last digits of a position."""
    return len(rects) == len(others) and all(
        abs(a - b) <= 0.01 for rect, other in zip(rects, others, strict=True) for a, b in zip(rect, other, strict=True)
    )


def step_through(page, count: int) -> None:
    """→ to the last frame and ← back, checking the frame, the address and that nothing moves."""
    first = state(page)
    assert first["position"] == f"frame 1 of {count}" and first["hash"] == "#frame-1"
    assert len(first["nodes"]) > 0
    still = StillnessChecker(first)
    captions = [first["caption"]]
    for k in range(2, count + 1):
        page.keyboard.press("ArrowRight")
        now = state(page)
        assert (now["position"], now["hash"]) == (f"frame {k} of {count}", f"#frame-{k}")
        assert now["caption"].startswith(f"Step {k} of {count}: ")
        still.check(now)
        captions.append(now["caption"])
    page.keyboard.press("ArrowRight")  # no wrap-around
    now = state(page)
    assert (now["position"], now["hash"]) == (f"frame {count} of {count}", f"#frame-{count}")
    assert "last frame" in now["notice"]
    for k in range(count - 1, 0, -1):
        page.keyboard.press("ArrowLeft")
        now = state(page)
        assert (now["position"], now["hash"], now["caption"]) == (
            f"frame {k} of {count}",
            f"#frame-{k}",
            captions[k - 1],
        )
        still.check(now)
    page.keyboard.press("ArrowLeft")
    now = state(page)
    assert now["position"] == f"frame 1 of {count}" and "first frame" in now["notice"]


class TestHoldsStill:
    def test_receipt(self, chromium_page, receipt_page):
        chromium_page.page.goto(receipt_page.as_uri())
        step_through(chromium_page.page, 9)

    def test_network(self, chromium_page, network_page):
        chromium_page.page.goto(network_page.as_uri())
        step_through(chromium_page.page, frame_count(chromium_page.page))

    def test_the_current_node_is_always_in_view(self, chromium_page, network_page):
        """The network is wider than the screen: the box scrolls to show each frame's gold node."""
        page = chromium_page.page
        page.goto(network_page.as_uri())
        for _ in range(frame_count(page)):
            visible = page.evaluate(
                """() => {
                  const box = document.querySelector(".picture").getBoundingClientRect();
                  const gold = [...document.querySelectorAll(".picture g.node > polygon")]
                    .filter(p => p.getAttribute("fill") === "gold").map(p => p.getBoundingClientRect());
                  return gold.length === 1 && gold[0].left >= box.left && gold[0].right <= box.right
                    && gold[0].top >= box.top && gold[0].bottom <= box.bottom;
                }"""
            )
            assert visible, state(page)["position"]
            page.keyboard.press("ArrowRight")


class TestReadable:
    @pytest.mark.parametrize("which", ["receipt_page", "network_page"])
    def test_no_svg_text_below_12_px(self, chromium_page, which, request):
        page = chromium_page.page
        page.goto(request.getfixturevalue(which).as_uri())
        sizes = page.evaluate(
            """() => [...document.querySelectorAll(".picture svg text")].map(t => [
                 t.textContent, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
                 t.getBoundingClientRect().height])"""
        )
        assert len(sizes) > 20
        too_small = [(text, size, height) for text, size, height in sizes if size < 12 - 1e-6 or height < 12]
        assert too_small == []

    def test_screenshots_of_the_first_and_last_frame(self, chromium_page, receipt_page, tmp_path):
        """At 1280×800 each shows a picture, with the gold current node on screen."""
        page = chromium_page.page
        for frame in (1, 9):
            page.goto(f"{receipt_page.as_uri()}#frame-{frame}")
            shot = tmp_path / f"receipt_frame_{frame}.png"
            page.screenshot(path=shot)
            colours, gold = page.evaluate(
                """async data => {
                  const img = new Image();
                  img.src = "data:image/png;base64," + data;
                  await img.decode();
                  const canvas = document.createElement("canvas");
                  canvas.width = img.width; canvas.height = img.height;
                  const ctx = canvas.getContext("2d");
                  ctx.drawImage(img, 0, 0);
                  const px = ctx.getImageData(0, 0, img.width, img.height).data, seen = new Set();
                  let gold = 0;
                  for (let i = 0; i < px.length; i += 4) {
                    seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
                    if (px[i] === 255 && px[i + 1] === 215 && px[i + 2] === 0) gold++;
                  }
                  return [seen.size, gold];
                }""",
                base64.b64encode(shot.read_bytes()).decode("ascii"),
            )
            assert colours > 50, f"frame {frame} looks blank"
            assert gold > 2000, f"frame {frame}: the current node is not on screen"


class TestKeys:
    def test_space_plays_and_pauses(self, chromium_page, receipt_page):
        page = chromium_page.page
        page.clock.install()
        page.goto(receipt_page.as_uri())
        page.keyboard.press(" ")
        assert state(page)["play"] == "❚❚ pause"
        page.clock.run_for(1600)
        assert state(page)["position"] == "frame 2 of 9"
        page.keyboard.press(" ")
        page.clock.run_for(5000)
        now = state(page)
        assert now["position"] == "frame 2 of 9" and now["play"] == "▶ play"
        page.keyboard.press(" ")
        page.clock.run_for(20_000)
        now = state(page)
        assert (now["position"], now["hash"], now["play"]) == ("frame 9 of 9", "#frame-9", "▶ play")
        assert "last frame" in now["notice"]

    def test_space_on_a_focused_button_only_plays(self, chromium_page, receipt_page):
        """After clicking "next", space must not press it again as well."""
        page = chromium_page.page
        page.clock.install()
        page.goto(receipt_page.as_uri())
        page.click("button.next")
        page.keyboard.press(" ")
        now = state(page)
        assert now["position"] == "frame 2 of 9" and now["play"] == "❚❚ pause"

    def test_buttons(self, chromium_page, receipt_page):
        page = chromium_page.page
        page.goto(receipt_page.as_uri())
        page.click("button.next")
        page.click("button.next")
        page.click("button.prev")
        assert (state(page)["position"], state(page)["hash"]) == ("frame 2 of 9", "#frame-2")


class TestAddress:
    @pytest.mark.parametrize("frame", [1, 4, 9])
    def test_opens_at_the_frame_in_the_address(self, chromium_page, receipt_page, frame):
        page = chromium_page.page
        page.goto(f"{receipt_page.as_uri()}#frame-{frame}")
        now = state(page)
        assert (now["position"], now["hash"]) == (f"frame {frame} of 9", f"#frame-{frame}")

    @pytest.mark.parametrize("name", ["99", "0", "x", "10"])
    def test_a_frame_that_is_not_there_says_so(self, chromium_page, receipt_page, name):
        page = chromium_page.page
        page.goto(f"{receipt_page.as_uri()}#frame-{name}")
        now = state(page)
        assert now["notice"] == f"there is no frame {name}: this animation has frames 1 to 9"
        assert page.locator(".notice").is_visible()
        assert (now["position"], now["hash"]) == ("frame 1 of 9", "#frame-1")

    def test_follows_a_changed_address(self, chromium_page, receipt_page):
        page = chromium_page.page
        page.goto(receipt_page.as_uri())
        page.evaluate("location.hash = '#frame-6'")
        page.wait_for_function("document.querySelector('.position').textContent === 'frame 6 of 9'")
        page.evaluate("location.hash = '#frame-99'")
        page.wait_for_function("document.querySelector('.position').textContent === 'frame 1 of 9'")
        assert state(page)["notice"] == "there is no frame 99: this animation has frames 1 to 9"


class TestNotebook:
    """Two animations inline, as `_repr_html_` puts them in a notebook's outputs."""

    @pytest.fixture
    def notebook(self, tmp_path) -> Path:
        price, _ = apples_and_oranges()
        x = Value(3.0, "x")
        y = x * x
        y.label = "y"
        cells = [viz.animate_backward(price)._repr_html_(), viz.animate_backward(y)._repr_html_()]
        path = tmp_path / "notebook.html"
        path.write_text(
            '<!DOCTYPE html><html><head><meta charset="utf-8"><title>notebook</title></head><body>'
            '<div class="cell">' + '</div><div class="cell">'.join(cells) + "</div></body></html>",
            encoding="utf-8",
        )
        return path

    def test_each_steps_only_with_focus_and_leaves_the_address_alone(self, chromium_page, notebook):
        page = chromium_page.page
        page.goto(f"{notebook.as_uri()}#cell-3")
        animations = page.locator(".backward-animation")

        def positions():
            return [state(page, 0)["position"], state(page, 1)["position"]]

        assert positions() == ["frame 1 of 9", "frame 1 of 2"]
        page.keyboard.press("ArrowRight")  # nothing has focus
        assert positions() == ["frame 1 of 9", "frame 1 of 2"]
        animations.nth(0).focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert positions() == ["frame 3 of 9", "frame 1 of 2"]
        animations.nth(1).locator("button.next").click()
        page.keyboard.press("ArrowRight")  # focus is on the second's button now
        assert positions() == ["frame 3 of 9", "frame 2 of 2"]
        assert "last frame" in state(page, 1)["notice"] and state(page, 0)["notice"] == ""
        assert page.evaluate("location.hash") == "#cell-3"

    def test_each_display_is_self_contained(self, chromium_page, notebook):
        page = chromium_page.page
        page.goto(notebook.as_uri())
        ids = page.evaluate("[...document.querySelectorAll('[id]')].map(e => e.id)")
        assert len(ids) == len(set(ids)) == 2


def test_the_page_watch_sees_requests_and_errors(chromium_browser, tmp_path):
    """The fixture's checks can fail: a page that reaches out and logs an error is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text('<script>fetch("https://example.org/x").catch(() => {}); console.error("boom")</script>')
    with browser.offline_page(chromium_browser) as watched:
        watched.page.goto(bad.as_uri())
        watched.page.wait_for_timeout(200)
        with pytest.raises(AssertionError):
            watched.assert_quiet_and_offline()
    assert watched.network_requests == ["https://example.org/x"] and "boom" in watched.console_errors
