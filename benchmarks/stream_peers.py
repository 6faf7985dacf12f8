"""The streaming contenders: each reads one whole streamed answer of the same request and
returns (content events, text).

The raw baselines are the lean ones: whole network chunks (aiohttp's ``iter_any``, urllib3's
``read1``) with the events split on blank lines; line-by-line reading is a contrast row.
"""

from __future__ import annotations

import json

from fixtures import MODEL
from peers import (
    API_KEY,
    CONNECTOR,
    CONNECTOR_PARAMS,
    HEADERS,
    LITELLM_MODEL,
    MESSAGES,
    STREAM_REQUEST,
    AsyncCall,
    Close,
    SyncCall,
    host_pool,
    litellm_module,
    openai_async_client,
)


def split_events(buffer: bytes, parts: list[str]) -> tuple[bytes, bool]:
    """Take the complete events out of ``buffer`` (split on blank lines), adding their text
    to ``parts``; return the incomplete rest and whether ``[DONE]`` came."""
    *events, rest = buffer.split(b"\n\n")
    for event in events:
        if not event.startswith(b"data:"):
            continue
        payload = event[5:].strip()
        if payload == b"[DONE]":
            return rest, True
        for choice in json.loads(payload)["choices"]:
            content = choice["delta"].get("content")
            if content:
                parts.append(content)
    return rest, False


async def stream_aiohttp(base: str) -> tuple[AsyncCall, Close]:
    """The lean raw baseline: whole network chunks (``iter_any``), events split on blank lines."""
    import aiohttp

    session = aiohttp.ClientSession()
    url = base + "/chat/completions"

    async def consume() -> tuple[int, str]:
        parts: list[str] = []
        body = json.dumps(STREAM_REQUEST).encode()
        async with session.post(url, data=body, headers=HEADERS) as response:
            buffer = b""
            async for chunk in response.content.iter_any():
                buffer, done = split_events(buffer + chunk, parts)
                if done:
                    break
        return len(parts), "".join(parts)

    return consume, session.close


async def stream_aiohttp_lines(base: str) -> tuple[AsyncCall, Close]:
    """For contrast: the same with one await per line (what a quick script writes)."""
    import aiohttp

    session = aiohttp.ClientSession()
    url = base + "/chat/completions"

    async def consume() -> tuple[int, str]:
        parts = []
        body = json.dumps(STREAM_REQUEST).encode()
        async with session.post(url, data=body, headers=HEADERS) as response:
            async for line in response.content:
                if not line.startswith(b"data:"):
                    continue
                payload = line[5:].strip()
                if payload == b"[DONE]":
                    break
                for choice in json.loads(payload)["choices"]:
                    content = choice["delta"].get("content")
                    if content:
                        parts.append(content)
        return len(parts), "".join(parts)

    return consume, session.close


def stream_urllib3(base: str) -> tuple[SyncCall, Close]:
    """The lean raw sync baseline: the host's pool, whole reads (``read1``), events split on
    blank lines."""
    pool, prefix = host_pool(base)
    path = prefix + "/chat/completions"

    def consume() -> tuple[int, str]:
        parts: list[str] = []
        body = json.dumps(STREAM_REQUEST).encode()
        response = pool.urlopen("POST", path, body=body, headers=HEADERS, preload_content=False)
        buffer = b""
        while chunk := response.read1(65536):
            buffer, done = split_events(buffer + chunk, parts)
            if done:
                break
        response.drain_conn()
        response.release_conn()
        return len(parts), "".join(parts)

    return consume, pool.close


async def _openai_stream(base: str, aiohttp_transport: bool) -> tuple[AsyncCall, Close]:
    client = openai_async_client(base, aiohttp_transport)

    async def consume() -> tuple[int, str]:
        parts = []
        stream = await client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                parts.append(chunk.choices[0].delta.content)
        return len(parts), "".join(parts)

    return consume, client.close


async def stream_openai(base: str) -> tuple[AsyncCall, Close]:
    return await _openai_stream(base, aiohttp_transport=False)


async def stream_openai_aiohttp(base: str) -> tuple[AsyncCall, Close]:
    return await _openai_stream(base, aiohttp_transport=True)


async def stream_litellm(base: str) -> tuple[AsyncCall, Close]:
    litellm = litellm_module()

    async def consume() -> tuple[int, str]:
        parts = []
        response = await litellm.acompletion(
            model=LITELLM_MODEL,
            messages=MESSAGES,
            api_base=base,
            api_key=API_KEY,
            stream=True,
            stream_options={"include_usage": True},
        )
        async for chunk in response:
            if chunk.choices and chunk.choices[0].delta.content:
                parts.append(chunk.choices[0].delta.content)
        return len(parts), "".join(parts)

    async def close() -> None:
        return None

    return consume, close


async def stream_connector(base: str) -> tuple[AsyncCall, Close]:
    from openai_connector import AsyncConnector

    connector = AsyncConnector(provider="compatible", base_url=base, api_key=API_KEY)

    async def consume() -> tuple[int, str]:
        parts = []
        async for chunk in connector.stream("chat.create", CONNECTOR_PARAMS):
            if chunk.text:
                parts.append(chunk.text)
        return len(parts), "".join(parts)

    return consume, connector.aclose


def stream_connector_sync(base: str) -> tuple[SyncCall, Close]:
    from openai_connector import Connector

    connector = Connector(provider="compatible", base_url=base, api_key=API_KEY)

    def consume() -> tuple[int, str]:
        parts = []
        for chunk in connector.stream("chat.create", CONNECTOR_PARAMS):
            if chunk.text:
                parts.append(chunk.text)
        return len(parts), "".join(parts)

    return consume, connector.close


STREAMS_ASYNC = [
    ("raw aiohttp (chunks, split events)", stream_aiohttp),
    ("raw aiohttp (line by line)", stream_aiohttp_lines),
    ("openai SDK (AsyncOpenAI, httpx)", stream_openai),
    ("openai SDK (AsyncOpenAI, aiohttp)", stream_openai_aiohttp),
    ("LiteLLM acompletion(stream=True)", stream_litellm),
    (f"{CONNECTOR} AsyncConnector.stream", stream_connector),
]
STREAMS_SYNC = [
    ("raw urllib3 (read1, split events)", stream_urllib3),
    (f"{CONNECTOR} Connector.stream", stream_connector_sync),
]
RAW_STREAM, RAW_STREAM_SYNC = STREAMS_ASYNC[0][0], STREAMS_SYNC[0][0]
