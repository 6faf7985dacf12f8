"""Response bodies with bounded size: decoding (gzip, deflate) and counting, for both faces.

Both transports ask for ``gzip, deflate`` and decode the body themselves, so a small
compressed body cannot inflate past ``network.max_response_bytes`` in memory: zlib is asked
for at most the room left under the cap, never for everything a chunk would inflate to.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from ..errors import InvalidResponse

ACCEPT_ENCODING = "gzip, deflate"
"""What both faces advertise (as the official SDK does without brotli or zstd installed)."""
DECODED = frozenset({"gzip", "x-gzip", "deflate"})
"""Content encodings decoded here; any other is passed on as the server sent it."""
PIECE = 65536
"""Most bytes inflated at once when no total is kept (stream chunks)."""
_WBITS = {
    "gzip": 16 + zlib.MAX_WBITS,
    "x-gzip": 16 + zlib.MAX_WBITS,
    "deflate": zlib.MAX_WBITS,
    "raw deflate": -zlib.MAX_WBITS,
}


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
    encoding = headers.get("content-encoding")
    if encoding is not None and encoding.strip().lower() in DECODED:
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

    def decode(self, data: bytes) -> Iterator[bytes]:
        """The decoded pieces of ``data``, inflated one at a time as they are taken (a
        chunk that inflates a lot is never held whole)."""
        if not self._encoding:
            if data:
                yield self._count(data)
            return
        more = bool(data)
        while more:
            inflater = self._inflater
            if inflater is None:
                inflater = self._inflater = self._new_inflater()
            room = self._room()
            try:
                piece = inflater.decompress(data, room)
            except zlib.error as exc:
                if self._encoding == "deflate" and self.size == 0:
                    # "deflate" sent as a raw stream, without the zlib header
                    self._encoding = "raw deflate"
                    self._inflater = None
                    continue
                raise self._broken(exc) from None
            if piece:
                yield self._count(piece)
            if inflater.unconsumed_tail:
                data = inflater.unconsumed_tail
            elif inflater.eof and inflater.unused_data:
                data = inflater.unused_data  # another gzip member follows
                self._inflater = None
            elif len(piece) == room:
                data = b""  # the output was cut at room: zlib may hold more
            else:
                more = False

    def _new_inflater(self) -> zlib._Decompress:
        return zlib.decompressobj(_WBITS[self._encoding])

    def _broken(self, exc: zlib.error) -> InvalidResponse:
        return InvalidResponse(
            f"{self.place}: the {self._encoding} response body could not be decoded: {exc}"
        )

    def finish(self) -> Iterator[bytes]:
        """What the inflater still holds at the end of the body."""
        if self._inflater is not None and (piece := self._inflater.flush()):
            yield self._count(piece)


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
        if self._line + len(raw) > self.line_limit:  # only then can a line be too long
            lines = raw.splitlines() or [b""]
            longest = max([self._line + len(lines[0]), *map(len, lines[1:])])
            if longest > self.line_limit:
                raise InvalidResponse(
                    f"{self.place}: a line of the event stream is longer than "
                    f"{self.line_limit} bytes; the stream is not read further"
                )
        end = max(raw.rfind(b"\n"), raw.rfind(b"\r"))
        self._line = self._line + len(raw) if end < 0 else len(raw) - end - 1
