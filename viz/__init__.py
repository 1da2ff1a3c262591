"""Pictures of computation graphs: Graphviz drawings, a text tree, a backward animation.

Depends on the engine; the engine never imports this package.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from autograd_scalar import Value
from viz import renderer as renderer_module
from viz.animate import Animation, animate_backward
from viz.dot import GraphPicture, GraphTooLargeError, at_resolution, draw_dot
from viz.renderer import RendererError, find_renderer
from viz.tree import text_tree

__all__ = [
    "Animation",
    "GraphPicture",
    "GraphTooLargeError",
    "RendererError",
    "animate_backward",
    "draw_dot",
    "find_renderer",
    "register_ipython",
    "render",
    "text_tree",
]


def render(
    root: Value, path: str | Path, renderer: str | None = None, dpi: float | None = None, **options: Any
) -> Path:
    """Draw `root`'s graph to `path`; the format comes from the suffix (.svg, .png, .pdf, .dot).

    Options are those of `draw_dot`. Uses the system `dot` when it is on PATH, else the
    bundled graphviz-pure (SVG and PNG); `renderer` ("dot" or "graphviz-pure") picks one.
    `dpi` is the resolution of a PNG: 96 unless told, 300 for print.
    """
    picture = at_resolution(draw_dot(root, **options), dpi)
    return renderer_module.write(picture.source, path, renderer)


def register_ipython(ip: Any = None) -> bool:
    """Show Values as graph pictures in IPython/Jupyter: call it once in a notebook.

    Importing `viz` changes nothing outside it, so this is the one documented line that
    turns the display on. Returns whether a shell was found to register with.
    """
    if ip is None:
        ipython = sys.modules.get("IPython")
        ip = ipython.get_ipython() if ipython is not None else None
    if ip is None:
        return False
    formatter = ip.display_formatter.formatters["image/svg+xml"]
    formatter.for_type(Value, lambda v: draw_dot(v)._repr_image_svg_xml())
    return True

