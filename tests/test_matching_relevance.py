"""The labelled relevance corpus meets its targets (benchmarks/relevance.py prints the figures).

Deterministic: the same corpus, aliases and engine give the same score every time.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _relevance() -> ModuleType:
    spec = importlib.util.spec_from_file_location("relevance", ROOT / "benchmarks" / "relevance.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["relevance"] = module
    spec.loader.exec_module(module)
    return module


def test_the_corpus_is_large_and_varied_enough() -> None:
    relevance = _relevance()
    topics, stories = relevance.load()
    assert len(stories) >= 150 and len(topics) >= 15
    assert all(any(topic in s.labels for s in stories) for topic in topics)
    assert sum(not s.labels for s in stories) >= 40  # traps and unrelated stories


def test_every_topic_meets_precision_and_recall_targets() -> None:
    relevance = _relevance()
    topics, stories = relevance.load()
    aliases = relevance.Aliases.load(ROOT / "config" / "aliases.toml")
    missed = [
        (
            s.topic,
            round(s.precision, 3),
            round(s.recall, 3),
            [x.line for x in s.false_positives],
            [x.line for x in s.false_negatives],
        )
        for s in relevance.score(topics, stories, aliases)
        if not s.met
    ]
    assert missed == []
