"""Alias groups: several names for one subject, loaded from `config/aliases.toml`.

A name may carry endings in braces, so inflected forms need no list of their own:
"Qarabağ{|da|dan}" is Qarabağ, Qarabağda and Qarabağdan; several braces multiply.
A name written in capitals (MA, KPK, НАТО) is an acronym there too: it matches only a story
writing it in capitals, so "Mahkamah Agung" does not fire on the word "ma".
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from alertbot.matching.forms import acronym
from alertbot.matching.normalise import normalise

__all__ = ["AliasError", "AliasGroup", "Aliases", "expand"]

_BRACES = re.compile(r"\{([^{}]*)\}")
_MAX_FORMS = 500  # per name: a typo such as nested lists of endings should not explode


class AliasError(ValueError):
    """The alias file cannot be used; str(e) says where and why."""


def expand(name: str) -> list[str]:
    """Every form a name with brace endings stands for, bare stem first."""
    parts = _BRACES.split(name)  # literal, endings, literal, endings, ...
    choices = [[p] if i % 2 == 0 else p.split("|") for i, p in enumerate(parts)]
    if any("{" in p or "}" in p for p in parts[::2]):
        raise AliasError(f"unbalanced braces in {name!r}")
    count = 1
    for options in choices:
        count *= len(options)
    if count > _MAX_FORMS:
        raise AliasError(f"{name!r} stands for {count} forms (at most {_MAX_FORMS})")
    return ["".join(combo) for combo in itertools.product(*choices)]


@dataclass(frozen=True)
class AliasGroup:
    """One subject: its label, the names shown to users, and every normalised form."""

    label: str
    names: tuple[str, ...]  # each written name's first form, as written: "Qarabağ"
    forms: tuple[tuple[str, ...], ...]  # normalised token sequences, file order, no repeats
    cased: tuple[str, ...] = ()  # per form: its acronym spelling ("MA"), or ""


class Aliases:
    """Groups of names; a term equal to any form of a group stands for the whole group."""

    def __init__(self, groups: Iterable[AliasGroup] = ()) -> None:
        self.groups = tuple(groups)
        self._by_form: dict[tuple[str, ...], tuple[AliasGroup, ...]] = {}
        for group in self.groups:
            for form in group.forms:
                if group not in self._by_form.get(form, ()):
                    self._by_form[form] = (*self._by_form.get(form, ()), group)
        self.longest = max((len(form) for form in self._by_form), default=0)

    @classmethod
    def empty(cls) -> Aliases:
        return cls()

    @classmethod
    def from_names(cls, groups: Iterable[Sequence[str]]) -> Aliases:
        """Groups from lists of names (brace endings allowed); the first name is the label."""
        return cls(
            _group(f"group {i}", names[0] if names else "", names)
            for i, names in enumerate(groups, 1)
        )

    @classmethod
    def load(cls, path: Path, *, missing_ok: bool = False) -> Aliases:
        """Read a TOML file of `[[group]]` tables with `names` and an optional `label`
        (none at all when the file is missing and `missing_ok`: the bot runs without)."""
        if missing_ok and not path.exists():
            return cls.empty()
        try:
            with path.open("rb") as f:
                data = tomllib.load(f)
        except OSError as e:
            raise AliasError(f"{path}: cannot read: {e.strerror or e}") from e
        except tomllib.TOMLDecodeError as e:
            raise AliasError(f"{path}: not valid TOML: {e}") from e
        try:
            return cls(_parse(data))
        except AliasError as e:
            raise AliasError(f"{path}: {e}") from e

    def lookup(self, words: tuple[str, ...]) -> tuple[AliasGroup, ...]:
        """The groups having this normalised token sequence among their forms."""
        return self._by_form.get(words, ())

    def __len__(self) -> int:
        return len(self.groups)


def _parse(data: Mapping[str, object]) -> list[AliasGroup]:
    unknown = set(data) - {"group"}
    if unknown:
        raise AliasError(f"unknown key {sorted(unknown)[0]!r}: groups are [[group]] tables")
    tables = data.get("group", [])
    if not isinstance(tables, list):
        raise AliasError("'group' must be an array of tables: write [[group]]")
    groups = []
    for i, table in enumerate(tables, 1):
        if not isinstance(table, dict):
            raise AliasError(f"group {i} must be a table: write [[group]]")
        where = f"group {i}"
        unknown = set(table) - {"label", "names"}
        if unknown:
            raise AliasError(f"{where}: unknown key {sorted(unknown)[0]!r} (use label, names)")
        names = table.get("names")
        if not isinstance(names, list) or not names:
            raise AliasError(f"{where}: 'names' must be a non-empty list of strings")
        label = table.get("label", names[0])
        if not isinstance(label, str):
            raise AliasError(f"{where}: 'label' must be a string")
        groups.append(_group(f"{where} ({label})", label, names))
    return groups


def _group(where: str, label: str, names: Sequence[object]) -> AliasGroup:
    if not names:
        raise AliasError(f"{where}: a group needs at least one name")
    shown: list[str] = []
    forms: dict[tuple[str, ...], str] = {}
    for name in names:
        if not isinstance(name, str) or not name.strip():
            raise AliasError(f"{where}: every name must be a non-empty string, not {name!r}")
        try:
            expanded = expand(name)
        except AliasError as e:
            raise AliasError(f"{where}: {e}") from e
        shown.append(expanded[0])
        for form in expanded:
            words = tuple(normalise(form).split())
            if not words:
                raise AliasError(f"{where}: {form!r} has no letters or digits")
            spelled = acronym(form) if len(words) == 1 else None
            forms.setdefault(words, spelled or "")
    label = expand(label)[0] if label else shown[0]
    return AliasGroup(
        label=label, names=tuple(shown), forms=tuple(forms), cased=tuple(forms.values())
    )
