"""``chat.summarize``: text in, summary out, however long the text (map-reduce).

A text that fits in one call (``max_chunk_tokens``, capped by what the model's context
leaves room for) is summarised in one chat call. A longer text is split at paragraph, then
sentence, then word boundaries into chunks that fit; the chunks are summarised
concurrently (at most ``concurrency`` calls at once) and a final call combines their
summaries. If the summaries together are still too long for one call, they are combined in
groups first, as often as needed.

Tokens are counted with tiktoken when it is installed and its encoding is available
(``tokenizer="auto"``), else estimated: about four characters per token for ASCII text,
one token per other character (a safe guess for scripts such as Chinese or Japanese).
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterator
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, field_validator

from ..errors import InvalidInput, InvalidResponse
from ..result import Result
from ..steps import Call, Each, Plan
from ..usage import Usage
from .base import Operation, OperationInput, Runner, local
from .limits import MAX_TOKEN_COUNT, ModelName

DEFAULT_MAX_CHUNK_TOKENS = 8_000
UNKNOWN_CONTEXT_TOKENS = 8_192
"""Context assumed for a model (or Azure deployment name) not in the table below."""
PROMPT_OVERHEAD_TOKENS = 400
"""Room kept for the instructions around a chunk."""

MODEL_CONTEXT_TOKENS: tuple[tuple[str, int], ...] = (
    ("gpt-5", 400_000),
    ("gpt-4.1", 1_047_576),
    ("gpt-4o", 128_000),
    ("gpt-4-turbo", 128_000),
    ("gpt-4-32k", 32_768),
    ("gpt-4", 8_192),
    ("gpt-3.5-turbo-instruct", 4_096),
    ("gpt-3.5-turbo", 16_385),
    ("o1-mini", 128_000),
    ("o1", 200_000),
    ("o3", 200_000),
    ("o4-mini", 200_000),
)
"""Context windows (input plus output tokens) by model name prefix; the longest match wins."""

LENGTH_WORDS = {"short": 60, "medium": 150, "long": 400}
PART_SUMMARY_WORDS = 200
"""At least this many words for the summary of one chunk, so details survive to the end."""

SYSTEM = (
    "You write accurate summaries. Use only what the text says; keep names, figures and "
    "dates that matter; do not add opinions or an introduction."
)

Counter = Callable[[str], int]


class SummarizeInput(OperationInput):
    text: str = Field(description="The text to summarise; any length")
    length: Literal["short", "medium", "long"] | Annotated[int, Field(ge=10, le=5_000)] = Field(
        "medium",
        description="short (about 60 words), medium (150), long (400), or a word count",
    )
    style: Literal["paragraph", "bullets"] = Field("paragraph", description="Prose or a list")
    language: str | None = Field(
        None, description="Language of the summary (e.g. French); default: the text's"
    )
    model: ModelName | None = Field(
        None,
        description="Model, or on Azure the deployment name; default: the connection's",
        validation_alias=AliasChoices("model", "deployment"),
    )
    max_chunk_tokens: int | None = local(
        None,
        f"Largest piece of text per call, in tokens (default {DEFAULT_MAX_CHUNK_TOKENS}, "
        "capped by the model's context)",
        ge=100,
        le=MAX_TOKEN_COUNT,
    )
    concurrency: int = local(4, "How many chunks are summarised at once", ge=1, le=64)
    tokenizer: Literal["auto", "tiktoken", "estimate"] = local(
        "auto", "How tokens are counted: tiktoken if available (auto), tiktoken, or estimate"
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("give the text to summarise")
        return value

    @field_validator("length")
    @classmethod
    def _word_target(cls, value: str | int) -> str | int:
        if isinstance(value, int) and not 10 <= value <= 5_000:
            raise ValueError("a word count must be between 10 and 5000")
        return value


# --------------------------------------------------------------------------- tokens


def estimate_tokens(text: str) -> int:
    """About 4 ASCII characters per token, and one token for any other character."""
    ascii_chars = len(text.encode("ascii", "ignore"))
    return math.ceil(ascii_chars / 4) + (len(text) - ascii_chars)


@cache
def _tiktoken_counter(model: str) -> Counter | None:
    try:
        import tiktoken
    except ImportError:
        return None
    try:
        try:
            encoding = tiktoken.encoding_for_model(model)
        except KeyError:
            encoding = tiktoken.get_encoding("o200k_base")
    except Exception:  # the encoding could not be loaded (e.g. offline)
        return None
    return lambda text: len(encoding.encode(text, disallowed_special=()))


def token_counter(choice: str, model: str) -> Counter:
    if choice == "estimate":
        return estimate_tokens
    counter = _tiktoken_counter(model)
    if counter is None:
        if choice == "tiktoken":
            raise InvalidInput(
                "chat.summarize: tokenizer: tiktoken is not installed or cannot load its encoding",
                field="tokenizer",
                hint="pip install tiktoken (it downloads its encoding once), or use estimate",
            )
        return estimate_tokens
    return counter


def context_tokens(model: str) -> int:
    matches = [
        (len(prefix), size) for prefix, size in MODEL_CONTEXT_TOKENS if model.startswith(prefix)
    ]
    return max(matches)[1] if matches else UNKNOWN_CONTEXT_TOKENS


def chunk_budget(model: str, wanted: int | None, answer_words: int) -> int:
    """Tokens of text per call: the wish (or default), within the model's context."""
    room = context_tokens(model) - PROMPT_OVERHEAD_TOKENS - 2 * answer_words
    return max(100, min(wanted or DEFAULT_MAX_CHUNK_TOKENS, room))


# -------------------------------------------------------------------------- splitting

_PARAGRAPHS = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+")


def _pieces(text: str, limit: int, count: Counter) -> Iterator[tuple[str, int, str]]:
    """(piece, tokens, separator before it) with every piece within ``limit``."""
    for block in _PARAGRAPHS.split(text):
        paragraph = block.strip()
        if not paragraph:
            continue
        size = count(paragraph)
        if size <= limit:
            yield paragraph, size, "\n\n"
            continue
        separator = "\n\n"
        for sentence in _SENTENCE_END.split(paragraph):
            size = count(sentence)
            if size <= limit:
                yield sentence, size, separator
            else:
                yield from _words(sentence, limit, count, separator)
            separator = " "


def _words(
    sentence: str, limit: int, count: Counter, separator: str
) -> Iterator[tuple[str, int, str]]:
    """A sentence too long for one chunk, in runs of words (counted one by one, plus spaces)."""
    current: list[str] = []
    size = 0
    for word in sentence.split():
        rest, tokens = word, count(word)
        while tokens > limit:  # one "word" longer than a chunk (e.g. a data blob)
            cut = max(1, len(rest) * limit // tokens)
            yield rest[:cut], count(rest[:cut]), separator
            rest, separator = rest[cut:], " "
            tokens = count(rest)
        if not rest:
            continue
        if current and size + 1 + tokens > limit:
            yield " ".join(current), size, separator
            current, size, separator = [], 0, " "
        size += tokens + (1 if current else 0)
        current.append(rest)
    if current:
        yield " ".join(current), size, separator


def split_text(text: str, limit: int, count: Counter) -> list[str]:
    """Chunks of at most ``limit`` tokens (as counted), cut at the best boundary available."""
    if len(text.encode()) <= limit:  # no tokenizer gives more tokens than bytes
        return [text.strip()]
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for piece, tokens, separator in _pieces(text, limit, count):
        if current and size + 1 + tokens > limit:
            chunks.append("".join(current).strip())
            current, size = [], 0
        current.append((separator if current else "") + piece)
        size += tokens + (1 if size else 0)
    if current:
        chunks.append("".join(current).strip())
    return chunks


# -------------------------------------------------------------------------- prompting


def _shape(words: int, data: SummarizeInput) -> str:
    shape = f"in about {words} words"
    if data.style == "bullets":
        shape += ", as a bulleted list (one '- ' line per point)"
    if data.language:
        shape += f", written in {data.language}"
    return shape


def one_text_prompt(text: str, words: int, data: SummarizeInput) -> str:
    return f"Summarize the following text {_shape(words, data)}.\n\nText:\n{text}"


def part_prompt(text: str, number: int, total: int, words: int) -> str:
    return (
        f"This is part {number} of {total} of a longer text. Summarize this part in at most "
        f"{words} words, as prose.\n\nPart {number}:\n{text}"
    )


def combine_prompt(summaries: list[str], words: int, data: SummarizeInput | None) -> str:
    parts = "\n\n".join(f"Part {i}:\n{summary}" for i, summary in enumerate(summaries, 1))
    shape = _shape(words, data) if data is not None else f"in at most {words} words, as prose"
    return (
        "Below are summaries of consecutive parts of one text. Combine them into one summary "
        f"of the whole text {shape}.\n\n{parts}"
    )


# ---------------------------------------------------------------------------- running


class _Calls:
    """Chat calls made for one summary: their count and usage (the sync face makes them
    from several threads at once)."""

    def __init__(self, runner: Runner, model: str) -> None:
        self.runner = runner
        self.model = model
        self.count = 0
        self.usage: Usage | None = None
        self._lock = threading.Lock()

    def ask(self, prompt: str) -> Plan[str]:
        result: Result = yield Call(
            "chat.create", {"model": self.model, "system": SYSTEM, "prompt": prompt}
        )
        with self._lock:
            self.count += 1
            if result.usage is not None:
                self.usage = result.usage if self.usage is None else self.usage + result.usage
        text = result.text
        if not text or not text.strip():
            raise InvalidResponse(
                "chat.summarize: the model answered without text (refusal or empty answer)",
                result=result,
            )
        return text.strip()

    def each(self, prompts: list[str], concurrency: int) -> Plan[list[str]]:
        answers: list[str] = [""] * len(prompts)
        done = 0

        def one(index: int) -> Plan[None]:
            nonlocal done
            answers[index] = yield from self.ask(prompts[index])
            with self._lock:
                done += 1
                event = {"step": "parts", "done": done, "total": len(prompts)}
            self.runner.progress(event)

        yield Each(len(prompts), concurrency, one)
        return answers


def _groups(summaries: list[str], limit: int, count: Counter) -> list[list[str]]:
    """Consecutive summaries packed into groups that fit one call (at least two per group)."""
    groups: list[list[str]] = []
    size = 0
    for summary in summaries:
        tokens = count(summary)
        if groups and (size + tokens <= limit or len(groups[-1]) < 2):
            groups[-1].append(summary)
            size += tokens
        else:
            groups.append([summary])
            size = tokens
    if len(groups) > 1 and len(groups[-1]) == 1:
        groups[-2].extend(groups.pop())
    return groups


def run_summarize(runner: Runner, data: SummarizeInput) -> Plan[Result]:
    model = runner.context.model(data.model)
    words = data.length if isinstance(data.length, int) else LENGTH_WORDS[data.length]
    part_words = max(words, PART_SUMMARY_WORDS)
    limit = chunk_budget(model, data.max_chunk_tokens, part_words)
    count = token_counter(data.tokenizer, model)
    chunks = split_text(data.text, limit, count)
    calls = _Calls(runner, model)
    if len(chunks) == 1:
        summary = yield from calls.ask(one_text_prompt(chunks[0], words, data))
    else:
        total = len(chunks)
        prompts = [part_prompt(c, i, total, part_words) for i, c in enumerate(chunks, 1)]
        summaries = yield from calls.each(prompts, data.concurrency)
        while count("\n\n".join(summaries)) > limit and len(summaries) > 2:
            groups = _groups(summaries, limit, count)
            prompts = [combine_prompt(group, part_words, None) for group in groups]
            summaries = yield from calls.each(prompts, data.concurrency)
        summary = yield from calls.ask(combine_prompt(summaries, words, data))
    body: dict[str, Any] = {
        "summary": summary,
        "chunks": len(chunks),
        "calls": calls.count,
        "model": model,
        "usage": calls.usage.to_dict() if calls.usage else None,
        "output_text": summary,
    }
    return Result(200, {}, body, usage=calls.usage)


CHAT_SUMMARIZE = Operation(
    id="chat.summarize",
    summary="Summarize text of any length (split, summarised in parts, combined)",
    input=SummarizeInput,
    keywords=("summarize", "summarise", "summary", "shorten", "digest", "abstract", "text"),
    runner=run_summarize,
    docs="Long texts are split to fit the model's context; the parts are summarised "
    "concurrently and combined by a final call. body.output_text repeats the summary so "
    "that Result.text returns it.",
)

OPERATIONS = (CHAT_SUMMARIZE,)
