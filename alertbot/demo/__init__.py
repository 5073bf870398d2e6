"""The offline demo behind `python bot.py --demo` (and `make run` without a token).

The real bot runs against the fake Bot API and a local feed of the seed stories, and the
terminal becomes the chat. See `session.py` for the flow.
"""

from __future__ import annotations

from .session import DEMO_USER, run_demo

__all__ = ["DEMO_USER", "run_demo"]
