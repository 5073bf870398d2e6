"""Canonical story links, so the same story carried by two feeds is one story. Pure."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..memo import memo

__all__ = ["canonical_link"]

_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in _TRACKING_PARAMS


@memo(maxsize=10_000)  # identity asks twice per entry; a parse worker may have answered
def canonical_link(url: str) -> str:
    """The link with tracking noise removed: https, lower-case host, no fragment or utm_*.

    Links that are not http(s) URLs with a host come back stripped but otherwise unchanged.
    """
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
