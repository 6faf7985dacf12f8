"""The usage dashboard in headless Chromium, on seeded usage rows; and its screenshot."""

from __future__ import annotations

import re
from pathlib import Path

from console_page import Console
from live_service import seed_usage
from playwright.sync_api import expect

from openai_connector.store.records import UsageRecord


def _summary_tokens(console: Console, model: str) -> int:
    return sum(
        r.get("prompt_tokens", 0) + r.get("completion_tokens", 0)
        for r in console.service.store.usage.rows(limit=10_000)
        if r["model"] == model
    )


def test_the_dashboard_draws_seeded_usage_in_the_chart_and_the_table(console: Console) -> None:
    store = console.service.store
    store.usage.record(
        UsageRecord(
            operation="chat.create",
            connector="<b>bold</b>",
            model="gpt-4o-mini",
            prompt_tokens=1234,
            completion_tokens=567,
            latency_ms=321.0,
            request_id="req-console-1",
            status=200,
        )
    )
    console.sign_in()
    console.go("Usage")
    page = console.page
    chart = page.get_by_role("group", name="Tokens per day, by model")
    mark = chart.get_by_role("img", name=re.compile(r"gpt-4o-mini: 1,801 tokens"))
    mark.hover()
    tip = page.locator("#chart-tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("gpt-4o-mini: 1,801 tokens")
    latest = page.get_by_role("table", name="Latest calls")
    row = latest.get_by_role("row").filter(has_text="<b>bold</b>")
    expect(row).to_contain_text("chat.create")
    expect(row).to_contain_text("1,234")
    expect(row).to_contain_text("567")
    assert page.locator("main b").count() == 0  # the connector's name is text, not markup
    by_connector = page.get_by_role("table", name="Tokens and cost by connector")
    expect(by_connector).to_contain_text("1,801")

    # Keyboard: Tab reaches a chart mark and shows the same value.
    page.get_by_role("group", name="Tokens by connector").get_by_role("img").first.focus()
    expect(tip).to_contain_text("<b>bold</b>: 1,801 tokens")


def test_range_connector_filter_and_csv_export(console: Console, tmp_path: Path) -> None:
    seed_usage(console.service.store, days=5)
    console.sign_in()
    console.go("Usage")
    page = console.page
    totals = page.locator(".stat").filter(has_text="Calls")
    calls_all = len(console.service.store.usage.rows(limit=10_000))
    expect(totals).to_contain_text(str(calls_all))
    page.get_by_label("Connector", exact=True).select_option("support")
    support = [
        r for r in console.service.store.usage.rows(limit=10_000) if r["connector"] == "support"
    ]
    expect(totals).to_contain_text(str(len(support)))
    expect(page.get_by_role("table", name="Latest calls")).not_to_contain_text("research")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    saved = tmp_path / "usage.csv"
    download.value.save_as(saved)
    lines = saved.read_text().splitlines()
    assert lines[0].startswith("time,operation,connector,model")
    assert len(lines) == 1 + len(support)
    assert all(",support," in line for line in lines[1:])

    page.get_by_label("Time range").select_option("custom")
    page.get_by_label("From (UTC)").fill("2001-01-01")
    page.get_by_label("To (UTC, exclusive)").fill("2001-02-01")
    page.get_by_label("To (UTC, exclusive)").dispatch_event("change")
    expect(page.get_by_text("No calls in this range.")).to_be_visible()
    expect(page.get_by_text("Run a connector from the Playground")).to_be_visible()


def test_error_rate_retries_and_latency_are_shown(console: Console) -> None:
    seed_usage(console.service.store, days=3)
    console.sign_in()
    console.go("Usage")
    page = console.page
    errors = page.get_by_role("group", name="Error rate and retries per day")
    expect(errors.get_by_role("img", name=re.compile(r"retries: 1$")).first).to_be_visible()
    expect(errors.get_by_role("img", name=re.compile(r"error rate: 20\.0%"))).to_have_count(1)
    latency = page.get_by_role("table", name=re.compile("Latency percentiles"))
    expect(latency).to_contain_text("p95")
    support = [
        r for r in console.service.store.usage.rows(limit=10_000) if r["connector"] == "support"
    ]
    cost = sum(r["cost_usd"] for r in support)
    by_connector = page.get_by_role("table", name="Tokens and cost by connector")
    expect(by_connector.get_by_role("row").filter(has_text="support")).to_contain_text(
        f"${cost:.4f}"
    )
    top = page.get_by_role("table", name="Top operations")
    expect(top.get_by_role("row").nth(1)).to_contain_text("chat.create")


def test_screenshot_of_the_dashboard(console: Console, screenshots_dir: Path) -> None:
    seed_usage(console.service.store, days=14)
    console.sign_in()
    console.go("Usage")
    page = console.page
    expect(page.get_by_role("group", name="Tokens per day, by model")).to_be_visible()
    page.get_by_role("group", name="Tokens per day, by model").get_by_role("img").nth(3).hover()
    page.screenshot(path=str(screenshots_dir / "console-dashboard.png"))
