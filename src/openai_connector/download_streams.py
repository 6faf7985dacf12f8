"""Downloads streamed to a file, one function per face (``RequestSpec.download``).

A successful body goes to a hidden partial file piece by piece as it arrives, so a download
of any size takes little memory; once complete the partial file becomes the target. An error
status is read whole and mapped as for any call; a connection lost mid-body is retried (the
partial file starts over). When the file cannot be written, the partial file is removed and
:class:`~.errors.OutputWriteFailed` carries the bytes (what was written read back, plus the
rest of the body), up to :data:`~.operations.downloads.MAX_KEPT_ON_FAILURE`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from .errors import OutputWriteFailed
from .operations.downloads import Download, Kept, PartialFile, write_failed
from .result import RateLimit, Result, request_id_of
from .transport.request import AsyncStream, HttpResponse, SyncStream

if TYPE_CHECKING:
    from .core import Core, Prepared
    from .transport.request import AsyncTransport, SyncTransport
    from .transport.retry import RetryClock


class _Sink:
    """Feeds a body to a partial file; after a write fails, keeps the bytes instead."""

    def __init__(self, target: Download) -> None:
        self.target = target
        self.partial = PartialFile(target.path)
        self.kept: Kept | None = None
        self.failure: OSError | None = None
        try:
            self.partial.open()
        except OSError as exc:
            self.failure, self.kept = exc, Kept(self.partial, b"", 0)

    def feed(self, piece: bytes) -> None:
        if self.kept is not None:
            self.kept.add(piece)
            return
        before = self.partial.written
        try:
            self.partial.write(piece)
        except OSError as exc:
            self.failure, self.kept = exc, Kept(self.partial, piece, before)

    def finish(self) -> None:
        """Move the complete file into place; raise the OSError that stopped it."""
        if self.failure is None:
            try:
                self.partial.finish(overwrite=self.target.overwrite)
                return
            except OSError as exc:
                written = self.partial.written
                self.failure, self.kept = exc, Kept(self.partial, b"", written)
        raise self.failure


def _result(core: Core, stream: AsyncStream | SyncStream, clock: RetryClock, body: Any) -> Result:
    headers = core.redactor.headers(stream.headers)
    return Result(
        stream.status,
        headers,
        body,
        attempts=clock.attempt,
        elapsed=core.clock() - clock.started,
        rate_limit=RateLimit.from_headers(headers),
        request_id=request_id_of(headers),
    )


def _done(
    core: Core, stream: AsyncStream | SyncStream, clock: RetryClock, partial: PartialFile
) -> Result:
    target = str(partial.target)
    result = _result(
        core,
        stream,
        clock,
        {
            "path": target,
            "bytes": partial.written,
            "content_type": stream.headers.get("content-type"),
        },
    )
    result.extra["files"] = [target]
    return result


def _failed(
    core: Core,
    stream: AsyncStream | SyncStream,
    clock: RetryClock,
    partial: PartialFile,
    exc: OSError,
    *,
    kept: Kept | None,
) -> OutputWriteFailed:
    body = kept.content() if kept is not None else None
    error = write_failed(exc, partial, _result(core, stream, clock, body), "the download")
    if body is None:
        error.hint = "the bytes were not kept (too many); free space and download again"
    return error


async def save_async(
    transport: AsyncTransport, core: Core, prepared: Prepared, clock: RetryClock
) -> Result:
    """One attempt of a download on the async face (the retries are the plan's)."""
    spec = prepared.spec
    assert spec is not None and spec.download is not None and prepared.request is not None
    stream = await transport.open_stream(prepared.request)
    try:
        if not 200 <= stream.status < 300:
            content = await stream.read()
            response = HttpResponse(stream.status, stream.headers, content)
            return core.result(prepared, response, clock.attempt, clock.started)
        # the file is opened and written in a thread: the event loop never waits on a disk
        sink = await asyncio.to_thread(_Sink, spec.download)
        try:
            async for piece in stream.chunks():
                await asyncio.to_thread(sink.feed, piece)
            await asyncio.to_thread(sink.finish)
        except OSError as exc:
            raise _failed(core, stream, clock, sink.partial, exc, kept=sink.kept) from None
        except BaseException:
            sink.partial.discard()
            raise
        return _done(core, stream, clock, sink.partial)
    finally:
        await stream.close()


def save_sync(
    transport: SyncTransport, core: Core, prepared: Prepared, clock: RetryClock
) -> Result:
    """One attempt of a download on the sync face (the retries are the plan's)."""
    spec = prepared.spec
    assert spec is not None and spec.download is not None and prepared.request is not None
    stream = transport.open_stream(prepared.request)
    try:
        if not 200 <= stream.status < 300:
            response = HttpResponse(stream.status, stream.headers, stream.read())
            return core.result(prepared, response, clock.attempt, clock.started)
        sink = _Sink(spec.download)
        try:
            for piece in stream.chunks():
                sink.feed(piece)
            sink.finish()
        except OSError as exc:
            raise _failed(core, stream, clock, sink.partial, exc, kept=sink.kept) from None
        except BaseException:
            sink.partial.discard()
            raise
        return _done(core, stream, clock, sink.partial)
    finally:
        stream.close()
