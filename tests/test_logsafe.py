"""Logs name a feed by host and path: query strings (API keys) and credentials stay out."""

from __future__ import annotations

import pytest

from alertbot.feeds.logsafe import loggable


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://example.com/rss", "example.com/rss"),
        ("https://example.com/rss?apikey=SECRET&x=1", "example.com/rss?…"),
        ("https://user:pass@example.com:8443/feed#frag", "example.com:8443/feed"),
        ("http://[::1]:8080/a", "[::1]:8080/a"),
        ("https://example.com", "example.com/"),
        ("http://example.com:99999/x", "(malformed URL)"),
    ],
)
def test_loggable(url: str, shown: str) -> None:
    assert loggable(url) == shown
    assert "SECRET" not in loggable(url) and "pass" not in loggable(url)
