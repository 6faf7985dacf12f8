"""Property: whatever a server sends, the response readers raise only ConnectorErrors.

Arbitrary JSON (shaped like the API's, with its field names, and not) and arbitrary bytes go
through :meth:`Core.result` as plain bodies and through the SSE decoder and every
operation's stream assembler as event streams; what comes out must be a Result a caller can
use (its text, its dict, its JSON) or a ConnectorError. A valid stream, however it is split,
still assembles. Derandomized with a fixed number of examples, so CI runs the same cases.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from openai_connector import Connection, ConnectorError, Result
from openai_connector.core import Core, Prepared
from openai_connector.streaming import StreamState
from openai_connector.transport.request import HttpResponse
from openai_connector.transport.retry import RetryClock
from scripted_server import chat_chunks

FAST = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
KEYS = (
    "choices", "index", "delta", "content", "role", "tool_calls", "function", "name",
    "arguments", "id", "usage", "prompt_tokens", "completion_tokens", "total_tokens", "error",
    "message", "code", "type", "response", "output", "output_index", "content_index",
    "summary_index", "logprobs", "finish_reason", "text", "data", "embedding", "b64_json",
    "object", "model", "created", "context", "function_call", "incomplete_details", "status",
)  # fmt: skip
EVENT_TYPES = (
    "response.output_text.delta", "response.completed", "response.failed",
    "response.incomplete", "error", "response.created",
)  # fmt: skip

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(EVENT_TYPES)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=4), inner, max_size=5)
    ),
    max_leaves=24,
)
deep = st.integers(min_value=150, max_value=3000).map(lambda n: "[" * n + "]" * n)


def shaped(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Objects with the API's field names, each left out, well typed, or anything at all;
    sometimes not an object."""
    typed = {k: st.one_of(v, v, v, json_values) for k, v in fields.items()}
    return st.one_of(*[st.fixed_dictionaries({}, optional=typed)] * 3, json_values)


small = st.integers(min_value=-2, max_value=130) | st.sampled_from([30_000_000, 2**64])
text = st.text(max_size=5)
function = shaped(name=text, arguments=text)
tool_call = shaped(index=small, id=text, type=st.just("function"), function=function)
delta = shaped(
    role=st.just("assistant"),
    content=text,
    refusal=text,
    tool_calls=st.lists(tool_call, max_size=3),
    function_call=function,
    context=shaped(citations=st.lists(json_values, max_size=2), intent=text),
)
usage = shaped(prompt_tokens=small, completion_tokens=small, total_tokens=small)
logprobs = shaped(content=st.lists(json_values, max_size=2), tokens=st.lists(text, max_size=2))
choice = shaped(
    index=small,
    delta=delta,
    text=text,
    message=delta,
    finish_reason=st.sampled_from(["stop", "length", "tool_calls"]),
    logprobs=logprobs,
)
part = shaped(type=st.just("output_text"), text=text)
item = shaped(type=st.just("message"), content=st.lists(part, max_size=3))
response = shaped(
    id=text,
    output=st.lists(item, max_size=3),
    error=shaped(code=text, message=text),
    incomplete_details=shaped(reason=st.just("max_output_tokens")),
    usage=usage,
)
api_shaped = (
    shaped(
        id=text,
        model=text,
        created=small,
        choices=st.lists(choice, max_size=3),
        usage=usage,
        error=shaped(message=text, code=text),
        data=st.lists(shaped(embedding=text | st.lists(st.floats(), max_size=3)), max_size=2),
    )
    | shaped(
        type=st.sampled_from(EVENT_TYPES),
        delta=text,
        response=response,
        output_index=small,
        content_index=small,
        summary_index=small,
        message=text,
    )
    | response
)

# Valid events and bodies of every kind the readers know, by the operation that reads
# them; a test replaces (or drops) one value anywhere in one, so every field meets every
# wrong type.
CALL = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{"}}
MESSAGE = {"type": "message", "content": [{"type": "output_text", "text": "Hi"}]}
RESPONSE = {"id": "r", "output": [MESSAGE], "usage": {"input_tokens": 1, "output_tokens": 2}}
CHAT_USAGE = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
STREAM_CASES: dict[str, tuple[str, Any]] = {
    "chat content": ("chat.create", chat_chunks(["Hel"])[1]),
    "chat usage": ("chat.create", {"choices": [], "usage": CHAT_USAGE}),
    "chat tool call": (
        "chat.create",
        {"choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [CALL]}}]},
    ),
    "chat function call": (
        "chat.create",
        {"choices": [{"index": 0, "delta": {"function_call": {"name": "f", "arguments": "{}"}}}]},
    ),
    "chat citations": (
        "chat.create",
        {"choices": [{"index": 0, "delta": {"context": {"citations": [{"t": 1}]}}}]},
    ),
    "chat logprobs": (
        "chat.create",
        {"choices": [{"index": 0, "delta": {}, "logprobs": {"content": [{"token": "a"}]}}]},
    ),
    "chat error": ("chat.create", {"error": {"message": "overloaded", "type": "server_error"}}),
    "completion": (
        "completions.create",
        {
            "choices": [
                {"index": 1, "text": "a", "logprobs": {"tokens": ["a"]}, "finish_reason": None}
            ]
        },
    ),
    "responses delta": (
        "responses.create",
        {"type": "response.output_text.delta", "output_index": 0, "content_index": 0, "delta": "H"},
    ),
    "responses completed": (
        "responses.create",
        {"type": "response.completed", "response": RESPONSE},
    ),
    "responses failed": (
        "responses.create",
        {
            "type": "response.failed",
            "response": {**RESPONSE, "error": {"code": "x", "message": "y"}},
        },
    ),
    "responses incomplete": (
        "responses.create",
        {"type": "response.incomplete", "response": {"incomplete_details": {"reason": "x"}}},
    ),
    "responses error": ("responses.create", {"type": "error", "message": "bad", "code": "c"}),
}
ENDINGS: dict[str, list[Any]] = {
    "chat.create": [*chat_chunks(["a"])[2:], "[DONE]"],
    "completions.create": [{"choices": [{"index": 0, "text": "b"}]}, "[DONE]"],
    "responses.create": [{"type": "response.completed", "response": RESPONSE}],
}
PLAIN_CASES: dict[str, tuple[str, Any]] = {
    "chat": (
        "chat.create",
        {"choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}}]},
    ),
    "completion": ("completions.create", {"choices": [{"index": 0, "text": "Hi"}]}),
    "response": ("responses.create", RESPONSE),
    "embeddings": (
        "embeddings.create",
        {"data": [{"embedding": "AAAAAA==", "index": 0}], "usage": {"prompt_tokens": 1}},
    ),
    "models": ("models.list", {"object": "list", "data": [{"id": "m"}]}),
    "moderation": ("moderation.create", {"results": [{"flagged": False, "categories": {}}]}),
}
DROP = object()


def _positions(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _positions(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _positions(child, (*path, index))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return None if new is DROP else new
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)
    if not rest and new is DROP:
        del copy[head]
    else:
        copy[head] = _replace(copy[head], rest, new)
    return copy


WRONG = (DROP, None, True, 0, 7, -1, 2**40, 1.5, "", "x", [], [None], ["x"], {}, {"a": 1})
"""One value of each kind (and a dropped field), so a field meets each kind soon."""


def _mutate(value: Any) -> st.SearchStrategy[Any]:
    new = st.one_of(st.sampled_from(WRONG), st.sampled_from(WRONG), json_values)
    return st.tuples(st.sampled_from(_positions(value)), new).map(
        lambda change: _replace(value, *change)
    )


STREAMED = {
    "chat.create": {"model": "m", "prompt": "hi"},
    "completions.create": {"model": "m", "prompt": "hi"},
    "responses.create": {"model": "m", "input": "hi"},
}
PLAIN = {
    **STREAMED,
    "embeddings.create": {"model": "m", "input": "hi", "encoding_format": "base64"},
    "models.list": {},
    "moderation.create": {"input": "hi"},
    "edits.create": {"model": "m", "input": "hi", "instruction": "fix"},
}


def _core() -> Core:
    return Core(Connection(provider="compatible", base_url="http://127.0.0.1:9/v1"))


CORE = _core()
CORE.redactor.add("sk-secret-value")


def _prepared(operation: str, params: dict[str, Any]) -> Prepared:
    return CORE.prepare(operation, params)


def _usable(result: Result) -> None:
    """What callers do with a result: read its text, its dict, print it as JSON."""
    assert result.text is None or isinstance(result.text, str)
    json.dumps(result.to_dict(), default=str)


def _read_stream(operation: str, pieces: list[bytes]) -> Result | None:
    prepared = _prepared(operation, {**STREAMED[operation], "stream": True})
    state = StreamState(CORE, prepared)
    state.clock = RetryClock(prepared.policy, lambda: 0.0)
    state.clock.begin_attempt()
    state.begin(200, {"content-type": "text/event-stream"})
    try:
        for piece in pieces:
            for chunk in state.feed(piece):
                assert chunk.text is None or isinstance(chunk.text, str)
        for chunk in state.flush():
            assert chunk.text is None or isinstance(chunk.text, str)
        result = state.finish()
    except ConnectorError:
        return None
    _usable(result)
    return result


def _read_plain(operation: str, status: int, body: bytes, content_type: str) -> None:
    """A plain answer as a face reads it: the envelope, post-processing or the error."""
    prepared = _prepared(operation, PLAIN[operation])
    response = HttpResponse(status, {"content-type": content_type}, body)
    try:
        result = CORE.result(prepared, response, 1, 0.0)
        if result.ok:
            post_process = prepared.operation.post_process
            if post_process is not None:
                result = post_process(result, prepared.data, CORE.context)
        else:
            error = CORE.status_error(prepared.operation, result)
            json.dumps(error.to_dict(), default=str)
            raise error
    except ConnectorError:
        return
    _usable(result)


def _as_events(values: list[Any], done: bool) -> bytes:
    lines = [f"data: {v if isinstance(v, str) else json.dumps(v)}\n\n" for v in values]
    return ("".join(lines) + ("data: [DONE]\n\n" if done else "")).encode()


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@FAST
@given(
    operation=st.sampled_from(sorted(STREAMED)),
    values=st.lists(st.one_of(api_shaped, api_shaped, json_values, deep), max_size=6),
    done=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=4),
)
@example("chat.create", [{"choices": [None]}], True, [])
@example("chat.create", [{"choices": "abc"}], True, [])
@example("chat.create", [{"choices": [{"index": None, "delta": {}}]}], True, [])
@example("chat.create", [{"choices": [{"index": -1, "delta": {}}]}], True, [])
@example("chat.create", [{"choices": [{"delta": {"content": 5}}]}], True, [])
@example("chat.create", [{"choices": [{"delta": ["a"]}]}], True, [])
@example("chat.create", [{"choices": [{"delta": {"tool_calls": [{"index": 2**40}]}}]}], True, [])
@example("chat.create", [{"choices": [], "usage": {"prompt_tokens": "x"}}], True, [])
@example("chat.create", ['{"x": ' + "[" * 5000 + "]" * 5000 + "}"], True, [])
@example("responses.create", [{"type": "response.completed", "response": "x"}], False, [])
@example("responses.create", [{"type": "response.output_text.delta", "delta": 5}], False, [])
def test_any_json_events_give_a_result_or_a_connector_error(
    operation: str, values: list[Any], done: bool, cuts: list[int]
) -> None:
    _read_stream(operation, _split(_as_events(values, done), cuts))


@FAST
@given(
    operation=st.sampled_from(sorted(STREAMED)),
    data=st.binary(max_size=300),
    cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=4),
)
def test_any_bytes_as_a_stream_give_a_result_or_a_connector_error(
    operation: str, data: bytes, cuts: list[int]
) -> None:
    _read_stream(operation, _split(data, cuts))


@FAST
@given(
    operation=st.sampled_from(sorted(PLAIN)),
    status=st.sampled_from([200, 200, 200, 201, 302, 400, 404, 429, 500]),
    body=st.one_of(
        *[api_shaped.map(lambda v: json.dumps(v).encode())] * 4,
        json_values.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=200),
        deep.map(str.encode),
    ),
    content_type=st.sampled_from(["application/json", "text/plain", ""]),
)
@example("chat.create", 200, b'{"choices": [null]}', "application/json")
@example("chat.create", 200, b'{"choices": ["x"]}', "application/json")
@example("responses.create", 200, b'{"output": 5}', "application/json")
@example("responses.create", 200, b'{"output": [{"type": "message", "content": 5}]}', "")
@example("chat.create", 200, b"[" * 100_000 + b"]" * 100_000, "application/json")
@example("chat.create", 400, b"[" * 100_000 + b"]" * 100_000, "application/json")
@example("chat.create", 302, b"{}", "application/json")
def test_any_plain_body_gives_a_result_or_a_connector_error(
    operation: str, status: int, body: bytes, content_type: str
) -> None:
    _read_plain(operation, status, body, content_type)


@pytest.mark.parametrize("case", STREAM_CASES)
def test_every_field_of_every_event_of_each_wrong_kind(case: str) -> None:
    """Exhaustive, not sampled: each position of a valid event gets each kind of value."""
    operation, event = STREAM_CASES[case]
    for position in _positions(event):
        for wrong in WRONG:
            changed = _replace(event, position, wrong)
            for ending in ([], ENDINGS[operation]):
                _read_stream(operation, [_as_events([changed, *ending], done=False)])


@pytest.mark.parametrize("case", PLAIN_CASES)
def test_every_field_of_every_body_of_each_wrong_kind(case: str) -> None:
    operation, body = PLAIN_CASES[case]
    for position in _positions(body):
        for wrong in WRONG:
            changed = json.dumps(_replace(body, position, wrong)).encode()
            _read_plain(operation, 200, changed, "application/json")


MUTATIONS = settings(FAST, max_examples=20)


@pytest.mark.parametrize("case", STREAM_CASES)
@MUTATIONS
@given(data=st.data(), done=st.booleans())
def test_any_change_to_a_valid_event_gives_a_result_or_a_connector_error(
    case: str, data: st.DataObject, done: bool
) -> None:
    operation, event = STREAM_CASES[case]
    changed = data.draw(_mutate(event))
    if data.draw(st.booleans()):
        changed = data.draw(_mutate(changed))
    events = [changed, *ENDINGS[operation]] if done else [changed]
    _read_stream(operation, [_as_events(events, done=False)])


@pytest.mark.parametrize("case", PLAIN_CASES)
@MUTATIONS
@given(data=st.data())
def test_any_change_to_a_valid_body_gives_a_result_or_a_connector_error(
    case: str, data: st.DataObject
) -> None:
    operation, body = PLAIN_CASES[case]
    changed = data.draw(_mutate(body))
    if data.draw(st.booleans()):
        changed = data.draw(_mutate(changed))
    _read_plain(operation, 200, json.dumps(changed).encode(), "application/json")


@FAST
@given(
    pieces=st.lists(st.text(max_size=6), min_size=1, max_size=5),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=6),
)
def test_a_valid_stream_assembles_however_it_is_split(pieces: list[str], cuts: list[int]) -> None:
    data = _as_events(chat_chunks(pieces), done=True)
    result = _read_stream("chat.create", _split(data, cuts))
    assert result is not None
    assert result.text == ("".join(pieces) or None)
