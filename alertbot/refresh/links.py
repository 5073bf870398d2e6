"""Canonical story links, so the same story carried by two feeds is one story. Pure."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..memo import memo

__all__ = ["canonical_link"]

_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Most feed links: http(s), a lower-case host without port or user, a path, maybe a query of
# tracking parameters only. Anything else (or any other parameter) takes the full path.
_PLAIN_LINK = re.compile(
    r"https?://([a-z0-9.-]+)(/[^?#\s\x00-\x1f\x7f]*)?(?:\?([^#\s\x00-\x1f\x7f]*))?(?:#\S*)?"
)
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_]+")


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in _TRACKING_PARAMS


# Identity asks twice per entry; a parse worker may have answered already (prework.py).
@memo(maxsize=10_000, max_length=2_000)
def canonical_link(url: str) -> str:
    """The link with tracking noise removed: https, lower-case host, no fragment or utm_*.

    Links that are not http(s) URLs with a host come back stripped but otherwise unchanged.
    """
    plain = _PLAIN_LINK.fullmatch(url)
    if plain and _only_tracking(plain[3] or ""):
        path = plain[2] or "/"
        return f"https://{plain[1]}{path.rstrip('/') or '/'}"
    return _parsed_link(url)


def _parsed_link(url: str) -> str:
    """canonical_link for any link: urllib takes it apart."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        return url
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = parts.path
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    elif not path:
        path = "/"
    query = ""
    if parts.query:
        params = [
            (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
        ]
        query = urlencode(sorted(params, key=lambda kv: kv[0]))
    return urlunsplit(("https", host, path, query, ""))


def _only_tracking(query: str) -> bool:
    """Whether every parameter is a tracking one, named so that decoding cannot change it."""
    for field in query.split("&"):
        name = field.split("=", 1)[0]
        if field and not (_PLAIN_NAME.fullmatch(name) and _is_tracking(name)):
            return False
    return True
