"""Saved process instances of the embedded BPMN engine, in the service's database.

One row per instance id: the engine's save (JSON text), the process id and the state the last
run left it in. Written again after every run of the instance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from .models import ProcessInstanceRow
from .records import NotInStore, as_utc, utcnow

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass(frozen=True, slots=True)
class ProcessInstanceRecord:
    id: str
    process_id: str
    state: str
    saved: str
    created: datetime
    updated: datetime


class ProcessInstances:
    def __init__(self, engine: Engine) -> None:
        from sqlalchemy.orm import sessionmaker

        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def put(self, instance_id: str, *, process_id: str, state: str, saved: str) -> None:
        """Save (or save again) the instance ``instance_id``."""
        now = utcnow()
        with self._sessions.begin() as session:
            row = session.get(ProcessInstanceRow, instance_id)
            if row is None:
                row = ProcessInstanceRow(id=instance_id, created=now)
                session.add(row)
            row.process_id = process_id
            row.state = state
            row.saved = saved
            row.updated = now

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
                created=as_utc(row.created) or utcnow(),
                updated=as_utc(row.updated) or utcnow(),
            )
