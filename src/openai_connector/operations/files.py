"""Files: upload (multipart), list, retrieve, delete, and download a file's content.

``files.upload`` sends a file given by path in pieces from the file (a 500 MB upload does not
take 500 MB of memory). ``files.content`` answers with the raw bytes: with ``output`` they are
streamed to that file as they arrive (checked before sending: a file name in a writable folder,
an existing file only with ``overwrite``; the result lists the path in ``extra["files"]``),
returned as text with ``as_text``, or returned as bytes.
Azure's 2024-10-21 data-plane (inference) API has no files endpoints, so these operations
fail on Azure connections before anything is sent.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from ..local_files import files_of
from ..result import Result
from .base import Context, Operation, RequestSpec, local
from .downloads import Download, check_output_file, save_body
from .extras import HttpInput
from .uploads import UploadSource, check_source, read_upload

MAX_UPLOAD_BYTES = 512 * 1024 * 1024
"""OpenAI's limit for one uploaded file."""
PURPOSES = ("fine-tune", "batch", "assistants", "vision", "user_data", "evals")


class ExpiresAfter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    anchor: Literal["created_at"] = "created_at"
    seconds: int = Field(ge=3600, le=2592000, description="3600 (1 hour) to 2592000 (30 days)")


class UploadInput(HttpInput):
    file: UploadSource = Field(
        description="Path of the file to upload (up to 512 MB, sent in pieces from the file), "
        "a data: URL (base64), or its bytes"
    )
    purpose: Literal["fine-tune", "batch", "assistants", "vision", "user_data", "evals"] = Field(
        description="What the file is for: " + ", ".join(PURPOSES)
    )
    filename: str | None = Field(
        None,
        min_length=1,
        max_length=255,
        validate_default=True,
        description="Name sent with the file; default: the path's name (needed for bytes)",
    )
    expires_after: ExpiresAfter | None = Field(
        None, description="Expiry policy: {anchor: created_at, seconds}"
    )

    @field_validator("file")
    @classmethod
    def _readable(cls, value: UploadSource, info: ValidationInfo) -> UploadSource:
        return check_source(value, MAX_UPLOAD_BYTES, files_of(info.context))

    @field_validator("filename")
    @classmethod
    def _named(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and isinstance(info.data.get("file"), bytes):
            raise ValueError("needed when file is given as bytes (its extension tells the format)")
        return value


def build_upload(data: UploadInput, context: Context) -> RequestSpec:
    form: dict[str, Any] = {
        "purpose": data.purpose,
        "file": read_upload(
            data.file,
            "file",
            filename=data.filename,
            default_name="upload.jsonl",
            limit=MAX_UPLOAD_BYTES,
            files=context.files,
            stream=True,
        ).part(),
    }
    if data.expires_after is not None:
        form["expires_after[anchor]"] = data.expires_after.anchor
        form["expires_after[seconds]"] = data.expires_after.seconds
    del context
    return RequestSpec("POST", multipart=form)


class ListInput(HttpInput):
    purpose: str | None = Field(None, min_length=1, description="Only files with this purpose")
    limit: int | None = Field(None, ge=1, le=10000, description="1 to 10,000 (default 10,000)")
    order: Literal["asc", "desc"] | None = Field(None, description="By created_at")
    after: str | None = Field(None, min_length=1, description="Cursor: a file id from a page")


class FileIdInput(HttpInput):
    file_id: str = Field(
        min_length=1,
        description="The file's id (file-...)",
        validation_alias=AliasChoices("file_id", "id"),
    )


class ContentInput(FileIdInput):
    output: str | None = local(
        None, "Stream the content to this file (folders are created); the result lists it"
    )
    overwrite: bool = local(False, "Replace output if it exists (else it is refused)")
    as_text: bool = local(False, "Return the content as text (UTF-8) instead of bytes")

    @field_validator("output")
    @classmethod
    def _file_path(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("give a file path")
        return value  # the rest is checked before sending (check_output_file)

    @field_validator("as_text")
    @classmethod
    def _one_destination(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("output"):
            raise ValueError("give output or as_text, not both")
        return value


def build_content(data: ContentInput, context: Context) -> RequestSpec:
    download = None
    if data.output is not None:
        target = check_output_file(
            data.output, "output", overwrite=data.overwrite, files=context.files
        )
        download = Download(target, data.overwrite)
    return RequestSpec(
        "GET",
        response_type="text" if data.as_text else "binary",
        download=download,
    )


def save_content(result: Result, data: ContentInput, context: Context) -> Result:
    """Write downloaded bytes to ``output``; the body then says where and how much."""
    return save_body(
        result, data.output, overwrite=data.overwrite, files=context.files, file_id=data.file_id
    )


OPERATIONS = (
    Operation(
        id="files.upload",
        summary="Upload a file (fine-tuning data, batch input, assistants, vision, user data)",
        input=UploadInput,
        method="POST",
        path="/files",
        keywords=("file", "upload", "jsonl", "fine-tune", "batch", "multipart", "attach"),
        build=build_upload,
    ),
    Operation(
        id="files.list",
        summary="List uploaded files, optionally by purpose",
        input=ListInput,
        method="GET",
        path="/files",
        keywords=("files", "list", "uploaded"),
    ),
    Operation(
        id="files.retrieve",
        summary="Describe one uploaded file",
        input=FileIdInput,
        method="GET",
        path="/files/{file_id}",
        keywords=("file", "retrieve", "get", "describe", "status"),
    ),
    Operation(
        id="files.delete",
        summary="Delete an uploaded file",
        input=FileIdInput,
        method="DELETE",
        path="/files/{file_id}",
        keywords=("file", "delete", "remove"),
    ),
    Operation(
        id="files.content",
        summary="Download a file's content: to a file, as text or as bytes",
        input=ContentInput,
        method="GET",
        path="/files/{file_id}/content",
        keywords=("file", "content", "download", "results", "output", "save"),
        build=build_content,
        post_process=save_content,
        response_type="binary",
    ),
)
