"""Browser tests of the web console: Debian's Chromium driven by Playwright.

Every page a test opens is watched: a request to any host but 127.0.0.1 is aborted and
fails the test, and so does an error on the browser's console (a script error, a CSP
violation, a failed load) unless the test says it provokes that one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from console_page import LOCAL_SCHEMES, Console, open_console
from live_service import LiveService, start_service

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module. Not for the whole session: while it is open,
    Playwright's event loop runs in this thread, and asyncio.run() in other tests refuses."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(
                "Debian's chromium is missing: .ci/run installs it (apt-get install chromium)"
            )
        pytest.skip("Debian's chromium is not installed: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LiveService]:
    live = start_service(tmp_path / "data")
    yield live
    live.stop()


@pytest.fixture
def console(browser: Any, service: LiveService) -> Iterator[Console]:
    """A 1280x800 page on a fresh service; checks on teardown that nothing left 127.0.0.1
    and that the browser's console shows no error."""
    page, context = open_console(browser, service)
    yield page
    context.close()
    assert page.foreign == [], f"requests left 127.0.0.1: {page.foreign}"
    assert all(
        urlsplit(u).hostname == "127.0.0.1" or urlsplit(u).scheme in LOCAL_SCHEMES
        for u in page.requests
    )
    assert page.unexpected_errors() == [], f"browser console errors: {page.unexpected_errors()}"


@pytest.fixture
def screenshots_dir(request: pytest.FixtureRequest) -> Path:
    chosen = request.config.getoption("--screenshots")
    if not chosen:
        pytest.skip("screenshots are made with --screenshots DIR (e.g. docs/img)")
    folder = Path(chosen)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
