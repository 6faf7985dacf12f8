"""``chat.create_many``: many chat completions at once ("multiple chat completion").

Each item of ``prompts`` is a prompt (text), a message list, or a whole ``chat.create``
input; the other fields are ``chat.create``'s own (model, system, temperature ...) and apply
to every item unless the item sets them. Every item is checked before anything is sent.

The items run on a fixed pool of ``concurrency`` workers (not one task per item: worker
tasks on the async face, threads over the same transport on the sync face), and the
results come back in input order, one per item: the item's envelope, or the error it met
(``{"index", "error"}``) while the others carry on. With ``output`` the results are written
to a JSON Lines file in input order as they complete, so memory does not grow with the
number of items; only completions that overtake an unfinished earlier item wait in a
buffer of bounded size.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from copy import copy
from pathlib import Path
from typing import Any

from pydantic import (
    AliasChoices,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from ..errors import ConnectorError, InvalidInput, OutputWriteFailed, UnsupportedOperation
from ..result import Result
from ..steps import Blocking, Call, Each, Plan
from ..usage import Usage
from .base import Context, Operation, OperationInput, Runner, local
from .chat import CHAT_CREATE, ChatInput
from .data_sources import credentials
from .downloads import Kept, PartialFile, check_output_file, write_failed

PER_ITEM_ONLY = frozenset({"prompt", "stream"})
SHARED_FIELDS = tuple(name for name in ChatInput.model_fields if name not in PER_ITEM_ONLY)
WINDOW_PER_WORKER = 16
"""With ``output``: how far (in items, per worker) completions may run ahead of the file."""


def _canonical_names() -> dict[str, str]:
    """Every name ``chat.create`` accepts for a field (aliases too) -> the field's name."""
    names: dict[str, str] = {}
    for name, info in ChatInput.model_fields.items():
        names[name] = name
        if isinstance(info.validation_alias, AliasChoices):
            for choice in info.validation_alias.choices:
                if isinstance(choice, str):
                    names[choice] = name
    return names


_CANONICAL = _canonical_names()


class _ManyFields(OperationInput):
    prompts: list[str | list[dict[str, Any]] | dict[str, Any]] = Field(
        min_length=1,
        description="One chat per item: a prompt, a message list, or a whole chat.create "
        "input (its fields override the shared ones)",
    )
    concurrency: int = local(8, "How many chats are in flight at once", ge=1, le=256)
    output: str | None = local(
        None, "Write the results to this JSON Lines file (name ending in .jsonl) instead"
    )
    overwrite: bool = local(False, "Replace output if it exists (else it is refused)")

    @field_validator("output")
    @classmethod
    def _jsonl(cls, value: str | None) -> str | None:
        if value is not None and not value.endswith(".jsonl"):
            raise ValueError("the output file name must end in .jsonl")
        return value

    @model_validator(mode="before")
    @classmethod
    def _shared_as_chat_input(cls, values: Any) -> Any:
        """The shared fields pass chat.create's own checks (the copies only have limits)."""
        if not isinstance(values, dict):
            return values
        own = {k: v for k, v in values.items() if k in _ManyFields.model_fields}
        shared = {k: v for k, v in values.items() if k not in own}
        for name in sorted(PER_ITEM_ONLY & set(shared))[:1]:
            raise InvalidInput(
                f"chat.create_many: {name}: not a shared field; give it per item in prompts",
                field=name,
                hint="e.g. prompts: ['first question', {'prompt': 'second', 'temperature': 0}]",
            )
        if not shared:
            return values
        try:
            checked = ChatInput.model_validate({**shared, "prompt": "-"})
        except ValidationError as exc:
            from ..error_mapping import validation_error

            raise validation_error(exc, CHAT_CREATE_MANY) from None
        return {**own, **{n: getattr(checked, n) for n in checked.model_fields_set - {"prompt"}}}

    def shared(self) -> dict[str, Any]:
        """The shared chat fields that were given, by field name (values as validated)."""
        return {name: getattr(self, name) for name in self.model_fields_set & set(SHARED_FIELDS)}


_SHARED_DEFINITIONS: dict[str, Any] = {
    name: (ChatInput.model_fields[name].annotation, copy(ChatInput.model_fields[name]))
    for name in SHARED_FIELDS
}
ChatManyInput = create_model(
    "ChatManyInput",
    __base__=_ManyFields,
    __doc__="Input of chat.create_many: the items, and chat.create's fields shared by all.",
    **_SHARED_DEFINITIONS,
)


# ---------------------------------------------------------------------------- items


def item_params(item: Any, shared: dict[str, Any]) -> dict[str, Any]:
    """The chat.create input of one item: the shared fields, then the item's own."""
    if isinstance(item, str):
        own: dict[str, Any] = {"prompt": item}
    elif isinstance(item, list):
        own = {"history": item}
    else:
        own = {_CANONICAL.get(key, key): value for key, value in item.items()}
    return {**shared, **own}


def _item_path(index: int, item: Any, field: str | None) -> str:
    """``prompts[3].temperature``, ``prompts[3][1].role`` (a message list), ``prompts[3]``."""
    parts = [] if field in (None, "", "input") else str(field).split(".")
    if parts and (
        (isinstance(item, str) and parts[0] == "prompt")
        or (isinstance(item, list) and parts[0] == "history")
    ):
        parts = parts[1:]
    path = f"prompts[{index}]"
    for part in parts:
        path += f"[{part}]" if part.isdigit() else f".{part}"
    return path


def _item_error(index: int, item: Any, error: InvalidInput) -> InvalidInput:
    errors = []
    for entry in error.errors or [{"field": error.field, "message": error.message}]:
        field = entry.get("field")
        message = str(entry.get("message", "")).removeprefix(f"{field}: ")
        errors.append({**entry, "field": _item_path(index, item, field), "message": message})
    path = _item_path(index, item, error.field)
    first = next((e for e in errors if e["field"] == path), errors[0])
    return InvalidInput(
        f"chat.create_many: {first['field']}: {first['message']}",
        field=first["field"],
        errors=errors,
        hint=error.hint or "nothing was sent; fix the item and run again",
    )


def check_items(items: list[Any], shared: dict[str, Any], context: Context) -> None:
    """Validate every item and build its request, so a bad item fails before any is sent."""
    from ..error_mapping import validation_error

    for index, item in enumerate(items):
        try:
            data = ChatInput.model_validate(item_params(item, shared))
            CHAT_CREATE.request(data, context)
        except ValidationError as exc:
            raise _item_error(index, item, validation_error(exc, CHAT_CREATE)) from None
        except InvalidInput as exc:
            raise _item_error(index, item, exc) from None
        except UnsupportedOperation as exc:
            raise UnsupportedOperation(
                f"chat.create_many: prompts[{index}]: {exc.message}", hint=exc.hint
            ) from None


# -------------------------------------------------------------------------- results


class _Tally:
    __slots__ = ("done", "failed", "lock", "total", "usage")

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.usage: Usage | None = None
        self.lock = threading.Lock()
        """The sync face counts from several threads."""

    def count(self, failed: bool, usage: Usage | None) -> dict[str, int]:
        with self.lock:
            self.done += 1
            self.failed += failed
            if usage is not None:
                self.usage = usage if self.usage is None else self.usage + usage
            return self.counts()

    def counts(self) -> dict[str, int]:
        return {"done": self.done, "total": self.total, "failed": self.failed}


class _ResultList:
    """Keeps every record, in input order."""

    def __init__(self, total: int) -> None:
        self.records: list[dict[str, Any] | None] = [None] * total

    def put(self, index: int, record: dict[str, Any]) -> None:
        self.records[index] = record


class _ResultFile:
    """Writes records in input order; holds only those that finished ahead of their turn."""

    def __init__(self, path: Path, window: int, *, overwrite: bool = False) -> None:
        self.path = path
        self.window = window
        self.next = 0
        self._waiting: dict[int, str] = {}
        self._lock = threading.Lock()
        self._out = PartialFile(path, in_place=True)
        self._out.open(overwrite=overwrite)
        self._kept: Kept | None = None
        self._failure: OSError | None = None

    def ready(self, index: int) -> bool:
        """Whether ``index`` is close enough to the file's end to start it."""
        return index < self.next + self.window

    def put(self, index: int, record: dict[str, Any]) -> None:
        """Keep the record; write every record whose turn has come (blocking work)."""
        line = json.dumps(record, ensure_ascii=False, default=str)
        with self._lock:
            self._waiting[index] = line
            if index != self.next:
                return
            lines = []
            while self.next in self._waiting:
                lines.append(self._waiting.pop(self.next))
                self.next += 1
            self._write(("\n".join(lines) + "\n").encode())

    def _write(self, content: bytes) -> None:
        """Append to the file; once that failed (a full disk), keep the lines in memory."""
        if self._kept is not None:
            self._kept.add(content)
            return
        before = self._out.written
        try:
            self._out.write(content)
        except OSError as exc:
            self._failure, self._kept = exc, Kept(self._out, content, before)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._out.finish(overwrite=True)

    def failure(self, result: Result) -> OutputWriteFailed | None:
        """The error for a file that could not be written, carrying every result."""
        if self._failure is None:
            return None
        content = self._kept.content() if self._kept is not None else None
        if content is not None:
            lines = content.decode("utf-8").splitlines()
            result.body["results"] = [json.loads(line) for line in lines]
        return write_failed(self._failure, self._out, result, "the results")


def run_chat_many(runner: Runner, data: _ManyFields) -> Plan[Result]:
    started = time.perf_counter()
    items, shared = data.prompts, data.shared()
    check_items(items, shared, runner.context)
    tally = _Tally(len(items))
    sink: _ResultList | _ResultFile
    if data.output:
        path = check_output_file(
            data.output, "output", overwrite=data.overwrite, files=runner.context.files
        )
        try:
            window = WINDOW_PER_WORKER * data.concurrency
            sink = _ResultFile(path, window, overwrite=data.overwrite)
        except OSError as exc:
            raise InvalidInput(
                f"chat.create_many: output: cannot write {path}: {exc.strerror or exc}",
                field="output",
                hint="choose a file in a folder you can write to; nothing was sent",
            ) from None
    else:
        sink = _ResultList(len(items))

    def one(index: int) -> Plan[None]:
        record: dict[str, Any]
        try:
            result: Result = yield Call("chat.create", item_params(items[index], shared))
        except ConnectorError as exc:
            record = {"index": index, "error": exc.to_dict()}
            counts = tally.count(True, None)
        else:
            record = {"index": index, **result.envelope()}
            counts = tally.count(False, result.usage)
        if isinstance(sink, _ResultFile):
            yield Blocking(lambda: sink.put(index, record))
        else:
            sink.put(index, record)
        runner.progress(counts)

    ready = sink.ready if isinstance(sink, _ResultFile) else None
    try:
        yield Each(len(items), data.concurrency, one, ready)
    finally:
        if isinstance(sink, _ResultFile):
            sink.close()
    body: dict[str, Any] = {
        "total": tally.total,
        "succeeded": tally.total - tally.failed,
        "failed": tally.failed,
        "usage": tally.usage.to_dict() if tally.usage else None,
    }
    if isinstance(sink, _ResultFile):
        body["output"] = str(sink.path)
    else:
        body["results"] = sink.records
    result = Result(200, {}, body, usage=tally.usage, elapsed=time.perf_counter() - started)
    if isinstance(sink, _ResultFile) and (failure := sink.failure(result)) is not None:
        raise failure  # the results are in failure.result.body["results"]: paid for, not lost
    return result


CHAT_CREATE_MANY = Operation(
    id="chat.create_many",
    summary="Multiple chat completion: many prompts at once, results in input order",
    input=ChatManyInput,
    keywords=("chat", "many", "multiple", "batch", "bulk", "parallel", "concurrent", "prompts"),
    runner=run_chat_many,
    credentials=lambda data: credentials([data.data_sources, data.prompts]),
    docs="Each item is a prompt, a message list or a whole chat.create input; the other "
    "fields apply to every item. A failed item is reported in its place, the others go on.",
)

OPERATIONS = (CHAT_CREATE_MANY,)
