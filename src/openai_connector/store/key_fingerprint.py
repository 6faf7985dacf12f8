"""Which encryption key sealed the database's secrets: its fingerprint, kept in the database.

Instances on one database (PostgreSQL behind a load balancer) must share one key: a secret
one seals, the others read. The key file is made per data directory, so a second instance
would make its own key and could not read the first one's secrets. The database keeps a
fingerprint of the key (an HMAC of a fixed label under the key: it tells keys apart and
reveals nothing of them); an instance whose key has another fingerprint refuses to start.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..errors import ConfigError
from .database import upsert
from .encryption import KEY_ENV, KEY_FILE
from .models import SecretRow, StoreFactRow

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from .encryption import SecretCipher

FINGERPRINT = "encryption_key_fingerprint"
_LABEL = b"openai-connector encryption key fingerprint v1"


def fingerprint(key: bytes) -> str:
    return hmac.new(key, _LABEL, hashlib.sha256).hexdigest()


def _refusal(stored: str | None, mine: str) -> ConfigError:
    sealed = f" (fingerprint {stored[:12]})" if stored else ""
    return ConfigError(
        f"the database's secrets were sealed with another encryption key{sealed}; this "
        f"instance's key has fingerprint {mine[:12]}",
        hint=f"every instance on one database needs the same key: set {KEY_ENV} to the key the "
        f"database was first used with (e.g. the {KEY_FILE} file in the first instance's data "
        "directory)",
    )


def check_sealing_key(engine: Engine, cipher: SecretCipher, key: bytes) -> None:
    """Record the key's fingerprint on first use; refuse (ConfigError) a key with another."""
    mine = fingerprint(key)
    query = select(StoreFactRow.value).where(StoreFactRow.name == FINGERPRINT)
    with engine.begin() as connection:
        stored = connection.scalar(query)
        if stored is None:
            # A new database, or one from before fingerprints: a stored secret must open.
            sealed = connection.scalar(select(SecretRow.ciphertext).limit(1))
            if sealed is not None and not cipher.opens(sealed):
                raise _refusal(None, mine)
            connection.execute(
                upsert(engine)(StoreFactRow)
                .values(name=FINGERPRINT, value=mine)
                .on_conflict_do_nothing(index_elements=[StoreFactRow.name])
            )
            stored = connection.scalar(query)  # another instance may have been first
    if stored != mine:
        raise _refusal(stored, mine)
