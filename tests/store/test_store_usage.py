from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from openai_connector.store import Store, UsageRecord, to_csv
from openai_connector.store.usage_log import ROW_COLUMNS, TOTAL_COLUMNS

pytestmark = pytest.mark.databases("sqlite", "postgresql")

DAY1 = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
DAY2 = datetime(2026, 11, 2, 23, 59, tzinfo=UTC)


@pytest.fixture
def filled(store: Store) -> Store:
    store.usage.record(
        UsageRecord(
            operation="chat.create", connector="a", model="gpt-4o-mini", caller="k1",
            prompt_tokens=100, completion_tokens=20, cached_tokens=10, cost_usd=0.5,
            latency_ms=100, status=200, time=DAY1, tags=["x"],
        ),
        UsageRecord(
            operation="chat.create", connector="a", model="my-local", caller="k1",
            prompt_tokens=5, completion_tokens=5, latency_ms=300, status=200, time=DAY1,
        ),
        UsageRecord(
            operation="embeddings.create", connector="b", model="gpt-4o-mini", caller="k2",
            prompt_tokens=7, status=429, error_code="rate_limited", cost_usd=0.25,
            time=DAY2, streamed=True, reasoning_tokens=3,
        ),
    )  # fmt: skip
    return store


def test_totals_by_model(filled: Store) -> None:
    rows = {r["model"]: r for r in filled.usage.totals("model")}
    assert rows["gpt-4o-mini"]["calls"] == 2
    assert rows["gpt-4o-mini"]["prompt_tokens"] == 107
    assert rows["gpt-4o-mini"]["cost_usd"] == pytest.approx(0.75)
    assert rows["gpt-4o-mini"]["errors"] == 1
    assert rows["my-local"]["cost_usd"] is None, "an unknown price is null, not 0"
    assert rows["my-local"]["unpriced_calls"] == 1


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        ("day", {"2026-11-01": 2, "2026-11-02": 1}),
        ("connector", {"a": 2, "b": 1}),
        ("operation", {"chat.create": 2, "embeddings.create": 1}),
        ("caller", {"k1": 2, "k2": 1}),
    ],
)
def test_totals_by_each_group(filled: Store, group: str, expected: dict[str, int]) -> None:
    rows = filled.usage.totals(group)  # type: ignore[arg-type]
    assert {r[group]: r["calls"] for r in rows} == expected
    assert all(set(r) == {group, *TOTAL_COLUMNS} for r in rows)


def test_from_is_inclusive_and_to_exclusive(filled: Store) -> None:
    assert [r["calls"] for r in filled.usage.totals("day", DAY1, DAY2)] == [2]
    assert [r["calls"] for r in filled.usage.totals("day", DAY2)] == [1]
    later = DAY2 + timedelta(days=1)
    assert filled.usage.totals("day", later) == []
    assert len(filled.usage.rows(until=DAY1 + timedelta(seconds=1))) == 2


def test_rows_come_newest_first_with_every_column(filled: Store) -> None:
    rows = filled.usage.rows()
    assert rows[0]["operation"] == "embeddings.create"
    assert set(rows[0]) == set(ROW_COLUMNS)
    assert rows[0]["streamed"] is True and rows[0]["reasoning_tokens"] == 3
    assert rows[0]["time"] == DAY2.isoformat()
    assert len(filled.usage.rows(limit=1)) == 1


def test_a_time_with_another_offset_is_compared_in_utc(filled: Store) -> None:
    plus_two = datetime(2026, 11, 2, 1, 0, tzinfo=UTC) + timedelta(hours=2)
    shifted = plus_two.astimezone(datetime.now().astimezone().tzinfo)
    assert [r["calls"] for r in filled.usage.totals("day", shifted)] == [1]


def test_month_cost_counts_this_month_of_one_connector(filled: Store) -> None:
    assert filled.usage.month_cost("a", now=DAY2) == pytest.approx(0.5)
    assert filled.usage.month_cost("a", now=DAY2 + timedelta(days=40)) == 0.0
    assert filled.usage.month_cost("nobody", now=DAY2) == 0.0


def test_csv_has_a_header_empty_cells_for_null_and_no_formulas() -> None:
    rows = [
        {"model": '=HYPERLINK("x")', "calls": 1, "cost_usd": None, "tags": ["a", "b"]},
        {"model": "-1+1", "calls": -2, "cost_usd": 0.1, "tags": []},
    ]
    text = to_csv(rows, ("model", "calls", "cost_usd", "tags"))
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == ["model", "calls", "cost_usd", "tags"]
    assert parsed[1] == ['\'=HYPERLINK("x")', "1", "", "a;b"]
    assert parsed[2] == ["'-1+1", "-2", "0.1", ""]
