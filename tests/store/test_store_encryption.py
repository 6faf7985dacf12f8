from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from store_files import database_bytes

from openai_connector.errors import ConfigError
from openai_connector.store import Store
from openai_connector.store.encryption import KEY_ENV, KEY_FILE

PLANTED = "sk-planted-7f3a9c2e41d8b6"


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


def test_the_key_from_the_environment_is_used_and_no_file_is_made(data_dir: Path) -> None:
    key = Fernet.generate_key().decode()
    store = Store.open(data_dir=data_dir, environ={KEY_ENV: key})
    record = store.connectors.create({"name": "a", "provider": "openai"}, {"api_key": PLANTED})
    store.close()
    assert not (data_dir / KEY_FILE).exists()
    again = Store.open(data_dir=data_dir, environ={KEY_ENV: key})
    assert again.connectors.connector_secrets(record.id) == {"api_key": PLANTED}
    again.close()


def test_a_different_key_cannot_read_the_secrets(data_dir: Path) -> None:
    store = Store.open(data_dir=data_dir, environ={KEY_ENV: Fernet.generate_key().decode()})
    record = store.connectors.create({"name": "a", "provider": "openai"}, {"api_key": PLANTED})
    store.close()
    other = Store.open(data_dir=data_dir, environ={KEY_ENV: Fernet.generate_key().decode()})
    with pytest.raises(ConfigError, match="cannot be decrypted") as caught:
        other.connectors.connector_secrets(record.id)
    assert PLANTED not in str(caught.value)
    other.close()


def test_a_malformed_key_in_the_environment_is_a_config_error(data_dir: Path) -> None:
    with pytest.raises(ConfigError, match="not a Fernet key"):
        Store.open(data_dir=data_dir, environ={KEY_ENV: "too-short"})
