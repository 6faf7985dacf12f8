"""A status line on the terminal for long waits (polling a job, many chats at once).

Operations report progress as small dicts (see ``Runner.progress``). Their keys are not
fixed, so the line is composed from what is there: the operation and status, a count
(``done``/``completed`` of ``total``), the other short values as ``key=value``, and
``message`` if given.
Nothing is shown when standard error is not a terminal.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TextIO

_COUNT_KEYS = ("done", "completed", "finished")
_LEADING = ("operation", "step", "status", "state")
MAX_WIDTH = 119


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def describe(event: dict[str, Any]) -> str:
    """One short line for a progress event, e.g. ``batches.wait in_progress 5/10 (50%) poll=3``."""
    parts: list[str] = []
    shown = {"message", *_LEADING}
    for key in _LEADING:
        value = event.get(key)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            parts.append(str(value))
    for key in _COUNT_KEYS:
        if _count(event.get(key)):
            total = event.get("total")
            count = str(event[key])
            if isinstance(total, int) and _count(total):
                count += f"/{total}"
                if total > 0:
                    count += f" ({100 * event[key] // total}%)"
            parts.append(count)
            shown.update((key, "total"))
            break
    for key, value in event.items():
        if key in shown or value is None or isinstance(value, bool | dict | list):
            continue
        parts.append(f"{key}={value:.1f}" if isinstance(value, float) else f"{key}={value}")
    message = event.get("message")
    if isinstance(message, str) and message:
        parts.append(message)
    return " ".join(" ".join(parts).split())


class ProgressLine:
    """Rewrites one line of a terminal with the latest event; ``close()`` clears it."""

    def __init__(
        self,
        stream: TextIO,
        *,
        redact: Callable[[str], str] = str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._redact = redact
        self._clock = clock
        self._started = clock()
        self._shown = False

    @classmethod
    def for_terminal(cls, stream: TextIO, redact: Callable[[str], str]) -> ProgressLine | None:
        """A progress line when ``stream`` is a terminal, else None (stay silent)."""
        isatty = getattr(stream, "isatty", None)
        return cls(stream, redact=redact) if callable(isatty) and isatty() else None

    def __call__(self, event: dict[str, Any]) -> None:
        elapsed = self._clock() - self._started
        line = self._redact(f"[{elapsed:5.0f}s] {describe(event)}")[:MAX_WIDTH]
        self._stream.write("\r\x1b[K" + line)
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self._shown = False
