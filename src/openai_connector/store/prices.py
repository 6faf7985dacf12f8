"""The price table (USD per 1M tokens, versioned, shipped as ``prices.toml``) and ``cost()``.

An unknown model costs ``None``: a usage report shows it as unpriced, never as free.
Cached prompt tokens are part of the prompt tokens and are charged at the cached price when
the table has one; reasoning tokens are part of the completion tokens.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

SHIPPED = Path(__file__).resolve().parent / "prices.toml"
_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$|-\d{4}$")


@dataclass(frozen=True, slots=True)
class ModelPrice:
    input: float
    output: float
    cached: float | None = None


@dataclass(frozen=True, slots=True)
class PriceTable:
    version: str
    models: dict[str, ModelPrice]

    @classmethod
    def load(cls, path: Path | None = None) -> PriceTable:
        where = path or SHIPPED
        try:
            data = tomllib.loads(where.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{where}: cannot read the price table: {exc}") from None
        models: dict[str, ModelPrice] = {}
        for name, entry in (data.get("models") or {}).items():
            try:
                models[name] = ModelPrice(
                    input=float(entry["input"]),
                    output=float(entry["output"]),
                    cached=None if entry.get("cached") is None else float(entry["cached"]),
                )
            except (KeyError, TypeError, ValueError):
                raise ConfigError(
                    f"{where}: models.{name}: needs numbers 'input' and 'output' "
                    "(USD per 1M tokens), 'cached' optional"
                ) from None
        return cls(version=str(data.get("version", "unversioned")), models=models)

    def price_of(self, model: str | None) -> ModelPrice | None:
        if not model:
            return None
        found = self.models.get(model)
        if found is None:
            found = self.models.get(_DATED.sub("", model))
        return found

    def cost(
        self,
        model: str | None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        cached_tokens: int = 0,
    ) -> float | None:
        """USD for one call; None when the model is not in the table."""
        price = self.price_of(model)
        if price is None:
            return None
        cached = (
            min(max(cached_tokens, 0), max(prompt_tokens, 0)) if price.cached is not None else 0
        )
        fresh = max(prompt_tokens, 0) - cached
        total = (
            fresh * price.input
            + cached * (price.cached or 0.0)
            + max(completion_tokens, 0) * price.output
        )
        return round(total / 1_000_000, 10)


def cost(
    model: str | None,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    cached_tokens: int = 0,
    table: PriceTable | None = None,
) -> float | None:
    """USD for one call from the shipped table (or ``table``); None for an unknown model."""
    return (table or PriceTable.load()).cost(model, prompt_tokens, completion_tokens, cached_tokens)
