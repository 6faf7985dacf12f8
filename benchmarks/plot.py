"""Draw docs/benchmarks.svg from the overhead table in docs/benchmarks.md.

Each per-call section of the table becomes a group of bars: how many times the cost of
openai-connector each contender's cost is (the median's time per call or per event; for
throughput, the inverse), on a log scale, so "1x" is openai-connector and longer bars are
slower. The first-call section (fresh processes) is left out.

usage: python benchmarks/plot.py [docs/benchmarks.md] [docs/benchmarks.svg]
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

SECTION = re.compile(
    r"^(?P<title>[A-Z0-9][^()]*?) \((?P<unit>[^,]+), (?P<better>lower|higher) is better\)$"
)
ROW = re.compile(r"^  (?P<name>\S.*?)\s{2,}(?P<value>[\d,.]+)\s+(?P<ratio>[\d.]+)x")
NOT_PER_CALL = ("Start-up", "A user's first call")
WIDTH, LEFT, BAR, GAP = 860, 330, 16, 6
LOW, HIGH = 0.5, 100.0


def parse(text: str) -> list[tuple[str, list[tuple[str, float]]]]:
    """Sections of (title, [(contender, cost relative to openai-connector)])."""
    results = text.split("### Results", 1)[-1]  # the overhead run under its Results heading
    block = results.split("```text", 1)[1].split("```", 1)[0]
    sections: list[tuple[str, list[tuple[str, float]]]] = []
    better = "lower"
    for line in block.splitlines():
        head = SECTION.match(line.strip())
        if head and not line.startswith(NOT_PER_CALL):
            better = head["better"]
            sections.append((f"{head['title']} ({head['unit']})", []))
            continue
        if line.startswith(NOT_PER_CALL):
            sections.append(("", []))  # start-up is not a per-call cost: left out
            continue
        row = ROW.match(line)
        if row and sections and sections[-1][0]:
            value = float(row["value"].replace(",", ""))
            name = re.sub(r"\s+\(\d[\d,]* calls per batch\)$", "", row["name"])
            sections[-1][1].append((name, value if better == "lower" else 1 / value))
    return [(title, _relative(bars)) for title, bars in sections if title and bars]


def _relative(bars: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Costs divided by openai-connector's (from the printed values, not the rounded ratios)."""
    ours = next(cost for name, cost in bars if name.startswith("openai-connector"))
    return [(name, cost / ours) for name, cost in bars]


def x_of(value: float) -> float:
    span = math.log10(HIGH) - math.log10(LOW)
    clipped = min(max(value, LOW), HIGH)
    return LEFT + (math.log10(clipped) - math.log10(LOW)) / span * (WIDTH - LEFT - 60)


def render(sections: list[tuple[str, list[tuple[str, float]]]]) -> str:
    rows = sum(len(bars) for _, bars in sections)
    height = 70 + len(sections) * 34 + rows * (BAR + GAP) + 30
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        '<text x="10" y="22" font-size="15" font-weight="bold">Cost relative to '
        "openai-connector (log scale; 1x = openai-connector, longer = slower)</text>",
    ]
    y = 50
    for title, bars in sections:
        out.append(f'<text x="10" y="{y + 12}" font-weight="bold">{escape(title)}</text>')
        y += 22
        for name, value in bars:
            ours = name.startswith("openai-connector")
            colour = "#2b7bb9" if ours else ("#6a9f4f" if name.startswith("raw") else "#bbbbbb")
            out.append(f'<text x="{LEFT - 8}" y="{y + 12}" text-anchor="end">{escape(name)}</text>')
            out.append(
                f'<rect x="{LEFT}" y="{y}" width="{x_of(value) - LEFT:.1f}" height="{BAR}" '
                f'fill="{colour}"/>'
            )
            out.append(f'<text x="{x_of(value) + 4:.1f}" y="{y + 12}">{value:.2f}x</text>')
            y += BAR + GAP
        y += 12
    for tick in (0.5, 1, 2, 5, 10, 20, 50, 100):
        x = x_of(tick)
        out.append(f'<line x1="{x:.1f}" y1="44" x2="{x:.1f}" y2="{y}" stroke="#dddddd"/>')
        out.append(f'<text x="{x:.1f}" y="{y + 14}" text-anchor="middle">{tick:g}x</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    source = Path(argv[1] if len(argv) > 1 else "docs/benchmarks.md")
    target = Path(argv[2] if len(argv) > 2 else "docs/benchmarks.svg")
    sections = parse(source.read_text(encoding="utf-8"))
    if not sections:
        print(f"no overhead table found in {source}", file=sys.stderr)
        return 1
    target.write_text(render(sections), encoding="utf-8")
    print(f"wrote {target}: {sum(len(b) for _, b in sections)} bars in {len(sections)} groups")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
