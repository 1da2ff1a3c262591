"""The documentation is true, and the site works in a real browser.

* Every REPL session on a page of docs/ runs as a doctest, every other Python example runs,
  every `$ autograd-scalar …` session prints what the page shows, and the "Adding an op"
  row, pasted into a copy of the op table, is all an op needs.
* The site is built with `mkdocs build --strict` into a temporary folder (the tutorial
  notebooks are the copies tests/test_notebooks.py executed), served over http from
  127.0.0.1, and opened in Debian's Chromium: every page loads without a console error,
  every image draws, no request leaves 127.0.0.1, and the search finds `explain`.

The site tests skip where MkDocs (the `[docs]` extra), Chromium or Playwright is missing,
unless AUTOGRAD_SCALAR_REQUIRE_CHROMIUM is set (as `.ci/run` sets it): then they fail.
"""

from __future__ import annotations

import doctest
import functools
import http.server
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import browser
import nbformat
import pytest
from test_notebooks import KEY_OUTPUTS, executed, hook

ADDED_OP_CHECK = """
import math
import autograd_scalar as ag
from autograd_scalar.app.expression import FUNCTIONS
from autograd_scalar.testing import DEFAULT_OPS, sympy_table

x = ag.Value(0.4)
assert abs(ag.logcosh(0.4) - math.log(math.cosh(0.4))) < 1e-15  # exported, a float for a number
assert ag.logcosh(800.0) == 800.0 - math.log(2.0)               # and no overflow
y = ag.logcosh(x)
y.backward()
assert abs(x.grad - math.tanh(0.4)) < 1e-16                     # its rule: tanh
for t in (-40.0, -1.0, 0.3, 5.0):
    assert ag.gradcheck(lambda v: ag.logcosh(v), t)
assert ag.check_local_grads(ag.logcosh(x) * 2) == 3
assert FUNCTIONS["logcosh"] is ag.logcosh                       # the command line knows it
assert "logcosh" in {spec.name for spec in DEFAULT_OPS}         # the strategies draw it
assert "logcosh" in sympy_table()                                # the oracle translates it
step = ag.compile(lambda v: ag.logcosh(v) * v)
assert step(0.7) == ag.value_and_grad(lambda v: ag.logcosh(v) * v, argnums=(0,))(0.7)
assert "logcosh(a0)" in step.source and "op" not in step.source  # written inline
print("ok")
"""


ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.DOTALL | re.MULTILINE)
RECIPE = DOCS / "guides" / "adding-an-op.md"


def page_id(page: Path) -> str:
    return page.relative_to(DOCS).as_posix()


def fenced(page: Path, language: str) -> list[str]:
    """The page's code blocks in `language`, in order."""
    return [m[2] for m in FENCE.finditer(page.read_text(encoding="utf-8")) if m[1] == language]


# -- the pages' examples ------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_repl_sessions(page, tmp_path, monkeypatch):
    """The page's `>>>` sessions, run as doctests (the way tests/test_readme.py runs the README's)."""
    monkeypatch.chdir(tmp_path)  # the examples write files
    result = doctest.testfile(str(page), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_pages_have_repl_sessions():
    sessions = sum(block.count("\n>>> ") + block.startswith(">>> ") for p in PAGES for block in fenced(p, "python"))
    assert sessions > 100


SCRIPTS = [
    pytest.param(page, k, id=f"{page_id(page)}-{k}")
    for page in PAGES
    if page != RECIPE  # its blocks need the op table edited: test_adding_an_op_is_one_row
    for k, block in enumerate(fenced(page, "python"))
    if ">>>" not in block
]


@pytest.mark.parametrize(("page", "k"), SCRIPTS)
def test_page_code_runs(page, k, tmp_path, monkeypatch):
    """A code block that is not a REPL session runs as it stands; the tests it defines pass."""
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "docs_example"}
    exec(compile(fenced(page, "python")[k], f"{page_id(page)} block {k}", "exec"), namespace)
    for name, value in namespace.items():
        if name.startswith("test_") and callable(value):
            value()  # a Hypothesis test runs its examples here


SESSIONS = [
    pytest.param(page, block, id=f"{page_id(page)}-{k}")
    for page in PAGES
    for k, block in enumerate(fenced(page, "console"))
]


@pytest.mark.parametrize(("page", "block"), SESSIONS)
def test_command_line_sessions(page, block, tmp_path):
    """Each `$ autograd-scalar …` line prints what follows it on the page (stdout, then stderr)."""
    commands = re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]
    assert commands, "a console block without a command"
    for session in commands:
        command, _, shown = session.partition("\n")
        argv = shlex.split(command)
        assert argv[0] == "autograd-scalar", command
        result = subprocess.run(
            [sys.executable, "-m", "autograd_scalar", *argv[1:]], capture_output=True, text=True, cwd=tmp_path
        )
        assert (result.stdout + result.stderr).rstrip("\n") == shown.rstrip("\n"), command


def test_adding_an_op_is_one_row(tmp_path):
    """The page's row, pasted into a copy of the op table, is all it takes: its "trying it
    out" block runs, and the op is exported, parsed, drawn by the strategies, translated for
    SymPy and inlined by compile (the checks tests/test_readme.py makes of the README's row)."""
    row, try_it = fenced(RECIPE, "python")
    assert row.startswith("# in autograd_scalar/core/ops.py")
    copy = tmp_path / "autograd_scalar"
    shutil.copytree(ROOT / "autograd_scalar", copy, ignore=shutil.ignore_patterns("__pycache__"))
    table = copy / "core" / "ops.py"
    source = table.read_text()
    assert source.count("# fmt: on\n") == 1
    table.write_text(source.replace("# fmt: on\n", row + "# fmt: on\n"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}

    def run(*args: str) -> str:
        result = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert run("-c", ADDED_OP_CHECK).strip() == "ok"
    grad, check, *generated = run("-c", try_it).splitlines()
    assert float(grad) == pytest.approx(math.tanh(0.4), abs=1e-15)
    assert check == "True"
    assert any("logcosh(a0)" in line for line in generated)
    assert "2000000" not in run("-m", "autograd_scalar", "grad", "logcosh(x)", "x=0.4")


# -- the built site -----------------------------------------------------------------------


def unavailable(reason: str) -> None:
    if os.environ.get(browser.REQUIRE):
        pytest.fail(f"{browser.REQUIRE} is set, so the site tests must run, but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site, built with --strict from the notebooks as tests/test_notebooks.py ran them."""
    for module in ("mkdocs", "material", "mkdocstrings", "mkdocs_jupyter"):
        try:
            __import__(module)
        except ImportError:
            unavailable(f"the site cannot be built here: {module} is missing (pip install -e '.[docs]')")
    notebooks = tmp_path_factory.mktemp("executed")
    for name in KEY_OUTPUTS:
        nbformat.write(executed(name), notebooks / f"{name}.ipynb")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, hook.EXECUTED: str(notebooks), "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    print(f"mkdocs build --strict: {time.perf_counter() - start:.1f} s")
    return out


def html_pages(site: Path) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


def test_every_page_and_notebook_is_built(site):
    built = {p.relative_to(site).parent.as_posix() for p in html_pages(site)}
    expected = {"."} | {p.relative_to(DOCS).with_suffix("").as_posix() for p in PAGES}
    expected = {e.removesuffix("/index") if e.endswith("/index") else e for e in expected}
    expected |= {f"tutorials/{name}" for name in KEY_OUTPUTS}
    assert built == expected - {"index"}


def test_every_public_name_has_a_reference_entry(site):
    import autograd_scalar
    import autograd_scalar.datasets
    import autograd_scalar.nn
    import autograd_scalar.testing
    import viz

    for page, module in {
        "autograd_scalar": autograd_scalar,
        "nn": autograd_scalar.nn,
        "datasets": autograd_scalar.datasets,
        "testing": autograd_scalar.testing,
        "viz": viz,
    }.items():
        names = getattr(module, "__all__", None) or [
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and getattr(value, "__module__", module.__name__) == module.__name__
            and not isinstance(value, type(sys))
        ]
        ids = set(re.findall(r'id="([^"]+)"', (site / "reference" / page / "index.html").read_text()))
        missing = [name for name in names if f"{module.__name__}.{name}" not in ids]
        assert missing == [], f"reference/{page} has no entry for {missing}"


EXTERNAL = re.compile(
    r'<(?:script|link|img|iframe|source|audio|video|embed)\b[^>]*?\b(?:src|href)="((?:https?:)?//[^"]*)"'
)


def test_no_page_loads_anything_from_the_network(site):
    """No script, stylesheet, font or image comes from another host (links to read are fine)."""
    found = {p.relative_to(site).as_posix(): EXTERNAL.findall(p.read_text()) for p in site.rglob("*.html")}
    assert {page: urls for page, urls in found.items() if urls} == {}
    for css in site.rglob("*.css"):
        assert not re.search(r"url\((['\"]?)(https?:)?//", css.read_text()), css


def test_internal_links_resolve(site):
    broken = []
    for page in html_pages(site):
        for target in re.findall(r'<a\b[^>]*?\bhref="([^"#]+)', page.read_text()):
            if re.match(r"[a-z]+:|//", target):
                continue
            path = (page.parent / target).resolve()
            if not (path.is_file() or (path / "index.html").is_file()):
                broken.append((page.relative_to(site).as_posix(), target))
    assert broken == []


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(site):
    """The site over http on 127.0.0.1 (Material's search needs http, not file:)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def site_page(chromium, base: str):
    """A page that may read the site and nothing else: any other request is aborted and
    recorded, and the block fails if the page logged an error or reached anywhere else."""
    with browser.offline_page(chromium) as watched:
        # Registered after offline_page's catch-all, so it is asked first: the site passes.
        watched.page.context.route(f"{base}**", lambda route: route.continue_())
        yield watched
        watched.assert_quiet_and_offline()


IMAGES = "els => els.map(e => ({src: e.currentSrc.slice(0, 60), complete: e.complete, width: e.naturalWidth}))"


def test_every_page_loads_cleanly(chromium_browser, served, site):
    problems = {}
    with site_page(chromium_browser, served) as watched:
        for page in html_pages(site):
            path = page.relative_to(site).parent.as_posix()
            url = served + ("" if path == "." else path + "/")
            watched.page.goto(url, wait_until="load")
            images = watched.page.eval_on_selector_all("img", IMAGES)
            broken = [image for image in images if not (image["complete"] and image["width"] > 0)]
            if broken or watched.console_errors or watched.network_requests:
                problems[path] = (broken, list(watched.console_errors), list(watched.network_requests))
            watched.console_errors.clear()
            watched.network_requests.clear()
        assert problems == {}


def test_tutorial_pages_show_pictures_and_play_the_animation(chromium_browser, served):
    with site_page(chromium_browser, served) as watched:
        page = watched.page
        page.goto(served + "tutorials/01_shop_receipt/", wait_until="load")
        assert page.locator("img").count() >= 3
        animation = page.locator(".backward-animation")
        assert animation.count() == 1
        position = animation.locator(".position")
        assert position.text_content() == "frame 1 of 5"
        animation.locator("button", has_text="next").click()
        assert position.text_content() == "frame 2 of 5"
        page.goto(served + "tutorials/06_moons_and_spirals/", wait_until="load")
        assert page.locator("img").count() >= 4


def test_search_finds_explain(chromium_browser, served):
    with site_page(chromium_browser, served) as watched:
        page = watched.page
        page.goto(served, wait_until="load")
        search = page.locator("input.md-search__input")
        search.click()
        search.type("explain")
        results = page.locator(".md-search-result__item")
        results.first.wait_for(state="visible")
        links = page.eval_on_selector_all(".md-search-result__link", "els => els.map(e => e.href)")
        assert any(link.startswith(served + "guides/explain/") for link in links), links
