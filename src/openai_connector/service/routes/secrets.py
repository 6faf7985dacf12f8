"""``/api/secrets``: the service's own secret store, which ``{{secrets.NAME}}`` references in
connectors resolve from (admin only; values are write-only and encrypted at rest)."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from ..auth import Admin, store_of
from ..problems import ApiError

router = APIRouter(prefix="/api/secrets", tags=["secrets"])
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,199}$")


class SecretIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(min_length=1, max_length=20_000)


def _checked(name: str) -> str:
    if not NAME.match(name):
        raise ApiError(
            "invalid_input",
            "a secret name is letters, digits, '_', '.', '-', starting with a letter or '_'",
            field="name",
        )
    return name


@router.get("")
def list_secrets(request: Request, key: Admin) -> list[dict[str, Any]]:
    return [{"name": n, "set": True} for n in store_of(request).connectors.named_secret_names()]


@router.put("/{name}")
def put_secret(name: str, body: SecretIn, request: Request, key: Admin) -> dict[str, Any]:
    value = body.value.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ApiError("invalid_input", "the value holds a control character", field="value")
    store_of(request).connectors.set_named_secret(_checked(name), value)
    return {"name": name, "set": True}


@router.delete("/{name}", status_code=204)
def delete_secret(name: str, request: Request, key: Admin) -> Response:
    store = store_of(request)
    if name not in store.connectors.named_secret_names():
        raise ApiError("not_found", f"no secret named {name!r}", field="name")
    store.connectors.set_named_secret(name, None)
    return Response(status_code=204)
