"""Every question with buttons also takes a typed answer (issue 9), as a learner meets it.

The whole bot runs (python-telegram-bot over HTTP, the real Rasa model, SQLite, espeak-ng);
only Telegram is the emulator. Most tests use twins: two new learners walk to the same
question; one taps the button, the other types, and both must see the same answer. That is
what "a typed match acts exactly as pressing the button" means to a learner.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import re
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from bot.emulator.client import EmulatorClient, buttons_of, ends_turn, text_of
from bot.practice.service import ROUND_SIZE, answer_payload
from bot.settings import PROJECT_ROOT
from tests.e2e.test_afspraak import Learner as Booker
from tests.e2e.test_afspraak import rows
from tests.e2e.test_practice import Learner as Practiser
from tests.e2e.test_practice import is_goed

pytestmark = pytest.mark.asyncio

Message = dict[str, Any]
REPLAY = ("/herhalen", "/langzamer")
LATER = '/instellingen{"keuze":"later"}'
SILENT_SETTLE = 0.8
EXERCISE = re.compile(r'^/oefenen\{"keuze":"\d+:')
# Far from the ids of the shared `chat_id` fixture and of test_afspraak's extra learners.
_ids = itertools.count(63_000_001)


@functools.cache
def responses() -> dict[str, list[str]]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {k: [v.get("text", "") for v in vs] for k, vs in domain["responses"].items()}


def said(name: str) -> str:
    return responses()[name][0]


def payloads(message: Message) -> list[str]:
    return [b["callback_data"] for b in buttons_of(message)]


def shown(messages: list[Message]) -> list[tuple[str, list[str]]]:
    """What a learner sees of a turn: each text with its buttons (not the voice's file).

    An exercise's words are drawn at random per learner: there only its buttons count.
    """
    return [
        ("(oefening)" if any(EXERCISE.match(p) for p in payloads(m)) else text_of(m), payloads(m))
        for m in messages
    ]


MISSES = ("utter_niet_begrepen", "utter_niet_begrepen_weer", "utter_afspraak_kies_knop")


def understood(messages: list[Message]) -> bool:
    """No "Sorry, dat begrijp ik niet" (in any form) in the turn."""
    missed = {said(name) for name in MISSES}
    return not any(text_of(m) in missed for m in messages)


@dataclass
class Chat:
    """One new learner in a chat of their own; every turn waits until the bot is done."""

    client: EmulatorClient
    chat_id: int

    async def act(self, kind: str, body: dict[str, Any]) -> list[Message]:
        """A spoken turn ends with the replay row; a silent one (sound off, a deaf learner)
        when this long after a message without voice nothing more came."""

        def until(new: list[Message]) -> bool:
            return ends_turn(new) or (bool(new) and new[-1]["voice"] is None)

        new = await self.client.act(self.chat_id, kind, body, until=until, settle=0.2)
        if new[-1]["voice"] is None:
            await asyncio.sleep(SILENT_SETTLE)
            await self.client.sync(self.chat_id)
            known = {m["message_id"] for m in new}
            first = new[0]["message_id"]
            new += [
                m
                for m in self.client.view(self.chat_id).bot_messages()
                if m["message_id"] > first and m["message_id"] not in known
            ]
        return new

    async def say(self, words: str) -> list[Message]:
        return await self.act("text", {"text": words})

    async def press(self, data: str) -> list[Message]:
        """Press `data` on the newest message that shows it."""
        found = [m for m in self.client.view(self.chat_id).bot_messages() if data in payloads(m)]
        assert found, f"no button {data!r} on screen: {shown(self.last_turn())}"
        return await self.act("press", {"message_id": found[-1]["message_id"], "data": data})

    async def start(self) -> list[Message]:
        return await self.act("command", {"command": "start"})

    def last_turn(self) -> list[Message]:
        return self.client.view(self.chat_id).bot_messages()[-3:]

    async def step(self, how: str) -> list[Message]:
        """ "say:<text>" or "press:<payload>"."""
        kind, _, arg = how.partition(":")
        return await (self.say(arg) if kind == "say" else self.press(arg))


async def twins(client: EmulatorClient, path: list[str]) -> tuple[Chat, Chat]:
    """Two new learners who pressed Start and then took the same steps."""
    pair = (Chat(client, next(_ids)), Chat(client, next(_ids)))
    for chat in pair:
        await chat.start()
        for how in path:
            await chat.step(how)
    assert shown(pair[0].last_turn()) == shown(pair[1].last_turn())
    return pair


async def typed_as_pressed(
    client: EmulatorClient, path: list[str], data: str, typed: str
) -> list[Message]:
    """Walk `path` twice; tap `data` in one chat and type `typed` in the other: the same."""
    tapper, typist = await twins(client, path)
    assert data in payloads(typist.last_turn()[-1]), shown(typist.last_turn())
    pressed = await tapper.press(data)
    answer = await typist.say(typed)
    assert understood(pressed), shown(pressed)
    assert shown(answer) == shown(pressed), f"{typed!r} is not {data!r}"
    return answer


# --- the table, and the two cases below it --------------------------------------

MEMBERSHIP = ["press:" + LATER, "say:lidmaatschap"]
HOURS = ["press:" + LATER, "say:wanneer is het taalhuis open"]
COURSES = ["press:" + LATER, "say:welke cursus past bij mij"]


@pytest.mark.parametrize(
    ("path", "data", "typed"),
    [
        (MEMBERSHIP, '/lidmaatschap{"keuze":"0_ja"}', "ja"),
        (MEMBERSHIP, '/lidmaatschap{"keuze":"0_ja"}', "ik heb een uitkering"),
        (HOURS, '/openingstijden{"plek":"tiel"}', "tiel"),
        (COURSES, '/cursus_zoeken{"keuze":"lezen"}', "lezen"),
        ([], '/instellingen{"profiel":"nt2"}', "ik leer nederlands"),
    ],
    ids=["uitkering-ja", "uitkering-zin", "plaats-tiel", "cursus-lezen", "intake-knopwoorden"],
)
async def test_the_reported_typed_answers_go_on(
    client: EmulatorClient, path: list[str], data: str, typed: str
) -> None:
    answer = await typed_as_pressed(client, path, data, typed)
    if typed == "ik leer nederlands":
        assert text_of(answer[0]) == said("utter_profiel_nt2")


async def test_a_person_please(client: EmulatorClient) -> None:
    """ "kan ik met iemand praten": the phone number, when to walk in, a booking button."""
    chat = Chat(client, next(_ids))
    await chat.start()
    answer = await chat.say("kan ik met iemand praten")
    words = " ".join(text_of(m) for m in answer)
    assert "Bel het Taalhuis" in words and "zonder afspraak" in words
    assert any(ch.isdigit() for ch in text_of(answer[0])), "a phone number"
    assert "/afspraak_maken" in payloads(answer[-1])
    assert said("utter_hulp") not in words


async def test_stop_voice_messages_turns_the_sound_off_not_the_talk(
    client: EmulatorClient,
) -> None:
    chat = Chat(client, next(_ids))
    await chat.start()
    off = await client.say(chat.chat_id, "stop met spraak berichten", expect=1, settle=0.5)
    assert [text_of(m) for m in off] == [said("utter_geluid_uit")]
    after = await client.say(chat.chat_id, "hallo", expect=2, settle=0.5)
    assert after and all(m["voice"] is None for m in after), "no voice after sound off"
    assert "/oefenen" in payloads(after[-1]), "the conversation goes on"


# --- one walk over every question with buttons, each answered by typing ----------------

SETTINGS = ["press:" + LATER, "say:instellingen"]
LEVEL_CHECK = ['press:/instellingen{"profiel":"nt2"}']
ERASE = ["press:" + LATER, "say:vergeet mij"]
KNOWN = ["press:" + LATER, "say:wat weet je van mij"]
BOOKING = ["press:" + LATER, "say:ik wil een afspraak maken"]
DAYS = [*BOOKING, 'press:/afspraak_maken{"plek":"culemborg"}']

WALK = [
    # The intake: how do you want to practise? Button words, a typo, a number, a sentence.
    ([], '/instellingen{"profiel":"nt2"}', "Ik leer Nederlands"),
    ([], '/instellingen{"profiel":"nt1"}', "lezen is lastig"),
    ([], '/instellingen{"profiel":"werk"}', "ik wil oefenen voor mijn werk"),
    ([], '/instellingen{"profiel":"doof"}', "ik hoor slecht"),
    ([], '/instellingen{"profiel":"nt2"}', "1"),
    ([], LATER, "later"),
    ([], LATER, "latr kiezen"),
    # The level check offer: yes and no words, and sentences.
    (LEVEL_CHECK, '/oefenen{"keuze":"toets"}', "ja"),
    (LEVEL_CHECK, '/oefenen{"keuze":"toets"}', "ja hoor"),
    (LEVEL_CHECK, '/oefenen{"keuze":"overslaan"}', "nee"),
    (LEVEL_CHECK, '/oefenen{"keuze":"overslaan"}', "sla over"),
    (LEVEL_CHECK, '/oefenen{"keuze":"overslaan"}', "nee dat hoeft niet"),
    # Settings.
    (SETTINGS, '/instellingen{"keuze":"profiel"}', "hoe ik oefen"),
    (SETTINGS, '/oefenen{"keuze":"toets"}', "mijn nivo"),
    (SETTINGS, "/geluid_uit", "geluid"),
    # Free membership: yes/no words, the question said back, a typo, a sentence.
    (MEMBERSHIP, '/lidmaatschap{"keuze":"0_ja"}', "klopt"),
    (MEMBERSHIP, '/lidmaatschap{"keuze":"0_ja"}', "jaa"),
    (MEMBERSHIP, '/lidmaatschap{"keuze":"0_nee"}', "nee"),
    (MEMBERSHIP, '/lidmaatschap{"keuze":"0_nee"}', "nee dat heb ik niet"),
    (MEMBERSHIP, '/lidmaatschap{"keuze":"0_nee"}', "ik heb geen uitkering"),
    # The course finder.
    (COURSES, '/cursus_zoeken{"keuze":"lezen"}', "lezn"),
    (COURSES, '/cursus_zoeken{"keuze":"computer"}', "ik wil graag computer"),
    (COURSES, '/cursus_zoeken{"keuze":"rekenen"}', "de vierde"),
    # Opening hours: which place?
    (HOURS, '/openingstijden{"plek":"culemborg"}', "culemburg"),
    (HOURS, '/openingstijden{"plek":"geldermalsen"}', "in geldermalsen"),
    (HOURS, '/openingstijden{"plek":"tiel"}', "1"),
    # Booking: the place and the day (times and the rest are booked below, in one chat).
    (BOOKING, '/afspraak_maken{"plek":"culemborg"}', "culemborg"),
    (BOOKING, '/afspraak_maken{"plek":"tiel"}', "tiel graag"),
    (DAYS, "DAY:1", "de tweede"),
    (DAYS, "DAY:0", "TITLE"),  # "morgen 4 december", or whichever day is first
    # The erase confirmation.
    (ERASE, "/ontkennen", "nee"),
    (ERASE, "/ontkennen", "nee toch maar niet"),
    (ERASE, "/bevestigen", "ja wis alles"),
    # "What do you know about me?" ends with the offer of "vergeet mij".
    (KNOWN, "/ontkennen", "nee laat maar"),
    (KNOWN, "/gegevens_wissen", "ja vergeet mij"),
]


def _walk_id(case: tuple[list[str], str, str]) -> str:
    return case[2].replace(" ", "_")


@pytest.mark.parametrize(("path", "data", "typed"), WALK, ids=[_walk_id(c) for c in WALK])
async def test_every_question_takes_a_typed_answer(
    client: EmulatorClient, path: list[str], data: str, typed: str
) -> None:
    if data.startswith("DAY:"):  # the days on offer depend on today
        look = Chat(client, next(_ids))
        await look.start()
        for how in path:
            await look.step(how)
        buttons = [b for b in buttons_of(look.last_turn()[-1]) if '"dag"' in b["callback_data"]]
        button = buttons[int(data.removeprefix("DAY:"))]
        data = button["callback_data"]
        if typed == "TITLE":
            typed = button["text"].removeprefix("📅 ").lower()
    answer = await typed_as_pressed(client, path, data, typed)
    assert understood(answer)


async def test_booking_and_moving_all_typed(client: EmulatorClient, harness: Any) -> None:
    """Place, day, time, reason, "no" to the phone number, "ja graag" to the reminder: all
    typed, and the appointment is in the store as if tapped. Then moving it, typed too."""
    booker = Booker(client, harness, next(_ids))
    chat = Chat(client, booker.chat_id)
    await chat.start()
    await chat.press(LATER)
    place = await chat.say("ik wil een afspraak maken")
    assert '/afspraak_maken{"plek":"culemborg"}' in payloads(place[-1])
    days = await chat.say("culemborg")
    day_buttons = [p for p in payloads(days[-1]) if '"dag"' in p]
    assert day_buttons, shown(days)
    times = await chat.say("de tweede")
    time_buttons = [p for p in payloads(times[-1]) if '"tijd"' in p]
    assert time_buttons and day_buttons[1].split('"dag":"')[1][:10] in time_buttons[0]
    chosen = time_buttons[0].split('"tijd":"')[1][:16]  # 2026-12-09_10:00
    hour = chosen[-5:]
    reason = await chat.say(f"om {hour}")
    assert '/afspraak_maken{"reden":"oefenen"}' in payloads(reason[-1]), shown(reason)
    phone = await chat.say("oefenen")
    assert (phone[-1].get("reply_markup") or {}).get("keyboard"), "the phone question"
    reminder = await client.say(chat.chat_id, "nee liever niet", until=ends_turn, settle=0.3)
    assert "/bevestigen" in payloads(reminder[-1]), shown(reminder)
    done = await client.say(
        chat.chat_id, "ja graag", until=lambda new: len(new) >= 3 and ends_turn(new), settle=1.0
    )
    assert understood(done)
    booked = booker.appointment()
    assert (booked.location_id, booked.reason, booked.phone) == ("culemborg", "oefenen", None)
    [(reminders,)] = rows(
        harness, "SELECT COUNT(*) FROM reminders WHERE appointment_id = :id", id=booked.id
    )
    assert reminders == 1, "ja graag: a reminder"

    # Moving: "ik kan niet komen" → "andere tijd" → a day → a time, all typed.
    menu = await chat.say("ik kan niet komen")
    assert understood(menu)
    days = await chat.say("andere tijd")
    moved_days = [p for p in payloads(days[-1]) if '"keuze":"d' in p]
    assert moved_days, shown(days)
    times = await chat.say("de eerste")
    moved_times = [p for p in payloads(times[-1]) if '"keuze":"t' in p]
    assert moved_times, shown(times)
    new_start = moved_times[0].split('"keuze":"t')[1][:16]
    moved = await client.say(
        chat.chat_id,
        "de eerste",
        until=lambda new: any(m.get("document") for m in new) and ends_turn(new),
        settle=0.5,
    )
    assert understood(moved)
    moved_to = booker.appointment()
    assert moved_to.id == booked.id and moved_to.starts_at != booked.starts_at
    assert new_start.replace("_", " ")[:10] == str(moved_days[0].split('"keuze":"d')[1][:10])


# --- practice: an exercise answered by typing, and "nog een ronde" ------------------------


async def test_an_exercise_and_another_round_typed(client: EmulatorClient, harness: Any) -> None:
    """The right answer in words, inside a short sentence; then "ja" for another round and
    "later" at the end of the next."""
    learner = Practiser(client, harness, next(_ids))
    await learner.ready("nt1")
    await learner.start_theme("boodschappen", 1)
    for _ in range(ROUND_SIZE):
        exercise = learner.current()
        if exercise.kind == "volgorde":
            replies = await learner.answer("right")
            continue
        words = exercise.choices[exercise.answer].match
        replies = await learner.say(f"ik denk {words}")
        assert understood(replies), (words, shown(replies))
        assert is_goed(replies[0]), (words, shown(replies))
    closing = [p for p in payloads(replies[-1]) if p == answer_payload("verder")]
    assert closing, "nog een ronde?"
    more = await learner.say("ja")
    assert learner.current() is not None and learner.current().theme == "boodschappen"
    assert understood(more)


# --- asking back: "Bedoel je …?" and "Bedoel je ja?" --------------------------------------


async def test_unsure_asks_back_and_a_typed_meaning_counts(
    client: EmulatorClient, harness: Any
) -> None:
    """ "ik wil leren" is practice or a course: the bot asks; "cursus" chooses the course
    finder, as tapping it would; and the question is counted (without text)."""
    tapper, typist = await twins(client, ["press:" + LATER])
    asked = await typist.say("ik wil leren")
    assert text_of(asked[0]).startswith("Bedoel je"), shown(asked)
    options = payloads(asked[-1])
    assert "/cursus_zoeken" in options and "/oefenen" in options
    assert any("anders" in p for p in options), "Iets anders"
    await tapper.say("ik wil leren")
    pressed = await tapper.press("/cursus_zoeken")
    answer = await typist.say("cursus")
    assert shown(answer) == shown(pressed)
    kinds = [tuple(r) for r in rows(harness, "SELECT kind, outcome FROM clarification_events")]
    assert ("bedoeling", "gevraagd") in kinds and ("bedoeling", "gekozen") in kinds


async def test_a_doubt_at_a_yes_no_question_asks_bedoel_je_ja_once(client: EmulatorClient) -> None:
    tapper, typist = await twins(client, MEMBERSHIP)
    asked = await typist.say("ja maar niet altijd")
    assert text_of(asked[0]) == said("utter_bedoel_je_ja"), shown(asked)
    yes, no = '/lidmaatschap{"keuze":"0_ja"}', '/lidmaatschap{"keuze":"0_nee"}'
    assert payloads(asked[-1])[:2] == [yes, no]
    pressed = await tapper.press(yes)
    answer = await typist.say("ja")
    assert shown(answer) == shown(pressed)


async def test_control_words_win_over_a_question(client: EmulatorClient) -> None:
    """ "stop" at a yes/no question stops; it is no answer ("stop" is close to "soep")."""
    chat = Chat(client, next(_ids))
    await chat.start()
    for how in MEMBERSHIP:
        await chat.step(how)
    stopped = await client.say(chat.chat_id, "stop", expect=1, settle=0.5)
    assert text_of(stopped[0]) == said("utter_gestopt")
