"""Benchmark the headline dedupe at 1,000, 10,000 and 50,000 headlines in the window. Prints figures.

Run: .venv/bin/python benchmarks/dedupe.py [--lookups N]  (N per round, 1,000)

Workload (deterministic, seeded): headlines of 4-13 words drawn, with a Zipf-like
popularity, from Indonesian and English news words and names (about six in ten headlines
Indonesian), a third of them with a number. One headline in six retells a recent one (a
"- Source" or "| Source" suffix, other case, a small word added or dropped, a word
replaced, a number changed, two names swapped), so the window holds near-twins as a day's
feeds do. The window holds N headlines first seen over 24 hours; then each looked-up
headline, in steady state as the poller sees them:

- `find` it among the window's headlines (`since` = now - 24 h);
- `add` it, and `expire` what is now older than the window (so the window stays at N).

Looked up: four in ten retell a headline of the window (anywhere in it), the rest are new.
Measured on the same window in the same run:

- new: refresh/dedupe.py's `HeadlineIndex`;
- naive: every headline of the window compared with the same `same_key` rule, in order,
  the first that matches wins — what the index must agree with. Where that would take too
  long it runs on the first of the lookups only (the output says how many), and the
  decisions of both on those are compared.

The lookups are timed in rounds of 1,000, the three sizes taking turns so a busy moment on
the shared machine hits them alike; the best round counts, the median is shown.

Target: the cost per looked-up headline at 50,000 is within 1.5x of the cost at 1,000.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import deque
from dataclasses import dataclass, field

from alertbot.refresh.dedupe import (
    WINDOW_SECONDS,
    HeadlineIndex,
    HeadlineKey,
    headline_key,
    same_key,
)

SEED = 20201005
SIZES = (1_000, 10_000, 50_000)
ROUNDS = 7  # lookups are timed in rounds; the best (least disturbed by other work) counts
NAIVE_BUDGET = 3.0  # seconds of naive lookups per size; the rest are not run


def _words(text: str) -> list[str]:
    return text.split()


ID_WORDS = _words("""
pemerintah warga banjir gempa harga pasar presiden menteri polisi sekolah rumah sakit
jalan tol kereta bandara pelabuhan nelayan petani beras cabai minyak listrik air hujan
angin laut gunung desa kota provinsi kabupaten bupati gubernur dewan partai pemilu
korban tewas luka evakuasi pengungsi bantuan anggaran utang pajak ekspor impor rupiah
saham bursa inflasi bank kredit investasi pabrik pekerja buruh upah mogok demo unjuk rasa
mahasiswa guru dokter vaksin pasien virus kasus positif sembuh meninggal kebakaran hutan
lahan asap longsor tanah erupsi tsunami peringatan dini cuaca ekstrem gelombang tinggi
kapal tenggelam pesawat jatuh kecelakaan lalu lintas mudik libur lebaran natal tahun baru
sidang hakim jaksa terdakwa vonis penjara korupsi suap tersangka ditangkap diperiksa
komisi rapat undang revisi tolak dukung kritik minta desak janji resmi umumkan tunda
batalkan naik turun melonjak anjlok stabil langka murah mahal baru lama besar kecil
""")
EN_WORDS = _words("""
government president minister police court judge trial verdict prison corruption bribery
election vote party parliament senate bill law reform budget debt tax trade export import
market stocks shares inflation rates bank central growth recession jobs workers strike
protest students teachers doctors vaccine virus cases deaths hospital outbreak flood quake
earthquake storm typhoon wildfire volcano eruption tsunami warning rescue evacuation
refugees aid talks ceasefire truce peace war troops army attack strike missile drone border
sanctions oil gas prices power grid fuel shortage airport flight crash ship sinks ferry train
derails accident road highway toll holiday new record high low surge plunge rises falls
warns calls urges vows rejects backs approves delays cancels announces launches opens
closes bans lifts plans deal agreement summit meeting visit report probe investigation
""")
NAMES = _words("""
Jakarta Surabaya Bandung Medan Semarang Makassar Palembang Denpasar Bali Lombok Papua Aceh
Riau Jambi Bengkulu Lampung Banten Yogyakarta Solo Malang Kediri Cirebon Bogor Depok Bekasi
Tangerang Sumedang Garut Cianjur Sukabumi Pontianak Samarinda Balikpapan Manado Ambon
Kupang Jayapura Sorong Ternate Palu Kendari Gorontalo Mataram Batam Jokowi Prabowo Anies
Ganjar Sri Mulyani Luhut Erick Thohir Ridwan Kamil Khofifah KPK DPR MK BMKG BNPB Pertamina
PLN Garuda Bulog OJK BI Armenia Azerbaijan Ukraine Russia China Malaysia Singapore
Australia Japan Korea India Philippines Thailand Vietnam Myanmar Biden Putin Xi Albanese
""")
SOURCES = _words("""Kompas Detik Tempo Antara CNN Reuters AP BBC Liputan6 Tribunnews Okezone Kumparan
""")
SMALL = ["di", "ke", "dari", "dan", "yang", "untuk", "the", "of", "in", "on", "to", "for"]


def _zipf(words: list[str], rng: random.Random) -> list[str]:
    """The words shuffled into a popularity order, for `random.choices` weights."""
    out = list(dict.fromkeys(words))
    rng.shuffle(out)
    return out


class Headlines:
    """A seeded stream of news headlines, one in six retelling a recent one."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.langs = {
            "id": _zipf(ID_WORDS, self.rng),
            "en": _zipf(EN_WORDS, self.rng),
        }
        self.names = _zipf(NAMES, self.rng)
        self.weights = {k: [1 / (r + 8) for r in range(len(v))] for k, v in self.langs.items()}
        self.name_weights = [1 / (r + 5) for r in range(len(self.names))]
        self.recent: deque[str] = deque(maxlen=2_000)

    def fresh(self) -> str:
        rng = self.rng
        lang = "id" if rng.random() < 0.6 else "en"
        words = rng.choices(self.langs[lang], self.weights[lang], k=rng.randint(3, 10))
        for _ in range(rng.randint(1, 2)):
            words.insert(
                rng.randrange(len(words) + 1), rng.choices(self.names, self.name_weights)[0]
            )
        for _ in range(rng.randint(0, 2)):
            words.insert(rng.randrange(1, len(words)), rng.choice(SMALL))
        if rng.random() < 0.33:
            words.insert(
                rng.randrange(len(words) + 1), str(rng.choice([2, 3, 5, 7, 10, 12, 50, 100, 2020]))
            )
        title = " ".join(words)
        return title[0].upper() + title[1:]

    def retell(self, title: str) -> str:
        rng = self.rng
        words = title.split()
        kind = rng.randrange(7)
        if kind == 0:
            return f"{title} {rng.choice(['-', '|'])} {rng.choice(SOURCES)}"
        if kind == 1:
            return title.upper() if rng.random() < 0.5 else title.lower()
        if kind == 2:
            words.insert(rng.randrange(1, len(words) + 1), rng.choice(SMALL))
        elif kind == 3 and len(words) > 4:
            del words[rng.randrange(len(words))]
        elif kind == 4:
            lang = "id" if rng.random() < 0.6 else "en"
            words[rng.randrange(len(words))] = rng.choices(self.langs[lang], self.weights[lang])[0]
        elif kind == 5:
            numbers = [n for n, w in enumerate(words) if w.isdigit()]
            if numbers:
                words[numbers[0]] = str(int(words[numbers[0]]) + rng.choice([1, 10]))
            else:
                words.append(str(rng.randint(2, 9)))
        else:
            names = [n for n, w in enumerate(words) if w in self.names]
            if len(names) >= 2:
                i, j = names[:2]
                words[i], words[j] = words[j], words[i]
            else:
                words.append(rng.choice(SOURCES))
        return " ".join(words)

    def next(self) -> str:
        if self.recent and self.rng.random() < 1 / 6:
            title = self.retell(self.rng.choice(self.recent))
        else:
            title = self.fresh()
        self.recent.append(title)
        return title


class Naive:
    """Every headline of the window, compared in order with `same_key`: the peer."""

    def __init__(self) -> None:
        self.window: deque[tuple[int, HeadlineKey, float]] = deque()

    def find(self, title: str, *, since: float) -> int | None:
        key = headline_key(title)
        for story_id, other, seen in self.window:
            if seen >= since and same_key(key, other):
                return story_id
        return None

    def add(self, story_id: int, title: str, seen_at: float) -> None:
        self.window.append((story_id, headline_key(title), seen_at))

    def expire(self, before: float) -> None:
        while self.window and self.window[0][2] < before:
            self.window.popleft()


def lookups(stream: Headlines, window: list[str], count: int) -> list[str]:
    """Headlines to look up: four in ten retell one of the window as it is by then."""
    rng = random.Random(SEED + len(window))
    recent = deque(window, maxlen=len(window))
    out = []
    for _ in range(count):
        title = stream.retell(rng.choice(recent)) if rng.random() < 0.4 else stream.fresh()
        recent.append(title)
        out.append(title)
    return out


def poll(index: HeadlineIndex | Naive, story_id: int, title: str, now: float) -> int | None:
    """What the poller does with a headline: a retold one is found, a new one stored."""
    found = index.find(title, since=now - WINDOW_SECONDS)
    if found is None:  # only stories are remembered, not their second sources
        index.add(story_id, title, now)
    index.expire(now - WINDOW_SECONDS)
    return found


def steady(
    index: HeadlineIndex | Naive, titles: list[str], first_id: int, t0: float, step: float
) -> tuple[float, list[int | None]]:
    """Seconds taken to look up, add and expire each title in turn; the finds."""
    headline_key.cache_clear()  # each looked-up headline is new to the process
    start = time.perf_counter()
    found = [poll(index, first_id + n, title, t0 + n * step) for n, title in enumerate(titles)]
    return time.perf_counter() - start, found


@dataclass
class Run:
    """One window size: its index and naive peer on the same window, and what to look up."""

    size: int
    index: HeadlineIndex
    naive: Naive
    titles: list[str]
    now: float
    step: float
    per_round: list[float] = field(default_factory=list)
    found: list[int | None] = field(default_factory=list)


def prepare(size: int, count: int) -> Run:
    stream = Headlines(SEED + size)
    step = WINDOW_SECONDS / size  # the window's N stories, evenly over 24 hours
    t0 = 1_600_000_000.0
    index, naive = HeadlineIndex(), Naive()
    window: list[str] = []
    while len(window) < size:  # N stories: headlines that retell none before them
        title = stream.next()
        if index.find(title) is None:
            at = t0 + len(window) * step
            index.add(len(window), title, at)
            naive.add(len(window), title, at)
            window.append(title)
    titles = lookups(stream, window, count * ROUNDS)
    return Run(size, index, naive, titles, t0 + size * step, step)


def timed_round(run: Run, r: int, count: int) -> None:
    chunk = run.titles[r * count : (r + 1) * count]
    at = run.now + r * count * run.step
    seconds, got = steady(run.index, chunk, run.size + r * count, at, run.step)
    run.per_round.append(seconds / count)
    run.found += got


def report(run: Run, count: int) -> float:
    """Runs the naive peer on the same lookups, as far as its budget goes; prints both."""
    new_cost, median = min(run.per_round), statistics.median(run.per_round)
    naive_found: list[int | None] = []
    headline_key.cache_clear()
    start = time.perf_counter()
    for n, title in enumerate(run.titles):
        naive_found.append(poll(run.naive, run.size + n, title, run.now + n * run.step))
        if time.perf_counter() - start > NAIVE_BUDGET:
            break
    naive_cost = (time.perf_counter() - start) / len(naive_found)
    agree = run.found[: len(naive_found)] == naive_found
    twins = sum(f is not None for f in run.found)
    print(
        f"{run.size:>7,} in the window: {new_cost * 1e6:5.1f} µs a headline (best of {ROUNDS} "
        f"rounds of {count:,}; median {median * 1e6:5.1f}), {twins:,} of {len(run.found):,} "
        f"found retold | naive {naive_cost * 1e6:8.1f} µs ({len(naive_found):,} lookups), "
        f"{naive_cost / new_cost:6.1f}x the index; decisions "
        f"{'identical' if agree else 'DIFFER'}"
    )
    return new_cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=1_000, help="per round")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, one core; headline then add + expire, steady state")
    runs = [prepare(size, args.lookups) for size in SIZES]
    for r in range(ROUNDS):  # the sizes take turns, so a busy moment hits them all alike
        for run in runs:
            timed_round(run, r, args.lookups)
    costs = {run.size: report(run, args.lookups) for run in runs}
    ratio = costs[SIZES[-1]] / costs[SIZES[0]]
    print(
        f"cost at {SIZES[-1]:,} is {ratio:.2f}x the cost at {SIZES[0]:,}: target <= 1.5x "
        f"{'met' if ratio <= 1.5 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
