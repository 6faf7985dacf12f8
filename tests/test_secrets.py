"""{{secrets.NAME}} references, where values come from, and how they are hidden."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openai_connector import Connector, Redactor, Secret, SecretNotFound, SecretStore
from openai_connector.secrets import SecretResolver, has_reference
from scripted_server import Reply, ScriptedServer, chat_body


def resolver(**store: Any) -> SecretResolver:
    return SecretResolver(SecretStore(**store), Redactor())


# ----------------------------------------------------------------- references


def test_whole_value_and_inside_a_string() -> None:
    r = resolver(environ={"KEY": "value-1", "ORG": "acme"})
    assert r.resolve("{{secrets.KEY}}") == "value-1"
    assert r.resolve("Bearer {{ secrets.KEY }} for {{secrets.ORG}}!") == "Bearer value-1 for acme!"
    assert r.resolve("no reference {{here}}") == "no reference {{here}}"


def test_nested_values_are_resolved() -> None:
    r = resolver(environ={"A": "alpha", "B": "bravo"})
    value = {"x": ["{{secrets.A}}", {"y": "pre-{{secrets.B}}"}], "n": 3, "none": None}
    assert r.resolve(value) == {"x": ["alpha", {"y": "pre-bravo"}], "n": 3, "none": None}


def test_names_may_hold_dots_and_dashes() -> None:
    r = resolver(environ={"my-app.key_2": "dotted"})
    assert r.resolve("{{secrets.my-app.key_2}}") == "dotted"


def test_has_reference() -> None:
    assert has_reference("x {{secrets.K}}")
    assert not has_reference("{{K}}")
    assert not has_reference(None)


def test_every_resolved_value_is_registered_for_redaction() -> None:
    r = resolver(environ={"KEY": "resolved-value"})
    r.resolve("{{secrets.KEY}}")
    assert r.redactor("log: resolved-value") == "log: ***"


def test_credentials_become_secrets() -> None:
    r = resolver(environ={"KEY": "sk-from-env"})
    secret = r.resolve_secret("{{secrets.KEY}}")
    assert isinstance(secret, Secret) and secret.reveal() == "sk-from-env"
    literal = r.resolve_secret("sk-literal-key")
    assert literal is not None and literal.reveal() == "sk-literal-key"
    assert r.redactor("sk-literal-key and sk-from-env") == "*** and ***"
    assert r.resolve_secret(None) is None


# --------------------------------------------------------------------- lookup order


@pytest.fixture
def sources(tmp_path: Path) -> dict[str, Any]:
    file = tmp_path / "secrets.env"
    file.write_text(
        '# a comment\nIN_ALL=from-file\nIN_FILE_AND_DIR=from-file\nQUOTED="with spaces"\n'
        "export EXPORTED=exported-value\n",
        encoding="utf-8",
    )
    directory = tmp_path / "secrets.d"
    directory.mkdir()
    for name in ("IN_ALL", "IN_FILE_AND_DIR", "ONLY_DIR"):
        (directory / name).write_text(f"from-dir-{name}\n", encoding="utf-8")
    return {
        "environ": {"IN_ALL": "from-env"},
        "file": file,
        "directory": directory,
    }


def test_lookup_order_env_then_file_then_directory(sources: dict[str, Any]) -> None:
    store = SecretStore(**sources)
    assert store.lookup("IN_ALL") == "from-env"
    assert store.lookup("IN_FILE_AND_DIR") == "from-file"
    assert store.lookup("ONLY_DIR") == "from-dir-ONLY_DIR"  # trailing newline dropped
    assert store.lookup("QUOTED") == "with spaces"
    assert store.lookup("EXPORTED") == "exported-value"


def test_directory_lookup_cannot_escape_the_directory(
    sources: dict[str, Any], tmp_path: Path
) -> None:
    (tmp_path / "outside").write_text("nope", encoding="utf-8")
    store = SecretStore(**sources)
    assert store.get("../outside") is None


def test_missing_file_and_directory_are_just_empty(tmp_path: Path) -> None:
    store = SecretStore(environ={}, file=tmp_path / "none.env", directory=tmp_path / "none.d")
    assert store.get("X") is None


def test_unknown_secret_names_the_secret_and_where_it_looked(sources: dict[str, Any]) -> None:
    store = SecretStore(**sources)
    with pytest.raises(SecretNotFound) as caught:
        resolver(**sources).resolve("Bearer {{secrets.NOT_THERE}}")
    error = caught.value
    assert error.name == "NOT_THERE"
    assert error.code == "secret_not_found"
    assert "NOT_THERE" in str(error)
    assert str(sources["file"]) in str(error) and str(sources["directory"]) in str(error)
    for value in ("from-env", "from-file", "from-dir", "with spaces"):
        assert value not in str(error)
        assert value not in repr(error.to_dict())
    assert store.describe() in str(error)


# ------------------------------------------------------------- Secret and Redactor


def test_secret_never_shows_its_value() -> None:
    secret = Secret("sk-very-secret")
    assert str(secret) == "***"
    assert repr(secret) == "Secret('***')"
    assert f"{secret}" == "***"
    assert "sk-very-secret" not in repr([secret, {"k": secret}])
    assert secret.reveal() == "sk-very-secret"
    assert secret == Secret("sk-very-secret") and secret != Secret("other")
    assert bool(secret) and not Secret("")


def test_redactor_masks_every_registered_value_longest_first() -> None:
    redactor = Redactor(["abcd", "abcdefgh"])
    assert redactor("x abcdefgh y abcd z") == "x *** y *** z"
    redactor.add(Secret("s3cr3t"))
    redactor.add(None)
    redactor.add("ab")  # too short to mask safely
    assert redactor("s3cr3t ab") == "*** ab"
    assert Redactor()("untouched") == "untouched"
    assert not Redactor() and redactor


def test_redactor_handles_regex_characters() -> None:
    redactor = Redactor(["a.b*c(d)"])
    assert redactor("a.b*c(d) aXbbc(d)") == "*** aXbbc(d)"


def test_redactor_deep_and_bytes() -> None:
    redactor = Redactor(["topsecret"])
    data = {"k topsecret": ["v topsecret", 3, None, ("topsecret",)], "b": b"x-topsecret-y"}
    assert redactor.deep(data) == {"k ***": ["v ***", 3, None, ["***"]], "b": b"x-***-y"}
    assert redactor.in_bytes(b"..topsecret..")
    assert not redactor.in_bytes(b"nothing")


# ---------------------------------------------------- through a connector, on the wire


def test_secrets_in_connection_fields_and_inputs_reach_the_server(
    server: ScriptedServer, tmp_path: Path
) -> None:
    directory = tmp_path / "run-secrets"
    directory.mkdir()
    (directory / "TENANT").write_text("tenant-from-dir", encoding="utf-8")
    file = tmp_path / "s.env"
    file.write_text("USER_ID=user-from-file\n", encoding="utf-8")
    store = SecretStore(
        environ={"API_KEY": "sk-env-key-123", "BASE": server.url + "/v1"},
        file=file,
        directory=directory,
    )
    server.script(Reply(json=chat_body()))
    with Connector(
        provider="compatible",
        base_url="{{secrets.BASE}}",
        api_key="{{secrets.API_KEY}}",
        headers={"X-Tenant": "t={{secrets.TENANT}}"},
        query={"tenant": "{{secrets.TENANT}}"},
        secrets=store,
    ) as connector:
        result = connector.run(
            "chat.create",
            {"model": "m", "prompt": "hello {{secrets.USER_ID}}", "user": "{{secrets.USER_ID}}"},
        )
    assert result.status == 200
    sent = server.requests[0]
    assert sent.headers["authorization"] == "Bearer sk-env-key-123"
    assert sent.headers["x-tenant"] == "t=tenant-from-dir"
    assert sent.query == {"tenant": "tenant-from-dir"}
    assert sent.json["messages"][-1] == {"role": "user", "content": "hello user-from-file"}
    assert sent.json["user"] == "user-from-file"


def test_unknown_secret_in_an_input_sends_nothing(server: ScriptedServer) -> None:
    with (
        Connector(
            provider="compatible",
            base_url=server.url + "/v1",
            api_key="sk-test1234",
            secrets=SecretStore(environ={}),
        ) as connector,
        pytest.raises(SecretNotFound) as caught,
    ):
        connector.run("chat.create", {"model": "m", "prompt": "{{secrets.MISSING_ONE}}"})
    assert caught.value.name == "MISSING_ONE"
    assert server.requests == []


def test_unknown_secret_in_the_connection_sends_nothing(server: ScriptedServer) -> None:
    with (
        Connector(
            provider="compatible",
            base_url=server.url + "/v1",
            api_key="{{secrets.NO_SUCH_KEY}}",
            secrets=SecretStore(environ={}),
        ) as connector,
        pytest.raises(SecretNotFound) as caught,
    ):
        connector.run("chat.create", {"model": "m", "prompt": "hi"})
    assert "NO_SUCH_KEY" in str(caught.value)
    assert server.requests == []


def test_secrets_are_read_at_call_time(server: ScriptedServer) -> None:
    environ = {"ROTATING": "sk-first-key"}
    server.default = Reply(json=chat_body())
    with Connector(
        provider="compatible",
        base_url=server.url + "/v1",
        api_key="{{secrets.ROTATING}}",
        secrets=SecretStore(environ=environ),
    ) as connector:
        connector.run("chat.create", {"model": "m", "prompt": "1"})
        environ["ROTATING"] = "sk-second-key"
        connector.run("chat.create", {"model": "m", "prompt": "2"})
        assert connector.redactor("sk-first-key sk-second-key") == "*** ***"
    assert [r.headers["authorization"] for r in server.requests] == [
        "Bearer sk-first-key",
        "Bearer sk-second-key",
    ]


def test_connection_repr_and_public_mask_literal_keys() -> None:
    from openai_connector import Connection

    literal = Connection(api_key="sk-literal-999", azure_ad_token=None)
    assert "sk-literal-999" not in repr(literal)
    assert literal.public()["api_key"] == "***"
    referenced = Connection(api_key="{{secrets.K}}")
    assert referenced.public()["api_key"] == "{{secrets.K}}"


def test_redactor_headers_returns_the_same_dict_when_clean() -> None:
    redactor = Redactor(["hdr-secret"])
    clean = {"content-type": "application/json"}
    assert redactor.headers(clean) is clean
    assert redactor.headers({"x-echo": "Bearer hdr-secret"}) == {"x-echo": "Bearer ***"}
    assert Redactor().headers(clean) is clean


@pytest.mark.parametrize("start", range(0, 30))
def test_redactor_preview_never_cuts_a_secret_in_half(start: int) -> None:
    secret = "cut-me-not-1234567"
    redactor = Redactor([secret])
    data = ("é" * start + secret + " tail").encode()
    preview = redactor.preview(data, 20)
    assert "cut-me" not in preview and "1234567" not in preview
    if start < 20:
        assert "***" in preview
    assert preview.startswith("é" * min(start, 20))


def test_redactor_preview_without_secrets_is_a_plain_cut() -> None:
    assert Redactor().preview(b"abcdef", 3) == "abc"
    assert Redactor(["zzzz"]).preview(b"abcdef", 3) == "abc"
