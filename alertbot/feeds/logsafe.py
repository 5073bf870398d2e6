"""Feed URLs as logs show them: host and path, never the query string or credentials.

Feeds put API keys and session tokens in their query strings (and sometimes in
`user:password@`); a log line must not carry them to wherever logs go.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["loggable"]

_MAX = 200


def loggable(url: str) -> str:
    """'host[:port]/path' of a URL, with '?…' when it had a query; short and secret-free."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # a malformed URL (bad port, bad IPv6 literal): show nothing of it
        return "(malformed URL)"
    if ":" in host:
        host = f"[{host}]"
    shown = f"{host}:{port}" if port is not None else host
    shown += parts.path or "/"
    if parts.query:
        shown += "?…"
    return shown if len(shown) <= _MAX else shown[: _MAX - 1] + "…"
