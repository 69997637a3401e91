"""Leases on delivery-ledger claims: a claim lives as long as the process working on it.

A claim is taken with a lease of `seconds` of wall-clock time. While this process works on it (a
fan-out, a post of many parts, one send waiting out 429s), a heartbeat thread renews the lease
every quarter of that time, so work that takes ten minutes stays claimed for ten minutes. When the
process dies the heartbeat stops with it and the lease runs out: only then may another process
take the claim over, and it looks in Slack before sending anything again.

Leases count real seconds, not the `now` the work is done for (`feedsum tick --now` pretends a
business time; whether a process is alive is a matter of the real clock).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from storage import Store

log = logging.getLogger(__name__)
DEFAULT_SECONDS = 120.0


class Leases:
    """This process's live claims, and the heartbeat that keeps them."""

    def __init__(self, store: Store, seconds: float = DEFAULT_SECONDS, *, clock: Callable[[], float] = time.time,
                 owner: str | None = None):
        if not seconds > 0:
            raise ValueError(f"a lease must last some time, got {seconds!r}")
        self.store = store
        self.seconds = float(seconds)
        self.clock = clock
        # Unique per process (and per core, so two cores in one test act as two processes).
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._held: dict[str, int] = {}
        self._cond = threading.Condition()
        self._beating = False

    @property
    def interval(self) -> float:
        # Four renewals per lease: a live holder misses three in a row before its lease runs out.
        return self.seconds / 4

    def now(self) -> float:
        return self.clock()

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """Keep the lease on `key` renewed while the block runs (the claim was just taken)."""
        with self._cond:
            self._held[key] = self._held.get(key, 0) + 1
            if not self._beating:
                self._beating = True
                threading.Thread(target=self._beat, name="feedsum-lease", daemon=True).start()
        try:
            yield
        finally:
            with self._cond:
                left = self._held.pop(key) - 1
                if left:
                    self._held[key] = left
                if not self._held:
                    self._cond.notify_all()  # the heartbeat stops until the next claim

    def _beat(self) -> None:
        while True:
            with self._cond:
                if self._held:
                    self._cond.wait(self.interval)
                keys = list(self._held)
                if not keys:
                    self._beating = False
                    return
            try:
                self.store.ledger.renew(keys, self.owner, until=self.clock() + self.seconds)
            except Exception:
                # A busy or failing database: try again at the next beat; the lease has room for
                # three misses.
                log.exception("could not renew %d delivery lease(s)", len(keys))
