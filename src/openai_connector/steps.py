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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .transport.request import HttpRequest
    from .transport.retry import RetryClock

T = TypeVar("T")
Plan = Generator["Step", Any, T]
"""A plan that ends with a ``T``: ``value = yield step`` for each thing to be done."""


@dataclass(slots=True)
class Send:
    """Send a request, read its whole answer -> ``HttpResponse``."""

    request: HttpRequest


@dataclass(slots=True)
class OpenStream:
    """Send a request and open its answer for reading -> ``SyncStream``/``AsyncStream``."""

    request: HttpRequest


@dataclass(frozen=True, slots=True)
class ReadBody:
    """Read an opened answer whole, then close it -> ``bytes``."""

    stream: Any


@dataclass(frozen=True, slots=True)
class SaveBody:
    """Send the request and stream a 2xx answer to its download file -> ``Result``."""

    prepared: Any
    """The call (:class:`~.core.Prepared`; not imported here: the core imports this module)."""
    clock: RetryClock


@dataclass(frozen=True, slots=True)
class Collect:
    """Stream a prepared call to its end -> its assembled ``Result``."""

    prepared: Any
    """The call (:class:`~.core.Prepared`)."""


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait this many seconds with the face's (injectable) sleep -> None."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Blocking:
    """Work that may block (a command, a file): the async face runs it in a thread -> its value."""

    work: Callable[[], Any]


@dataclass(frozen=True, slots=True)
class Call:
    """Run another operation on the same connector, as an inner call of this run -> ``Result``
    (its error is thrown into the plan). ``streamed``: run it as a stream and collect it."""

    operation: str
    params: dict[str, Any]
    streamed: bool = False


@dataclass(frozen=True, slots=True)
class Each:
    """Run ``work(0) .. work(count - 1)`` (each a plan) on ``concurrency`` workers -> None.

    Items start in index order. ``ready(index)``, when given, holds an item back until it
    returns True (checked again whenever an item finishes): a file written in input order
    keeps only a bounded window of completions in memory. The first error that is not
    handled inside ``work`` stops the workers and is raised."""

    count: int
    concurrency: int
    work: Callable[[int], Plan[None]]
    ready: Callable[[int], bool] | None = None


Step = Send | OpenStream | ReadBody | SaveBody | Collect | Sleep | Blocking | Call | Each
