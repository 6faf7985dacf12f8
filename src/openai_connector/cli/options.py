"""Command-line options generated from an operation's input model.

Each field ``name`` becomes ``--name`` (underscores as dashes). The field's type decides the
option's shape:

- ``bool`` -> a ``--name/--no-name`` flag;
- ``int``, ``float``, ``str``, a ``Literal`` of strings -> one typed value (choices checked);
- a list of such values (``list[str]``, ``str | list[str]``) -> a repeatable option, or one
  JSON array;
- a mapping, a model or a list of them -> JSON text, or ``@FILE`` holding JSON;
- text or structure (``str | list[...]``) -> JSON when the value is a JSON object or array of
  objects, else the text; ``@FILE`` reads the file.

File fields (``file``, ``image``, ``mask``...) take a path like any text; the input model
reads it. A field whose option name is taken by the command itself (``--params``, the whole
input as JSON) would become ``--name-value``.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import click
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .. import bounded_json

RESERVED = frozenset({"params", "help"})
"""Option names the ``run`` command uses itself."""

Kind = Literal["flag", "value", "choice", "multi", "json", "text_or_json"]
_JSON_START = re.compile(r"^\s*[\[\{]")
_SCALARS = (str, int, float)


def read_text_argument(value: str, option: str) -> str:
    """``@FILE`` -> the file's text; anything else as given."""
    if value.startswith("@") and len(value) > 1:
        path = Path(value[1:]).expanduser()
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(f"cannot read {path}: {exc}", param_hint=option) from None
    return value


def parse_json(text: str, option: str) -> Any:
    try:
        return bounded_json.loads(text)
    except ValueError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}", param_hint=option) from None


def json_or_file(value: str, option: str) -> Any:
    """A JSON value given inline, as ``@FILE``, or as the path of an existing JSON file."""
    if not value.startswith("@") and not _JSON_START.match(value):
        path = Path(value).expanduser()
        if path.is_file():
            value = "@" + value
    return parse_json(read_text_argument(value, option), option)


def _members(annotation: Any) -> list[Any]:
    """The non-None members of a (possibly Optional/Union) annotation."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        found: list[Any] = []
        for arg in typing.get_args(annotation):
            found += _members(arg)
        return found
    if typing.get_origin(annotation) is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    return [] if annotation is type(None) else [annotation]


def _literal_values(member: Any) -> list[Any] | None:
    if typing.get_origin(member) is Literal:
        return list(typing.get_args(member))
    if isinstance(member, type) and issubclass(member, enum.Enum):
        return [item.value for item in member]
    return None


def _is_scalar(member: Any) -> bool:
    """One command-line word: a number, text, a path or a choice (or a union of them)."""
    inner = _members(member)
    if len(inner) > 1:
        return all(_is_scalar(m) for m in inner)
    return member in (*_SCALARS, bytes, Path) or _literal_values(member) is not None


def _is_text(member: Any) -> bool:
    """Given as one string on the command line: text, a path, or a choice of strings."""
    if member in (str, bytes, Path):
        return True
    values = _literal_values(member)
    return values is not None and all(isinstance(v, str) for v in values)


def _list_item(member: Any) -> Any | None:
    if typing.get_origin(member) in (list, tuple, set, frozenset, typing.Sequence):
        args = [a for a in typing.get_args(member) if a is not Ellipsis]
        return args[0] if args else Any
    return None


@dataclass(frozen=True)
class FieldOption:
    """How one input field is given on the command line."""

    field: str
    flag: str
    kind: Kind
    required: bool
    help: str
    click_type: Any = None
    choices: dict[str, Any] | None = None
    allows_text: bool = False
    """A single value may stand for the whole field (``str | list[str]``)."""
    items_json: bool = False
    """Each repeated value may be JSON (a list of text or structures)."""

    @property
    def param(self) -> str:
        return "field__" + self.field

    def option(self) -> click.Option:
        notes = {
            "json": "JSON or @FILE",
            "text_or_json": "text, JSON or @FILE",
            "multi": "repeatable, or a JSON array",
        }
        help_text = self.help
        if self.kind in notes:
            help_text = f"{help_text} [{notes[self.kind]}]".strip()
        if self.required:
            help_text = f"{help_text} [required]".strip()
        if self.kind == "flag":
            return click.Option(
                [f"{self.flag}/--no-{self.flag[2:]}", self.param], default=None, help=help_text
            )
        metavar = {"json": "JSON|@FILE", "text_or_json": "TEXT|JSON|@FILE"}.get(self.kind)
        return click.Option(
            [self.flag, self.param],
            type=self.click_type,
            multiple=self.kind == "multi",
            metavar=metavar,
            help=help_text,
        )

    def convert(self, value: Any) -> Any:
        """The input value for what click parsed; None (or ()) when not given."""
        if value is None or value == ():
            return None
        if self.kind == "choice" and self.choices is not None:
            return self.choices[value]
        if self.kind == "multi":
            values = list(value)
            if len(values) == 1 and isinstance(values[0], str) and _JSON_START.match(values[0]):
                try:
                    return bounded_json.loads(values[0])
                except ValueError:
                    pass
            if len(values) == 1 and self.allows_text:
                return values[0]
            return [_text_or_json(v, self.flag) for v in values] if self.items_json else values
        if self.kind == "json":
            return json_or_file(value, self.flag)
        if self.kind == "text_or_json":
            return _text_or_json(value, self.flag)
        return value


def _text_or_json(value: str, option: str) -> Any:
    """JSON when it reads as a JSON object or array, else the text; ``@FILE`` reads a file."""
    text = value
    if value.startswith("@") and Path(value[1:]).expanduser().is_file():
        text = read_text_argument(value, option)
    if _JSON_START.match(text):
        try:
            return bounded_json.loads(text)
        except ValueError:
            pass
    return text


def _describe(info: FieldInfo) -> str:
    return " ".join((info.description or "").split())


def field_option(name: str, info: FieldInfo) -> FieldOption:
    """The option for one field of an input model."""
    kebab = name.replace("_", "-")
    flag = f"--{kebab}-value" if kebab in RESERVED else f"--{kebab}"
    required = info.is_required()
    text = _describe(info)
    members = _members(info.annotation)
    common: dict[str, Any] = {"field": name, "flag": flag, "required": required}
    if members and all(m is bool for m in members):
        return FieldOption(**common, kind="flag", help=text)
    if len(members) == 1 and _literal_values(members[0]) is not None:
        values = _literal_values(members[0]) or []
        choices = {str(v): v for v in values}
        return FieldOption(
            **common,
            kind="choice",
            help=text,
            click_type=click.Choice(list(choices)),
            choices=choices,
        )
    if len(members) == 1 and members[0] in _SCALARS:
        click_type = {int: click.INT, float: click.FLOAT, str: click.STRING}[members[0]]
        return FieldOption(**common, kind="value", help=text, click_type=click_type)
    if members and set(members) <= {int, float}:
        return FieldOption(**common, kind="value", help=text, click_type=click.FLOAT)
    if members and all(_is_text(m) for m in members):
        return FieldOption(**common, kind="value", help=text, click_type=click.STRING)
    items = [_list_item(m) for m in members]
    lists = [i for i in items if i is not None]
    others = [m for m, i in zip(members, items, strict=True) if i is None]
    allows_text = any(_is_text(m) for m in others)
    if lists and all(_is_text(m) for m in others):
        scalar = all(_is_scalar(i) for i in lists)
        if scalar or all(any(_is_text(m) for m in _members(i)) for i in lists):
            return FieldOption(
                **common, kind="multi", help=text, allows_text=allows_text, items_json=not scalar
            )
    if not allows_text:
        return FieldOption(**common, kind="json", help=text)
    return FieldOption(**common, kind="text_or_json", help=text, allows_text=True)


def options_for(model: type[BaseModel]) -> list[FieldOption]:
    """One option per field of an input model, in declaration order (extra_body,
    extra_headers and extra_query, declared first by the base model, last)."""
    from ..operations.base import EXTRA_FIELDS

    fields = sorted(model.model_fields.items(), key=lambda item: item[0] in EXTRA_FIELDS)
    return [field_option(name, info) for name, info in fields]


def collect(options: list[FieldOption], values: dict[str, Any]) -> dict[str, Any]:
    """The input fields given as options (what click parsed, converted)."""
    given: dict[str, Any] = {}
    for option in options:
        value = option.convert(values.get(option.param))
        if value is not None:
            given[option.field] = value
    return given
