"""Buddies' rules as people meet them (issue 11): invitations that do not work, a no to
consent, a deaf learner, the daily limit and quiet hours on a fixed clock, "even niet",
"vergeet mij", and buttons that were made up or pressed twice.

Each test runs the whole bot against the emulator (see tests/e2e/test_buddies.py).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import datetime, time, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from bot.emulator.client import EmulatorClient, buttons_of, text_of
from bot.settings import PROJECT_ROOT
from bot.store.models import Pairing, PersonRole
from bot.taalhuis.organisation import TIMEZONE
from tests.e2e.test_buddies import (
    TEXTS,
    Person,
    Running,
    become_buddy,
    buddy_text,
    invite_buddies,
    learner_text,
    pair,
)
from tests.e2e.test_buddies import running as running  # the fixture

pytestmark = pytest.mark.asyncio

CHANNEL = yaml.safe_load((PROJECT_ROOT / "bot/content/channel.yml").read_text(encoding="utf-8"))
BAD_LINK = CHANNEL["texts"]["bad_link"]
OLD_BUTTON = CHANNEL["texts"]["old_button"]
BUTTONS = TEXTS["maatje_knoppen"]
_ids = itertools.count(72_000_001)


def rows(running: Running, table: Any) -> list[Any]:
    engine = sa.create_engine(running.settings.database_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.select(table)))
    finally:
        engine.dispose()


async def couple(
    running: Running, client: EmulatorClient, progress: bool = False
) -> tuple[Person, Person]:
    buddy = await become_buddy(running, client, next(_ids), "Jan")
    learner = Person(client, next(_ids), "Sara")
    await pair(buddy, learner, progress=progress)
    return buddy, learner


async def prompt(buddy: Person, text: str = "Wat eet je graag?") -> list[dict[str, Any]]:
    """The buddy sends an open question; returns the buddy's last answer."""
    menu = await buddy.say("maatje")
    asked = await buddy.tap(menu, BUTTONS["vraag"])
    if text_of(asked[-1]) != buddy_text("schrijf"):
        return asked  # refused: the limit, a pause
    kind = await buddy.say(text)
    return await buddy.tap(kind, BUTTONS["open"])


def at(hour: int, minute: int = 0, day: int = 3) -> Callable[[], datetime]:
    moment = datetime(2026, 12, day, hour, minute, tzinfo=TIMEZONE).astimezone(timezone.utc)
    return lambda: moment


# --- invitations ----------------------------------------------------------------------------


async def test_an_invitation_works_once_and_bad_links_change_nothing(running: Running) -> None:
    [invitation] = invite_buddies(running.settings)
    async with EmulatorClient(running.url) as client:
        first = Person(client, next(_ids), "Jan")
        explained = await first.start(invitation["code"])
        await first.tap(explained, BUTTONS["ja"], expect=2)

        for payload in (
            invitation["code"],  # used already
            "M" + "x" * 22,  # made up
            invitation["code"][:-1],  # mistyped
            "M" + "a" * 70,  # too long for a deep link
            "M<script>",  # characters no link has
        ):
            other = Person(client, next(_ids), "Piet")
            answer = await other.start(payload, expect=2, timeout=30)
            assert text_of(answer[0]) == BAD_LINK, payload
            assert text_of(answer[1]) != buddy_text("uitleg"), "the usual start follows"
    roles = rows(running, PersonRole)
    assert [(r.telegram_id, r.role) for r in roles] == [(first.chat, "buddy")]
    assert rows(running, Pairing) == []


async def test_an_expired_invitation_gets_a_kind_answer(running: Running) -> None:
    from bot.buddy import codes
    from bot.store.buddies import Buddies
    from bot.store.db import make_engine, make_sessionmaker

    code = codes.new_code("maatje")
    engine = make_engine(running.settings.database_url)
    past = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=1)
    Buddies(make_sessionmaker(engine)).add_invitations([code], "maatje", "tiel", past)
    engine.dispose()
    async with EmulatorClient(running.url) as client:
        person = Person(client, next(_ids), "Piet")
        answer = await person.start(code, expect=2, timeout=30)
    assert text_of(answer[0]) == BAD_LINK
    assert rows(running, PersonRole) == []


async def test_own_link_and_a_second_buddy_are_refused_kindly(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        menu = await buddy.say("maatje")
        link = await buddy.tap(menu, BUTTONS["uitnodigen"], expect=2)
        code = text_of(link[0]).split("start=")[1]
        own = await buddy.start(code)
        assert text_of(own[-1]) == learner_text("eigen_link")

        other = await become_buddy(running, client, next(_ids), "Kees")
        menu = await other.say("maatje")
        link = await other.tap(menu, BUTTONS["uitnodigen"], expect=2)
        second = await learner.start(text_of(link[0]).split("start=")[1])
        assert text_of(second[-1]) == learner_text("al_maatje")
    active = [(p.buddy_id, p.learner_id) for p in rows(running, Pairing) if p.status == "active"]
    assert active == [(buddy.chat, learner.chat)], "one buddy at a time"


async def test_no_to_consent_shares_nothing(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy = await become_buddy(running, client, next(_ids), "Jan")
        learner = Person(client, next(_ids), "Sara")
        menu = await buddy.say("maatje")
        link = await buddy.tap(menu, BUTTONS["uitnodigen"], expect=2)
        await learner.start(text_of(link[0]).split("start=")[1])
        answer = await learner.say("nee hoor")
        assert text_of(answer[-1]) == learner_text("niet_gekoppeld", "Jan")
        await asyncio.sleep(1.0)  # the outbox would have delivered a notice by now
        await buddy.client.sync(buddy.chat)
        assert buddy_text("nieuw", naam="Sara") not in buddy.seen()
        menu = await buddy.say("maatje")
        assert text_of(menu[-1]) == buddy_text("geen_leerling")
    assert [p for p in rows(running, Pairing) if p.status != "ended"] == []


# --- a deaf learner ------------------------------------------------------------------------


async def test_a_deaf_learner_never_gets_a_prompt_as_sound_only(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        running.bot.store.users.get_or_create(learner.chat)
        running.bot.store.users.set_flags(learner.chat, profile="doof", intake_done=True)
        menu = await buddy.say("maatje")
        await buddy.tap(menu, BUTTONS["vraag"])
        words = await buddy.voice()
        assert text_of(words[-1]) == buddy_text("woorden_erbij", naam="Sara")
        kind = await buddy.say("Hoe laat begin je morgen?")
        await buddy.tap(kind, BUTTONS["open"])
        got = await learner.wait(lambda m: "Hoe laat begin je morgen?" in text_of(m))
    assert got["voice"], "the buddy's own recording, with the words under it"


# --- limits and quiet hours on a fixed clock ---------------------------------------------------


async def test_three_prompts_a_day_then_the_next_day(running: Running) -> None:
    today = datetime.now(timezone.utc)
    running.bot.buddy.clock = lambda: today - timedelta(days=1)  # yesterday, this time
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        for number in range(3):
            sent = await prompt(buddy, f"Vraag {number + 1}: wat eet je graag?")
            assert text_of(sent[-1]) == buddy_text("verstuurd", naam="Sara")
        refused = await prompt(buddy)
        assert text_of(refused[-1]) == buddy_text("genoeg_vandaag", naam="Sara", aantal=3)
        running.bot.buddy.clock = lambda: today  # the next local day
        sent = await prompt(buddy, "Vraag 4: wat drink je graag?")
        assert text_of(sent[-1]) == buddy_text("verstuurd", naam="Sara")
        await learner.wait(lambda m: "Vraag 4" in text_of(m))


async def test_in_quiet_hours_a_prompt_waits_for_the_morning(running: Running) -> None:
    bot, buddy_side = running.bot, running.bot.buddy
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        bot.pump.cancel()  # from now on only the explicit runs below send
        quiet = (time(21, 0), time(8, 0))
        buddy_side.quiet_hours = buddy_side.sender.quiet_hours = quiet
        buddy_side.clock = at(22, 30)
        sent = await prompt(buddy)
        assert text_of(sent[-1]) == buddy_text("verstuurd_ochtend", naam="Sara")
        night = at(22, 31)()
        assert await buddy_side.sender.run(bot.application.bot, now=night) == 0
        await client.sync(learner.chat)
        assert not any("Wat eet je graag?" in t for t in learner.seen())
        morning = at(8, 30, day=4)()
        assert await buddy_side.sender.run(bot.application.bot, now=morning) >= 1
        await learner.wait(lambda m: "Wat eet je graag?" in text_of(m), timeout=5)


async def test_even_niet_pauses_prompts_for_a_week(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        await prompt(buddy)
        got = await learner.wait(lambda m: "Wat eet je graag?" in text_of(m))
        paused = await learner.tap([got], TEXTS["leerling_knoppen"]["pauze"])
        assert text_of(paused[-1]) == learner_text("pauze", "Jan")
        refused = await prompt(buddy)
        assert text_of(refused[-1]) == buddy_text("pauze", naam="Sara")


# --- erasure and bad input ---------------------------------------------------------------


async def test_vergeet_mij_ends_the_pairing_and_tells_the_buddy(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        await learner.say("vergeet mij")
        await learner.say("ja", expect=1, timeout=30)
        await buddy.wait(lambda m: text_of(m) == buddy_text("gestopt", naam="Sara"))
    [pairing] = rows(running, Pairing)
    assert (pairing.status, pairing.buddy_name, pairing.learner_name) == ("ended", None, None)


async def test_made_up_and_double_presses_change_nothing(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        menu = await buddy.say("maatje")
        target = menu[-1]["message_id"]
        for data in ("mt:a:999999:0", "mt:doe:999", "mt:zzz", "mt:", "mt:ok1:1:j", "mt:re:1:x"):
            answer = await client.act(
                buddy.chat, "press", {"message_id": target, "data": data}, expect=1
            )
            assert text_of(answer[-1]) == OLD_BUTTON, data

        menu = await buddy.say("maatje")
        await buddy.tap(menu, BUTTONS["vraag"])
        kind = await buddy.say("Wat drink je graag?")
        await buddy.tap(kind, BUTTONS["knoppen"])
        await buddy.say("Water\nThee")
        got = await learner.wait(lambda m: "Wat drink je graag?" in text_of(m))
        for title in ("Thee", "Water"):  # a second tap at once, on another answer
            data = next(b["callback_data"] for b in buttons_of(got) if b["text"] == title)
            await client.post(f"/api/chats/{learner.chat}/press",
                              {"message_id": got["message_id"], "data": data})  # fmt: skip
        await buddy.wait(lambda m: text_of(m).startswith("Antwoord van Sara"))
        await asyncio.sleep(1.0)
        await client.sync(buddy.chat)
    answers = [t for t in buddy.seen() if t.startswith("Antwoord van Sara")]
    assert len(answers) == 1, answers
