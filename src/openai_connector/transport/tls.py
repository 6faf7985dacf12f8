"""TLS settings from a connection's network block: verification, CA bundle, client cert."""

from __future__ import annotations

import ssl

from ..connection import Network
from ..errors import ConfigError


def ssl_context(network: Network) -> ssl.SSLContext | None:
    """An SSL context for the settings, or None for the library default."""
    if network.verify is True and not network.client_cert:
        return None
    try:
        if network.verify is False:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif isinstance(network.verify, str):
            context = ssl.create_default_context(cafile=network.verify)
        else:
            context = ssl.create_default_context()
        if network.client_cert:
            context.load_cert_chain(network.client_cert, network.client_key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"network TLS settings could not be loaded: {exc}",
            hint="check network.verify (CA bundle path), network.client_cert and client_key",
        ) from None
    return context
