from __future__ import annotations

from pathlib import Path

import pytest

from openai_connector.errors import ConfigError
from openai_connector.store import PriceTable, cost


def test_the_shipped_table_is_versioned_and_prices_current_models() -> None:
    table = PriceTable.load()
    assert table.version[:4].isdigit()
    for model in ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "o3-mini", "text-embedding-3-small"):
        assert table.price_of(model) is not None, model


def test_cost_of_prompt_and_completion_tokens() -> None:
    # gpt-4o-mini: 0.15 in, 0.60 out per 1M tokens
    assert cost("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(0.75)
    assert cost("gpt-4o-mini", 1000, 0) == pytest.approx(0.00015)


def test_cached_prompt_tokens_are_charged_at_the_cached_price() -> None:
    # 1M prompt tokens, 400k of them cached: 600k * 2.50 + 400k * 1.25 per 1M
    assert cost("gpt-4o", 1_000_000, 0, cached_tokens=400_000) == pytest.approx(2.0)


def test_a_dated_model_costs_what_its_family_costs() -> None:
    assert cost("gpt-4o-2024-08-06", 1000, 1000) == cost("gpt-4o", 1000, 1000)


@pytest.mark.parametrize("model", ["my-local-llama", None, ""])
def test_an_unknown_model_costs_null_not_zero(model: str | None) -> None:
    assert cost(model, 1000, 1000) is None


def test_a_free_model_costs_zero_not_null() -> None:
    assert cost("omni-moderation-latest", 1000) == 0.0


def test_an_edited_table_replaces_the_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "prices.toml"
    path.write_text('version = "mine-1"\n[models."my-local"]\ninput = 1.0\noutput = 2.0\n')
    table = PriceTable.load(path)
    assert table.version == "mine-1"
    assert table.cost("my-local", 1_000_000, 1_000_000) == pytest.approx(3.0)
    assert table.cost("gpt-4o", 10, 10) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[models."m"]\ninput = 1.0\n', "models.m: needs numbers"),
        ('[models."m"]\ninput = "cheap"\noutput = 1\n', "models.m: needs numbers"),
        ("not toml [", "cannot read the price table"),
    ],
)
def test_a_broken_table_is_a_config_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "prices.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        PriceTable.load(path)
