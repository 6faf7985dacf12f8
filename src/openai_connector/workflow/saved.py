"""Where a process instance is saved between runs: a file, or a row of the service's database.

A save is JSON text: the format tag, the BPMN text, the process id, the state the last run
left it in, and SpiffWorkflow's serialisation of the workflow. :func:`read_save` checks all of
it before the engine resumes anything, so a corrupt file, a save from another BPMN file, an
unknown id or a completed instance is a clear error (a :class:`SavedProcessError`, exit 2),
never a traceback halfway through a run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from .definition import ProcessLoadError

SAVE_FORMAT = "openai-connector-process/1"


class SavedProcessError(ProcessLoadError):
    """A saved process instance that cannot be resumed; the message says which and why."""

    code = "saved_process_error"


class ProcessAlreadyCompleted(SavedProcessError):
    code = "process_completed"


class SaveSlot(Protocol):
    """A place one process instance is saved to and resumed from."""

    @property
    def name(self) -> str:
        """How messages name it (the file's path, ``database id 'x'``)."""

    def check(self) -> None:
        """Refuse, before anything runs, a place the save could not be written to."""

    def read(self) -> str: ...

    def write(self, text: str, *, process_id: str, state: str) -> None: ...


@dataclass(frozen=True)
class SavedFile:
    """A process instance saved in a JSON file."""

    path: Path

    @property
    def name(self) -> str:
        return str(self.path)

    def read(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SavedProcessError(f"no saved process instance at {self.path}") from None
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise SavedProcessError(f"cannot read {self.path}: {reason}") from None

    def check(self) -> None:
        folder = self.path.parent
        if self.path.is_dir() or not folder.is_dir():
            why = "is a folder" if self.path.is_dir() else f"folder {folder} does not exist"
            raise SavedProcessError(f"cannot save the process instance to {self.path}: {why}")

    def write(self, text: str, *, process_id: str, state: str) -> None:
        try:
            self.path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise SavedProcessError(
                f"cannot save the process instance to {self.path}: {exc.strerror or exc}"
            ) from None


@dataclass
class SavedInDatabase:
    """A process instance saved in the service's database under ``id``.

    ``database_url`` is any SQLAlchemy URL; without it, SQLite in ``data_dir`` (default: the
    user's data directory, the database ``openai-connector serve`` uses). Needs the
    ``service`` extra (SQLAlchemy, Alembic); the schema is brought up to date on first use.
    """

    id: str
    database_url: str | None = None
    data_dir: Path | None = None
    _version: int | None = field(default=None, init=False, repr=False, compare=False)
    """The version read: the next write saves over it only (None: a new instance)."""

    @property
    def name(self) -> str:
        return f"database id {self.id!r}"

    def read(self) -> str:
        try:
            record = self._with_instances(lambda instances: instances.get(self.id))
        except _Missing:
            raise SavedProcessError(
                f"no saved process instance with id {self.id!r} in {self._where()}",
                hint="save one with: process run FILE.bpmn --save-db ID",
            ) from None
        self._version = record.version
        return str(record.saved)

    def check(self) -> None:
        """Refuse a new save over an instance that is not completed, before any call."""
        if self._version is not None:
            return
        try:
            record = self._with_instances(lambda instances: instances.get(self.id))
        except _Missing:
            return
        if record.state != "completed":
            raise self._duplicate(record.state)

    def write(self, text: str, *, process_id: str, state: str) -> None:
        def put(instances: Any) -> int:
            return int(
                instances.put(
                    self.id,
                    process_id=process_id,
                    state=state,
                    saved=text,
                    over_version=self._version,
                )
            )

        self._version = self._with_instances(put)

    def _duplicate(self, state: str) -> SavedProcessError:
        return SavedProcessError(
            f"a process instance with id {self.id!r} is saved in {self._where()} already ({state})",
            hint="resume it (process resume --db ID), or choose another id",
        )

    def _where(self) -> str:
        from ..connection import mask_url_password

        return mask_url_password(self.database_url) if self.database_url else "the database"

    def _with_instances(self, action: Any) -> Any:
        try:
            from sqlalchemy.exc import ArgumentError, SQLAlchemyError

            from ..store.database import default_data_dir, make_engine, private_sqlite_url, upgrade
            from ..store.process_instances import ProcessInstances, StaleVersion
            from ..store.records import DuplicateName, NotInStore
        except ModuleNotFoundError as exc:
            raise SavedProcessError(
                f"saving processes in a database needs {(exc.name or '').split('.')[0]}",
                hint="pip install 'openai-connector[service]'",
            ) from None
        try:
            url = self.database_url
            if url is None:
                url = private_sqlite_url(self.data_dir or default_data_dir())
            engine = make_engine(url)
        except (ArgumentError, SQLAlchemyError, ModuleNotFoundError, OSError) as exc:
            raise SavedProcessError(f"cannot open {self._where()}: {_first_line(exc)}") from None
        try:
            upgrade(engine)
            return action(ProcessInstances(engine))
        except NotInStore:
            raise _Missing from None
        except DuplicateName:
            raise self._duplicate("not completed") from None
        except StaleVersion as exc:
            raise SavedProcessError(f"{self.name}: {exc.message}") from None
        except SQLAlchemyError as exc:
            raise SavedProcessError(f"cannot use {self._where()}: {_first_line(exc)}") from None
        finally:
            engine.dispose()


class _Missing(Exception):
    """No instance under the id (the store's NotInStore, without importing the store)."""


def save_slot(where: str | Path | SaveSlot) -> SaveSlot:
    """A path (str or Path) is a file; anything else is taken as a slot already."""
    if isinstance(where, str | Path):
        return SavedFile(Path(where))
    return where


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def bpmn_digest(bpmn: str) -> str:
    return hashlib.sha256(bpmn.encode("utf-8")).hexdigest()


def make_save(bpmn: str, process_id: str, state: str, workflow: str) -> str:
    return json.dumps(
        {
            "format": SAVE_FORMAT,
            "process_id": process_id,
            "state": state,
            "bpmn_sha256": bpmn_digest(bpmn),
            "bpmn": bpmn,
            "workflow": workflow,
        }
    )


def read_save(text: str, name: str) -> dict[str, Any]:
    """The parts of a save, checked: format, fields, and the BPMN it was made from."""
    not_a_save = f"{name} is not a saved process instance (format {SAVE_FORMAT})"
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise SavedProcessError(f"{not_a_save}: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != SAVE_FORMAT:
        raise SavedProcessError(not_a_save)
    for key in ("bpmn", "process_id", "workflow"):
        if not isinstance(data.get(key), str):
            raise SavedProcessError(f"{not_a_save}: {key!r} is missing or not text (corrupt)")
    digest = data.get("bpmn_sha256")
    if digest is not None and digest != bpmn_digest(data["bpmn"]):
        raise SavedProcessError(f"{name} is corrupt: its BPMN does not match its checksum")
    return dict(data)


def check_same_process(name: str, data: dict[str, Any], workflow: Any, loaded: Any) -> None:
    """The serialised workflow must be an instance of the BPMN saved with it."""
    spec = getattr(workflow, "spec", None)
    saved_tasks = set(getattr(spec, "task_specs", {}) or {})
    if (
        spec is None
        or spec.name != data["process_id"]
        or loaded.process_id != data["process_id"]
        or not saved_tasks <= set(loaded.spec.task_specs)
    ):
        raise SavedProcessError(
            f"{name} is corrupt: its instance is not of the process "
            f"{data['process_id']!r} saved with it"
        )


def check_source(name: str, data: dict[str, Any], bpmn: str, source_name: str) -> None:
    """Resuming with a BPMN file given: it must be the file the instance was started from."""
    if bpmn_digest(bpmn) != bpmn_digest(data["bpmn"]):
        raise SavedProcessError(
            f"{name} is an instance of another BPMN file (process {data['process_id']!r}), "
            f"not of {source_name}",
            hint="resume it without the BPMN file (process resume SAVED), or start "
            f"{source_name} anew",
        )
