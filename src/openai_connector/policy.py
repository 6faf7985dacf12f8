"""What a connector trusts its caller with: chosen by the face that makes the connector.

The library and the CLI trust whoever calls them (:meth:`TrustPolicy.trusted`, the default):
``{{secrets.X}}`` is resolved anywhere, any local path may be read or written, and a
connection may run a token command or read certificate files. A face that runs operations for
others (a REST service, a workflow engine running on process variables) uses
:meth:`TrustPolicy.strict`: secret references only in connection settings, from the store the
face names; files arrive as bytes or ``data:`` URLs, or stay inside a workspace folder; no
connection setting may touch the host.

A refused secret reference or path is :class:`~.errors.InvalidInput` naming the field, raised
before anything is sent; a refused connection setting is :class:`~.errors.ConfigError` naming
the setting, raised when the connector is made. See docs/security.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from .errors import ConfigError, InvalidInput

__all__ = ["FileAccess", "SecretSource", "TrustPolicy", "refuse_host_features", "refuse_secrets"]

FileAccess = Literal["host", "none"] | Path
"""``"host"``: any local path; ``"none"``: no local paths; a Path: a workspace root."""


@runtime_checkable
class SecretSource(Protocol):
    """A store of secrets: the environment and files (:class:`~.secrets.SecretStore`), a
    service's encrypted store, a workflow engine's own."""

    def get(self, name: str) -> str | None:
        """The value of secret ``name``, or None when the store has none."""
        ...

    def describe(self) -> str:
        """Where the store looks, for the error that names a missing secret."""
        ...


@dataclass(frozen=True)
class TrustPolicy:
    """What a connector may do on behalf of its caller."""

    input_secrets: bool = True
    """Resolve ``{{secrets.X}}`` inside operation input (False: refused as InvalidInput)."""
    secrets: SecretSource | None = None
    """Where connection-setting references resolve (None: the environment, a secrets file or
    directory, as the library and CLI read them)."""
    files: FileAccess = "host"
    """Local paths an input may name: any (``"host"``), none, or those inside a workspace."""
    host_features: bool = True
    """Connection settings that touch the host: ``azure_ad_token_command`` (runs a command),
    ``network.verify`` as a CA bundle path, ``network.client_cert``, ``network.client_key``
    (read files) and proxy or CA settings read from the environment."""

    def __post_init__(self) -> None:
        if isinstance(self.files, str) and self.files not in ("host", "none"):
            raise ConfigError(
                f"policy.files: {self.files!r} is not an access mode",
                hint='give "host", "none", or the workspace folder as a pathlib.Path',
            )

    @classmethod
    def trusted(cls) -> TrustPolicy:
        """The library's and the CLI's policy: the caller is trusted (today's behaviour)."""
        return _TRUSTED

    @classmethod
    def strict(
        cls, *, secrets: SecretSource | None = None, workspace: str | Path | None = None
    ) -> TrustPolicy:
        """The policy of faces that run operations for others (a service, a workflow engine).

        References resolve in connection settings only, from ``secrets`` when given; files are
        bytes or ``data:`` URLs, or paths inside ``workspace`` when given; no host features.
        """
        files: FileAccess = "none" if workspace is None else Path(workspace)
        return cls(input_secrets=False, secrets=secrets, files=files, host_features=False)


_TRUSTED = TrustPolicy()


def refuse_secrets(operation: str, value: Any) -> None:
    """InvalidInput naming the first field of ``value`` (an input mapping) that holds a
    ``{{secrets.X}}`` reference: under this policy input references are not resolved, and
    sending them as text would leak that they were meant to be."""
    from .secrets import SECRET_REFERENCE

    pending: list[tuple[str, Any]] = [("", value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            if "{{" in item and SECRET_REFERENCE.search(item) is not None:
                field = path or "input"
                raise InvalidInput(
                    f"{operation}: {field}: secret references ({{{{secrets.NAME}}}}) are not "
                    "resolved in input here",
                    field=field,
                    hint="secrets belong in the connection's settings; pass the value itself "
                    "if the caller may know it",
                )
        elif isinstance(item, dict):
            for key, inner in item.items():
                where = f"{path}.{key}" if path else str(key)
                pending.extend(((where, inner), (where, key)))  # a name is sent too
        elif isinstance(item, list | tuple):
            pending.extend((f"{path}.{i}" if path else str(i), v) for i, v in enumerate(item))
        elif hasattr(item, "__pydantic_fields__"):  # a model given as input, or inside it
            names = type(item).__pydantic_fields__
            pending.extend((f"{path}.{n}" if path else n, getattr(item, n)) for n in names)


def refuse_host_features(connection: Any) -> None:
    """ConfigError naming the first connection setting that would touch the host."""
    network = connection.network

    def refused(setting: str, what: str) -> ConfigError:
        return ConfigError(
            f"{setting}: {what} is not allowed by this connector's trust policy",
            hint=f"host features are off (TrustPolicy.host_features is false): leave {setting} out",
        )

    if connection.azure_ad_token_command:
        raise refused("azure_ad_token_command", "running a command for a token")
    if isinstance(network.verify, str):
        raise refused("network.verify", "reading a CA bundle file")
    if network.client_cert:
        raise refused("network.client_cert", "reading a client certificate file")
    if network.client_key:
        raise refused("network.client_key", "reading a client key file")
