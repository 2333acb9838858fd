"""Buddies' rules as people meet them (issue 11): invitation links that do not work, a no
to consent, a deaf learner, the daily limit and quiet hours on a fixed clock, "even niet",
"vergeet mij", and buttons that were made up or pressed twice.

Each test runs the whole bot against the emulator (see tests/e2e/test_buddies.py) and
checks what the buddy or the learner would notice: the exact texts of
bot/content/maatje.yml and bot/content/channel.yml, and that nothing changed behind a
kind no. Every test has its own chat ids (72_000_001 and up).

A fixed clock lies in 2030: the outbox pump, which looks with the real clock, never finds
those messages due, so only the explicit ``sender.run(bot, now=...)`` sends them.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from datetime import datetime, time, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from bot.emulator.client import EmulatorClient, TurnTimeout, buttons_of, ends_turn, text_of
from bot.settings import PROJECT_ROOT
from bot.store.models import BuddyMessage, Invitation, Pairing, PersonRole
from tests.e2e.test_buddies import (
    TEXTS,
    Person,
    Running,
    become_buddy,
    buddy_text,
    invite_buddies,
    learner_text,
    pair,
    titles,
)
from tests.e2e.test_buddies import running as running  # the fixture, for pytest to find

pytestmark = pytest.mark.asyncio

Message = dict[str, Any]
CHANNEL = yaml.safe_load((PROJECT_ROOT / "bot/content/channel.yml").read_text(encoding="utf-8"))
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
BAD_LINK = CHANNEL["texts"]["bad_link"]
OLD_BUTTON = CHANNEL["texts"]["old_button"]
ASK_ERASE = DOMAIN["responses"]["utter_vraag_wissen"][0]["text"]
ERASED = DOMAIN["responses"]["utter_gewist"][0]["text"]
BUTTONS = TEXTS["maatje_knoppen"]
LEARNER_BUTTONS = TEXTS["leerling_knoppen"]
AMSTERDAM = "Europe/Amsterdam"
BUDDY_TABLES = (PersonRole, Invitation, Pairing, BuddyMessage)
_ids = itertools.count(72_000_001)


# Helpers --------------------------------------------------------------------------------------


def rows(running: Running, table: Any) -> list[Any]:
    with running.bot.store.engine.connect() as connection:
        return list(connection.execute(sa.select(table)))


def state(running: Running) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the buddies feature keeps, to show that a kind no changed nothing."""
    return {t.__tablename__: sorted(map(tuple, rows(running, t))) for t in BUDDY_TABLES}


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in Amsterdam on a day in March 2030 (winter time: UTC+1), in UTC."""
    from zoneinfo import ZoneInfo

    moment = datetime(2030, 3, day, hour, minute, tzinfo=ZoneInfo(AMSTERDAM))
    return moment.astimezone(timezone.utc)


def fix_clock(running: Running, moment: datetime) -> None:
    running.bot.buddy.clock = lambda: moment


async def send_due(running: Running, now: datetime | None = None) -> int:
    """What the outbox holds that is due at ``now`` (the real clock when None)."""
    return await running.bot.buddy.sender.run(running.bot.application.bot, now=now)


async def nothing_more(person: Person, seconds: float = 1.0) -> list[str]:
    """The texts that reach this person within ``seconds`` (tests expect none)."""
    before = len(person.seen())
    await person.client.sync(person.chat, wait=seconds)
    return person.seen()[before:]


async def couple(running: Running, client: EmulatorClient) -> tuple[Person, Person]:
    buddy = await become_buddy(running, client, next(_ids), "Jan")
    learner = Person(client, next(_ids), "Sara")
    await pair(buddy, learner, progress=False)
    return buddy, learner


async def learner_link(buddy: Person) -> str:
    """The buddy's "Nodig iemand uit": the code of the personal link."""
    menu = await buddy.say("maatje")
    shown = await buddy.tap(menu, BUTTONS["uitnodigen"], expect=2)
    assert text_of(shown[0]).startswith(buddy_text("uitnodiging", link="https://t.me/"))
    return text_of(shown[0]).split("start=")[1]


async def ask_with_buttons(buddy: Person, learner: Person, choices: str) -> Message:
    """The buddy sends "Wat drink je graag?" with these answers (one per line); returns the
    prompt as the learner got it."""
    menu = await buddy.say("maatje")
    await buddy.tap(menu, BUTTONS["vraag"])
    kind = await buddy.say("Wat drink je graag?")
    await buddy.tap(kind, BUTTONS["knoppen"])
    await buddy.say(choices)
    return await learner.wait(lambda m: "Wat drink je graag?" in text_of(m))


async def prompt(buddy: Person, text: str = "Wat eet je graag?") -> list[Message]:
    """The buddy sends an open question; returns the buddy's last answer (a refusal when
    the buddy may not send now)."""
    menu = await buddy.say("maatje")
    asked = await buddy.tap(menu, BUTTONS["vraag"])
    if text_of(asked[-1]) != buddy_text("schrijf"):
        return asked
    kind = await buddy.say(text)
    assert text_of(kind[-1]) == buddy_text("soort", naam="Sara"), text
    return await buddy.tap(kind, BUTTONS["open"])


def open_prompt(text: str, buddy: str = "Jan") -> str:
    """What the learner reads for an open text question."""
    shown = TEXTS["leerling"]["prompt"].format(naam=buddy, tekst=text)
    return f"{shown}\n{learner_text('antwoord_open', buddy)}"


async def press(person: Person, message_id: int, data: str, **kw: Any) -> list[Message]:
    """A press with this payload on one of the bot's messages (made up, or copied)."""
    payload = {"message_id": message_id, "data": data, "first_name": person.name}
    return await person.client.act(person.chat, "press", payload, **kw)


async def answer_to(person: Person, message_id: int, data: str) -> list[str]:
    """The texts that answer a press with this payload ([] for silence)."""
    try:
        answer = await press(person, message_id, data, timeout=3, settle=0.15)
    except TurnTimeout:
        return []
    return [text_of(m) for m in answer]


def payload_of(message: Message, title: str) -> str:
    return next(b["callback_data"] for b in buttons_of(message) if b["text"] == title)


# 1. Invitation links ---------------------------------------------------------------------------


async def test_a_buddy_invitation_works_once(running: Running) -> None:
    [invitation] = invite_buddies(running.settings)
    async with EmulatorClient(running.url) as client:
        first = Person(client, next(_ids), "Jan")
        explained = await first.start(invitation["code"])
        assert text_of(explained[-1]) == buddy_text("uitleg")
        welcome = await first.tap(explained, BUTTONS["ja"], expect=2)
        assert text_of(welcome[0]) == buddy_text("welkom")
        # "Nee" under the same explanation afterwards: nothing changes, the link stays used.
        before = state(running)
        second_thoughts = await first.tap(explained, BUTTONS["nee"])
        assert text_of(second_thoughts[-1]) == buddy_text("niet_gedaan")
        assert state(running) == before

        second = Person(client, next(_ids), "Piet")
        answer = await second.start(invitation["code"], until=ends_turn)
        assert text_of(answer[0]) == BAD_LINK
        usual = Person(client, next(_ids), "Kees")
        start = await usual.client.command(usual.chat, "start", until=ends_turn)
        assert [text_of(m) for m in answer[1:]] == [text_of(m) for m in start], "the usual start"
        assert state(running) == before, "the used link changed nothing"

        assert running.bot.store.buddies.buddy(first.chat) == ("tiel", "Jan")
        assert running.bot.store.buddies.buddy(second.chat) is None
        menu = await first.say("maatje")
        assert text_of(menu[-1]) == buddy_text("geen_leerling"), "still a buddy"
        menu = await second.say("maatje")
        assert text_of(menu[-1]) == learner_text("geen_maatje"), "no buddy"


async def test_expired_made_up_too_long_and_odd_links_change_nothing(running: Running) -> None:
    expired, kept = invite_buddies(running.settings, count=2)
    yesterday = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=1)
    with running.bot.store.engine.begin() as connection:
        connection.execute(
            sa.update(Invitation)
            .where(Invitation.id == min(r.id for r in rows(running, Invitation)))
            .values(expires_at=yesterday)
        )
    code = kept["code"]
    wrong = "A" if code[-1] != "A" else "B"
    payloads = {
        "expired": expired["code"],
        "made up": "M" + secrets.token_urlsafe(16),
        "a made-up learner link": "L" + secrets.token_urlsafe(16),
        "no invitation at all": "hallo",
        "mistyped": code[:-1] + wrong,
        "cut short": code[:-3],
        "too long (65)": code + "x" * (65 - len(code)),
        "far too long": "M" + "a" * 200,
        "a bad character": code[:5] + "!" + code[6:],
        "markup": "M<script>",
        "not ASCII": "Mé" + code[2:],
    }
    before = state(running)
    async with EmulatorClient(running.url) as client:
        usual = Person(client, next(_ids), "Kees")
        start = [text_of(m) for m in await client.command(usual.chat, "start", until=ends_turn)]
        for what, payload in payloads.items():
            person = Person(client, next(_ids), "Piet")
            answer = await person.start(payload, until=ends_turn)
            assert text_of(answer[0]) == BAD_LINK, what
            assert [text_of(m) for m in answer[1:]] == start, f"{what}: the usual start"
            assert running.bot.store.buddies.buddy(person.chat) is None, what
        assert state(running) == before, "no role, no pairing, no invitation used"

        # The mistakes did not use up the good link: its owner still gets in.
        owner = Person(client, next(_ids), "Jan")
        explained = await owner.start(code)
        assert text_of(explained[-1]) == buddy_text("uitleg")


async def test_an_expired_learner_link_changes_nothing(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy = await become_buddy(running, client, next(_ids), "Jan")
        code = await learner_link(buddy)
        yesterday = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=1)
        with running.bot.store.engine.begin() as connection:
            connection.execute(
                sa.update(Invitation)
                .where(Invitation.kind == "leerling")
                .values(expires_at=yesterday)
            )
        before = state(running)
        learner = Person(client, next(_ids), "Sara")
        answer = await learner.start(code, until=ends_turn)
        assert text_of(answer[0]) == BAD_LINK
        await send_due(running)
        assert await nothing_more(buddy) == [], "the buddy hears nothing"
        assert state(running) == before
        menu = await buddy.say("maatje")
        assert text_of(menu[-1]) == buddy_text("geen_leerling")


async def test_own_link_and_a_second_buddy_are_refused_kindly(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy = await become_buddy(running, client, next(_ids), "Jan")
        code = await learner_link(buddy)
        own = await buddy.start(code)
        assert text_of(own[-1]) == learner_text("eigen_link")
        assert rows(running, Pairing) == [], "no pairing with oneself"

        # The link still works for the colleague it was meant for.
        learner = Person(client, next(_ids), "Sara")
        asked = await learner.start(code)
        assert text_of(asked[-1]).startswith(learner_text("vraag_koppeling", "Jan"))
        second = await learner.tap(asked, LEARNER_BUTTONS["ja"])
        done = await learner.tap(second, LEARNER_BUTTONS["nee"])
        assert text_of(done[-1]) == learner_text("gekoppeld", "Jan")

        # Another buddy's link: one buddy at a time.
        other = await become_buddy(running, client, next(_ids), "Kees")
        other_code = await learner_link(other)
        before = state(running)
        refused = await learner.start(other_code)
        assert text_of(refused[-1]) == learner_text("al_maatje")
        assert state(running) == before, "nothing changed (and the link is free again)"
        active = [(p.buddy_id, p.learner_id) for p in rows(running, Pairing)]
        assert active == [(buddy.chat, learner.chat)]
        menu = await other.say("maatje")
        assert text_of(menu[-1]) == buddy_text("geen_leerling")

        # Kees's link was not used up by the refusal: a newcomer can still open it.
        newcomer = Person(client, next(_ids), "Amal")
        asked = await newcomer.start(other_code)
        assert text_of(asked[-1]).startswith(learner_text("vraag_koppeling", "Kees"))


# 2. Consent --------------------------------------------------------------------------------


async def test_no_to_consent_shares_nothing(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy = await become_buddy(running, client, next(_ids), "Jan")
        before = state(running)
        for how in ("tap", "type"):
            learner = Person(client, next(_ids), "Sara" if how == "tap" else "Amal")
            code = await learner_link(buddy)
            asked = await learner.start(code)
            assert titles(asked[-1])[:2] == [LEARNER_BUTTONS["ja"], LEARNER_BUTTONS["nee"]]
            if how == "tap":
                answer = await learner.tap(asked, LEARNER_BUTTONS["nee"])
            else:
                answer = await learner.say("nee")
            assert text_of(answer[-1]) == learner_text("niet_gekoppeld", "Jan"), how
            await send_due(running)
            assert await nothing_more(buddy) == [], f"{how}: the buddy gets nothing"
            menu = await buddy.say("maatje")
            assert text_of(menu[-1]) == buddy_text("geen_leerling"), how
            assert running.bot.store.buddies.pairing_of_learner(learner.chat) is None
        assert rows(running, Pairing) == [], "no pairing, no name kept"
        assert rows(running, BuddyMessage) == before["buddy_messages"] == []
        progress = BUTTONS["voortgang"].format(naam="Sara")
        assert progress not in titles(menu[-1])


# 3. A deaf learner -----------------------------------------------------------------------------


async def test_a_deaf_learner_never_gets_a_prompt_as_sound_only(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        # As the intake stores the profile "doof" (bot/actions/profile.py).
        running.bot.store.users.set_flags(
            learner.chat, profile="doof", voice_on=False, intake_done=True
        )
        menu = await buddy.say("maatje")
        await buddy.tap(menu, BUTTONS["vraag"])
        words = await buddy.voice()
        assert text_of(words[-1]) == buddy_text("woorden_erbij", naam="Sara")
        again = await buddy.voice()  # once more without words: asked again
        assert text_of(again[-1]) == buddy_text("woorden_erbij", naam="Sara")
        await send_due(running)
        assert await nothing_more(learner) == [], "nothing reaches Sara yet"

        kind = await buddy.say("Hoe laat begin je morgen?")
        assert text_of(kind[-1]) == buddy_text("soort", naam="Sara")
        sent = await buddy.tap(kind, BUTTONS["open"])
        assert text_of(sent[-1]) == buddy_text("verstuurd", naam="Sara")
        got = await learner.wait(lambda m: "Hoe laat begin je morgen?" in text_of(m))
        assert text_of(got) == open_prompt("Hoe laat begin je morgen?"), "the words go along"
        assert got["voice"], "the buddy's own recording, the words under it"
        for message in client.view(learner.chat).bot_messages():
            assert text_of(message), f"a message without words: {message}"


# 4. Limits and quiet hours on a fixed clock ------------------------------------------------------


async def test_three_prompts_a_day_then_the_next_local_day(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        late = local(4, 23, 30)  # 22:30 UTC: the local day ends before the UTC day
        fix_clock(running, late)
        for number in range(1, 4):
            sent = await prompt(buddy, f"Vraag {number}: wat eet je graag?")
            assert text_of(sent[-1]) == buddy_text("verstuurd", naam="Sara")
        refused = await prompt(buddy, "Vraag 4: wat eet je graag?")
        assert text_of(refused[-1]) == buddy_text("genoeg_vandaag", naam="Sara", aantal=3)
        assert running.bot.store.buddies.draft_of(buddy.chat) is None, "nothing half written"

        assert await send_due(running, late) == 3
        for number in range(1, 4):
            await learner.wait(lambda m, n=number: f"Vraag {n}:" in text_of(m), timeout=5)
        assert not any("Vraag 4" in t for t in learner.seen())

        fix_clock(running, local(5, 0, 30))  # the next day in Tiel; the same day in UTC
        sent = await prompt(buddy, "Vraag 5: wat drink je graag?")
        assert text_of(sent[-1]) == buddy_text("verstuurd", naam="Sara")
        assert await send_due(running, local(5, 0, 31)) == 1
        got = await learner.wait(lambda m: "Vraag 5" in text_of(m), timeout=5)
        assert text_of(got) == open_prompt("Vraag 5: wat drink je graag?")


async def test_in_quiet_hours_a_prompt_waits_for_the_morning(running: Running) -> None:
    buddy_side = running.bot.buddy
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        buddy_side.quiet_hours = buddy_side.sender.quiet_hours = (time(21, 0), time(8, 0))
        evening = local(4, 22, 30)
        fix_clock(running, evening)
        sent = await prompt(buddy)
        assert text_of(sent[-1]) == buddy_text("verstuurd_ochtend", naam="Sara")

        assert await send_due(running, evening) == 0
        assert await send_due(running, local(5, 7, 59)) == 0, "still night"
        assert await nothing_more(learner) == [], "Sara sleeps"
        assert await send_due(running, local(5, 8, 30)) == 1
        got = await learner.wait(lambda m: "Wat eet je graag?" in text_of(m), timeout=5)
        assert text_of(got) == open_prompt("Wat eet je graag?")
        assert await send_due(running, local(5, 8, 31)) == 0, "sent once"


# 5. "Even niet" --------------------------------------------------------------------------------


async def test_even_niet_pauses_prompts_for_a_week(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        sent = await prompt(buddy)
        assert text_of(sent[-1]) == buddy_text("verstuurd", naam="Sara")
        got = await learner.wait(lambda m: "Wat eet je graag?" in text_of(m))
        assert LEARNER_BUTTONS["pauze"] in titles(got)
        paused = await learner.tap([got], LEARNER_BUTTONS["pauze"])
        assert text_of(paused[-1]) == learner_text("pauze", "Jan")

        refused = await prompt(buddy, "Wat drink je graag?")
        assert text_of(refused[-1]) == buddy_text("pauze", naam="Sara")
        await send_due(running)
        assert not any("Wat drink je graag?" in t for t in await nothing_more(learner))

        fix_clock(running, datetime.now(timezone.utc) + timedelta(days=8))
        asked = await prompt(buddy, "Wat drink je graag?")
        assert text_of(asked[-1]) == buddy_text("verstuurd", naam="Sara"), "a week later"


# 6. "Vergeet mij" ------------------------------------------------------------------------------


async def test_vergeet_mij_ends_the_pairing_and_tells_the_buddy(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        await prompt(buddy)
        await learner.wait(lambda m: "Wat eet je graag?" in text_of(m))
        menu = await buddy.say("maatje")
        asked = await learner.say("vergeet mij", until=ends_turn)
        assert text_of(asked[0]) == ASK_ERASE
        erased = await learner.say("ja", until=lambda new: ERASED in map(text_of, new))
        assert ERASED in map(text_of, erased)
        await buddy.wait(lambda m: text_of(m) == buddy_text("gestopt", naam="Sara"), timeout=10)

        [pairing] = rows(running, Pairing)
        assert (pairing.status, pairing.buddy_name, pairing.learner_name) == ("ended", None, None)
        mine = [
            m for m in rows(running, BuddyMessage) if learner.chat in (m.sender_id, m.recipient_id)
        ]
        assert mine == [], "the prompt to Sara is gone"
        late = await buddy.tap(menu, BUTTONS["vraag"])  # the menu from before
        assert text_of(late[-1]) == buddy_text("niet_meer")
        menu = await buddy.say("maatje")
        assert text_of(menu[-1]) == buddy_text("geen_leerling")


# 7. Bad input ----------------------------------------------------------------------------------


async def test_made_up_buttons_change_nothing(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        got = await ask_with_buttons(buddy, learner, "Water\nThee")
        await send_due(running)
        prompt_id = payload_of(got, "Thee").split(":")[2]
        pairing_id = payload_of(got, LEARNER_BUTTONS["pauze"]).split(":")[2]
        menu = await buddy.say("maatje")
        before = state(running)

        made_up = [
            *("mt:a:999999:0", "mt:doe:1", "mt:zzz", "mt:", "mt:a:abc", "mt:re:1:x"),
            *(f"mt:a:{prompt_id}:9", "mt:doe:999999", "mt:ok1:999999:j", "mt:eind:999999"),
            *("mt:re:999999:g", "mt:ok2:999999:j", "mt:uitn", "mt:niet:1"),
            *(f"mt:stop:{pairing_id}", f"mt:stand:{pairing_id}", f"mt:vraag:{pairing_id}"),
        ]
        wrong: dict[str, list[str]] = {}
        for data in made_up:  # the learner, under Jan's prompt
            answer = await answer_to(learner, got["message_id"], data)
            if answer != [OLD_BUTTON]:
                wrong[f"learner {data}"] = answer
        theirs = [
            *(f"mt:a:{prompt_id}:0", f"mt:nog:{prompt_id}", f"mt:ok1:{pairing_id}:n"),
            *(f"mt:pauze:{pairing_id}", f"mt:eind:{pairing_id}"),
            *("mt:zzz", "mt:a:999999:0", "mt:re:999999:g", "mt:stand:999999"),
        ]
        for data in theirs:  # the buddy, under the menu: Sara's buttons are not Jan's
            answer = await answer_to(buddy, menu[-1]["message_id"], data)
            if answer != [OLD_BUTTON]:
                wrong[f"buddy {data}"] = answer
        assert wrong == {}, "each made-up button gets the old-button answer, and only that"
        await send_due(running)
        assert await nothing_more(buddy, 0.5) == []
        assert state(running) == before, "nothing changed"

        # The real buttons still work after all that.
        thanks = await learner.tap([got], "Thee")
        assert text_of(thanks[-1]) == learner_text("bedankt", "Jan")
        await buddy.wait(lambda m: text_of(m) == buddy_text("antwoord", naam="Sara", tekst="Thee"))


async def test_an_answer_pressed_twice_reaches_the_buddy_once(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy, learner = await couple(running, client)
        got = await ask_with_buttons(buddy, learner, "Water\nThee\nKoffie")

        tap = {"message_id": got["message_id"], "data": payload_of(got, "Thee")}
        other = {"message_id": got["message_id"], "data": payload_of(got, "Koffie")}
        path = f"/api/chats/{learner.chat}/press"
        await asyncio.gather(client.post(path, tap), client.post(path, tap))  # a double tap
        await client.post(path, other)  # and at once another answer
        thanks = learner_text("bedankt", "Jan")
        await learner.wait(lambda m: text_of(m) == thanks)
        answer = buddy_text("antwoord", naam="Sara", tekst="Thee")
        await buddy.wait(lambda m: text_of(m).startswith("Antwoord van Sara"))
        await send_due(running)
        await nothing_more(buddy)
        answers = [t for t in buddy.seen() if t.startswith("Antwoord van Sara")]
        assert len(answers) == 1, f"one answer reaches Jan: {answers}"
        assert answers[0] in (answer, buddy_text("antwoord", naam="Sara", tekst="Koffie"))
        assert learner.seen().count(thanks) == 1
        [prompt_row] = [m for m in rows(running, BuddyMessage) if m.kind == "vraag"]
        assert prompt_row.status == "beantwoord"
