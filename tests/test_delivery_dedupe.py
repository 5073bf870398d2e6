"""Same story, many feeds: one story (and one alert), whatever link or headline variant."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alertbot.models import Entry
from alertbot.refresh import dedupe
from alertbot.refresh.dedupe import HeadlineIndex, headline_key, same_key
from alertbot.refresh.intake import add_stories
from alertbot.store import Store


def same_story(a: str, b: str) -> bool:
    return same_key(headline_key(a), headline_key(b))


SAME = [
    (
        "Armenia, Azerbaijan agree ceasefire in Nagorno-Karabakh",
        "Armenia and Azerbaijan agree ceasefire in Nagorno-Karabakh - Reuters",
    ),
    (
        "Nagorno–Karabakh: fighting resumes despite truce",
        "Nagorno-Karabakh: Fighting resumes despite truce | BBC News",
    ),
    (
        "Perang Terus Berkecamuk, Armenia Merudal Kota Mingachevir Azerbaijan",
        "Perang terus berkecamuk, Armenia merudal kota Mingachevir di Azerbaijan",
    ),
    (
        "Pashinyan: Armenia ready for talks on Karabakh “without preconditions”",
        "Pashinyan: Armenia ready for talks on Karabakh without preconditions",
    ),
    ("Erdoğan backs Azerbaijan in Karabakh war", "Erdogan backs Azerbaijan in Karabakh war"),
    (
        "UN Security Council calls for an immediate halt to fighting in Nagorno-Karabakh",
        "UN Security Council calls for immediate halt to the fighting in Nagorno-Karabakh",
    ),
]

DIFFERENT = [
    # Who did what to whom matters.
    ("Armenia says Azerbaijan broke ceasefire", "Azerbaijan says Armenia broke ceasefire"),
    # Numbers make a different story.
    ("5 killed in shelling of Stepanakert", "50 killed in shelling of Stepanakert"),
    ("Ceasefire agreed on October 10", "Ceasefire agreed on October 17"),
    # One word of a few changes the story.
    (
        "Armenian PM calls for ceasefire talks in Moscow",
        "Armenian PM calls for ceasefire talks in Geneva",
    ),
    # Too generic to tell.
    ("Live updates", "Live updates"),
    ("Breaking news", "Breaking: news"),
    # Simply different.
    ("Armenia mobilises reservists", "Azerbaijan closes airspace over Ganja"),
    ("Kremlin: Putin and Erdogan discuss Karabakh", "Putin and Erdogan discuss Syria"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_near_identical_headlines_are_one_story(a: str, b: str) -> None:
    assert same_story(a, b) and same_story(b, a)


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_headlines_are_different_stories(a: str, b: str) -> None:
    assert not same_story(a, b) and not same_story(b, a)


def test_the_index_finds_the_earliest_retelling_only() -> None:
    index = HeadlineIndex()
    index.add(1, "Armenia and Azerbaijan agree ceasefire in Nagorno-Karabakh")
    index.add(2, "Azerbaijan closes airspace over Ganja")
    index.add(3, "Armenia, Azerbaijan agree ceasefire in Nagorno-Karabakh")
    assert index.find("Armenia, Azerbaijan agree ceasefire in Nagorno-Karabakh - AP") == 1
    assert index.find("Azerbaijan closes its airspace over Ganja") == 2
    assert index.find("Armenia mobilises reservists") is None


def entry(guid: str, title: str, link: str) -> Entry:
    return Entry(guid=guid, link=link, title=title)


HOUR = 3600.0


def test_a_story_three_feeds_carry_is_stored_once_with_two_extra_sources(
    fresh_store: Store,
) -> None:
    feeds = [fresh_store.add_feed(f"https://f{n}.example/rss", interval=300) for n in (1, 2, 3)]
    title = "Armenia, Azerbaijan agree ceasefire in Nagorno-Karabakh"
    (story,) = add_stories(
        fresh_store, feeds[0].id, [entry("a", title, "https://news.example/ceasefire")], now=1000.0
    )
    # The same link with tracking, and the same headline under another link, hours later.
    tracked = entry("b", title, "http://news.example/ceasefire/?utm_source=rss&fbclid=x#top")
    assert add_stories(fresh_store, feeds[1].id, [tracked], now=1000.0 + HOUR) == []
    retold = entry("c", title + " - Reuters", "https://wire.example/123")
    assert add_stories(fresh_store, feeds[2].id, [retold], now=1000.0 + 20 * HOUR) == []
    assert fresh_store.count_stories() == 1
    assert fresh_store.extra_sources([story.id]) == {story.id: 2}


def test_the_same_headline_a_day_later_is_a_new_story(fresh_store: Store) -> None:
    one = fresh_store.add_feed("https://f1.example/rss", interval=300)
    two = fresh_store.add_feed("https://f2.example/rss", interval=300)
    title = "UN Security Council meets on Nagorno-Karabakh"
    add_stories(fresh_store, one.id, [entry("a", title, "https://a.example/1")], now=0.0)
    later = add_stories(
        fresh_store, two.id, [entry("b", title, "https://b.example/2")], now=25 * HOUR
    )
    assert [s.title for s in later] == [title]


def test_a_copy_stays_known_after_the_window(fresh_store: Store) -> None:
    """A feed that keeps a retold item for days never turns it into a new story."""
    one = fresh_store.add_feed("https://f1.example/rss", interval=300)
    two = fresh_store.add_feed("https://f2.example/rss", interval=300)
    title = "UN Security Council meets on Nagorno-Karabakh"
    add_stories(fresh_store, one.id, [entry("a", title, "https://a.example/1")], now=0.0)
    copy = entry("b", title, "https://b.example/2")
    assert add_stories(fresh_store, two.id, [copy], now=HOUR) == []
    assert add_stories(fresh_store, two.id, [copy], now=48 * HOUR) == []
    assert fresh_store.count_stories() == 1


def test_one_feed_giving_a_story_twice_is_not_an_extra_source(fresh_store: Store) -> None:
    feed = fresh_store.add_feed("https://f1.example/rss", interval=300)
    title = "Armenia, Azerbaijan agree ceasefire in Nagorno-Karabakh"
    (story,) = add_stories(
        fresh_store,
        feed.id,
        [entry("a", title, "https://a.example/1"), entry("b", title, "https://a.example/1b")],
    )
    assert fresh_store.extra_sources([story.id]) == {}


def test_pruning_a_story_forgets_its_sources(fresh_store: Store) -> None:
    one = fresh_store.add_feed("https://f1.example/rss", interval=300)
    two = fresh_store.add_feed("https://f2.example/rss", interval=300)
    add_stories(
        fresh_store, one.id, [entry("a", "Old news story here", "https://a.example/1")], now=0
    )
    add_stories(
        fresh_store, two.id, [entry("b", "Old news story here", "https://a.example/1")], now=0
    )
    assert fresh_store.prune_stories(older_than=HOUR) == 1
    assert fresh_store._scalar("select count(*) from story_sources") == 0


def test_numbers_after_a_dash_still_count() -> None:
    assert not same_story(
        "Shelling hits Stepanakert - 3 killed", "Shelling hits Stepanakert - 5 killed"
    )


_VOCAB = ["armenia", "baku", "ceasefire", "talks", "shelling", "karabakh", "army", "peace"]
_headline = st.lists(st.sampled_from(_VOCAB), min_size=1, max_size=12).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(_headline, min_size=1, max_size=25), _headline)
def test_index_finds_exactly_what_comparing_with_every_headline_finds(
    stored: list[str], title: str
) -> None:
    """The index only prunes candidates: it agrees with the slow all-pairs comparison."""
    index = HeadlineIndex()
    for n, headline in enumerate(stored):
        index.add(n, headline)
    slow = next((n for n, h in enumerate(stored) if same_story(title, h)), None)
    assert index.find(title) == slow


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_VOCAB), min_size=3, max_size=14), min_size=1, max_size=15),
    st.data(),
)
def test_index_agrees_on_near_twins(stored: list[list[str]], data: st.DataObject) -> None:
    """Headlines one or two edits away from a stored one: the hard cases for pruning."""
    words = list(data.draw(st.sampled_from(stored)))
    for _ in range(data.draw(st.integers(1, 2))):
        at = data.draw(st.integers(0, len(words)))
        edit = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        if edit == "insert" or not words:
            words.insert(at, data.draw(st.sampled_from(_VOCAB)))
        elif edit == "delete":
            del words[min(at, len(words) - 1)]
        else:
            words[min(at, len(words) - 1)] = data.draw(st.sampled_from(_VOCAB))
    title = " ".join(words)
    index = HeadlineIndex()
    for n, headline in enumerate(stored):
        index.add(n, " ".join(headline))
    slow = next((n for n, h in enumerate(stored) if same_story(title, " ".join(h))), None)
    assert index.find(title) == slow


_NEWS = str.split(
    "banjir gempa harga beras cabai naik turun warga desa kota presiden menteri polisi "
    "korban tewas pengungsi bantuan flood quake prices rise fall government police talks "
    "ceasefire army Jakarta Bandung Sumedang Armenia Azerbaijan Jokowi"
)


def _corpus(seed: int, count: int) -> list[str]:
    """Headlines from few words, half of them retelling an earlier one with small edits."""
    import random

    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(count):
        if out and rng.random() < 0.5:
            words = rng.choice(out[-300:]).split()
            for _ in range(rng.randint(0, 2)):
                at = rng.randrange(len(words) + 1)
                edit = rng.choice(["insert", "delete", "replace", "number", "suffix"])
                if edit == "insert":
                    words.insert(at, rng.choice([*_NEWS, "di", "the"]))
                elif edit == "delete" and len(words) > 3:
                    del words[min(at, len(words) - 1)]
                elif edit == "replace":
                    words[min(at, len(words) - 1)] = rng.choice(_NEWS)
                elif edit == "number":
                    words.insert(at, str(rng.choice([3, 5, 50])))
                else:
                    words += ["-", rng.choice(["Kompas", "Reuters"])]
        else:  # new, now and then with a word said twice
            words = rng.choices(_NEWS[: rng.choice([8, 20, len(_NEWS)])], k=rng.randint(2, 12))
        out.append(" ".join(words))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_with_expiry_decides_as_comparing_with_every_headline(seed: int) -> None:
    """As the poller uses it: a day's window, found or stored, old headlines expired."""
    index = HeadlineIndex()
    stored: list[tuple[int, str, float]] = []
    step = 300.0  # about 290 stories in a 24-hour window
    for n, title in enumerate(_corpus(seed, 2_500)):
        now = n * step
        since = now - 24 * 3600
        slow = next((i for i, h, at in stored if at >= since and same_story(title, h)), None)
        assert index.find(title, since=since) == slow, title
        if slow is None:
            index.add(n, title, now)
            stored.append((n, title, now))
        index.expire(since)
    assert len(index) <= 24 * 3600 / step + 1  # expired headlines are gone, not only skipped


def test_forgotten_and_expired_headlines_are_not_found() -> None:
    index = HeadlineIndex()
    index.add(1, "Armenia and Azerbaijan agree ceasefire in Nagorno-Karabakh", 10.0)
    index.add(2, "Armenia, Azerbaijan agree ceasefire in Nagorno-Karabakh", 20.0)
    index.forget([1])
    assert index.find("Armenia, Azerbaijan agree ceasefire in Nagorno-Karabakh") == 2
    index.expire(before=20.0)
    assert len(index) == 1
    index.expire(before=21.0)
    assert index.find("Armenia, Azerbaijan agree ceasefire in Nagorno-Karabakh") is None
    assert len(index) == 0
    index.add(1, "Armenia, Azerbaijan agree ceasefire in Nagorno-Karabakh", 30.0)
    assert index.find("Armenia and Azerbaijan agree ceasefire in Nagorno-Karabakh") == 1


def plain_key_parts(title: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """headline_key's words and numbers by its definition, with no shortcut taken."""
    text = title
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    numbers = frozenset(t for t in re.findall(r"\w+", text) if t.isdigit())
    match = dedupe._SUFFIX.search(text)
    if match and len(match.group(1).split()) <= 4:
        text = text[: match.start()]
    tokens = re.findall(r"\w+", text.casefold().replace("_", " "))
    return tuple(t for t in tokens if t not in dedupe._STOPWORDS and not t.isdigit()), numbers


TITLE_PIECES = st.sampled_from(
    ["Armenia", " ", "5", "50", "٣", "²", "x2", "Café", " - ", " – ", " | ", ":", "::", " Reuters"]
)


@settings(max_examples=1_000, deadline=None)
@given(st.lists(TITLE_PIECES, max_size=10).map("".join))
def test_the_key_shortcuts_never_change_a_key(title: str) -> None:
    # ASCII titles without 0-9 skip the number scan, titles without a dash, bar or colon the
    # suffix pattern: the words and numbers must be what the plain definition gives.
    key = dedupe.headline_key.__wrapped__(title)
    assert (key.words, key.numbers) == plain_key_parts(title)
