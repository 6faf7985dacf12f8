"""Read back a multipart/form-data request the scripted server recorded, field by field."""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass

from scripted_server import Recorded


@dataclass(frozen=True)
class FilePart:
    filename: str
    content: bytes
    content_type: str


def form_fields(recorded: Recorded) -> list[tuple[str, str | FilePart]]:
    """Every field in the order sent: text for plain fields, FilePart for files.

    Repeated fields (``image[]``, ``timestamp_granularities[]``) appear once per value.
    """
    content_type = recorded.headers.get("content-type", "")
    assert content_type.startswith("multipart/form-data; boundary="), content_type
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + recorded.body)
    fields: list[tuple[str, str | FilePart]] = []
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        filename = part.get_filename()
        if filename is None:
            fields.append((name, payload.decode()))
        else:
            fields.append((name, FilePart(filename, payload, part.get_content_type())))
    return fields


def form_dict(recorded: Recorded) -> dict[str, str | FilePart | list[str | FilePart]]:
    """The fields by name; a repeated field's values as a list."""
    found: dict[str, str | FilePart | list[str | FilePart]] = {}
    for name, value in form_fields(recorded):
        if name in found:
            previous = found[name]
            found[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            found[name] = value
    return found
