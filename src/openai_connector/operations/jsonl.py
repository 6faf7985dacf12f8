"""``jsonl.build``: write a JSON Lines file for fine-tuning or for the Batch API, locally.

Nothing is sent, so it works without credentials. Every record is checked and every bad one
is reported with its line number (``InvalidInput.errors``), not just the first; the file is
only written when all records are good.

Formats:

- ``chat``: ``{"messages": [...]}`` (optionally ``tools``, ``functions``,
  ``parallel_tool_calls``), messages as the Chat Completions API takes them, at least one
  assistant message (the part the model learns); an assistant message may carry ``weight``
  0 or 1.
- ``completion``: the legacy ``{"prompt": "...", "completion": "..."}``.
- ``batch``: ``{"custom_id", "method": "POST", "url", "body"}`` with unique ``custom_id``s,
  one ``url`` for the whole file (the batch's endpoint); ``method`` and ``url`` are filled in
  when left out.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from ..errors import InvalidInput
from ..result import Result
from ..steps import Blocking, Plan
from .base import Operation, OperationInput, Runner, local
from .downloads import check_output_file, write_file
from .limits import ModelName
from .messages import Message, parse_history

BatchEndpoint = Literal[
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
]
"""The endpoints the Batch API accepts (OpenAI spec 2.3.0)."""
MAX_BATCH_REQUESTS = 50_000
CHAT_KEYS = frozenset({"messages", "tools", "functions", "parallel_tool_calls"})
BATCH_KEYS = frozenset({"custom_id", "method", "url", "body"})
MAX_REPORTED = 100
"""Errors listed in the message itself; ``errors`` always holds all of them."""


class JsonlInput(OperationInput):
    records: list[Any] = Field(
        min_length=1,
        description="The records (objects), or their JSON text (a list)",
    )
    format: Literal["chat", "completion", "batch"] = local(
        "chat", "chat ({messages}), completion ({prompt, completion}) or batch (requests)"
    )
    output: str = local(..., "The file to write; its name must end in .jsonl")
    overwrite: bool = local(False, "Replace output if it exists (else it is refused)")
    endpoint: BatchEndpoint = local("/v1/chat/completions", "batch: the url of every request")
    model: ModelName | None = local(None, "batch: the model put in each body that names none")

    @field_validator("records", mode="before")
    @classmethod
    def _json_text(cls, value: Any) -> Any:
        return parse_history(value)

    @field_validator("output")
    @classmethod
    def _jsonl_name(cls, value: str) -> str:
        if not value.strip().lower().endswith(".jsonl"):
            raise ValueError(f"{value!r}: the file name must end in .jsonl")
        return value  # the rest is checked before writing (check_output_file)


def _problems(error: ValidationError, prefix: str) -> list[str]:
    found = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        found.append(f"{prefix}{where}: {message}" if where else f"{prefix}{message}")
    return found


def _check_messages(messages: Any, prefix: str = "") -> list[str]:
    if not isinstance(messages, list) or not messages:
        return [f"{prefix}messages: must be a non-empty list of messages"]
    problems: list[str] = []
    for index, item in enumerate(messages):
        where = f"{prefix}messages[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: must be an object with role and content")
            continue
        message = dict(item)
        weight = message.pop("weight", None)
        if weight is not None and (message.get("role") != "assistant" or weight not in (0, 1)):
            problems.append(f"{where}.weight: only assistant messages take weight, 0 or 1")
        try:
            Message.model_validate(message)
        except ValidationError as exc:
            problems.extend(_problems(exc, f"{where}."))
    return problems


def check_chat(record: dict[str, Any]) -> list[str]:
    problems = [f"{key}: not a chat fine-tuning field" for key in sorted(set(record) - CHAT_KEYS)]
    messages = record.get("messages")
    problems += _check_messages(messages)
    if isinstance(messages, list) and not any(
        isinstance(m, dict) and m.get("role") == "assistant" for m in messages
    ):
        problems.append("messages: needs at least one assistant message (what the model learns)")
    for key in ("tools", "functions"):
        if key in record and not isinstance(record[key], list):
            problems.append(f"{key}: must be a list")
    return problems


def check_completion(record: dict[str, Any]) -> list[str]:
    problems = [
        f"{key}: not a field of the prompt/completion format"
        for key in sorted(set(record) - {"prompt", "completion"})
    ]
    for key in ("prompt", "completion"):
        if not isinstance(record.get(key), str):
            problems.append(f"{key}: required, a string")
    if record.get("completion") == "":
        problems.append("completion: must not be empty")
    return problems


def check_batch(record: dict[str, Any], endpoint: str, model: str | None) -> list[str]:
    """Check a batch request, filling in method, url and model where left out."""
    problems = [f"{key}: not a batch request field" for key in sorted(set(record) - BATCH_KEYS)]
    custom_id = record.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        problems.append("custom_id: required, a non-empty string")
    record.setdefault("method", "POST")
    if record["method"] != "POST":
        problems.append(f"method: must be POST, not {record['method']!r}")
    record.setdefault("url", endpoint)
    if record["url"] != endpoint:
        problems.append(
            f"url: {record['url']!r} differs from the file's endpoint {endpoint!r} "
            "(one batch runs one endpoint)"
        )
    body = record.get("body")
    if not isinstance(body, dict) or not body:
        return [*problems, "body: required, the request body (an object)"]
    if model and "model" not in body:
        body = record["body"] = {"model": model, **body}
    if not isinstance(body.get("model"), str) or not body["model"]:
        problems.append("body.model: required (or pass model to fill it in)")
    if endpoint == "/v1/chat/completions":
        problems += _check_messages(body.get("messages"), "body.")
    elif endpoint in ("/v1/embeddings", "/v1/moderations", "/v1/responses") and (
        body.get("input") in (None, "", [])
    ):
        problems.append("body.input: required")
    elif endpoint in ("/v1/completions", "/v1/images/generations") and not body.get("prompt"):
        problems.append("body.prompt: required")
    return problems


def _json_object(raw: Any) -> dict[str, Any] | None:
    """A deep copy of a record that is surely a JSON object, else None."""
    if not isinstance(raw, dict):
        return None
    try:
        copy = json.loads(json.dumps(raw, allow_nan=False))
    except (TypeError, ValueError, RecursionError):
        return None
    return copy if isinstance(copy, dict) else None


def check_records(data: JsonlInput) -> list[dict[str, Any]]:
    """Every record checked: the lines to write, or InvalidInput listing every bad line."""
    errors: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    if data.format == "batch" and len(data.records) > MAX_BATCH_REQUESTS:
        raise InvalidInput(
            f"jsonl.build: records: {len(data.records)} requests; a batch takes at most "
            f"{MAX_BATCH_REQUESTS}",
            field="records",
            hint="split the requests into several batch files",
        )
    for index, raw in enumerate(data.records):
        line = index + 1
        record = _json_object(raw)
        if record is None:
            problems = ["must be a JSON object"]
            record = {}
        elif data.format == "chat":
            problems = check_chat(record)
        elif data.format == "completion":
            problems = check_completion(record)
        else:
            problems = check_batch(record, data.endpoint, data.model)
            custom_id = record.get("custom_id")
            if isinstance(custom_id, str) and custom_id:
                if custom_id in seen:
                    problems.append(
                        f"custom_id: {custom_id!r} is already used on line {seen[custom_id]}"
                    )
                else:
                    seen[custom_id] = line
        for problem in problems:
            errors.append({"field": f"records[{index}]", "line": line, "message": problem})
        lines.append(record)
    if errors:
        bad_lines = sorted({e["line"] for e in errors})
        listed = "; ".join(f"line {e['line']}: {e['message']}" for e in errors[:MAX_REPORTED])
        more = f"; and {len(errors) - MAX_REPORTED} more" if len(errors) > MAX_REPORTED else ""
        raise InvalidInput(
            f"jsonl.build: records: {len(bad_lines)} of {len(data.records)} records are "
            f"invalid ({data.format} format): {listed}{more}",
            field="records",
            errors=errors,
            hint="fix the records on the lines listed (line N is records[N-1]); nothing was "
            "written",
        )
    return lines


def build_jsonl(runner: Runner, data: JsonlInput) -> Plan[Result]:
    """Check the output file and the records, then write the file whole (or not at all)."""
    # a local operation: nothing is sent
    path = check_output_file(
        data.output, "output", overwrite=data.overwrite, files=runner.context.files
    )
    lines = check_records(data)
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    content = text.encode()
    body = {"path": str(path), "lines": len(lines), "bytes": len(content), "format": data.format}
    result = Result(200, {}, body, extra={"files": [str(path)]})
    yield Blocking(
        lambda: write_file(path, content, result, overwrite=data.overwrite, what="the records")
    )
    return result


OPERATIONS = (
    Operation(
        id="jsonl.build",
        summary="Build a JSON Lines file (fine-tuning or batch input) from records, locally",
        input=JsonlInput,
        keywords=(
            "jsonl",
            "json lines",
            "fine-tune",
            "training",
            "dataset",
            "batch",
            "build",
            "local",
            "validate",
        ),
        runner=build_jsonl,
        docs="Runs locally and sends nothing, so it needs no credentials.",
    ),
)
