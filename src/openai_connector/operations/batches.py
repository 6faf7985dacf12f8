"""Batches (the Batch API): create, retrieve, list, cancel, and wait with download.

``batches.wait`` polls ``batches.retrieve`` until the batch is completed, failed, expired or
cancelled, then downloads its output file and error file (when there are any) with
``files.content`` into a chosen folder; the result lists their paths in ``extra["files"]``.
The folder and the two files (``BATCH_output.jsonl``, ``BATCH_errors.jsonl``) are checked
before the first poll: existing files are refused unless ``overwrite`` is true. Where the
connector's trust policy allows no files, nothing is downloaded (``files.content`` returns
them) and a named ``output_dir`` is refused.
Azure's 2024-10-21 data-plane (inference) API has no batches: these operations fail on Azure
connections before anything is sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from ..local_files import LocalFiles
from ..providers.base import quote_path
from ..result import Result
from ..steps import Call, Plan
from .base import Operation, OperationInput, Runner, local
from .downloads import check_output_folder, check_output_name, refuse_existing
from .extras import HttpInput
from .fine_tuning import check_metadata
from .jsonl import BatchEndpoint
from .polling import Poll, poll_until

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
BATCH_ID = Field(
    min_length=1,
    description="The batch's id (batch_...)",
    validation_alias=AliasChoices("batch_id", "id"),
)


class OutputExpiresAfter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    anchor: Literal["created_at"] = "created_at"
    seconds: int = Field(ge=3600, le=2592000, description="3600 (1 hour) to 2592000 (30 days)")


class CreateInput(HttpInput):
    input_file_id: str = Field(
        min_length=1, description="Id of an uploaded batch file (purpose batch, JSON Lines)"
    )
    endpoint: BatchEndpoint = Field(
        "/v1/chat/completions", description="The endpoint every request of the file calls"
    )
    completion_window: Literal["24h"] = Field("24h", description='Only "24h" is offered')
    metadata: dict[str, str] | None = Field(None, description="Up to 16 key-value pairs")
    output_expires_after: OutputExpiresAfter | None = Field(
        None, description="Expiry of the output and error files: {anchor, seconds}"
    )

    _metadata = field_validator("metadata")(lambda cls, v: check_metadata(v))


class BatchIdInput(HttpInput):
    batch_id: str = BATCH_ID


class ListInput(HttpInput):
    after: str | None = Field(None, min_length=1, description="Cursor: a batch id from a page")
    limit: int | None = Field(None, ge=1, le=100, description="1 to 100 (default 20)")


class WaitInput(OperationInput):  # composite: no extra_body/extra_headers/extra_query
    batch_id: str = BATCH_ID
    poll_interval: float = local(10.0, "Seconds between polls", gt=0, le=3600)
    timeout: float | None = local(
        None, "Give up after this many seconds (the batch keeps running)", gt=0
    )
    output_dir: str = local(".", "Folder for the output and error files (created if needed)")
    download: bool = local(True, "Download the output and error files when the batch ends")
    overwrite: bool = local(False, "Replace output and error files that exist already")

    @field_validator("output_dir")
    @classmethod
    def _folder(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give a folder")
        return value  # the rest is checked before the first poll (check_output_folder)


def _progress(body: dict[str, Any]) -> dict[str, Any]:
    counts = body.get("request_counts")
    counts = counts if isinstance(counts, dict) else {}
    return {
        "id": body.get("id"),
        "status": body.get("status"),
        "completed": counts.get("completed"),
        "failed": counts.get("failed"),
        "total": counts.get("total"),
        "errors": body.get("errors"),
    }


def _targets(data: WaitInput, files: LocalFiles) -> dict[str, Path]:
    """The files the batch's output and errors go to, checked before the first poll."""
    if not data.download or (not files.writes and "output_dir" not in data.model_fields_set):
        return {}  # where no files are allowed, files.content returns them instead
    folder = check_output_folder(data.output_dir, "output_dir", files=files)
    name = quote_path(data.batch_id)
    targets = {
        "output_file_id": folder / f"{name}_output.jsonl",
        "error_file_id": folder / f"{name}_errors.jsonl",
    }
    for target in targets.values():
        check_output_name(target.name, "batch_id")
        refuse_existing(target, "output_dir", overwrite=data.overwrite)
    return targets


def wait_for_batch(runner: Runner, data: WaitInput) -> Plan[Result]:
    """Poll until the batch ends, then download what it produced."""
    targets = _targets(data, runner.context.files)
    result = yield from poll_until(
        runner,
        Poll(
            operation="batches.wait",
            retrieve="batches.retrieve",
            params={"batch_id": data.batch_id},
            what=f"batch {data.batch_id}",
            terminal=TERMINAL,
            interval=data.poll_interval,
            timeout=data.timeout,
            progress=_progress,
        ),
    )
    files: list[str] = []
    for key, target in targets.items():
        file_id = result.body.get(key) if isinstance(result.body, dict) else None
        if not file_id or not isinstance(file_id, str):
            continue
        runner.progress({"operation": "batches.wait", "downloading": file_id, "to": str(target)})
        saved: Result = yield Call(
            "files.content",
            {"file_id": file_id, "output": str(target), "overwrite": data.overwrite},
        )
        files.extend(saved.extra.get("files", []))
    result.extra["files"] = files
    return result


def _op(id: str, summary: str, input: type[OperationInput], **kwargs: Any) -> Operation:
    return Operation(id=id, summary=summary, input=input, **kwargs)


OPERATIONS = (
    _op(
        "batches.create",
        "Start a batch: run every request of an uploaded JSON Lines file within 24 hours",
        CreateInput,
        path="/batches",
        keywords=("batch", "create", "bulk", "async", "jsonl", "offline", "cheaper"),
    ),
    _op(
        "batches.retrieve",
        "Describe a batch (status, request counts, output file)",
        BatchIdInput,
        method="GET",
        path="/batches/{batch_id}",
        keywords=("batch", "retrieve", "get", "status"),
    ),
    _op(
        "batches.list",
        "List batches",
        ListInput,
        method="GET",
        path="/batches",
        keywords=("batch", "batches", "list"),
    ),
    _op(
        "batches.cancel",
        "Cancel a batch (it stops within minutes; finished requests stay in the output)",
        BatchIdInput,
        path="/batches/{batch_id}/cancel",
        keywords=("batch", "cancel", "stop"),
    ),
    _op(
        "batches.wait",
        "Wait for a batch to end, showing progress, then download its output and errors",
        WaitInput,
        runner=wait_for_batch,
        keywords=("batch", "wait", "poll", "progress", "download", "results", "output"),
    ),
)
