"""Benchmark the topic index at 1,000, 10,000 and 100,000 subscriptions. Prints figures.

Run: .venv/bin/python benchmarks/matching.py [--quick]

Workload (deterministic, seeded): about 20,000 distinct topics — places real and made up,
people, 1-3 word phrases, OR groups, exclusions, prefixes, alias names from
config/aliases.toml, a few in Russian and Armenian — subscribed with a Zipf-like popularity,
matched against 1 KB stories: mostly common words, one word in ten a news word (so each
news word is in about one story in ten), and a few names, some typed with dashes, curly
apostrophes and accents. Before it is timed, the index sees 200 stories, as it would in
service, to settle each topic on its rarest word; the build time covers parsing and the
automaton. The naive baseline is one compiled regular expression per subscription, tried on
every story (the story is normalised once, as the index does); where that would take too
long it runs on a sample of the stories and the rate is an estimate, which the output says.

Targets on one core (issue 14): >= 5,000 stories/s at 100,000 subscriptions, >= 1,000x the
naive at 10,000, index under 200 MB; the last line says whether they are met.
"""

from __future__ import annotations

import argparse
import gc
import random
import re
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from alertbot.matching import Aliases, TopicIndex, parse_query
from alertbot.matching.forms import (
    base_pattern,
    inflections,
    is_cased,
    is_forms,
    spelling,
)
from alertbot.matching.normalise import prepare, searchable
from alertbot.matching.tree import And, Node, Not, Or, Term

ROOT = Path(__file__).resolve().parent.parent  # for config/aliases.toml


def _words(text: str) -> list[str]:
    return text.split()


SEED = 20201005
DISTINCT_TOPICS = 20_000
STORIES = 2_000
NAIVE_BUDGET = 4.0  # seconds of naive matching per size; stories beyond that are estimated

PLACES = _words("""
Armenia Azerbaijan Georgia Turkey Iran Russia Ukraine Kyiv Moscow Baku Yerevan Tbilisi
Ankara Tehran Stepanakert Shusha Ganja Mingachevir Terter Jabrayil Fizuli Lachin Kalbajar Agdam
Goris Syunik Nakhchivan Gyumri Vanadzor Sumgait Kharkiv Odesa Lviv Donetsk Crimea Minsk Warsaw
Berlin Paris London Brussels Geneva Vienna Rome Madrid Lisbon Athens Istanbul Izmir Damascus
Aleppo Beirut Baghdad Mosul Erbil Kabul Kandahar Islamabad Karachi Lahore Delhi Mumbai Kolkata
Dhaka Kathmandu Colombo Beijing Shanghai Hong Kong Taipei Tokyo Osaka Seoul Pyongyang Manila
Jakarta Surabaya Bandung Medan Makassar Aceh Papua Bangkok Hanoi Yangon Singapore Sydney
Auckland Nairobi Addis Ababa Khartoum Cairo Tripoli Tunis Algiers Rabat Lagos Abuja Accra Dakar
Kinshasa Luanda Harare Pretoria Johannesburg Washington Ottawa Mexico Havana Caracas Bogota
Lima Quito Santiago Brasilia Buenos Aires Montevideo Gaza Jerusalem Ramallah Amman Riyadh
Doha Dubai Muscat Sanaa Aden Tashkent Almaty Astana Bishkek Dushanbe Ashgabat Ulaanbaatar""")
FIRST = _words("""
Ilham Nikol Vladimir Recep Joe Emmanuel Olaf Rishi Xi Narendra Joko Prabowo Anies Hikmet
Ararat Zohrab Jeyhun Mirzoyan Lavrov Antony Josep Charles Ursula Volodymyr Dmitry Sergei Ali
Ahmed Fatima Leyla Anna Maria Elena Olga Irina Hasan Mehmet Ayse Omar Yusuf Sofia Lucia Pedro
Carlos Juan Kim Lee Park Chen Wang Li Zhang Tanaka Sato Putri Siti Budi Agus Dewi""")
LAST = _words("""
Aliyev Pashinyan Putin Erdogan Biden Macron Scholz Sunak Jinping Modi Widodo Subianto
Baswedan Hajiyev Mirzoyan Bayramov Lavrov Blinken Borrell Michel Leyen Zelensky Peskov Shoigu
Guterres Khan Rahman Hossain Yilmaz Kaya Demir Sahin Celik Petrov Ivanov Smirnov Kuznetsov
Popescu Novak Kowalski Garcia Martinez Lopez Gonzalez Silva Santos Oliveira Nguyen Tran Pham
Suzuki Takahashi Watanabe Kusuma Santoso Wijaya Halim Gunawan Setiawan Hakobyan Grigoryan""")
WORDS = _words("""
ceasefire truce shelling missile drone attack offensive border talks peace treaty
sanctions election protest parliament minister president army troops refugees humanitarian
aid convoy corridor pipeline gas oil prices inflation budget court verdict arrest strike
earthquake flood wildfire drought harvest wheat vaccine outbreak hospital school university
football match championship olympics referee coach transfer stadium festival concert film
award summit delegation embassy ambassador diplomat mediation monitors observers casualties
civilians prisoners exchange mines demining reconstruction bridge railway airport port
tariff trade exports imports currency bank debt bonds market shares investors startup
technology satellite launch cyber hackers leak scandal corruption reform opposition rally
coalition cabinet resignation vote referendum constitution rights journalists media
censorship internet blackout energy electricity blackout nuclear reactor climate emissions
""")
FILLER = _words("""
the a of to and in on for with as by at from that this was were is are has have had
said says will would could after before during while over under about against between into
its their his her they we our officials reported according statement local sources early
late week day night morning people country region city government forces new two three
""")
RUSSIAN = ["Нагорный Карабах", "Степанакерт", "Ереван", "Баку", "перемирие", "Карабахе"]
ARMENIAN = ["Արցախ", "Երևան", "Ստեփանակերտ", "հրադադար", "Ղարաբաղում"]
ALIAS_TOPICS = ["Nagorno-Karabakh", "Artsakh", "Karabakh", "Covid-19", "SARS-CoV-2", "Kyiv",
                "Stepanakert", "Lachin corridor", "Ilham Aliyev", "Pashinyan", "NATO"]  # fmt: skip


def made_up_places(rng: random.Random, n: int) -> list[str]:
    """Plausible place names from syllables: Velorin, Karastan, Tobremi."""
    starts = _words("Ka Ve Lo Ta Mi Sa Ber Dor Gal Hal Kir Mar Nor Pel Ros Sel Tor Val Zan Ar Ul")
    middles = _words("ra lo mi na ve to sa ri ko la de ba ne tu")
    ends = _words("n stan ville grad abad pur sk ia ora ek ov dere kend")
    names: set[str] = set()
    assert n < len(starts) * len(middles) ** 2 * len(ends) // 2  # or this never ends
    while len(names) < n:
        parts = [rng.choice(starts)] + [rng.choice(middles) for _ in range(rng.randint(0, 2))]
        names.add("".join(parts) + rng.choice(ends))
    return sorted(names)


def make_topics(rng: random.Random, places: list[str]) -> list[str]:
    """About DISTINCT_TOPICS distinct, parseable topics of the kinds people subscribe to."""

    def person() -> str:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"

    makers: list[tuple[int, Callable[[], str]]] = [
        (30, lambda: rng.choice(places)),
        (12, person),
        (6, lambda: f'"{person()}"'),
        (14, lambda: f"{rng.choice(places)} {rng.choice(WORDS)}"),
        (6, lambda: f'"{rng.choice(WORDS)} {rng.choice(WORDS)}" {rng.choice(places)}'),
        (8, lambda: f"({rng.choice(WORDS)} OR {rng.choice(WORDS)}) {rng.choice(places)}"),
        (3, lambda: f"{rng.choice(places)} OR {rng.choice(places)} OR {rng.choice(LAST)}"),
        (9, lambda: f"{rng.choice(places)} -{rng.choice(WORDS)}"),
        (2, lambda: f'{rng.choice(LAST)} -"{rng.choice(WORDS)} {rng.choice(WORDS)}"'),
        (6, lambda: rng.choice(places)[:5] + "*"),
        (2, lambda: f"{rng.choice(ALIAS_TOPICS)} {rng.choice(WORDS)}"),
        (1, lambda: rng.choice(ALIAS_TOPICS)),
        (1, lambda: f"{rng.choice(RUSSIAN + ARMENIAN)} {rng.choice(WORDS)}"),
    ]
    weights = [w for w, _ in makers]
    topics: dict[str, None] = {}
    while len(topics) < DISTINCT_TOPICS:
        topic = rng.choices(makers, weights)[0][1]()
        if len(topic.rstrip("*")) >= 3:
            topics[topic] = None
    return list(topics)


def make_stories(rng: random.Random, places: list[str], n: int) -> list[tuple[str, str]]:
    """Stories of about 1 KB: filler and news words, with a few names and phrases in them."""
    names = (
        places[:150] * 4 + places + [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(500)]
    )
    extra = ["Nagorno–Karabakh", "COVID-19", "Karabakh’s", "in Qarabağda", "Armenian-backed"]

    def sentence(length: int) -> str:
        words = [rng.choice(WORDS if rng.random() < 0.1 else FILLER) for _ in range(length)]
        for _ in range(rng.randint(0, 2)):
            words.insert(rng.randrange(len(words)), rng.choice(names))
        if rng.random() < 0.05:
            words.insert(rng.randrange(len(words)), rng.choice(extra))
        return " ".join(words).capitalize() + "."

    stories = []
    for _ in range(n):
        title = sentence(rng.randint(6, 11))[:-1]
        text = ""
        while len(text) < 1024:
            text += sentence(rng.randint(8, 20)) + " "
        stories.append((title, text[:1024]))
    return stories


def _naive_pattern(p: str) -> str:
    if is_forms(p):  # the word or any of its forms
        return "|".join(re.escape(f" {f} ") for f in (p[1:], *inflections(p[1:])))
    if is_cased(p):  # found in the normal form, then written so in the original (after \0)
        spelled = spelling(p)
        options = [spelled] + ([spelled[0] + spelled[1:].lower()] if len(spelled) >= 4 else [])
        either = "|".join(map(re.escape, options))
        return f"{re.escape(base_pattern(p))}(?=.*\x00.*?(?<![^\\W\\d_])(?:{either})(?![^\\W\\d_]))"
    return re.escape(p)


def naive_regex(tree: Node) -> str:
    """One regular expression for a whole topic: lookaheads over the padded normal form."""
    if isinstance(tree, Term):
        return f"(?=.*?(?:{'|'.join(map(_naive_pattern, tree.patterns))}))"
    if isinstance(tree, And):
        return "".join(naive_regex(p) for p in tree.parts)
    if isinstance(tree, Or):
        return "(?:" + "|".join(naive_regex(p) for p in tree.parts) + ")"
    assert isinstance(tree, Not)
    return f"(?!{naive_regex(tree.part)})"


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def bench(
    size: int, subs: list[str], stories: list[tuple[str, str]], aliases: Aliases
) -> tuple[float, float, float, bool]:
    """Prints one size's figures; returns stories/s, the ratio to the naive, MB, agreement."""
    gc.collect()
    rss_before = rss_mb()
    started = time.perf_counter()
    index = TopicIndex(aliases)
    for key, topic in enumerate(subs):
        index.add(key, topic)
    index.match("", "")  # the automaton is built lazily, before the first match
    build = time.perf_counter() - started
    gc.collect()
    rss = rss_mb() - rss_before

    del index
    gc.collect()
    tracemalloc.start()
    index = TopicIndex(aliases)
    for key, topic in enumerate(subs):
        index.add(key, topic)
    index.match("", "")
    traced = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()

    for title, text in stories[:200]:  # warm up: let topics settle on their rarest word
        index.match(title, text)
    # Every story is new to the bot: its normal form is worked out in the timing, not taken
    # from the memo that earlier runs over the same stories filled.
    searchable.cache_clear()
    started = time.perf_counter()
    results = [index.match(title, text) for title, text in stories]
    rate = len(stories) / (time.perf_counter() - started)
    matched = sum(len(r) for r in results) / len(results)
    searchable.cache_clear()
    started = time.perf_counter()
    for title, text in stories[:500]:
        index.explain(title, text)
    explain_rate = 500 / (time.perf_counter() - started)

    # The naive way: every subscription's own regex on every story.
    compiled: dict[str, re.Pattern[str]] = {}
    for topic in subs:
        if topic not in compiled:
            tree = parse_query(topic, aliases).tree
            compiled[topic] = re.compile(naive_regex(tree), re.DOTALL)
    per_sub = [compiled[topic] for topic in subs]
    started, done, agree = time.perf_counter(), 0, True
    for (title, text), expected in zip(stories, results, strict=False):
        # Title and text in one string, split by a character no pattern holds, so that no
        # phrase spans the two; normalised once per story, like the index does; then the
        # original (apostrophes and hashtags resolved) for the acronyms' capitals.
        both = f"{searchable(title)}\n{searchable(text)}\x00{prepare(title)}\n{prepare(text)}"
        keys = {key for key, rx in enumerate(per_sub) if rx.match(both)}
        agree &= keys == expected
        done += 1
        if time.perf_counter() - started > NAIVE_BUDGET and done >= 2:
            break
    naive_rate = done / (time.perf_counter() - started)
    sample = (
        f"all {done:,} stories"
        if done == len(stories)
        else f"a sample of {done:,} of the {len(stories):,} stories (estimated)"
    )
    print(
        f"{size:>7,} subs  {len(set(subs)):>6,} distinct topics  build {build:6.2f} s  "
        f"index {traced:6.1f} MB traced ({rss:6.1f} MB RSS)  "
        f"{rate:8,.0f} stories/s ({explain_rate:,.0f}/s with reasons)  "
        f"{matched:6.1f} keys/story"
    )
    print(
        f"{'':>7}  naive: {naive_rate:8,.1f} stories/s on {sample}  "
        f"-> index is {rate / naive_rate:,.0f}x faster; results agree: {'yes' if agree else 'NO'}",
        flush=True,
    )
    return rate, rate / naive_rate, traced, agree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 only")
    args = parser.parse_args()
    rng = random.Random(SEED)
    aliases = Aliases.load(ROOT / "config" / "aliases.toml")
    places = PLACES + made_up_places(rng, 6_000)
    topics = make_topics(rng, places)
    stories = make_stories(rng, places, STORIES)
    weights = [1 / (rank + 100) for rank in range(len(topics))]  # a few topics are popular
    print(
        f"{len(topics):,} distinct topics, {len(stories):,} stories of "
        f"{sum(len(t) for _, t in stories) // len(stories):,} characters, "
        f"{len(aliases)} alias groups; Python {sys.version.split()[0]}, one core"
    )
    figures = {}
    for size in (1_000, 10_000) if args.quick else (1_000, 10_000, 100_000):
        subs = rng.choices(topics, weights, k=size)
        figures[size] = bench(size, subs, stories, aliases)
    targets = [("results agree with the naive", all(f[3] for f in figures.values()))]
    targets.append((">= 1,000x the naive at 10,000", figures[10_000][1] >= 1_000))
    if 100_000 in figures:
        targets.append((">= 5,000 stories/s at 100,000", figures[100_000][0] >= 5_000))
        targets.append(("index < 200 MB at 100,000", figures[100_000][2] < 200))
    print("targets: " + ", ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in targets))


if __name__ == "__main__":
    main()
