"""``openai-connector templates export|lint``: files written, deterministic, exit codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from openai_connector.cli.main import cli
from openai_connector.operations import registry
from openai_connector.workflow.template_lint import default_schema_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["templates", *args])


def test_export_writes_one_file_per_operation(tmp_path: Path) -> None:
    out = tmp_path / "templates"
    result = run("export", str(out))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(f"{oid}.json" for oid in registry.operations())
    assert result.output.splitlines() == [str(out / f"{oid}.json") for oid in registry.operations()]
    chat = json.loads((out / "chat.create.json").read_text(encoding="utf-8"))
    assert chat["id"] == "io.openai-connector.chat.create"


def test_export_is_deterministic(tmp_path: Path) -> None:
    assert run("export", str(tmp_path / "a")).exit_code == 0
    assert run("export", str(tmp_path / "b")).exit_code == 0
    first = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    second = {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    assert first == second


def test_export_one_operation(tmp_path: Path) -> None:
    result = run("export", str(tmp_path), "--operation", "chat.create")
    assert result.exit_code == 0, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["chat.create.json"]


def test_export_unknown_operation_is_a_usage_error(tmp_path: Path) -> None:
    result = run("export", str(tmp_path / "out"), "--operation", "chat.creat")
    assert result.exit_code == 2
    assert "unknown operation 'chat.creat'" in result.output
    assert "chat.create" in result.output
    assert not (tmp_path / "out").exists()


def test_export_into_a_file_fails(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("x", encoding="utf-8")
    result = run("export", str(target / "sub"))
    assert result.exit_code == 2
    assert "cannot write" in result.output


def test_lint_exported_templates_pass(tmp_path: Path) -> None:
    run("export", str(tmp_path))
    files = sorted(str(p) for p in tmp_path.iterdir())
    result = run("lint", *files)
    assert result.exit_code == 0, result.output
    assert f"{len(files)} file(s) checked, no problem found" in result.output


def test_every_exported_file_validates_against_the_whole_camunda_schema(tmp_path: Path) -> None:
    # the schema file as Camunda ships it (draft-07, its top-level oneOf included), not the
    # per-template slice the lint uses
    from jsonschema import Draft7Validator

    schema = json.loads(default_schema_path().read_text(encoding="utf-8"))
    assert default_schema_path().name == "zeebe-element-templates-schema-0.46.0.json"
    validator = Draft7Validator(schema)
    run("export", str(tmp_path))
    files = sorted(tmp_path.iterdir())
    assert len(files) == len(list(registry.operations()))
    for path in files:
        errors = [e.message for e in validator.iter_errors(json.loads(path.read_text()))]
        assert errors == [], path.name
    broken = json.loads(files[0].read_text())
    broken["properties"][0]["binding"] = {"type": "zeebe:nothing"}
    assert list(validator.iter_errors(broken))


def test_lint_reports_problems_with_exit_1(tmp_path: Path) -> None:
    run("export", str(tmp_path), "--operation", "chat.create")
    path = tmp_path / "chat.create.json"
    value = json.loads(path.read_text(encoding="utf-8"))
    value["properties"][0]["value"] = "anthropic"  # the provider dropdown
    del value["name"]
    path.write_text(json.dumps(value), encoding="utf-8")
    result = CliRunner().invoke(cli, ["templates", "lint", str(path)])
    assert result.exit_code == 1
    assert "'name' is a required property" in result.stderr
    assert "default 'anthropic' is not among its choices" in result.stderr


def test_lint_a_list_of_templates(tmp_path: Path) -> None:
    run("export", str(tmp_path / "one"), "--operation", "models.list")
    single = json.loads((tmp_path / "one" / "models.list.json").read_text(encoding="utf-8"))
    single["groups"] = [g for g in single["groups"] if g["id"] != "retries"]
    both = tmp_path / "both.json"
    both.write_text(json.dumps([single, single]), encoding="utf-8")
    result = run("lint", str(both))
    assert result.exit_code == 1
    assert result.stderr.count("group 'retries' is not declared") == 4


def test_lint_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = run("lint", str(bad))
    assert result.exit_code == 2
    assert "cannot read" in result.output
    result = run("lint", str(tmp_path / "missing.json"))
    assert result.exit_code == 2


def test_lint_schema_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("export", str(tmp_path), "--operation", "models.list")
    result = run("lint", str(tmp_path / "models.list.json"), "--schema", str(tmp_path / "no.json"))
    assert result.exit_code == 2
    assert "element-template schema not found" in result.output
    monkeypatch.setenv("OPENAI_CONNECTOR_SHARED", str(tmp_path / "nowhere"))
    result = run("lint", str(tmp_path / "models.list.json"))
    assert result.exit_code == 2
    assert "OPENAI_CONNECTOR_SHARED" in result.output


def test_lint_with_explicit_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schema = default_schema_path()
    monkeypatch.setenv("OPENAI_CONNECTOR_SHARED", str(tmp_path / "nowhere"))
    run("export", str(tmp_path), "--operation", "models.list")
    result = run("lint", str(tmp_path / "models.list.json"), "--schema", str(schema))
    assert result.exit_code == 0, result.output


def test_lint_without_jsonschema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run("export", str(tmp_path), "--operation", "models.list")
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    result = run("lint", str(tmp_path / "models.list.json"))
    assert result.exit_code == 2
    assert "pip install jsonschema" in result.output
