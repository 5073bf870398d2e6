"""The suite's own guard: reaching beyond loopback fails the test instead of leaking out."""

from __future__ import annotations

import socket

import pytest


def test_connecting_to_a_public_address_is_refused() -> None:
    with socket.socket() as s, pytest.raises(RuntimeError, match="reach the network"):
        s.connect(("93.184.216.34", 80))


def test_resolving_a_public_name_is_refused() -> None:
    with pytest.raises(RuntimeError, match="resolve a network name"):
        socket.getaddrinfo("example.com", 80)


def test_loopback_is_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())
