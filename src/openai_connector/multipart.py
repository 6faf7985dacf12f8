"""Multipart form bodies: in memory for small forms, streamed from files for large ones.

A form whose files are all in memory is encoded by urllib3 into bytes. A form with a
streamed file (:class:`~.operations.uploads.FileSlice`, e.g. a 500 MB ``files.upload``)
becomes a :class:`~.transport.request.StreamedBody`: the same bytes, produced piece by piece
from the file on each attempt, with their length counted beforehand (so the request carries
a ``content-length``, as it does for bytes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from urllib3.fields import RequestField
from urllib3.filepost import choose_boundary, encode_multipart_formdata

from .operations.uploads import FileSlice
from .transport.request import StreamedBody


def form_value(value: Any) -> Any:
    """Multipart values: files stay tuples; lists repeat the field; the rest become text."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def encode_form(form: dict[str, Any]) -> tuple[bytes | StreamedBody, str, int | None]:
    """(body, content type, length when streamed) for RequestSpec.multipart."""
    fields = [
        (name, form_value(item))
        for name, value in form.items()
        if value is not None
        for item in (value if isinstance(value, list) else [value])
    ]
    if not any(isinstance(value, tuple) and isinstance(value[1], FileSlice) for _, value in fields):
        body, content_type = encode_multipart_formdata(fields)
        return body, content_type, None
    return _streamed(fields)


def _streamed(fields: list[tuple[str, Any]]) -> tuple[StreamedBody, str, int]:
    """The bytes encode_multipart_formdata would write, with each file left in its file."""
    boundary = choose_boundary()
    segments: list[bytes | FileSlice] = []
    for name, value in fields:
        data: Any = value
        if isinstance(value, tuple):
            filename, data, content_type = value
            field = RequestField(name, b"", filename=filename)
            field.make_multipart(content_type=content_type)
        else:
            field = RequestField(name, b"")
            field.make_multipart()
        head = f"--{boundary}\r\n".encode("latin-1") + field.render_headers().encode()
        segments.append(head)
        segments.append(data if isinstance(data, FileSlice | bytes) else str(data).encode())
        segments.append(b"\r\n")
    segments.append(f"--{boundary}--\r\n".encode("latin-1"))
    length = sum(item.size if isinstance(item, FileSlice) else len(item) for item in segments)

    def pieces() -> Iterator[bytes]:
        for item in segments:
            if isinstance(item, FileSlice):
                yield from item.pieces()
            elif item:
                yield item

    content_type = f"multipart/form-data; boundary={boundary}"
    return StreamedBody(pieces, length), content_type, length
