"""Per-key rate windows in the database: one atomic statement counts a request, so instances
sharing the database share the count and never both take the last slot."""

from __future__ import annotations

import threading

import pytest

from openai_connector.store import Store
from openai_connector.store.rate_windows import WINDOW

pytestmark = pytest.mark.databases("sqlite", "postgresql")

T0 = 1_800_000_000.0


def test_a_window_starts_at_the_first_request_and_counts_each(store: Store) -> None:
    assert store.rates.hit(1, T0) == (T0, 1)
    assert store.rates.hit(1, T0 + 10) == (T0, 2)
    assert store.rates.hit(1, T0 + WINDOW - 0.001) == (T0, 3)


def test_a_new_window_starts_once_the_last_one_is_over(store: Store) -> None:
    store.rates.hit(1, T0)
    store.rates.hit(1, T0 + 1)
    assert store.rates.hit(1, T0 + WINDOW) == (T0 + WINDOW, 1)
    assert store.rates.hit(1, T0 + WINDOW + 5) == (T0 + WINDOW, 2)


def test_each_key_has_its_own_window(store: Store) -> None:
    store.rates.hit(1, T0)
    assert store.rates.hit(2, T0 + 30) == (T0 + 30, 1)
    assert store.rates.hit(1, T0 + 30) == (T0, 2)


def test_hits_at_the_same_moment_each_get_their_own_count(store: Store) -> None:
    """Threads with a connection each (as two processes have): every count from 1 to n
    handed out once; a lost update would hand one out twice."""
    counts: list[int] = []
    start = threading.Barrier(8)

    def hit_many() -> None:
        start.wait()
        for _ in range(10):
            counts.append(store.rates.hit(7, T0)[1])

    threads = [threading.Thread(target=hit_many) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(counts) == list(range(1, 81))
