"""The fake's network: a round-trip latency with jitter, and an outage switch.

Telegram answers after a delay that varies (100–250 ms is common), and sometimes not at
all. Half of each drawn round trip passes before the request is handled (it travels to
Telegram), half before the answer is written (it travels back), so a test sees both: the
message counted late and its answer late. Jitter is drawn from a seeded `random.Random`,
so a run can be repeated. Thread-safe: the test's thread flips the switch.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from enum import StrEnum

__all__ = ["Network", "Outage"]


class Outage(StrEnum):
    BAD_GATEWAY = "502"  # every call answers HTTP 502, as a proxy in front of Telegram does
    DROP = "drop"  # every connection is closed without an answer


class Network:
    def __init__(self, *, latency: float = 0.0, jitter: float = 0.0, seed: int = 0) -> None:
        if latency < 0 or jitter < 0:
            raise ValueError("latency and jitter must not be negative")
        self.latency = latency
        self.jitter = jitter
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._outage: Outage | None = None
        self._outage_methods: frozenset[str] | None = None

    def round_trip(self) -> float:
        """One request's round trip: `latency` ± up to `jitter`, never below zero."""
        if not self.latency and not self.jitter:
            return 0.0
        with self._lock:
            spread = self._random.uniform(-self.jitter, self.jitter)
        return max(0.0, self.latency + spread)

    def set_outage(self, outage: Outage | None, methods: Iterable[str] | None = None) -> None:
        with self._lock:
            self._outage = outage
            self._outage_methods = (
                None if methods is None else frozenset(m.lower() for m in methods)
            )

    def outage_for(self, method: str) -> Outage | None:
        """How a call of `method` (lower case) fails now, or None when it goes through."""
        with self._lock:
            if self._outage is None:
                return None
            if self._outage_methods is not None and method not in self._outage_methods:
                return None
            return self._outage
