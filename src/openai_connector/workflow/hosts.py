"""Which hosts process tasks may reach, and where a host map sends them.

Process variables are user data, so a task's connection cannot point anywhere it likes: the
API key written in the BPMN file would go with it. Tasks reach OpenAI (``api.openai.com``),
Azure OpenAI (``*.openai.azure.com``) and the hosts the engine's configuration allows; a host
map (``api.openai.com=http://127.0.0.1:8080``) sends a host's calls to another origin (tests,
air-gapped mirrors), the path kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..constants import AZURE_ENDPOINT_TEMPLATE, OPENAI_BASE_URL
from ..errors import ConfigError

OPENAI_HOST = "api.openai.com"
AZURE_SUFFIX = ".openai.azure.com"


class HostRefused(ConfigError):
    """A task's URL or connection whose host is neither OpenAI, Azure OpenAI nor allowed."""

    code = "host_refused"


@dataclass(frozen=True, slots=True)
class HostPolicy:
    host_map: Mapping[str, str] = field(default_factory=dict)
    allowed_hosts: frozenset[str] = frozenset()

    def known(self, host: str) -> bool:
        return host == OPENAI_HOST or host.endswith(AZURE_SUFFIX) or host in self.allowed_hosts

    def refuse(self, host: str, element: str) -> HostRefused:
        return HostRefused(
            f"element {element!r}: calls to {host!r} are refused: only OpenAI "
            f"({OPENAI_HOST}) and Azure OpenAI (*{AZURE_SUFFIX}) are reached from processes",
            hint="allow other hosts in the engine's configuration (allowed_hosts, --allow-host)",
        )

    def origin(self, url: str, element: str) -> str:
        """``scheme://host[:port]`` of ``url``, or the host map's replacement for its host.

        OpenAI and Azure OpenAI are reached over https only (the key would travel in the
        clear); an allowed host or a mapped one goes where the configuration says.
        """
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        mapped = self.host_map.get(host)
        if mapped:
            return mapped.rstrip("/")
        if parts.scheme != "https" and host not in self.allowed_hosts:
            raise HostRefused(
                f"element {element!r}: {parts.scheme}://{host} is refused: OpenAI and Azure "
                "OpenAI are reached over https only (the key would travel in the clear)",
                hint="write the URL with https://",
            )
        return f"{parts.scheme}://{parts.netloc}"

    def route(self, settings: dict[str, Any], element: str) -> dict[str, Any]:
        """Connection settings checked against the policy, with the host map applied."""
        routed = dict(settings)
        if routed.get("provider") == "azure":
            key = "endpoint"
            url = routed.get("endpoint") or AZURE_ENDPOINT_TEMPLATE.format(
                resource=routed.get("resource_name", "")
            )
            routed.pop("resource_name", None)
        else:
            key = "base_url"
            url = routed.get("base_url") or OPENAI_BASE_URL
        parts = urlsplit(str(url))
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not self.known(host):
            raise self.refuse(host or str(url), element)
        routed[key] = self.origin(str(url), element) + parts.path.rstrip("/")
        return routed
