"""A test client of the service that keeps every response it got, for the secret scans."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx import Response


class ServiceClient:
    """TestClient calls with a key; every response's status line, headers and body kept."""

    def __init__(self, client: TestClient, key: str | None = None) -> None:
        self.client = client
        self.key = key
        self.seen: list[str] = []

    def as_key(self, key: str | None) -> ServiceClient:
        other = ServiceClient(self.client, key)
        other.seen = self.seen
        return other

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if self.key is not None:
            headers.setdefault("Authorization", f"Bearer {self.key}")
        response = self.client.request(method, url, headers=headers, **kwargs)
        text = response.content.decode(errors="replace")
        self.seen.append(f"{response.status_code} {response.headers!r}\n{text}")
        return response

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Response:
        return self.request("PATCH", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)


def error_of(response: Response) -> dict[str, Any]:
    """The ``error`` object of an error response; fails unless the shape is the service's."""
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) <= {"code", "message", "field"} and {"code", "message"} <= set(error)
    return error
