"""Telegram's HTML parse mode, checked the way the Bot API server does it (tdlib's parse_html).

Pure: text in, visible text and links out, or `HtmlError` with Telegram's own wording.
Like Telegram, every `<` opens a tag, so an unescaped `a < b` is an error, while an `&`
that starts no known entity is kept as a literal character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ALLOWED_TAGS", "HtmlError", "ParsedHtml", "parse_html"]

ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "blockquote",
        "tg-emoji",
    }
)
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(?:#(\d{1,8})|#[xX]([0-9a-fA-F]{1,7})|([a-zA-Z]+));")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")


class HtmlError(ValueError):
    """The text is not valid Telegram HTML; `str()` is Telegram's description."""


@dataclass(frozen=True)
class ParsedHtml:
    text: str  # what the user sees
    links: tuple[str, ...]  # hrefs of <a> tags, in order


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """The character an entity at `text[i]` stands for and the index after it, or None."""
    match = _ENTITY.match(text, i)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name)
        return (char, match.end()) if char is not None else None
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0

    def offset(self, index: int) -> int:
        return len(self.text[:index].encode("utf-8"))

    def fail(self, message: str, index: int) -> HtmlError:
        return HtmlError(f"{message} at byte offset {self.offset(index)}")

    def skip_spaces(self) -> None:
        while self.i < len(self.text) and self.text[self.i].isspace():
            self.i += 1

    def at(self, index: int) -> str:
        return self.text[index] if index < len(self.text) else ""

    def tag_name(self) -> str:
        start = self.i
        while (
            self.i < len(self.text) and not self.text[self.i].isspace() and self.at(self.i) != ">"
        ):
            self.i += 1
        return self.text[start : self.i].lower()

    def attributes(self, tag: str, begin: int) -> dict[str, str]:
        attrs: dict[str, str] = {}
        while True:
            self.skip_spaces()
            if self.i >= len(self.text):
                raise self.fail("Unclosed start tag", begin)
            if self.at(self.i) == ">":
                self.i += 1
                return attrs
            name_start = self.i
            while self.i < len(self.text) and not self.text[self.i].isspace():
                if self.text[self.i] in "=>":
                    break
                self.i += 1
            name = self.text[name_start : self.i].lower()
            if not name:
                raise self.fail(f'Empty attribute name in the tag "{tag}"', name_start)
            self.skip_spaces()
            if self.at(self.i) != "=":
                if tag == "blockquote" and name == "expandable":
                    attrs[name] = ""
                    continue
                raise self.fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag}"', begin
                )
            self.i += 1
            self.skip_spaces()
            attrs[name] = self.attribute_value(begin)

    def attribute_value(self, begin: int) -> str:
        quote = self.at(self.i)
        if not quote:
            raise self.fail("Unclosed start tag", begin)
        if quote not in "'\"":
            token = _NAME_TOKEN.match(self.text, self.i)
            assert token is not None  # the pattern matches the empty string
            self.i = token.end()
            if self.at(self.i) != ">" and not self.at(self.i).isspace():
                raise self.fail("Unexpected end of name token", token.start())
            return token.group().lower()
        end = self.text.find(quote, self.i + 1)
        if end < 0:
            raise self.fail("Unclosed end tag", self.i)
        value = _decode_all(self.text[self.i + 1 : end])
        self.i = end + 1
        return value


def _decode_all(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        decoded = _decode_entity(text, i) if text[i] == "&" else None
        if decoded is None:
            out.append(text[i])
            i += 1
        else:
            out.append(decoded[0])
            i = decoded[1]
    return "".join(out)


def parse_html(text: str) -> ParsedHtml:
    """Validate `text` as Telegram HTML; return the visible text and the links."""
    p = _Parser(text)
    out: list[str] = []
    links: list[str] = []
    stack: list[str] = []
    while p.i < len(text):
        char = text[p.i]
        if char == "&" and (decoded := _decode_entity(text, p.i)) is not None:
            out.append(decoded[0])
            p.i = decoded[1]
            continue
        if char != "<":
            out.append(char)
            p.i += 1
            continue
        begin = p.i
        p.i += 1
        if p.at(p.i) == "/":
            p.i += 1
            if not stack:
                raise p.fail("Unexpected end tag", begin)
            name = p.tag_name()
            p.skip_spaces()
            if p.at(p.i) != ">":
                raise p.fail("Unclosed end tag", begin)
            p.i += 1
            if name and name != stack[-1]:
                raise HtmlError(
                    f"Unmatched end tag at byte offset {p.offset(begin)}, "
                    f'expected "</{stack[-1]}>", found "</{name}>"'
                )
            stack.pop()
            continue
        if len(stack) >= 100:
            raise p.fail("Too many nested entities", begin)
        name = p.tag_name()
        if p.i >= len(text):
            raise p.fail("Unclosed start tag", begin)
        if name not in ALLOWED_TAGS:
            raise p.fail(f'Unsupported start tag "{name}"', begin)
        attrs = p.attributes(name, begin)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise p.fail('Tag "span" must have class "tg-spoiler"', begin)
        if name == "a" and "href" in attrs:
            links.append(attrs["href"])
        stack.append(name)
    if stack:
        raise HtmlError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return ParsedHtml("".join(out), tuple(links))
