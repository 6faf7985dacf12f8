"""Files sent in multipart uploads (images, audio): where their bytes come from and what they are.

A file input is one of

- a path (``str``) to a readable file: its bytes are sent unchanged, under its name;
- a ``data:`` URL (``data:audio/wav;base64,...``): the way to pass base64 content in JSON;
- the bytes themselves (from the library).

A plain base64 string is not accepted: it cannot be told apart from a file name.

Every file input has a size limit, checked from the file's ``stat`` before anything is read
(and again while reading, should the file grow): the provider's limit for that input, or
:data:`MAX_FILE_BYTES` where the provider documents none. A path is read once; a large one
(``files.upload``, ``raw.request``'s ``file_data``) is not read into memory at all but sent
in pieces from the file (:class:`FileSlice`).
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import os
import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput
from ..local_files import LocalFiles

UploadSource = str | bytes
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_FILE_BYTES = 512 * 1024 * 1024
"""The limit of a file input whose provider documents none (OpenAI's limit for one file)."""
PIECE_BYTES = 256 * 1024
"""How much of a streamed file is read and sent at a time."""

# Magic numbers of the audio formats the transcription API reads, for bytes sent without a name.
_AUDIO_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"fLaC", "flac"),
    (0, b"OggS", "ogg"),
    (0, b"ID3", "mp3"),
    (0, b"\xff\xfb", "mp3"),
    (0, b"\xff\xf3", "mp3"),
    (0, b"\xff\xf2", "mp3"),
    (0, b"\x1a\x45\xdf\xa3", "webm"),
    (4, b"ftyp", "m4a"),
)


@dataclass(frozen=True, slots=True)
class FileSlice:
    """A local file sent in pieces: its first ``size`` bytes, read anew for each attempt."""

    path: Path
    size: int
    field: str

    def pieces(self) -> Iterator[bytes]:
        """The bytes, piece by piece; InvalidInput (not a transport error, never retried)
        when the file cannot be read or became shorter since it was checked."""
        left = self.size
        try:
            file = self.path.open("rb")
        except OSError as exc:
            raise _unreadable(self.field, self.path, exc) from None
        with file:
            while left > 0:
                try:
                    piece = file.read(min(PIECE_BYTES, left))
                except OSError as exc:
                    raise _unreadable(self.field, self.path, exc) from None
                if not piece:
                    raise InvalidInput(
                        f"{self.field}: {str(self.path)!r} became shorter while it was sent",
                        field=self.field,
                    )
                left -= len(piece)
                yield piece


@dataclass(frozen=True, slots=True)
class Upload:
    """One file of a multipart form: its bytes, or (streamed) the file they are read from."""

    filename: str
    content: bytes
    content_type: str
    file: FileSlice | None = None
    """Set for a streamed file; ``content`` is then empty."""

    def part(self) -> tuple[str, bytes | FileSlice, str]:
        """The (filename, bytes or FileSlice, content type) tuple of RequestSpec.multipart."""
        return (self.filename, self.file or self.content, self.content_type)


def _unreadable(field: str, path: Path, exc: OSError) -> InvalidInput:
    return InvalidInput(f"{field}: cannot read {str(path)!r}: {exc.strerror}", field=field)


def _too_big(field: str, size: int, limit: int) -> InvalidInput:
    return InvalidInput(
        f"{field}: the file has {size:,} bytes; the limit is {limit:,} bytes",
        field=field,
    )


def read_limited(path: Path, field: str, limit: int) -> bytes:
    """A file's bytes, read once, refused (InvalidInput) before reading when over ``limit``."""
    try:
        with path.open("rb") as file:
            size = os.fstat(file.fileno()).st_size
            if size > limit:
                raise _too_big(field, size, limit)
            content = file.read(limit + 1)
    except OSError as exc:
        raise _unreadable(field, path, exc) from None
    if len(content) > limit:  # it grew after the check
        raise _too_big(field, len(content), limit)
    return content


def _data_url(value: str) -> tuple[str, bytes]:
    head, _, payload = value.partition(",")
    if not head.endswith(";base64") or not payload:
        raise ValueError("a data: URL must be data:<type>;base64,<content>")
    try:
        content = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the data: URL does not hold valid base64") from None
    return head.removeprefix("data:").removesuffix(";base64") or "application/octet-stream", content


def check_source(value: UploadSource, limit: int, files: LocalFiles) -> UploadSource:
    """Validate a file input (for a pydantic field validator): it exists, is not empty, fits.

    A path must be one ``files`` (the connector's trust policy) allows."""
    if isinstance(value, bytes):
        size = len(value)
    elif value.startswith("data:"):
        size = len(_data_url(value)[1])
    else:
        size = file_size(value, files)
    if size == 0:
        raise ValueError("the file is empty")
    if size > limit:
        raise ValueError(f"the file has {size:,} bytes; the limit is {limit:,} bytes")
    return value


def file_size(value: str, files: LocalFiles) -> int:
    """The size of the regular file at path ``value``; ValueError when there is none or
    ``files`` refuses the path."""
    path = files.locate(value)
    try:
        status = path.stat()
    except (OSError, ValueError, RuntimeError):
        status = None
    if status is None or not stat.S_ISREG(status.st_mode):
        raise ValueError(f"no readable file at {value!r} (give a path, a data: URL, or the bytes)")
    return status.st_size


def content_type_for(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def read_upload(
    value: UploadSource,
    field: str,
    *,
    filename: str | None = None,
    default_name: str,
    limit: int = MAX_FILE_BYTES,
    stream: bool = False,
    files: LocalFiles,
) -> Upload:
    """The bytes and name of a file input (checked by :func:`check_source` already).

    The name is ``filename`` if given, else the path's name, else ``default_name`` (with the
    extension of a data: URL's type when ``default_name`` has none). A path over ``limit``
    bytes is refused before it is read; with ``stream`` it is not read at all here but sent
    in pieces from the file. A path goes through ``files`` (the connector's trust policy).
    """
    content_type: str | None = None
    if isinstance(value, bytes):
        content, name = value, default_name
    elif value.startswith("data:"):
        try:
            content_type, content = _data_url(value)
        except ValueError as exc:
            raise InvalidInput(f"{field}: {exc}", field=field) from None
        extension = mimetypes.guess_extension(content_type) or ""
        name = default_name if Path(default_name).suffix else default_name + extension
    else:
        path = files.path(value, field)
        name = filename or Path(value).name
        if stream:
            return Upload(name, b"", content_type_for(name), _slice(path, field, limit))
        content = read_limited(path, field, limit)
        name = Path(value).name
    if len(content) > limit:
        raise _too_big(field, len(content), limit)
    name = filename or name
    if filename or not content_type:
        content_type = content_type_for(name)
    return Upload(name, content, content_type)


def _slice(path: Path, field: str, limit: int) -> FileSlice:
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass  # readable now; a retry reads it again
    except OSError as exc:
        raise _unreadable(field, path, exc) from None
    if size > limit:
        raise _too_big(field, size, limit)
    return FileSlice(path, size, field)


def audio_format(content: bytes) -> str | None:
    """The audio format (file extension) that ``content`` starts like, if known."""
    if content[:4] == b"RIFF" and content[8:12] == b"WAVE":
        return "wav"
    for offset, magic, extension in _AUDIO_SIGNATURES:
        if content[offset : offset + len(magic)] == magic:
            return extension
    return None


def png_size(content: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG image, or None when ``content`` is not a PNG."""
    if not content.startswith(PNG_SIGNATURE) or content[12:16] != b"IHDR" or len(content) < 24:
        return None
    width, height = struct.unpack(">II", content[16:24])
    return int(width), int(height)
