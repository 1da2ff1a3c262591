"""viz: DOT pictures, rendering without a system Graphviz, the text tree."""

import math
import re
import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import pytest
from receipts import apples, apples_and_oranges, receipt

import viz
from autograd_scalar import Value, topological_order
from viz import renderer

GOLDEN = Path(__file__).resolve().parent / "golden"


class TestDrawDot:
    def test_golden_apples(self):
        """The golden file's numbers were checked by hand against seed 004: 2.2, 110, 200."""
        price, _ = receipt()
        assert viz.draw_dot(price).source == (GOLDEN / "receipt_apples.dot").read_text()

    def test_golden_apples_and_oranges_with_the_chain_rule_on_edges(self):
        """Checked by hand: gradients 2.2, 110, 3.3, 165, 650; each edge local × upstream."""
        price, _ = receipt(apples_and_oranges)
        expected = (GOLDEN / "receipt_apples_oranges_local_grads.dot").read_text()
        assert viz.draw_dot(price, local_grads=True, number_backward=True).source == expected

    def test_output_is_deterministic_across_fresh_graphs(self):
        """Names follow the graph's shape, not object identities or the order of creation:
        y = a·b + a, built twice in different orders, is the same text, written by hand."""
        step = 'color="#767676" fontsize=10 height=0.2 margin="0.06,0.02" shape=box style=rounded'
        expected = "\n".join(
            [
                "digraph computation_graph {",
                "\tfontname=Helvetica fontsize=11 rankdir=LR",
                "\tnode [fontname=Helvetica fontsize=11]",
                "\tedge [fontname=Helvetica fontsize=10]",
                '\tv0 [label="{ a | data 2 | grad -2 }" shape=record]',  # ∂y/∂a = b + 1
                '\tv1 [label="{ b | data -3 | grad 2 }" shape=record]',  # ∂y/∂b = a
                '\tv2 [label="{ ab | data -6 | grad 1 }" shape=record]',
                '\tv2_op [label="×" shape=circle width=0.3]',
                f'\tv2_op_in0 [label="-3 × 1 = -3" {step}]',
                f'\tv2_op_in1 [label="2 × 1 = 2" {step}]',
                '\tv3 [label="{ y | data -4 | grad 1 }" shape=record]',
                '\tv3_op [label="+" shape=circle width=0.3]',
                f'\tv3_op_in0 [label="1 × 1 = 1" {step}]',
                f'\tv3_op_in1 [label="1 × 1 = 1" {step}]',
                "\tv2_op -> v2",
                "\tv0 -> v2_op_in0 [arrowhead=none]",
                "\tv2_op_in0 -> v2_op",
                "\tv1 -> v2_op_in1 [arrowhead=none]",
                "\tv2_op_in1 -> v2_op",
                "\tv3_op -> v3",
                "\tv2 -> v3_op_in0 [arrowhead=none]",
                "\tv3_op_in0 -> v3_op",
                "\tv0 -> v3_op_in1 [arrowhead=none]",
                "\tv3_op_in1 -> v3_op",
                "}",
                "",
            ]
        )

        def build(b_first):
            if b_first:
                b, _, a = Value(-3.0, "b"), [Value(float(i)) for i in range(50)], Value(2.0, "a")
            else:
                a, b = Value(2.0, "a"), Value(-3.0, "b")
            ab = a * b
            ab.label = "ab"
            y = ab + a
            y.label = "y"
            y.backward()
            return y

        assert viz.draw_dot(build(False), local_grads=True).source == expected
        assert viz.draw_dot(build(True), local_grads=True).source == expected

    @pytest.mark.parametrize(
        ("number", "shown"),
        [
            (0.1 + 0.2, "0.3"),  # 0.30000000000000004
            (100 * 2 * 1.1, "220"),  # 220.00000000000003
            (2.0, "2"),
            (1 / 3, "0.333333"),
            (-0.0, "0"),
            (1234567.0, "1.23457e+06"),
            (-2.5e-7, "-2.5e-07"),
        ],
    )
    def test_numbers_are_formatted_for_people(self, number, shown):
        # Six significant digits (%.6g): no float noise, no trailing ".0", no "-0".
        assert f'v0 [label="{{ data {shown} | grad ? }}" shape=record]' in viz.draw_dot(Value(number)).source

    def test_precision_is_configurable(self):
        x = Value(1 / 3, "x")
        assert "data 0.33 " in viz.draw_dot(x, precision=2).source

    def test_duplicate_operands_draw_two_edges(self):
        a = Value(3.0, "a")
        square = a * a
        source = viz.draw_dot(square).source
        assert source.count("v0 -> v1_op") == 2

    def test_before_backward_grads_are_marked_unknown(self):
        price, _ = apples()
        source = viz.draw_dot(price).source
        assert "gradients not computed yet" in source
        assert "grad ?" in source and "grad 0" not in source

    def test_local_grads_before_backward_show_only_the_local_derivative(self):
        price, _ = apples()
        source = viz.draw_dot(price, local_grads=True).source
        # ∂(apple·count)/∂apple = count, ∂/∂count = apple; ∂(subtotal·tax)/∂subtotal = tax, ∂/∂tax = 200
        assert re.findall(r'_in\d \[label="([^"]*)"', source) == ["local 2", "local 100", "local 1.1", "local 200"]

    def test_highlight(self):
        price, inputs = receipt()
        source = viz.draw_dot(price, highlight=[inputs["tax"]]).source
        assert re.search(r'v3 \[label="\{ tax .*fillcolor=gold', source)

    def test_colour_by_gradient_sign(self):
        x, y = Value(2.0, "x"), Value(-3.0, "y")
        z = x * y  # ∂z/∂x = -3 (negative: red), ∂z/∂y = 2 (positive: green)
        z.backward()
        source = viz.draw_dot(z, color_by_grad=True).source

        def rgb(name):
            line = next(line for line in source.splitlines() if "{ " + name + " " in line)
            code = re.search(r'fillcolor="#(\w{6})"', line).group(1)
            return [int(code[i : i + 2], 16) for i in (0, 2, 4)]

        red, green = rgb("x"), rgb("y")
        assert red[0] > red[1] and green[1] > green[0]

    def test_top_to_bottom(self):
        price, _ = receipt()
        source = viz.draw_dot(price, rankdir="TB").source
        assert "rankdir=TB" in source and 'label="apple | data 100' in source

    def test_record_characters_are_escaped(self):
        v = Value(1.0, "a|b{c}")
        assert r"a\|b\{c\}" in viz.draw_dot(v).source

    def test_big_graphs_are_refused_with_advice(self):
        # A chain whose edges each reach one rank back: cheap to lay out once allowed. (The same
        # chain multiplying by one shared x needs ~250,000 edge bends; see TestLayoutCost.)
        y = Value(1.0)
        for _ in range(500):
            y = y.sin()
        with pytest.raises(viz.GraphTooLargeError, match=r"501 nodes, more than max_nodes=400.*text_tree"):
            viz.draw_dot(y)
        source = viz.draw_dot(y, max_nodes=2000).source
        assert (source.count("shape=record"), source.count("shape=circle"), source.count("->")) == (501, 500, 1000)

    @pytest.mark.parametrize(("option", "value"), [("rankdir", "XY"), ("precision", 0)])
    def test_bad_options(self, option, value):
        with pytest.raises(ValueError, match=option):
            viz.draw_dot(Value(1.0), **{option: value})

    def test_drawing_does_not_change_the_graph(self):
        price, inputs = receipt()
        before = [(v.data, v.grad, v.label) for v in inputs.values()]
        viz.draw_dot(price, local_grads=True, color_by_grad=True)
        assert [(v.data, v.grad, v.label) for v in inputs.values()] == before


class TestRender:
    def test_svg_through_the_bundled_renderer(self, tmp_path):
        price, _ = receipt()
        path = viz.render(price, tmp_path / "apples.svg", renderer="graphviz-pure", local_grads=True)
        root = ET.parse(path).getroot()
        assert root.tag.endswith("svg")
        text = path.read_text()
        assert "apple price" in text and "grad 2.2" in text and "2 × 1.1 = 2.2" in text

    def test_png_through_the_bundled_renderer(self, tmp_path):
        price, _ = receipt()
        path = viz.render(price, tmp_path / "apples.png", renderer="graphviz-pure")
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        # A whole, valid PNG: chunks with correct CRCs from IHDR to IEND, and image data
        # that inflates to exactly one filter byte plus one row of pixels per row.
        chunks, at = [], 8
        while at < len(data):
            (length,) = struct.unpack(">I", data[at : at + 4].rjust(4, b"\0"))
            assert at + 12 + length <= len(data), "the file ends inside a chunk"
            kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
            (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
            assert zlib.crc32(kind + body) == crc, kind
            chunks.append((kind, body))
            at += 12 + length
        assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b"")
        width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
        assert width > 100 and height > 50  # five records and two circles, side by side
        channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]
        pixels = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
        assert len(pixels) == height * (1 + math.ceil(width * channels * depth / 8))

    def test_dot_suffix_writes_the_source(self, tmp_path):
        price, _ = receipt()
        path = viz.render(price, tmp_path / "apples.dot")
        assert path.read_text() == (GOLDEN / "receipt_apples.dot").read_text()

    def test_pdf_needs_the_system_dot(self, tmp_path):
        with pytest.raises(viz.RendererError, match="PDF needs the system Graphviz"):
            viz.render(Value(1.0), tmp_path / "x.pdf", renderer="graphviz-pure")

    def test_unknown_suffix(self, tmp_path):
        with pytest.raises(viz.RendererError, match=r"cannot tell the format from 'x.gif'"):
            viz.render(Value(1.0), tmp_path / "x.gif")

    def test_no_renderer_names_both_fixes(self, monkeypatch):
        monkeypatch.setattr(renderer, "_which", lambda name: None)
        with pytest.raises(viz.RendererError, match=r"pip install graphviz-pure.*apt install graphviz"):
            viz.find_renderer()

    def test_bundled_renderer_is_found_without_path(self, monkeypatch):
        monkeypatch.setenv("PATH", "")
        kind, path = viz.find_renderer("graphviz-pure")
        assert kind == "graphviz-pure" and Path(path).exists()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


class TestGraphvizAsUsersUseIt:
    """``draw_dot(root).render()`` and ``.pipe()``, the habit micrograd's notebook teaches,
    work where no system `dot` is installed (they raised graphviz.ExecutableNotFound)."""

    @pytest.fixture(autouse=True)
    def no_system_dot(self, monkeypatch):
        monkeypatch.setattr(renderer, "_which", lambda name: None if name == "dot" else _bundled())

    def test_render_writes_the_source_and_an_svg_beside_it(self, tmp_path):
        price, _ = receipt()
        out = Path(viz.draw_dot(price).render(directory=tmp_path))
        assert out == tmp_path / "computation_graph.gv.svg"
        assert (tmp_path / "computation_graph.gv").read_text() == (GOLDEN / "receipt_apples.dot").read_text()
        assert ET.parse(out).getroot().tag.endswith("svg") and "grad 2.2" in out.read_text()

    def test_render_png_to_a_named_file_and_clean_up_the_source(self, tmp_path):
        price, _ = receipt()
        out = Path(viz.draw_dot(price).render(tmp_path / "receipt", format="png", cleanup=True))
        assert out == tmp_path / "receipt.png" and not (tmp_path / "receipt").exists()
        assert _png_size(out.read_bytes())[0] > 100
        outfile = Path(viz.draw_dot(price).render(outfile=tmp_path / "sub" / "r.png"))
        assert outfile == tmp_path / "sub" / "r.png" and _png_size(outfile.read_bytes())[0] > 100

    def test_pipe_gives_svg_bytes_or_text(self):
        price, _ = receipt()
        picture = viz.draw_dot(price)
        data = picture.pipe()
        assert isinstance(data, bytes) and b"<svg" in data and b"grad 110" in data
        assert picture.pipe(encoding="utf-8") == data.decode("utf-8")
        assert _png_size(picture.pipe(format="png"))[1] > 50

    def test_dpi_scales_a_png_for_print(self, tmp_path):
        price, _ = receipt()
        picture = viz.draw_dot(price)
        w96, h96 = _png_size(picture.pipe(format="png"))
        w300, h300 = _png_size(picture.pipe(format="png", dpi=300))
        assert w300 == pytest.approx(w96 * 300 / 96, abs=3) and h300 == pytest.approx(h96 * 300 / 96, abs=3)
        assert "dpi" not in picture.source  # the picture itself is left as it was
        w, _ = _png_size(viz.render(price, tmp_path / "print.png", dpi=192).read_bytes())
        assert w == pytest.approx(2 * w96, abs=3)
        rendered = Path(picture.render(tmp_path / "p", format="png", dpi=144))
        assert _png_size(rendered.read_bytes())[0] == pytest.approx(1.5 * w96, abs=3)

    @pytest.mark.parametrize("bad", [0, -5, 5000, "300", True, float("nan")])
    def test_bad_dpi_says_what_is_allowed(self, bad):
        price, _ = receipt()
        with pytest.raises(ValueError, match=r"dpi must be a number of dots per inch from 1 to 2400"):
            viz.draw_dot(price).pipe(format="png", dpi=bad)

    @pytest.mark.parametrize(
        ("call", "needs"),
        [
            (lambda p: p.pipe(format="pdf"), "format 'pdf'"),
            (lambda p: p.pipe(engine="neato"), "layout engine 'neato'"),
            (lambda p: p.pipe(renderer="cairo"), "renderer, formatter"),
        ],
    )
    def test_what_the_bundled_renderer_cannot_do_is_refused_by_name(self, call, needs):
        with pytest.raises(viz.RendererError, match=needs + r".*system Graphviz \(apt install graphviz"):
            call(viz.draw_dot(receipt()[0]))


def _network(activation="tanh"):
    """An nn.MLP 2-2-1 and its squared error on one sample, after backward."""
    from autograd_scalar import nn

    model = nn.MLP(2, [2, 1], activation=activation, rng=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    loss.backward()
    return loss


def _clusters(source: str) -> dict[str, tuple[str | None, set[str]]]:
    """cluster name -> (enclosing cluster or None, names of the nodes declared directly in it),
    read from the DOT text's nesting."""
    found: dict[str, tuple[str | None, set[str]]] = {}
    stack: list[str] = []
    for line in source.splitlines():
        opened = re.match(r"\s*subgraph (cluster_\w+) \{", line)
        if opened:
            found[opened.group(1)] = (stack[-1] if stack else None, set())
            stack.append(opened.group(1))
        elif line.strip() == "}" and stack:
            stack.pop()
        elif stack and (declared := re.match(r"\s*(\w+) \[", line)):
            found[stack[-1]][1].add(declared.group(1))
    return found


class TestNetworkPictures:
    def test_layers_and_neurons_are_nested_clusters_named_like_the_parameters(self):
        source = viz.draw_dot(_network()).source
        clusters = _clusters(source)
        assert {name: outer for name, (outer, _) in clusters.items()} == {
            "cluster_L0": None,
            "cluster_L0_N0": "cluster_L0",
            "cluster_L0_N1": "cluster_L0",
            "cluster_L1": None,
            "cluster_L1_N0": "cluster_L1",
        }
        assert 'label="L0.N1"' in source and "label=L0 " in source

    def test_each_neuron_holds_its_parameters_products_sums_and_activation(self):
        source = viz.draw_dot(_network()).source
        labels = {n: v.strip('"') for n, v in re.findall(r'\t*(\w+) \[label=("[^"]*"|[^ \]]+)', source)}
        inside = _clusters(source)["cluster_L0_N1"][1]
        records = sorted(labels[n] for n in inside if labels[n].startswith("{"))
        # w0, w1, b; w0·x0 and w1·x1; b + w0·x0; z = that + w1·x1; a = tanh(z): 8 values
        named = sorted(r.split(" | ")[0].strip("{ ") for r in records if not r.startswith("{ data"))
        assert named == ["L0.N1.a", "L0.N1.b", "L0.N1.w0", "L0.N1.w1", "L0.N1.z"]
        assert len(records) == 8
        circles = sorted(labels[n] for n in inside if n.endswith("_op"))
        assert circles == ["+", "+", "tanh", "×", "×"]
        assert not any(labels[n].startswith("{ x") for c in _clusters(source).values() for n in c[1])

    def test_inputs_are_named_and_drawn_once(self):
        source = viz.draw_dot(_network()).source
        assert source.count("{ x0 | data 0.5 |") == 1 and source.count("{ x1 | data -1 |") == 1

    def test_clusters_enclose_their_nodes_in_the_drawing(self, tmp_path):
        """What Graphviz actually drew: each neuron's nodes lie inside its cluster's box."""
        svg = ET.parse(viz.render(_network(), tmp_path / "net.svg", renderer="graphviz-pure")).getroot()
        ns = "{http://www.w3.org/2000/svg}"
        boxes, centres = {}, {}
        for group in svg.iter(ns + "g"):
            title = group.find(ns + "title").text if group.find(ns + "title") is not None else None
            if group.get("class") == "cluster":  # a rounded box: a path of x,y pairs
                numbers = [float(n) for n in re.findall(r"-?[\d.]+", group.find(ns + "path").get("d"))]
                xs, ys = numbers[0::2], numbers[1::2]
                boxes[title] = (min(xs), max(xs), min(ys), max(ys))
            if group.get("class") == "node":
                texts = [t for t in group.iter(ns + "text")]
                centres[title] = (float(texts[0].get("x")), float(texts[0].get("y")))
        members = _clusters(viz.draw_dot(_network()).source)
        assert set(boxes) == set(members)
        for cluster, (_, nodes) in members.items():
            x0, x1, y0, y1 = boxes[cluster]
            for node in nodes:
                x, y = centres[node]
                assert x0 < x < x1 and y0 < y < y1, (cluster, node)

    def test_text_tree_uses_the_same_names(self):
        text = viz.text_tree(_network())
        for name in ("L1.N0.z", "L0.N1.a", "L0.N1.z", "L0.N0.w1", "L0.N1.b", "x0 = 0.5", "x1 = -1"):
            assert name in text

    @pytest.mark.parametrize("label", ["price incl. tax", "3.5 kg", "v1.", ".hidden"])
    def test_labels_that_are_not_dotted_names_make_no_cluster(self, label):
        x = Value(2.0, label)
        y = x * x
        y.backward()
        assert "subgraph" not in viz.draw_dot(y).source


class TestHighlightAndNumbers:
    def test_highlight_picks_nodes_not_numbers(self):
        """Values compare by number, so a tuple's `in` would also pick every node that
        happens to hold the same number as a highlighted one."""
        a, b = Value(2.0, "a"), Value(2.0, "b")
        y = a * b
        y.backward()
        source = viz.draw_dot(y, highlight=[a]).source
        assert source.count("fillcolor=gold") == 1 and source.count("penwidth=2.5") == 1
        assert re.search(r'\{ a \| data 2 \| grad 2 \}" fillcolor=gold penwidth=2.5', source)

    def test_number_backward_counts_only_the_values_drawn_as_records(self):
        x = Value(3.0, "x")
        y = sum([2 * x, x])  # a constant 2 and sum()'s 0: neither gets a number
        y.backward()
        numbers = re.findall(r"\{ #(\d+) \|", viz.draw_dot(y, number_backward=True).source)
        assert sorted(map(int, numbers)) == [1, 2, 3, 4]  # y, 0 + 2x, 2x, x


class TestConstantsAndSums:
    def test_a_number_in_the_program_is_drawn_as_a_plain_number(self):
        x = Value(3.0, "x")
        y = 2 * x
        y.backward()
        source = viz.draw_dot(y).source
        assert "[label=2 shape=plaintext]" in source and source.count("shape=record") == 2
        assert "   ├─ 2 (constant)" not in viz.text_tree(y) and "├─ 2 (constant)" in viz.text_tree(y)

    def test_the_start_value_of_sum_is_left_out(self):
        a, b, c = Value(1.0, "a"), Value(2.0, "b"), Value(3.0, "c")
        total = sum([a, b, c])
        total.backward()
        assert total.data == 6 and a.grad == 1
        source = viz.draw_dot(total).source
        assert source.count("shape=record") == 6  # a, b, c and three sums (0 + a the first): no 0
        assert "label=0 " not in source and "data 0 " not in source
        assert "(constant)" not in viz.text_tree(total) and "leaf = 0" not in viz.text_tree(total)

    def test_a_zero_that_is_a_value_or_that_multiplies_is_kept(self):
        zero = Value(0.0, "zero")
        x = Value(2.0, "x")
        y = (zero + x) + 0 * x
        y.backward()
        source = viz.draw_dot(y).source
        assert "{ zero | data 0 |" in source  # a leaf somebody made is never hidden
        assert "[label=0 shape=plaintext]" in source  # the 0 of 0·x changes x's gradient
        assert "0 (constant)" in viz.text_tree(y)


class TestJupyter:
    def test_picture_renders_svg_for_jupyter_without_system_graphviz(self, monkeypatch):
        monkeypatch.setattr(renderer, "_which", lambda name: None if name == "dot" else _bundled())
        price, _ = receipt()
        bundle = viz.draw_dot(price)._repr_mimebundle_()
        assert bundle["image/svg+xml"].lstrip().startswith("<?xml") and "apple price" in bundle["image/svg+xml"]

    def test_values_register_with_an_ipython_shell(self):
        registered = {}

        class Formatter:
            def for_type(self, kind, function):
                registered[kind] = function

        class Shell:
            display_formatter = type("DisplayFormatter", (), {"formatters": {"image/svg+xml": Formatter()}})()

        assert viz.register_ipython(Shell()) is True
        svg = registered[Value](receipt()[0])
        assert "<svg" in svg and "tax" in svg

    def test_without_ipython_nothing_is_registered(self):
        assert viz.register_ipython() is False


def _bundled():
    import shutil
    import sys

    return shutil.which("graphviz-pure", path=str(Path(sys.executable).parent))


class TestTextTree:
    def test_apples_after_backward(self):
        price, _ = receipt()
        assert viz.text_tree(price) == (
            "price = 220   grad 1   ← *\n"
            "├─ apple price = 200   grad 1.1   ← *\n"
            "│  ├─ apple = 100   grad 2.2\n"
            "│  └─ apple count = 2   grad 110\n"
            "└─ tax = 1.1   grad 200"
        )

    def test_before_backward(self):
        price, _ = apples()
        text = viz.text_tree(price)
        assert "grad" not in text.replace("gradients not computed yet", "")
        assert text.endswith("(gradients not computed yet: call backward() on the root)")

    def test_shared_nodes_are_expanded_once(self):
        x = Value(2.0, "x")
        h = (x * x).tanh()
        h.label = "h"
        y = h + h
        y.backward()
        lines = viz.text_tree(y).splitlines()
        assert sum("h = " in line for line in lines) == 2
        assert sum("(above)" in line for line in lines) == 1

    def test_max_depth(self):
        x = Value(1.0, "x")
        y = x.sin().cos().exp()
        y.backward()
        c = math.cos(math.sin(1.0))  # ∂y/∂y = 1, ∂y/∂cos = e^c = y
        assert viz.text_tree(y, max_depth=1) == (
            f"(exp) = {math.exp(c):.6g}   grad 1   ← exp\n└─ (cos) = {c:.6g}   grad {math.exp(c):.6g}   ← cos\n   └─ …"
        )

    def test_deep_chain_prints_without_recursion(self):
        x = Value(0.5)
        y = x
        for _ in range(5000):
            y = y.sin()
        text = viz.text_tree(y, max_nodes=5001)
        assert sum(line.endswith("← sin") for line in text.splitlines()) == 5000
        assert "leaf = 0.5" in text and "stopped at" not in text


def _sum_of(n):
    total = sum(Value(float(i)) for i in range(n))
    total.backward()
    return total


def _nodes(root):
    return len(topological_order(root))


class TestTextTreeSize:
    """Output linear in the graph (no indentation proportional to depth), capped like draw_dot."""

    def test_output_of_a_sum_grows_linearly_under_the_default_cap(self):
        small, large = _sum_of(90), _sum_of(180)  # 181 and 361 nodes, a chain 90 and 180 deep
        assert _nodes(large) <= 400
        assert len(viz.text_tree(large)) <= 2.2 * len(viz.text_tree(small))

    def test_a_10000_term_sum_prints_in_linear_size_and_bounded_width(self):
        small, large = _sum_of(10_000), _sum_of(20_000)
        small_text = viz.text_tree(small, max_nodes=_nodes(small))
        large_text = viz.text_tree(large, max_nodes=_nodes(large))
        assert len(large_text) <= 2.2 * len(small_text)
        assert len(small_text) < 200 * _nodes(small)  # was 300 MB: ~15,000 characters a node
        assert max(len(line) for line in large_text.splitlines()) <= 3 * viz.tree.SECTION_DEPTH + 80

    def test_deep_operands_continue_in_numbered_sections(self):
        y = Value(0.5, "x")
        for _ in range(100):
            y = y.sin()
        lines = viz.text_tree(y, max_nodes=200).splitlines()
        references = [re.search(r"\(operands in \[(\d+)\] below\)$", line) for line in lines]
        numbers = [m.group(1) for m in references if m]
        assert numbers == [str(k) for k in range(1, len(numbers) + 1)] and len(numbers) == 100 // 16
        for number in numbers:
            assert sum(line.startswith(f"[{number}] (sin) = ") for line in lines) == 1
        assert lines[-2].endswith("└─ x = 0.5")  # lines[-1] says gradients are not computed yet

    def test_a_node_continued_in_a_section_is_referred_to_by_number(self):
        h = Value(0.5, "x").exp()
        h.label = "h"
        deep = h
        for _ in range(viz.tree.SECTION_DEPTH - 1):
            deep = deep.sin()
        y = deep + h  # h is met SECTION_DEPTH levels down first, then again right under the root
        y.backward()
        lines = viz.text_tree(y).splitlines()
        h_text = f"h = {h.data:.6g}   grad {h.grad:.6g}"
        assert lines[viz.tree.SECTION_DEPTH].endswith(f"└─ {h_text}   ← exp   (operands in [1] below)")
        assert lines[viz.tree.SECTION_DEPTH + 1] == f"└─ {h_text}   (see [1])"
        assert lines[-2:] == [f"[1] {h_text}   ← exp", f"└─ x = 0.5   grad {h.grad * h.data:.6g}"]

    def test_big_graphs_stop_at_max_nodes_with_a_notice_saying_how_to_see_more(self):
        total = _sum_of(1000)
        n = _nodes(total)
        text = viz.text_tree(total)
        node_lines = [line for line in text.splitlines() if " = " in line and not line.startswith("[")]
        assert len(node_lines) == 400
        assert text.endswith(
            f"… stopped at max_nodes=400: {n - 400:,} of the graph's {n:,} nodes are not shown. "
            f"Pass max_nodes={n} to print them all, or max_depth= to print only the top levels."
        )
        everything = viz.text_tree(total, max_nodes=n)
        assert "stopped at" not in everything
        shown = sum(" = " in line and not line.startswith("[") for line in everything.splitlines())
        assert shown == n - 1  # all but the 0 that sum() starts from
        assert "stopped at" not in viz.text_tree(total, max_depth=4)  # draw_dot's advice works

    @pytest.mark.parametrize("bad", [0, -1, 2.5, None, True])
    def test_bad_max_nodes(self, bad):
        with pytest.raises(ValueError, match=r"max_nodes must be a positive int.*got"):
            viz.text_tree(Value(1.0), max_nodes=bad)


def _dense_graph(seed=0):
    """394 nodes: each op combines two random earlier nodes, and the unused ones are summed.

    Its edges reach far back, so graphviz-pure spends minutes on its layout."""
    import random

    rng = random.Random(seed)
    nodes = [Value(rng.uniform(0.5, 1.5)) for _ in range(100)]
    for _ in range(190):
        a, b = rng.choice(nodes), rng.choice(nodes)
        nodes.append(a + b if rng.random() < 0.5 else a * b)
    used = {p for v in nodes for p in v.parents}
    root = sum((v for v in nodes if v not in used), Value(0.0))
    root.backward()
    return root


def _mlp_loss(sizes, samples):
    from autograd_scalar.nn import MLP, mse

    model = MLP(sizes[0], sizes[1:], rng=0)
    inputs = [[0.1 * (i + 1)] * sizes[0] for i in range(samples)]
    loss = mse([model(x) for x in inputs], [1.0] * samples)
    loss.backward()
    return loss


class TestLayoutCost:
    """Refusing, before Graphviz runs, graphs whose layout is expensive though they have few nodes."""

    def test_layout_points_count_nodes_and_edge_bends(self):
        from autograd_scalar import topological_order

        price, _ = receipt()
        assert viz.dot.layout_points(topological_order(price)) == 5 + 2  # 5 values, 2 op circles
        x = Value(2.0)
        y = x
        for _ in range(100):
            y = y * x  # op i is 2i - 1 ranks after x: 2i - 2 bends
        assert viz.dot.layout_points(topological_order(y)) == 101 + 100 + 100 * 99

    def test_dense_graph_fails_fast_while_ordinary_examples_render(self, tmp_path, monkeypatch):
        dense = _dense_graph()
        assert _nodes(dense) == 394  # under max_nodes=400
        advice = r"394 nodes, but .* edge bends.*Draw a smaller part.*pass max_nodes=\d+ to draw it anyway.*text_tree"
        with pytest.raises(viz.GraphTooLargeError, match=advice):
            viz.draw_dot(dense)

        def never(*args, **kwargs):
            raise AssertionError("the renderer ran on a graph that should have been refused")

        with monkeypatch.context() as patch:
            patch.setattr(renderer, "dot_to_bytes", never)
            with pytest.raises(viz.GraphTooLargeError, match=advice):
                viz.render(dense, tmp_path / "dense.svg", renderer="graphviz-pure")

        for ordinary in (receipt(apples_and_oranges)[0], _mlp_loss([2, 4, 4, 1], 1), _mlp_loss([2, 6, 6, 1], 2)):
            values = [node for node in topological_order(ordinary) if not node.is_constant]
            assert viz.draw_dot(ordinary, local_grads=True).source.count("shape=record") == len(values)
        path = viz.render(_mlp_loss([2, 4, 4, 1], 1), tmp_path / "mlp.svg", renderer="graphviz-pure")
        assert ET.parse(path).getroot().tag.endswith("svg")

    def test_the_advised_max_nodes_draws_the_dense_graph(self):
        dense = _dense_graph()
        with pytest.raises(viz.GraphTooLargeError) as refused:
            viz.draw_dot(dense)
        needed = int(re.search(r"pass max_nodes=(\d+)", str(refused.value)).group(1))
        assert viz.draw_dot(dense, max_nodes=needed).source.count("shape=record") == 394
        with pytest.raises(viz.GraphTooLargeError):
            viz.draw_dot(dense, max_nodes=needed - 1)
