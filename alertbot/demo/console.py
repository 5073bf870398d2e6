"""The demo's terminal: the bot's messages as a person reads them, and the lines they type.

`render` is pure. `Console` prints from the event loop, redrawing the "you> " prompt when a
message arrives while the person is typing. `LineReader` reads standard input without
blocking the loop (a terminal or a pipe through the loop's reader, a file through a thread).
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import re
from collections import deque
from typing import TextIO

from alertbot.devtools.fake_bot_api import SentMessage, text_of

__all__ = ["PROMPT", "Console", "LineReader", "render"]

PROMPT = "you> "
BOT = "bot> "
_INDENT = " " * len(BOT)
_LINK = re.compile(r'<a\s+href="([^"]*)"\s*>(.*?)</a>', re.DOTALL)
_ITEM = re.compile(r"\s*(?:\d+\.|•)\s+")  # "1. " in headline lists, "• " in digests


def _show_links(line: str) -> str:
    """One HTML line with each link's address put on a line of its own, under the item."""
    item = _ITEM.match(line)
    indent = " " * (item.end() if item else 0)
    return _LINK.sub(lambda m: f"{m[2]}\n{indent}→ {m[1]}", line)


def render(message: SentMessage) -> str:
    """The message as the chat shows it, each link's address on the line after its text."""
    if (message.parse_mode or "").upper() == "HTML":
        html = "\n".join(_show_links(line) for line in message.text.split("\n"))
        text = text_of(html, "HTML")
    else:
        text = message.text
    lines = text.splitlines() or [""]
    return "\n".join([BOT + lines[0], *(_INDENT + line for line in lines[1:])])


class Console:
    """Prints the transcript; counts the bot's messages so the demo can wait for replies."""

    def __init__(self, out: TextIO, *, interactive: bool) -> None:
        self.out = out
        self.interactive = interactive
        self.redraw = interactive and out.isatty()
        self.shown = 0  # bot messages printed so far
        self._prompting = False
        self._changed = asyncio.Event()

    def line(self, text: str) -> None:
        """Print a line, keeping the prompt last on screen if it was showing."""
        if self._prompting and self.redraw:
            self.out.write("\r\033[K" + text + "\n" + PROMPT)
        elif self._prompting:
            self.out.write("\n" + text + "\n" + PROMPT)
        else:
            self.out.write(text + "\n")
        self.out.flush()

    def message(self, message: SentMessage) -> None:
        self.line(render(message))
        self.shown += 1
        self._changed.set()

    def prompt(self) -> None:
        self.out.write(PROMPT)
        self.out.flush()
        self._prompting = True

    def typed(self) -> None:
        """The person pressed Enter: the prompt line is theirs now."""
        self._prompting = False

    async def wait_shown(self, count: int, timeout: float) -> bool:
        """Wait until `count` bot messages have been printed; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.shown < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return True


class LineReader:
    """Lines from a text stream, read without blocking the event loop; None at the end."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lines: deque[str | None] = deque()
        self._ready = asyncio.Event()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._fd: int | None = None
        with contextlib.suppress(OSError, ValueError, NotImplementedError, AttributeError):
            fd = stream.fileno()
            # epoll cannot watch regular files (`< commands.txt`): those are read in a thread.
            asyncio.get_running_loop().add_reader(fd, self._on_readable)
            self._fd = fd

    async def readline(self) -> str | None:
        if self._fd is None:
            line = await asyncio.to_thread(self.stream.readline)
            return line.rstrip("\r\n") if line else None
        while not self._lines:
            self._ready.clear()
            await self._ready.wait()
        return self._lines.popleft()

    def close(self) -> None:
        if self._fd is not None:
            asyncio.get_running_loop().remove_reader(self._fd)
            self._fd = None

    def _on_readable(self) -> None:
        assert self._fd is not None
        data = os.read(self._fd, 65536)
        text = self._pending + self._decoder.decode(data, final=not data)
        *lines, self._pending = text.split("\n")
        self._lines.extend(line.rstrip("\r") for line in lines)
        if not data:
            if self._pending:
                self._lines.append(self._pending)
            self._lines.append(None)
            asyncio.get_running_loop().remove_reader(self._fd)
        self._ready.set()
