"""A console page under watch: requests to any host but 127.0.0.1 are aborted and recorded,
and so are the browser console's errors, dialogs and every URL asked for."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from live_service import LiveService

LOCAL_SCHEMES = ("data", "blob", "about")


@dataclass
class Console:
    """One browser page on the live service, with what it asked for and what it logged."""

    service: LiveService
    page: Any
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    allowed_errors: list[re.Pattern[str]] = field(default_factory=list)

    def allow_console_error(self, pattern: str) -> None:
        """An error the test provokes on purpose (e.g. a refused request logs one)."""
        self.allowed_errors.append(re.compile(pattern))

    def open(self, hash_: str = "") -> None:
        self.page.goto(f"{self.service.url}/{hash_}")

    def sign_in(self, key: str | None = None) -> None:
        from playwright.sync_api import expect

        self.open()
        self.page.get_by_label("Service key").fill(key or self.service.admin_key)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_role("navigation", name="Pages")).to_be_visible()
        # the first page has loaded: its own heading, not the sign-in form's (still shown
        # while the page's data is fetched; a test that acts then races that fetch)
        heading = self.page.locator("main h1")
        expect(heading).to_be_visible()
        expect(heading).not_to_have_text("Sign in")

    def go(self, page_title: str) -> None:
        from playwright.sync_api import expect

        self.page.get_by_role("navigation", name="Pages").get_by_role(
            "link", name=page_title
        ).click()
        expect(self.page.get_by_role("heading", name=page_title, level=1)).to_be_visible()

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed_errors)]


def _watch(console: Console, context: Any) -> None:
    def route(route: Any) -> None:
        url = route.request.url
        console.requests.append(url)
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES or parts.hostname == "127.0.0.1":
            route.continue_()
        else:
            console.foreign.append(url)
            route.abort()

    context.route("**/*", route)
    page = console.page
    page.on("console", lambda m: m.type == "error" and console.errors.append(m.text))
    page.on("pageerror", lambda exc: console.errors.append(f"page error: {exc}"))

    def dialog(d: Any) -> None:
        console.dialogs.append(d.message)
        d.accept()

    page.on("dialog", dialog)


def open_console(
    browser: Any, service: LiveService, width: int = 1280, height: int = 800
) -> tuple[Console, Any]:
    context = browser.new_context(
        viewport={"width": width, "height": height}, accept_downloads=True
    )
    console = Console(service, context.new_page())
    _watch(console, context)
    return console, context
