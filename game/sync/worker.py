"""The background thread that sends the outbox while the editor runs."""

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from game.sync.client import SyncClient, SyncReport

log = logging.getLogger(__name__)


class BackgroundSync:
    """A daemon thread that sends the outbox when a design is queued and every `interval` seconds.

    It listens to the client's outbox, so a design queued through that same `Outbox` object is
    sent at once. It never raises into the caller; `on_report` (called on the sync thread)
    receives every report. `stop()` returns within `timeout` unless a request is under way (each is
    bounded by the client's `request_deadline`); the thread is a daemon, and a request cut short
    just leaves the file in the outbox.
    """

    def __init__(
        self,
        client: SyncClient,
        interval: float = 30.0,
        on_report: Callable[[SyncReport], None] | None = None,
    ) -> None:
        self.client = client
        self.interval = interval
        self.on_report = on_report
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._wake.set()
        self.client.outbox.add_listener(self._on_queued)
        self._thread = threading.Thread(target=self._run, name="quartier-sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> bool:
        """Ask the thread to end and wait up to `timeout` seconds; True when it has ended."""
        self.client.outbox.remove_listener(self._on_queued)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def _on_queued(self, path: Path) -> None:
        self._wake.set()

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            self._wake.clear()
            delay = self.interval
            try:
                report = self.client.send_pending()
                if report.waiting and not report.auth_failed:
                    delay = self.client.retry_delay(attempt, report)
                    if report.retry_after is None:  # the server's wait is kept even if longer
                        delay = min(self.interval, delay)
                    attempt += 1
                else:
                    attempt = 0
                if self.on_report is not None:
                    self.on_report(report)
            except Exception as exc:
                log.warning("background sync failed: %s", type(exc).__name__)
            self._wake.wait(delay)
