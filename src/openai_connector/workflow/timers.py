"""Timer events that read the engine's clock, not the machine's.

SpiffWorkflow has no timer scheduler and its timer events call ``datetime.now`` directly.
These subclasses take "now" from the script engine (which the engine attaches to the workflow
on every run and which is not serialised), so tests move time by hand and a polling loop does
not sleep for real. The timer value is a Zeebe value: ``PT30S`` (literal) or ``=expr`` (FEEL
giving a duration or a date-time).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)


class TimerClock(Protocol):
    """What a timer needs from the script engine."""

    def now(self) -> dt.datetime: ...

    def timer_value(self, task: Any, text: str) -> Any: ...


def _due_of_duration(engine: TimerClock, task: Any, text: str) -> str:
    value = engine.timer_value(task, text)
    if not isinstance(value, str) or not value.upper().startswith("P"):
        raise ValueError(f"timer {text!r} gave {value!r}, not an ISO-8601 duration (PT30S)")
    parsed = TimerEventDefinition.parse_iso_duration(value)
    now = engine.now()
    return str((now + TimerEventDefinition.get_timedelta_from_start(parsed, now)).isoformat())


def _due_of_date(engine: TimerClock, task: Any, text: str) -> str:
    value = engine.timer_value(task, text)
    if not isinstance(value, str):
        raise ValueError(f"timer {text!r} gave {value!r}, not an ISO-8601 date-time")
    return str(TimerEventDefinition.get_datetime(value).isoformat())


class ClockDurationTimer(DurationTimerEventDefinition):  # type: ignore[misc]
    """``timeDuration``: fires once the engine's clock passes start + duration."""

    def has_fired(self, my_task: Any) -> bool:
        return _fired(my_task, self.expression, _due_of_duration)


class ClockDateTimer(TimeDateEventDefinition):  # type: ignore[misc]
    """``timeDate``: fires once the engine's clock passes the date-time."""

    def has_fired(self, my_task: Any) -> bool:
        return _fired(my_task, self.expression, _due_of_date)


def _fired(my_task: Any, text: str, due_of: Any) -> bool:
    engine = my_task.workflow.script_engine
    due = my_task._get_internal_data("event_value")
    if due is None:
        due = due_of(engine, my_task, text)
        my_task._set_internal_data(event_value=due)
    if dt.datetime.fromisoformat(due) <= engine.now():
        my_task._set_internal_data(event_fired=True)
    return bool(my_task._get_internal_data("event_fired", False))


def timer_due(task: Any) -> dt.datetime | None:
    """When a waiting timer task fires (None before it has been armed)."""
    due = task._get_internal_data("event_value")
    return dt.datetime.fromisoformat(due) if isinstance(due, str) else None
