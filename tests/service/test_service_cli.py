"""``openai-connector keys`` and ``openai-connector usage`` on the service's database."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from openai_connector.cli.main import cli
from openai_connector.store import Store, UsageRecord


def run(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--data-dir", str(data_dir)])


def test_keys_create_prints_the_key_once_and_list_shows_it_without(tmp_path: Path) -> None:
    made = run(tmp_path, "keys", "create", "--name", "ci", "--role", "operator")
    assert made.exit_code == 0
    key = made.stdout.strip()
    assert key.startswith("ocs_") and "\n" not in key
    assert "shown once" in made.stderr
    listed = run(tmp_path, "keys", "list")
    assert listed.exit_code == 0
    assert "ci" in listed.stdout and "operator" in listed.stdout and key not in listed.stdout
    store = Store.open(data_dir=tmp_path)
    assert store.keys.authenticate(key) is not None
    store.close()


def test_keys_list_as_json(tmp_path: Path) -> None:
    run(tmp_path, "keys", "create", "--name", "ci", "--role", "viewer")
    result = CliRunner().invoke(cli, ["--json", "keys", "list", "--data-dir", str(tmp_path)])
    rows = json.loads(result.stdout)
    assert [(r["name"], r["role"], r["revoked"]) for r in rows] == [("ci", "viewer", None)]


def test_keys_revoke_takes_effect_at_once(tmp_path: Path) -> None:
    key = run(tmp_path, "keys", "create", "--name", "ci", "--role", "admin").stdout.strip()
    assert run(tmp_path, "keys", "revoke", "ci").exit_code == 0
    store = Store.open(data_dir=tmp_path)
    assert store.keys.authenticate(key) is None
    store.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("keys", "revoke", "nobody"), "no key named 'nobody'"),
        (("keys", "create", "--name", "x", "--role", "root"), "'root' is not one of"),
    ],
)
def test_keys_errors_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run(tmp_path, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_a_duplicate_key_name_exits_2(tmp_path: Path) -> None:
    run(tmp_path, "keys", "create", "--name", "ci", "--role", "admin")
    result = run(tmp_path, "keys", "create", "--name", "ci", "--role", "admin")
    assert result.exit_code == 2 and "a key named 'ci' exists" in result.output


@pytest.fixture
def logged(tmp_path: Path) -> Path:
    store = Store.open(data_dir=tmp_path)
    now = datetime.now(UTC)
    store.usage.record(
        UsageRecord(operation="chat.create", model="gpt-4o-mini", prompt_tokens=1000,
                    completion_tokens=100, cost_usd=0.0123, time=now - timedelta(days=1)),
        UsageRecord(operation="chat.create", model="local-llm", prompt_tokens=5,
                    time=now - timedelta(days=2)),
        UsageRecord(operation="chat.create", model="old-model", prompt_tokens=5,
                    time=now - timedelta(days=30)),
    )  # fmt: skip
    store.close()
    return tmp_path


def test_usage_by_model_since_7d_prints_a_table(logged: Path) -> None:
    result = run(logged, "usage", "--by", "model", "--since", "7d")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["MODEL", "CALLS", "ERRORS"]
    body = "\n".join(lines[1:])
    assert "gpt-4o-mini" in body and "0.0123" in body
    assert "local-llm" in body and "old-model" not in body
    local = next(line for line in lines if line.startswith("local-llm"))
    assert "—" in local, "an unknown price shows as no value, not 0"


def test_usage_as_csv(logged: Path) -> None:
    result = run(logged, "usage", "--by", "day", "--since", "60d", "--csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert sum(int(r["calls"]) for r in rows) == 3


@pytest.mark.parametrize("since", ["7", "7y", "d", "-1d"])
def test_a_bad_since_exits_2(tmp_path: Path, since: str) -> None:
    result = run(tmp_path, "usage", "--since", since)
    assert result.exit_code == 2
    assert "is not a duration" in result.output
