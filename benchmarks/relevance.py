"""Score the topic engine on a labelled corpus: precision and recall per topic. Prints figures.

Run: .venv/bin/python benchmarks/relevance.py [--verbose]

The corpus is tests/fixtures/relevance/: topics.txt (queries as readers type them) and
stories.txt (short stories, most of them Indonesian, each labelled with the topics it is
about; bodies are HTML or text and are cleaned as feed items are, so related-link boxes and
"Baca juga:" markers count as they would in service). Each story goes through
`alertbot.feeds.cleaning.clean` and one `TopicIndex` holding every topic, with the alias
groups of config/aliases.toml. Targets: precision >= 0.98 and recall >= 0.95 for every topic.
tests/test_matching_relevance.py asserts the same targets (the scoring is deterministic).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from alertbot.feeds.cleaning import clean
from alertbot.matching import Aliases, TopicIndex

ROOT = Path(__file__).resolve().parent.parent

CORPUS = ROOT / "tests" / "fixtures" / "relevance"
PRECISION, RECALL = 0.98, 0.95


@dataclass(frozen=True)
class Story:
    line: int
    labels: frozenset[str]
    title: str
    body: str


@dataclass(frozen=True)
class Score:
    topic: str
    relevant: int
    true_positives: int
    false_positives: list[Story]
    false_negatives: list[Story]

    @property
    def precision(self) -> float:
        found = self.true_positives + len(self.false_positives)
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.relevant if self.relevant else 1.0

    @property
    def met(self) -> bool:
        return self.precision >= PRECISION and self.recall >= RECALL


def _lines(path: Path) -> list[tuple[int, str]]:
    return [
        (n, line)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.strip() and not line.startswith("#")
    ]


def load(corpus: Path = CORPUS) -> tuple[list[str], list[Story]]:
    topics = [line.strip() for _, line in _lines(corpus / "topics.txt")]
    stories = []
    for n, line in _lines(corpus / "stories.txt"):
        labels, title, body = (part.strip() for part in line.split(" | ", 2))
        tags = frozenset() if labels == "-" else frozenset(t.strip() for t in labels.split(";"))
        unknown = tags - set(topics)
        if unknown:
            raise ValueError(f"stories.txt:{n}: unknown topic {sorted(unknown)[0]!r}")
        stories.append(Story(n, tags, title, body))
    return topics, stories


def score(topics: list[str], stories: list[Story], aliases: Aliases) -> list[Score]:
    index = TopicIndex(aliases)
    for topic in topics:
        index.add(topic, topic)
    matched = {story: index.match(story.title, clean(story.body)) for story in stories}
    return [
        Score(
            topic,
            sum(topic in s.labels for s in stories),
            sum(topic in s.labels and topic in matched[s] for s in stories),
            [s for s in stories if topic not in s.labels and topic in matched[s]],
            [s for s in stories if topic in s.labels and topic not in matched[s]],
        )
        for topic in topics
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list every error")
    args = parser.parse_args()
    topics, stories = load()
    scores = score(topics, stories, Aliases.load(ROOT / "config" / "aliases.toml"))
    print(f"{len(stories)} stories, {len(topics)} topics; targets P >= {PRECISION}, R >= {RECALL}")
    for s in scores:
        print(
            f"  {s.topic:24} relevant {s.relevant:3}  P {s.precision:.3f}  R {s.recall:.3f}"
            f"  {'ok' if s.met else 'MISSED'}"
        )
        if args.verbose:
            for story in s.false_positives:
                print(f"      false positive, line {story.line}: {story.title}")
            for story in s.false_negatives:
                print(f"      missed, line {story.line}: {story.title}")
    tp = sum(s.true_positives for s in scores)
    fp = sum(len(s.false_positives) for s in scores)
    fn = sum(len(s.false_negatives) for s in scores)
    print(
        f"overall: P {tp / (tp + fp):.3f}  R {tp / (tp + fn):.3f}; "
        f"every topic meets its targets: {'yes' if all(s.met for s in scores) else 'no'}"
    )


if __name__ == "__main__":
    main()
