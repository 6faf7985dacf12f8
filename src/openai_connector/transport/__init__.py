"""Moving bytes: requests and responses, retries, server-sent events, TLS.

Nothing here knows about operations, providers or secrets (auth headers arrive ready-made
from :mod:`..providers`); the async (aiohttp) and sync (urllib3) transports
share :class:`HttpRequest` / :class:`HttpResponse` and the pure retry decisions.
"""

from .request import HttpRequest, HttpResponse

__all__ = ["HttpRequest", "HttpResponse"]
