"""MkDocs hook: the tutorial notebooks become pages of the site, executed afresh at every build.

The notebooks in examples/notebooks are committed without outputs, so the repository never
holds stale numbers. Each build runs every one of them from a clean state, in a fresh kernel
(the ``python3`` kernel of the interpreter running MkDocs) whose working directory is a new
temporary folder, and hands the executed copy to mkdocs-jupyter as ``tutorials/NAME.ipynb``.
A cell that raises fails the build, naming the notebook.

`execute` is also what tests/test_notebooks.py runs, so the tests and the site see the same
outputs. A test that has executed the notebooks already can build the site from its copies
instead of running them again: it names their folder in the environment variable
AUTOGRAD_SCALAR_EXECUTED_NOTEBOOKS.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

try:
    from mkdocs.plugins import event_priority
except ImportError:  # imported by tests/test_notebooks.py, where MkDocs need not be installed

    def event_priority(priority: float) -> Any:
        return lambda handler: handler


NOTEBOOKS = Path(__file__).resolve().parents[2] / "examples" / "notebooks"
SECTION = "tutorials"
"""Where the notebooks go in the site: tutorials/NAME.ipynb, beside docs/tutorials/index.md."""
CELL_TIMEOUT = 300  # seconds
EXECUTED = "AUTOGRAD_SCALAR_EXECUTED_NOTEBOOKS"
"""Names a folder of executed copies (NAME.ipynb) to use instead of running the notebooks."""

log = logging.getLogger("mkdocs.hooks.notebooks")
_executed: tempfile.TemporaryDirectory | None = None  # this build's executed copies


def sources() -> list[Path]:
    """The tutorial notebooks, in their reading order (their names start with a number)."""
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def kernel_config(sockets: str) -> Any:
    """Configuration for the kernel: the ``python3`` kernel of this interpreter, talking over
    Unix sockets in the folder `sockets` (over TCP, ipykernel warns that the connection is
    not encrypted).

    Only the kernel specs installed under ``sys.prefix`` are looked at, never a user's own
    (~/.local/share/jupyter), whose python3 might run another Python; without one there,
    jupyter_client uses ipykernel's own spec, which runs ``sys.executable`` too."""
    from traitlets.config import Config

    return Config(
        KernelSpecManager={"kernel_dirs": [str(Path(sys.prefix) / "share" / "jupyter" / "kernels")]},
        KernelManager={"transport": "ipc", "ip": str(Path(sockets) / "kernel")},
    )


def execute(source: Path, timeout: int = CELL_TIMEOUT) -> Any:
    """`source` run top to bottom in a fresh kernel, in an empty temporary working folder;
    returns the executed notebook (an nbformat NotebookNode). Streams written in pieces (a
    progress bar redrawn with carriage returns) are merged as a terminal would show them."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(source, as_version=4)
    with tempfile.TemporaryDirectory(prefix=f"{source.stem}-") as workdir, tempfile.TemporaryDirectory() as sockets:
        client = NotebookClient(
            notebook,
            config=kernel_config(sockets),
            kernel_name="python3",
            timeout=timeout,
            resources={"metadata": {"path": workdir}},
            coalesce_streams=True,
            record_timing=False,
        )
        client.execute()
    return notebook


def _cleanup() -> None:
    global _executed
    if _executed is not None:
        _executed.cleanup()
        _executed = None


@event_priority(50)  # before mkdocs-jupyter's on_files, which makes pages of .ipynb files
def on_files(files: Any, config: Any) -> Any:
    """Execute every notebook into a temporary folder and add it to the site's files."""
    import nbformat
    from mkdocs.exceptions import PluginError
    from mkdocs.structure.files import File

    global _executed
    _cleanup()
    _executed = tempfile.TemporaryDirectory(prefix="autograd-scalar-notebooks-")
    folder = Path(_executed.name) / SECTION
    folder.mkdir()
    given = os.environ.get(EXECUTED)
    for source in sources():
        target = folder / source.name
        if given:
            copy = Path(given) / source.name
            if not copy.is_file():
                raise PluginError(f"{EXECUTED} is {given}, which has no executed copy of {source.name}")
            target.write_bytes(copy.read_bytes())
        else:
            start = time.perf_counter()
            try:
                notebook = execute(source)
            except Exception as error:
                raise PluginError(f"the notebook {source.name} failed: {error}") from error
            nbformat.write(notebook, target)
            log.info("executed %s in %.1f s", source.name, time.perf_counter() - start)
        # A File with a source folder (not File.generated): mkdocs-jupyter reads the path
        files.append(File(f"{SECTION}/{source.name}", _executed.name, config.site_dir, config.use_directory_urls))
    return files


# A link in a notebook that works both in Jupyter (beside the other notebooks, in
# examples/notebooks) and on the site: to another notebook, "02_chain_rule.ipynb", or to a
# page of the docs, "../../docs/guides/nn.md", each with an optional "#anchor".
_LINK = re.compile(r'href="(?P<target>[\w.-]+\.ipynb|\.\./\.\./docs/[\w./-]+\.md)(?P<anchor>#[^"]*)?"')
# nbconvert's page template loads MathJax from a CDN (here, with no address given, from
# nowhere). The notebooks use no TeX, and the site fetches nothing from the network.
_MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.DOTALL)


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """For a tutorial page: links to other notebooks and to docs pages point at their pages
    on the site, and nbconvert's MathJax loader is left out."""
    from mkdocs.exceptions import PluginError

    if not page.file.src_uri.endswith(".ipynb"):
        return html

    def site_link(match: re.Match[str]) -> str:
        target = match["target"]
        uri = target.removeprefix("../../docs/") if target.endswith(".md") else f"{SECTION}/{target}"
        file = files.get_file_from_path(uri)
        if file is None:
            raise PluginError(f"{page.file.src_uri} links to {target}, which is not a page of the site")
        return f'href="{file.url_relative_to(page.file)}{match["anchor"] or ""}"'

    return _MATHJAX.sub("", _LINK.sub(site_link, html))


def on_post_build(config: Any) -> None:
    _cleanup()


def on_build_error(error: Exception) -> None:
    _cleanup()


def on_shutdown() -> None:
    _cleanup()
