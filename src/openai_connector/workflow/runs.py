"""One call per run: ``run_process`` starts a process, ``resume_process`` continues a saved one.

Both build a :class:`~.engine.ProcessEngine` for the call, run the instance as far as it goes
and save it where asked: a file (a path) or the service's database
(:class:`~.saved.SavedInDatabase`). Resuming sets the variables given first and resolves the
incidents (their tasks are tried again), as Camunda Operate does; the instance is then saved
back where it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .engine import ProcessEngine
from .saved import SaveSlot, save_slot

Where = str | Path | SaveSlot


def _save(engine: ProcessEngine, instance: Any, slot: SaveSlot, state: str) -> None:
    slot.write(engine.save(instance), process_id=instance.loaded.process_id, state=state)


def run_process(
    source: str | Path,
    variables: Mapping[str, Any] | None = None,
    *,
    host_map: Mapping[str, str] | None = None,
    save_to: Where | None = None,
    resume_from: Where | None = None,
    **engine_options: Any,
) -> dict[str, Any]:
    """Run a Camunda 8 process (a path or BPMN XML text) to its end, or as far as it goes.

    Returns ``{"state", "variables", "incidents"}``. ``save_to`` saves the instance: a path,
    or ``SavedInDatabase(id, database_url=...)``. ``resume_from`` continues a saved instance
    of ``source`` instead of starting one (an empty ``source`` skips the check that the save
    is of that BPMN); :func:`resume_process` does more (variables, incidents).
    """
    target = save_slot(save_to) if save_to is not None else None
    if target is not None:
        target.check()  # before any call is made (and paid for)
    engine = ProcessEngine(host_map=host_map, **engine_options)
    try:
        if resume_from is not None:
            slot = save_slot(resume_from)
            instance = engine.resume(slot.read(), name=slot.name, source=source or None)
            engine.set_variables(instance, variables or {})
        else:
            instance = engine.start(engine.load(source), variables)
        outcome = engine.run(instance)
        if target is not None:
            _save(engine, instance, target, outcome.state)
        return outcome.to_dict()
    finally:
        engine.close()


def resume_process(
    saved: Where,
    variables: Mapping[str, Any] | None = None,
    *,
    retries: int = 1,
    save_to: Where | None = None,
    host_map: Mapping[str, str] | None = None,
    **engine_options: Any,
) -> dict[str, Any]:
    """Continue the instance saved at ``saved`` (a path or ``SavedInDatabase``).

    ``variables`` are set (or replaced) first; each incident is resolved: its task is tried
    again with ``retries`` attempts. Waiting timers fire if they are due on the engine's
    clock. The instance is saved back to ``saved`` (or to ``save_to``). Raises
    ``SavedProcessError`` (exit 2 in the CLI) for an unknown id, a corrupt save or a
    completed instance.
    """
    if retries < 1:
        from ..errors import ConfigError

        raise ConfigError(f"retries must be 1 or more, not {retries}")
    slot = save_slot(saved)
    target = save_slot(save_to) if save_to is not None else slot
    if target is not slot:
        target.check()
    engine = ProcessEngine(host_map=host_map, **engine_options)
    try:
        instance = engine.resume(slot.read(), name=slot.name)
        engine.set_variables(instance, variables or {})
        engine.retry_incidents(instance, retries)
        outcome = engine.run(instance)
        _save(engine, instance, target, outcome.state)
        return outcome.to_dict()
    finally:
        engine.close()
