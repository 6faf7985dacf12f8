"""openai-connector chat: output forms, streaming, result expressions, input files."""

from __future__ import annotations

import json

from scripted_server import Reply, ScriptedServer, chat_body, chat_chunks


def test_chat_prints_the_envelope_with_meta_as_json(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json=chat_body("Bonjour"))
    result = invoke("chat", "--prompt", "Say hello in French", "--model", "gpt-4o-mini")
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert set(printed) == {"status", "headers", "body", "meta"}
    assert printed["status"] == 200
    assert printed["body"]["choices"][0]["message"]["content"] == "Bonjour"
    assert printed["meta"]["usage"]["total_tokens"] == 7
    sent = server.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.json["messages"] == [{"role": "user", "content": "Say hello in French"}]


def test_chat_sends_every_option(server: ScriptedServer, invoke, tmp_path) -> None:
    server.default = Reply(json=chat_body())
    history = tmp_path / "history.json"
    history.write_text(
        json.dumps([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}])
    )
    schema = tmp_path / "answer.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"a": {"type": "string"}}}))
    result = invoke(
        "chat",
        "--prompt",
        "And now?",
        "--system",
        "Be brief.",
        "--history",
        str(history),
        "--model",
        "gpt-4o-mini",
        "--temperature",
        "0.25",
        "--n",
        "2",
        "--max-tokens",
        "50",
        "--json-schema",
        str(schema),
        "--image",
        "https://example.com/cat.png",
    )
    assert result.exit_code == 0, result.stderr
    body = server.requests[0].json
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["messages"][1:3] == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
    ]
    assert body["messages"][3]["content"][0] == {"type": "text", "text": "And now?"}
    assert body["messages"][3]["content"][1]["image_url"]["url"] == "https://example.com/cat.png"
    assert body["temperature"] == 0.25
    assert body["n"] == 2
    assert body["max_tokens"] == 50
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
            "strict": True,
        },
    }


def test_history_may_be_json_text(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json=chat_body())
    history = json.dumps([{"role": "user", "content": "Hi"}])
    result = invoke("chat", "--history", history, "--model", "m")
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].json["messages"] == [{"role": "user", "content": "Hi"}]


def test_prompt_dash_reads_standard_input(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json=chat_body())
    result = invoke("chat", "--prompt", "-", "--model", "m", stdin="from a pipe")
    assert result.exit_code == 0, result.stderr
    assert server.requests[0].json["messages"][-1]["content"] == "from a pipe"


def test_text_prints_just_the_answer(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json=chat_body("Just this."))
    result = invoke("--text", "chat", "--prompt", "hi", "--model", "m")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Just this.\n"


def test_stream_prints_text_as_it_arrives_and_nothing_else(server: ScriptedServer, invoke) -> None:
    server.default = Reply(events=chat_chunks(["Hel", "lo", " world"]))
    result = invoke("chat", "--prompt", "hi", "--model", "m", "--stream")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Hello world\n"
    assert server.requests[0].json["stream"] is True


def test_stream_with_json_keeps_stdout_for_the_result(server: ScriptedServer, invoke) -> None:
    server.default = Reply(events=chat_chunks(["Hel", "lo"]))
    result = invoke("--json", "chat", "--prompt", "hi", "--model", "m", "--stream")
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["body"]["choices"][0]["message"]["content"] == "Hello"
    assert printed["meta"]["streamed"] is True
    assert "Hello" in result.stderr


def test_cut_stream_is_a_transport_error(server: ScriptedServer, invoke) -> None:
    server.default = Reply(events=chat_chunks(["Hel"], usage=False)[:2], cut=True)
    result = invoke("--max-retries", "0", "chat", "--prompt", "hi", "--model", "m", "--stream")
    assert result.exit_code == 4
    assert "error:" in result.stderr


def test_result_expression_prints_the_mapping(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json=chat_body("Forty-two"))
    result = invoke(
        "--result-expression",
        "{answer: body.choices[0].message.content, tokens: body.usage.total_tokens}",
        "chat",
        "--prompt",
        "hi",
        "--model",
        "m",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"answer": "Forty-two", "tokens": 7}


def test_result_variable_holds_the_envelope(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json=chat_body("x"))
    result = invoke("--result-variable", "reply", "chat", "--prompt", "hi", "--model", "m")
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)
    assert set(printed) == {"reply"}
    assert set(printed["reply"]) == {"status", "headers", "body"}


def test_bad_result_expression_fails_before_sending(server: ScriptedServer, invoke) -> None:
    result = invoke("--result-expression", "{answer: ", "chat", "--prompt", "hi", "--model", "m")
    assert result.exit_code == 2
    assert "result_expression" in result.stderr
    assert server.requests == []


def test_expression_that_gives_no_mapping_is_a_user_error(server: ScriptedServer, invoke) -> None:
    server.default = Reply(json=chat_body())
    result = invoke("--result-expression", "body.id", "chat", "--prompt", "hi", "--model", "m")
    assert result.exit_code == 2
    assert "result_expression" in result.stderr


def test_text_and_result_expression_exclude_each_other(server: ScriptedServer, invoke) -> None:
    result = invoke("--text", "--result-expression", "{a: status}", "chat", "--prompt", "hi")
    assert result.exit_code == 2
    assert server.requests == []
