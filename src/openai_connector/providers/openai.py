"""OpenAI (api.openai.com): the API every operation's declared path and body follow."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from ..errors import UnsupportedOperation
from .base import Provider

if TYPE_CHECKING:
    from ..connection import Connection

AZURE_ONLY: dict[str, tuple[str, str]] = {
    # feature: (why it is refused, hint)
    "data_sources": (
        "chat on your own data is an Azure OpenAI feature",
        "use an azure connection, or leave data_sources out",
    ),
}


class OpenAI(Provider):
    name: ClassVar[str] = "openai"

    def require(self, feature: str, field: str, connection: Connection) -> None:
        del connection
        refused = AZURE_ONLY.get(feature)
        if refused is not None:
            raise UnsupportedOperation(f"{field}: {refused[0]}", hint=refused[1])


PROVIDER = OpenAI()
