"""Response bodies with bounded size: decoding (gzip, deflate) and counting, for both faces.

Both transports ask for ``gzip, deflate`` and decode the body themselves, so a small
compressed body cannot inflate past ``network.max_response_bytes`` in memory: zlib is asked
for at most the room left under the cap, never for everything a chunk would inflate to.
"""

from __future__ import annotations

import zlib

from ..errors import InvalidResponse

ACCEPT_ENCODING = "gzip, deflate"
"""What both faces advertise (as the official SDK does without brotli or zstd installed)."""
DECODED = frozenset({"gzip", "x-gzip", "deflate"})
"""Content encodings decoded here; any other is passed on as the server sent it."""
PIECE = 65536
"""Most bytes inflated at once when no total is kept (stream chunks)."""
_GZIP_WBITS = 16 + zlib.MAX_WBITS


def where(method: str, url: str) -> str:
    return f"{method} {url.split('?', 1)[0]}"


def too_large(place: str, limit: int) -> InvalidResponse:
    error = InvalidResponse(
        f"{place}: the response is larger than network.max_response_bytes ({limit} bytes)"
    )
    error.hint = "raise network.max_response_bytes in the connection if such answers are expected"
    return error


def declared_length(headers: dict[str, str]) -> int | None:
    """The Content-Length header as a number, or None when absent or not a number."""
    value = headers.get("content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def read_at_once(headers: dict[str, str], limit: int) -> bool:
    """Whether the body can be read in one piece: not encoded, length known and allowed."""
    if "content-encoding" in headers and headers["content-encoding"].lower() in DECODED:
        return False
    length = declared_length(headers)
    return length is not None and 0 <= length <= limit


class BodyDecoder:
    """Decodes one body's bytes as they arrive, keeping the decoded total under ``limit``.

    ``limit`` None counts nothing (a stream whose reader keeps its own total); each call
    then inflates at most :data:`PIECE` bytes at a time, so memory stays bounded anyway.
    """

    __slots__ = ("_encoding", "_inflater", "limit", "place", "size")

    def __init__(self, encoding: str | None, limit: int | None, place: str) -> None:
        encoding = (encoding or "").strip().lower()
        self._encoding = encoding if encoding in DECODED else ""
        self._inflater: zlib._Decompress | None = None
        self.limit = limit
        self.place = place
        self.size = 0

    def _room(self) -> int:
        if self.limit is None:
            return PIECE
        return self.limit - self.size + 1  # one byte more than allowed shows the excess

    def _count(self, piece: bytes) -> bytes:
        self.size += len(piece)
        if self.limit is not None and self.size > self.limit:
            raise too_large(self.place, self.limit)
        return piece

    def decode(self, data: bytes) -> list[bytes]:
        """The decoded pieces of ``data`` (several when a chunk inflates a lot)."""
        if not self._encoding:
            return [self._count(data)] if data else []
        pieces: list[bytes] = []
        while data or pieces:
            inflater = self._inflater
            if inflater is None:
                inflater = self._inflater = self._new_inflater()
            room = self._room()
            try:
                piece = inflater.decompress(data, room)
            except zlib.error as exc:
                if self._encoding == "deflate" and self.size == 0 and not pieces:
                    # "deflate" sent as a raw stream, without the zlib header
                    self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise self._broken(exc) from None
            if piece:
                pieces.append(self._count(piece))
            if inflater.unconsumed_tail:
                data = inflater.unconsumed_tail
            elif inflater.eof and inflater.unused_data:
                data = inflater.unused_data  # another gzip member follows
                self._inflater = None
            elif len(piece) == room:
                data = b""  # the output was cut at room: zlib may hold more
            else:
                break
        return pieces

    def _new_inflater(self) -> zlib._Decompress:
        if self._encoding == "deflate":
            return zlib.decompressobj(zlib.MAX_WBITS)
        return zlib.decompressobj(_GZIP_WBITS)

    def _broken(self, exc: zlib.error) -> InvalidResponse:
        return InvalidResponse(
            f"{self.place}: the {self._encoding} response body could not be decoded: {exc}"
        )

    def finish(self) -> list[bytes]:
        """What the inflater still holds at the end of the body."""
        if self._inflater is None:
            return []
        piece = self._inflater.flush()
        return [self._count(piece)] if piece else []


class StreamLimit:
    """Bounds an event stream as it arrives: its total size, and its longest line (what an
    event decoder must hold before it can parse anything)."""

    __slots__ = ("_line", "limit", "line_limit", "place", "size")

    def __init__(self, limit: int, line_limit: int, place: str) -> None:
        self.limit = limit
        self.line_limit = min(line_limit, limit)
        self.place = place
        self.size = 0
        self._line = 0

    def check(self, raw: bytes) -> None:
        self.size += len(raw)
        if self.size > self.limit:
            raise too_large(self.place, self.limit)
        end = max(raw.rfind(b"\n"), raw.rfind(b"\r"))
        self._line = self._line + len(raw) if end < 0 else len(raw) - end - 1
        if self._line > self.line_limit:
            raise InvalidResponse(
                f"{self.place}: a line of the event stream is longer than "
                f"{self.line_limit} bytes; the stream is not read further"
            )
