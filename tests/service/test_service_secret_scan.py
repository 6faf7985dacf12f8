"""A planted secret goes through every route; it must show up in no response, log line or
readable database byte."""

from __future__ import annotations

import logging

import pytest
from service_app import Service

PLANTED = "sk-planted-e8c1f0a4b2d6"
PLANTED_HEADER = "hdr-planted-77aa11bb"
PLANTED_NAMED = "named-planted-5c5c5c5c"


def test_a_planted_secret_is_in_no_response_log_line_or_database_byte(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = service.admin
    viewer = service.client_with_role("viewer")
    body = {
        "name": "scan",
        "provider": "compatible",
        "config": {"base_url": "http://127.0.0.1:9/v1"},
        "secrets": {"api_key": PLANTED, "headers.X-Api-Key": PLANTED_HEADER},
    }
    created = admin.post("/api/connectors", json=body).json()
    ref = created["id"]
    admin.post("/api/connectors", json=body)  # duplicate: an error that echoes the body?
    admin.post("/api/connectors", json=body | {"name": "bad", "config": {"base_url": "x"}})
    admin.post("/api/connectors", json=body | {"name": "bad2", "provider": "azure"})
    admin.post(
        "/api/connectors",
        json=body | {"name": "bad3", "secrets": {"api_key": PLANTED + "\n\x00"}},
    )
    admin.patch(f"/api/connectors/{ref}", json={"secrets": {"api_key": PLANTED + "-rotated"}})
    # a stored key pasted into the wrong field is not repeated in the refusal
    admin.patch(f"/api/connectors/{ref}", json={"config": {"base_url": PLANTED + "-rotated"}})
    admin.post("/api/connectors", json=body | {"name": "b4", "config": {"base_url": PLANTED}})
    admin.put(f"/api/secrets/{PLANTED_NAMED[:5]}", json={"value": PLANTED_NAMED})
    admin.put("/api/secrets/X", json={"value": PLANTED_NAMED, "extra": PLANTED})
    for client in (admin, viewer):
        client.get("/api/connectors")
        client.get(f"/api/connectors/{ref}")
        client.get("/api/secrets")
        client.get("/api/usage")
        client.get("/api/usage?format=csv")
    admin.get("/openapi.json")
    admin.delete(f"/api/connectors/{ref}")

    assert len(admin.seen) > 15
    seen = "\n".join(admin.seen)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    assert "scan" in seen
    for secret in (PLANTED, PLANTED_HEADER, PLANTED_NAMED):
        assert secret not in seen, secret
        assert secret not in logs, secret
    service.store.engine.dispose()
    stored = b"".join(p.read_bytes() for p in service.data_dir.glob("service.db*"))
    for secret in (PLANTED, PLANTED_HEADER, PLANTED_NAMED, "planted"):
        assert secret.encode() not in stored, secret
