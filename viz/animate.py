"""`animate_backward`: the backward pass as a self-contained HTML page, one frame per node.

Frame k shows the graph with the first k nodes in backward order holding their
gradients, the k-th highlighted, and a caption with the chain-rule sum that produced its
gradient. Frames are inline SVG; the controls are a few lines of inline script; nothing
is fetched from the network.
"""

from __future__ import annotations

import html
from pathlib import Path

from autograd_scalar import Value, topological_order
from autograd_scalar.core.text import display_name, format_number
from viz.dot import DEFAULT_MAX_NODES, Style, build
from viz.renderer import dot_to_bytes

_PAGE = """<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8" />
<title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 1.5em; }}
.frame {{ display: none; }}
.frame.current {{ display: block; }}
.caption {{ font-size: 1.1em; margin: 0.6em 0; }}
.frame svg {{ max-width: 100%; height: auto; }}
button {{ font-size: 1em; margin-right: 0.4em; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>The backward pass visits each node after every node that uses it. Its gradient is the sum,
over those uses, of the local derivative times the gradient of the node that uses it.</p>
<div class="controls">
<button id="prev" type="button">◀ prev</button>
<button id="play" type="button">▶ play</button>
<button id="next" type="button">next ▶</button>
<span id="position"></span>
</div>
{frames}
<script>
//<![CDATA[
(function () {{
  var frames = document.querySelectorAll(".frame");
  var index = 0, timer = null;
  function show(i) {{
    index = (i + frames.length) % frames.length;
    for (var k = 0; k < frames.length; k++) frames[k].classList.toggle("current", k === index);
    document.getElementById("position").textContent = "frame " + (index + 1) + " of " + frames.length;
  }}
  function stop() {{ if (timer) {{ clearInterval(timer); timer = null; }}
    document.getElementById("play").textContent = "▶ play"; }}
  document.getElementById("prev").onclick = function () {{ stop(); show(index - 1); }};
  document.getElementById("next").onclick = function () {{ stop(); show(index + 1); }};
  document.getElementById("play").onclick = function () {{
    if (timer) {{ stop(); return; }}
    document.getElementById("play").textContent = "❚❚ pause";
    timer = setInterval(function () {{ if (index === frames.length - 1) stop(); else show(index + 1); }}, 1200);
  }};
  document.addEventListener("keydown", function (e) {{
    if (e.key === "ArrowLeft") {{ stop(); show(index - 1); }}
    if (e.key === "ArrowRight") {{ stop(); show(index + 1); }}
  }});
  var linked = /^#frame-([0-9]+)$/.exec(location.hash);  // a link may open at a given frame
  show(linked ? parseInt(linked[1], 10) - 1 : 0);
}})();
//]]>
</script>
</body>
</html>
"""


def animate_backward(
    root: Value,
    path: str | Path,
    frames_dir: str | Path | None = None,
    title: str = "Backpropagation, one node at a time",
    precision: int = 6,
    rankdir: str = "LR",
    renderer: str | None = None,
    max_nodes: int = 60,
) -> Path:
    """Write the animation of ``root.backward()`` to `path` (an .html file).

    Runs ``root.backward()`` first if it has not run (root.grad is 0). Opening the page
    with ``#frame-N`` in its address starts at frame N. With `frames_dir`,
    also writes each frame as ``frame_001.svg``, ``frame_002.svg``, …. At most `max_nodes`
    nodes (one rendered frame each).
    """
    if root.grad == 0.0:
        root.backward()
    order = topological_order(root)
    style = Style(
        rankdir=rankdir,
        precision=precision,
        local_grads=True,
        number_backward=True,
        max_nodes=min(max_nodes, DEFAULT_MAX_NODES),
    )
    users = _users(order)
    svgs = []
    for k in range(1, len(order) + 1):
        picture = build(root, style, revealed=k)
        svgs.append(dot_to_bytes(picture.source, "svg", renderer).decode("utf-8"))
    if frames_dir is not None:
        folder = Path(frames_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for k, svg in enumerate(svgs, start=1):
            (folder / f"frame_{k:03d}.svg").write_text(svg, encoding="utf-8")
    frames = []
    for k, svg in enumerate(svgs, start=1):
        node = order[len(order) - k]
        caption = html.escape(_caption(node, root, users.get(node, []), precision))
        frames.append(
            f'<div class="frame" id="frame-{k}">\n<p class="caption">Step {k} of {len(svgs)}: {caption}</p>\n'
            f"{_inline(svg)}\n</div>"
        )
    path = Path(path)
    path.write_text(_PAGE.format(title=html.escape(title), frames="\n".join(frames)), encoding="utf-8")
    return path


def _users(order: list[Value]) -> dict[Value, list[tuple[Value, int]]]:
    """For each node, the (node, operand index) pairs that use it."""
    users: dict[Value, list[tuple[Value, int]]] = {}
    for node in order:
        for i, parent in enumerate(node.parents):
            users.setdefault(parent, []).append((node, i))
    return users


def _caption(node: Value, root: Value, uses: list[tuple[Value, int]], precision: int) -> str:
    def f(x: float) -> str:
        return format_number(x, precision)

    root_name = root.label or "root"
    if node is root:
        return f"∂{root_name}/∂{root_name} = 1: the backward pass starts at the root."
    terms = [f"{f(user.local_grads()[i])} × {f(user.grad)}" for user, i in uses]
    return f"∂{root_name}/∂{display_name(node)} = {' + '.join(terms)} = {f(node.grad)}"


def _inline(svg: str) -> str:
    """An SVG document as an element to embed: without its XML declaration and doctype."""
    start = svg.find("<svg")
    return svg[start:].strip()
