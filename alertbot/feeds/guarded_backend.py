"""Connect only to the address that was checked: closes the DNS-rebinding gap.

`check_destination` resolves a feed's host and refuses private addresses, but httpx would
resolve the name again when it connects, and a hostile DNS server can answer differently
the second time. This httpcore network backend resolves once, checks every address, and
connects to a checked address itself; TLS still verifies the certificate for the host
name, since httpcore passes the request's host to `start_tls`.
"""

from __future__ import annotations

import ipaddress
import typing

import httpcore
import httpx

from .urlsafety import CannotResolve, Resolver, UnsafeURL, refusal, system_resolver

__all__ = ["GuardedBackend", "guarded_transport"]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Delegates to httpcore's own backend, after resolving and checking the host."""

    def __init__(self, *, resolve: Resolver | None = None) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._resolve = resolve

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            try:
                addresses = await (self._resolve or system_resolver)(host, port)
            except CannotResolve as exc:
                raise httpcore.ConnectError(str(exc)) from exc
        for text in addresses:
            reason = refusal(ipaddress.ip_address(text.split("%", 1)[0]))
            if reason:
                raise httpcore.ConnectError(str(UnsafeURL(reason)))
        error: Exception = httpcore.ConnectError(f"no address for {host}")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("feeds are never fetched over unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(
    limits: httpx.Limits, *, resolve: Resolver | None = None
) -> httpx.AsyncHTTPTransport:
    """httpx's transport, its connection pool given the guarded backend.

    httpx takes no network backend argument, so the pool it built is replaced by an
    identical one that has it.
    """
    transport = httpx.AsyncHTTPTransport(limits=limits)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(resolve=resolve),
    )
    return transport
