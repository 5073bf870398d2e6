"""The topic query language: parse what /subscribe gets, match it slowly, say why it matched.

Armenia ceasefire            every word, any order
"a phrase"  Nagorno-Karabakh consecutive words (a hyphen or dash joins words into a phrase)
(ceasefire OR truce) Baku    alternatives, grouped
Armenia -football -"a b"     exclusions
armen*                       words that begin so
UN  NATO                     acronyms: typed in capitals, found only in capitals (Nato too)
longsor                      also its word forms (longsornya, pascalongsor); "longsor" exact
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from alertbot.i18n import ENGLISH, N_, Refusal, Texts
from alertbot.matching.aliases import Aliases
from alertbot.matching.explain import Explainer, Reason, found_in
from alertbot.matching.forms import acronym, has_forms
from alertbot.matching.normalise import display_form, tokens
from alertbot.matching.tree import And, Node, Not, Or, Term

__all__ = ["MAX_LENGTH", "MAX_TERMS", "Explainer", "Query", "Reason", "TopicError", "parse_query"]

MAX_LENGTH = 200
MAX_TERMS = 20
MIN_PREFIX = 3  # letters before *: "ar*" would wake up every story
MAX_UNDERSTOOD = 300
_QUOTES = '"“”„‟«»〝〞'  # what people type for phrase quotes; NFKC has folded the fullwidth one
_DASHES = "-‐‑‒–—―−﹣－"
_DASHES_RE = re.compile(f"[{_DASHES}]")


class TopicError(Refusal):
    """A topic that cannot be used."""


@dataclass(frozen=True)
class Query:
    """A parsed topic: as typed, as understood (shown back), and the tree that matches."""

    source: str
    understood: str  # in English; understood_in(t) in the reader's language
    tree: Node = field(repr=False)

    def understood_in(self, t: Texts) -> str:
        return _understood(self.tree, t)

    def matches(self, title: str, text: str) -> Reason | None:
        """Why the story matches, or None; simple and slow (one search per pattern)."""
        patterns = {p for term in self.tree.terms() for p in term.patterns}
        in_title, in_text = found_in(patterns, title), found_in(patterns, text)
        if not self.tree.holds(in_title | in_text):
            return None
        return Explainer(title, text, in_title, in_text).reason(self.tree)


def parse_query(text: str, aliases: Aliases | None = None) -> Query:
    """Parse a topic; raises TopicError with the reply for the user."""
    source = text.strip()
    if not source:
        raise TopicError(N_("The topic is empty: give words to look for, e.g. Armenia -football."))
    if len(source) > MAX_LENGTH:
        raise TopicError(
            N_("The topic is too long: {n} characters (at most {most})."),
            n=len(source),
            most=MAX_LENGTH,
        )
    tree = _Parser(_lex(unicodedata.normalize("NFKC", source)), aliases or Aliases.empty()).run()
    count = sum(1 for _ in tree.terms())
    if count > MAX_TERMS:
        raise TopicError(N_("Too many terms: {n} (at most {most})."), n=count, most=MAX_TERMS)
    if tree.required() is None:
        if all(isinstance(n, Not) for n in (tree.parts if isinstance(tree, And) else (tree,))):
            raise TopicError(
                N_("Only exclusions: add at least one word to look for, e.g. Armenia -football.")
            )
        raise TopicError(N_("An exclusion cannot be an OR alternative on its own: (a OR -b)."))
    return Query(source=text, understood=_understood(tree, ENGLISH), tree=tree)


def _understood(tree: Node, t: Texts) -> str:
    understood = tree.render(t)
    if any(term.inflected for term in tree.terms()):
        understood += " " + t.gettext(N_("(+ word forms)"))
    if len(understood) >= MAX_UNDERSTOOD:
        understood = understood[: MAX_UNDERSTOOD - 2] + "…"
    return understood


@dataclass(frozen=True)
class _Bare:
    """An unquoted word, kept apart until we know whether its neighbours join it (aliases)."""

    text: str
    words: tuple[str, ...]


_Token = tuple[str, str]  # kind, text: ("word", "Armenia"), ("phrase", "a b"), ("OR", "OR")


def _lex(text: str) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()|":
            out.append(("OR" if c == "|" else c, c))
            i += 1
        elif c in _QUOTES:
            end = next((j for j in range(i + 1, n) if text[j] in _QUOTES), -1)
            if end < 0:
                raise TopicError(N_('Unbalanced quotes: add the closing ".'))
            out.append(("phrase", text[i + 1 : end]))
            i = end + 1
        elif c in _DASHES:
            while i < n and text[i] in _DASHES:
                i += 1
            if i == n or text[i].isspace() or text[i] in ")|":
                raise TopicError(
                    N_('A lone "-": write it right before what to leave out, e.g. -football.')
                )
            out.append(("-", c))
        else:
            start = i
            while i < n and not text[i].isspace() and text[i] not in "()|" + _QUOTES:
                i += 1
            word = text[start:i]
            if word != "AND":  # AND is what juxtaposition means anyway
                out.append(("OR" if word == "OR" else "word", word))
    return out


class _Parser:
    """Recursive descent: or := and (OR and)*; and := unary+; unary := -? atom."""

    def __init__(self, lexed: list[_Token], aliases: Aliases) -> None:
        self.lexed, self.pos, self.aliases = lexed, 0, aliases

    def peek(self) -> str | None:
        return self.lexed[self.pos][0] if self.pos < len(self.lexed) else None

    def run(self) -> Node:
        node = self.alternatives()
        if self.peek() == ")":
            raise TopicError(N_("Unbalanced parentheses: a ) has no matching (."))
        return node

    def alternatives(self) -> Node:
        parts = [self.conjunction()]
        while self.peek() == "OR":
            self.pos += 1
            parts.append(self.conjunction())
        flat = [q for p in parts for q in (p.parts if isinstance(p, Or) else (p,))]
        return flat[0] if len(flat) == 1 else Or(tuple(flat))

    def conjunction(self) -> Node:
        items: list[Node | _Bare] = []
        while self.peek() not in (None, ")", "OR"):
            item = self.unary()
            if item is not None:
                items.append(item)
        if not items:
            before = self.lexed[self.pos - 1][0] if self.pos else None
            if "OR" in (before, self.peek()):
                raise TopicError(N_("OR needs a word or phrase on each side."))
            if before == "(":
                raise TopicError(N_("Empty parentheses: put words between ( and )."))
            raise TopicError(N_("The topic has no words to look for, e.g. Armenia -football."))
        parts = [q for p in self.merge(items) for q in (p.parts if isinstance(p, And) else (p,))]
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node | _Bare | None:
        kind, text = self.lexed[self.pos]
        self.pos += 1
        if kind == "-":
            if self.peek() in (None, ")", "OR", "-"):
                raise TopicError(N_('Nothing to leave out after -: write -word or -"a phrase".'))
            inner = self.unary()
            if inner is None:
                raise TopicError(
                    N_("Nothing to leave out after -: {what}"),
                    what=repr(self.lexed[self.pos - 1][1]),
                )
            return Not(self.term(inner.text, inner.words) if isinstance(inner, _Bare) else inner)
        if kind == "(":
            node = self.alternatives()
            if self.peek() != ")":
                raise TopicError(N_("Unbalanced parentheses: add the closing )."))
            self.pos += 1
            return node
        if kind == "phrase":
            prefix = text.rstrip().endswith("*")
            if not tokens(text):
                raise TopicError(N_('Empty quotes: put words between the quotes, e.g. "a phrase".'))
            return self.term(
                text.rstrip().rstrip("*"), tuple(tokens(text)), prefix=prefix, exact=True
            )
        body = text.rstrip("*")
        if "*" in body or (body != text and not tokens(body)):
            raise TopicError(N_("* goes at the end of a word: armen* finds Armenia, Armenian…"))
        words = tuple(tokens(body))
        if not words:
            return None  # bare punctuation such as "&"
        if body != text:
            return self.term(body, words, prefix=True)
        return _Bare(body, words)

    def merge(self, items: list[Node | _Bare]) -> list[Node]:
        """Bare words in a row that spell an alias name become that name: Nagorno Karabakh."""
        out: list[Node] = []
        i = 0
        while i < len(items):
            item = items[i]
            if not isinstance(item, _Bare):
                out.append(item)
                i += 1
                continue
            run = [item]
            for following in items[i + 1 :]:
                if not isinstance(following, _Bare):
                    break
                run.append(following)
            take = 1
            for k in range(len(run), 1, -1):
                words = tuple(w for bare in run[:k] for w in bare.words)
                if len(words) <= self.aliases.longest and self.aliases.lookup(words):
                    take = k
                    break
            chosen = run[:take]
            text = " ".join(bare.text for bare in chosen)
            out.append(self.term(text, tuple(w for bare in chosen for w in bare.words)))
            i += take
        return out

    def term(
        self, text: str, words: tuple[str, ...], prefix: bool = False, exact: bool = False
    ) -> Term:
        shown = display_form(text)
        if prefix:
            if len("".join(words)) < MIN_PREFIX:
                raise TopicError(
                    N_("{word}* is too short: give at least {n} letters before the *."),
                    word=shown,
                    n=MIN_PREFIX,
                )
            return Term(words, True, (words,), shown)
        spelled = (acronym(text) or "") if len(words) == 1 else ""
        forms, cased = [words], [spelled]
        inflected = False
        if not exact and not spelled:
            inflected = len(words) == 1 and has_forms(words[0])
            joined = tuple(tokens(_DASHES_RE.sub("", text)))
            if len(words) > 1 and _DASHES_RE.search(text) and joined not in forms:
                forms.append(joined)  # cease-fire: also ceasefire
                cased.append("")
        names: list[str] = []
        for group in self.aliases.lookup(words):
            cased_forms = group.cased or ("",) * len(group.forms)
            for form, form_cased in zip(group.forms, cased_forms, strict=True):
                if form not in forms:
                    forms.append(form)
                    cased.append(form_cased)
            names += [n for n in group.names if tuple(tokens(n)) != words and n not in names]
        return Term(
            words,
            False,
            tuple(forms),
            shown,
            tuple(names),
            cased=tuple(cased) if any(cased) else (),
            inflected=inflected,
            quoted=exact and len(words) == 1,
        )
