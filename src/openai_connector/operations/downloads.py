"""Writing what a call returned to files, for operations whose answer is a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..result import Result


def write_file(target: Path, content: bytes) -> Path:
    """Write ``content`` to ``target`` (folders made as needed) without leaving half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    partial.write_bytes(content)
    partial.replace(target)
    return target


def save_body(result: Result, output: str | None, **facts: Any) -> Result:
    """Write a binary body to ``output``; the body then says where, how much and what type.

    The path is listed in ``result.extra["files"]``; ``facts`` are added to the new body.
    """
    if output is None or not isinstance(result.body, bytes):
        return result
    target = write_file(Path(output).expanduser().resolve(), result.body)
    result.extra.setdefault("files", []).append(str(target))
    result.body = {
        **facts,
        "path": str(target),
        "bytes": len(result.body),
        "content_type": result.headers.get("content-type"),
    }
    return result
