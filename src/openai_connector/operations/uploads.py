"""Files sent in multipart uploads (images, audio): where their bytes come from and what they are.

A file input is one of

- a path (``str``) to a readable file: its bytes are sent unchanged, under its name;
- a ``data:`` URL (``data:audio/wav;base64,...``): the way to pass base64 content in JSON;
- the bytes themselves (from the library).

A plain base64 string is not accepted: it cannot be told apart from a file name.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import struct
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidInput

UploadSource = str | bytes
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

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
class Upload:
    """One file of a multipart form."""

    filename: str
    content: bytes
    content_type: str

    def part(self) -> tuple[str, bytes, str]:
        """The (filename, bytes, content type) tuple of RequestSpec.multipart."""
        return (self.filename, self.content, self.content_type)


def _data_url(value: str) -> tuple[str, bytes]:
    head, _, payload = value.partition(",")
    if not head.endswith(";base64") or not payload:
        raise ValueError("a data: URL must be data:<type>;base64,<content>")
    try:
        content = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the data: URL does not hold valid base64") from None
    return head.removeprefix("data:").removesuffix(";base64") or "application/octet-stream", content


def check_source(value: UploadSource, limit: int | None = None) -> UploadSource:
    """Validate a file input (for a pydantic field validator): it exists, is not empty, fits."""
    if isinstance(value, bytes):
        size = len(value)
    elif value.startswith("data:"):
        size = len(_data_url(value)[1])
    else:
        path = Path(value).expanduser()
        if not path.is_file():
            raise ValueError(
                f"no readable file at {value!r} (give a path, a data: URL, or the bytes)"
            )
        size = path.stat().st_size
    if size == 0:
        raise ValueError("the file is empty")
    if limit is not None and size > limit:
        raise ValueError(f"the file has {size:,} bytes; the limit is {limit:,} bytes")
    return value


def content_type_for(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def read_upload(
    value: UploadSource, field: str, *, filename: str | None = None, default_name: str
) -> Upload:
    """The bytes and name of a file input (checked by :func:`check_source` already).

    The name is ``filename`` if given, else the path's name, else ``default_name`` (with the
    extension of a data: URL's type when ``default_name`` has none).
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
        path = Path(value).expanduser()
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(
                f"{field}: cannot read {value!r}: {exc.strerror}", field=field
            ) from None
        name = path.name
    name = filename or name
    if filename or not content_type:
        content_type = content_type_for(name)
    return Upload(name, content, content_type)


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
