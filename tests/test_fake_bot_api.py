"""The fake Bot API, driven by python-telegram-bot itself, answers as Telegram does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from alertbot.devtools.fake_bot_api import (
    FakeBotApi,
    FloodLimits,
    HtmlError,
    links_of,
    parse_html,
    text_of,
)
from alertbot.devtools.fake_bot_api._flood import FloodControl
from alertbot.devtools.fake_bot_api._network import Network


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url) as b:
        yield b


async def test_send_message_is_recorded_as_the_user_sees_it(fake: FakeBotApi, bot: Bot) -> None:
    html = '<b>Karabakh</b> &amp; more: <a href="https://example.org/a?x=1&amp;y=2">read</a>'
    reply = await bot.send_message(42, html, parse_mode="HTML", disable_web_page_preview=True)

    assert reply.text == "Karabakh & more: read"
    assert bot.username == "alertbot_test_bot"
    [sent] = fake.messages(42)
    assert sent.text == html and sent.parse_mode == "HTML"
    assert sent.message_id == reply.message_id
    assert sent.disable_web_page_preview
    assert text_of(sent) == "Karabakh & more: read"
    assert links_of(sent) == ["https://example.org/a?x=1&y=2"]
    assert fake.requests_by_method["sendMessage"] == 1


@pytest.mark.parametrize(
    "text",
    ["<b>unclosed", "<b><i>crossed</b></i>", "a < b", "<div>no</div>", "<span>x</span>", "</b>"],
)
async def test_malformed_html_is_a_bad_request(fake: FakeBotApi, bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can.t parse entities"):
        await bot.send_message(42, text, parse_mode="HTML")
    assert fake.messages() == []


async def test_too_long_and_empty_messages_are_refused(fake: FakeBotApi, bot: Bot) -> None:
    fake.set_limits(None)
    await bot.send_message(42, "x" * 4096)
    await bot.send_message(42, "<b>" + "&lt;" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(42, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(42, "<b> </b>", parse_mode="HTML")
    assert len(fake.messages(42)) == 2


async def test_a_wrong_token_is_unauthorized(fake: FakeBotApi) -> None:
    async with Bot(fake.token, base_url=fake.base_url) as good:
        await good.get_me()
    wrong = Bot("999:WRONG", base_url=fake.base_url)
    with pytest.raises(InvalidToken):
        await wrong.send_message(42, "hello")
    assert fake.messages() == []


async def test_blocked_forgotten_and_migrated_chats(fake: FakeBotApi, bot: Bot) -> None:
    fake.block(7)
    fake.forget(8)
    fake.migrate(-55, -1005555)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(7, "hi")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(8, "hi")
    with pytest.raises(ChatMigrated) as migrated:
        await bot.send_message(-55, "hi")
    assert migrated.value.new_chat_id == -1005555
    await bot.send_message(-1005555, "hi")
    assert [m.chat_id for m in fake.messages()] == [-1005555]


async def test_quick_messages_to_one_chat_are_flood_limited(
    fake: FakeBotApi, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # retry_after as a timedelta, no warning
    with pytest.raises(RetryAfter) as flood:
        for _ in range(6):
            await bot.send_message(42, "alert")
    assert flood.value.retry_after.total_seconds() >= 1  # type: ignore[union-attr]
    assert fake.count_429 == 1
    assert 3 <= len(fake.messages(42)) < 6
    await bot.send_message(43, "another chat is not limited")


def test_flood_control_limits_groups_per_minute_and_everyone_per_second() -> None:
    flood = FloodControl(FloodLimits(per_second=30, group_per_minute=20))
    assert all(flood.check(-1, 100.0 + i) is None for i in range(20))
    assert flood.check(-1, 120.0) == 40  # the first of the 20 leaves the window at 160
    assert flood.check(-1, 160.5) is None
    overall = FloodControl(FloodLimits(per_second=30, private_burst=1))
    assert all(overall.check(user, 5.0) is None for user in range(1, 31))
    assert overall.check(99, 5.2) == 1
    assert FloodControl(None).check(1, 0.0) is None


async def test_get_updates_returns_a_command_with_its_entity(fake: FakeBotApi, bot: Bot) -> None:
    message_id = fake.send_text(42, "/subscribe@alertbot_test_bot Nagorno–Karabakh")
    [update] = await bot.get_updates(timeout=1)

    message = update.message
    assert message is not None and message.message_id == message_id
    assert message.chat.type == "private" and message.from_user and message.from_user.id == 42
    [entity] = message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 28)
    again = await bot.get_updates(offset=update.update_id + 1, timeout=0)
    assert again == () and fake.pending_updates == 0


async def test_long_poll_returns_as_soon_as_an_update_arrives(fake: FakeBotApi, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=20, read_timeout=30))
    await asyncio.sleep(0.3)
    assert not poll.done()
    fake.send_text(-100123, "/latest", user_id=5, title="Newsroom")
    updates = await asyncio.wait_for(poll, 10)
    assert [u.message.chat.title for u in updates if u.message] == ["Newsroom"]


async def test_a_second_poller_terminates_the_first(fake: FakeBotApi, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=20, read_timeout=30))
    await asyncio.sleep(0.3)
    async with Bot(fake.token, base_url=fake.base_url) as second_instance:
        await second_instance.get_updates(timeout=0)
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 10)


async def test_stopping_answers_a_pending_long_poll(fake: FakeBotApi, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=20, read_timeout=30))
    await asyncio.sleep(0.3)
    await asyncio.to_thread(fake.stop)
    assert await asyncio.wait_for(poll, 10) == ()
    assert not fake.running


async def test_injected_faults(fake: FakeBotApi, bot: Bot) -> None:
    fake.fail_next(1, 502)
    with pytest.raises(NetworkError):
        await bot.send_message(42, "lost")
    fake.hang_next(1, 0.8)
    with pytest.raises(TimedOut):
        await bot.send_message(42, "slow", read_timeout=0.2)
    # Like Telegram behind a slow network: the message still arrives after the hang.
    [arrived] = await fake.wait_for_messages(42, 1, timeout=10)
    assert arrived.text == "slow"


async def test_documents_both_ways(fake: FakeBotApi, bot: Bot) -> None:
    fake.send_document(42, "feeds.opml", b"<opml version='2.0'/>", caption="/import")
    [update] = await bot.get_updates(timeout=1)
    assert update.message and update.message.document
    file = await bot.get_file(update.message.document.file_id)
    assert bytes(await file.download_as_bytearray()) == b"<opml version='2.0'/>"

    await bot.send_document(42, b"id,url\n1,http://x\n", filename="feeds.csv", caption="Feeds")
    [doc] = fake.documents(42)
    assert (doc.file_name, doc.data, doc.caption) == ("feeds.csv", b"id,url\n1,http://x\n", "Feeds")


async def test_edit_message_text(fake: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(42, "Page 1")
    await bot.edit_message_text(
        "Page <b>2</b>", chat_id=42, message_id=sent.message_id, parse_mode="HTML"
    )
    [edited] = fake.messages(42)
    assert text_of(edited) == "Page 2" and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "Page <b>2</b>", chat_id=42, message_id=sent.message_id, parse_mode="HTML"
        )


async def test_wait_for_messages_reports_what_was_sent(fake: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(42, "only <i>this</i>", parse_mode="HTML")
    with pytest.raises(AssertionError, match=r"(?s)2 message\(s\) to chat 42.*only this"):
        await fake.wait_for_messages(42, 2, timeout=0.2)


async def _start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"Welcome! args={context.args}")


async def test_a_real_application_polls_and_replies(fake: FakeBotApi) -> None:
    app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("start", _start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5)
        fake.send_text(42, "/start@alertbot_test_bot now")
        fake.send_text(-77, "/start@other_bot no", user_id=42)  # addressed to another bot
        [reply] = await fake.wait_for_messages(42, 1)
        await app.updater.stop()
        await app.stop()
    assert text_of(reply) == "Welcome! args=['now']"
    assert fake.messages(-77) == []
    assert fake.calls("deleteWebhook")


@pytest.mark.parametrize(
    ("html", "visible", "links"),
    [
        ("plain &amp; &lt;b&gt; &#8211; &#x2014; &nbsp;", "plain & <b> – — &nbsp;", []),
        (
            "<a href='https://a.example/?q=1&amp;r=2'>A</a> and <A HREF=x>b</A>",
            "A and b",
            ["https://a.example/?q=1&r=2", "x"],
        ),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st", []),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", []),
        ("<blockquote expandable>q</blockquote><tg-emoji emoji-id='5'>👍</tg-emoji>", "q👍", []),
        (
            "<b>bold <i>both</i></b><u>u</u><s>s</s><del>d</del><ins>i</ins><em>e</em>",
            "bold bothusdie",
            [],
        ),
    ],
)
def test_parse_html_accepts_telegram_html(html: str, visible: str, links: list[str]) -> None:
    parsed = parse_html(html)
    assert (parsed.text, list(parsed.links)) == (visible, links)


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("x <br/> y", 'Unsupported start tag "br/" at byte offset 2'),
        ("Ü <p>", 'Unsupported start tag "p" at byte offset 3'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<i>x", 'Can\'t find end tag corresponding to start tag "i"'),
        ('<a href=x"y>z</a>', "Unexpected end of name token at byte offset 8"),
        ("x</b>", "Unexpected end tag at byte offset 1"),
    ],
)
def test_parse_html_rejects_what_telegram_rejects(html: str, error: str) -> None:
    with pytest.raises(HtmlError, match=error.replace("(", r"\(")):
        parse_html(html)


async def test_button_presses_arrive_as_callback_queries(fake: FakeBotApi, bot: Bot) -> None:
    markup = {"inline_keyboard": [[{"text": "More", "callback_data": "more:1"}]]}
    sent = await bot.send_message(42, "Headlines", reply_markup=markup)  # type: ignore[arg-type]
    assert fake.messages(42)[0].reply_markup == markup
    fake.send_callback_query(42, sent.message_id, "more:1")
    [update] = await bot.get_updates(timeout=1)
    query = update.callback_query
    assert query is not None and query.data == "more:1"
    assert query.message is not None and query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, "ok")


def test_round_trips_are_the_latency_plus_seeded_jitter() -> None:
    draws = [Network(latency=0.12, jitter=0.04, seed=7).round_trip() for _ in range(3)]
    assert len(set(draws)) == 1  # the same seed, the same network
    network = Network(latency=0.12, jitter=0.04, seed=7)
    trips = [network.round_trip() for _ in range(500)]
    assert all(0.08 <= t <= 0.16 for t in trips)
    assert min(trips) < 0.09 and max(trips) > 0.15  # the whole spread is used
    assert Network().round_trip() == 0.0  # the default: no latency at all


async def test_calls_answer_after_the_latency_and_are_still_recorded() -> None:
    with FakeBotApi(latency=0.05, jitter=0.02) as fake:
        async with Bot(fake.token, base_url=fake.base_url) as bot:
            await bot.send_message(42, "hello")
        assert [m.text for m in fake.messages(42)] == ["hello"]


@pytest.mark.parametrize("drop", [False, True])
async def test_an_outage_refuses_every_call_until_it_is_switched_off(
    fake: FakeBotApi, bot: Bot, drop: bool
) -> None:
    fake.outage(drop=drop)
    with pytest.raises(NetworkError):
        await bot.send_message(42, "lost")
    with pytest.raises(NetworkError):
        await bot.get_me()
    assert fake.messages() == []
    fake.outage(False)
    await bot.send_message(42, "delivered")
    assert [m.text for m in fake.messages(42)] == ["delivered"]


async def test_an_outage_can_concern_some_methods_only(fake: FakeBotApi, bot: Bot) -> None:
    fake.outage(methods=["sendMessage"])
    assert (await bot.get_me()).username == "alertbot_test_bot"
    with pytest.raises(NetworkError):
        await bot.send_message(42, "lost")
