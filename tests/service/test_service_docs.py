from __future__ import annotations

import re

from service_app import Service


def test_docs_reference_only_local_urls(service: Service) -> None:
    html = service.anonymous.get("/docs").text
    urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", html)
    assert urls, "no asset found in the docs page"
    assert all(u.startswith("/") and not u.startswith("//") for u in urls), urls
    assert "http://" not in html and "https://" not in html and "cdn" not in html.lower()


def test_the_docs_assets_are_served_from_the_installed_package(service: Service) -> None:
    html = service.anonymous.get("/docs").text
    assets = re.findall(r"""(?:src|href)="(/docs/assets/[^"]+)""", html)
    assert len(assets) == 3
    for asset in assets:
        response = service.anonymous.get(asset)
        assert response.status_code == 200, asset
        assert response.content
    bundle = service.anonymous.get("/docs/assets/swagger-ui-bundle.js")
    assert b"SwaggerUIBundle" in bundle.content and len(bundle.content) > 100_000


def test_the_openapi_document_lists_the_routes_and_the_bearer_scheme(service: Service) -> None:
    spec = service.anonymous.get("/openapi.json").json()
    for path in (
        "/api/connectors",
        "/api/connectors/{ref}",
        "/api/keys",
        "/api/usage",
        "/api/operations",
        "/api/operations/{operation_id}",
        "/healthz",
        "/readyz",
    ):
        assert path in spec["paths"], path
    schemes = spec["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
