"""The one gate every local path an input names goes through (the trust policy's ``files``).

Operations never turn a path from input into a :class:`~pathlib.Path` themselves: they ask
the :class:`LocalFiles` of their :class:`~.operations.base.Context` (request builders, result
post-processors, composite runners) or of the validation context (field validators).

- ``"host"`` (the library and the CLI): any path; ``~`` is expanded, relative paths are
  relative to the process's working folder.
- ``"none"``: no path at all. Files arrive as bytes or ``data:`` URLs; an output path is
  refused and the content is returned in the result instead (images' base64, a download's
  bytes); where writing is the default (``images.*``' ``output_dir``, ``batches.wait``) nothing
  is written.
- a workspace root: relative paths are relative to the root; an absolute path is accepted
  only when it lies inside the root; a ``..`` part is refused; the path is resolved (symlinks
  followed) and must still lie inside the root, so a link pointing out is refused. Outputs
  default into the root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import ConfigError, InvalidInput

VALIDATION_KEY = "files"
"""The key of the :class:`LocalFiles` in pydantic's validation context."""


class LocalFiles:
    """Turns paths from input into paths this connector may read and write."""

    __slots__ = ("mode", "root")

    def __init__(self, access: Any = "host") -> None:
        self.root: Path | None = None
        if isinstance(access, Path):
            self.mode = "workspace"
            try:
                root = access.expanduser().resolve(strict=True)
            except (OSError, RuntimeError):
                root = None
            if root is None or not root.is_dir():
                raise ConfigError(
                    f"policy.files: the workspace {str(access)!r} is not an existing folder",
                    hint="make the folder first, or give another one",
                )
            self.root = root
        else:
            self.mode = str(access)

    @property
    def writes(self) -> bool:
        """Whether outputs may be written at all (not under ``"none"``)."""
        return self.mode != "none"

    def __repr__(self) -> str:
        return f"LocalFiles({str(self.root) if self.root else self.mode!r})"

    # ------------------------------------------------------------------ checks

    def locate(self, value: str) -> Path:
        """The path ``value`` names, as this policy allows it; ValueError saying why not
        (for field validators; see :meth:`path` for the InvalidInput form)."""
        if self.mode == "host":
            try:
                return Path(value).expanduser()
            except RuntimeError as exc:  # ~unknown-user
                raise ValueError(f"{value!r} is not a usable path: {exc}") from None
        if self.mode == "none":
            raise ValueError(
                "local files are not allowed here: give the content as bytes or a data: URL"
            )
        assert self.root is not None
        if "\x00" in value:
            raise ValueError(f"{value!r} is not a path")
        given = Path(value)
        if ".." in given.parts:
            raise ValueError(f"{value!r}: '..' is not allowed in a workspace path")
        candidate = given if given.is_absolute() else self.root / given
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError) as exc:  # a loop of links
            raise ValueError(f"{value!r} is not a usable path: {exc}") from None
        if not resolved.is_relative_to(self.root):
            raise ValueError(f"{value!r} is outside the workspace (links are followed)")
        return resolved

    def path(self, value: str, field: str) -> Path:
        """:meth:`locate` for code past validation: InvalidInput naming ``field``."""
        try:
            return self.locate(value)
        except ValueError as exc:
            raise InvalidInput(f"{field}: {exc}", field=field) from None

    def output(self, value: str, field: str) -> Path:
        """An output path named in input, absolute; InvalidInput naming ``field`` when the
        policy refuses it (under ``"none"``: every output path)."""
        if self.mode == "none":
            raise InvalidInput(
                f"{field}: writing files is not allowed here",
                field=field,
                hint=f"leave {field} out: the content is returned in the result",
            )
        path = self.path(value, field)
        if self.mode == "host":
            try:
                path = path.resolve()
            except (OSError, RuntimeError) as exc:  # ~unknown-user, a loop of links
                raise InvalidInput(
                    f"{field}: {value!r} is not a usable path: {exc}", field=field
                ) from None
        return path


HOST = LocalFiles("host")


def files_of(context: Any) -> LocalFiles:
    """The LocalFiles in a pydantic validation context (``info.context``); host when none was
    given (an input model made directly, outside a connector)."""
    if isinstance(context, dict):
        files = context.get(VALIDATION_KEY)
        if isinstance(files, LocalFiles):
            return files
    return HOST
