"""How many commands one chat may send: a sliding window, then a pause. Pure, so tested directly.

A person types a command every few seconds; a script or a stuck client sends hundreds. More
than `limit` counted updates in `window` seconds makes the chat ignored for `pause`
seconds: the update that crossed the line is answered once ("slow down"), the rest dropped.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum

__all__ = ["ChatFlood", "Verdict"]

WINDOW = 10.0  # seconds the limit counts over
PAUSE = 60.0  # seconds a flooding chat is ignored


class Verdict(Enum):
    ADMIT = "admit"  # handle it
    WARN = "warn"  # the update that crossed the limit: answer "slow down", not the command
    DROP = "drop"  # the chat is being ignored


@dataclass
class ChatFlood:
    limit: int = 20
    window: float = WINDOW
    pause: float = PAUSE
    _seen: dict[int, deque[float]] = field(default_factory=dict, init=False, repr=False)
    _ignored_until: dict[int, float] = field(default_factory=dict, init=False, repr=False)
    _checks: int = field(default=0, init=False, repr=False)

    def admit(self, chat_id: int, now: float) -> Verdict:
        """Count one update from `chat_id` at `now` (monotonic seconds) and judge it."""
        if self.ignored(chat_id, now):
            return Verdict.DROP
        self._ignored_until.pop(chat_id, None)
        seen = self._seen.setdefault(chat_id, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        seen.append(now)
        self._checks += 1
        if self._checks % 1024 == 0:
            self._forget_quiet(now)
        if len(seen) > self.limit:
            del self._seen[chat_id]
            self._ignored_until[chat_id] = now + self.pause
            return Verdict.WARN
        return Verdict.ADMIT

    def ignored(self, chat_id: int, now: float) -> bool:
        """True while the chat serves its pause."""
        return self._ignored_until.get(chat_id, 0.0) > now

    def __len__(self) -> int:
        """Chats being counted or ignored (memory follows the active chats)."""
        return len(self._seen.keys() | self._ignored_until.keys())

    def _forget_quiet(self, now: float) -> None:
        """Drop the counts of chats quiet for a whole window, so memory follows active chats."""
        for chat_id in [c for c, seen in self._seen.items() if seen[-1] <= now - self.window]:
            del self._seen[chat_id]
        for chat_id in [c for c, until in self._ignored_until.items() if until <= now]:
            del self._ignored_until[chat_id]
