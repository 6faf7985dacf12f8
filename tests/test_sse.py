"""Server-sent events decoding, however the bytes are split on the way."""

from __future__ import annotations

import pytest

from openai_connector.transport.sse import SseDecoder, SseEvent

STREAM = (
    b": keep-alive comment\r\n"
    b"\r\n"
    b"event: response.created\r\n"
    b'data: {"a": 1}\r\n'
    b"\r\n"
    b"data: first line\r\n"
    b"data: second line\r\n"
    b"id: 7\r\n"
    b"retry: 1000\r\n"
    b"\r\n"
    b"data:no space\r\n"
    b"data:  two spaces\r\n"
    b"\r\n"
    b"data: caf\xc3\xa9 \xe2\x9c\x93\r\n"
    b"\r\n"
    b"data: [DONE]\r\n"
    b"\r\n"
)
EXPECTED = [
    SseEvent('{"a": 1}', "response.created"),
    SseEvent("first line\nsecond line"),
    SseEvent("no space\n two spaces"),
    SseEvent("café ✓"),
    SseEvent("[DONE]"),
]


def decode(pieces: list[bytes]) -> list[SseEvent]:
    decoder = SseDecoder()
    events: list[SseEvent] = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    events.extend(decoder.flush())
    return events


def test_whole_stream_at_once() -> None:
    assert decode([STREAM]) == EXPECTED


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_every_line_ending(newline: bytes) -> None:
    assert decode([STREAM.replace(b"\r\n", newline)]) == EXPECTED


def test_split_at_every_single_position() -> None:
    for cut in range(1, len(STREAM)):
        assert decode([STREAM[:cut], STREAM[cut:]]) == EXPECTED, cut


def test_split_at_every_pair_of_positions_with_bare_cr_line_ends() -> None:
    stream = STREAM.replace(b"\r\n", b"\r")
    for first in range(1, len(stream), 7):
        for second in range(first + 1, len(stream)):
            pieces = [stream[:first], stream[first:second], stream[second:]]
            assert decode(pieces) == EXPECTED, (first, second)


def test_one_byte_at_a_time() -> None:
    assert decode([STREAM[i : i + 1] for i in range(len(STREAM))]) == EXPECTED


def test_split_between_cr_and_lf_does_not_make_an_empty_line() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b"data: one\r") == []
    assert decoder.feed(b"\ndata: two\r") == []
    # a trailing CR may be the first half of CRLF: the event is out once that is known
    events = decoder.feed(b"\n\r") + decoder.feed(b"\n")
    assert events == [SseEvent("one\ntwo")]
    assert decoder.flush() == []


def test_utf8_split_inside_a_character() -> None:
    data = "data: 日本語\n\n".encode()
    for cut in range(1, len(data)):
        assert decode([data[:cut], data[cut:]]) == [SseEvent("日本語")]


def test_comments_and_unknown_fields_are_ignored() -> None:
    assert decode([b": ping\n\n: another\nfoo: bar\n\n"]) == []


def test_event_name_applies_to_its_event_only() -> None:
    events = decode([b"event: error\ndata: x\n\ndata: y\n\n"])
    assert events == [SseEvent("x", "error"), SseEvent("y", None)]


def test_event_without_data_is_not_dispatched() -> None:
    assert decode([b"event: lonely\n\ndata: z\n\n"]) == [SseEvent("z")]


def test_empty_data_line_is_an_event_with_empty_data() -> None:
    assert decode([b"data:\n\n"]) == [SseEvent("")]
    assert decode([b"data\n\n"]) == []  # a field name without colon is not data: ignored


def test_flush_dispatches_what_the_stream_ended_with() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b"data: tail") == []
    assert decoder.flush() == [SseEvent("tail")]
    assert decoder.flush() == []
    decoder = SseDecoder()
    assert decoder.feed(b"data: a\ndata: b\n") == []
    assert decoder.flush() == [SseEvent("a\nb")]


def test_flush_of_a_clean_stream_gives_nothing() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b"data: a\n\n") == [SseEvent("a")]
    assert decoder.flush() == []


def test_many_events_in_one_chunk_and_one_event_over_many_chunks() -> None:
    chunk = b"".join(f"data: {n}\n\n".encode() for n in range(100))
    assert [e.data for e in decode([chunk])] == [str(n) for n in range(100)]
    big = "x" * 100_000
    data = f"data: {big}\n\n".encode()
    pieces = [data[i : i + 4096] for i in range(0, len(data), 4096)]
    assert decode(pieces) == [SseEvent(big)]


# ---------------------------------------------------------------- what servers get wrong


def test_a_byte_order_mark_before_the_first_event_is_skipped() -> None:
    stream = b"\xef\xbb\xbf" + STREAM
    assert decode([stream]) == EXPECTED
    for cut in range(1, 5):  # however the mark is split
        assert decode([stream[:cut], stream[cut:]]) == EXPECTED, cut
    assert decode([b"\xef", b"\xbb", b"\xbf", STREAM]) == EXPECTED


def test_a_byte_order_mark_later_on_is_data() -> None:
    events = decode([b"data: a\n\ndata: \xef\xbb\xbfb\n\n"])
    assert events == [SseEvent("a"), SseEvent("\ufeffb")]


def test_a_stream_of_only_part_of_a_byte_order_mark_gives_nothing() -> None:
    assert decode([b"\xef\xbb"]) == []


def test_a_line_without_end_is_refused_once_too_long(monkeypatch: pytest.MonkeyPatch) -> None:
    from openai_connector import InvalidResponse
    from openai_connector.transport import sse

    monkeypatch.setattr(sse, "MAX_EVENT_BYTES", 1000)
    decoder = SseDecoder()
    assert decoder.feed(b"data: " + b"x" * 500) == []
    with pytest.raises(InvalidResponse) as caught:
        for _ in range(10):  # a server that never sends a newline
            decoder.feed(b"x" * 100)
    assert caught.value.code == "invalid_response"
    assert "a line longer than" in caught.value.message


def test_an_event_of_many_short_lines_is_refused_once_too_long(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from openai_connector import InvalidResponse
    from openai_connector.transport import sse

    monkeypatch.setattr(sse, "MAX_EVENT_BYTES", 1000)
    with pytest.raises(InvalidResponse) as caught:
        decode([b"data: " + b"x" * 90 + b"\n"] * 20)
    assert "an event longer than" in caught.value.message


def test_an_event_just_within_the_bound_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from openai_connector.transport import sse

    monkeypatch.setattr(sse, "MAX_EVENT_BYTES", 1000)
    pieces = [b"data: ", *[b"y" * 99] * 10, b"\n\n"]  # 990 bytes of data, in pieces
    assert decode(pieces) == [SseEvent("y" * 990)]


def test_the_bound_is_generous() -> None:
    from openai_connector.transport.sse import MAX_EVENT_BYTES

    big = b"z" * (4 * 1024 * 1024)  # a 4 MiB event (a whole image in base64, say) is fine
    assert MAX_EVENT_BYTES >= 16 * 1024 * 1024
    assert decode([b"data: ", big[:100000], big[100000:], b"\n\n"]) == [SseEvent(big.decode())]


def test_the_usual_shape_reads_like_any_other_however_it_is_split() -> None:
    """One data line per event (read whole) mixed with events that are not: named ones,
    several lines, no space after the colon, empty data, extra blank lines, a comment."""
    stream = (
        b'data: {"n": 1}\n\n'
        b"data: two\n\n"
        b"event: named\ndata: three\n\n"
        b"data:four\n\n"
        b"data: five a\ndata: five b\n\n"
        b"\n\n"
        b": comment\n\n"
        b"data:\n\n"
        b"data: seven\n\n"
        b"data: [DONE]\n\n"
    )
    expected = [
        SseEvent('{"n": 1}'),
        SseEvent("two"),
        SseEvent("three", "named"),
        SseEvent("four"),
        SseEvent("five a\nfive b"),
        SseEvent(""),
        SseEvent("seven"),
        SseEvent("[DONE]"),
    ]
    assert decode([stream]) == expected
    for cut in range(1, len(stream)):
        assert decode([stream[:cut], stream[cut:]]) == expected, cut
    for first in range(1, len(stream), 7):
        for second in range(first + 1, len(stream), 5):
            pieces = [stream[:first], stream[first:second], stream[second:]]
            assert decode(pieces) == expected, (first, second)
