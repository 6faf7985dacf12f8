"""Providers as profiles: OpenAI, Azure OpenAI and OpenAI-compatible servers (see base)."""

from .base import NAMES, Provider, get

__all__ = ["NAMES", "Provider", "get"]
