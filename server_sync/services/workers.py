"""A bounded pool for the server's CPU work: parsing a design, checking it against its level's
rules, computing its indicators and rendering its pictures.

Why bounded: on the Berlin level that work takes ~0.4–0.7 s per upload and ~0.9 s per pair of
pictures. Done on the event loop (the upload route was `async`), one pupil's uploads stalled
every other request; done in any number of threads at once, four clients pushed the server to
800 MB. Here at most `size` jobs run and at most `queue` more wait; one more is refused at once
with 503 and Retry-After, so a busy server says so instead of queueing without end.

Why processes (the default) and not threads: a first measurement (one client, three uploads
in a row) found the event loop's lag small either way (threads p99 1.3 ms, processes 0.6 ms),
and threads were the default. Under a class's load the GIL decides: the indicators' and the
pictures' Python holds it between numpy calls, and the loop that answers votes, the gallery
and /healthz waits for it. `benchmarks/workshop.py` (30 pupils sending 3 revisions each on
Berlin within 60 s while 30 others vote and load the gallery; two shared cores, two rounds
interleaved) measured threads against processes: with the one-pass indicators, upload p50
0.37 against 0.24 s and vote p99 138 against 82 ms (one server process), 0.52 against 0.34 s
and 177 against 115 ms (two); the gallery's p99 was 311 against 463 ms and 600 against 328
ms (noisy). Before them, with the checks needing more than the two cores had: upload p50 17.4
against 3.3 s, 503s 336 against 17 of 180, gallery p99 1,827 against 943 ms, vote p99 744
against 279 ms. In worker processes that work has its own interpreter, and at a lower
priority (`CHECKS_NICENESS`): the web process only waits for the answer. The jobs get the
design's text and the level's id, never a grid; each worker process keeps its own level cache
(`game.io.levels.find_level`). Processes are started by a fork server (a clean process forked
before the web server's threads exist; on Windows, which has none, afresh), not forked from
the threaded web process. `kind="threads"` keeps the old pool, for tests that hand it
closures and for comparing both in the benchmark (`quartier-server serve --cpu-pool`).
"""

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing.context import BaseContext
from typing import ParamSpec, TypeVar

from server_sync.errors import ApiError
from server_sync.settings import Kind

P = ParamSpec("P")
T = TypeVar("T")

RETRY_AFTER = 5
"""Seconds a refused client waits: about what the queue of a busy server needs to drain."""

PRELOAD = ["server_sync.services.images", "server_sync.services.submissions"]
"""Imported once by the fork server, so that a new worker process starts without importing
numpy, pydantic and the indicators again."""


CHECKS_NICENESS = 5
"""The checks' processes yield the CPU to the web process when both want it (a third of its
share each): the web process's requests are short and many (votes, the gallery, /healthz), and
on two cores the checks otherwise delayed them by seconds."""
PICTURES_NICENESS = 15
"""And the pictures' process to the checks: a pupil waits for the check of an upload, nobody
waits for its pictures (the gallery asks for them later)."""


def _start(niceness: int, environment: dict[str, str]) -> None:
    """A worker process's start: its priority, and the environment of the server that made the
    pool (the fork server keeps the one it started with; the user's level folder is found by
    QUARTIER_HOME, and one process may make several apps, as the tests do)."""
    if hasattr(os, "nice"):  # not on Windows
        os.nice(niceness)
    os.environ.clear()
    os.environ.update(environment)


def _pool(kind: Kind, size: int, niceness: int = 0) -> Executor:
    if kind == "threads":
        return ThreadPoolExecutor(size, thread_name_prefix="quartier-cpu")
    context: BaseContext
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = server = multiprocessing.get_context("forkserver")
        server.set_forkserver_preload(PRELOAD)
    else:  # Windows: each worker starts afresh
        context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        size, mp_context=context, initializer=_start, initargs=(niceness, dict(os.environ))
    )


class _Bounded:
    """An executor that takes at most `slots` jobs at a time (running and waiting)."""

    def __init__(self, pool: Executor, slots: int) -> None:
        self._pool = pool
        self._slots = threading.BoundedSemaphore(slots)

    def submit(self, job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> "Future[T]":
        if not self._slots.acquire(blocking=False):
            raise ApiError(503, "busy", seconds=RETRY_AFTER)
        try:
            inner = self._pool.submit(job, *args, **kwargs)
        except BaseException:
            self._slots.release()
            raise
        answer: Future[T] = Future()

        def hand_over(done: "Future[T]") -> None:
            # The slot is free before whoever waits sees the result, so they may submit again.
            self._slots.release()
            if done.cancelled():
                answer.cancel()
            elif (error := done.exception()) is not None:
                answer.set_exception(error)
            else:
                answer.set_result(done.result())

        inner.add_done_callback(hand_over)
        return answer

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class Workers:
    """The checks of uploads: at most `size` run at once and at most `queue` wait; the rest
    are refused. Pictures: one at a time, in a pool of their own (`submit_later`), with a queue
    as long, so that a class's pictures never make its uploads wait or be refused.

    In processes (the default) a job and its arguments must be picklable: module-level
    functions and plain data."""

    def __init__(self, size: int, queue: int, kind: Kind = "processes") -> None:
        self.kind = kind
        self._checks = _Bounded(_pool(kind, size, CHECKS_NICENESS), size + queue)
        self._pictures = _Bounded(_pool(kind, 1, PICTURES_NICENESS), 1 + queue)

    def submit(self, job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> "Future[T]":
        """Start `job` in the pool, or raise the 503 `busy` if the queue is full."""
        return self._checks.submit(job, *args, **kwargs)

    def submit_later(self, job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> "Future[T]":
        """Start `job` in the pictures' pool, or raise the 503 `busy` if its queue is full."""
        return self._pictures.submit(job, *args, **kwargs)

    def run(self, job: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`job`'s result, computed in the pool (called from a request's thread, never the loop)."""
        return self.submit(job, *args, **kwargs).result()

    def shutdown(self) -> None:
        """Let running jobs finish, drop the waiting ones (the app is stopping)."""
        self._checks.shutdown()
        self._pictures.shutdown()
