"""A `pybabel extract` method for commands.py: each Command's argument names and summary.

The command list stays plain English data (other modules read it); this hands its texts
to the catalogues. babel.cfg maps commands.py here, every other module to Babel's own
Python extractor.
"""

from __future__ import annotations

import ast
import io
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from babel.messages.extract import extract_python

__all__ = ["command_texts", "extract_commands"]


def command_texts(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) for the args and summary of every `Command(...)` call in `source`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Command":
            for arg in node.args[1:3]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value:
                    yield node.lineno, arg.value


def extract_commands(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Any,
) -> Iterator[tuple[Any, ...]]:
    """Babel's extractor interface: the Command texts, then the usual gettext calls."""
    data = fileobj.read()
    for lineno, text in command_texts(data.decode("utf-8")):
        yield lineno, "gettext", text, []
    yield from extract_python(io.BytesIO(data), keywords, comment_tags, options)
