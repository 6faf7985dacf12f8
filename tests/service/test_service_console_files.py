"""The console's files: served from the package at /, under a strict Content-Security-Policy,
with nothing fetched from another origin; and the small APIs the console reads."""

from __future__ import annotations

import re

import pytest
from service_app import Service
from service_client import error_of

from openai_connector.service.console_files import CONSOLE_DIR

ASSETS = sorted(
    p.relative_to(CONSOLE_DIR).as_posix() for p in CONSOLE_DIR.rglob("*") if p.is_file()
)


def _policy(header: str) -> dict[str, list[str]]:
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def test_the_console_page_is_served_with_a_policy_forbidding_inline_scripts_and_other_origins(
    service: Service,
) -> None:
    answer = service.anonymous.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    policy = _policy(answer.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in v or "*" in v or "http" in v for vs in policy.values() for v in vs)
    assert answer.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("asset", ASSETS)
def test_every_asset_is_served_with_its_type_and_the_policy(service: Service, asset: str) -> None:
    answer = service.anonymous.get(f"/console/{asset}")
    assert answer.status_code == 200
    expected = {
        ".js": "text/javascript",
        ".css": "text/css",
        ".html": "text/html",
        ".svg": "image/svg+xml",
    }
    assert answer.headers["content-type"].startswith(expected[asset[asset.rindex(".") :]])
    assert "default-src 'self'" in answer.headers["content-security-policy"]


@pytest.mark.parametrize("asset", ASSETS)
def test_no_asset_names_another_origin_or_holds_inline_code(asset: str) -> None:
    text = (CONSOLE_DIR / asset).read_text()
    urls = set(re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"'`)]*", text))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    assert "innerHTML" not in text and "insertAdjacentHTML" not in text and "eval(" not in text
    if asset.endswith(".html"):
        scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", text, flags=re.S)
        assert scripts and all(s.strip() == "" for s in scripts)  # every script has a src
        assert not re.search(r"\son\w+=", text)  # no inline event handlers
        assert "style=" not in text


@pytest.mark.parametrize(
    "path", ["/console/../app.py", "/console/%2e%2e/app.py", "/console/nope.js", "/console/pages"]
)
def test_only_the_consoles_own_files_are_served(service: Service, path: str) -> None:
    assert service.anonymous.get(path).status_code == 404


def test_me_names_the_key_and_its_role(service: Service) -> None:
    viewer = service.client_with_role("viewer", "grafana")
    assert viewer.get("/api/me").json() == {"name": "grafana", "role": "viewer"}
    assert error_of(service.anonymous.get("/api/me"))["code"] == "unauthenticated"


def test_the_connection_schema_offers_no_credential_and_no_host_feature(service: Service) -> None:
    data = service.client_with_role("viewer").get("/api/schema/connection").json()
    properties = data["schema"]["properties"]
    assert {"base_url", "default_model", "retry", "timeout", "network"} <= set(properties)
    assert not {"api_key", "azure_ad_token", "azure_ad_token_command"} & set(properties)
    network = data["schema"]["$defs"]["Network"]["properties"]
    assert "proxy" in network and not {"client_cert", "client_key"} & set(network)
    assert data["secrets"] == ["api_key", "azure_ad_token", "headers.NAME"]
