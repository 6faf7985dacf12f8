"""Proxies and CA certificates from the environment, as the official SDK (httpx) reads them.

A small forwarding HTTP proxy written here counts what passes through it; both faces must
go through it when ``HTTP_PROXY`` (or ``http_proxy``, ``ALL_PROXY``) says so, around it when
``NO_PROXY`` says so, and ``network.proxy`` wins over the environment.
"""

from __future__ import annotations

import asyncio
import base64
import http.client
import selectors
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from faces import Face
from openai_connector import (
    AsyncConnector,
    ConfigError,
    ConnectionFailed,
    Connector,
    RetryPolicy,
    TrustPolicy,
)
from openai_connector.connection import Network
from openai_connector.transport.proxy import ProxyPlan
from scripted_server import Reply, ScriptedServer, chat_body, chat_chunks

CHAT = {"model": "gpt-4o-mini", "prompt": "hi"}
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}


class Forwarder(BaseHTTPRequestHandler):
    """Forwards an absolute-URL request to its host and relays the whole answer."""

    protocol_version = "HTTP/1.1"
    server: CountingProxy

    def forward(self) -> None:
        self.server.seen.append(self.path)
        self.server.authorizations.append(self.headers.get("proxy-authorization"))
        target = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(self.command, path, body or None, headers)
        answer = upstream.getresponse()
        data = answer.read()
        upstream.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = forward

    def do_CONNECT(self) -> None:
        """A tunnel (for https:// URLs): bytes relayed both ways until one side closes."""
        self.server.seen.append(f"CONNECT {self.path}")
        host, port = self.path.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)), timeout=10)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.close_connection = True
        ends = time.monotonic() + 10
        with upstream, selectors.DefaultSelector() as selector:
            selector.register(self.connection, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, self.connection)
            while time.monotonic() < ends:
                for key, _ in selector.select(0.5):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)

    def log_message(self, *args: Any) -> None:
        return None


class CountingProxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Forwarder)
        self.seen: list[str] = []
        self.authorizations: list[str | None] = []
        self.thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join(5)


@pytest.fixture
def proxy() -> Iterator[CountingProxy]:
    server = CountingProxy()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_ambient_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def conn(server: ScriptedServer, **network: Any) -> dict[str, Any]:
    return {
        "provider": "compatible",
        "base_url": server.url + "/v1",
        "api_key": "sk-test1234",
        "network": network,
        "retry": RetryPolicy(max_retries=0),
    }


DEAD_PROXY = "http://127.0.0.1:9"
"""Nothing listens there: a call sent through it fails."""


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_the_environment_proxy_carries_plain_and_streamed_calls(
    face: Face,
    server: ScriptedServer,
    proxy: CountingProxy,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    monkeypatch.setenv(variable, proxy.url)
    server.script(Reply(json=chat_body("via proxy")), Reply(events=chat_chunks(["stre", "am"])))
    assert face.run("chat.create", CHAT, **conn(server)).text == "via proxy"
    texts, _ = face.stream("chat.create", CHAT, **conn(server))
    assert texts == ["stre", "am"]
    assert proxy.seen == [server.url + "/v1/chat/completions"] * 2
    assert len(server.requests) == 2


def test_an_environment_proxy_password_is_sent_and_redacted(
    server: ScriptedServer, proxy: CountingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url.replace("http://", "http://me:env%2Fpass-9@"))
    server.script(Reply(json=chat_body("with auth")), Reply(json=chat_body("with auth")))
    with Connector(**conn(server)) as sync:
        assert sync.run("chat.create", CHAT).text == "with auth"
        assert "env/pass-9" not in sync.redactor("env/pass-9 env%2Fpass-9")
        assert "env%2Fpass-9" not in sync.redactor("env%2Fpass-9")

    async def go() -> str:
        async with AsyncConnector(**conn(server)) as connector:
            await connector.run("chat.create", CHAT)
            return connector.redactor("env/pass-9 env%2Fpass-9")

    assert "pass-9" not in asyncio.run(go())
    expected = "Basic " + base64.b64encode(b"me:env/pass-9").decode()
    assert proxy.authorizations == [expected, expected]


def test_a_proxy_without_a_scheme_is_taken_as_http(
    face: Face, server: ScriptedServer, proxy: CountingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url.removeprefix("http://"))
    server.script(Reply(json=chat_body("via proxy")))
    assert face.run("chat.create", CHAT, **conn(server)).text == "via proxy"
    assert len(proxy.seen) == 1


def test_lower_case_wins_over_upper_case(
    face: Face, server: ScriptedServer, proxy: CountingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", DEAD_PROXY)
    monkeypatch.setenv("http_proxy", proxy.url)
    server.script(Reply(json=chat_body("lower case")))
    assert face.run("chat.create", CHAT, **conn(server)).text == "lower case"
    assert len(proxy.seen) == 1


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "*", "example.com, 127.0.0.1", "{port}"])
def test_no_proxy_sends_matching_hosts_directly(
    face: Face,
    server: ScriptedServer,
    proxy: CountingProxy,
    monkeypatch: pytest.MonkeyPatch,
    no_proxy: str,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy.format(port=f"127.0.0.1:{server.port}"))
    server.script(Reply(json=chat_body("direct")))
    assert face.run("chat.create", CHAT, **conn(server)).text == "direct"
    assert proxy.seen == []


@pytest.mark.parametrize("no_proxy", ["example.com", "127.0.0.1:1", "https://127.0.0.1"])
def test_no_proxy_entries_that_do_not_match_keep_the_proxy(
    face: Face,
    server: ScriptedServer,
    proxy: CountingProxy,
    monkeypatch: pytest.MonkeyPatch,
    no_proxy: str,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("no_proxy", no_proxy)
    server.script(Reply(json=chat_body("proxied")))
    assert face.run("chat.create", CHAT, **conn(server)).text == "proxied"
    assert len(proxy.seen) == 1


def test_https_proxy_alone_leaves_http_urls_direct(
    face: Face, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", DEAD_PROXY)
    server.script(Reply(json=chat_body("direct")))
    assert face.run("chat.create", CHAT, **conn(server)).text == "direct"


def test_network_proxy_wins_over_the_environment(
    face: Face, server: ScriptedServer, proxy: CountingProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", DEAD_PROXY)
    monkeypatch.setenv("NO_PROXY", "*")
    server.script(Reply(json=chat_body("configured proxy")))
    result = face.run("chat.create", CHAT, **conn(server, proxy=proxy.url))
    assert result.text == "configured proxy"
    assert len(proxy.seen) == 1


def test_trust_env_false_ignores_the_environment(
    face: Face, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", DEAD_PROXY)
    server.script(Reply(json=chat_body("direct")))
    assert face.run("chat.create", CHAT, **conn(server, trust_env=False)).text == "direct"


def test_a_policy_without_host_features_ignores_the_environment(
    face: Face, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service or engine caller does not reach the host's proxy or CA settings."""
    monkeypatch.setenv("HTTP_PROXY", DEAD_PROXY)
    server.script(Reply(json=chat_body("direct")))
    policy = TrustPolicy(host_features=False)
    assert face.run("chat.create", CHAT, policy=policy, **conn(server)).text == "direct"


def test_a_dead_environment_proxy_is_a_connection_error(
    face: Face, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", DEAD_PROXY)
    with pytest.raises(ConnectionFailed):
        face.run("chat.create", CHAT, **conn(server))
    assert server.requests == []


@pytest.mark.parametrize(
    ("no_proxy", "url", "proxied"),
    [
        ("example.com", "https://example.com/v1", False),
        ("example.com", "https://api.example.com/v1", False),
        ("example.com", "https://notexample.com/v1", True),
        (".example.com", "https://example.com/v1", True),
        (".example.com", "https://api.example.com/v1", False),
        ("*.example.com", "https://api.example.com/v1", False),
        ("EXAMPLE.com", "https://Api.Example.COM/v1", False),
        ("example.com:8443", "https://example.com:8443/v1", False),
        ("example.com:8443", "https://example.com/v1", True),
        ("example.com:443", "https://example.com/v1", False),
        ("http://example.com", "https://example.com/v1", True),
        ("https://example.com", "https://example.com/v1", False),
        ("10.0.0.1", "https://10.0.0.1/v1", False),
        ("10.0.0.1", "https://10.0.0.10/v1", True),
        ("::1", "https://[::1]:8080/v1", False),
        ("[::1]", "https://[::1]/v1", False),
        ("localhost", "https://localhost:1234/v1", False),
        ("", "https://example.com/v1", True),
        (" , ,", "https://example.com/v1", True),
        ("*", "https://anything.test/v1", False),
    ],
)
def test_no_proxy_matching_rules(
    monkeypatch: pytest.MonkeyPatch, no_proxy: str, url: str, proxied: bool
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "proxy.corp:3128")
    monkeypatch.setenv("NO_PROXY", no_proxy)
    expected = "http://proxy.corp:3128" if proxied else None
    assert ProxyPlan(Network()).proxy_for(url) == expected


# ------------------------------------------------------------------ CA certificates


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
    )
    return cert, key


class Models(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = b'{"object": "list", "data": [{"id": "tls-model", "object": "model"}]}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def https_url(certificate: tuple[Path, Path]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Models)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()
    thread.join(5)


def tls_conn(url: str, **network: Any) -> dict[str, Any]:
    return {
        "provider": "compatible",
        "base_url": url,
        "network": network,
        "retry": RetryPolicy(max_retries=0),
    }


def test_ssl_cert_file_is_trusted(
    face: Face, https_url: str, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    result = face.run("models.list", {}, **tls_conn(https_url))
    assert result.body["data"][0]["id"] == "tls-model"


def test_ssl_cert_dir_is_trusted(
    face: Face,
    https_url: str,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    openssl = shutil.which("openssl")
    assert openssl is not None
    digest = subprocess.run(
        [openssl, "x509", "-hash", "-noout", "-in", str(certificate[0])],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    shutil.copy(certificate[0], tmp_path / f"{digest}.0")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    result = face.run("models.list", {}, **tls_conn(https_url))
    assert result.body["data"][0]["id"] == "tls-model"


def test_an_unknown_certificate_is_refused_without_the_variables(
    face: Face, https_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with pytest.raises(ConnectionFailed):
        face.run("models.list", {}, **tls_conn(https_url))


def test_https_goes_through_the_environment_proxy_as_a_tunnel(
    face: Face,
    https_url: str,
    certificate: tuple[Path, Path],
    proxy: CountingProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("HTTP_PROXY", DEAD_PROXY)  # not for https:// URLs
    result = face.run("models.list", {}, **tls_conn(https_url))
    assert result.body["data"][0]["id"] == "tls-model"
    assert proxy.seen == [f"CONNECT {urlsplit(https_url).netloc}"]


def test_network_verify_wins_over_ssl_cert_file(
    face: Face, https_url: str, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    result = face.run("models.list", {}, **tls_conn(https_url, verify=str(certificate[0])))
    assert result.body["data"][0]["id"] == "tls-model"


def test_a_missing_ssl_cert_file_is_a_config_error_naming_it(
    face: Face, https_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    with pytest.raises(ConfigError) as caught:
        face.run("models.list", {}, **tls_conn(https_url))
    assert "SSL_CERT_FILE=/nonexistent/ca.pem" in caught.value.message
    assert "network.trust_env" in (caught.value.hint or "")


def test_concurrent_first_async_calls_load_the_ca_certificates_once(
    server: ScriptedServer, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import openai_connector.transport.aio as aio

    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    loads: list[Network] = []
    load = aio.ssl_context

    def counted(network: Network) -> ssl.SSLContext | None:
        loads.append(network)
        return load(network)

    monkeypatch.setattr(aio, "ssl_context", counted)
    server.default = Reply(json={"object": "list", "data": []})

    async def go() -> list[int]:
        async with AsyncConnector(base_url=server.url + "/v1", api_key="sk-x") as connector:
            results = await asyncio.gather(*(connector.run("models.list", {}) for _ in range(64)))
            return [r.status for r in results]

    assert asyncio.run(go()) == [200] * 64
    assert len(loads) == 1
