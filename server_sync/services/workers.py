"""A bounded pool for the server's CPU work: parsing a design, checking it against its level's
rules, computing its indicators and rendering its pictures.

Why: on the Berlin level that work takes ~0.4 s per upload and ~0.45 s per pair of pictures.
Done on the event loop (the upload route was `async`), one pupil's uploads stalled every other
request; done in any number of threads at once, four clients pushed the server to 800 MB. Here
it runs in at most `cpu_workers` threads, and at most `cpu_queue` more jobs wait; one more is
refused at once with 503 and Retry-After, so a busy server says so instead of queueing
without end.

Why threads and not processes: measured on the Berlin level (a design of 100 buildings, its
check, indicators and iso picture, three in a row, two cores), the event loop's lag on a
request-sized task stayed small either way: threads p99 1.3 ms (max 36 ms), a process pool
p99 0.6 ms (max 3 ms), with the same throughput. The hot code is numpy, zlib and pydantic's
Rust core, which release the GIL for most of the time. Threads keep the per-picture locks of
`services/images.py` and the level cache in one process, need no pickling of 11 MB grids and
no second copy of numpy and the levels per worker, and start with the app; the difference in
the worst case (tens of ms) is far within what a gallery visitor notices.
"""

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from server_sync.errors import ApiError

P = ParamSpec("P")
T = TypeVar("T")

RETRY_AFTER = 5
"""Seconds a refused client waits: about what the queue of a busy server needs to drain."""


class Workers:
    """At most `threads` jobs run at once and at most `queue` wait; the rest are refused."""

    def __init__(self, threads: int, queue: int) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="quartier-cpu")
        self._slots = threading.BoundedSemaphore(threads + queue)

    def submit(self, job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> "Future[T]":
        """Start `job` in the pool, or raise the 503 `busy` if the queue is full."""
        if not self._slots.acquire(blocking=False):
            raise ApiError(503, "busy", seconds=RETRY_AFTER)

        def then_free() -> T:
            # Freed before the result is handed over, so whoever has it may submit again at once.
            try:
                return job(*args, **kwargs)
            finally:
                self._slots.release()

        try:
            return self._pool.submit(then_free)
        except BaseException:
            self._slots.release()
            raise

    def run(self, job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`job`'s result, computed in the pool (called from a request's thread, never the loop)."""
        return self.submit(job, *args, **kwargs).result()

    def shutdown(self) -> None:
        """Let running jobs finish, drop the waiting ones (the app is stopping)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
