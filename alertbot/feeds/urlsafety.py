"""Is a feed URL safe to fetch? Syntax first, then where its host resolves to.

Admins type feed URLs and feeds redirect anywhere: without these checks the bot could be
pointed at its own host or the operator's intranet (server-side request forgery).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

__all__ = [
    "CannotResolve",
    "Resolver",
    "UnsafeURL",
    "check_destination",
    "check_url_syntax",
    "refusal",
    "system_resolver",
]

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Resolve (host, port) to IP address strings."""

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(ValueError):
    """The URL is malformed or points somewhere a feed must not be fetched from."""


class CannotResolve(OSError):
    """The host name has no address (a network problem, not a safety one)."""


def check_url_syntax(url: str) -> str:
    """Return the URL stripped, or raise UnsafeURL saying what is wrong with it."""
    url = url.strip()
    if not url:
        raise UnsafeURL("the URL is empty")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise UnsafeURL("the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise UnsafeURL(f"the URL is malformed ({exc})") from None
    if "://" not in url:
        raise UnsafeURL("the URL must start with http:// or https://")
    if parts.scheme.lower() not in ("http", "https"):
        raise UnsafeURL("only http and https URLs can be feeds")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL("URLs with a user name or password are not accepted")
    if not parts.hostname:
        raise UnsafeURL("the URL has no host")
    return url


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the event loop's getaddrinfo (in a thread, as asyncio does)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise CannotResolve(f"cannot resolve host {host}") from exc
    return [str(info[4][0]) for info in infos]


def refusal(address: _IPAddress) -> str | None:
    """Why this address is off limits, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    checks = (
        ("an unspecified", address.is_unspecified),
        ("a loopback", address.is_loopback),
        ("a link-local", address.is_link_local),
        ("a multicast", address.is_multicast),
        ("a reserved", address.is_reserved),
        ("a private", address.is_private),
        ("a non-public", not address.is_global),
    )
    for kind, hit in checks:
        if hit:
            return f"refusing {kind} address ({address})"
    return None


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def check_destination(
    url: str, *, allow_private: bool, resolve: Resolver | None = None
) -> None:
    """Raise UnsafeURL unless every address the URL's host resolves to is public.

    With allow_private nothing is resolved (httpx reports unknown hosts itself).
    Raises CannotResolve when the host has no address.
    """
    url = check_url_syntax(url)
    if allow_private:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _is_ip_literal(host):
        addresses = [host]
    else:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
        addresses = await (resolve or system_resolver)(host, port)
        if not addresses:
            raise CannotResolve(f"cannot resolve host {host}")
    for text in addresses:
        # Scoped IPv6 addresses come back as "fe80::1%eth0".
        reason = refusal(ipaddress.ip_address(text.split("%", 1)[0]))
        if reason:
            raise UnsafeURL(reason)
