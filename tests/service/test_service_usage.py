from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from service_app import Service
from service_client import error_of

from openai_connector.store import UsageRecord

pytestmark = pytest.mark.databases("sqlite", "postgresql")

DAY = datetime(2026, 11, 3, 10, tzinfo=UTC)


@pytest.fixture
def logged(service: Service) -> Service:
    service.store.usage.record(
        UsageRecord(operation="chat.create", connector="<b>bot</b>", model="gpt-4o-mini",
                    prompt_tokens=10, completion_tokens=5, cost_usd=0.01, caller="ci", time=DAY),
        UsageRecord(operation="chat.create", connector="<b>bot</b>", model="local-llm",
                    prompt_tokens=3, caller="ci", time=DAY),
        UsageRecord(operation="embeddings.create", connector="emb", model="gpt-4o-mini",
                    prompt_tokens=8, cost_usd=0.02, caller="batch",
                    time=datetime(2026, 11, 4, tzinfo=UTC)),
    )  # fmt: skip
    return service


def test_grouped_by_model(logged: Service) -> None:
    body = logged.client_with_role("viewer").get("/api/usage", params={"group_by": "model"}).json()
    assert body["group_by"] == "model" and body["price_table"]
    rows = {r["model"]: r for r in body["rows"]}
    assert rows["gpt-4o-mini"]["calls"] == 2
    assert rows["gpt-4o-mini"]["cost_usd"] == pytest.approx(0.03)
    assert rows["local-llm"]["cost_usd"] is None


def test_from_and_to_bound_the_rows(logged: Service) -> None:
    params = {"from": "2026-11-03", "to": "2026-11-04", "group_by": "connector"}
    body = logged.admin.get("/api/usage", params=params).json()
    assert body["from"] == "2026-11-03T00:00:00+00:00"
    assert [(r["connector"], r["calls"]) for r in body["rows"]] == [("<b>bot</b>", 2)]


def test_without_group_by_the_rows_come_back(logged: Service) -> None:
    rows = logged.admin.get("/api/usage", params={"limit": 2}).json()["rows"]
    assert [r["operation"] for r in rows] == ["embeddings.create", "chat.create"]


def test_csv_export(logged: Service) -> None:
    response = logged.admin.get("/api/usage", params={"group_by": "caller", "format": "csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["caller"], r["calls"]) for r in table] == [("batch", "1"), ("ci", "2")]
    rows = list(csv.DictReader(io.StringIO(logged.admin.get("/api/usage?format=csv").text)))
    assert len(rows) == 3 and rows[0]["connector"] == "emb"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "last tuesday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-11-05", "to": "2026-11-01"}, "to"),
        ({"group_by": "colour"}, "group_by"),
        ({"format": "xml"}, "format"),
        ({"limit": 0}, "limit"),
    ],
)
def test_bad_parameters_are_422_naming_them(
    service: Service, params: dict[str, object], field: str
) -> None:
    response = service.admin.get("/api/usage", params=params)
    assert response.status_code == 422
    assert error_of(response)["field"] == field
