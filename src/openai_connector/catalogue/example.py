"""A generated example input for an operation (the Appian "generate example expression").

Every field gets a plausible value of the right type: the field's documented examples, else
a value that fits its name (``model``, ``prompt``, ``file_id`` ...) and its limits. The
example is checked against the input model; a field the model refuses moves on to its next
candidate. Fields whose values must exist (a file to upload) cannot always validate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..constants import DEFAULT_MODEL
from ..operations.base import EXTRA_FIELDS
from .schema import input_schema

if TYPE_CHECKING:
    from ..operations.base import Operation


# Plausible values for fields by name (the Appian "generate example expression").
_NAMED: dict[str, Any] = {
    "model": DEFAULT_MODEL,
    "deployment": "my-deployment",
    "prompt": "Write a haiku about the sea.",
    "system": "You are a helpful assistant.",
    "instruction": "Fix the spelling mistakes.",
    "instructions": "Answer in one sentence.",
    "input": "The quick brown fox jumps over the lazy dog.",
    "text": "The quick brown fox jumps over the lazy dog.",
    "content": "Hello!",
    "role": "user",
    "user": "user-1234",
    "name": "example",
    "suffix": "custom",
    "language": "en",
    "voice": "alloy",
    "purpose": "fine-tune",
    "url": "https://example.com/image.png",
    "path": "/chat/completions",
    "method": "POST",
    "file": "path/to/file.jsonl",
    "image": "path/to/image.png",
    "mask": "path/to/mask.png",
    "audio": "path/to/audio.mp3",
    "file_id": "file-abc123",
    "training_file": "file-abc123",
    "validation_file": "file-def456",
    "input_file_id": "file-abc123",
    "output_file_id": "file-def456",
    "batch_id": "batch_abc123",
    "response_id": "resp_abc123",
    "fine_tuning_job_id": "ftjob-abc123",
    "job_id": "ftjob-abc123",
    "after": "cursor-abc123",
    "endpoint": "/v1/chat/completions",
    "completion_window": "24h",
    "size": "1024x1024",
    "response_format": "verbose_json",
    "tool": {
        "type": "function",
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
    "output": "out/data.jsonl",
    "output_path": "out/result.bin",
    "output_dir": "out",
    "directory": "out",
    "folder": "out",
    "base_name": "image",
    "n": 1,
    "max_tokens": 256,
    "max_completion_tokens": 256,
    "max_output_tokens": 256,
    "seed": 42,
    "temperature": 0.7,
    "top_p": 0.9,
    "dimensions": 256,
    "limit": 20,
    "timeout": 30,
    "concurrency": 8,
    "interval": 10,
    "poll_interval": 10,
    "speed": 1.0,
}


LEAVE_OUT = None
"""In :data:`PER_OPERATION`: the field stays out of the example (it does not fit the rest)."""

_IMAGE_PROMPT = "A watercolour lighthouse on a cliff at dawn"
_AUDIO_PROMPT = "Ana and Ben discuss a BPMN diagram."  # names and terms: a transcription hint
_GPT_IMAGE = {
    "model": "gpt-image-1",
    "prompt": _IMAGE_PROMPT,
    "quality": "medium",
    "response_format": LEAVE_OUT,  # gpt-image models always answer base64
    "output_compression": LEAVE_OUT,  # for jpeg and webp, not png
    "style": LEAVE_OUT,  # dall-e-3 only
}
PER_OPERATION: dict[str, dict[str, Any]] = {
    # one consistent choice per operation where fields depend on the model or the purpose
    "images.generate": _GPT_IMAGE,
    "images.edit": {**_GPT_IMAGE, "prompt": "Give the lighthouse a red roof", "mask": LEAVE_OUT},
    "images.variation": {"model": "dall-e-2", "keep_b64": LEAVE_OUT},
    "audio.transcribe": {"file": "path/to/audio.mp3", "prompt": _AUDIO_PROMPT},
    "audio.translate": {"file": "path/to/audio.mp3", "prompt": _AUDIO_PROMPT},
    "chat.create": {"model": DEFAULT_MODEL},
    "chat.create_many": {"model": DEFAULT_MODEL},
    "edits.create": {"model": DEFAULT_MODEL},
    "responses.create": {"model": DEFAULT_MODEL},
    "fine_tuning.jobs.create": {"model": "gpt-4o-mini-2024-07-18"},
}


def _enum_candidates(values: list[Any], name: str) -> list[Any]:
    hinted = _NAMED.get(name)
    return [hinted, *[v for v in values if v != hinted]] if hinted in values else list(values)


class _ExampleMaker:
    """Candidate values for a JSON Schema, most plausible first."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.defs: dict[str, Any] = schema.get("$defs", {})

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = {
                **self.defs.get(schema["$ref"].rsplit("/", 1)[-1], {}),
                **{k: v for k, v in schema.items() if k != "$ref"},
            }
        return schema

    def candidates(self, schema: dict[str, Any], name: str, depth: int = 0) -> list[Any]:
        schema = self.resolve(schema)
        found: list[Any] = []
        for key in ("examples",):
            if isinstance(schema.get(key), list):
                found += [v for v in schema[key] if v is not None]
        if "const" in schema:
            return [schema["const"]]
        if "enum" in schema:
            return found + _enum_candidates(schema["enum"], name)
        if schema.get("default") is not None:
            found.append(schema["default"])
        for key in ("anyOf", "oneOf", "allOf"):
            for branch in schema.get(key, ()):
                if self.resolve(branch).get("type") != "null":
                    found += self.candidates(branch, name, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        maker = getattr(self, f"_{kind}", None) if isinstance(kind, str) else None
        if maker is not None:
            found += maker(schema, name, depth)
        elif not found and kind is None and depth < 4:
            found.append(_NAMED.get(name, "example"))
        unique: list[Any] = []
        for value in found:
            if value not in unique:
                unique.append(value)
        return unique

    def _string(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        if schema.get("format") == "date-time":
            return ["2024-01-01T00:00:00Z"]
        if schema.get("format") in ("uri", "url"):
            return ["https://example.com/resource"]
        value = _NAMED.get(name)
        if not isinstance(value, str):
            value = "example"
            if name.endswith("_id"):
                value = f"{name.removesuffix('_id')}-abc123"
            elif name.endswith(("_path", "_file")):
                value = f"path/to/{name}"
        low, high = schema.get("minLength", 0), schema.get("maxLength")
        if len(value) < low:
            value = value + "x" * (low - len(value))
        if high is not None:
            value = value[:high]
        return [value]

    def _integer(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        hinted = _NAMED.get(name)
        base = hinted if isinstance(hinted, int) and not isinstance(hinted, bool) else 1
        return [self._clamp(int(base), schema, whole=True), self._clamp(1, schema, whole=True)]

    def _number(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        hinted = _NAMED.get(name)
        base = hinted if isinstance(hinted, int | float) and not isinstance(hinted, bool) else 0.5
        return [self._clamp(base, schema, whole=False)]

    @staticmethod
    def _clamp(value: float, schema: dict[str, Any], *, whole: bool) -> Any:
        step = 1 if whole else 0.1
        if "minimum" in schema:
            value = max(value, schema["minimum"])
        if "exclusiveMinimum" in schema:
            value = max(value, schema["exclusiveMinimum"] + step)
        if "maximum" in schema:
            value = min(value, schema["maximum"])
        if "exclusiveMaximum" in schema:
            value = min(value, schema["exclusiveMaximum"] - step)
        return int(value) if whole else round(float(value), 2)

    def _boolean(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        return [False, True]

    def _array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        if depth > 4:
            return [[]]
        items = schema.get("items") or {}
        singular = name.removesuffix("s") if name.endswith("s") else name
        count = max(1, schema.get("minItems", 1))
        if schema.get("maxItems") is not None:
            count = min(count, schema["maxItems"])
        return [[value] * count for value in self.candidates(items, singular, depth + 1)[:3]]

    def _object(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        properties: dict[str, Any] = schema.get("properties") or {}
        if not properties:
            hinted = _NAMED.get(name)
            if isinstance(hinted, dict):
                return [hinted]
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                values = self.candidates(extra, "value", depth + 1)
                return [{"key": values[0]}] if values else [{}]
            return [{"key": "value"}]
        if depth > 4:
            return [{}]
        required = [k for k in properties if k in schema.get("required", ())]
        common = [k for k in properties if k in ("content", "text", "type", "url", "name")]
        options: list[list[str]] = [
            list(dict.fromkeys(required + common)),
            required,
            list(properties),
        ]
        if depth == 0:
            options = [list(properties)]
        found = []
        for keys in options:
            value = {}
            for key in keys:
                candidates = self.candidates(properties[key], key, depth + 1)
                if candidates:
                    value[key] = candidates[0]
            if value not in found:
                found.append(value)
        return found


def example_input(op: Operation) -> tuple[dict[str, Any], bool]:
    """An input with every field filled with a plausible value, and whether it validates.

    Each field gets the most plausible candidate (documented examples, then a value that
    fits its name and type); while the input model refuses a field, that field moves on to
    its next candidate.
    """
    from pydantic import ValidationError

    schema = input_schema(op)
    maker = _ExampleMaker(schema)
    properties: dict[str, Any] = schema.get("properties", {})
    chosen = PER_OPERATION.get(op.id, {})
    choices = {
        key: [chosen[key]] if key in chosen else maker.candidates(prop, key, 1) or [None]
        for key, prop in properties.items()
        if (key not in chosen or chosen[key] is not LEAVE_OUT) and key not in EXTRA_FIELDS
    }
    picked = dict.fromkeys(choices, 0)
    for _ in range(32):
        example = {key: choices[key][picked[key]] for key in choices}
        try:
            op.input.model_validate(example)
        except ValidationError as exc:
            failing = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
            moved = False
            for key in failing & set(choices):
                if picked[key] + 1 < len(choices[key]):
                    picked[key] += 1
                    moved = True
            if not moved:
                return example, False
        else:
            return example, True
    return {key: choices[key][picked[key]] for key in choices}, False
