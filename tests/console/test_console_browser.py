"""The console in headless Chromium: sign in, connectors, keys, viewer role, layout."""

from __future__ import annotations

from typing import Any

import pytest
from console_page import Console, open_console
from live_service import LiveService, call, seed_usage
from playwright.sync_api import expect

from scripted_server import ScriptedServer

XSS = "<img src=x onerror=alert(1)>"
PAGES = ("Connectors", "Playground", "Usage", "Keys")


def test_sign_in_then_every_page_opens_without_errors(console: Console) -> None:
    console.sign_in()
    page = console.page
    expect(page.get_by_text("admin (admin)")).to_be_visible()
    for title in PAGES:
        console.go(title)
    assert page.evaluate("sessionStorage.length") == 1
    assert page.evaluate("localStorage.getItem('openai-connector.key')") is None


def test_a_wrong_key_is_refused_with_the_services_message(console: Console) -> None:
    console.allow_console_error("status of 401")
    console.open()
    console.page.get_by_label("Service key").fill("ocs_not-a-key")
    console.page.keyboard.press("Enter")  # keyboard only: the field has focus on arrival
    expect(console.page.get_by_role("alert")).to_contain_text("unknown or revoked")
    expect(console.page.get_by_role("navigation", name="Pages").get_by_role("link")).to_have_count(
        0
    )


def test_create_a_connector_against_the_scripted_provider(
    console: Console, server: ScriptedServer
) -> None:
    console.sign_in()
    page = console.page
    page.get_by_role("button", name="New connector").click()
    page.get_by_label("Name", exact=True).fill("local-provider")
    page.get_by_label("Provider").select_option("compatible")
    page.get_by_label("base_url").fill(f"{server.url}/v1")
    page.get_by_label("default_model").fill("gpt-4o-mini")
    page.get_by_label("max_retries").fill("2")
    page.get_by_label("api_key (secret, write-only)").fill("sk-console-secret-1234")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="local-provider", level=2, exact=True)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="local-provider")
    expect(row).to_contain_text("compatible")
    expect(row).to_contain_text("gpt-4o-mini")
    expect(row).to_contain_text("api_key: set")
    expect(row).to_contain_text("not tested")
    stored = console.service.store.connectors.get("local-provider")
    assert stored.config["base_url"] == f"{server.url}/v1"
    assert stored.config["retry"] == {"max_retries": 2}
    assert "sk-console-secret-1234" not in page.content()

    # Edit: the secret says "set", is not shown, and is replaced only on request.
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_text("api_key: set")).to_be_visible()
    expect(page.get_by_label("api_key (secret, write-only)")).to_be_hidden()
    page.get_by_label("Description").fill("edited in the console")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("edited in the console", exact=True)).to_be_visible()
    secrets = console.service.store.connectors.connector_secrets(stored.id)
    assert secrets["api_key"] == "sk-console-secret-1234"
    page.get_by_role("link", name="local-provider").click()
    page.get_by_role("button", name="Edit").click()
    page.get_by_role("button", name="Replace api_key").click()
    page.get_by_label("api_key (secret, write-only)").fill("sk-rotated-5678")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="local-provider", level=2, exact=True)).to_be_visible()
    assert (
        console.service.store.connectors.connector_secrets(stored.id)["api_key"]
        == "sk-rotated-5678"
    )
    assert server.requests == []  # making and editing a connector sends nothing to it


def test_a_refused_form_names_the_field(console: Console) -> None:
    console.allow_console_error("status of 422")
    console.sign_in()
    page = console.page
    page.get_by_role("button", name="New connector").click()
    page.get_by_label("Name", exact=True).fill("bad")
    page.get_by_label("max_retries").fill("-3")
    page.get_by_role("button", name="Create").click()  # the browser holds it: min is 0
    assert page.get_by_label("max_retries").evaluate("e => e.validity.rangeUnderflow")
    page.get_by_label("max_retries").fill("")
    page.get_by_label("base_url").fill("http://user:hunter2-pass@127.0.0.1:9/v1")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("alert")).to_contain_text("config.base_url: the URL holds a credential")
    expect(page.get_by_role("alert")).not_to_contain_text("hunter2")
    assert console.service.store.connectors.all() == []


def _create(service: LiveService, name: str, **extra: Any) -> dict[str, Any]:
    body = {
        "name": name,
        "provider": "compatible",
        "config": {"base_url": "http://127.0.0.1:9/v1", "default_model": "gpt-4o-mini"},
        "secrets": {"api_key": "sk-seeded-0000"},
        **extra,
    }
    status, data = call(service, "POST", "/api/connectors", body=body)
    assert status == 201, data
    return dict(data)


def test_a_connector_named_like_html_renders_as_text(console: Console) -> None:
    _create(console.service, XSS, description=f"described as {XSS}", tags=[XSS])
    console.sign_in()
    page = console.page
    link = page.get_by_role("link", name=XSS, exact=True)
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", name=XSS, level=2)).to_be_visible()
    expect(page.get_by_text(f"described as {XSS}")).to_be_visible()
    assert page.locator("main img").count() == 0
    console.go("Usage")
    console.go("Connectors")
    assert console.dialogs == []


def test_keys_create_shown_once_then_revoke_refuses_the_next_request(console: Console) -> None:
    console.sign_in()
    page = console.page
    console.go("Keys")
    page.get_by_label("Name").fill("ci-robot")
    page.get_by_label("Role").select_option("viewer")
    page.get_by_role("button", name="Create key").click()
    shown = page.locator("code.new-key")
    expect(shown).to_be_visible()
    key = shown.text_content() or ""
    assert key.startswith("ocs_")
    row = page.get_by_role("row").filter(has_text="ci-robot")
    expect(row).to_contain_text("viewer")
    expect(row).to_contain_text("never")
    assert call(console.service, "GET", "/api/me", key) == (
        200,
        {"name": "ci-robot", "role": "viewer"},
    )

    page.reload()
    expect(page.get_by_role("heading", name="Keys", level=1)).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="ci-robot")).to_be_visible()
    assert key not in page.content()  # shown once: not after a reload
    page.get_by_role("button", name="Revoke ci-robot").click()
    expect(page.get_by_role("row").filter(has_text="ci-robot")).to_contain_text("revoked")
    assert console.dialogs == ["Revoke the key ci-robot? Requests with it are refused at once."]
    status, refused = call(console.service, "GET", "/api/usage/summary", key)
    assert (status, refused["error"]["code"]) == (401, "invalid_key")


def test_a_key_revoked_while_signed_in_signs_the_console_out(
    browser: Any, service: LiveService
) -> None:
    key = service.key("operator", "doomed")
    console, context = open_console(browser, service)
    console.allow_console_error("status of 401")
    try:
        console.sign_in(key)
        service.store.keys.revoke("doomed")
        console.page.get_by_role("link", name="Usage").click()
        expect(console.page.get_by_role("alert")).to_contain_text("unknown or revoked")
        expect(console.page.get_by_label("Service key")).to_be_visible()
    finally:
        context.close()
    assert console.foreign == [] and console.unexpected_errors() == []


def test_a_viewer_sees_the_dashboard_and_nothing_that_changes_state(console: Console) -> None:
    _create(console.service, "support")
    console.sign_in(console.service.key("viewer", "grafana"))
    page = console.page
    nav = page.get_by_role("navigation", name="Pages")
    expect(nav.get_by_role("link")).to_have_text(["Connectors", "Usage"])
    page.get_by_role("link", name="support").click()
    expect(page.get_by_role("heading", name="support", level=2)).to_be_visible()
    assert page.locator("main button").all_text_contents() == []  # no test, edit or delete
    assert page.locator("main form, main input, main textarea").count() == 0
    console.go("Usage")
    expect(page.get_by_text("No calls in this range.")).to_be_visible()
    for title in ("Connectors", "Usage"):
        console.go(title)
        labels = page.locator("main button").all_text_contents()
        assert set(labels) <= {"Export CSV"}, labels
    page.goto(f"{console.service.url}/#/keys")  # a page the role may not open
    expect(page.get_by_role("heading", name="Connectors", level=1)).to_be_visible()


@pytest.mark.parametrize("title", PAGES)
@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_readable_at_1280_and_at_390_px_wide(
    browser: Any, service: LiveService, title: str, width: int, height: int
) -> None:
    _create(service, "a-connector-with-a-rather-long-name-for-a-narrow-phone-screen")
    seed_usage(service.store, days=7)  # the dashboard with its charts and tables
    console, context = open_console(browser, service, width=width, height=height)
    try:
        console.sign_in()
        console.go(title)
        wide = console.page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{title} is {wide} px wide at {width}"
        smallest = console.page.evaluate(
            "Math.min(...[...document.querySelectorAll('main *')].filter((e) =>"
            " e.childNodes.length && [...e.childNodes].some((n) => n.nodeType === 3"
            " && n.textContent.trim())).map((e) => parseFloat(getComputedStyle(e).fontSize)))"
        )
        assert smallest >= 11, f"{title}: text of {smallest} px at {width}"  # readable
    finally:
        context.close()
    assert console.foreign == [] and console.unexpected_errors() == []
