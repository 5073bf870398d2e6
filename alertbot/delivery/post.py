"""One alert message to Telegram, and what each of its answers means for the outbox: sent,
wait (429), moved (supergroup), gone (blocked, deleted), refused for good, or retried with
back-off for as long as the alert is news. Every outbox write goes through the recorder."""

from __future__ import annotations

import enum
import logging
import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter

from ..models import Alert
from ..store import Store, now_ts
from .recorder import Recorder
from .retry import next_try
from .throttle import ALERT, ALREADY_THROTTLED, Throttle, retry_seconds

__all__ = ["Outcome", "Post"]

log = logging.getLogger(__name__)

# Telegram's words for a chat that is gone for good (besides any 403).
_GONE = ("chat not found", "user not found", "peer_id_invalid", "user is deactivated")


class Outcome(enum.Enum):
    SENT = "sent"
    STOP = "stop"  # this chat is done for now (waiting, moved, gone or retrying)
    FAILED = "failed"  # Telegram refused this message for good; the chat may go on


class Post:
    """Sends one message at a time for the sender and settles Telegram's answer."""

    def __init__(
        self,
        bot: Bot,
        store: Store,
        throttle: Throttle,
        recorder: Recorder,
        *,
        alert_expiry: float,
        retry_base: float,
        retry_cap: float,
        send_timeout: float | None,
        on_chat_moved: Callable[[Sequence[int], int], None] | None,
        wake: Callable[[], None],
    ) -> None:
        self.bot = bot
        self.store = store
        self.throttle = throttle
        self.recorder = recorder
        self.alert_expiry = alert_expiry
        self.retry_base = retry_base
        self.retry_cap = retry_cap
        self.send_timeout = send_timeout
        self.on_chat_moved = on_chat_moved
        self.wake = wake
        self.sent_messages = 0
        self.stopping = False  # set as the bot stops: no new request starts
        self.in_request: set[int] = set()  # chats whose message Telegram may have now
        self.observe_send: Callable[[float], None] = lambda seconds: None  # metrics hook
        # These calls are throttled here, not again by the bot's rate limiter.
        self._limiter_args: dict[str, Any] = (
            {"rate_limit_args": ALREADY_THROTTLED}
            if getattr(bot, "rate_limiter", None) is not None
            else {}
        )

    async def send(
        self,
        chat_id: int,
        text: str,
        batch: list[Alert],
        keyboard: InlineKeyboardMarkup | None = None,
        *,
        previews: bool = False,
    ) -> Outcome:
        """One message; every Telegram answer but success is settled here."""
        ids = [a.id for a in batch]
        timeouts: dict[str, Any] = (
            {"read_timeout": self.send_timeout, "write_timeout": self.send_timeout}
            if self.send_timeout is not None
            else {}
        )
        if self.recorder.paused or self.stopping:
            return Outcome.STOP  # what Telegram accepts now could not be recorded
        try:
            async with self.throttle.slot(chat_id, priority=ALERT):
                if self.recorder.paused or self.stopping:  # while this waited for its turn
                    return Outcome.STOP
                started = time.monotonic()
                self.in_request.add(chat_id)
                try:
                    await self.bot.send_message(
                        chat_id,
                        text,
                        message_thread_id=batch[0].thread_id if batch else None,
                        parse_mode=ParseMode.HTML,
                        reply_markup=keyboard,
                        link_preview_options=LinkPreviewOptions(is_disabled=not previews),
                        **timeouts,
                        **self._limiter_args,
                    )
                finally:
                    self.in_request.discard(chat_id)
                elapsed = time.monotonic() - started
                self.throttle.flood.round_trip(elapsed)  # a sample of the network's jitter
                self.observe_send(elapsed)
        except RetryAfter as exc:
            seconds = retry_seconds(exc)
            self.throttle.retry_after(chat_id, seconds)
            until = now_ts() + seconds
            self.recorder.write(lambda: self.store.postpone_chat(chat_id, until))
            return Outcome.STOP
        except ChatMigrated as exc:
            new_id = int(exc.new_chat_id)
            log.info("chat %s moved to %s; its subscriptions and alerts follow", chat_id, new_id)
            self.recorder.write(lambda: self.move_chat(chat_id, new_id))
            self.wake()
            return Outcome.STOP
        except Forbidden as exc:
            self.give_up_chat(chat_id, exc.message)
            return Outcome.STOP
        except BadRequest as exc:  # before NetworkError: BadRequest is a subclass of it
            if any(words in exc.message.lower() for words in _GONE):
                self.give_up_chat(chat_id, exc.message)
                return Outcome.STOP
            refusal = exc.message
            log.error("chat %s: Telegram refused alert(s) %s: %s", chat_id, ids, refusal)
            self.recorder.write(lambda: self.store.mark_failed(ids, error=refusal))
            return Outcome.FAILED
        except NetworkError as exc:  # timeouts, 5xx, connection errors
            self.retry_later(chat_id, batch, str(exc) or type(exc).__name__)
            return Outcome.STOP
        except Exception as exc:
            log.exception("chat %s: unexpected error sending alert(s) %s", chat_id, ids)
            self.retry_later(chat_id, batch, repr(exc))
            return Outcome.STOP
        self.sent_messages += 1
        return Outcome.SENT

    def move_chat(self, chat_id: int, new_id: int) -> None:
        moved = self.store.move_chat(chat_id, new_id)
        if self.on_chat_moved is not None:
            self.on_chat_moved(moved, new_id)

    def give_up_chat(self, chat_id: int, reason: str) -> None:
        log.info("chat %s refuses messages (%s): inactive until it writes", chat_id, reason)
        self.recorder.write(lambda: self.store.give_up_chat(chat_id, error=reason))

    def retry_later(self, chat_id: int, batch: list[Alert], error: str) -> None:
        attempts = max(a.attempts for a in batch) + 1
        ids = [a.id for a in batch]
        created = min(a.created_at.timestamp() for a in batch)
        when = next_try(
            attempts,
            now=now_ts(),
            created=created,
            expiry=self.alert_expiry,
            base=self.retry_base,
            cap=self.retry_cap,
            rand=random.random(),
        )
        if when is None:
            log.error("chat %s: alert(s) %s no longer news, not sent: %s", chat_id, ids, error)
            self.recorder.write(lambda: self.store.mark_expired(ids, error=error))
            return
        log.warning(
            "chat %s: send failed (%s), try %d in %.1f s",
            chat_id,
            error,
            attempts + 1,
            when - now_ts(),
        )
        self.recorder.write(lambda: self.store.mark_retry(ids, error=error, next_attempt=when))
