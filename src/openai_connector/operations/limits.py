"""Limits the provider documents for fields several operations share (as pydantic checks)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, field_validator


def two_decimals(value: float | None) -> float | None:
    """Temperature as the Camunda connector takes it: at most two decimals."""
    if value is not None and abs(value * 100 - round(value * 100)) > 1e-9:
        raise ValueError("use at most two decimals (e.g. 0.7)")
    return value


def stop_sequences(value: str | list[str] | None) -> str | list[str] | None:
    if isinstance(value, list) and not 1 <= len(value) <= 4:
        raise ValueError("give 1 to 4 stop sequences")
    return value


def logit_bias(value: dict[str, int] | None) -> dict[str, int] | None:
    for token, bias in (value or {}).items():
        if not -100 <= bias <= 100:
            raise ValueError(f"bias for token {token} must be between -100 and 100")
    return value


def check(field: str, rule: Any) -> Any:
    """A field validator applying ``rule`` to ``field``: ``_x = check("stop", stop_sequences)``."""
    return field_validator(field)(lambda cls, value: rule(value))


# ------------------------------------------------ numbers and names the API takes

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_TOKEN_COUNT = 2**31 - 1
"""The most tokens any count may name (a 32-bit integer, as servers read it); models'
context windows are far smaller, so the provider still applies its own limit."""
MAX_TOKEN_ID = 2**31 - 1
MAX_COUNT = 1_000_000
"""A bound for counts the API leaves open (documents, list sizes, vector lengths, words)."""

Seed = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
"""A seed is a 64-bit signed integer."""
TokenId = Annotated[int, Field(ge=0, le=MAX_TOKEN_ID)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("a model name cannot be blank")
    return value


ModelName = Annotated[str, AfterValidator(_not_blank)]
"""A model (or Azure deployment) name: blank ones are refused, never sent."""
