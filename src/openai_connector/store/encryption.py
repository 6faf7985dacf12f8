"""Secret values encrypted at rest (Fernet: AES-128-CBC with HMAC-SHA256, from ``cryptography``).

The key comes from ``OPENAI_CONNECTOR_ENCRYPTION_KEY`` (a Fernet key: 32 url-safe base64
bytes), else from ``encryption.key`` in the data directory, made on first use with mode
0600. A key file that its group or others may read is refused: whoever reads it reads every
stored secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from cryptography.fernet import Fernet

KEY_ENV = "OPENAI_CONNECTOR_ENCRYPTION_KEY"
KEY_FILE = "encryption.key"


_FINGERPRINT_LABEL = b"openai-connector encryption key fingerprint v1"


def fingerprint(key: bytes) -> str:
    """What tells keys apart and reveals nothing of them: an HMAC of a fixed label."""
    return hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()


class SecretCipher:
    """Encrypts and decrypts secret values with one key."""

    def __init__(self, key: bytes) -> None:
        from cryptography.fernet import Fernet

        self.fingerprint = fingerprint(key)

        try:
            self._fernet: Fernet = Fernet(key)
        except (ValueError, TypeError):
            raise ConfigError(
                "the encryption key is not a Fernet key",
                hint="make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'",
            ) from None

    def encrypt(self, value: str) -> bytes:
        return self._fernet.encrypt(value.encode("utf-8"))

    def opens(self, token: bytes) -> bool:
        """Whether this key opens a sealed value."""
        from cryptography.fernet import InvalidToken

        try:
            self._fernet.decrypt(bytes(token))
        except InvalidToken:
            return False
        return True

    def decrypt(self, token: bytes) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(bytes(token)).decode("utf-8")
        except InvalidToken:
            raise ConfigError(
                "a stored secret cannot be decrypted with this encryption key",
                hint=f"start the service with the key the secrets were stored with ({KEY_ENV} "
                f"or {KEY_FILE} in the data directory)",
            ) from None


def check_key_file(path: Path) -> None:
    """Refuse a key file that is not a regular file or that others than its owner may read."""
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path}: the encryption key file is not a regular file")
    if info.st_mode & 0o077:
        raise ConfigError(
            f"{path}: the encryption key file may be read by others "
            f"(mode {stat.S_IMODE(info.st_mode):04o})",
            hint=f"chmod 600 {path}",
        )


def load_key(data_dir: Path, environ: Mapping[str, str] | None = None) -> bytes:
    """The encryption key: from the environment, else the key file (made when missing)."""
    from cryptography.fernet import Fernet

    env = os.environ if environ is None else environ
    given = env.get(KEY_ENV, "").strip()
    if given:
        return given.encode("ascii", errors="replace")
    path = data_dir / KEY_FILE
    if path.exists() or path.is_symlink():
        check_key_file(path)
        return path.read_bytes().strip()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Fernet.generate_key()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
    return key
