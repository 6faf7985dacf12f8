"""Microsoft Entra ID tokens for Azure OpenAI, from a command the connection names."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

from ..constants import TOKEN_REFRESH_MARGIN, TOKEN_TTL
from ..errors import ConfigError


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT, or None when the token is not a readable JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, TypeError, RecursionError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) else None


class EntraTokenCommand:
    """Runs a command whose standard output is a bearer token; runs it again on expiry.

    The expiry is the JWT ``exp`` claim when the token has one, else ``ttl`` seconds.
    """

    def __init__(
        self,
        command: str,
        *,
        ttl: float = TOKEN_TTL,
        clock: Callable[[], float] = time.time,
        timeout: float = 60.0,
    ) -> None:
        self.command = command
        self.ttl = ttl
        self.clock = clock
        self.timeout = timeout
        self._token: str | None = None
        self._expires = 0.0

    def invalidate(self) -> None:
        self._token = None

    def token(self) -> str:
        now = self.clock()
        if self._token is not None and now < self._expires - TOKEN_REFRESH_MARGIN:
            return self._token
        import shlex  # here, not at the top: only a token command needs them
        import subprocess

        try:
            done = subprocess.run(
                shlex.split(self.command),
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(
                f"azure_ad_token_command could not run: {type(exc).__name__}",
                hint="check the command and that it prints a token",
            ) from None
        token = done.stdout.strip()
        if done.returncode != 0 or not token:
            raise ConfigError(
                f"azure_ad_token_command exited with {done.returncode} and printed no token",
                hint="run it by hand to see why (e.g. az login)",
            )
        self._token = token
        self._expires = jwt_expiry(token) or now + self.ttl
        return token
