"""What a plan asks its face to do: the steps of the one runner.

A *plan* is a generator: it yields a step, the face's driver does it with its own
transport, sleep and threads, and sends back what came of it (or throws the
:class:`~.errors.ConnectorError` it met into the plan). The core's plans
(:mod:`.plans`) and the composite operations (``chat.create_many``, ``*.wait``,
``chat.summarize``, ``connection.test``) are written once as plans; the sync face
(:class:`~.connector.Connector`) and the async face (:class:`~.connector.AsyncConnector`)
each have one small driver (:mod:`.drivers`). Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .transport.request import HttpRequest
    from .transport.retry import RetryClock

T = TypeVar("T")
Plan = Generator["Step", Any, T]
"""A plan that ends with a ``T``: ``value = yield step`` for each thing to be done."""


class _Step:
    """Plain slotted classes, not dataclasses: a dataclass costs about as much to define as
    a small module costs to import, and every process that makes a call defines these."""

    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Send(_Step):
    """Send a request, read its whole answer -> ``HttpResponse``."""

    __slots__ = ("request",)

    def __init__(self, request: HttpRequest) -> None:
        self.request = request


class OpenStream(_Step):
    """Send a request and open its answer for reading -> ``SyncStream``/``AsyncStream``."""

    __slots__ = ("request",)

    def __init__(self, request: HttpRequest) -> None:
        self.request = request


class ReadBody(_Step):
    """Read an opened answer whole, then close it -> ``bytes``."""

    __slots__ = ("stream",)

    def __init__(self, stream: Any) -> None:
        self.stream = stream


class SaveBody(_Step):
    """Send the request and stream a 2xx answer to its download file -> ``Result``.

    ``prepared`` is the call (:class:`~.core.Prepared`; not imported here: the core imports
    this module)."""

    __slots__ = ("clock", "prepared")

    def __init__(self, prepared: Any, clock: RetryClock) -> None:
        self.prepared = prepared
        self.clock = clock


class Collect(_Step):
    """Stream a prepared call (:class:`~.core.Prepared`) to its end -> its assembled
    ``Result``."""

    __slots__ = ("prepared",)

    def __init__(self, prepared: Any) -> None:
        self.prepared = prepared


class Sleep(_Step):
    """Wait this many seconds with the face's (injectable) sleep -> None."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Blocking(_Step):
    """Work that may block (a command, a file): the async face runs it in a thread -> its value."""

    __slots__ = ("work",)

    def __init__(self, work: Callable[[], Any]) -> None:
        self.work = work


class Call(_Step):
    """Run another operation on the same connector, as an inner call of this run -> ``Result``
    (its error is thrown into the plan). ``streamed``: run it as a stream and collect it."""

    __slots__ = ("operation", "params", "streamed")

    def __init__(self, operation: str, params: dict[str, Any], streamed: bool = False) -> None:
        self.operation = operation
        self.params = params
        self.streamed = streamed


class Each(_Step):
    """Run ``work(0) .. work(count - 1)`` (each a plan) on ``concurrency`` workers -> None.

    Items start in index order. ``ready(index)``, when given, holds an item back until it
    returns True (checked again whenever an item finishes): a file written in input order
    keeps only a bounded window of completions in memory. The first error that is not
    handled inside ``work`` stops the workers and is raised."""

    __slots__ = ("concurrency", "count", "ready", "work")

    def __init__(
        self,
        count: int,
        concurrency: int,
        work: Callable[[int], Plan[None]],
        ready: Callable[[int], bool] | None = None,
    ) -> None:
        self.count = count
        self.concurrency = concurrency
        self.work = work
        self.ready = ready


Step = Send | OpenStream | ReadBody | SaveBody | Collect | Sleep | Blocking | Call | Each
