"""`animate_backward`: the backward pass as frames on one fixed picture, for a page or a notebook.

Frame k shows the graph with the first k nodes in backward order holding their gradients,
the k-th in gold, the edges that carry its gradient in blue, and a caption with the
chain-rule sum that produced it. Constants (the 2 of ``2 * x``), drawn as plain numbers, get
no frame.

**The picture holds still.** Laying out each frame on its own moves every box as its texts
change width ("grad ?" becomes "grad 650"), and a student loses the node they were
watching. So the graph is laid out once, fully revealed (its texts are the widest), and
each frame only repaints that one layout: Graphviz draws every frame, and from each drawing
only the texts and colours are taken, matched to the layout's by the `<title>` of their
node or edge and their order inside it. Reading them from the drawing rather than from the
DOT leaves parsing labels to Graphviz. Nothing is fetched from the network: the layout is
inline SVG, each frame is a list of the texts and colours that change, and a few lines of
script repaint it.

**Readable.** The SVG is shown at a scale that puts its smallest text at 12 CSS px or more
(at least its natural size) in a scrollable box, which scrolls just enough to keep the
current node in view.
"""

from __future__ import annotations

import copy
import html
import json
import math
import re
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import overload

from autograd_scalar import Value, topological_order
from autograd_scalar.core.text import display_name, format_number
from viz.colors import EMPHASIS, HIGHLIGHT
from viz.dot import DEFAULT_MAX_NODES, Style, build
from viz.renderer import dot_to_bytes

SVG_NS = "http://www.w3.org/2000/svg"
MIN_TEXT_PX = 12.0
"""The smallest text the page shows, in CSS px: readable on a 1280×800 screen without zooming."""

_PX_PER_PT = 4 / 3  # Graphviz measures in points; a CSS px is 3/4 of one
_GROUPS = ("graph", "cluster", "node", "edge")
_DRAWN = ("text", "polygon", "polyline", "ellipse", "path")
_PAINT = ("fill", "stroke", "stroke-width")
_OP_CIRCLE = re.compile(r"v[0-9]+_op")  # build's name for the circle of an op
_TEXT = "#text"  # the slot of an element's text, beside its paint attributes

GroupKey = tuple[str, str, int]
"""A node, edge, cluster or the graph, as (class, title, how many before it had that title):
edges of `a*a` share a title."""


@dataclass(frozen=True)
class Animation:
    """The backward pass of one graph: one layout and, per frame, what to paint on it.

    In Jupyter it displays itself inline (`_repr_html_`); `save` writes a standalone page,
    `save_frames` one SVG file per frame. Every frame has the layout's geometry.
    """

    title: str
    layout: ET.Element
    """The fully revealed frame's SVG: the geometry of every frame."""
    elements: tuple[ET.Element, ...]
    """The layout's drawn elements (texts and shapes), in document order."""
    paints: tuple[tuple[dict[str, str | None], ...], ...]
    """Per frame, per element: its text (key "#text") and paint attributes (None: absent)."""
    captions: tuple[str, ...]
    focus: tuple[int | None, ...]
    """Per frame, the index in `elements` of the current node's outline (None if it is not drawn)."""

    def __len__(self) -> int:
        return len(self.captions)

    def __repr__(self) -> str:
        return f"<Animation {self.title!r}: {len(self)} frames>"

    def frame_svg(self, k: int) -> str:
        """Frame `k` (from 1) as a standalone SVG document."""
        if not 1 <= k <= len(self):
            raise IndexError(f"there is no frame {k}: this animation has frames 1 to {len(self)}")
        svg, elements = _copy(self.layout, self.elements)
        _paint(elements, self.paints[k - 1])
        return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + _serialize(svg) + "\n"

    def save_frames(self, folder: str | Path) -> list[Path]:
        """Write each frame as ``frame_001.svg``, ``frame_002.svg``, … in `folder`; return the paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / f"frame_{k:03d}.svg" for k in range(1, len(self) + 1)]
        for k, path in enumerate(paths, start=1):
            path.write_text(self.frame_svg(k), encoding="utf-8")
        return paths

    @property
    def html(self) -> str:
        """A standalone page: arrow keys anywhere on it, and the address names the frame.

        The same output for the same graph, byte for byte."""
        uid = "backward-animation"
        return _PAGE.format(title=html.escape(self.title), uid=uid, widget=self._widget(uid, page=True), intro=_INTRO)

    def save(self, path: str | Path) -> Path:
        """Write the standalone page (`html`) to `path`; return the path."""
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        """The animation for a notebook's output cell.

        Each call gets its own container id, so several animations (or one shown twice) never
        steer each other; keys act only while it has focus, and it leaves the address alone.
        """
        return self._widget(f"backward-animation-{uuid.uuid4().hex}", page=False)

    def _widget(self, uid: str, page: bool) -> str:
        """The controls, caption, picture and script, all scoped to the element `uid`."""
        svg, elements = _copy(self.layout, self.elements)
        _paint(elements, self.paints[0])
        slots = _varying_slots(self.paints)
        marked = sorted({i for i, _ in slots} | {i for i in self.focus if i is not None})
        index = {i: n for n, i in enumerate(marked)}
        for i, n in index.items():
            elements[i].set("data-e", str(n))
        for element in svg.iter():
            element.attrib.pop("id", None)  # Graphviz's ids repeat in every picture on a page
        _size_for_reading(svg)
        data = {
            "slots": [[index[i], key] for i, key in slots],
            "values": [[frame[i][key] for i, key in slots] for frame in self.paints],
            "captions": list(self.captions),
            "focus": [None if i is None else index[i] for i in self.focus],
        }
        return _WIDGET.format(
            uid=uid,
            count=len(self),
            caption=html.escape(self.captions[0]),
            svg=_serialize(svg),
            data=_script_json(data),
            page="true" if page else "false",
            highlight=HIGHLIGHT,
            emphasis=EMPHASIS,
        )


@overload
def animate_backward(
    root: Value,
    path: None = None,
    frames_dir: str | Path | None = None,
    title: str = ...,
    precision: int = 6,
    rankdir: str = "LR",
    renderer: str | None = None,
    max_nodes: int = 60,
) -> Animation: ...


@overload
def animate_backward(
    root: Value,
    path: str | Path,
    frames_dir: str | Path | None = None,
    title: str = ...,
    precision: int = 6,
    rankdir: str = "LR",
    renderer: str | None = None,
    max_nodes: int = 60,
) -> Path: ...


def animate_backward(
    root: Value,
    path: str | Path | None = None,
    frames_dir: str | Path | None = None,
    title: str = "Backpropagation, one node at a time",
    precision: int = 6,
    rankdir: str = "LR",
    renderer: str | None = None,
    max_nodes: int = 60,
) -> Animation | Path:
    """The animation of ``root.backward()``, one frame per node in backward order.

    With `path` (an .html file), writes a standalone page there and returns the path; opening
    it with ``#frame-N`` in its address starts at frame N. Without, returns an `Animation`,
    which a notebook displays inline. With `frames_dir`, also writes each frame as
    ``frame_001.svg``, ``frame_002.svg``, …. At most `max_nodes` nodes (one frame each).

    The frames show ∂root/∂node for this graph alone, whatever gradients its nodes hold: a
    leaf's ``.grad`` may hold a sum over earlier backward passes (a parameter used by other
    samples' losses), which would make the captions' sums wrong. So it runs a backward pass of
    its own and gives every node its ``.grad`` back afterwards, also when it refuses.
    """
    order = topological_order(root)
    held = [node.grad for node in order]
    try:
        for node in order:
            node.grad = 0.0
        root.backward()
        return _animate(root, order, path, frames_dir, title, precision, rankdir, renderer, max_nodes)
    finally:
        for node, grad in zip(order, held, strict=True):
            node.grad = grad


def _animate(
    root: Value,
    order: list[Value],
    path: str | Path | None,
    frames_dir: str | Path | None,
    title: str,
    precision: int,
    rankdir: str,
    renderer: str | None,
    max_nodes: int,
) -> Animation | Path:
    """`animate_backward` once every node holds its gradient with respect to `root`."""
    style = Style(
        rankdir=rankdir,
        precision=precision,
        local_grads=True,
        number_backward=True,
        max_nodes=min(max_nodes, DEFAULT_MAX_NODES),
    )
    n = len(order)

    def draw(k: int) -> ET.Element:
        return _parse(dot_to_bytes(build(root, style, revealed=k).source, "svg", renderer))

    # A constant (the 2 of 2 * x) is drawn as a plain number, and nobody asked for its
    # gradient: it gets no frame of its own.
    shown = [k for k in range(1, n + 1) if not order[n - k].is_constant]
    layout = draw(n)  # fully revealed: its texts are the widest
    keys, elements = _drawn(layout)
    users = _users(order)
    paints, captions, focus = [], [], []
    for step, k in enumerate(shown, start=1):
        frame_keys, frame_elements = _drawn(layout if k == n else draw(k))
        if _structure(frame_keys, frame_elements) != _structure(keys, elements):
            raise RuntimeError(
                f"frame {step} is drawn with other nodes, edges or fields than the fully revealed frame, so it "
                "cannot be painted onto one layout: viz.dot.build must draw the same elements for every `revealed`"
            )
        node = order[n - k]
        current = f"v{n - k}"  # build's name for the node: its topological position
        paint = [_paint_of(e) for e in frame_elements]
        _emphasize(keys, paint, _paths_to_uses(keys, current))
        paints.append(tuple(paint))
        focus.append(next((i for i, key in enumerate(keys) if key == ("node", current, 0)), None))
        name = _name(node, _number(keys, elements, current))
        captions.append(f"Step {step} of {len(shown)}: {_caption(node, name, root, users.get(node, []), precision)}")
    animation = Animation(title, layout, tuple(elements), tuple(paints), tuple(captions), tuple(focus))
    if frames_dir is not None:
        animation.save_frames(frames_dir)
    return animation if path is None else animation.save(path)


def _parse(svg: bytes) -> ET.Element:
    """Graphviz's SVG with plain tag names (``text``, not ``{http://www.w3.org/2000/svg}text``)
    and the namespace as an attribute of the root, so that it serializes as it came."""
    root = ET.fromstring(svg)  # expat reads the doctype but never fetches it
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    root.set("xmlns", SVG_NS)
    return root


def _structure(keys: list[GroupKey], elements: list[ET.Element]) -> list[tuple[GroupKey, str]]:
    return [(key, e.tag) for key, e in zip(keys, elements, strict=True)]


def _drawn(svg: ET.Element) -> tuple[list[GroupKey], list[ET.Element]]:
    """Every text and shape in `svg` in document order, each with the key of its group."""
    keys: list[GroupKey] = []
    elements: list[ET.Element] = []
    seen: Counter[tuple[str, str]] = Counter()

    def walk(parent: ET.Element, key: GroupKey) -> None:
        for child in parent:
            tag = child.tag
            if tag == "g" and child.get("class") in _GROUPS:
                title = child.find("title")
                name = (child.get("class", ""), "" if title is None else title.text or "")
                walk(child, (*name, seen[name]))
                seen[name] += 1
            elif tag in _DRAWN:
                keys.append(key)
                elements.append(child)
            else:
                walk(child, key)  # an <a> or <g> that Graphviz wraps around links

    walk(svg, ("", "", 0))
    return keys, elements


def _paint_of(element: ET.Element) -> dict[str, str | None]:
    paint: dict[str, str | None] = {name: element.get(name) for name in _PAINT}
    if element.tag == "text":
        paint[_TEXT] = element.text or ""
    return paint


def _paths_to_uses(keys: list[GroupKey], current: str) -> set[GroupKey]:
    """The edges, and the boxes on them, from the node named `current` to the op circles that
    use it: what carries the terms the caption adds up."""
    edges_from: dict[str, list[GroupKey]] = {}
    for key in dict.fromkeys(keys):
        kind, title, _ = key
        if kind == "edge":
            edges_from.setdefault(_node_name(title.partition("->")[0]), []).append(key)
    found: set[GroupKey] = set()
    stack, seen = [current], {current}
    while stack:
        for edge in edges_from.get(stack.pop(), ()):
            found.add(edge)
            head = _node_name(edge[1].partition("->")[2])
            if not _OP_CIRCLE.fullmatch(head) and head not in seen:  # a box on the edge: go on through it
                seen.add(head)
                found.add(("node", head, 0))
                stack.append(head)
    return found


def _node_name(end: str) -> str:
    """The node an edge's end names: ``v3`` of ``v3:f1`` (a record's field)."""
    return end.partition(":")[0]


def _emphasize(keys: list[GroupKey], paints: list[dict[str, str | None]], groups: set[GroupKey]) -> None:
    """Draw the `groups` in `EMPHASIS`: texts, outlines and arrowheads."""
    for key, paint in zip(keys, paints, strict=True):
        if key not in groups:
            continue
        if _TEXT in paint:
            paint["fill"] = EMPHASIS
            continue
        paint["stroke"] = EMPHASIS
        paint["stroke-width"] = "2"
        if key[0] == "edge" and paint["fill"] not in (None, "none"):
            paint["fill"] = EMPHASIS  # the arrowhead


def _paint(elements: list[ET.Element], paints: tuple[dict[str, str | None], ...]) -> None:
    for element, paint in zip(elements, paints, strict=True):
        for name, value in paint.items():
            if name == _TEXT:
                element.text = value
            elif value is None:
                element.attrib.pop(name, None)
            else:
                element.set(name, value)


def _copy(layout: ET.Element, elements: tuple[ET.Element, ...]) -> tuple[ET.Element, list[ET.Element]]:
    """A deep copy of `layout` and the copies of `elements` in it, in the same order."""
    svg = copy.deepcopy(layout)
    position = {id(e): i for i, e in enumerate(elements)}
    copies: list[ET.Element] = [svg] * len(elements)
    for original, twin in zip(layout.iter(), svg.iter(), strict=True):
        if id(original) in position:
            copies[position[id(original)]] = twin
    return svg, copies


def _varying_slots(paints: tuple[tuple[dict[str, str | None], ...], ...]) -> list[tuple[int, str]]:
    """The (element, text or attribute) pairs whose value is not the same in every frame."""
    first = paints[0]
    return [
        (i, key)
        for i, paint in enumerate(first)
        for key in paint
        if any(frame[i][key] != paint[key] for frame in paints[1:])
    ]


def _size_for_reading(svg: ET.Element) -> None:
    """Set the SVG's size in CSS px so that its smallest text is at least `MIN_TEXT_PX`, and the
    picture is at least its natural size (a point is 4/3 px)."""
    _, _, width, height = (float(v) for v in svg.get("viewBox", "0 0 0 0").split())
    sizes = [float(e.get("font-size", "14")) for e in svg.iter("text")]
    scale = max(_PX_PER_PT, MIN_TEXT_PX / min(sizes, default=MIN_TEXT_PX))
    # Whole px, rounded up: a browser snaps a size to 1/64 px, which could shrink the scale a hair.
    svg.set("width", f"{math.ceil(width * scale)}px")
    svg.set("height", f"{math.ceil(height * scale)}px")


def _serialize(svg: ET.Element) -> str:
    return ET.tostring(svg, encoding="unicode")


def _script_json(data: object) -> str:
    """JSON to put inside a <script> element of a page that is also well-formed XML."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _users(order: list[Value]) -> dict[Value, list[tuple[Value, int]]]:
    """For each node, the (node, operand index) pairs that use it."""
    users: dict[Value, list[tuple[Value, int]]] = {}
    for node in order:
        for i, parent in enumerate(node.parents):
            users.setdefault(parent, []).append((node, i))
    return users


def _name(node: Value, number: str) -> str:
    """What a caption calls `node`: its label, else its op (or "leaf") and the number the picture
    writes on it, so that an unlabelled node can be found: ``(+ #15)``."""
    if node.label or not number:
        return display_name(node)
    return f"({node.op or 'leaf'} {number})"


def _number(keys: list[GroupKey], elements: list[ET.Element], name: str) -> str:
    """The number ("#15") the picture writes on the node `name`, or ""."""
    texts = (
        e.text or "" for key, e in zip(keys, elements, strict=True) if key == ("node", name, 0) and e.tag == "text"
    )
    return next((t for t in texts if t.startswith("#")), "")


def _caption(node: Value, name: str, root: Value, uses: list[tuple[Value, int]], precision: int) -> str:
    """The chain-rule sum that gives `node` (called `name`) its gradient."""

    def f(x: float) -> str:
        return format_number(x, precision)

    root_name = root.label or "root"
    if node is root:
        return f"∂{root_name}/∂{root_name} = 1: the backward pass starts at the root."
    terms = [f"{f(user.local_grads()[i])} × {f(user.grad)}" for user, i in uses]
    return f"∂{root_name}/∂{name} = {' + '.join(terms)} = {f(node.grad)}"


_INTRO = (
    "The backward pass visits each node after every node that uses it. Its gradient is the sum, over "
    "those uses, of the local derivative times the gradient of the node that uses it."
)

# The page is XHTML-compatible: the same text parses as HTML5 and as XML (the tests read it so).
_PAGE = """<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{title}</title>
<style>
html, body {{ height: 100%; margin: 0; }}
body {{ display: flex; flex-direction: column; box-sizing: border-box; padding: 0.8em 1.2em;
  font-family: Helvetica, Arial, sans-serif; color: #000; background: #fff; }}
h1 {{ font-size: 1.4em; margin: 0 0 0.2em; }}
.intro {{ margin: 0 0 0.4em; max-width: 60em; }}
body #{uid} {{ flex: 1 1 auto; min-height: 0; display: flex; flex-direction: column; }}
body #{uid} > * {{ flex: none; }}
body #{uid} > .picture {{ flex: 0 1 auto; min-height: 0; max-height: none; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="intro">{intro}</p>
{widget}
</body>
</html>
"""

# One animation: everything is scoped to the element `uid`, so a notebook can hold several.
# `page` (a standalone page) listens for keys on the whole document and keeps the frame in the
# address; otherwise keys act only while the animation has focus and the address is left alone.
# The suppress-shortcuts attributes ask JupyterLab (Lumino 2, and 1) to leave keys inside it alone.
_WIDGET = """<div class="backward-animation" id="{uid}" tabindex="0" data-lm-suppress-shortcuts="true" \
data-p-suppress-shortcuts="true" aria-label="backward pass animation; left and right arrows step, space plays">
<style>
#{uid} {{ font-family: Helvetica, Arial, sans-serif; font-size: 16px; color: #000; }}
#{uid} .controls {{ display: flex; align-items: center; gap: 0.4em; white-space: nowrap; }}
#{uid} button {{ font-size: 1em; padding: 0.2em 0.6em; }}
#{uid} button.play {{ min-width: 6.5em; }}
#{uid} .position {{ min-width: 8em; font-variant-numeric: tabular-nums; margin-left: 0.4em; }}
#{uid} .notice {{ height: 1.5em; line-height: 1.5em; margin: 0.3em 0 0; overflow: hidden; white-space: nowrap;
  text-overflow: ellipsis; font-weight: bold; }}
#{uid} .notice:not(:empty) {{ background: {highlight}; padding: 0 0.4em; }}
#{uid} .caption {{ height: 3em; line-height: 1.5em; margin: 0.2em 0 0.4em; overflow-y: auto; }}
#{uid} .legend {{ margin: 0 0 0.4em; font-size: 0.9em; }}
#{uid} .swatch {{ display: inline-block; width: 1.6em; height: 0.8em; vertical-align: middle;
  border: 1px solid #000; }}
#{uid} .picture {{ overflow: auto; max-height: 70vh; border: 1px solid #767676; background: #fff; }}
#{uid} .picture svg {{ display: block; }}
</style>
<div class="controls">
<button type="button" class="prev">◀ prev</button>
<button type="button" class="play">▶ play</button>
<button type="button" class="next">next ▶</button>
<span class="position">frame 1 of {count}</span>
<span>keys: ← → step, space plays</span>
</div>
<p class="notice" role="status"></p>
<p class="caption" aria-live="polite">{caption}</p>
<p class="legend"><span class="swatch" style="background: {highlight}"></span> the node whose gradient this step \
computes; <span class="swatch" style="background: {emphasis}"></span> its uses, each carrying local derivative × \
the gradient of the use, which the caption adds up</p>
<div class="picture">
{svg}
</div>
<script type="application/json" class="frames">{data}</script>
<script>
//<![CDATA[
(function () {{
  var root = document.getElementById("{uid}"), page = {page};
  var data = JSON.parse(root.querySelector("script.frames").textContent);
  var box = root.querySelector(".picture"), playButton = root.querySelector("button.play");
  var els = [], count = data.captions.length, index = 0, timer = null;
  Array.prototype.forEach.call(box.querySelectorAll("[data-e]"), function (el) {{
    els[Number(el.getAttribute("data-e"))] = el;
  }});
  function say(selector, text) {{ root.querySelector(selector).textContent = text; }}
  function reveal(el) {{  // scroll the box, never the page, just enough to show the current node
    var b = box.getBoundingClientRect(), r = el.getBoundingClientRect();
    box.scrollLeft += shift(r.left - b.left - box.clientLeft, r.width, box.clientWidth);
    box.scrollTop += shift(r.top - b.top - box.clientTop, r.height, box.clientHeight);
  }}
  function shift(start, size, room) {{  // how far to scroll so that [start, start + size] is in [0, room]
    var m = 16;
    if (start < m) return start - m;
    if (start + size > room - m) return Math.min(start - m, start + size - room + m);
    return 0;
  }}
  function show(k, notice) {{
    index = k;
    data.slots.forEach(function (slot, j) {{
      var el = els[slot[0]], value = data.values[k][j];
      if (slot[1] === "#text") el.textContent = value;
      else if (value === null) el.removeAttribute(slot[1]);
      else el.setAttribute(slot[1], value);
    }});
    say(".position", "frame " + (k + 1) + " of " + count);
    say(".caption", data.captions[k]);
    say(".notice", notice || (k === count - 1 ? "the last frame: every gradient is known" : ""));
    if (data.focus[k] !== null) reveal(els[data.focus[k]]);
    if (page) history.replaceState(null, "", "#frame-" + (k + 1));
  }}
  function stop() {{
    if (timer !== null) {{ clearInterval(timer); timer = null; }}
    playButton.textContent = "▶ play";
  }}
  function step(delta) {{
    stop();
    var k = index + delta;
    if (k < 0) show(0, "this is the first frame");
    else if (k >= count) show(count - 1, "this is the last frame: every gradient is known");
    else show(k);
  }}
  function play() {{
    if (timer !== null) {{ stop(); return; }}
    if (index === count - 1) show(0);
    playButton.textContent = "❚❚ pause";
    timer = setInterval(function () {{
      if (index + 1 >= count) stop();
      else show(index + 1);
    }}, 1500);
  }}
  function fromAddress() {{
    stop();
    var match = /^#frame-(.*)$/.exec(location.hash), name = match ? match[1] : location.hash.slice(1);
    var k = /^[0-9]+$/.test(name) ? Number(name) : NaN;
    if (!location.hash) show(0);
    else if (k >= 1 && k <= count) show(k - 1);
    else show(0, "there is no frame " + name + ": this animation has frames 1 to " + count);
  }}
  root.querySelector("button.prev").onclick = function () {{ step(-1); }};
  root.querySelector("button.next").onclick = function () {{ step(1); }};
  playButton.onclick = play;
  (page ? document : root).addEventListener("keydown", function (e) {{
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;  // leave browser shortcuts alone
    if (e.key === "ArrowLeft") step(-1);
    else if (e.key === "ArrowRight") step(1);
    else if (e.key === " ") play();
    else return;
    e.preventDefault();  // no scrolling, and no click on a focused button
    e.stopPropagation();  // a notebook's own shortcuts
  }});
  if (page) {{
    window.addEventListener("hashchange", fromAddress);
    fromAddress();
  }} else show(0);
}})();
//]]>
</script>
</div>"""
