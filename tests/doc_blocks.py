"""The shell commands the Markdown shows: every fenced ``sh`` block of the README, of
docs/*.md, of benchmarks/README.md and of any README under examples/, with where it stands.

A command that cannot run on a test machine as written belongs in a ``text`` block with a
sentence saying why; a ``sh`` block is a promise that it runs (tests/test_doc_commands.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^( *)```(\S*)\s*$")
LONG_RUNNING = re.compile(r"^(?:\.venv/bin/)?openai-connector (serve|worker)\b")
"""Commands that run until stopped: started in the background, checked, stopped."""


@dataclass(frozen=True)
class Block:
    doc: str
    """The file, relative to the repository."""
    line: int
    """The line of the block's first command in that file (1-based)."""
    lines: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"

    def command_at(self, index: int) -> str:
        """The whole command (continuation lines joined) that line ``index`` belongs to."""
        start = index
        while start > 0 and self.lines[start - 1].rstrip().endswith("\\"):
            start -= 1
        end = index
        while end < len(self.lines) - 1 and self.lines[end].rstrip().endswith("\\"):
            end += 1
        return "\n".join(self.lines[start : end + 1])


def doc_files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    files += [ROOT / "benchmarks" / "README.md", *sorted((ROOT / "examples").rglob("README.md"))]
    return [path for path in files if path.is_file()]


def blocks_of(path: Path, language: str = "sh") -> list[Block]:
    found: list[Block] = []
    indent: int | None = None
    body: list[str] = []
    start = 0
    for number, line in enumerate(path.read_text().splitlines(), 1):
        fence = FENCE.match(line)
        if indent is None:
            if fence and fence.group(2) == language:
                indent, body, start = len(fence.group(1)), [], number + 1
        elif fence and not fence.group(2):
            doc = path.relative_to(ROOT).as_posix()
            found.append(Block(doc, start, tuple(body)))
            indent = None
        else:
            body.append(line[indent:] if line[:indent].strip() == "" else line)
    return found


def languages_of(path: Path) -> set[str]:
    return {m.group(2) for line in path.read_text().splitlines() if (m := FENCE.match(line))}
