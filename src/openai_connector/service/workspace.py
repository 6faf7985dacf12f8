"""Per-call workspaces and the downloads of files a call produced.

Each run gets its own folder under ``<data dir>/workspaces``: uploads are streamed into it,
the strict policy lets the operation read and write only inside it, and it is removed when
the call ends. A file the call produced that is too large to come back inline is moved to
``<data dir>/downloads`` under a random token and offered at ``/api/downloads/{token}`` until
it is fetched once or expires (default 10 minutes).
"""

from __future__ import annotations

import base64
import mimetypes
import re
import secrets
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str | None, fallback: str = "upload") -> str:
    """A file name that stays inside its folder: no separators, no dot-only names."""
    cleaned = _UNSAFE.sub("_", (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:120]
    return fallback if cleaned.strip(".") == "" else cleaned


class Workspace:
    """One call's folder, made when first needed (most calls never touch files);
    ``close()`` removes it (and everything not moved out)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._path: Path | None = None  # named when first needed too
        self._made = False
        self.uploads: set[Path] = set()

    @property
    def path(self) -> Path:
        """The folder (made on first use)."""
        if self._path is None:
            self._path = self._root / uuid.uuid4().hex
        if not self._made:
            self._path.mkdir(parents=True, mode=0o700)
            self._made = True
        return self._path

    def upload_path(self, name: str | None) -> Path:
        target = self.path / safe_name(name)
        while target.exists():
            target = self.path / f"{uuid.uuid4().hex[:8]}-{target.name}"
        self.uploads.add(target)
        return target

    def produced(self) -> list[Path]:
        """Files in the workspace that were not uploaded: what the call wrote."""
        if not self._made:
            return []
        return sorted(
            p
            for p in self.path.rglob("*")
            if p.is_file() and not p.is_symlink() and p not in self.uploads
        )

    def close(self) -> None:
        if self._made and self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)


@dataclass
class _Download:
    path: Path
    name: str
    expires: float
    caller: str


class Downloads:
    """Files offered once each, for a limited time, to the key that made them."""

    def __init__(
        self, root: Path, ttl: float = 600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.root = root
        self.ttl = ttl
        self._clock = clock
        self._items: dict[str, _Download] = {}
        self._lock = threading.Lock()

    def offer(self, source: Path, caller: str) -> str:
        """Move ``source`` here; the token to fetch it with."""
        self.sweep()
        token = secrets.token_urlsafe(24)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self.root / token
        shutil.move(str(source), target)
        with self._lock:
            self._items[token] = _Download(target, source.name, self._clock() + self.ttl, caller)
        return token

    def take(self, token: str, caller: str) -> tuple[Path, str] | None:
        """The file and its name, once; None when unknown, expired or someone else's."""
        self.sweep()
        with self._lock:
            item = self._items.get(token)
            if item is None or item.caller != caller:
                return None
            del self._items[token]
        return item.path, item.name

    def sweep(self) -> None:
        now = self._clock()
        with self._lock:
            gone = [t for t, item in self._items.items() if item.expires <= now]
            for token in gone:
                self._items.pop(token).path.unlink(missing_ok=True)


def inline_file(
    data: bytes, name: str | None = None, content_type: str | None = None
) -> dict[str, Any]:
    kind = content_type or (mimetypes.guess_type(name)[0] if name else None)
    out: dict[str, Any] = {"base64": base64.b64encode(data).decode(), "size": len(data)}
    if name:
        out["name"] = name
    out["content_type"] = kind or "application/octet-stream"
    return out
