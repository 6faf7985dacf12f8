"""The progress line of long waits: composed from the event, shown only on a terminal."""

from __future__ import annotations

import io

from openai_connector.cli.progress import ProgressLine, describe


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_describe_poll_event() -> None:
    event = {
        "operation": "batches.wait",
        "poll": 3,
        "waited": 30.0,
        "id": "batch_1",
        "status": "in_progress",
        "completed": 5,
        "failed": 0,
        "total": 10,
        "errors": None,
        "done": False,
    }
    assert (
        describe(event)
        == "batches.wait in_progress 5/10 (50%) poll=3 waited=30.0 id=batch_1 failed=0"
    )


def test_describe_counts_and_message() -> None:
    assert describe({"done": 12, "total": 100, "failed": 1}) == "12/100 (12%) failed=1"
    assert describe({"message": "uploading"}) == "uploading"


def test_progress_line_rewrites_one_line_and_clears_it() -> None:
    terminal = Terminal()
    now = iter([0.0, 5.0, 7.0])
    line = ProgressLine(
        terminal, redact=lambda text: text.replace("secret", "***"), clock=lambda: next(now)
    )
    line({"status": "running", "message": "secret stuff"})
    line({"status": "succeeded"})
    line.close()
    written = terminal.getvalue()
    assert written.count("\r\x1b[K") == 3
    assert "[    5s] running *** stuff" in written
    assert "[    7s] succeeded" in written
    assert "secret" not in written


def test_silent_when_not_a_terminal() -> None:
    assert ProgressLine.for_terminal(io.StringIO(), str) is None
    assert ProgressLine.for_terminal(Terminal(), str) is not None
