"""Headless Chromium for tests: Debian's chromium, driven by Playwright, offline and watched.

`playwright install` downloads browsers and cannot work without a network; it is not needed.
Playwright's Python wheel carries its own driver (a bundled Node.js), and that driver runs the
system Chromium named by its path. Nothing here reaches the network: every request that is not
for a local file is aborted and recorded, so a test can say none was attempted.

Test files use it through fixtures (see `chromium_browser` and `chromium_page` in
test_browser.py); the helpers here hold no pytest state, so any test file can build its own.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
REQUIRE = "AUTOGRAD_SCALAR_REQUIRE_CHROMIUM"
"""Set (as `.ci/run` does) to make a missing browser fail the browser tests instead of skipping them."""

HOW_TO_INSTALL = (
    "install Debian's Chromium (apt install chromium) and Playwright for Python (pip install -e '.[test]'); "
    "do not run `playwright install`, which downloads browsers: Playwright drives /usr/bin/chromium"
)


def unavailable() -> str | None:
    """Why the browser tests cannot run here, and how to fix it; None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return f"Playwright for Python is not installed: {HOW_TO_INSTALL}"
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        where = f" (there is one at {found}, but the tests use {CHROMIUM})" if found else ""
        return f"{CHROMIUM} is missing{where}: {HOW_TO_INSTALL}"
    return None


@contextmanager
def chromium() -> Iterator[Browser]:
    """Headless Chromium, closed (with Playwright's driver) however the block ends."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True, timeout=30_000
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class OfflinePage:
    """A page whose console errors and attempted network requests are recorded."""

    page: Page
    console_errors: list[str] = field(default_factory=list)
    network_requests: list[str] = field(default_factory=list)

    def assert_quiet_and_offline(self) -> None:
        assert self.console_errors == [], "the page logged errors"
        assert self.network_requests == [], "the page tried to reach the network"


@contextmanager
def offline_page(browser: Browser, viewport: dict[str, int] | None = None) -> Iterator[OfflinePage]:
    """A fresh page (in its own context, 1280×800 unless told) that may read local files only."""
    context = browser.new_context(viewport=viewport or VIEWPORT, service_workers="block")
    try:
        context.set_default_timeout(10_000)
        watched = OfflinePage(context.new_page())

        def local_only(route: Route) -> None:
            url = route.request.url
            if url.startswith(("file:", "data:", "about:")):
                route.continue_()
            else:
                watched.network_requests.append(url)
                route.abort()

        context.route("**/*", local_only)
        watched.page.on("console", lambda m: watched.console_errors.append(m.text) if m.type == "error" else None)
        watched.page.on("pageerror", lambda e: watched.console_errors.append(str(e)))
        yield watched
    finally:
        context.close()
