"""``openai-connector keys``: make, list and revoke the service's API keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .database import database_options, opened_store

ROLES = ("admin", "operator", "viewer")


@click.group(short_help="Make, list and revoke the service's API keys.")
def keys() -> None:
    """Make, list and revoke the service's API keys.

    Roles: admin (connectors, keys), operator (run connectors), viewer (read usage).
    A key is printed once when made and stored hashed; revoking it takes effect at once.
    """


@keys.command("create")
@click.option("--name", "-n", required=True, metavar="NAME", help="A name for the key.")
@click.option("--role", "-r", required=True, type=click.Choice(ROLES), help="What it may do.")
@click.option("--rate-limit", type=click.IntRange(min=1), metavar="N", help="Requests a minute.")
@click.option("--default-connector", metavar="NAME", help="Connector used when none is named.")
@database_options
def create(
    *,
    name: str,
    role: str,
    rate_limit: int | None,
    default_connector: str | None,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    """Make a key and print it (the only time it is shown)."""
    with opened_store(database_url, data_dir) as store:
        record, key = store.keys.create(
            name, role, rate_limit_per_minute=rate_limit, default_connector=default_connector
        )
    click.echo(f"key {record.name!r} ({record.role}) made; it is shown once:", err=True)
    click.echo(key)


@keys.command("list")
@database_options
@click.pass_context
def list_keys(ctx: click.Context, database_url: str | None, data_dir: Path | None) -> None:
    """List the keys: name, role, prefix, last use, revocation."""
    from .output import dumps, table

    with opened_store(database_url, data_dir) as store:
        records = store.keys.all()
    rows: list[dict[str, Any]] = [
        {
            "name": r.name,
            "role": r.role,
            "prefix": r.prefix,
            "created": r.created.isoformat(timespec="seconds"),
            "last_used": r.last_used.isoformat(timespec="seconds") if r.last_used else None,
            "revoked": r.revoked.isoformat(timespec="seconds") if r.revoked else None,
        }
        for r in records
    ]
    if getattr(ctx.find_root().obj, "json", False):
        click.echo(dumps(rows))
        return
    headers = ("NAME", "ROLE", "PREFIX", "CREATED", "LAST USED", "REVOKED")
    click.echo(table(headers, [tuple(row.values()) for row in rows]))


@keys.command("revoke")
@click.argument("name")
@database_options
def revoke(name: str, database_url: str | None, data_dir: Path | None) -> None:
    """Revoke the key NAME: the next request with it is refused."""
    with opened_store(database_url, data_dir) as store:
        record = store.keys.revoke(name)
    click.echo(f"key {record.name!r} revoked", err=True)
