"""connection.test against both specs: every step it takes is a request the spec accepts."""

from __future__ import annotations

import asyncio
from typing import Any

from spec_checks import NO_RETRY, assert_steps_valid, assert_valid, run_valid

from openai_connector import AsyncConnector


def test_openai_connection_test_lists_models_then_chats_then_streams(
    openai_prism: dict[str, Any],
) -> None:
    result = run_valid(openai_prism, "connection.test", {})
    assert_steps_valid(result)
    steps = result.body["steps"]
    assert [s["step"] for s in steps] == ["models.list", "chat.create", "chat.create (stream)"]
    assert all(s["status"] == 200 for s in steps)
    assert result.body["ok"] is True


def test_openai_connection_test_with_a_model(openai_prism: dict[str, Any]) -> None:
    assert_steps_valid(run_valid(openai_prism, "connection.test", {"model": "gpt-4o"}))


def test_azure_connection_test_skips_models_list(azure_prism: dict[str, Any]) -> None:
    result = run_valid(azure_prism, "connection.test", {"model": "my-deployment"})
    assert_steps_valid(result)
    first, *chats = result.body["steps"]
    assert first["step"] == "models.list" and first["skipped"] is True
    assert [s["status"] for s in chats] == [200, 200]


def test_azure_connection_test_with_the_default_model(azure_prism: dict[str, Any]) -> None:
    connection = {**azure_prism, "default_model": "my-deployment"}
    assert_steps_valid(run_valid(connection, "connection.test", {}))


def test_connection_test_async(openai_prism: dict[str, Any], azure_prism: dict[str, Any]) -> None:
    async def check(connection: dict[str, Any]) -> None:
        async with AsyncConnector(**connection, retry=NO_RETRY) as connector:
            result = await connector.run("connection.test", {"model": "gpt-4o"})
        assert_steps_valid(assert_valid(result))

    async def both() -> None:
        await asyncio.gather(check(openai_prism), check(azure_prism))

    asyncio.run(both())
