from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from store_files import database_bytes

from openai_connector.errors import ConfigError
from openai_connector.store import SecretCipher, Store
from openai_connector.store.encryption import KEY_ENV, KEY_FILE
from openai_connector.store.key_fingerprint import KeyMismatch

pytestmark = pytest.mark.databases("sqlite", "postgresql")

PLANTED = "sk-planted-7f3a9c2e41d8b6"


@pytest.mark.databases("sqlite")
def test_connector_secrets_are_not_in_the_database_file(store: Store, data_dir: Path) -> None:
    record = store.connectors.create(
        {"name": "a", "provider": "openai", "config": {}}, {"api_key": PLANTED}
    )
    store.connectors.set_named_secret("SHARED", PLANTED + "-named")
    store.engine.dispose()  # flush the WAL into the file as well
    raw = database_bytes(data_dir)
    assert raw, "no database file written"
    assert PLANTED.encode() not in raw
    assert b"planted" not in raw
    assert store.connectors.connector_secrets(record.id) == {"api_key": PLANTED}
    assert store.secret_source().get("SHARED") == PLANTED + "-named"


@pytest.mark.databases("sqlite")
def test_the_key_file_is_made_readable_by_its_owner_only(store: Store, data_dir: Path) -> None:
    mode = stat.S_IMODE((data_dir / KEY_FILE).stat().st_mode)
    assert mode == 0o600


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_a_key_file_others_may_read_is_refused(data_dir: Path, mode: int) -> None:
    Store.open(data_dir=data_dir, environ={}).close()
    os.chmod(data_dir / KEY_FILE, mode)
    with pytest.raises(ConfigError, match="may be read by others") as caught:
        Store.open(data_dir=data_dir, environ={})
    assert caught.value.hint == f"chmod 600 {data_dir / KEY_FILE}"


def test_a_key_file_that_is_a_symlink_is_refused(data_dir: Path, tmp_path: Path) -> None:
    data_dir.mkdir()
    real = tmp_path / "elsewhere.key"
    real.write_bytes(Fernet.generate_key())
    real.chmod(0o600)
    (data_dir / KEY_FILE).symlink_to(real)
    with pytest.raises(ConfigError, match="not a regular file"):
        Store.open(data_dir=data_dir, environ={})


def test_the_key_from_the_environment_is_used_and_no_file_is_made(
    data_dir: Path, database: str | None
) -> None:
    key = Fernet.generate_key().decode()
    store = Store.open(database, data_dir=data_dir, environ={KEY_ENV: key})
    record = store.connectors.create({"name": "a", "provider": "openai"}, {"api_key": PLANTED})
    store.close()
    assert not (data_dir / KEY_FILE).exists()
    again = Store.open(database, data_dir=data_dir, environ={KEY_ENV: key})
    assert again.connectors.connector_secrets(record.id) == {"api_key": PLANTED}
    again.close()


def _key() -> dict[str, str]:
    return {KEY_ENV: Fernet.generate_key().decode()}


def test_a_different_key_is_refused_at_open_saying_which_key_to_use(
    data_dir: Path, database: str | None
) -> None:
    first = _key()
    store = Store.open(database, data_dir=data_dir, environ=first)
    store.connectors.create({"name": "a", "provider": "openai"}, {"api_key": PLANTED})
    store.close()
    other = _key()
    with pytest.raises(ConfigError, match="sealed with another encryption key") as caught:
        Store.open(database, data_dir=data_dir, environ=other)
    assert KEY_ENV in (caught.value.hint or "")
    shown = f"{caught.value} {caught.value.hint}"
    assert PLANTED not in shown
    assert first[KEY_ENV] not in shown and other[KEY_ENV] not in shown


@pytest.mark.databases("postgresql")
def test_instances_with_their_own_key_files_cannot_share_a_database(
    tmp_path: Path, database: str | None
) -> None:
    """Each data directory makes its own key file: the second instance on the database is
    refused before it seals anything the first could not read; with the first one's key it
    reads the first one's secrets."""
    first = Store.open(database, data_dir=tmp_path / "one", environ={})
    record = first.connectors.create({"name": "a", "provider": "openai"}, {"api_key": PLANTED})
    with pytest.raises(ConfigError, match="sealed with another encryption key"):
        Store.open(database, data_dir=tmp_path / "two", environ={})
    shared = {KEY_ENV: (tmp_path / "one" / KEY_FILE).read_text().strip()}
    second = Store.open(database, data_dir=tmp_path / "two", environ=shared)
    try:
        assert second.connectors.connector_secrets(record.id) == {"api_key": PLANTED}
        second.connectors.set_named_secret("SHARED", PLANTED + "-2")
        assert first.secret_source().get("SHARED") == PLANTED + "-2"
    finally:
        second.close()
        first.close()


def test_the_first_secret_records_a_fingerprint_of_the_key_never_the_key(
    data_dir: Path, database: str | None
) -> None:
    key = _key()
    store = Store.open(database, data_dir=data_dir, environ=key)
    query = text("SELECT name, value FROM store_facts")
    try:
        with store.engine.connect() as connection:
            assert connection.execute(query).all() == []
        store.connectors.set_named_secret("SHARED", PLANTED)
        with store.engine.connect() as connection:
            facts = connection.execute(query).all()
        assert [name for name, _ in facts] == ["encryption_key_fingerprint"]
        value = facts[0][1]
        assert len(value) == 64
        assert key[KEY_ENV] not in value
        assert Fernet(key[KEY_ENV].encode())._signing_key.hex() not in value
    finally:
        store.close()


def test_a_database_without_secrets_is_not_bound_to_the_key_that_opened_it(
    data_dir: Path, database: str | None
) -> None:
    """``keys create`` run with another key before the first secret binds nothing."""
    first = Store.open(database, data_dir=data_dir, environ=_key())
    first.keys.create("admin", "admin")
    first.close()
    key = _key()
    second = Store.open(database, data_dir=data_dir, environ=key)
    second.connectors.set_named_secret("SHARED", PLANTED)
    second.close()
    with pytest.raises(ConfigError, match="sealed with another encryption key"):
        Store.open(database, data_dir=data_dir, environ=_key())
    Store.open(database, data_dir=data_dir, environ=key).close()


def test_an_instance_with_another_key_refuses_to_seal_a_secret(
    data_dir: Path, database: str | None
) -> None:
    """Two instances started before the first secret, with different keys: the second to
    seal one is refused (else neither could read the other's)."""
    first = Store.open(database, data_dir=data_dir, environ=_key())
    second = Store.open(database, data_dir=data_dir, environ=_key())
    try:
        first.connectors.set_named_secret("ONE", PLANTED)
        with pytest.raises(KeyMismatch, match="sealed with another encryption key") as caught:
            second.connectors.set_named_secret("TWO", PLANTED + "-2")
        assert KEY_ENV in caught.value.message and PLANTED not in caught.value.message
        with pytest.raises(KeyMismatch, match="sealed with another encryption key"):
            second.connectors.create({"name": "a", "provider": "openai"}, {"api_key": PLANTED})
        assert first.connectors.named_secret_names() == ["ONE"]
        assert [c.name for c in first.connectors.all()] == []
        second.connectors.set_named_secret("ONE", None)  # removing seals nothing
    finally:
        second.close()
        first.close()


def test_a_database_from_before_fingerprints_is_checked_against_a_stored_secret(
    data_dir: Path, database: str | None
) -> None:
    key = _key()
    store = Store.open(database, data_dir=data_dir, environ=key)
    record = store.connectors.create({"name": "a", "provider": "openai"}, {"api_key": PLANTED})
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM store_facts"))
    store.close()
    with pytest.raises(ConfigError, match="sealed with another encryption key"):
        Store.open(database, data_dir=data_dir, environ=_key())
    again = Store.open(database, data_dir=data_dir, environ=key)
    try:
        assert again.connectors.connector_secrets(record.id) == {"api_key": PLANTED}
    finally:
        again.close()


def test_a_value_sealed_with_another_key_cannot_be_decrypted() -> None:
    sealed = SecretCipher(Fernet.generate_key()).encrypt(PLANTED)
    other = SecretCipher(Fernet.generate_key())
    assert not other.opens(sealed)
    with pytest.raises(ConfigError, match="cannot be decrypted") as caught:
        other.decrypt(sealed)
    assert PLANTED not in str(caught.value)


def test_a_malformed_key_in_the_environment_is_a_config_error(data_dir: Path) -> None:
    with pytest.raises(ConfigError, match="not a Fernet key"):
        Store.open(data_dir=data_dir, environ={KEY_ENV: "too-short"})
