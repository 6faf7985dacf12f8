"""The two drivers of the one runner: each runs any plan (:mod:`.steps`) with its face's
transport, sleep and threads.

:class:`SyncDriver` (``Connector``) does every step in the calling thread, and runs an
:class:`~.steps.Each` on a thread pool over the same sync transport (urllib3 pools are
thread-safe). :class:`AsyncDriver` (``AsyncConnector``) awaits its transport, runs
:class:`~.steps.Blocking` work in a thread (``asyncio.to_thread``) so the event loop never
waits on a command or a file, and an ``Each`` on worker tasks. A step's error is thrown
into the plan, which handles it or lets it rise.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from . import plans
from .result_streams import AsyncResultStream, ResultStream
from .steps import Blocking, Call, Collect, Each, OpenStream, Plan, ReadBody, SaveBody, Send, Sleep

if TYPE_CHECKING:
    from .core import Core
    from .observers import Run
    from .result import Result
    from .transport.request import AsyncTransport, SyncTransport

T = TypeVar("T")


class SyncDriver:
    """Runs plans in the calling thread with a sync transport."""

    __slots__ = ("core", "sleep", "transport")

    def __init__(self, core: Core, transport: SyncTransport, sleep: Callable[[float], Any]) -> None:
        self.core = core
        self.transport = transport
        self.sleep = sleep

    def drive(self, plan: Plan[T], observed: Run | None = None) -> T:
        send = self.transport.send
        reply: Any = None
        error: Exception | None = None
        while True:
            try:
                step = plan.send(reply) if error is None else plan.throw(error)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            error = None
            try:
                reply = send(step.request) if type(step) is Send else self._do(step, observed)
            except Exception as exc:
                reply, error = None, exc

    def _do(self, step: Any, observed: Run | None) -> Any:
        kind = type(step)
        if kind is Sleep:
            self.sleep(step.seconds)
            return None
        if kind is OpenStream:
            return self.transport.open_stream(step.request)
        if kind is ReadBody:
            try:
                return step.stream.read()
            finally:
                step.stream.close()
        if kind is Blocking:
            return step.work()
        if kind is SaveBody:
            from .download_streams import save_sync  # downloads only: not imported for a chat

            return save_sync(self.transport, self.core, step.prepared, step.clock)
        if kind is Collect:
            return ResultStream(self.core, self, step.prepared, observed).collect()
        if kind is Call:
            return self._call(step, observed)
        if kind is Each:
            self._each(step, observed)
            return None
        raise TypeError(f"not a step: {step!r}")

    def _call(self, step: Call, observed: Run | None) -> Result:
        core = self.core
        if step.streamed:
            prepared = self.drive(plans.prepare_stream(core, step.operation, step.params), observed)
            return ResultStream(core, self, prepared, observed).collect()
        return self.drive(plans.run(core, step.operation, step.params, observed=observed), observed)

    def _each(self, step: Each, observed: Run | None) -> None:
        workers = min(step.concurrency, step.count)
        if workers <= 1:  # nothing runs beside it: no thread
            for index in range(step.count):
                self.drive(step.work(index), observed)
            return
        indexes = iter(range(step.count))
        turn = threading.Condition()
        failures: list[BaseException] = []
        ready = step.ready

        def next_index() -> int | None:
            with turn:
                index = None if failures else next(indexes, None)
                if index is not None and ready is not None:
                    turn.wait_for(lambda: failures or ready(index))
                return None if failures else index

        def worker() -> None:
            while (index := next_index()) is not None:
                try:
                    self.drive(step.work(index), observed)
                except BaseException as exc:
                    with turn:
                        failures.append(exc)
                        turn.notify_all()
                    return
                with turn:
                    turn.notify_all()

        from concurrent.futures import ThreadPoolExecutor  # composites only: not for a chat

        with ThreadPoolExecutor(workers, thread_name_prefix="openai-connector") as pool:
            for _ in range(workers):
                pool.submit(contextvars.copy_context().run, worker)
        if failures:
            raise failures[0]


class AsyncDriver:
    """Runs plans on the event loop with an async transport; blocking work in a thread."""

    __slots__ = ("core", "sleep", "transport")

    def __init__(
        self, core: Core, transport: AsyncTransport, sleep: Callable[[float], Awaitable[Any]]
    ) -> None:
        self.core = core
        self.transport = transport
        self.sleep = sleep

    async def drive(self, plan: Plan[T], observed: Run | None = None) -> T:
        send = self.transport.send
        reply: Any = None
        error: Exception | None = None
        while True:
            try:
                step = plan.send(reply) if error is None else plan.throw(error)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            error = None
            try:
                if type(step) is Send:
                    reply = await send(step.request)
                else:
                    reply = await self._do(step, observed)
            except Exception as exc:
                reply, error = None, exc

    async def _do(self, step: Any, observed: Run | None) -> Any:
        kind = type(step)
        if kind is Sleep:
            await self.sleep(step.seconds)
            return None
        if kind is OpenStream:
            return await self.transport.open_stream(step.request)
        if kind is ReadBody:
            try:
                return await step.stream.read()
            finally:
                await step.stream.close()
        if kind is Blocking:
            import asyncio  # here: the sync face's imports stay lean

            return await asyncio.to_thread(step.work)
        if kind is SaveBody:
            from .download_streams import save_async  # downloads only

            return await save_async(self.transport, self.core, step.prepared, step.clock)
        if kind is Collect:
            return await AsyncResultStream(self.core, self, step.prepared, observed).collect()
        if kind is Call:
            return await self._call(step, observed)
        if kind is Each:
            await self._each(step, observed)
            return None
        raise TypeError(f"not a step: {step!r}")

    async def _call(self, step: Call, observed: Run | None) -> Result:
        core = self.core
        if step.streamed:
            plan = plans.prepare_stream(core, step.operation, step.params)
            prepared = await self.drive(plan, observed)
            return await AsyncResultStream(core, self, prepared, observed).collect()
        plan_run = plans.run(core, step.operation, step.params, observed=observed)
        return await self.drive(plan_run, observed)

    async def _each(self, step: Each, observed: Run | None) -> None:
        import asyncio

        indexes: Iterator[int] = iter(range(step.count))
        turn = asyncio.Condition()
        ready = step.ready

        async def worker() -> None:
            for index in indexes:
                if ready is not None and not ready(index):
                    async with turn:
                        await turn.wait_for(partial(ready, index))
                await self.drive(step.work(index), observed)
                async with turn:
                    turn.notify_all()

        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(min(step.concurrency, step.count)):
                    group.create_task(worker())
        except BaseExceptionGroup as failed:  # a bug or an I/O error: not an item's error
            raise failed.exceptions[0] from None
