"""``openai-connector serve``: run the REST service (uvicorn) on the service's database.

On the first start it makes an admin key and prints it once (only its hash is stored).
It listens on a non-loopback address only when the database already holds an active key:
the first admin key is never made for, and printed by, a service that is reachable from
other hosts; make it first (``openai-connector keys create --role admin``, or one start on
127.0.0.1). SIGTERM and Ctrl-C stop it gracefully: requests in flight finish first.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import click

from .database import database_options, fail, opened_store

ADMIN_KEY_NAME = "admin"
SHUTDOWN_GRACE = 30
"""Seconds requests in flight get to finish after SIGTERM."""


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command(short_help="Run the REST service (connector registry, keys, usage).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    envvar="OPENAI_CONNECTOR_HOST",
    help="Address to listen on.",
)
@click.option(
    "--port",
    default=8080,
    show_default=True,
    envvar="OPENAI_CONNECTOR_PORT",
    type=click.IntRange(1, 65535),
)
@database_options
@click.option(
    "--preconfigured",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="TOML file of connectors made at start, read-only through the API.",
)
@click.option(
    "--price-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="OPENAI_CONNECTOR_PRICE_FILE",
    help="Price table (TOML) to use instead of the shipped one.",
)
def serve(
    *,
    host: str,
    port: int,
    database_url: str | None,
    data_dir: Path | None,
    preconfigured: Path | None,
    price_file: Path | None,
) -> None:
    """Run the REST service: connector registry, API keys, operations catalogue, usage log.

    The database is SQLite in the user's data directory unless --database-url names
    another (postgresql+psycopg://...). API docs are served at /docs; docs/service.md
    tells the rest.
    """
    try:
        import uvicorn

        from ..service import ServiceSettings, create_app
    except ImportError:
        fail("the service needs the 'service' extra", "pip install 'openai-connector[service]'")
    from ..errors import ConnectorError

    with opened_store(database_url, data_dir) as store:
        new_key = None
        if store.keys.count_active() == 0:
            if not is_loopback(host):
                fail(
                    f"refusing to listen on {host}: no API key is configured yet",
                    "make an admin key first (openai-connector keys create --name admin "
                    "--role admin), or start once on 127.0.0.1",
                )
            made = store.keys.create_first_admin(ADMIN_KEY_NAME)
            new_key = made[1] if made else None  # another instance made it a moment ago
        settings = ServiceSettings(
            database_url=database_url,
            data_dir=store.data_dir,
            preconfigured=preconfigured,
            price_file=price_file,
        )
        try:
            app = create_app(settings, store=store)
        except ConnectorError as exc:
            fail(exc.message, exc.hint)
        shown = f"[{host}]" if ":" in host else host
        click.echo(f"web console: http://{shown}:{port}/")
        click.echo(f"API docs: http://{shown}:{port}/docs")
        if new_key is not None:
            click.echo(f"admin key (shown once, stored hashed): {new_key}")
        from ..service.access_log import log_as_json_lines

        log_as_json_lines()
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="info",
            access_log=False,  # the service's own access log: JSON lines, with the caller
            timeout_graceful_shutdown=SHUTDOWN_GRACE,
            proxy_headers=False,
        )
        server = uvicorn.Server(config)
        try:
            server.run()
        except SystemExit:
            if server.started:
                raise
            fail(
                f"cannot listen on {shown}:{port} (the reason is in the log above)",
                "choose another --port or --host",
            )
