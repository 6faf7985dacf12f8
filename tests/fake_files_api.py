"""A stateful fake of OpenAI's files API, to plug into ScriptedServer as its ``default``.

Upload stores the bytes, list lists them, retrieve describes one, content returns the same
bytes, delete removes the file. It answers under ``/v1`` with OpenAI's shapes and errors,
and checks the bearer token, so a round trip exercises the connector the way the real API
would.
"""

from __future__ import annotations

import email.parser
import email.policy
import itertools
from dataclasses import dataclass, field
from typing import Any

from scripted_server import Recorded, Reply

PURPOSES = {"fine-tune", "batch", "assistants", "vision", "user_data", "evals"}


@dataclass
class StoredFile:
    id: str
    filename: str
    purpose: str
    content: bytes
    content_type: str
    created_at: int

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": len(self.content),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
        }


def parse_multipart(recorded: Recorded) -> dict[str, Any]:
    """Form fields by name: text for plain fields, (filename, bytes, type) for files."""
    head = f"Content-Type: {recorded.headers.get('content-type', '')}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + recorded.body)
    fields: dict[str, Any] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            fields[str(name)] = (filename, payload, part.get_content_type())
        else:
            fields[str(name)] = payload.decode()
    return fields


def _error(status: int, message: str, code: str | None = None) -> Reply:
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    return Reply(status, json={"error": error})


@dataclass
class FakeFilesApi:
    api_key: str = "sk-test1234"
    files: dict[str, StoredFile] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _clock: itertools.count[int] = field(default_factory=lambda: itertools.count(1700000000))

    def add(self, content: bytes, *, filename: str = "data.jsonl", purpose: str = "batch") -> str:
        """Store a file as if uploaded (e.g. a batch's output); its id."""
        file_id = f"file-{next(self._ids):04d}"
        self.files[file_id] = StoredFile(
            file_id, filename, purpose, content, "application/octet-stream", next(self._clock)
        )
        return file_id

    def __call__(self, recorded: Recorded) -> Reply:
        if recorded.headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(401, "Incorrect API key provided", "invalid_api_key")
        parts = recorded.path.removeprefix("/v1").strip("/").split("/")
        if parts[0] != "files":
            return _error(404, f"Invalid URL ({recorded.method} {recorded.path})")
        if len(parts) == 1:
            if recorded.method == "POST":
                return self._upload(recorded)
            if recorded.method == "GET":
                return self._list(recorded.query)
        elif parts[1] not in self.files:
            return _error(404, f"No such File object: {parts[1]}")
        elif len(parts) == 2 and recorded.method == "GET":
            return Reply(json=self.files[parts[1]].describe())
        elif len(parts) == 2 and recorded.method == "DELETE":
            del self.files[parts[1]]
            return Reply(json={"id": parts[1], "object": "file", "deleted": True})
        elif parts[2:] == ["content"] and recorded.method == "GET":
            stored = self.files[parts[1]]
            return Reply(body=stored.content, headers={"content-type": stored.content_type})
        return _error(405, f"{recorded.method} is not allowed on {recorded.path}")

    def _upload(self, recorded: Recorded) -> Reply:
        if not recorded.headers.get("content-type", "").startswith("multipart/form-data"):
            return _error(400, "expected multipart/form-data")
        form = parse_multipart(recorded)
        upload, purpose = form.get("file"), form.get("purpose")
        if not isinstance(upload, tuple):
            return _error(400, "'file' is a required property")
        if purpose not in PURPOSES:
            return _error(400, f"invalid purpose {purpose!r}")
        file_id = self.add(upload[1], filename=upload[0], purpose=purpose)
        self.files[file_id].content_type = upload[2]
        return Reply(json=self.files[file_id].describe())

    def _list(self, query: dict[str, str]) -> Reply:
        found = [f for f in self.files.values() if query.get("purpose") in (None, f.purpose)]
        found.sort(key=lambda f: f.created_at, reverse=query.get("order", "desc") == "desc")
        if "after" in query:
            ids = [f.id for f in found]
            found = found[ids.index(query["after"]) + 1 :] if query["after"] in ids else []
        limit = int(query.get("limit", "10000"))
        page = found[:limit]
        return Reply(
            json={
                "object": "list",
                "data": [f.describe() for f in page],
                "first_id": page[0].id if page else None,
                "last_id": page[-1].id if page else None,
                "has_more": len(found) > limit,
            }
        )
