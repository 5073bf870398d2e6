"""Reading a feed server's caching headers: validators, Retry-After, Cache-Control."""

from __future__ import annotations

import email.utils
import time

__all__ = ["max_age", "parse_retry_after", "valid_validator"]

_VALIDATOR_MAX = 1024  # longer ETags / Last-Modified values are junk, not validators


def valid_validator(value: str | None) -> str | None:
    """An ETag or Last-Modified value that can be sent back as a header, else None."""
    if not value or len(value) > _VALIDATOR_MAX:
        return None
    if not all(" " <= ch <= "~" or ch == "\t" for ch in value):
        return None  # non-ASCII or control characters: httpx could not even send it
    return value


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def max_age(cache_control: str | None) -> int | None:
    for directive in (cache_control or "").split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() == "max-age" and value.strip('" ').isdigit():
            return int(value.strip('" '))
    return None
