"""Saved process instances of the embedded BPMN engine, in the service's database.

One row per instance id: the engine's save (JSON text), the process id, the state the last
run left it in and a version. Written again after every run of the instance, over the version
that run read (two resumes of one instance at once: the second save is refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .models import ProcessInstanceRow
from .records import DuplicateName, NotInStore, StoreError, as_utc, utcnow

if TYPE_CHECKING:
    from sqlalchemy import Engine


class StaleVersion(StoreError):
    """The instance was saved again since it was read."""

    code = "stale_version"


@dataclass(frozen=True, slots=True)
class ProcessInstanceRecord:
    id: str
    process_id: str
    state: str
    saved: str
    version: int
    created: datetime
    updated: datetime


class ProcessInstances:
    def __init__(self, engine: Engine) -> None:
        from sqlalchemy.orm import sessionmaker

        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def put(
        self,
        instance_id: str,
        *,
        process_id: str,
        state: str,
        saved: str,
        over_version: int | None = None,
    ) -> int:
        """Save the instance ``instance_id``; returns the version saved.

        ``over_version`` None: a new instance (an existing one is replaced only when it is
        completed: DuplicateName otherwise). Else the version read before: saved only if
        no one saved since (StaleVersion otherwise; the newer save is kept).
        """
        now = utcnow()
        with self._sessions.begin() as session:
            row = session.get(ProcessInstanceRow, instance_id, with_for_update=True)
            if over_version is None:
                if row is not None and row.state != "completed":
                    raise DuplicateName(
                        f"a process instance {instance_id!r} is saved already ({row.state}): "
                        "resume it, or choose another id",
                        field="id",
                    )
                if row is None:
                    row = ProcessInstanceRow(id=instance_id, created=now, version=0)
                    session.add(row)
            elif row is None or row.version != over_version:
                raise StaleVersion(
                    f"the process instance {instance_id!r} was saved again (resumed "
                    "elsewhere?) since it was read: this run's state is not saved",
                    field="id",
                )
            row.process_id = process_id
            row.state = state
            row.saved = saved
            row.version = (row.version or 0) + 1
            row.updated = now
            return row.version

    def get(self, instance_id: str) -> ProcessInstanceRecord:
        with self._sessions() as session:
            row = session.get(ProcessInstanceRow, instance_id)
            if row is None:
                raise NotInStore(f"no saved process instance {instance_id!r}", field="id")
            return ProcessInstanceRecord(
                id=row.id,
                process_id=row.process_id,
                state=row.state,
                saved=row.saved,
                version=row.version,
                created=as_utc(row.created) or utcnow(),
                updated=as_utc(row.updated) or utcnow(),
            )
