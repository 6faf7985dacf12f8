from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import inspect, text

from openai_connector.store import Store
from openai_connector.store.database import MIGRATIONS, current_revision, make_engine, upgrade
from openai_connector.store.encryption import KEY_ENV

pytestmark = pytest.mark.databases("sqlite", "postgresql")

VERSIONS = MIGRATIONS / "versions"
KEY = {KEY_ENV: Fernet.generate_key().decode()}


def test_an_empty_database_is_brought_to_the_latest_revision(
    tmp_path: Path, database: str | None
) -> None:
    store = Store.open(database, data_dir=tmp_path, environ={})
    try:
        tables = set(inspect(store.engine).get_table_names())
        assert {
            *("connectors", "secrets", "api_keys", "usage", "alembic_version"),
            *("rate_windows", "store_facts"),
        } <= tables
        assert current_revision(store.engine) == _numbered()[-1][0]
    finally:
        store.close()


def test_opening_again_keeps_the_data(tmp_path: Path, database: str | None) -> None:
    first = Store.open(database, data_dir=tmp_path, environ={})
    first.keys.create("admin", "admin")
    first.close()
    second = Store.open(database, data_dir=tmp_path, environ={})
    try:
        assert [k.name for k in second.keys.all()] == ["admin"]
    finally:
        second.close()


def test_upgrade_of_an_up_to_date_database_changes_nothing(
    tmp_path: Path, database: str | None
) -> None:
    engine = make_engine(database or f"sqlite:///{tmp_path / 'x.db'}")
    upgrade(engine)
    before = inspect(engine).get_table_names()
    upgrade(engine)
    assert inspect(engine).get_table_names() == before
    engine.dispose()


def _numbered() -> list[tuple[str, str | None]]:
    found = []
    for path in sorted(VERSIONS.glob("[0-9]*.py")):
        text = path.read_text()
        revision = re.search(r'^revision = "(\w+)"', text, re.M)
        down = re.search(r"^down_revision = (None|\"(\w+)\")", text, re.M)
        assert revision and down, path.name
        assert path.stem == revision.group(1) or path.name.startswith(revision.group(1) + "_")
        found.append((revision.group(1), down.group(2)))
    return found


def test_migrations_are_numbered_and_each_follows_the_one_before() -> None:
    chain = _numbered()
    assert chain, "no migration shipped"
    previous = None
    for number, (revision, down) in enumerate(chain, start=1):
        # "0003" or a descriptive id with the number first ("0003_connector_last_test")
        assert revision == f"{number:04d}" or revision.startswith(f"{number:04d}_"), revision
        assert down == previous
        previous = revision


def test_migrations_are_append_only_no_way_down() -> None:
    import importlib.util

    for path in sorted(VERSIONS.glob("[0-9]*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        with pytest.raises(NotImplementedError, match="append-only"):
            module.downgrade()


@pytest.mark.databases("postgresql")
def test_instances_starting_together_on_an_empty_database_migrate_once(
    tmp_path: Path, database: str | None
) -> None:
    """Under PostgreSQL's advisory lock the later instance waits, then finds it up to date
    (without it, both would create the tables and one would fail)."""
    assert database is not None
    start = threading.Barrier(4)
    opened: list[Store] = []
    failures: list[BaseException] = []

    def open_one(number: int) -> None:
        start.wait()
        try:
            opened.append(Store.open(database, data_dir=tmp_path / str(number), environ=KEY))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=open_one, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert failures == []
        assert len(opened) == 4
        with opened[0].engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        assert [v[0] for v in versions] == [_numbered()[-1][0]]
    finally:
        for store in opened:
            store.close()
