"""Which documents the fast path takes, decided before any parsing.

Not too large; no DTD or entity declarations (so no entity expansion, no XXE, no billion
laughs); UTF-8 by Content-Type, XML declaration and bytes; the namespaces feedparser maps
to fixed prefixes bound to those prefixes. Anything else goes to feedparser.
"""

from __future__ import annotations

import re

from .fastparse_rules import FOREIGN, FOREIGN_RES

__all__ = ["MAX_BYTES", "Refused", "check_document"]

MAX_BYTES = 8 * 1024 * 1024  # beyond the fetch cap already: a bound of its own

_XML_DECL_RE = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']""")


class Refused(ValueError):
    """The fast path does not vouch for this document; str() says why (for logs and tests)."""


def check_document(content: bytes, content_type: str | None) -> None:
    """Raise Refused unless the bytes are a document the fast path may parse."""
    if len(content) > MAX_BYTES:
        raise Refused("too large for the fast path")
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise Refused("declares a DTD or entities")
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and not _is_utf8(value.strip(" \"'")):
            raise Refused("a charset other than UTF-8 in Content-Type")
    for uri, pattern in FOREIGN_RES.items():
        bound = {m.group(1) for m in pattern.finditer(content)}
        if bound - {b":" + FOREIGN[uri].encode()}:
            raise Refused(f"{uri} bound to a prefix other than {FOREIGN[uri]!r}")
    match = _XML_DECL_RE.match(content[:512])
    if match and not _is_utf8(match.group(1).decode("ascii", "replace")):
        raise Refused("an encoding other than UTF-8 declared")
    if not content.isascii():
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("bytes that are not UTF-8") from None


def _is_utf8(name: str) -> bool:
    return name.lower() in ("utf-8", "utf8")
