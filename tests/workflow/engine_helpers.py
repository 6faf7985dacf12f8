"""Shared pieces of the engine tests: a hand-moved clock and an engine aimed at a server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openai_connector.secrets import SecretStore
from openai_connector.workflow.engine import ProcessEngine

BPMN = Path(__file__).parent / "bpmn"
EXAMPLES = Path(__file__).parents[2] / "examples"
KEY = "sk-test-engine-0123456789"


class FakeClock:
    """Time that moves only when the engine sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        self.slept: list[float] = []

    def __call__(self) -> dt.datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += dt.timedelta(seconds=seconds)


def engine(
    clock: FakeClock, server: Any = None, *, secrets: dict[str, str] | None = None, **options: Any
) -> ProcessEngine:
    """An engine on ``clock``; http-json and own tasks for api.openai.com go to ``server``."""
    host_map = {"api.openai.com": server.url} if server is not None else {}
    host_map.update(options.pop("host_map", {}))
    return ProcessEngine(
        clock=clock,
        sleep=clock.sleep,
        host_map=host_map,
        secrets=SecretStore(environ={"OPENAI_API_KEY": KEY} if secrets is None else secrets),
        **options,
    )


def run(eng: ProcessEngine, source: Path | str, variables: dict[str, Any] | None = None) -> dict:
    try:
        return eng.run(eng.start(eng.load(source), variables)).to_dict()
    finally:
        eng.close()
