"""One element-template property per field of an operation's input model.

The field's JSON schema (pydantic's) decides the property's shape:

- a choice of strings (``Literal``) -> ``Dropdown``; an optional one gets an empty choice
  (the provider's default), a required one without default an empty choice and ``notEmpty``;
- ``bool`` with a default, or required -> ``Boolean``; an optional ``bool`` without default
  -> ``Dropdown`` of default/true/false (a checkbox cannot say "not given");
- ``int`` / ``float`` -> ``Number`` (FEEL optional); the range goes into the description;
- text -> ``String`` or ``Text`` (FEEL optional); limits become ``constraints``;
- a structure (object, list of objects) -> ``Text`` with FEEL required (a context or list);
- text or a structure (``str | list[...]``) -> ``Text``, FEEL optional;
- a file (``str | bytes``) -> ``Text``, FEEL required: an expression giving a ``data:`` URL;
- a path files are written to -> ``String`` shown only when files go to the workspace (as is
  ``overwrite``).
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic.fields import FieldInfo

from .template_bindings import (
    FILE_OUTPUT_VARIABLE,
    FILE_OUTPUT_WORKSPACE,
    OUTPUT_PATH_FIELDS,
    WORKSPACE_OPTION_FIELDS,
)

Property = dict[str, Any]
INPUT_GROUP = "input"
FILES_GROUP = "files"
PROSE_FIELDS = frozenset({"prompt", "system", "input", "instructions", "instruction", "text"})
FEEL_ESCAPE = "^="
"""A value starting with ``=`` is a FEEL expression: patterns let it through."""
RELATIVE_PATH = r"^=|^(?![/\\])(?![A-Za-z]:)(?!.*(^|[/\\])\.\.([/\\]|$))"
DEFAULT_CHOICE = {"name": "(provider default)", "value": ""}
CHOOSE_CHOICE = {"name": "(choose one)", "value": ""}
FILE_NOTE = (
    "A FEEL expression giving the file as a data: URL (data:TYPE;base64,CONTENT), e.g. a "
    "document variable. Paths on the engine's host are not read."
)
TEXT_OR_STRUCTURE_NOTE = "Text, or a FEEL expression giving a context or list."
STRUCTURE_NOTE = "A FEEL expression giving a context or list, e.g. ={key: value}."


def label_of(name: str) -> str:
    """``max_tokens`` -> ``Max tokens``."""
    return name.replace("_", " ").capitalize()


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a field's JSON schema."""
    found = schema.get("anyOf") or schema.get("oneOf") or [schema]
    return [b for b in found if b.get("type") != "null"]


def _mentions_bytes(annotation: Any) -> bool:
    if annotation is bytes:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, list, typing.Annotated):
        return any(_mentions_bytes(arg) for arg in typing.get_args(annotation))
    return False


def _is_structure(branch: dict[str, Any]) -> bool:
    return "$ref" in branch or branch.get("type") in ("object", "array", None)


def _range_note(branch: dict[str, Any]) -> str:
    words = []
    if "minimum" in branch:
        words.append(f"at least {branch['minimum']}")
    if "exclusiveMinimum" in branch:
        words.append(f"more than {branch['exclusiveMinimum']}")
    if "maximum" in branch:
        words.append(f"at most {branch['maximum']}")
    if "exclusiveMaximum" in branch:
        words.append(f"less than {branch['exclusiveMaximum']}")
    return f"{', '.join(words)}.".capitalize() if words else ""


def _text_constraints(branch: dict[str, Any], label: str) -> dict[str, Any]:
    """maxLength as is; a pattern or a minimum length > 1 as a pattern FEEL gets through."""
    constraints: dict[str, Any] = {}
    if "maxLength" in branch:
        constraints["maxLength"] = branch["maxLength"]
    minimum = branch.get("minLength", 0)
    pattern = branch.get("pattern")
    if pattern is None and minimum <= 1:
        return constraints
    parts = f"(?=[\\s\\S]{{{minimum},}}$)" if minimum > 1 else ""
    if pattern is not None:
        parts += f"(?:{pattern})"
    rule = f"match {pattern}" if pattern else f"be at least {minimum} characters long"
    constraints["pattern"] = {
        "value": f"{FEEL_ESCAPE}|^{parts}",
        "message": f"{label} must {rule} (or be a FEEL expression)",
    }
    return constraints


def _sentence(text: str) -> str:
    """The text ending in a full stop (so a note can follow it)."""
    if not text or text.endswith((".", "!", "?")):
        return text
    return text + "."


def _default(info: FieldInfo) -> Any:
    value = info.default if not info.is_required() else None
    return value if isinstance(value, str | int | float | bool) else None


def _dropdown(choices: list[str], required: bool, default: Any) -> Property:
    items = [{"name": str(c), "value": str(c)} for c in choices]
    if default is not None:
        return {"type": "Dropdown", "value": str(default), "choices": items}
    empty = CHOOSE_CHOICE if required else DEFAULT_CHOICE
    return {"type": "Dropdown", "value": "", "choices": [empty, *items]}


def _shape(name: str, info: FieldInfo, schema: dict[str, Any]) -> Property:
    """Type, FEEL, choices, default value and constraints of one field's property."""
    branches = _branches(schema)
    required = info.is_required()
    default = _default(info)
    label = label_of(name)
    only = branches[0] if len(branches) == 1 else {}
    if _mentions_bytes(info.annotation):
        return {"type": "Text", "feel": "required", "note": FILE_NOTE}
    if "enum" in only and all(isinstance(v, str) for v in only["enum"]):
        return _dropdown(list(only["enum"]), required, default)
    if only.get("type") == "boolean":
        if default is None and not required:
            return _dropdown(["true", "false"], False, None)
        shape: Property = {"type": "Boolean", "feel": "optional"}
        return shape | ({"value": bool(default)} if default is not None else {})
    if only.get("type") in ("integer", "number"):
        shape = {"type": "Number", "feel": "optional", "note": _range_note(only)}
        return shape | ({"value": default} if default is not None else {})
    if only.get("type") == "string" and "enum" not in only:
        prose = name in PROSE_FIELDS or only.get("maxLength", 0) > 1000
        shape = {"type": "Text" if prose else "String", "feel": "optional"}
        shape["constraints"] = _text_constraints(only, label)
        return shape | ({"value": default} if isinstance(default, str) else {})
    if any(_is_structure(b) for b in branches):
        if any(b.get("type") == "string" for b in branches):
            return {"type": "Text", "feel": "optional", "note": TEXT_OR_STRUCTURE_NOTE}
        return {"type": "Text", "feel": "required", "note": STRUCTURE_NOTE}
    choices = [v for b in branches for v in b.get("enum", [])]
    note = f"One of {', '.join(map(str, choices))}, or a number." if choices else ""
    shape = {"type": "String", "feel": "optional", "note": note}
    return shape | ({"value": str(default)} if default is not None else {})


def field_property(name: str, info: FieldInfo, schema: dict[str, Any]) -> Property:
    """The property for one input field, bound to the input variable of the same name."""
    shape = _shape(name, info, schema)
    note = shape.pop("note", "")
    constraints = shape.pop("constraints", {})
    if info.is_required():
        constraints = {"notEmpty": True, **constraints}
    description = _sentence(" ".join((info.description or "").split()))
    description = " ".join(part for part in (description, note) if part)
    prop: Property = {"id": name, "label": label_of(name)}
    if description:
        prop["description"] = description
    prop["group"] = INPUT_GROUP
    prop.update(shape)
    prop["binding"] = {"type": "zeebe:input", "name": name}
    if name in OUTPUT_PATH_FIELDS | WORKSPACE_OPTION_FIELDS:
        prop["group"] = FILES_GROUP
        prop["condition"] = {"property": FILE_OUTPUT_VARIABLE, "equals": FILE_OUTPUT_WORKSPACE}
    if name in OUTPUT_PATH_FIELDS:
        prop["description"] = f"{description} Relative to the engine's workspace.".strip()
        constraints["pattern"] = {
            "value": RELATIVE_PATH,
            "message": f"{label_of(name)} must be a path inside the workspace (no /, .. or C:)",
        }
    if constraints:
        prop["constraints"] = constraints
    return prop


def input_properties(model: type[Any]) -> list[Property]:
    """The properties of every field of an input model, in the model's order."""
    schema = model.model_json_schema().get("properties", {})
    return [
        field_property(name, info, schema.get(name, {}))
        for name, info in model.model_fields.items()
    ]
