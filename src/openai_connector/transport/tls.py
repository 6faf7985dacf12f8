"""TLS settings from a connection's network block: verification, CA bundle, client cert.

With ``network.trust_env`` and ``verify`` left at True, ``SSL_CERT_FILE`` and
``SSL_CERT_DIR`` name the CA certificates to trust, as for the official SDK.
"""

from __future__ import annotations

import os
import ssl

from ..connection import Network
from ..errors import ConfigError


def _env_ca(network: Network) -> tuple[str | None, str | None]:
    if network.verify is not True or not network.trust_env:
        return None, None
    return os.environ.get("SSL_CERT_FILE") or None, os.environ.get("SSL_CERT_DIR") or None


def ssl_context(network: Network) -> ssl.SSLContext | None:
    """An SSL context for the settings, or None for the library default."""
    cafile, capath = _env_ca(network)
    if network.verify is True and not network.client_cert and not (cafile or capath):
        return None
    try:
        if network.verify is False:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif isinstance(network.verify, str):
            context = ssl.create_default_context(cafile=network.verify)
        else:
            context = _env_context(cafile, capath)
        if network.client_cert:
            context.load_cert_chain(network.client_cert, network.client_key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"network TLS settings could not be loaded: {exc}",
            hint="check network.verify (CA bundle path), network.client_cert and client_key",
        ) from None
    return context


def _env_context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    if not (cafile or capath):
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    except (OSError, ssl.SSLError) as exc:
        names = " and ".join(
            f"{name}={value}"
            for name, value in (("SSL_CERT_FILE", cafile), ("SSL_CERT_DIR", capath))
            if value
        )
        raise ConfigError(
            f"the CA certificates in {names} could not be loaded: {exc}",
            hint="fix or unset the variable, or set network.trust_env = false to ignore it",
        ) from None
