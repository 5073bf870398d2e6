"""Message catalogues (gettext, managed with Babel): English and Indonesian; a chat's
locale (language and time zone) and how it is decided.

The catalogues are read straight from the `.po` files in `alertbot/locales/` when first
used (Babel turns each into an in-memory `.mo`), so a fresh clone needs no compile step.
Messages use `{name}` placeholders, filled with `str.format` after translation. To add or
change a text: edit the code, run `make messages` (pybabel extract, then update), and
translate the new entries in `alertbot/locales/id/LC_MESSAGES/alertbot.po`
(tests/test_i18n_catalogue.py fails until every message is translated).
"""

from __future__ import annotations

import functools
import gettext
import io
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from .models import ChatPreferences

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "ENGLISH",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LOCALES_DIR",
    "N_",
    "ChatLocale",
    "Refusal",
    "Texts",
    "Translator",
    "language_for_code",
    "load_catalogue",
    "resolve_locale",
    "translator",
]

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "alertbot"
DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "id")
# Each language is named in itself: a reader finds their own language whatever is shown.
LANGUAGE_NAMES = {"en": "English", "id": "Bahasa Indonesia"}
# Telegram language codes read as Indonesian: Malay speakers read it easily.
_INDONESIAN_CODES = frozenset({"id", "ms", "in"})


class Texts(Protocol):
    """What translating needs: a Translator, or gettext's own (English as written)."""

    def gettext(self, message: str) -> str: ...

    def ngettext(self, singular: str, plural: str, n: int) -> str: ...


ENGLISH: Texts = gettext.NullTranslations()  # the texts as the code writes them


class Refusal(ValueError):
    """Why input was refused, as a catalogue text and its values: `str()` is the English,
    `said_in(t)` the reader's language. Values (a typed word, a fetcher's own diagnosis)
    are shown as they are."""

    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message.format(**values))
        self.message = message
        self.values = values

    def said_in(self, t: Texts) -> str:
        return t.gettext(self.message).format(**self.values)


def N_(message: str) -> str:  # the name pybabel looks for by default
    """Mark a module-level text for extraction; translate it where it is shown."""
    return message


def language_for_code(code: str | None) -> str:
    """A Telegram `language_code` ("id", "ms-MY", "en-GB") -> "id" or "en"."""
    base = (code or "").replace("_", "-").split("-", 1)[0].lower()
    return "id" if base in _INDONESIAN_CODES else DEFAULT_LANGUAGE


def catalogue_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_catalogue(language: str) -> Catalog:
    """The language's `.po` file as a Babel catalogue (tests check it)."""
    with catalogue_path(language).open("rb") as fileobj:
        return read_po(fileobj, locale=language, domain=DOMAIN)


class Translator:
    """One language's texts: `gettext`, and `ngettext` with that language's plural rule."""

    def __init__(self, language: str, translations: Translations) -> None:
        self.language = language
        self._translations = translations

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)


@functools.cache
def translator(language: str | None) -> Translator:
    """The translator for "en" or "id" (anything else: English), loaded once."""
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    assert language is not None
    catalogue = load_catalogue(language)
    buffer = io.BytesIO()
    # Fuzzy entries are guesses by `pybabel update`: never show them.
    write_mo(buffer, catalogue, use_fuzzy=False)
    buffer.seek(0)
    return Translator(language, Translations(fp=buffer, domain=DOMAIN))


@dataclass(frozen=True)
class ChatLocale:
    language: str  # "en" or "id"
    zone: str  # an IANA name
    language_chosen: bool  # False: read from the user's Telegram language_code

    @property
    def t(self) -> Translator:
        return translator(self.language)


def _known_zone(name: str | None) -> bool:
    if not name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def resolve_locale(
    prefs: ChatPreferences, language_code: str | None, default_zone: str
) -> ChatLocale:
    """The chat's choices win, then the language of the person writing (`language_code`),
    then the language the chat was last seen in; a zone the tz database no longer has falls
    back to the default. Pure."""
    chosen = prefs.language in LANGUAGES
    if chosen and prefs.language:
        language = prefs.language
    else:
        language = language_for_code(language_code or prefs.seen_language)
    zone = prefs.timezone if prefs.timezone and _known_zone(prefs.timezone) else default_zone
    return ChatLocale(language=language, zone=zone, language_chosen=chosen)
