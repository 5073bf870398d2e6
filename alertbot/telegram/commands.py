"""The command list: one source for /help, Telegram's command menu and the README check.

Summaries and argument names are English here; the catalogues translate them where they
are shown (alertbot/telegram/i18n_extract.py hands them to `pybabel extract`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import Translator

__all__ = ["COMMANDS", "Command", "usage"]


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    summary: str
    admin: bool = False

    @property
    def usage(self) -> str:
        return f"/{self.name} {self.args}".rstrip()

    def usage_in(self, t: Translator) -> str:
        """The usage in the reader's language: "/subscribe <topik>"."""
        return f"/{self.name} {t.gettext(self.args) if self.args else ''}".rstrip()


COMMANDS: tuple[Command, ...] = (
    Command("start", "", "welcome and this list"),
    Command("help", "", "every command with its usage"),
    Command("subscribe", "<topic>", "follow a topic, e.g. /subscribe Nagorno-Karabakh"),
    Command("unsubscribe", "<topic or number>", "stop following a topic"),
    Command("topics", "", "the topics this chat follows"),
    Command("latest", "[topic]", "the 10 most recent headlines, all or matching a topic"),
    Command("search", "<words>", "full-text search over stored stories"),
    Command("mute", "<duration>", "hold alerts for 30m, 2h, 1d or 1w, then get one digest"),
    Command("unmute", "", "resume alerts now"),
    Command("language", "", "the chat's language: English or Bahasa Indonesia"),
    Command("timezone", "<zone>", "the chat's time zone, e.g. /timezone Asia/Jakarta or WIB"),
    Command(
        "settings",
        "[setting]",
        "language, time zone, digests, quiet hours and link previews, with buttons",
    ),
    Command(
        "channel",
        "[@name] [off]",
        "link a channel you administer, then /subscribe @name <topic> here",
    ),
    Command("addfeed", "<url> [minutes]", "check a feed and start polling it", admin=True),
    Command("removefeed", "<url or id>", "stop polling a feed and drop it from /feeds", admin=True),
    Command("setinterval", "<url or id> <minutes>", "how often a feed is polled", admin=True),
    Command("feeds", "", "every feed with its health", admin=True),
    Command("pausefeed", "<url or id>", "stop polling a feed for now", admin=True),
    Command("resumefeed", "<url or id>", "poll a paused or disabled feed again, now", admin=True),
    Command("exportopml", "", "the feed list as an OPML file; send one to import", admin=True),
    Command("cancelimport", "", "stop the OPML import running in this chat", admin=True),
    Command("stats", "", "counts of feeds, stories, chats, subscriptions and alerts", admin=True),
    Command("reloadaliases", "", "re-read config/aliases.toml without a restart", admin=True),
)

_BY_NAME = {c.name: c for c in COMMANDS}


def usage(name: str, t: Translator | None = None) -> str:
    """The reply to a command used wrongly: its usage line (in `t`'s language if given)."""
    command = _BY_NAME[name]
    if t is None:
        return f"Usage: {command.usage} — {command.summary}"
    return t.gettext("Usage: {usage} — {summary}").format(
        usage=command.usage_in(t), summary=t.gettext(command.summary)
    )
