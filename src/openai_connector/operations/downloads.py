"""Output files: checked before a call is sent, written after it without losing the answer.

Before sending (:func:`check_output_file`, :func:`check_output_folder`): the name is a valid
file name, its folder exists or is made and is writable, and an existing file is refused
unless ``overwrite`` is true. An answer is written to a hidden partial file in the same
folder, then moved into place: without ``overwrite`` it never replaces a file (not even one
another call made meanwhile). When writing fails (a full disk, a folder made read-only),
the partial file is removed and :class:`~..errors.OutputWriteFailed` carries the answer.

Every output path goes through the connector's :class:`~..local_files.LocalFiles` (its trust
policy): a path outside the workspace, or any path where no files are allowed, is refused.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import InvalidInput, OutputWriteFailed
from ..local_files import LocalFiles
from ..result import Result

MAX_NAME_BYTES = 255
MAX_KEPT_ON_FAILURE = 512 * 1024 * 1024
"""Bytes of a streamed download kept in memory for the error when the file cannot be written."""


@dataclass(frozen=True, slots=True)
class Download:
    """A response body streamed to a file (RequestSpec.download) instead of held in memory."""

    path: Path
    """Absolute, checked by :func:`check_output_file`."""
    overwrite: bool = False


def check_output_folder(value: str, field: str, *, files: LocalFiles) -> Path:
    """The folder (made if missing) as an absolute path; InvalidInput if it cannot be used
    or ``files`` refuses it."""
    if not value.strip() or "\x00" in value:
        raise InvalidInput(f"{field}: {value!r} is not a folder name", field=field)
    folder = files.output(value, field)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InvalidInput(
            f"{field}: {str(folder)!r} is a file, not a folder", field=field
        ) from None
    except OSError as exc:
        raise InvalidInput(
            f"{field}: cannot make the folder {str(folder)!r}: {exc.strerror}", field=field
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidInput(f"{field}: the folder {str(folder)!r} is not writable", field=field)
    return folder


def check_output_name(name: str, field: str) -> None:
    if (
        not name.strip()
        or name in (".", "..")
        or "/" in name
        or "\x00" in name
        or len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES
    ):
        raise InvalidInput(f"{field}: {name!r} is not a valid file name", field=field)


def check_output_file(value: str, field: str, *, overwrite: bool, files: LocalFiles) -> Path:
    """The file to write, as an absolute path, checked before anything is sent."""
    if not value.strip() or value.endswith(("/", os.sep)) or "\x00" in value:
        raise InvalidInput(f"{field}: {value!r} must be a file path, not a folder", field=field)
    path = Path(value)
    check_output_name(path.name, field)
    if files.root is not None:
        files.output(value, field)  # in a workspace, a link named as the file must not point out
    folder = check_output_folder(str(path.parent), field, files=files)
    target = folder / path.name
    refuse_existing(target, field, overwrite=overwrite)
    return target


def refuse_existing(target: Path, field: str, *, overwrite: bool) -> None:
    if target.is_dir():
        raise InvalidInput(f"{field}: {str(target)!r} is a folder, not a file", field=field)
    if not overwrite and (target.exists() or target.is_symlink()):
        raise InvalidInput(
            f"{field}: {str(target)!r} exists already",
            field=field,
            hint="choose another name, or pass overwrite: true to replace it",
        )


def unique_stem(prefix: str) -> str:
    """A file name stem no other call picks: ``image-20260102-150405-3fa2c1``."""
    return f"{prefix}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


class PartialFile:
    """A hidden file next to ``target`` that becomes ``target`` once complete.

    Written without a buffer, so ``written`` counts the bytes that reached the file even
    when a write fails half-way (a full disk).
    """

    def __init__(self, target: Path, *, in_place: bool = False) -> None:
        self.target = target
        self.in_place = in_place
        """Write ``target`` itself (its lines are seen as they come); ``discard`` removes it."""
        self.path = target
        if not in_place:
            self.path = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        self.written = 0
        self._file: BinaryIO | None = None

    def open(self, *, overwrite: bool = False) -> None:
        """Create the file; an existing one only with ``overwrite`` (and ``in_place``)."""
        if overwrite and self.in_place:
            self._file = self.path.open("wb", buffering=0)
        else:
            self._file = self.path.open("xb", buffering=0)

    def write(self, content: bytes) -> None:
        assert self._file is not None
        view = memoryview(content)
        while view:
            count = self._file.write(view) or 0
            self.written += count
            view = view[count:]

    def finish(self, *, overwrite: bool) -> None:
        """Close and move into place; without ``overwrite`` an existing target is kept."""
        assert self._file is not None
        self._file.close()
        if self.in_place:
            return
        if overwrite:
            os.replace(self.path, self.target)
            return
        try:
            os.link(self.path, self.target)  # fails, atomically, if the target exists
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links
            if self.target.exists():
                raise FileExistsError(17, "File exists", str(self.target)) from None
            os.replace(self.path, self.target)
            return
        self.path.unlink()

    def discard(self) -> str | None:
        """Remove the partial file; its path when there was one."""
        if self._file is not None:
            with contextlib.suppress(OSError):  # the file goes anyway
                self._file.close()
        try:
            self.path.unlink()
        except FileNotFoundError:
            return None
        except OSError:
            return None
        return str(self.path)


class Kept:
    """The bytes of an answer whose file failed: those written (read back), then the rest,
    up to :data:`MAX_KEPT_ON_FAILURE` (``complete`` is false past it)."""

    def __init__(self, partial: PartialFile, piece: bytes, before: int) -> None:
        self.pieces: list[bytes] = []
        self.size = 0
        self.complete = partial.written <= MAX_KEPT_ON_FAILURE
        if self.complete and partial.written:
            try:
                with partial.path.open("rb") as file:
                    self.add(file.read(partial.written))
            except OSError:
                self.complete = False
        self.add(piece[partial.written - before :])

    def add(self, piece: bytes) -> None:
        if not self.complete:
            return
        if self.size + len(piece) > MAX_KEPT_ON_FAILURE:
            self.pieces, self.complete = [], False
            return
        self.pieces.append(piece)
        self.size += len(piece)

    def content(self) -> bytes | None:
        return b"".join(self.pieces) if self.complete else None


def write_failed(
    exc: OSError, partial: PartialFile, result: Result, what: str = "the answer"
) -> OutputWriteFailed:
    """The error for a write that failed: the partial file removed, ``result`` carried."""
    removed = partial.discard()
    reason = exc.strerror or str(exc)
    if isinstance(exc, FileExistsError):
        reason = "another file appeared there while the call ran"
    if removed is None:
        where = "; no file was left"
    elif partial.in_place:
        where = f"; the incomplete file {removed} was removed"
    else:
        where = f"; the partial file {removed} was removed"
    return OutputWriteFailed(
        f"cannot write {what} to {str(partial.target)!r}: {reason}{where}",
        result=result,
        path=str(partial.target),
        removed=removed,
        hint="the error's result holds the whole answer; free space or choose another place",
    )


def write_file(
    target: Path, content: bytes, result: Result, *, overwrite: bool, what: str = "the answer"
) -> Path:
    """Write ``content`` to ``target`` whole or not at all (OutputWriteFailed carries
    ``result``)."""
    partial = PartialFile(target)
    try:
        partial.open()
        partial.write(content)
        partial.finish(overwrite=overwrite)
    except OSError as exc:
        raise write_failed(exc, partial, result, what) from None
    return target


def save_body(
    result: Result,
    output: str | None,
    *,
    overwrite: bool = False,
    files: LocalFiles,
    **facts: Any,
) -> Result:
    """Write a binary body to ``output``; the body then says where, how much and what type.

    The path is listed in ``result.extra["files"]``; ``facts`` are added to the new body.
    A body already streamed to the file (a download) only gets the facts.
    """
    if output is None:
        return result
    if isinstance(result.body, dict) and "path" in result.body:
        result.body = {**facts, **result.body}
        return result
    if not isinstance(result.body, bytes):
        return result
    target = write_file(files.output(output, "output"), result.body, result, overwrite=overwrite)
    result.extra.setdefault("files", []).append(str(target))
    result.body = {
        **facts,
        "path": str(target),
        "bytes": len(result.body),
        "content_type": result.headers.get("content-type"),
    }
    return result
