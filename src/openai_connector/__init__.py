"""openai-connector: OpenAI, Azure OpenAI and OpenAI-compatible servers as one connector.

>>> from openai_connector import Connector
>>> with Connector(api_key="{{secrets.OPENAI_API_KEY}}") as connector:  # doctest: +SKIP
...     result = connector.run("chat.create", {"model": "gpt-4o-mini", "prompt": "Hello"})
...     result.envelope()   # {"status": 200, "headers": {...}, "body": {...}}

Names are imported on first use, so ``import openai_connector`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "AsyncConnector": "connector",
    "Connector": "connector",
    "AsyncResultStream": "result_streams",
    "ResultStream": "result_streams",
    "Connection": "connection",
    "RetryPolicy": "connection",
    "Timeout": "connection",
    "Network": "connection",
    "Result": "result",
    "RateLimit": "result",
    "Usage": "usage",
    "StreamChunk": "streaming",
    "Secret": "secrets",
    "SecretStore": "secrets",
    "SecretSource": "policy",
    "TrustPolicy": "policy",
    "Redactor": "secrets",
    "ResultMapping": "mapping",
    "build_connection": "config",
    "load_config": "config",
    "operations": "operations.registry",
    "ConnectorError": "errors",
    "ConnectorWarning": "errors",
    "UserError": "errors",
    "ConfigError": "errors",
    "SecretNotFound": "errors",
    "InvalidInput": "errors",
    "UnknownOperation": "errors",
    "UnsupportedOperation": "errors",
    "TransportError": "errors",
    "ConnectionFailed": "errors",
    "RequestTimeout": "errors",
    "StreamInterrupted": "errors",
    "InvalidResponse": "errors",
    "APIStatusError": "errors",
    "BadRequest": "errors",
    "AuthenticationFailed": "errors",
    "PermissionDenied": "errors",
    "NotFound": "errors",
    "Conflict": "errors",
    "RateLimited": "errors",
    "QuotaExceeded": "errors",
    "ServerError": "errors",
    "OutputWriteFailed": "errors",
    "UnexpectedRedirect": "errors",
    "Exchange": "observers",
    "RunFinished": "observers",
    "Observer": "observers",
}

__all__ = [
    "APIStatusError",
    "AsyncConnector",
    "AsyncResultStream",
    "AuthenticationFailed",
    "BadRequest",
    "ConfigError",
    "Conflict",
    "Connection",
    "ConnectionFailed",
    "Connector",
    "ConnectorError",
    "ConnectorWarning",
    "Exchange",
    "InvalidInput",
    "InvalidResponse",
    "Network",
    "NotFound",
    "Observer",
    "OutputWriteFailed",
    "PermissionDenied",
    "QuotaExceeded",
    "RateLimit",
    "RateLimited",
    "Redactor",
    "RequestTimeout",
    "Result",
    "ResultMapping",
    "ResultStream",
    "RetryPolicy",
    "RunFinished",
    "Secret",
    "SecretNotFound",
    "SecretSource",
    "SecretStore",
    "ServerError",
    "StreamChunk",
    "StreamInterrupted",
    "Timeout",
    "TransportError",
    "TrustPolicy",
    "UnexpectedRedirect",
    "UnknownOperation",
    "UnsupportedOperation",
    "Usage",
    "UserError",
    "build_connection",
    "load_config",
    "operations",
]

if TYPE_CHECKING:
    from .config import build_connection, load_config
    from .connection import Connection, Network, RetryPolicy, Timeout
    from .connector import AsyncConnector, Connector
    from .errors import (
        APIStatusError,
        AuthenticationFailed,
        BadRequest,
        ConfigError,
        Conflict,
        ConnectionFailed,
        ConnectorError,
        ConnectorWarning,
        InvalidInput,
        InvalidResponse,
        NotFound,
        OutputWriteFailed,
        PermissionDenied,
        QuotaExceeded,
        RateLimited,
        RequestTimeout,
        SecretNotFound,
        ServerError,
        StreamInterrupted,
        TransportError,
        UnexpectedRedirect,
        UnknownOperation,
        UnsupportedOperation,
        UserError,
    )
    from .mapping import ResultMapping
    from .observers import Exchange, Observer, RunFinished
    from .operations.registry import operations
    from .policy import SecretSource, TrustPolicy
    from .result import RateLimit, Result
    from .result_streams import AsyncResultStream, ResultStream
    from .secrets import Redactor, Secret, SecretStore
    from .streaming import StreamChunk
    from .usage import Usage


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'openai_connector' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return [*__all__, "__version__"]
