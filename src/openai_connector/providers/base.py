"""What a provider is: a profile that turns a declared operation into a request it accepts.

Operations declare one logical path (OpenAI's, e.g. ``/chat/completions``), the features
their fields use, and whether the model they name routes the call. A :class:`Provider`
applies that declaration: which operations it offers, where the model goes (the body, or
Azure's ``/deployments/{deployment}`` path), which features its API version accepts, its
auth headers and base URL (:meth:`Provider.target`), and hints for its errors. Adding a
provider is adding one module to this package and its name to :data:`NAMES`.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import quote

from ..errors import UnsupportedOperation

if TYPE_CHECKING:
    from ..connection import Connection
    from ..operations.base import Operation, RequestSpec
    from ..secrets import SecretResolver
    from .entra import EntraTokenCommand
    from .target import Target

NAMES = ("openai", "azure", "compatible")
"""Every provider, by the name a connection's ``provider`` setting gives."""


def quote_path(value: object) -> str:
    """A path parameter, URL-encoded so it cannot change the path."""
    return quote(str(value), safe="")


class Provider:
    """The OpenAI API as the official service serves it; other providers say how they differ."""

    name: ClassVar[str] = "openai"
    label: ClassVar[str] = "OpenAI"
    deployments: ClassVar[bool] = False
    """Models are deployments the user named (Azure): a name says nothing of the model behind
    it, and every call that runs a model needs one named."""
    documented_defaults: ClassVar[bool] = True
    """A call that names no model gets the documented default (see ``DEFAULT_MODELS``)."""
    hosted: ClassVar[bool] = True
    """A hosted service whose documented input rules apply (file formats by extension)."""
    feature_gates: ClassVar[bool] = False
    """Some features need a newer API version (see :meth:`require`): operations then report
    the features a call uses."""
    image_rules: ClassVar[str | None] = None
    """The image limits every ``images.generate`` call follows, whatever its model names."""

    # ------------------------------------------------------------------ offering

    def unavailable(self, operation: Operation) -> str | None:
        """Why this provider does not offer ``operation``; None when it does."""
        if operation.path is None and operation.runner is None:
            return f"{self.label} does not offer this operation"
        return None

    def check_offers(self, operation: Operation) -> None:
        """Refuse (before anything is sent) an operation this provider does not offer."""
        why = self.unavailable(operation)
        if why is not None:
            raise UnsupportedOperation(f"{operation.id}: {why}", hint=self.elsewhere_hint())

    def elsewhere_hint(self) -> str:
        return "use a connection to a provider that offers it"

    # ------------------------------------------------------------------ paths

    def path_template(self, operation: Operation) -> str | None:
        """The path this provider serves ``operation`` at (relative to its API root)."""
        if self.unavailable(operation) is not None:
            return None
        return operation.path

    def route(self, operation: Operation, spec: RequestSpec) -> None:
        """Move what this provider takes in the path out of the request (in place)."""
        del operation, spec

    # ------------------------------------------------------------------ features

    def require(self, feature: str, field: str, connection: Connection) -> None:
        """Refuse a ``feature`` (used by input ``field``) this provider or version lacks."""
        del feature, field, connection

    # ------------------------------------------------------------------ auth and errors

    def target(
        self,
        connection: Connection,
        resolver: SecretResolver,
        token_command: EntraTokenCommand | None,
    ) -> Target:
        """Secrets resolved: the base URL, auth headers and fixed query of every request."""
        from .target import bearer_target

        return bearer_target(self, connection, resolver)

    def hint(
        self, status: int, code: str | None, message: str | None, connection: Connection
    ) -> str | None:
        """What to fix for an error status this provider explains its own way; None: no idea."""
        del status, code, message, connection
        return None


@cache
def get(name: str) -> Provider:
    """The provider of this name (one of :data:`NAMES`)."""
    if name not in NAMES:
        raise ValueError(f"unknown provider {name!r}: one of {', '.join(NAMES)}")
    module = importlib.import_module(f"{__package__}.{name}")
    provider: Provider = module.PROVIDER
    return provider
