"""Turning DOT into SVG or PNG: the system `dot` if present, else the bundled graphviz-pure.

`graphviz-pure` is a self-contained port of Graphviz's `dot` with wheels for Linux,
macOS and Windows; it installs with this package, so pictures work right after
``pip install`` with no system Graphviz. The system `dot` is preferred when it is on PATH
(it also writes PDF). The renderer runs as a subprocess with the DOT on standard input,
never through a shell.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

FORMATS = ("svg", "png", "pdf")
_PURE_FORMATS = ("svg", "png")


class RendererError(RuntimeError):
    """No renderer, an unsupported format, or the renderer failed; the message says which."""


def find_renderer(preferred: str | None = None) -> tuple[str, str]:
    """(kind, executable path): kind is "dot" or "graphviz-pure".

    `preferred` may name one of the two kinds to use only that one.
    """
    kinds = ("dot", "graphviz-pure") if preferred is None else (preferred,)
    for kind in kinds:
        if kind not in ("dot", "graphviz-pure"):
            raise ValueError(f"renderer must be 'dot' or 'graphviz-pure', got {kind!r}")
        path = _which(kind)
        if path:
            return kind, path
    raise RendererError(
        "no Graphviz renderer found: install the graphviz-pure package "
        "(pip install graphviz-pure; it comes with autograd-scalar) or the system Graphviz "
        "(apt install graphviz, brew install graphviz, or https://graphviz.org/download/)"
    )


def dot_to_bytes(source: str, fmt: str, renderer: str | None = None) -> bytes:
    """Render DOT text to `fmt` ("svg", "png" or "pdf") and return the bytes."""
    if fmt not in FORMATS:
        raise RendererError(f"unknown picture format {fmt!r}; choose one of {', '.join(FORMATS)}")
    kind, exe = find_renderer(renderer)
    if kind == "graphviz-pure" and fmt not in _PURE_FORMATS:
        raise RendererError(
            f"{fmt.upper()} needs the system Graphviz 'dot' (apt install graphviz / brew install graphviz); "
            "the bundled graphviz-pure writes SVG and PNG"
        )
    try:
        result = subprocess.run([exe, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise RendererError(f"{kind} took more than 120 s to lay out the graph; draw a smaller one") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip() or f"exit status {result.returncode}"
        raise RendererError(f"{kind} failed: {message}")
    return result.stdout


def write(source: str, path: str | Path, renderer: str | None = None) -> Path:
    """Render DOT text to `path`, the format taken from its suffix (.svg, .png, .pdf, .dot)."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt in ("dot", "gv"):
        path.write_text(source, encoding="utf-8")
        return path
    if fmt not in FORMATS:
        raise RendererError(f"cannot tell the format from {path.name!r}: use .svg, .png, .pdf or .dot")
    data = dot_to_bytes(source, fmt, renderer)
    path.write_bytes(data)
    return path


def _which(name: str) -> str | None:
    # A virtual environment's scripts are not on PATH unless it is activated.
    found = shutil.which(name)
    if found:
        return found
    for folder in (Path(sys.executable).parent, Path(sysconfig.get_path("scripts"))):
        candidate = shutil.which(name, path=str(folder))
        if candidate:
            return candidate
    return None
