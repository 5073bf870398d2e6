"""Topic matching: normalise text, parse topic queries, index topics, match stories. Pure.

The engine lives in `alertbot.matching`; this module is its public surface:

    index = TopicIndex(Aliases.load(Path("config/aliases.toml")))
    index.add(42, "Nagorno-Karabakh -football")      # TopicError for a bad topic
    index.explain(story.title, story.text)          # {42: Reason('Nagorno–Karabakh', 'text')}

Exceptions: TopicError (a topic a user typed) and AliasError (the alias file), both
ValueError; str(e) is the message to show.
"""

from __future__ import annotations

from alertbot.matching.aliases import AliasError, Aliases, AliasGroup
from alertbot.matching.index import TopicIndex
from alertbot.matching.normalise import normalise
from alertbot.matching.query import MAX_LENGTH, MAX_TERMS, Query, Reason, TopicError, parse_query

__all__ = [
    "MAX_LENGTH",
    "MAX_TERMS",
    "AliasError",
    "AliasGroup",
    "Aliases",
    "Query",
    "Reason",
    "TopicError",
    "TopicIndex",
    "normalise",
    "parse_query",
]
