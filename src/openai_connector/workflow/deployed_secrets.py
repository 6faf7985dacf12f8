"""Which secrets a Zeebe job may have resolved: those its deployed BPMN names in that field.

On Camunda 8 the broker evaluates a task's ``zeebe:input`` mappings, so a worker receives
their results and cannot tell a ``{{secrets.NAME}}`` written in the BPMN file (a template's
field) from one that came in a process variable. Like Camunda's own secret filter, a
reference in a job variable is resolved only when the deployed BPMN writes that same secret
in the input mapping of that same field (target) of that element: the worker reads the BPMN
files it is given (``--bpmn``) for that. Any other reference stays and is refused before the
call (:func:`~.io_mapping.refuse_secret_references`), as on the embedded engine.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from ..errors import ConfigError
from ..secrets import SECRET_REFERENCE, Redactor, SecretStore
from .definition import ZEEBE_NS

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FieldSecrets = dict[str, frozenset[str]]
"""Input mapping target (``authentication.token``) -> the secret names its source writes."""


class DeployedFields:
    """The secret names each field of each element references, per BPMN process id."""

    __slots__ = ("_fields",)

    def __init__(self, fields: Mapping[tuple[str, str], FieldSecrets] | None = None) -> None:
        self._fields = dict(fields or {})

    @classmethod
    def read(cls, paths: Iterable[str | Path]) -> DeployedFields:
        """From BPMN files (a folder stands for its ``*.bpmn`` files)."""
        fields: dict[tuple[str, str], FieldSecrets] = {}
        for path in _bpmn_files(paths):
            fields.update(fields_of(_read(path), str(path)))
        return cls(fields)

    def __len__(self) -> int:
        return len(self._fields)

    def of(self, process_id: str, element_id: str) -> FieldSecrets:
        return self._fields.get((process_id, element_id), {})


def _bpmn_files(paths: Iterable[str | Path]) -> list[Path]:
    found: list[Path] = []
    for given in paths:
        path = Path(given).expanduser()
        found.extend(sorted(path.glob("*.bpmn")) if path.is_dir() else [path])
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"BPMN file {path} cannot be read: {exc}") from None


def fields_of(text: str, where: str = "BPMN") -> dict[tuple[str, str], FieldSecrets]:
    """``{(process id, element id): {target: secret names}}`` of one BPMN document."""
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 - the operator's own deployed files
    except ElementTree.ParseError as exc:
        raise ConfigError(f"{where} is not BPMN XML: {exc}") from None
    found: dict[tuple[str, str], FieldSecrets] = {}
    for process in root.iter(f"{{{BPMN_NS}}}process"):
        process_id = process.get("id", "")
        for element in process.iter():
            extensions = element.find(f"{{{BPMN_NS}}}extensionElements")
            if extensions is None:
                continue
            secrets: FieldSecrets = {}
            for mapping in extensions.iter(f"{{{ZEEBE_NS}}}input"):
                names = frozenset(SECRET_REFERENCE.findall(mapping.get("source", "")))
                target = mapping.get("target")
                if names and target:
                    secrets[target] = secrets.get(target, frozenset()) | names
            if secrets:
                found[(process_id, element.get("id", ""))] = secrets
    return found


def resolve_field_secrets(
    variables: Mapping[str, Any], fields: FieldSecrets, store: SecretStore, redactor: Redactor
) -> dict[str, Any]:
    """A copy of ``variables`` where each field in ``fields`` has the secrets its BPMN source
    names resolved (each value registered with ``redactor``); other references are kept."""
    resolved = dict(variables)
    for target, names in fields.items():
        top, _, rest = target.partition(".")
        if top not in resolved:
            continue
        value = resolved[top] = copy.deepcopy(resolved[top])
        if not rest:
            resolved[top] = _substitute(value, names, store, redactor)
            continue
        *parents, last = rest.split(".")
        node = value
        for name in parents:
            node = node.get(name) if isinstance(node, dict) else None
        if isinstance(node, dict) and last in node:
            node[last] = _substitute(node[last], names, store, redactor)
    return resolved


def _substitute(value: Any, names: frozenset[str], store: SecretStore, redactor: Redactor) -> Any:
    if isinstance(value, str):
        if "{{" not in value:
            return value

        def replace(match: Any) -> str:
            if match.group(1) not in names:
                return str(match.group(0))
            secret = store.lookup(match.group(1))
            redactor.add(secret)
            return secret

        return SECRET_REFERENCE.sub(replace, value)
    if isinstance(value, dict):
        return {k: _substitute(v, names, store, redactor) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, names, store, redactor) for v in value]
    return value
