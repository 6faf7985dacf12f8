from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from store_files import database_bytes

from openai_connector.store import DuplicateName, NotInStore, Store
from openai_connector.store.api_keys import KEY_PREFIX, hash_key

pytestmark = pytest.mark.databases("sqlite", "postgresql")


@pytest.mark.databases("sqlite")
def test_a_new_key_is_random_prefixed_and_only_its_hash_is_stored(
    store: Store, data_dir: Path
) -> None:
    record, key = store.keys.create("ci", "operator")
    _, other = store.keys.create("ci2", "operator")
    assert key.startswith(KEY_PREFIX) and len(key) >= 40
    assert key != other
    assert record.prefix == key[: len(record.prefix)]
    store.engine.dispose()
    raw = database_bytes(data_dir)
    assert key.encode() not in raw
    assert hash_key(key).encode() in raw


def test_a_key_authenticates_and_its_last_use_is_kept(store: Store) -> None:
    record, key = store.keys.create("ci", "viewer")
    assert record.last_used is None
    found = store.keys.authenticate(key)
    assert found is not None and found.name == "ci" and found.role == "viewer"
    assert found.last_used is not None
    assert store.keys.all()[0].last_used is not None


@pytest.mark.parametrize("wrong", ["", "ocs_", "sk-abc", "ocs_" + "x" * 43, "ocs_" + "y" * 500])
def test_unknown_and_malformed_keys_do_not_authenticate(store: Store, wrong: str) -> None:
    store.keys.create("ci", "admin")
    assert store.keys.authenticate(wrong) is None


def test_a_key_one_character_off_does_not_authenticate(store: Store) -> None:
    _, key = store.keys.create("ci", "admin")
    changed = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert store.keys.authenticate(changed) is None


def test_a_revoked_key_stops_authenticating_at_once(store: Store) -> None:
    _, key = store.keys.create("ci", "admin")
    assert store.keys.authenticate(key) is not None
    revoked = store.keys.revoke("ci")
    assert revoked.revoked is not None and not revoked.active
    assert store.keys.authenticate(key) is None
    assert store.keys.count_active() == 0


def test_key_names_are_unique_and_roles_checked(store: Store) -> None:
    store.keys.create("ci", "admin")
    with pytest.raises(DuplicateName):
        store.keys.create("ci", "viewer")
    with pytest.raises(ValueError, match="role must be one of"):
        store.keys.create("x", "root")
    with pytest.raises(NotInStore):
        store.keys.revoke("nobody")


def test_last_use_is_written_at_most_every_thirty_seconds(store: Store) -> None:
    from openai_connector.store.key_store import LAST_USED_PRECISION

    _, key = store.keys.create("ci", "admin")
    first = store.keys.authenticate(key)
    second = store.keys.authenticate(key)
    assert first and second and first.last_used == second.last_used
    assert timedelta(seconds=30) == LAST_USED_PRECISION


@pytest.mark.parametrize("revoked_before", [False, True])
def test_the_first_admin_key_is_made_once_however_many_start_together(
    store: Store, revoked_before: bool
) -> None:
    if revoked_before:  # the name "admin" is held: the key is "admin-2"
        store.keys.create("admin", "admin")
        store.keys.revoke("admin")
    start = threading.Barrier(6)
    made: list[object] = []

    def first_start() -> None:
        start.wait()
        made.append(store.keys.create_first_admin())

    threads = [threading.Thread(target=first_start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(made) == 6 and len([m for m in made if m is not None]) == 1
    active = [(k.name, k.role) for k in store.keys.all() if k.revoked is None]
    assert active == [("admin-2" if revoked_before else "admin", "admin")]


def test_no_first_admin_key_while_an_active_key_exists(store: Store) -> None:
    store.keys.create("ops", "operator")
    assert store.keys.create_first_admin() is None
    store.keys.revoke("ops")
    made = store.keys.create_first_admin()
    assert made is not None and made[0].name == "admin"
    store.keys.revoke("admin")
    again = store.keys.create_first_admin()
    assert again is not None and again[0].name == "admin-2"
    found = store.keys.authenticate(again[1])
    assert found is not None and (found.id, found.role) == (again[0].id, "admin")
