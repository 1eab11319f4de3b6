"""Walking distance and sunlight, recomputed in a worker thread so building never stutters.

The editor calls `request()` after every edit (cheap: it copies the grid); the worker
computes on the newest request only, so a burst of edits costs one computation.
"""

import logging
import threading

from game.core.indicators import Metrics, Snapshot

log = logging.getLogger(__name__)


class ExpensiveIndicators:
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._wake = threading.Condition()
        self._pending: Snapshot | None = None
        self._busy = False
        self._closed = False
        self.error: Exception | None = None  # the last failure; values then stay marked stale
        self._thread = threading.Thread(target=self._run, name="quartier-indicators", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Ask for fresh values of the current design (replaces any request not started yet)."""
        snapshot = self.metrics.snapshot()
        with self._wake:
            self._pending = snapshot
            self._wake.notify()

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until nothing is pending (for scripted sessions and tests); False on timeout."""
        with self._wake:
            return self._wake.wait_for(lambda: self._pending is None and not self._busy, timeout)

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify_all()

    def _run(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._pending is not None or self._closed)
                if self._closed:
                    return
                snapshot, self._pending, self._busy = self._pending, None, True
            try:
                self.metrics.compute_expensive(snapshot)
                self.error = None
            except Exception as exc:
                log.exception("walking and sunlight could not be computed")  # for the log file
                self.error = exc
            finally:
                with self._wake:
                    self._busy = False
                    self._wake.notify_all()
