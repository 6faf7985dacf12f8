"""Which proxy a URL goes through: ``network.proxy``, else the environment as httpx reads it.

With ``network.trust_env`` (the default), ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY`` and
``NO_PROXY`` (either case; lower case first, as :func:`urllib.request.getproxies` reads them)
choose a proxy per URL, as the official SDK's httpx does. ``NO_PROXY`` entries:

- ``*``: no proxy for any host;
- an IP address or ``localhost``: that host only;
- ``example.com``: that host and its subdomains; ``.example.com``: the subdomains only;
- ``host:port``: only that port; ``http://host``: only that scheme.

A configured ``network.proxy`` wins over all of these (the environment is then not read).
"""

from __future__ import annotations

import ipaddress
import urllib.request
from urllib.parse import unquote, urlsplit

from ..connection import Network

_DEFAULT_PORTS = {"http": 80, "https": 443}


class _Bypass:
    """One NO_PROXY entry (a plain slotted class: no dataclass to define at start-up)."""

    __slots__ = ("exact", "host", "port", "scheme", "subdomains")

    def __init__(
        self,
        host: str,
        *,
        subdomains: bool,
        exact: bool,
        port: int | None = None,
        scheme: str | None = None,
    ) -> None:
        self.host = host
        """Lower case; empty for any host."""
        self.subdomains = subdomains
        """Match subdomains of ``host`` too."""
        self.exact = exact
        """Match ``host`` itself."""
        self.port = port
        self.scheme = scheme

    def matches(self, scheme: str, host: str, port: int | None) -> bool:
        if self.scheme is not None and scheme != self.scheme:
            return False
        if self.port is not None and port != self.port:
            return False
        if not self.host:
            return True
        if self.exact and host == self.host:
            return True
        return self.subdomains and host.endswith("." + self.host)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _bypass(entry: str) -> _Bypass | None:
    entry = entry.strip().lower()
    if not entry:
        return None
    if entry == "*":
        return _Bypass("", subdomains=True, exact=True)
    if _is_ip(entry):  # an IPv6 address without brackets
        return _Bypass(entry, subdomains=False, exact=True)
    scheme = None
    if "://" in entry:
        scheme, entry = entry.split("://", 1)
    parts = urlsplit(f"//{entry}")
    try:
        host, port = (parts.hostname or ""), parts.port
    except ValueError:  # a port that is not a number: not an entry we can use
        return None
    if not host or host == "*":
        return _Bypass("", subdomains=True, exact=True, port=port, scheme=scheme)
    if _is_ip(host) or host == "localhost" or scheme is not None:
        return _Bypass(host, subdomains=False, exact=True, port=port, scheme=scheme)
    if host.startswith("*."):
        return _Bypass(host[2:], subdomains=True, exact=False, port=port)
    if host.startswith("."):
        return _Bypass(host[1:], subdomains=True, exact=False, port=port)
    return _Bypass(host.lstrip("*"), subdomains=True, exact=True, port=port)


def _with_scheme(proxy: str) -> str:
    return proxy if "://" in proxy else f"http://{proxy}"


class ProxyPlan:
    """The proxy for each URL; ``fixed`` is set when every URL has the same answer."""

    __slots__ = ("_by_scheme", "_bypass", "fixed", "passwords", "varies")

    def __init__(self, network: Network) -> None:
        self._by_scheme: dict[str, str] = {}
        self._bypass: list[_Bypass] = []
        self.fixed: str | None = network.proxy
        self.varies = False
        """True when the answer depends on the URL (environment proxies)."""
        self.passwords: list[str] = []
        """The passwords in the environment proxies' URLs (as written and decoded), for
        the connector to redact."""
        if network.proxy or not network.trust_env:
            return
        found = urllib.request.getproxies()
        for scheme in ("http", "https"):
            value = found.get(scheme) or found.get("all")
            if value:
                self._by_scheme[scheme] = _with_scheme(value)
        if not self._by_scheme:
            return
        for proxy in self._by_scheme.values():
            password = urlsplit(proxy).password
            if password:
                self.passwords += [password, unquote(password)]
        for entry in (found.get("no") or "").split(","):
            bypass = _bypass(entry)
            if bypass is not None:
                self._bypass.append(bypass)
        self.varies = True

    def proxy_for(self, url: str) -> str | None:
        """The proxy URL to send ``url`` through, or None to connect directly."""
        if not self.varies:
            return self.fixed
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        proxy = self._by_scheme.get(scheme)
        if proxy is None:
            return None
        host = (parts.hostname or "").lower()
        try:
            port = parts.port or _DEFAULT_PORTS.get(scheme)
        except ValueError:
            port = None
        for bypass in self._bypass:
            if bypass.matches(scheme, host, port):
                return None
        return proxy
