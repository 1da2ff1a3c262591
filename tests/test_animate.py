"""viz.animate_backward: the backward pass as frames on one fixed layout, for a page or a notebook.

What the page does in a browser (keys, the address, what is on screen) is tested in
test_browser.py; here, what is written.
"""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from receipts import apples, apples_and_oranges

import viz
from autograd_scalar import Value, topological_order
from autograd_scalar.nn import MLP, squared_error
from viz import animate, colors
from viz.dot import Style, build
from viz.renderer import dot_to_bytes

SVG = "{http://www.w3.org/2000/svg}"
GEOMETRY_FREE = ("fill", "stroke", "stroke-width")  # what a frame may change, besides its texts


def page_data(text: str) -> dict:
    """The frames' data the page's script reads."""
    return json.loads(re.search(r'<script type="application/json" class="frames">(.*?)</script>', text).group(1))


def geometry(svg_text: str) -> list[tuple[str, dict[str, str]]]:
    """Every element of an SVG with its attributes, leaving out texts and colours."""
    root = ET.fromstring(svg_text.encode("utf-8"))
    return [(e.tag, {k: v for k, v in e.attrib.items() if k not in GEOMETRY_FREE}) for e in root.iter()]


def texts(svg_text: str) -> list[str]:
    return [e.text or "" for e in ET.fromstring(svg_text.encode("utf-8")).iter(SVG + "text")]


def network_loss() -> Value:
    """A small network's loss: MLP(2, [2, 1]) on one sample, with its target a constant."""
    model = MLP(2, [2, 1], rng=0)
    loss = squared_error(model([0.5, -1.0]), 1.0)
    loss.label = "loss"
    return loss


def node_sizes(svg: bytes) -> dict[str, tuple[float, float]]:
    """The width and height of each node's outline, by the node's name (a node drawn as plain
    text has none)."""
    sizes = {}
    for group in ET.fromstring(svg).iter(SVG + "g"):
        if group.get("class") != "node":
            continue
        numbers = []
        for shape in group:
            if shape.tag == SVG + "ellipse":
                cx, cy, rx, ry = (float(shape.get(k)) for k in ("cx", "cy", "rx", "ry"))
                numbers += [cx - rx, cy - ry, cx + rx, cy + ry]
            elif shape.tag in (SVG + "polygon", SVG + "path"):
                numbers += [float(n) for n in re.findall(r"-?[0-9.]+", shape.get("points") or shape.get("d"))]
        if not numbers:
            continue  # a constant, drawn as plain text
        xs, ys = numbers[0::2], numbers[1::2]
        sizes[group.find(SVG + "title").text] = (max(xs) - min(xs), max(ys) - min(ys))
    return sizes


@pytest.fixture(scope="module")
def receipt_animation() -> animate.Animation:
    price, _ = apples_and_oranges()
    return viz.animate_backward(price)


class TestPage:
    def test_one_frame_per_node_well_formed_and_offline(self, tmp_path):
        price, _ = apples_and_oranges()
        path = viz.animate_backward(price, tmp_path / "backward.html", frames_dir=tmp_path / "frames")
        assert path == tmp_path / "backward.html"
        text = path.read_text()
        page = ET.fromstring(text.split("\n", 1)[1])  # after the HTML5 doctype, the page is XML
        assert len([e for e in page.iter() if e.tag.endswith("svg")]) == 1  # one layout, repainted
        assert len(page_data(text)["captions"]) == 9
        assert len(list((tmp_path / "frames").glob("frame_*.svg"))) == 9
        assert not re.search(r"(src|href)=\"https?:|url\(|@import", text)

    def test_same_graph_same_page(self, tmp_path):
        first = viz.animate_backward(apples_and_oranges()[0], tmp_path / "a.html").read_bytes()
        second = viz.animate_backward(apples_and_oranges()[0], tmp_path / "b.html").read_bytes()
        assert first == second

    def test_page_ids_are_unique(self, receipt_animation):
        """Graphviz numbers its groups node1, edge2, …; on a page those would clash with anything."""
        ids = re.findall(r'\bid="([^"]*)"', receipt_animation.html)
        assert ids == ["backward-animation"]

    def test_frames_follow_backward_order_with_chain_rule_captions(self, receipt_animation):
        captions = page_data(receipt_animation.html)["captions"]
        assert captions[0].startswith("Step 1 of 9: ∂price/∂price = 1")
        assert captions[1] == "Step 2 of 9: ∂price/∂tax = 650 × 1 = 650"
        assert captions[-1] == "Step 9 of 9: ∂price/∂apple = 2 × 1.1 = 2.2"
        assert re.search(r'<p class="caption"[^>]*>Step 1 of 9: ∂price/∂price = 1', receipt_animation.html)

    def test_text_is_at_least_12_css_px(self, receipt_animation):
        """Edge labels are 9 pt in the layout; the page shows the SVG at a size that makes them 12 px."""
        svg = re.search(r"<svg [^>]*>", receipt_animation.html).group(0)
        width = float(re.search(r'width="([0-9.]+)px"', svg).group(1))
        view_width = float(re.search(r'viewBox="[^"]*? [^"]*? ([0-9.]+) ', svg).group(1))
        smallest = min(float(size) for size in re.findall(r'font-size="([0-9.]+)"', receipt_animation.html))
        assert smallest * width / view_width >= animate.MIN_TEXT_PX == 12


class TestFrames:
    def test_every_frame_has_the_layout_of_the_last(self, tmp_path):
        """Only texts and colours change from frame to frame: no box moves or resizes."""
        price, _ = apples_and_oranges()
        viz.animate_backward(price, tmp_path / "b.html", frames_dir=tmp_path / "frames")
        frames = [path.read_text() for path in sorted((tmp_path / "frames").glob("frame_*.svg"))]
        assert len(frames) == 9
        assert all(geometry(frame) == geometry(frames[-1]) for frame in frames)
        assert len({tuple(texts(frame)) for frame in frames}) == 9  # and they do change

    @pytest.mark.parametrize("graph", [lambda: apples_and_oranges()[0], network_loss], ids=["receipt", "network"])
    def test_no_frame_needs_more_room_than_the_layout(self, graph):
        """The one layout is the fully revealed frame, on the promise that its texts are the
        widest. Laid out on its own, no frame has a node larger than the layout's."""
        root = graph()
        root.backward()
        n = len(topological_order(root))
        style = Style(local_grads=True, number_backward=True)

        def sizes(k):
            return node_sizes(dot_to_bytes(build(root, style, revealed=k).source, "svg"))

        layout = sizes(n)
        for k in range(1, n):
            frame = sizes(k)
            assert frame.keys() == layout.keys()
            assert all(frame[name][0] <= layout[name][0] + 0.05 for name in frame), k  # SVG rounds to 0.01
            assert all(frame[name][1] <= layout[name][1] + 0.05 for name in frame), k

    def test_the_layout_fits_the_widest_texts(self, receipt_animation):
        """The last frame's texts are the widest: every "grad ?" becomes a number there."""
        last = receipt_animation.frame_svg(9)
        assert "grad ?" not in last and "local " not in last
        assert "grad ?" in receipt_animation.frame_svg(1)

    def test_current_node_is_gold_and_later_grads_hidden(self, receipt_animation):
        second = ET.fromstring(receipt_animation.frame_svg(2).encode("utf-8"))
        nodes = [g for g in second.iter(SVG + "g") if g.get("class") == "node"]
        tax = next(g for g in nodes if "tax" in [t.text for t in g.iter(SVG + "text")])
        assert tax.find(SVG + "polygon").get("fill") == colors.HIGHLIGHT
        assert "grad 650" in texts(receipt_animation.frame_svg(2))
        assert texts(receipt_animation.frame_svg(2)).count("grad ?") == 7

    def test_the_uses_of_the_current_node_are_emphasized(self, receipt_animation):
        """Frame 2 (tax): the path from tax to the × that uses it, and its chain-rule label, in blue."""
        second = ET.fromstring(receipt_animation.frame_svg(2).encode("utf-8"))
        blue_texts = [e.text for e in second.iter(SVG + "text") if e.get("fill") == colors.EMPHASIS]
        assert blue_texts == ["650 × 1 = 650"]
        assert len([e for e in second.iter() if e.get("stroke") == colors.EMPHASIS]) >= 2
        first = receipt_animation.frame_svg(1)  # the root has no uses
        assert colors.EMPHASIS not in first

    def test_frame_numbers_start_at_1(self, receipt_animation):
        with pytest.raises(IndexError, match="there is no frame 10: this animation has frames 1 to 9"):
            receipt_animation.frame_svg(10)
        with pytest.raises(IndexError):
            receipt_animation.frame_svg(0)

    def test_constants_get_no_frame(self):
        """The 2 of ``2 * x`` is drawn as a plain number; nobody asked for its gradient."""
        x = Value(3.0, "x")
        y = x * 2 + 1
        y.label = "y"
        animation = viz.animate_backward(y)
        assert len(animation) == 3  # y, x * 2, x
        assert "∂y/∂x = 2 × 1 = 2" in animation.captions[-1]

    def test_unlabelled_nodes_are_named_by_their_number(self):
        """A caption names an unlabelled node by its op and the number the picture writes on it."""
        a, b = Value(2.0, "a"), Value(3.0, "b")
        y = (a * b).tanh()
        y.label = "y"
        captions = viz.animate_backward(y).captions
        assert captions[1].startswith("Step 2 of 4: ∂y/∂(* #2) = ")

    def test_before_backward_the_frames_still_show_the_gradients(self):
        price, inputs = apples()
        animation = viz.animate_backward(price)
        assert animation.captions[-1].endswith("∂price/∂apple = 2 × 1.1 = 2.2")
        assert "∂price/∂tax = 200 × 1 = 200" in "".join(animation.captions)
        assert inputs["tax"].grad == 0.0  # the picture changes no gradient

    def test_gradients_held_from_other_graphs_do_not_enter_the_frames(self):
        """A leaf's .grad may hold a sum over earlier passes (x feeds y as well); the frames
        show ∂z/∂x = 4 for z = x·x, and every .grad is given back as it was."""
        x, w = Value(2.0, "x"), Value(3.0, "w")
        y = x * w
        y.backward()
        z = x * x
        z.label = "z"
        captions = viz.animate_backward(z).captions
        assert captions[-1].endswith("∂z/∂x = 2 × 1 + 2 × 1 = 4")
        assert (x.grad, w.grad, z.grad) == (3.0, 2.0, 0.0)

    def test_a_refused_graph_keeps_its_gradients(self):
        total = sum(Value(float(i)) * Value(1.0) for i in range(40))  # more than 60 nodes
        with pytest.raises(viz.GraphTooLargeError):
            viz.animate_backward(total)
        assert total.grad == 0.0 and all(p.grad == 0.0 for p in total.parents)

    def test_a_frame_drawn_differently_is_refused(self, monkeypatch):
        """The one-layout design needs build() to draw the same elements in every frame."""
        real = animate.build

        def build_dropping_a_field(root, style, revealed=None):
            picture = real(root, style, revealed=revealed)
            if revealed == 1:
                picture.body = [line.replace("| grad ? ", "") for line in picture.body]
            return picture

        monkeypatch.setattr(animate, "build", build_dropping_a_field)
        with pytest.raises(RuntimeError, match="frame 1 is drawn with other nodes, edges or fields"):
            viz.animate_backward(apples_and_oranges()[0])


class TestNotebook:
    def test_without_a_path_an_animation_that_displays_inline(self, receipt_animation, tmp_path):
        assert isinstance(receipt_animation, animate.Animation) and len(receipt_animation) == 9
        fragment = receipt_animation._repr_html_()
        assert fragment.startswith('<div class="backward-animation" id="backward-animation-')
        assert "<html" not in fragment and "<body" not in fragment
        assert receipt_animation.save(tmp_path / "p.html").read_text() == receipt_animation.html

    def test_each_display_has_its_own_id(self, receipt_animation):
        ids = {re.match(r'<div class="backward-animation" id="([^"]+)"', receipt_animation._repr_html_()).group(1)}
        ids.add(re.match(r'<div class="backward-animation" id="([^"]+)"', receipt_animation._repr_html_()).group(1))
        assert len(ids) == 2

    def test_inline_leaves_the_address_and_document_keys_alone(self, receipt_animation):
        script = receipt_animation._repr_html_().rsplit("<script>", 1)[1]
        assert "page = false" in script and "page = true" in receipt_animation.html


def test_frames_dir_with_a_page(tmp_path):
    price, _ = apples()
    page = viz.animate_backward(price, tmp_path / "b.html", frames_dir=tmp_path / "f")
    assert isinstance(page, Path) and sorted(p.name for p in (tmp_path / "f").iterdir()) == [
        "frame_001.svg",
        "frame_002.svg",
        "frame_003.svg",
        "frame_004.svg",
        "frame_005.svg",
    ]
