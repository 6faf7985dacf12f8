"""The expressions Camunda's OpenAI and Azure OpenAI element templates write, evaluated the
way a Zeebe mapping does (a value starting with ``=`` is FEEL, anything else is text)."""

from __future__ import annotations

from typing import Any

import pytest
from feel_table import NOW, same

from openai_connector.workflow.feel import compile_mapping

AZURE_URL = (
    '="https://" + resource + ".openai.azure.com/openai/deployments/" + deployment'
    ' + "/chat/completions?api-version=" + version'
)
AZURE = {"resource": "acme", "deployment": "gpt4o", "version": "2024-06-01"}
HISTORY = [{"role": "system", "content": "You translate."}]

CASES: list[tuple[str, dict[str, Any], Any]] = [
    # plain values are string literals, not expressions
    (
        "https://api.openai.com/v1/chat/completions",
        {},
        "https://api.openai.com/v1/chat/completions",
    ),
    ("POST", {}, "POST"),
    ("bearer", {}, "bearer"),
    ("", {}, ""),
    ("PT30S", {}, "PT30S"),
    ("{{secrets.OPENAI_API_KEY}}", {}, "{{secrets.OPENAI_API_KEY}}"),
    ('="{{secrets.OPENAI_API_KEY}}"', {}, "{{secrets.OPENAI_API_KEY}}"),
    ("=20", {}, 20),
    ("= 20", {}, 20),
    # URLs
    (
        AZURE_URL,
        AZURE,
        "https://acme.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-06-01",
    ),
    (AZURE_URL, {"resource": "acme", "deployment": "d"}, None),  # a missing part: null, not text
    (
        '="https://" + resource + ".openai.azure.com/openai/deployments/" + deployment'
        ' + "/completions?api-version=" + version',
        AZURE,
        "https://acme.openai.azure.com/openai/deployments/gpt4o/completions?api-version=2024-06-01",
    ),
    (
        '="https://" + resource + ".openai.azure.com/openai/deployments/" + deployment'
        ' + "/extensions/chat/completions?api-version=" + version',
        AZURE,
        "https://acme.openai.azure.com/openai/deployments/gpt4o/extensions/chat/completions"
        "?api-version=2024-06-01",
    ),
    # optional fields
    ("=if is defined(temperature) then temperature else null", {"temperature": 0.7}, 0.7),
    ("=if is defined(temperature) then temperature else null", {}, None),
    ("=if is defined(temperature) then temperature else null", {"temperature": None}, None),
    ("=if temperature = null then null else number(temperature)", {"temperature": "0.2"}, 0.2),
    ("=if temperature = null then null else number(temperature)", {"temperature": None}, None),
    ("=if temperature = null then null else number(temperature)", {}, None),
    ("=if temperature = null then null else number(temperature)", {"temperature": 1}, 1),
    (
        "=if maxTokens = null then null else decimal(number(maxTokens), 0)",
        {"maxTokens": "256"},
        256,
    ),
    ("=decimal(number(n), 0)", {"n": "2.5"}, 2),
    ("=decimal(number(n), 0)", {"n": "3.5"}, 4),
    ('=if stream = "True" then true else false', {"stream": "True"}, True),
    ('=if stream = "True" then true else false', {"stream": "False"}, False),
    ('=if stream = "True" then true else false', {}, False),
    ('=echo = "True"', {"echo": "True"}, True),
    # bodies
    (
        '={model: model, messages: append(history, {role: "user", content: prompt})}',
        {"model": "gpt-4o", "history": HISTORY, "prompt": "Bonjour"},
        {"model": "gpt-4o", "messages": [*HISTORY, {"role": "user", "content": "Bonjour"}]},
    ),
    (
        '={model: model, messages: append(history, {role: "user", content: prompt})}',
        {"model": "gpt-4o", "history": [], "prompt": "Hi"},
        {"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi"}]},
    ),
    (
        '={"model": model, "messages": concatenate([{"role": "system", "content": system}],'
        ' history, [{"role": "user", "content": prompt}])}',
        {
            "model": "m",
            "system": "S",
            "history": [{"role": "assistant", "content": "A"}],
            "prompt": "P",
        },
        {
            "model": "m",
            "messages": [
                {"role": "system", "content": "S"},
                {"role": "assistant", "content": "A"},
                {"role": "user", "content": "P"},
            ],
        },
    ),
    ("=context(get entries({a: a, b: null})[item.value != null])", {"a": 1}, {"a": 1}),
    (
        "=context(get entries({model: model, temperature: temperature, n: n})[item.value != null])",
        {"model": "gpt", "n": 2},
        {"model": "gpt", "n": 2},
    ),
    (
        "=context(get entries({model: model, temperature: temperature})[item.value != null])",
        {"model": "gpt", "temperature": 0},
        {"model": "gpt", "temperature": 0},
    ),
    ("=context(get entries({a: null})[item.value != null])", {}, {}),
    (
        '={input: text, model: if is defined(model) then model else "omni-moderation-latest"}',
        {"text": "hello"},
        {"input": "hello", "model": "omni-moderation-latest"},
    ),
    # headers and authentication
    (
        '={"Content-Type": "application/json", "OpenAI-Organization": org}',
        {"org": "o-1"},
        {"Content-Type": "application/json", "OpenAI-Organization": "o-1"},
    ),
    (
        '={type: "bearer", token: "{{secrets.KEY}}"}',
        {},
        {"type": "bearer", "token": "{{secrets.KEY}}"},
    ),
    (
        '={type: "apiKey", apiKeyLocation: "headers", name: "api-key", value: apiKey}',
        {"apiKey": "k"},
        {"type": "apiKey", "apiKeyLocation": "headers", "name": "api-key", "value": "k"},
    ),
    ("=connectionTimeoutInSeconds", {"connectionTimeoutInSeconds": 20}, 20),
    # result and error expressions
    (
        "={openAiResponse: response.body}",
        {"response": {"status": 200, "body": {"id": "c1"}}},
        {"openAiResponse": {"id": "c1"}},
    ),
    (
        "={answer: response.body.choices[1].message.content}",
        {"response": {"body": {"choices": [{"message": {"content": "Salut"}}]}}},
        {"answer": "Salut"},
    ),
    (
        "={tokens: response.body.usage.total_tokens}",
        {"response": {"body": {"usage": {"total_tokens": 42}}}},
        {"tokens": 42},
    ),
    (
        '=if error.code = "429" then bpmnError("RATE_LIMITED", error.message) else null',
        {"error": {"code": "429", "message": "slow down"}},
        {"errorType": "bpmnError", "code": "RATE_LIMITED", "message": "slow down", "variables": {}},
    ),
    (
        '=if error.code = "429" then bpmnError("RATE_LIMITED", error.message) else null',
        {"error": {"code": "500", "message": "x"}},
        None,
    ),
    ("=if is defined(error) then bpmnError(error.code, error.message) else null", {}, None),
    (
        '=if response.status >= 500 then jobError("server error", {}, 2, @"PT30S") else null',
        {"response": {"status": 503}},
        {
            "errorType": "jobError",
            "message": "server error",
            "variables": {},
            "retries": 2,
            "timeout": "PT30S",
        },
    ),
    (
        '=if response.body.flagged then bpmnError("FLAGGED", "moderation", {categories:'
        " response.body.categories}) else null",
        {"response": {"body": {"flagged": True, "categories": {"hate": True}}}},
        {
            "errorType": "bpmnError",
            "code": "FLAGGED",
            "message": "moderation",
            "variables": {"categories": {"hate": True}},
        },
    ),
    # timers
    ('=duration("PT" + string(seconds) + "S")', {"seconds": 30}, "PT30S"),
    ("=retryBackoff", {"retryBackoff": "PT30S"}, "PT30S"),
    ('=now() + duration("PT1H")', {}, (NOW.replace(hour=11)).isoformat()),
]


@pytest.mark.parametrize(("mapping", "variables", "expected"), CASES)
def test_template_mapping(mapping: str, variables: dict[str, Any], expected: Any) -> None:
    result = compile_mapping(mapping).evaluate(variables, clock=lambda: NOW)
    assert same(result, expected), result


def test_mapping_keeps_its_text() -> None:
    assert compile_mapping("=a + 1").text == "a + 1"
    assert compile_mapping("POST").text == "POST"
