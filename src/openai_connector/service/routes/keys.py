"""``/api/keys``: the service's API keys (admin only). A new key is shown once."""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from ...store import KeyRecord, NotInStore
from ..auth import Admin, store_of
from ..problems import ApiError

router = APIRouter(prefix="/api/keys", tags=["keys"])
log = logging.getLogger("openai_connector.service")


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    role: Literal["admin", "operator", "viewer"]
    rate_limit_per_minute: int | None = Field(None, ge=1)
    default_connector: str | None = Field(None, max_length=200)


def key_view(record: KeyRecord) -> dict[str, Any]:
    return {
        "name": record.name,
        "role": record.role,
        "prefix": record.prefix,
        "created": record.created.isoformat(),
        "last_used": record.last_used.isoformat() if record.last_used else None,
        "revoked": record.revoked.isoformat() if record.revoked else None,
        "rate_limit_per_minute": record.rate_limit_per_minute,
        "default_connector": record.default_connector,
    }


@router.post("", status_code=201)
def create_key(body: KeyIn, request: Request, key: Admin) -> dict[str, Any]:
    """Make a key; the answer holds it in ``key``, the only time it is shown."""
    if any(ord(c) < 32 or ord(c) == 127 for c in body.name):
        raise ApiError("invalid_input", "name holds a control character", field="name")
    record, secret = store_of(request).keys.create(
        body.name,
        body.role,
        rate_limit_per_minute=body.rate_limit_per_minute,
        default_connector=body.default_connector,
    )
    log.info("key created: %r (%s) by key %r", record.name, record.role, key.name)
    return {**key_view(record), "key": secret}


@router.get("")
def list_keys(request: Request, key: Admin) -> list[dict[str, Any]]:
    return [key_view(r) for r in store_of(request).keys.all()]


@router.delete("/{name}")
def revoke_key(name: str, request: Request, key: Admin) -> dict[str, Any]:
    """Revoke a key: the next request with it is refused."""
    try:
        record = store_of(request).keys.revoke(name)
    except NotInStore:
        raise ApiError("unknown_key", f"no key named {name!r}", field="name") from None
    log.info("key revoked: %r by key %r", record.name, key.name)
    return key_view(record)
