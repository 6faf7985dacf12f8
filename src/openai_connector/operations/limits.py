"""Limits the provider documents for fields several operations share (as pydantic checks)."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator


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
