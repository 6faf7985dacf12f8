"""``/api/connectors``: the connector registry (admin writes; every role reads)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Request, Response

from ...redaction import Redactor
from ...store import ConnectorRecord, NotInStore, Store
from ..auth import Admin, Viewer, store_of
from ..connector_cache import ConnectorCache
from ..connector_input import (
    ConnectorIn,
    ConnectorPatch,
    check_create,
    check_update,
    connector_view,
)
from ..problems import ApiError

router = APIRouter(prefix="/api/connectors", tags=["connectors"])
log = logging.getLogger("openai_connector.service")


def find(store: Store, ref: str) -> ConnectorRecord:
    """A connector by id or name; 404 ``unknown_connector`` when there is none."""
    try:
        return store.connectors.get(ref)
    except NotInStore:
        raise ApiError("unknown_connector", f"no connector {ref!r}", field="id") from None


def find_current(request: Request, ref: str) -> ConnectorRecord:
    """:func:`find` for the run path: the connector as the database has it now, read
    through the service's connector cache (one light query when nothing changed)."""
    cache: ConnectorCache = request.app.state.connector_cache
    record = cache.record(ref)
    if record is None:
        raise ApiError("unknown_connector", f"no connector {ref!r}", field="id")
    return record


@contextmanager
def _secrets_masked(*values: str | None) -> Iterator[None]:
    """Refusals never repeat a secret: one given in the request or one already stored
    (a key pasted into the wrong field would otherwise come back in the message)."""
    try:
        yield
    except ApiError as exc:
        redact = Redactor(v for v in values if v)
        exc.message = redact(exc.message)
        raise


def _writable(record: ConnectorRecord) -> None:
    if record.preconfigured:
        raise ApiError(
            "preconfigured_read_only",
            f"connector {record.name!r} is preconfigured: change it in the preconfigured "
            "connectors file and restart the service",
        )


@router.post("", status_code=201)
def create_connector(body: ConnectorIn, request: Request, key: Admin) -> dict[str, Any]:
    with _secrets_masked(*body.secrets.values()):
        change = check_create(body)
    record = store_of(request).connectors.create(change.values, change.secrets)
    log.info("connector created: %r by key %r", record.name, key.name)
    return connector_view(record)


@router.get("")
def list_connectors(request: Request, key: Viewer) -> list[dict[str, Any]]:
    return [connector_view(r) for r in store_of(request).connectors.all()]


@router.get("/{ref}")
def get_connector(ref: str, request: Request, key: Viewer) -> dict[str, Any]:
    return connector_view(find(store_of(request), ref))


@router.put("/{ref}", operation_id="update_connector_put")
@router.patch("/{ref}", operation_id="update_connector")
def update_connector(
    ref: str, body: ConnectorPatch, request: Request, key: Admin
) -> dict[str, Any]:
    """Change the fields given; a secret given is replaced (rotated), null removes it."""
    store = store_of(request)
    current = find(store, ref)
    _writable(current)
    stored = store.connectors.connector_secrets(current.id).values()
    with _secrets_masked(*body.secrets.values(), *stored):
        change = check_update(current, body)
    record = store.connectors.update(current.id, change.values, change.secrets)
    log.info("connector updated: %r by key %r", record.name, key.name)
    return connector_view(record)


@router.delete("/{ref}", status_code=204)
def delete_connector(ref: str, request: Request, key: Admin) -> Response:
    store = store_of(request)
    current = find(store, ref)
    _writable(current)
    store.connectors.delete(current.id)
    log.info("connector deleted: %r by key %r", current.name, key.name)
    return Response(status_code=204)
