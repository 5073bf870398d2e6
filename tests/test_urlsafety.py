"""Feed URLs that would make the bot fetch from its own host or an intranet are refused.

Only literals and "localhost" (from /etc/hosts) are resolved; other names use a fake resolver.
"""

from __future__ import annotations

import re

import pytest

from alertbot.feeds.urlsafety import (
    CannotResolve,
    UnsafeURL,
    check_destination,
    check_url_syntax,
)


@pytest.mark.parametrize(
    "url",
    ["https://example.com/feed.xml", "http://example.com:8080/rss?x=1", "HTTPS://EXAMPLE.COM"],
)
def test_good_syntax_is_returned_stripped(url: str) -> None:
    assert check_url_syntax(f"  {url}\n") == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "the URL is empty"),
        ("ftp://example.com/feed.xml", "only http and https URLs can be feeds"),
        ("file:///etc/passwd", "only http and https URLs can be feeds"),
        ("javascript:alert(1)", "the URL must start with http:// or https://"),
        ("localhost:8000/feed", "the URL must start with http:// or https://"),
        ("https:///feed.xml", "no host"),
        ("example.com/feed.xml", "the URL must start with http:// or https://"),
        ("https://user:secret@example.com/", "user name or password"),
        ("https://example.com:99999/", "malformed"),
        ("https://exa mple.com/", "spaces"),
        ("https://:80/", "no host"),
    ],
)
def test_bad_syntax_says_why(url: str, reason: str) -> None:
    with pytest.raises(UnsafeURL, match=reason):
        check_url_syntax(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/feed", "refusing a loopback address (127.0.0.1)"),
        ("http://127.8.9.10:8080/", "loopback"),
        ("http://[::1]/feed", "refusing a loopback address (::1)"),
        ("http://localhost:8000/feed", "loopback"),
        ("http://10.1.2.3/", "refusing a private address (10.1.2.3)"),
        ("http://192.168.1.1/", "private"),
        ("http://172.16.0.5/", "private"),
        ("http://[fd00::1]/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "refusing a link-local address"),
        ("http://[fe80::1]/", "link-local"),
        ("http://0.0.0.0/", "refusing an unspecified address"),
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "reserved"),
        ("http://100.64.0.1/", "non-public"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
    ],
)
async def test_private_destinations_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeURL, match=re.escape(reason)):
        await check_destination(url, allow_private=False)


async def test_allow_private_lets_everything_through_without_resolving() -> None:
    async def resolver_must_not_run(host: str, port: int) -> list[str]:
        raise AssertionError("resolved")

    for url in ("http://127.0.0.1/", "http://10.1.2.3/", "http://intranet.corp/"):
        await check_destination(url, allow_private=True, resolve=resolver_must_not_run)


async def test_public_addresses_pass() -> None:
    async def public(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]

    await check_destination("https://example.com/feed", allow_private=False, resolve=public)
    await check_destination("http://93.184.215.14/feed", allow_private=False)


async def test_one_private_address_among_public_ones_is_refused() -> None:
    async def rebinding(host: str, port: int) -> list[str]:
        assert (host, port) == ("feeds.example", 443)
        return ["93.184.215.14", "10.0.0.1"]

    with pytest.raises(UnsafeURL, match=r"refusing a private address \(10\.0\.0\.1\)"):
        await check_destination("https://feeds.example/rss", allow_private=False, resolve=rebinding)


async def test_unknown_host_is_a_resolution_failure_not_a_safety_one() -> None:
    async def nothing(host: str, port: int) -> list[str]:
        return []

    with pytest.raises(CannotResolve, match=r"cannot resolve host nowhere\.example"):
        await check_destination("https://nowhere.example/", allow_private=False, resolve=nothing)


async def test_bad_syntax_is_refused_before_resolving() -> None:
    with pytest.raises(UnsafeURL, match="only http and https"):
        await check_destination("gopher://127.0.0.1/", allow_private=True)
