"""Bearer keys and roles: who is calling and whether their role may do what they ask.

No key: 401 ``unauthenticated``; an unknown or revoked key: 401 ``invalid_key`` (checked
against the database on every request, so a revocation holds at once, whichever service
process made it); a role below the one
a route needs: 403 ``forbidden``. Roles rank viewer < operator < admin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from ..store import KeyRecord, Store
from ..store.api_keys import allows
from .loop_reads import LoopReads
from .problems import ApiError

if TYPE_CHECKING:
    from collections.abc import Callable

_bearer = HTTPBearer(auto_error=False, description="A service key: ocs_...")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> KeyRecord:
    """The key of the request; refused when missing, unknown or revoked. One light read on
    the event loop (no thread hop); ``last_used`` is written, in a thread, when due."""
    if credentials is None or not credentials.credentials:
        raise ApiError(
            "unauthenticated",
            "this route needs a service key: send 'Authorization: Bearer ocs_...'",
            headers=_CHALLENGE,
        )
    reads: LoopReads = request.app.state.loop_reads
    record = reads.key(credentials.credentials)
    if record is None:
        raise ApiError("invalid_key", "the service key is unknown or revoked", headers=_CHALLENGE)
    keys = store_of(request).keys
    if keys.touch_due(record):
        record = await run_in_threadpool(keys.touch, record)
        reads.touched(credentials.credentials, record)
    request.state.caller = record
    return record


def role(needed: str) -> Callable[..., Any]:
    """A dependency that lets through keys of role ``needed`` or higher."""

    async def check(  # one dependency (no thread): the key is read here, then its role
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> KeyRecord:
        return await _of_role(request, credentials, needed)

    return check


async def _of_role(
    request: Request, credentials: HTTPAuthorizationCredentials | None, needed: str
) -> KeyRecord:
    key = await caller(request, credentials)
    if not allows(key.role, needed):
        raise ApiError(
            "forbidden",
            f"the key {key.name!r} has role {key.role!r}; this needs {needed!r} or higher",
        )
    return key


async def key_of_role(request: Request, needed: str) -> KeyRecord:
    """What :func:`role`'s dependency does, for a route without FastAPI's dependencies: the
    bearer key read from the header as ``HTTPBearer`` reads it, then checked."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    credentials = None
    if scheme and value and scheme.lower() == "bearer":
        credentials = HTTPAuthorizationCredentials(scheme=scheme, credentials=value)
    return await _of_role(request, credentials, needed)


Viewer = Annotated[KeyRecord, Depends(role("viewer"))]
Operator = Annotated[KeyRecord, Depends(role("operator"))]
Admin = Annotated[KeyRecord, Depends(role("admin"))]
