"""The service under test: the real application on a fresh SQLite database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from service_client import ServiceClient

from openai_connector.service import ServiceSettings, create_app
from openai_connector.store import Store


@dataclass
class Service:
    store: Store
    admin: ServiceClient
    """A client with an admin key."""
    data_dir: Path

    def client_with_role(self, role: str, name: str | None = None) -> ServiceClient:
        _, key = self.store.keys.create(name or f"{role}-key", role)
        return self.admin.as_key(key)

    @property
    def anonymous(self) -> ServiceClient:
        return self.admin.as_key(None)


def start(data_dir: Path, **settings: object) -> tuple[Store, TestClient]:
    app = create_app(ServiceSettings(data_dir=data_dir, environ={}, **settings))  # type: ignore[arg-type]
    return app.state.store, TestClient(app, raise_server_exceptions=False)


CONNECTOR = {
    "name": "support",
    "description": "Support answers",
    "provider": "compatible",
    "config": {"base_url": "http://127.0.0.1:9/v1", "default_model": "gpt-4o-mini"},
    "secrets": {"api_key": "sk-live-planted-0a1b2c3d4e5f"},
    "tags": ["prod"],
}
