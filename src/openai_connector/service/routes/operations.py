"""``/api/operations``: the catalogue (every role): list, keyword search, schema and example."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ... import catalogue
from ...errors import UnknownOperation
from ..auth import Viewer
from ..problems import ApiError

router = APIRouter(prefix="/api/operations", tags=["operations"])


def _entry(entry: catalogue.Entry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in entry.__slots__}


@router.get("")
def list_operations(
    key: Viewer,
    q: Annotated[
        str | None, Query(max_length=500, description="Keywords, best match first.")
    ] = None,
) -> list[dict[str, Any]]:
    if q is None or not q.strip():
        return [_entry(e) for e in catalogue.entries()]
    return [_entry(m.entry) | {"score": m.score} for m in catalogue.search(q)]


@router.get("/{operation_id}")
def get_operation(operation_id: str, key: Viewer) -> dict[str, Any]:
    try:
        data = catalogue.describe(operation_id)
    except UnknownOperation as exc:
        raise ApiError("unknown_operation", exc.message, field="operation") from None
    data.pop("command", None)
    return data
