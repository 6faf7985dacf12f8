"""Run the same call through the sync and the async connector, so one test covers both faces.

A test takes the ``face`` fixture (parametrized ``sync`` / ``async``) and calls
``face.run(...)`` or ``face.stream(...)``; both return plain values synchronously, and both
record the pauses the connector asked for in ``face.sleeps`` instead of sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openai_connector import AsyncConnector, Connector, Result


@dataclass
class Face:
    kind: str
    """"sync" (Connector, urllib3) or "async" (AsyncConnector, aiohttp)."""
    sleeps: list[float] = field(default_factory=list)
    connector_options: dict[str, Any] = field(default_factory=dict)

    def _record(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def _record_async(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def _options(self, options: dict[str, Any]) -> dict[str, Any]:
        merged = {**self.connector_options, **options}
        merged.setdefault("sleep", self._record if self.kind == "sync" else self._record_async)
        return merged

    def run(
        self,
        operation: str,
        params: Any,
        *,
        call: dict[str, Any] | None = None,
        **connector: Any,
    ) -> Result:
        """One ``run`` on a fresh connector built from ``connector`` (fields and options)."""
        options = self._options(connector)
        if self.kind == "sync":
            with Connector(**options) as sync:
                return sync.run(operation, params, **(call or {}))

        async def go() -> Result:
            async with AsyncConnector(**options) as conn:
                return await conn.run(operation, params, **(call or {}))

        return asyncio.run(go())

    def stream(
        self,
        operation: str,
        params: Any,
        *,
        call: dict[str, Any] | None = None,
        on_chunk: Callable[[Any], None] | None = None,
        **connector: Any,
    ) -> tuple[list[str], Result]:
        """Stream a call to its end: the texts of the chunks and the assembled result."""
        options = self._options(connector)
        texts: list[str] = []

        def seen(chunk: Any) -> None:
            if on_chunk is not None:
                on_chunk(chunk)
            if chunk.text:
                texts.append(chunk.text)

        if self.kind == "sync":
            with Connector(**options) as sync:
                stream = sync.stream(operation, params, **(call or {}))
                for chunk in stream:
                    seen(chunk)
                assert stream.result is not None
                return texts, stream.result

        async def go() -> Result:
            async with AsyncConnector(**options) as conn:
                stream = conn.stream(operation, params, **(call or {}))
                async for chunk in stream:
                    seen(chunk)
                assert stream.result is not None
                return stream.result

        result = asyncio.run(go())
        return texts, result
