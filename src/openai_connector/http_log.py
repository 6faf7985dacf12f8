"""The debug log of requests and responses (``openai_connector.http``), redacted.

Each line is redacted in its parts (URL, headers, body) before it is written, so a record
is marked ``redacted``: a handler need not redact it again (a second pass over the whole
text could mask a number that merely contains a short secret). Bodies are parsed first
where they are JSON, so a secret is found however it was escaped.
"""

from __future__ import annotations

import json
import logging

from .connection import is_credential_header, mask_url_password
from .constants import SECRET_MASK
from .redaction import Redactor
from .transport.request import HttpRequest

log = logging.getLogger("openai_connector.http")
MASKED_HEADERS = frozenset({"authorization", "api-key", "proxy-authorization", "cookie"})
DEBUG_BODY_LIMIT = 4000
REDACTED = {"redacted": True}
"""``extra`` of the records written here: redacted already."""


def _url(redactor: Redactor, url: str) -> str:
    return redactor(mask_url_password(url))


def _headers(redactor: Redactor, headers: dict[str, str]) -> str:
    return json.dumps(redactor.headers(headers), ensure_ascii=False)


def request_line(redactor: Redactor, request: HttpRequest, attempt: int) -> str:
    headers = {
        k: (SECRET_MASK if k in MASKED_HEADERS or is_credential_header(k) else v)
        for k, v in request.headers.items()
    }
    content = request.content
    if content is not None and not isinstance(content, bytes):
        body = f"<{content.length:,} bytes, streamed>"
    else:
        body = redactor.preview(content or b"", DEBUG_BODY_LIMIT)
    return (
        f"request attempt={attempt} {request.method} {_url(redactor, request.url)} "
        f"headers={_headers(redactor, headers)} body={body}"
    )


def response_line(
    redactor: Redactor,
    request: HttpRequest,
    *,
    status: int,
    headers: dict[str, str],
    content: bytes | None,
    elapsed: float,
) -> str:
    body = redactor.preview(content or b"", DEBUG_BODY_LIMIT)
    return (
        f"response {status} {request.method} {_url(redactor, request.url)} in "
        f"{elapsed * 1000:.1f} ms headers={_headers(redactor, headers)} body={body}"
    )
