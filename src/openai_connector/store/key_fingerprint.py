"""Which encryption key sealed the database's secrets: its fingerprint, kept in the database.

Instances on one database (PostgreSQL behind a load balancer) must share one key: a secret
one seals, the others read. The key file is made per data directory, so a second instance
would make its own key and could not read the first one's secrets. The database keeps a
fingerprint of the key (an HMAC of a fixed label under the key: it tells keys apart and
reveals nothing of them), recorded when the first secret is sealed; an instance whose key
has another fingerprint refuses to start, and refuses to seal a secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ConfigError
from .database import upsert
from .encryption import KEY_ENV, KEY_FILE
from .models import SecretRow, StoreFactRow
from .records import StoreError

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from .encryption import SecretCipher

FINGERPRINT = "encryption_key_fingerprint"


def _refusal(stored: str | None, mine: str) -> ConfigError:
    sealed = f" (fingerprint {stored[:12]})" if stored else ""
    return ConfigError(
        f"the database's secrets were sealed with another encryption key{sealed}; this "
        f"instance's key has fingerprint {mine[:12]}",
        hint=f"every instance on one database needs the same key: set {KEY_ENV} to the key the "
        f"database's secrets were sealed with (e.g. the {KEY_FILE} file in the data directory "
        "of the instance that stored the first one)",
    )


_QUERY = select(StoreFactRow.value).where(StoreFactRow.name == FINGERPRINT)


def check_sealing_key(engine: Engine, cipher: SecretCipher) -> None:
    """At open: refuse (ConfigError) a key other than the one the secrets were sealed with.
    A database from before fingerprints has its key checked against a stored secret, and
    recorded; one with no secret yet records nothing (the first secret stored does)."""
    with engine.begin() as connection:
        stored = connection.scalar(_QUERY)
        if stored is None:
            sealed = connection.scalar(select(SecretRow.ciphertext).limit(1))
            if sealed is None:
                return
            if not cipher.opens(sealed):
                raise _refusal(None, cipher.fingerprint)
            stored = _record(connection, cipher)
    if stored != cipher.fingerprint:
        raise _refusal(stored, cipher.fingerprint)


class KeyMismatch(StoreError):
    """A secret not stored: this instance's encryption key is not the database's."""

    code = "encryption_key_mismatch"


def record_sealing_key(connection: Connection | Session, cipher: SecretCipher) -> None:
    """Before a secret is sealed (in its transaction): record this key's fingerprint when
    none is, and refuse (KeyMismatch) when another key's is."""
    stored = connection.scalar(_QUERY)
    if stored is None:
        stored = _record(connection, cipher)
    if stored != cipher.fingerprint:
        refusal = _refusal(stored, cipher.fingerprint)
        raise KeyMismatch(f"the secret was not stored: {refusal.message}; {refusal.hint}")


def _record(connection: Connection | Session, cipher: SecretCipher) -> str | None:
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    connection.execute(
        upsert(bind)(StoreFactRow)
        .values(name=FINGERPRINT, value=cipher.fingerprint)
        .on_conflict_do_nothing(index_elements=[StoreFactRow.name])
    )
    return connection.scalar(_QUERY)  # another instance may have been first
