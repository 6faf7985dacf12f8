"""Chat messages and content parts, validated the way the Chat Completions API documents."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .. import bounded_json
from ..errors import InvalidInput
from ..local_files import LocalFiles

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]
PART_TYPES = {
    "text": "text",
    "image_url": "image_url",
    "input_audio": "input_audio",
    "file": "file",
    "refusal": "refusal",
}


class ContentPart(BaseModel):
    """One part of a multi-part message: text, image (vision), audio or file."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: Literal["text", "image_url", "input_audio", "file", "refusal"]

    @model_validator(mode="after")
    def _payload_present(self) -> ContentPart:
        key = PART_TYPES[self.type]
        extra = self.model_extra or {}
        if key not in extra or extra[key] in (None, ""):
            raise ValueError(f"a {self.type!r} part needs a {key!r} value")
        if self.type == "image_url":
            image = extra["image_url"]
            if not isinstance(image, dict) or not image.get("url"):
                raise ValueError("an image_url part needs image_url.url (a URL or data: URL)")
            detail = image.get("detail")
            if detail is not None and detail not in ("auto", "low", "high"):
                raise ValueError("image_url.detail must be auto, low or high")
        return self


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role
    content: str | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None
    function_call: dict[str, Any] | None = None
    refusal: str | None = None

    @model_validator(mode="after")
    def _role_rules(self) -> Message:
        if self.role in ("system", "developer", "user") and self.content in (None, "", []):
            raise ValueError(f"a {self.role} message needs content")
        if self.role == "tool" and not self.tool_call_id:
            raise ValueError("a tool message needs tool_call_id")
        if self.role == "function" and not self.name:
            raise ValueError("a function message needs name")
        if (
            self.role == "assistant"
            and self.content is None
            and not (self.tool_calls or self.function_call or self.refusal)
        ):
            raise ValueError("an assistant message needs content, tool_calls or function_call")
        return self


def parse_history(value: Any) -> Any:
    """Chat history may come as a list or as its JSON text (as process variables often do)."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return bounded_json.loads(text)
        except bounded_json.TooDeep as exc:
            raise ValueError(f"the JSON {exc}") from None
        except ValueError as exc:
            raise ValueError(f"not valid JSON: {exc}") from None
    return value


MAX_LOCAL_IMAGE_BYTES = 20 * 1024 * 1024
"""The largest local image sent inline (base64 makes it a third larger in the request)."""


def image_part(source: str, detail: str | None, files: LocalFiles) -> dict[str, Any]:
    """A vision content part from a URL, a data: URL or a local image path (one ``files``,
    the connector's trust policy, allows).

    A local image is refused before it is read when its size (from ``stat``) is over
    :data:`MAX_LOCAL_IMAGE_BYTES`; it is read once.
    """
    if source.startswith(("http://", "https://", "data:")):
        url = source
    else:
        from .uploads import file_size, read_limited  # only a local image reads a file

        path = files.locate(source)  # ValueError: refused by the policy
        try:
            file_size(source, files)
        except ValueError:
            raise ValueError(f"image {source!r} is neither a URL nor a readable file") from None
        try:
            content = read_limited(path, "images", MAX_LOCAL_IMAGE_BYTES)
        except InvalidInput as exc:
            raise ValueError(f"{source!r}: {exc.message.removeprefix('images: ')}") from None
        mime = mimetypes.guess_type(Path(source).name)[0] or "image/png"
        url = f"data:{mime};base64," + base64.b64encode(content).decode()
    image: dict[str, Any] = {"url": url}
    if detail:
        image["detail"] = detail
    return {"type": "image_url", "image_url": image}


Stop = str | list[str]
StopField = Field(None, description="Up to 4 sequences where generation stops")
