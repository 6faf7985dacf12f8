"""``openai-connector usage``: token usage and cost from the service's usage log, as a table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from .database import database_options, opened_store

GROUPS = ("day", "connector", "model", "operation", "caller")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def since_ago(text: str, now: datetime | None = None) -> datetime:
    """The moment ``30m``, ``12h``, ``7d`` or ``2w`` before now."""
    number, unit = text[:-1], text[-1:]
    if unit not in _UNITS or not number.isdigit():
        raise click.BadParameter(
            f"{text!r} is not a duration: use e.g. 30m, 12h, 7d, 2w", param_hint="--since"
        )
    return (now or datetime.now(UTC)) - timedelta(**{_UNITS[unit]: int(number)})


def _cell(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if name == "cost_usd":
        return f"{value:.4f}"
    return str(value)


@click.command(short_help="Token usage and cost from the usage log.")
@click.option("--by", "group_by", type=click.Choice(GROUPS), default="day", show_default=True)
@click.option("--since", default="7d", show_default=True, help="How far back: 30m, 12h, 7d, 2w.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV instead of a table.")
@database_options
@click.pass_context
def usage(
    ctx: click.Context,
    *,
    group_by: str,
    since: str,
    as_csv: bool,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    """Print calls, tokens and cost (USD) per day, connector, model, operation or caller.

    Reads the service's database. A cost shows '—' when no call of the group has a known
    price; UNPRICED counts the calls whose model is not in the price table. For example
    '--by model --since 7d': each model's calls of the last seven days.
    """
    from ..store.usage_log import TOTAL_COLUMNS, to_csv
    from .output import dumps, table

    start = since_ago(since)
    with opened_store(database_url, data_dir) as store:
        rows = store.usage.totals(group_by, start)  # type: ignore[arg-type]
    columns = (group_by, *TOTAL_COLUMNS)
    if as_csv:
        click.echo(to_csv(rows, columns), nl=False)
    elif getattr(ctx.find_root().obj, "json", False):
        click.echo(dumps(rows))
    else:
        headers = [
            c.upper().replace("_", " ").replace("UNPRICED CALLS", "UNPRICED") for c in columns
        ]
        click.echo(table(headers, [[_cell(c, row.get(c)) for c in columns] for row in rows]))
