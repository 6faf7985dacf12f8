"""The console's quality items in the browser: keyboard use, labelled controls, the CSP at
work, empty states, names as text on every page, the time-range picker, keys' last use, no
layout shift while streaming, and a narrow screen with a result on it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from console_page import Console, open_console
from live_service import LiveService, add_scripted_connector, call, seed_usage
from playwright.sync_api import expect

from openai_connector.store.records import UsageRecord
from scripted_server import Recorded, Reply, ScriptedServer, chat_body, chat_chunks

XSS = "<img src=x onerror=alert(1)>"
LONG_ANSWER = [f"line {n} of a long streamed answer\n" for n in range(40)]


@pytest.fixture
def provider(console: Console, server: ScriptedServer) -> Iterator[ScriptedServer]:
    """models, chat and streamed chat; ``server.stream_delay`` seconds before a stream."""
    if not console.service.has_run_api:
        pytest.skip("this service has no POST /api/connectors/{id}/execute route (the run API)")
    delay = {"stream": 0.0}

    def answer(request: Recorded) -> Reply:
        if request.path.endswith("/models"):
            return Reply(json={"object": "list", "data": [{"id": "gpt-4o-mini"}]})
        if request.json.get("stream"):
            return Reply(events=chat_chunks(LONG_ANSWER), delay=delay["stream"])
        return Reply(json=chat_body("Hello from the scripted provider"))

    server.default = answer
    server.stream_delay = delay  # type: ignore[attr-defined]
    add_scripted_connector(console.service, server.url)
    yield server


def _tab_to(console: Console, role: str, name: str, limit: int = 80) -> None:
    """Press Tab until the element of that role and accessible name has the focus."""
    page = console.page
    target = page.get_by_role(role, name=name, exact=True)  # type: ignore[arg-type]
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{name}: no visible focus"
            return
    raise AssertionError(f"Tab never reached the {role} {name!r}")


def test_keyboard_alone_signs_in_tests_a_connector_and_runs_a_chat(
    console: Console, provider: ScriptedServer
) -> None:
    page = console.page
    console.open()
    page.keyboard.type(console.service.admin_key)  # the key field has the focus on arrival
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Connectors", level=1)).to_be_visible()

    _tab_to(console, "link", "scripted")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="scripted", level=2)).to_be_focused()
    _tab_to(console, "button", "Test connection")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Connection works.")).to_be_visible()

    _tab_to(console, "link", "Playground")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Playground", level=1)).to_be_visible()
    _tab_to(console, "searchbox", "Search operations")
    page.keyboard.type("chat completion")
    _tab_to(console, "listbox", "Operation")
    operation = page.get_by_label("Operation", exact=True)
    for _ in range(50):
        if operation.input_value() == "chat.create":
            break
        page.keyboard.press("ArrowDown")
    expect(page.get_by_role("heading", name="chat.create", level=2)).to_be_visible()
    _tab_to(console, "textbox", "prompt")
    page.keyboard.type("What is the answer?")
    _tab_to(console, "checkbox", "Stream the answer")
    page.keyboard.press("Space")
    expect(page.get_by_label("Stream the answer")).not_to_be_checked()
    _tab_to(console, "button", "Run")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Envelope")).to_contain_text("Hello from the scripted provider")


_UNLABELLED = """() => {
  const named = (el) => {
    if (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")) return true;
    if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
    if (["BUTTON", "A"].includes(el.tagName) && el.textContent.trim()) return true;
    return Boolean(el.getAttribute("title"));
  };
  const all = document.querySelectorAll(
    "input, select, textarea, button, a[href], [tabindex]:not(main):not(h2)");
  return [...all].filter((el) => el.offsetParent !== null || el.closest("svg"))
    .filter((el) => !named(el)).map((el) => el.outerHTML.slice(0, 120));
}"""


def test_every_control_on_every_page_has_a_name(console: Console, provider: ScriptedServer) -> None:
    seed_usage(console.service.store, days=3)
    console.sign_in()
    page = console.page
    seen = []

    def check(where: str) -> None:
        unlabelled = page.evaluate(_UNLABELLED)
        assert unlabelled == [], f"{where}: {unlabelled}"
        seen.append(where)

    check("connectors")
    page.get_by_role("button", name="New connector").click()
    check("new connector form")
    page.get_by_role("link", name="scripted").click()
    check("connector detail")
    page.get_by_role("button", name="Edit").click()
    check("edit form")
    console.go("Playground")
    page.get_by_label("Search operations").fill("chat completion")
    page.get_by_label("Operation", exact=True).select_option("chat.create")
    page.get_by_label(re.compile(r"^prompt")).fill("hi")
    page.get_by_label("Stream the answer").uncheck()
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_label("Envelope")).to_contain_text("Hello from")
    check("playground with a result")
    console.go("Usage")
    expect(page.get_by_role("group", name="Tokens per day, by model")).to_be_visible()
    check("usage")
    console.go("Keys")
    check("keys")
    assert len(seen) == 7


def test_the_policy_stops_inline_scripts_and_other_origins_in_the_browser(
    console: Console,
) -> None:
    # Chromium reports each blocked action on the console: these three are provoked here
    console.allow_console_error(r"inline script violates .*script-src 'self'")
    console.allow_console_error(r"127\.0\.0\.2:9/x' violates .*connect-src 'self'")
    console.allow_console_error(r"127\.0\.0\.2:9/pixel\.png' violates .*img-src 'self'")
    console.allow_console_error(r"Fetch API cannot load http://127\.0\.0\.2:9/x\. Refused")
    console.sign_in()
    page = console.page
    outcome = page.evaluate(
        """async () => {
      const s = document.createElement("script");
      s.textContent = "window.__inline_ran = true";
      document.body.append(s);
      const img = document.createElement("img");
      const loaded = new Promise((ok) => {
        img.onload = () => ok("loaded");
        img.onerror = () => ok("refused");
      });
      img.src = "http://127.0.0.2:9/pixel.png";
      document.body.append(img);
      let fetched;
      try { await fetch("http://127.0.0.2:9/x"); fetched = "sent"; } catch { fetched = "refused"; }
      return { inline: window.__inline_ran === true, fetched, image: await loaded };
    }"""
    )
    assert outcome == {"inline": False, "fetched": "refused", "image": "refused"}
    assert not [u for u in console.requests if "127.0.0.2" in u]  # the browser never asked
    assert len(console.errors) == 4, console.errors  # each one refused by the policy


def test_empty_states_say_what_to_do_next(browser: Any, service: LiveService) -> None:
    for role, connectors_hint in (
        ("admin", "Create one with “New connector”"),
        ("viewer", "Ask an admin to create one"),
    ):
        console, context = open_console(browser, service)
        try:
            console.sign_in(service.admin_key if role == "admin" else service.key("viewer"))
            page = console.page
            expect(page.get_by_text("No connectors yet.")).to_be_visible()
            expect(page.get_by_text(connectors_hint)).to_be_visible()
            if role == "admin":
                console.go("Playground")
                expect(
                    page.get_by_text("No connector to run yet: create one on the Connectors page")
                ).to_be_visible()
            console.go("Usage")
            expect(page.get_by_text("No calls in this range.")).to_be_visible()
            expect(page.get_by_text("Run a connector from the Playground")).to_be_visible()
        finally:
            context.close()
        assert console.foreign == [] and console.unexpected_errors() == []


def test_names_like_html_are_text_on_every_page(console: Console) -> None:
    service = console.service
    status, _ = call(
        service,
        "POST",
        "/api/connectors",
        body={
            "name": XSS,
            "provider": "compatible",
            "description": XSS,
            "config": {"base_url": "http://127.0.0.1:9/v1", "default_model": XSS},
            "secrets": {"api_key": "sk-seeded-0000"},
            "tags": [XSS],
        },
    )
    assert status == 201
    service.store.keys.create(XSS, "viewer")
    service.store.usage.record(
        UsageRecord(operation="chat.create", connector=XSS, model=XSS, prompt_tokens=3)
    )
    console.sign_in()
    page = console.page
    page.get_by_role("link", name=XSS, exact=True).click()
    expect(page.get_by_role("heading", name=XSS, level=2)).to_be_visible()
    console.go("Playground")
    expect(page.get_by_label("Connector")).to_contain_text(XSS)
    console.go("Usage")
    expect(page.get_by_role("table", name="Latest calls")).to_contain_text(XSS)
    page.get_by_role("group", name="Tokens per day, by model").get_by_role("img").first.hover()
    expect(page.locator("#chart-tip")).to_contain_text(XSS)
    console.go("Keys")
    expect(page.get_by_role("row").filter(has_text=XSS)).to_contain_text("viewer")
    assert page.locator("img").count() == 0
    assert console.dialogs == []


def test_the_time_range_picker_counts_the_calls_of_each_range(console: Console) -> None:
    now = datetime.now(UTC)
    for back in (timedelta(hours=1), timedelta(days=3), timedelta(days=20), timedelta(days=60)):
        console.service.store.usage.record(
            UsageRecord(operation="chat.create", connector="c", time=now - back)
        )
    console.sign_in()
    console.go("Usage")
    page = console.page
    calls = page.locator(".stat").filter(has_text="Calls").locator(".stat-value")
    expect(calls).to_have_text("3")  # the default: the last 30 days
    for value, count in (("1", "1"), ("7", "2"), ("30", "3"), ("90", "4")):
        page.get_by_label("Time range").select_option(value)
        expect(calls).to_have_text(count)
    page.get_by_label("Time range").select_option("custom")
    page.get_by_label("From (UTC)").fill((now - timedelta(days=61)).strftime("%Y-%m-%d"))
    page.get_by_label("To (UTC, exclusive)").fill((now - timedelta(days=10)).strftime("%Y-%m-%d"))
    page.get_by_label("To (UTC, exclusive)").dispatch_event("change")
    expect(calls).to_have_text("2")  # 60 and 20 days ago


def test_keys_show_their_last_use(console: Console) -> None:
    key = console.service.key("operator", "robot")
    console.sign_in()
    console.go("Keys")
    row = console.page.get_by_role("row").filter(has_text="robot")
    expect(row).to_contain_text("never")
    assert call(console.service, "GET", "/api/me", key)[0] == 200
    used = next(k for k in console.service.store.keys.all() if k.name == "robot").last_used
    assert used is not None
    console.page.reload()
    expect(row).to_contain_text(used.strftime("%Y-%m-%d %H:%M"))
    expect(row).not_to_contain_text("never")


_OBSERVE_SHIFTS = """() => {
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      window.__shifts.push({ value: e.value, recent: e.hadRecentInput });
    }
  }).observe({ type: "layout-shift" });
}"""


def test_no_layout_shift_while_an_answer_streams(
    console: Console, provider: ScriptedServer
) -> None:
    provider.stream_delay["stream"] = 0.8  # type: ignore[attr-defined]  # past the click's 500 ms
    console.sign_in()
    page = console.page
    console.go("Playground")
    page.get_by_label("Search operations").fill("chat completion")
    page.get_by_label("Operation", exact=True).select_option("chat.create")
    page.get_by_label(re.compile(r"^prompt")).fill("Tell me a long story.")
    page.get_by_label("Stream the answer").check()
    page.evaluate(_OBSERVE_SHIFTS)
    page.get_by_role("button", name="Run").click()
    streamed = page.get_by_label("Streamed answer")
    expect(streamed).to_contain_text("line 39 of a long streamed answer")
    expect(page.get_by_label("Envelope")).to_contain_text('"status": 200')
    page.wait_for_timeout(200)  # let the observer report
    shifts = page.evaluate("window.__shifts.filter((s) => !s.recent)")
    assert shifts == [], f"the page moved while the answer streamed: {shifts}"
    box = streamed.evaluate("el => [el.clientHeight, el.scrollHeight, el.scrollTop]")
    assert box[1] > box[0] and box[2] > 0  # a fixed box, scrolled to the tail


def test_a_result_fits_a_390_px_screen(browser: Any, service: LiveService) -> None:
    console, context = open_console(browser, service, width=390, height=844)
    server = ScriptedServer().start()
    try:
        server.default = Reply(json=chat_body("A narrow answer " * 30))
        call(
            service,
            "POST",
            "/api/connectors",
            body={
                "name": "narrow",
                "provider": "compatible",
                "config": {"base_url": f"{server.url}/v1", "default_model": "gpt-4o-mini"},
                "secrets": {"api_key": "sk-narrow-0001"},
            },
        )
        console.sign_in()
        console.go("Playground")
        page = console.page
        page.get_by_label("Search operations").fill("chat completion")
        page.get_by_label("Operation", exact=True).select_option("chat.create")
        page.get_by_label(re.compile(r"^prompt")).fill("x" * 300)
        page.get_by_label("Stream the answer").uncheck()
        page.get_by_role("button", name="Run").click()
        expect(page.get_by_label("Envelope")).to_contain_text("A narrow answer")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
        server.stop()
    assert console.foreign == [] and console.unexpected_errors() == []


_EMPTY_AFTER_EXAMPLE = """(example) => {
  const form = document.querySelector("form[aria-label^='Input of'] .schema-form");
  const empty = [];
  for (const [name, value] of Object.entries(example)) {
    if (name === "stream") continue;  // the "Stream the answer" box, checked below
    const controls = [...form.querySelectorAll(`:scope > .field > [name="${name}"]`)];
    if (controls.length) {
      if (controls.some((c) => c.type === "file")) continue;  // a path cannot fill a chooser
      if (!controls.some((c) => c.value !== "")) empty.push(name);
      continue;
    }
    const box = [...form.querySelectorAll(":scope > fieldset")].find(
      (f) => f.querySelector("legend")?.textContent === name);
    const inner = box ? [...box.querySelectorAll("input, select, textarea")] : [];
    const something = value !== null && (typeof value !== "object" || Object.keys(value).length);
    if (something && !inner.some((c) => c.value !== "")) empty.push(name);
  }
  return empty;
}"""


def test_example_fills_every_field_of_every_operation(console: Console) -> None:
    status, made = call(
        console.service,
        "POST",
        "/api/connectors",
        body={"name": "any", "provider": "openai", "secrets": {"api_key": "sk-any-0001"}},
    )
    assert status == 201, made
    status, operations = call(console.service, "GET", "/api/operations")
    assert status == 200 and len(operations) >= 30
    console.sign_in()
    console.go("Playground")
    page = console.page
    unfilled = {}
    for entry in operations:
        op = entry["id"]
        example = call(console.service, "GET", f"/api/operations/{op}")[1]["example_input"]
        page.get_by_label("Operation", exact=True).select_option(op)
        expect(page.get_by_role("heading", name=op, level=2)).to_be_visible()
        page.get_by_role("button", name="Example").click()
        empty = page.evaluate(_EMPTY_AFTER_EXAMPLE, example or {})
        if "stream" in (example or {}):
            streamed = page.get_by_label("Stream the answer")
            if streamed.is_checked() != bool(example["stream"]):
                empty.append("stream")
        if empty:
            unfilled[op] = empty
    assert unfilled == {}


def test_clear_empties_the_form_and_keeps_streaming_on(console: Console) -> None:
    call(
        console.service,
        "POST",
        "/api/connectors",
        body={"name": "any", "provider": "openai", "secrets": {"api_key": "sk-any-0001"}},
    )
    console.sign_in()
    console.go("Playground")
    page = console.page
    page.get_by_label("Operation", exact=True).select_option("chat.create")
    stream = page.get_by_label("Stream the answer")
    expect(stream).to_be_checked()  # chat streams by default
    page.get_by_role("button", name="Example").click()
    expect(page.get_by_label(re.compile(r"^prompt"))).not_to_have_value("")
    stream.uncheck()
    page.get_by_role("button", name="Clear").click()
    expect(page.get_by_label(re.compile(r"^prompt"))).to_have_value("")
    expect(stream).to_be_checked()
