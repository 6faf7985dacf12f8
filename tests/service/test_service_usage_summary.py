"""``/api/usage/summary`` and ``/api/usage/export``: the dashboard's figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from service_app import Service
from service_client import error_of

from openai_connector.store.records import UsageRecord
from openai_connector.store.usage_summary import percentile

pytestmark = pytest.mark.databases("sqlite", "postgresql")

DAY1 = datetime(2026, 11, 10, 9, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)


def _seed(service: Service) -> None:
    def row(time: datetime, connector: str, model: str | None, **kw: object) -> UsageRecord:
        base: dict[str, object] = {
            "operation": "chat.create",
            "prompt_tokens": 10,
            "completion_tokens": 5,
        }
        return UsageRecord(time=time, connector=connector, model=model, **{**base, **kw})  # type: ignore[arg-type]

    service.store.usage.record(
        row(DAY1, "a", "gpt-4o", cost_usd=0.5, latency_ms=100.0),
        row(DAY1, "a", "gpt-4o-mini", cost_usd=None, latency_ms=200.0, attempts=3),
        row(
            DAY1,
            "b",
            "gpt-4o",
            cost_usd=0.25,
            latency_ms=300.0,
            status=500,
            error_code="server_error",
        ),
        row(
            DAY2,
            "b",
            None,
            operation="embeddings.create",
            prompt_tokens=7,
            completion_tokens=0,
            latency_ms=400.0,
        ),
    )


def test_summary_groups_tokens_cost_errors_retries_and_latency(service: Service) -> None:
    _seed(service)
    data = service.client_with_role("viewer").get("/api/usage/summary").json()
    assert data["totals"] == {"calls": 4, "errors": 1, "retries": 2, "tokens": 52, "cost_usd": 0.75}
    assert data["tokens_by_day_model"] == [
        {"day": "2026-11-10", "model": "gpt-4o", "tokens": 30},
        {"day": "2026-11-10", "model": "gpt-4o-mini", "tokens": 15},
        {"day": "2026-11-11", "model": None, "tokens": 7},
    ]
    assert data["by_connector"] == [
        {"connector": "a", "calls": 2, "tokens": 30, "cost_usd": 0.5, "unpriced_calls": 1},
        {"connector": "b", "calls": 2, "tokens": 22, "cost_usd": 0.25, "unpriced_calls": 1},
    ]
    assert data["top_operations"][0] == {
        "operation": "chat.create",
        "calls": 3,
        "tokens": 45,
        "errors": 1,
    }
    assert data["by_day"] == [
        {"day": "2026-11-10", "calls": 3, "errors": 1, "retries": 2, "error_rate": 0.3333},
        {"day": "2026-11-11", "calls": 1, "errors": 0, "retries": 0, "error_rate": 0.0},
    ]
    assert data["latency_ms"] == {
        "p50": 200.0,
        "p90": 400.0,
        "p95": 400.0,
        "p99": 400.0,
        "count": 4,
    }
    assert [r["time"][:10] for r in data["latest"]] == [
        "2026-11-11",
        "2026-11-10",
        "2026-11-10",
        "2026-11-10",
    ]


def test_summary_narrows_to_a_range_and_a_connector(service: Service) -> None:
    _seed(service)
    client = service.client_with_role("viewer")
    data = client.get("/api/usage/summary", params={"from": "2026-11-11", "connector": "b"}).json()
    assert data["totals"]["calls"] == 1 and data["connector"] == "b"
    assert data["from"] == "2026-11-11T00:00:00+00:00"
    empty = client.get("/api/usage/summary", params={"connector": "nobody"}).json()
    assert empty["totals"] == {"calls": 0, "errors": 0, "retries": 0, "tokens": 0, "cost_usd": None}
    assert empty["latency_ms"]["p50"] is None and empty["latest"] == []


def test_summary_refuses_a_bad_range_naming_the_field(service: Service) -> None:
    client = service.client_with_role("viewer")
    assert (
        error_of(client.get("/api/usage/summary", params={"from": "yesterday"}))["field"] == "from"
    )
    answer = client.get("/api/usage/summary", params={"from": "2026-11-02", "to": "2026-11-01"})
    assert (answer.status_code, error_of(answer)["field"]) == (422, "to")
    assert error_of(service.anonymous.get("/api/usage/summary"))["code"] == "unauthenticated"


def test_export_is_csv_of_the_rows_of_one_connector(service: Service) -> None:
    _seed(service)
    answer = service.client_with_role("viewer").get("/api/usage/export", params={"connector": "a"})
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == 'attachment; filename="usage.csv"'
    lines = answer.text.splitlines()
    assert lines[0].startswith("time,operation,connector,model")
    assert len(lines) == 3 and all(",a," in line for line in lines[1:])


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 99) == 5.0
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 90), percentile(values, 99)) == (
        50.0,
        90.0,
        99.0,
    )
