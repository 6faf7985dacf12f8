"""Options the embedded engine (``process run``) and the Zeebe worker share: where the
calls of tasks may go, and where template-authored ``{{secrets.NAME}}`` are looked up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def task_reach_options(who: str) -> Callable[[Any], Any]:
    """``--host-map``, ``--allow-host``, ``--secrets-file`` and ``--secrets-dir``; ``who``
    names what makes the calls in the help text ("tasks", "jobs")."""
    options = (
        click.option(
            "--host-map",
            "host_map",
            multiple=True,
            metavar="HOST=URL",
            envvar="OPENAI_CONNECTOR_HOST_MAP",
            help=f"Send the calls {who} make to HOST to URL instead (repeatable; or "
            "$OPENAI_CONNECTOR_HOST_MAP, pairs separated by spaces).",
        ),
        click.option(
            "--allow-host",
            "allowed_hosts",
            multiple=True,
            metavar="HOST",
            help=f"Let {who} call HOST, an OpenAI-compatible server (repeatable).",
        ),
        click.option("--secrets-file", metavar="FILE", help="Secrets file (NAME=value lines)."),
        click.option("--secrets-dir", metavar="DIR", help="Folder with one file per secret."),
    )

    def decorate(function: Any) -> Any:
        for option in reversed(options):
            function = option(function)
        return function

    return decorate
