"""Buddies end to end (issue 11): a coordinator invites a buddy, the buddy invites a
learner, prompts go out through the outbox and answers come back, with consent.

The whole bot runs (python-telegram-bot over HTTP, the real Rasa model, SQLite, espeak-ng,
the outbox pump); only Telegram is the emulator. The buddy and the learner are two chats,
as two phones would be.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time as clock
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml

from bot.emulator.client import EmulatorClient, buttons_of, ends_turn, text_of
from bot.settings import PROJECT_ROOT, Settings
from tests.conftest import make_settings

pytestmark = pytest.mark.asyncio

Message = dict[str, Any]
TEXTS = yaml.safe_load((PROJECT_ROOT / "bot/content/maatje.yml").read_text(encoding="utf-8"))
BUDDY, LEARNER, OTHER = 71_000_001, 71_000_002, 71_000_003
NEVER_QUIET = (time(0, 0), time(0, 0))
HARD = (
    "Overeenkomstig de geldende arbeidsomstandighedenregelgeving dient u de "
    "persoonlijke beschermingsmiddelen consequent te hanteren tijdens werkzaamheden."
)


def buddy_text(key: str, **values: Any) -> str:
    return TEXTS["maatje"][key].format(**values) if values else TEXTS["maatje"][key]


def learner_text(key: str, naam: str = "") -> str:
    return TEXTS["leerling"][key].format(naam=naam)


def button(messages: list[Message], title: str) -> tuple[int, str]:
    """The message id and payload of the button with this title (emoji and all)."""
    for message in reversed(messages):
        for b in buttons_of(message):
            if b["text"] == title:
                return message["message_id"], b["callback_data"]
    raise AssertionError(f"no button {title!r} in {[text_of(m) for m in messages]}")


def titles(message: Message) -> list[str]:
    return [b["text"] for b in buttons_of(message)]


@dataclass
class Person:
    client: EmulatorClient
    chat: int
    name: str

    async def say(self, text: str, **kw: Any) -> list[Message]:
        return await self.client.act(
            self.chat, "text", {"text": text, "first_name": self.name}, **kw
        )

    async def start(self, payload: str, **kw: Any) -> list[Message]:
        return await self.client.act(
            self.chat, "command", {"command": "start", "args": payload, "first_name": self.name},
            **kw,
        )  # fmt: skip

    async def tap(self, messages: list[Message], title: str, **kw: Any) -> list[Message]:
        message_id, data = button(messages, title)
        payload = {"message_id": message_id, "data": data, "first_name": self.name}
        return await self.client.act(self.chat, "press", payload, **kw)

    async def voice(self, **kw: Any) -> list[Message]:
        return await self.client.act(self.chat, "voice", {"first_name": self.name}, **kw)

    async def wait(self, check: Callable[[Message], bool], timeout: float = 20.0) -> Message:
        """The first bot message (old or new) for which ``check`` holds."""
        deadline = clock.monotonic() + timeout
        while True:
            await self.client.sync(self.chat)
            for message in self.client.view(self.chat).bot_messages():
                if check(message):
                    return message
            assert clock.monotonic() < deadline, f"{self.name}: nothing matched"
            await self.client.sync(self.chat, wait=1.0)

    def seen(self) -> list[str]:
        return [text_of(m) for m in self.client.view(self.chat).bot_messages()]


def invite_buddies(settings: Settings, place: str = "tiel", count: int = 1) -> list[dict]:
    """`taalmaatje maatjes uitnodigen`, as a coordinator runs it."""
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "TAALMAATJE_VAR_DIR": str(settings.var_dir),
        "TAALMAATJE_SECRET": "test-secret",
        "TELEGRAM_BOT_TOKEN": "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "maatjes", "uitnodigen", "--plek", place,
         "--aantal", str(count), "--json"],
        env=env, capture_output=True, text=True, check=True, cwd=PROJECT_ROOT,
    )  # fmt: skip
    return json.loads(result.stdout)


@dataclass
class Running:
    bot: Any
    settings: Settings

    @property
    def url(self) -> str:
        return self.bot.emulator.base_url


@pytest_asyncio.fixture
async def running(tmp_path: Path, model_path: Path) -> AsyncIterator[Running]:
    from bot.app import start_bot

    settings = make_settings(tmp_path, quiet_hours=NEVER_QUIET)
    bot = await start_bot(settings, model_path, with_emulator=True)
    try:
        yield Running(bot, settings)
    finally:
        await bot.stop()


async def become_buddy(running: Running, client: EmulatorClient, chat: int, name: str) -> Person:
    [invitation] = invite_buddies(running.settings)
    assert re.fullmatch(r"https://t\.me/taalmaatje_bot\?start=[A-Za-z0-9_-]{1,64}",
                        invitation["link"])  # fmt: skip
    buddy = Person(client, chat, name)
    explained = await buddy.start(invitation["code"])
    assert text_of(explained[-1]) == buddy_text("uitleg")
    assert explained[-1]["voice"], "the explanation is spoken"
    menu = await buddy.tap(explained, TEXTS["maatje_knoppen"]["ja"], expect=2)
    assert text_of(menu[0]) == buddy_text("welkom")
    assert text_of(menu[-1]) == buddy_text("geen_leerling")
    return buddy


async def pair(buddy: Person, learner: Person, progress: bool) -> None:
    menu = await buddy.say("maatje")
    link_messages = await buddy.tap(menu, TEXTS["maatje_knoppen"]["uitnodigen"], expect=2)
    [link] = re.findall(r"https://t\.me/\S+", text_of(link_messages[0]))
    assert link_messages[1]["photo"], "a QR code to scan"
    code = link.split("start=")[1]
    asked = await learner.start(code)
    assert text_of(asked[-1]) == " ".join(
        [learner_text("vraag_koppeling", buddy.name), learner_text("vraag_oefenen", buddy.name)]
    )
    second = await learner.tap(asked, TEXTS["leerling_knoppen"]["ja"])
    assert text_of(second[-1]) == learner_text("vraag_voortgang", buddy.name)
    answer = "ja" if progress else "nee"
    done = await learner.say(answer)  # typed, not tapped: the question on screen takes it
    assert text_of(done[-1]) == learner_text("gekoppeld", buddy.name)
    await buddy.wait(lambda m: text_of(m) == buddy_text("nieuw", naam=learner.name))


async def test_a_pairing_from_invitation_to_the_end(running: Running) -> None:
    async with EmulatorClient(running.url) as client:
        buddy = await become_buddy(running, client, BUDDY, "Jan")
        learner = Person(client, LEARNER, "Sara")
        await learner.client.command(LEARNER, "start", until=ends_turn)
        await pair(buddy, learner, progress=False)

        # 1. A prompt that is too hard: one tip, then the buddy writes it again.
        menu = await buddy.say("maatje")
        asked = await buddy.tap(menu, TEXTS["maatje_knoppen"]["vraag"])
        assert text_of(asked[-1]) == buddy_text("schrijf")
        tip = await buddy.say(HARD)
        assert text_of(tip[-1]).startswith(buddy_text("te_moeilijk", naam="Sara", tip="")[:-1])
        assert titles(tip[-1])[:2] == [TEXTS["maatje_knoppen"][k] for k in ("toch", "aanpassen")]
        assert titles(tip[-1])[2:] == ["🔁 Nog eens", "🐢 Langzamer"], "spoken, and again"
        again = await buddy.tap(tip, TEXTS["maatje_knoppen"]["aanpassen"])
        assert text_of(again[-1]) == buddy_text("pas_aan")
        kind = await buddy.say("Wat eet je graag?")
        assert text_of(kind[-1]) == buddy_text("soort", naam="Sara")
        sent = await buddy.say("open vraag")  # typed: the button's words
        assert text_of(sent[-1]) == buddy_text("verstuurd", naam="Sara")

        first = await learner.wait(lambda m: "Wat eet je graag?" in text_of(m))
        assert text_of(first) == (
            TEXTS["leerling"]["prompt"].format(naam="Jan", tekst="Wat eet je graag?")
            + "\n" + learner_text("antwoord_open", "Jan")
        )  # fmt: skip
        assert first["voice"], "the prompt is spoken"
        assert {"🔁 Nog eens", "🐢 Langzamer"} <= set(titles(first))
        thanks = await learner.say("ik eet graag rijst")
        assert text_of(thanks[-1]) == learner_text("bedankt", "Jan")
        answer = await buddy.wait(lambda m: text_of(m).startswith("Antwoord van Sara"))
        assert text_of(answer) == buddy_text("antwoord", naam="Sara", tekst="ik eet graag rijst")
        reacted = await buddy.tap([answer], TEXTS["maatje_knoppen"]["goed"])
        assert text_of(reacted[-1]) == buddy_text("reactie_verstuurd", naam="Sara")
        praise = await learner.wait(lambda m: text_of(m) == learner_text("reactie_goed", "Jan"))
        assert praise["voice"]

        # 2. A question with buttons, answered by a tap.
        menu = await buddy.say("maatje")
        await buddy.tap(menu, TEXTS["maatje_knoppen"]["vraag"])
        kind = await buddy.say("Wat drink je bij het eten?")
        choices = await buddy.tap(kind, TEXTS["maatje_knoppen"]["knoppen"])
        assert text_of(choices[-1]) == buddy_text("keuzes")
        sent = await buddy.say("Water\nThee\nKoffie")
        assert text_of(sent[-1]) == buddy_text("verstuurd", naam="Sara")
        second = await learner.wait(lambda m: "Wat drink je" in text_of(m))
        assert titles(second)[:3] == ["Water", "Thee", "Koffie"]
        await learner.tap([second], "Thee")
        answer = await buddy.wait(lambda m: text_of(m) == buddy_text(
            "antwoord", naam="Sara", tekst="Thee"))  # fmt: skip
        again = await learner.tap([second], "Koffie")  # an answered prompt stays answered
        assert text_of(again[-1]) == learner_text("al_beantwoord")

        # 3. A voice-note prompt, answered by a voice note.
        menu = await buddy.say("maatje")
        await buddy.tap(menu, TEXTS["maatje_knoppen"]["vraag"])
        kind = await buddy.voice()
        assert text_of(kind[-1]) == buddy_text("soort", naam="Sara")
        await buddy.tap(kind, TEXTS["maatje_knoppen"]["open"])
        third = await learner.wait(lambda m: learner_text("prompt_spraak", "Jan") in text_of(m))
        assert third["voice"], "the buddy's own recording"
        thanks = await learner.voice()
        assert text_of(thanks[-1]) == learner_text("bedankt", "Jan")
        spoken = await buddy.wait(lambda m: text_of(m) == buddy_text(
            "antwoord_spraak", naam="Sara"))  # fmt: skip
        assert spoken["voice"] and spoken.get("protect_content"), "not to be passed on"

        # A fourth prompt today: the limit (3 a day) says no, kindly.
        menu = await buddy.say("maatje")
        limit = await buddy.tap(menu, TEXTS["maatje_knoppen"]["vraag"])
        assert text_of(limit[-1]) == buddy_text("genoeg_vandaag", naam="Sara", aantal=3)

        # Progress without consent: a kind no.
        menu = await buddy.say("maatje")
        refused = await buddy.tap(menu, TEXTS["maatje_knoppen"]["voortgang"].format(naam="Sara"))
        assert text_of(refused[-1]) == buddy_text("voortgang_nee", naam="Sara")

        # The learner ends it by typing; the buddy is told; the next prompt goes nowhere.
        ended = await learner.say("stop maatje")
        assert text_of(ended[-1]) == learner_text("gestopt", "Jan")
        await buddy.wait(lambda m: text_of(m) == buddy_text("gestopt", naam="Sara"))
        late = await buddy.tap(menu, TEXTS["maatje_knoppen"]["vraag"])
        assert text_of(late[-1]) == buddy_text("niet_meer")

    # The statistics for the dashboard: what happened, per place, without people or text.
    counts = running.bot.store.buddies.event_counts()
    assert counts == {
        "koppeling_begin": 1, "koppeling_einde": 1, "vraag_verstuurd": 3, "antwoord": 3,
        "tip_getoond": 1, "tip_gevolgd": 1,
    }  # fmt: skip
