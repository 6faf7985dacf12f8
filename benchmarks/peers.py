"""The contenders: raw HTTP clients, the official SDK, LiteLLM and openai-connector.

Each one sends the same chat request to the same URL and reads the answer for real
(JSON decoded, text taken out), so the comparison is of the work a caller needs done.
A factory raises :class:`Skip` when its package is not installed.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Awaitable, Callable
from typing import Any

from fixtures import MODEL
from measure import Skip

API_KEY = "sk-bench-00000000000000000000"
PROMPT = "Say something about connectors."
MESSAGES = [{"role": "user", "content": PROMPT}]
REQUEST = {"model": MODEL, "messages": MESSAGES}
STREAM_REQUEST = {**REQUEST, "stream": True, "stream_options": {"include_usage": True}}
HEADERS = {
    "authorization": f"Bearer {API_KEY}",
    "content-type": "application/json",
    "accept": "application/json",
}
CONNECTOR_PARAMS = {"model": MODEL, "prompt": PROMPT}
LITELLM_MODEL = f"openai/{MODEL}"

SyncCall = Callable[[], Any]
AsyncCall = Callable[[], Awaitable[Any]]
Close = Callable[[], Any]


def need(*modules: str) -> None:
    for module in modules:
        if importlib.util.find_spec(module) is None:
            raise Skip(f"skipped: {module} not installed (pip install -e '.[bench]')")


def litellm_module() -> Any:
    need("litellm")
    # Use the cost map shipped in the package instead of fetching it over the network.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.telemetry = False
    litellm.suppress_debug_info = True
    return litellm


def _text(body: dict[str, Any]) -> str:
    content: str = body["choices"][0]["message"]["content"]
    return content


# ------------------------------------------------------------------ sequential sync calls


def host_pool(base: str) -> tuple[Any, str]:
    """A urllib3 pool for the base URL's host (no URL parsing per call) and the path prefix."""
    import urllib3

    parsed = urllib3.util.parse_url(base)
    pool = urllib3.HTTPConnectionPool(parsed.host or "127.0.0.1", parsed.port, maxsize=1)
    return pool, (parsed.path or "").rstrip("/")


def sync_urllib3(base: str) -> tuple[SyncCall, Close]:
    pool, prefix = host_pool(base)
    path = prefix + "/chat/completions"

    def call() -> str:
        body = json.dumps(REQUEST).encode()
        response = pool.urlopen("POST", path, body=body, headers=HEADERS)
        return _text(json.loads(response.data))

    return call, pool.close


def sync_urllib3_manager(base: str) -> tuple[SyncCall, Close]:
    import urllib3

    manager = urllib3.PoolManager(maxsize=1)
    url = base + "/chat/completions"

    def call() -> str:
        body = json.dumps(REQUEST).encode()
        response = manager.request("POST", url, body=body, headers=HEADERS)
        return _text(json.loads(response.data))

    return call, manager.clear


def sync_httpx(base: str) -> tuple[SyncCall, Close]:
    need("httpx")
    import httpx

    client = httpx.Client()
    url = base + "/chat/completions"

    def call() -> str:
        response = client.post(url, content=json.dumps(REQUEST).encode(), headers=HEADERS)
        return _text(json.loads(response.content))

    return call, client.close


def sync_openai(base: str) -> tuple[SyncCall, Close]:
    need("openai")
    import openai

    client = openai.OpenAI(base_url=base, api_key=API_KEY)

    def call() -> str | None:
        completion = client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
        return completion.choices[0].message.content

    return call, client.close


def sync_litellm(base: str) -> tuple[SyncCall, Close]:
    litellm = litellm_module()

    def call() -> str:
        response = litellm.completion(
            model=LITELLM_MODEL, messages=MESSAGES, api_base=base, api_key=API_KEY
        )
        content: str = response.choices[0].message.content
        return content

    return call, lambda: None


def sync_connector(base: str) -> tuple[SyncCall, Close]:
    from openai_connector import Connector

    connector = Connector(provider="compatible", base_url=base, api_key=API_KEY)

    def call() -> str | None:
        return connector.run("chat.create", CONNECTOR_PARAMS).text

    return call, connector.close


# ------------------------------------------------------------- concurrent async calls


async def async_aiohttp(base: str) -> tuple[AsyncCall, Close]:
    import aiohttp

    session = aiohttp.ClientSession()
    url = base + "/chat/completions"

    async def call() -> str:
        async with session.post(url, data=json.dumps(REQUEST).encode(), headers=HEADERS) as r:
            return _text(json.loads(await r.read()))

    return call, session.close


async def async_httpx(base: str) -> tuple[AsyncCall, Close]:
    need("httpx")
    import httpx

    client = httpx.AsyncClient()
    url = base + "/chat/completions"

    async def call() -> str:
        response = await client.post(url, content=json.dumps(REQUEST).encode(), headers=HEADERS)
        return _text(json.loads(response.content))

    return call, client.aclose


def openai_async_client(base: str, aiohttp_transport: bool) -> Any:
    need("openai")
    import openai

    if not aiohttp_transport:
        return openai.AsyncOpenAI(base_url=base, api_key=API_KEY)
    # openai 3.x bundles its aiohttp transport (it needs aiohttp installed); 1.x/2.x need
    # httpx-aiohttp (pip install 'openai[aiohttp]'). Either way this is how it is made:
    maker = getattr(openai, "DefaultAioHttpClient", None)
    if maker is None:
        raise Skip(f"skipped: openai {openai.__version__} has no aiohttp transport")
    try:
        http_client = maker()
    except (RuntimeError, ImportError) as exc:
        raise Skip(f"skipped: the SDK's aiohttp transport: {exc}") from None
    return openai.AsyncOpenAI(base_url=base, api_key=API_KEY, http_client=http_client)


async def _openai_call(base: str, aiohttp_transport: bool) -> tuple[AsyncCall, Close]:
    client = openai_async_client(base, aiohttp_transport)

    async def call() -> str | None:
        completion = await client.chat.completions.create(model=MODEL, messages=MESSAGES)
        content: str | None = completion.choices[0].message.content
        return content

    return call, client.close


async def async_openai(base: str) -> tuple[AsyncCall, Close]:
    return await _openai_call(base, aiohttp_transport=False)


async def async_openai_aiohttp(base: str) -> tuple[AsyncCall, Close]:
    return await _openai_call(base, aiohttp_transport=True)


async def async_litellm(base: str) -> tuple[AsyncCall, Close]:
    litellm = litellm_module()

    async def call() -> str:
        response = await litellm.acompletion(
            model=LITELLM_MODEL, messages=MESSAGES, api_base=base, api_key=API_KEY
        )
        content: str = response.choices[0].message.content
        return content

    async def close() -> None:
        return None

    return call, close


async def async_connector(base: str) -> tuple[AsyncCall, Close]:
    from openai_connector import AsyncConnector

    connector = AsyncConnector(provider="compatible", base_url=base, api_key=API_KEY)

    async def call() -> str | None:
        return (await connector.run("chat.create", CONNECTOR_PARAMS)).text

    return call, connector.aclose


async def async_floor(base: str) -> tuple[AsyncCall, Close]:
    """The least a connector must do, with nothing else: the input checked by the
    operation's own pydantic model, the body built and encoded (orjson), sent with aiohttp
    (one session, as the connector makes it) and the answer decoded (orjson) into an
    envelope. No retries, redaction, bounded decoding, usage or observers: a ceiling for
    any connector's async ratio, not a contender."""
    import aiohttp
    import orjson

    from openai_connector.operations.chat import ChatInput
    from openai_connector.result import Result

    session = aiohttp.ClientSession(trust_env=False, auto_decompress=False)
    url = base + "/chat/completions"

    async def call() -> str | None:
        data = ChatInput.model_validate(CONNECTOR_PARAMS)
        body = {"model": data.model, "messages": [{"role": "user", "content": data.prompt}]}
        async with session.post(url, data=orjson.dumps(body), headers=HEADERS) as r:
            headers = {k.lower(): v for k, v in r.headers.items()}
            result = Result(r.status, headers, orjson.loads(await r.read()))
        return result.text

    return call, session.close


CONNECTOR = "openai-connector"
SYNC = [
    ("raw urllib3 (HTTPConnectionPool)", sync_urllib3),
    ("raw urllib3 (PoolManager.request)", sync_urllib3_manager),
    ("httpx Client", sync_httpx),
    ("openai SDK (OpenAI)", sync_openai),
    ("LiteLLM completion", sync_litellm),
    (f"{CONNECTOR} Connector.run", sync_connector),
]
CONCURRENT = [
    ("raw aiohttp (one ClientSession)", async_aiohttp),
    ("httpx AsyncClient", async_httpx),
    ("openai SDK (AsyncOpenAI, httpx)", async_openai),
    ("openai SDK (AsyncOpenAI, aiohttp)", async_openai_aiohttp),
    ("LiteLLM acompletion", async_litellm),
    (f"{CONNECTOR} AsyncConnector.run", async_connector),
]
RAW_SYNC, RAW_ASYNC = SYNC[0][0], CONCURRENT[0][0]
