"""The web console at ``/``: plain ES modules and CSS shipped inside the package (no CDN, no
build step), served with a Content-Security-Policy that allows this origin only: no inline
scripts, no other hosts. ``/api/me`` and ``/api/schema/connection`` tell the console who
is signed in and which fields the connector form has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from ..connection import CREDENTIAL_FIELDS, Connection
from .auth import Viewer
from .connector_input import HEADER_SECRET, HOST_FEATURES

CONSOLE_DIR = Path(__file__).parent / "console"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}

router = APIRouter(include_in_schema=False)
schema_router = APIRouter(prefix="/api", tags=["console"])


def _file(path: Path) -> Response:
    media_type = _TYPES.get(path.suffix)
    if media_type is None or not path.is_file():
        return Response(status_code=404, headers=SECURITY_HEADERS)
    return FileResponse(path, media_type=media_type, headers=SECURITY_HEADERS)


@router.get("/")
def console_page() -> Response:
    return _file(CONSOLE_DIR / "index.html")


@router.get("/console/{name:path}")
def console_asset(name: str) -> Response:
    path = (CONSOLE_DIR / name).resolve()
    if not path.is_relative_to(CONSOLE_DIR.resolve()):
        return Response(status_code=404, headers=SECURITY_HEADERS)
    return _file(path)


@router.get("/favicon.ico")
def favicon() -> Response:
    return _file(CONSOLE_DIR / "icon.svg")


@schema_router.get("/me")
def who_am_i(key: Viewer) -> dict[str, Any]:
    """The calling key's name and role (the console shows only what the role may do)."""
    return {"name": key.name, "role": key.role}


@schema_router.get("/schema/connection")
def connection_schema(key: Viewer) -> dict[str, Any]:
    """The connection settings' JSON Schema (credentials left out: they are ``secrets``),
    the secret names and the settings refused through the API."""
    schema = Connection.model_json_schema()
    properties = schema.get("properties", {})
    for name in CREDENTIAL_FIELDS:
        properties.pop(name, None)
    for path in HOST_FEATURES:  # refused through the API: not offered in the form
        holder = properties
        for part in path[:-1]:
            ref = str(holder.get(part, {}).get("$ref", ""))
            holder = schema.get("$defs", {}).get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
        holder.pop(path[-1], None)
    refused = [".".join(path) for path in HOST_FEATURES] + ["network.verify (a path)"]
    return {
        "schema": schema,
        "secrets": [*CREDENTIAL_FIELDS, f"{HEADER_SECRET}NAME"],
        "refused": refused,
    }
