"""Fine-tuning jobs: create, list, retrieve, cancel, events, checkpoints, and wait.

``fine_tuning.jobs.wait`` polls ``fine_tuning.jobs.retrieve`` until the job is succeeded,
failed or cancelled, reporting each poll as progress (the CLI shows it on a terminal).
Azure's 2024-10-21 data-plane (inference) API has no fine-tuning: these operations fail on
Azure connections before anything is sent.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from ..result import Result
from ..steps import Plan
from .base import Context, Operation, OperationInput, RequestSpec, Runner, local
from .extras import HttpInput
from .limits import MAX_COUNT, ModelName
from .polling import Poll, poll_until

TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
Auto = Literal["auto"]
JOB_ID = Field(
    min_length=1,
    description="The fine-tuning job's id (ftjob-...)",
    validation_alias=AliasChoices("fine_tuning_job_id", "job_id", "id"),
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Hyperparameters(_Strict):
    n_epochs: Auto | Annotated[int, Field(ge=1, le=50)] | None = Field(
        None, description='"auto" or 1 to 50'
    )
    batch_size: Auto | Annotated[int, Field(ge=1, le=256)] | None = Field(
        None, description='"auto" or 1 to 256'
    )
    learning_rate_multiplier: Auto | Annotated[float, Field(gt=0)] | None = Field(
        None, description='"auto" or a number above 0'
    )


class DpoHyperparameters(Hyperparameters):
    beta: Auto | Annotated[float, Field(gt=0, le=2)] | None = Field(
        None, description='"auto" or a number above 0, up to 2'
    )


class Supervised(_Strict):
    hyperparameters: Hyperparameters | None = None


class Dpo(_Strict):
    hyperparameters: DpoHyperparameters | None = None


class Reinforcement(BaseModel):
    """Reinforcement fine-tuning: a grader (passed on as given) and its hyperparameters."""

    model_config = ConfigDict(extra="allow", frozen=True)

    grader: dict[str, Any]
    hyperparameters: dict[str, Any] | None = None


class Method(_Strict):
    type: Literal["supervised", "dpo", "reinforcement"]
    supervised: Supervised | None = None
    dpo: Dpo | None = None
    reinforcement: Reinforcement | None = None

    @field_validator("supervised", "dpo", "reinforcement")
    @classmethod
    def _matches_type(cls, value: Any, info: Any) -> Any:
        if value is not None and info.data.get("type") != info.field_name:
            raise ValueError(f"only allowed with type {info.field_name!r}")
        return value


class Wandb(_Strict):
    project: str = Field(min_length=1)
    name: str | None = None
    entity: str | None = None
    tags: list[str] | None = None


class Integration(_Strict):
    type: Literal["wandb"] = "wandb"
    wandb: Wandb


def check_metadata(value: dict[str, str] | None) -> dict[str, str] | None:
    """OpenAI metadata: up to 16 pairs, keys up to 64 characters, values up to 512."""
    if value is None:
        return value
    if len(value) > 16:
        raise ValueError(f"at most 16 key-value pairs (got {len(value)})")
    for key, text in value.items():
        if len(key) > 64:
            raise ValueError(f"key {key[:20]!r}...: keys are at most 64 characters")
        if len(text) > 512:
            raise ValueError(f"value of {key!r}: values are at most 512 characters")
    return value


class CreateInput(HttpInput):
    model: ModelName = Field(description="Base model to fine-tune, e.g. gpt-4o-mini-2024-07-18")
    training_file: str = Field(min_length=1, description="Id of an uploaded fine-tune file")
    validation_file: str | None = Field(None, min_length=1)
    hyperparameters: Hyperparameters | None = Field(
        None, description="n_epochs, batch_size, learning_rate_multiplier (prefer method)"
    )
    method: Method | None = Field(None, description="supervised, dpo or reinforcement")
    suffix: str | None = Field(
        None, min_length=1, max_length=64, description="Up to 64 characters in the model name"
    )
    seed: int | None = Field(None, ge=0, le=2147483647)
    metadata: dict[str, str] | None = Field(None, description="Up to 16 key-value pairs")
    integrations: list[Integration] | None = Field(None, description="Weights and Biases")

    _metadata = field_validator("metadata")(lambda cls, v: check_metadata(v))


class JobsListInput(HttpInput):
    after: str | None = Field(None, min_length=1, description="Cursor: a job id from a page")
    limit: int | None = Field(None, ge=1, le=MAX_COUNT, description="How many jobs (default 20)")
    metadata: dict[str, str] | None = Field(None, description="Only jobs with this metadata")


def build_list(data: JobsListInput, context: Context) -> RequestSpec:
    del context
    query: dict[str, Any] = data.model_dump(exclude_none=True, exclude={"metadata"})
    for key, value in (data.metadata or {}).items():
        query[f"metadata[{key}]"] = value
    return RequestSpec("GET", query=query or None)


class JobIdInput(HttpInput):
    fine_tuning_job_id: str = JOB_ID


class PageInput(JobIdInput):
    after: str | None = Field(None, min_length=1, description="Cursor from the previous page")
    limit: int | None = Field(None, ge=1, le=MAX_COUNT, description="How many to return")


class WaitInput(OperationInput):  # composite: no extra_body/extra_headers/extra_query
    fine_tuning_job_id: str = JOB_ID
    poll_interval: float = local(10.0, "Seconds between polls", gt=0, le=3600)
    timeout: float | None = local(
        None, "Give up after this many seconds (the job keeps running)", gt=0
    )


def _progress(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": body.get("id"),
        "status": body.get("status"),
        "trained_tokens": body.get("trained_tokens"),
        "fine_tuned_model": body.get("fine_tuned_model"),
        "estimated_finish": body.get("estimated_finish"),
        "error": body.get("error"),
    }


def wait_for_job(runner: Runner, data: WaitInput) -> Plan[Result]:
    """Poll the job until it succeeded, failed or was cancelled."""
    return (
        yield from poll_until(
            runner,
            Poll(
                operation="fine_tuning.jobs.wait",
                retrieve="fine_tuning.jobs.retrieve",
                params={"fine_tuning_job_id": data.fine_tuning_job_id},
                what=f"fine-tuning job {data.fine_tuning_job_id}",
                terminal=TERMINAL,
                interval=data.poll_interval,
                timeout=data.timeout,
                progress=_progress,
            ),
        )
    )


def _op(id: str, summary: str, input: type[OperationInput], **kwargs: Any) -> Operation:
    return Operation(id=id, summary=summary, input=input, **kwargs)


JOB = "/fine_tuning/jobs/{fine_tuning_job_id}"
OPERATIONS = (
    _op(
        "fine_tuning.jobs.create",
        "Start a fine-tuning job from an uploaded training file",
        CreateInput,
        path="/fine_tuning/jobs",
        keywords=("fine-tune", "fine-tuning", "train", "job", "create", "custom model"),
    ),
    _op(
        "fine_tuning.jobs.list",
        "List fine-tuning jobs",
        JobsListInput,
        method="GET",
        path="/fine_tuning/jobs",
        build=build_list,
        keywords=("fine-tune", "fine-tuning", "jobs", "list"),
    ),
    _op(
        "fine_tuning.jobs.retrieve",
        "Describe a fine-tuning job (status, trained tokens, model)",
        JobIdInput,
        method="GET",
        path=JOB,
        keywords=("fine-tune", "fine-tuning", "job", "status", "retrieve", "get"),
    ),
    _op(
        "fine_tuning.jobs.cancel",
        "Cancel a fine-tuning job",
        JobIdInput,
        path=JOB + "/cancel",
        keywords=("fine-tune", "fine-tuning", "job", "cancel", "stop"),
    ),
    _op(
        "fine_tuning.jobs.events",
        "List a fine-tuning job's events (status and training messages)",
        PageInput,
        method="GET",
        path=JOB + "/events",
        keywords=("fine-tune", "fine-tuning", "job", "events", "log", "messages"),
    ),
    _op(
        "fine_tuning.jobs.checkpoints",
        "List a fine-tuning job's checkpoints (models saved at each epoch)",
        PageInput,
        method="GET",
        path=JOB + "/checkpoints",
        keywords=("fine-tune", "fine-tuning", "job", "checkpoints", "epoch", "metrics"),
    ),
    _op(
        "fine_tuning.jobs.wait",
        "Wait for a fine-tuning job to succeed, fail or be cancelled, showing progress",
        WaitInput,
        runner=wait_for_job,
        keywords=("fine-tune", "fine-tuning", "job", "wait", "poll", "progress", "status"),
    ),
)
