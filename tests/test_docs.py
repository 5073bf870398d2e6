"""Docs that cannot drift: every registered command is in /help, the menus and the README."""

from __future__ import annotations

import re
from pathlib import Path

from telegram.ext import CommandHandler

from alertbot.app import build_application
from alertbot.config import Settings
from alertbot.devtools.fake_bot_api import FakeBotApi
from alertbot.telegram.commands import COMMANDS
from alertbot.telegram.subscriber import help_text

from .helpers import ADMIN, bot_running

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def registered_commands(settings: Settings) -> set[str]:
    app = build_application(settings)
    return {
        name
        for handlers in app.handlers.values()
        for handler in handlers
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    }


def test_every_registered_command_is_listed_in_help(settings: Settings) -> None:
    listed = {c.name for c in COMMANDS}
    assert registered_commands(settings) == listed
    admin_help = help_text(is_admin=True)
    for command in COMMANDS:
        assert f"/{command.name}" in admin_help


def test_every_command_is_in_the_readme(settings: Settings) -> None:
    documented = set(re.findall(r"`/([a-z_]+)", README))
    missing = {c.name for c in COMMANDS} - documented
    assert not missing, f"commands missing from README.md: {sorted(missing)}"


def test_every_contract_setting_is_in_the_readme() -> None:
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_API_BASE_URL",
        "ALERTBOT_ADMIN_IDS",
        "ALERTBOT_DB",
        "ALERTBOT_POLL_INTERVAL",
        "ALERTBOT_ALLOW_PRIVATE_URLS",
    ):
        assert f"`{name}`" in README


def built_section_tree() -> dict[str, str]:
    """The modules and folders under alertbot/ in "How it is built", with their purposes."""
    section = README.split("## How it is built", 1)[1].split("\n## ", 1)[0]
    block = section.split("```\n", 2)[1]
    listed: dict[str, str] = {}
    parents: list[str] = []
    inside = False
    for line in block.splitlines():
        name, _, purpose = line.strip().partition(" ")
        depth = (len(line) - len(line.lstrip())) // 2
        if depth == 0:
            inside = name == "alertbot/"
            continue
        if not inside:
            continue
        parents = [*parents[: depth - 1], name.rstrip("/")]
        listed["/".join(parents) + ("/" if name.endswith("/") else "")] = purpose.strip()
    return listed


def test_every_module_is_in_how_it_is_built() -> None:
    """Docs that cannot drift: each module under alertbot/ has a line, and nothing stale."""
    package = Path(__file__).resolve().parent.parent / "alertbot"
    modules = {
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if p.name != "__init__.py" and "__pycache__" not in p.parts
    }
    listed = built_section_tree()
    documented = {path for path in listed if path.endswith(".py")}
    assert not modules - documented, (
        f"add to README 'How it is built': {sorted(modules - documented)}"
    )
    assert not documented - modules, f"no such module: {sorted(documented - modules)}"
    assert all(listed.values()), "every line says what the module is for"
    folders = {str(p.parent.relative_to(package)) + "/" for p in package.rglob("__init__.py")}
    assert folders - {"./"} <= set(listed), "every folder is listed too"


async def test_the_command_menus_list_every_command_in_both_languages(
    fake_api: FakeBotApi, settings: Settings
) -> None:
    async with bot_running(settings):
        menus = {
            (str((call.get("scope") or {}).get("type")), call.get("language_code")): call
            for call in fake_api.calls("setMyCommands")
        }
    everyone = {c.name for c in COMMANDS if not c.admin}
    assert set(menus) == {("default", None), ("default", "id"), ("chat", None), ("chat", "id")}
    for (scope, language), call in menus.items():
        names = {c["command"] for c in call["commands"]}
        assert names == (everyone if scope == "default" else {c.name for c in COMMANDS})
        summaries = {c["command"]: c["description"] for c in call["commands"]}
        english = "follow a topic, e.g. /subscribe Nagorno-Karabakh"
        assert (summaries["subscribe"] == english) is (language is None)
    assert menus[("chat", None)]["scope"]["chat_id"] == ADMIN  # the admin's own chat
