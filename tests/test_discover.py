"""/addfeed given a site's page finds the feeds the page advertises."""

from __future__ import annotations

from pathlib import Path

from alertbot.feeds.discover import discover_feeds

PAGE = Path(__file__).parent / "fixtures" / "feeds" / "html_page.html"


def test_fixture_page_lists_its_rss_and_atom_feeds_once_in_order() -> None:
    found = discover_feeds(PAGE.read_bytes(), "https://www.serambinews.com/internasional")
    assert found == [
        "https://www.serambinews.com/rss/internasional.xml",
        "https://www.serambinews.com/atom/internasional.xml",
    ]


def test_relative_links_follow_base_href() -> None:
    html = b"""<html><head><base href="https://cdn.example/site/">
    <link rel="alternate" type="application/atom+xml" href="atom.xml"></head></html>"""
    assert discover_feeds(html, "https://example.com/page") == ["https://cdn.example/site/atom.xml"]


def test_self_closing_links_and_rel_lists_count() -> None:
    html = b'<link rel="alternate home" type="application/rss+xml; charset=utf-8" href="/r.xml"/>'
    assert discover_feeds(html, "https://example.com/a/b") == ["https://example.com/r.xml"]


def test_json_feeds_stylesheets_and_odd_schemes_are_ignored() -> None:
    html = b"""
    <link rel="alternate" type="application/feed+json" href="/feed.json">
    <link rel="alternate" type="application/json" href="/feed.json">
    <link rel="stylesheet" type="text/css" href="/s.css">
    <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    <link rel="alternate" type="application/rss+xml">
    <a rel="alternate" type="application/rss+xml" href="/in-body-anchor.xml">RSS</a>
    """
    assert discover_feeds(html, "https://example.com/") == []


def test_a_page_without_feeds_gives_nothing() -> None:
    assert discover_feeds(b"<html><body><p>Hello</p></body></html>", "https://example.com/") == []
    assert discover_feeds(b"\xff\xfe not even text", "https://example.com/") == []
