"""Practice rounds and communication profiles as a learner meets them, through the emulator.

The whole bot runs (python-telegram-bot over HTTP, the real Rasa model, SQLite, espeak-ng):
the learner only presses the buttons the bot showed, unless a test is about typing. The open
question is read from the learner's practice state in the database, to know the right answer.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from bot.emulator.client import EmulatorClient, buttons_of, ends_turn, text_of
from bot.practice.exercises import Exercise, sentence_words
from bot.practice.service import ROUND_SIZE, answer_payload, theme_payload
from bot.settings import PROJECT_ROOT
from bot.tone.profiles import load_profiles, without_emoji

pytestmark = pytest.mark.asyncio

Message = dict[str, Any]
Until = Callable[[list[Message]], bool]

PROFILES = ("nt2", "nt1", "werk", "doof")
REPLAY = ("/herhalen", "/langzamer")
# A learner without sound gets plain messages and no replay row to wait for: a turn is over
# when its last message has buttons, and this long after it nothing more came.
SILENT_SETTLE = 0.3
FOUT = "Dat is niet goed."
ANSWER = re.compile(r'^/oefenen\{"keuze":"(\d+):(\d+|r)"\}$')
PNG = b"\x89PNG\r\n\x1a\n"


# --- what the bot says --------------------------------------------------------------------


class _Keep(dict):
    """Format fields; a slot the test does not fill stays as "{name}"."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@functools.cache
def _responses() -> dict[str, list[dict[str, Any]]]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"]


def said(name: str, profile: str | None = None, **fields: object) -> list[str]:
    """Every text response `name` may show a learner of `profile`, as the channel shows it.

    The profile's own variations if it has any, else the unconditional ones; without emoji
    for profiles that want a plain look.
    """
    variations = _responses()[name]

    def profiles_of(variation: dict[str, Any]) -> set[str]:
        return {c["value"] for c in variation.get("condition", []) if c["name"] == "profiel"}

    own = [v for v in variations if profile in profiles_of(v)]
    chosen = own or [v for v in variations if not v.get("condition")]
    texts = [v["text"].format_map(_Keep(fields)) for v in chosen]
    if profile is None or load_profiles().get(profile).emoji:
        return texts
    return [without_emoji(text) or text for text in texts]


def payloads(message: Message) -> list[str]:
    return [b["callback_data"] for b in buttons_of(message)]


def titles(message: Message) -> list[str]:
    return [b["text"] for b in buttons_of(message)]


def answer_buttons(message: Message) -> list[str]:
    """The answer payloads under a question (not the replay row)."""
    return [p for p in payloads(message) if ANSWER.match(p)]


def with_payload(messages: list[Message], payload: str) -> Message:
    """The last message that carries a button with `payload`."""
    found = [m for m in messages if payload in payloads(m)]
    assert found, f"no button {payload!r} in {[text_of(m) for m in messages]}"
    return found[-1]


def is_feedback(message: Message) -> bool:
    text = text_of(message)
    return text.startswith(FOUT) or any(
        text.startswith(t.split("{")[0].strip()) for t in _goed_prefixes()
    )


@functools.cache
def _goed_prefixes() -> tuple[str, ...]:
    variants = [v["text"] for v in _responses()["utter_oef_goed"]]
    return tuple({t for v in variants for t in (v, without_emoji(v))})


def is_goed(message: Message) -> bool:
    return is_feedback(message) and not text_of(message).startswith(FOUT)


# --- a learner ----------------------------------------------------------------------------


@dataclass
class Learner:
    """One learner in their own chat: acts, and waits until the bot's whole answer is in."""

    client: EmulatorClient
    harness: Any
    chat_id: int
    profile: str | None = None

    @property
    def voice(self) -> bool:
        return self.profile != "doof"

    @property
    def practice(self) -> Any:
        return self.harness.bot.store.practice

    def done(self, payload: str | None = None) -> Until:
        """The turn is over: the replay row (with sound) or buttons on the last message.

        With `payload`, a button starting with it must have come too.
        """

        def until(new: list[Message]) -> bool:
            shown = [p for m in new for p in payloads(m)]
            if not new or (payload and not any(p.startswith(payload) for p in shown)):
                return False
            return ends_turn(new) if self.voice else bool(buttons_of(new[-1]))

        return until

    async def act(
        self,
        kind: str,
        body: dict[str, Any],
        *,
        until: Until | None = None,
        expect: int | None = None,
        settle: float | None = None,
    ) -> list[Message]:
        if expect is not None:
            until = None
        elif until is None:
            until = self.done()
        if settle is None:
            settle = 0.0 if self.voice else SILENT_SETTLE
        return await self.client.act(
            self.chat_id, kind, body, until=until, expect=expect or 1, settle=settle
        )

    async def say(self, text: str, **kw: Any) -> list[Message]:
        return await self.act("text", {"text": text}, **kw)

    async def command(self, name: str, **kw: Any) -> list[Message]:
        return await self.act("command", {"command": name}, **kw)

    async def press(self, message: Message, data: str, **kw: Any) -> list[Message]:
        """Press a button the bot showed on `message`."""
        assert data in payloads(message), f"{data!r} is not a button of {text_of(message)!r}"
        return await self.act("press", {"message_id": message["message_id"], "data": data}, **kw)

    async def press_raw(self, message_id: int, data: str, **kw: Any) -> list[Message]:
        """Send any callback data, as a broken or malicious client could."""
        return await self.act("press", {"message_id": message_id, "data": data}, **kw)

    def messages(self) -> list[Message]:
        return self.client.view(self.chat_id).bot_messages()

    def current(self) -> Exercise:
        exercise = self.practice.current(self.chat_id)
        assert exercise is not None, "no open question"
        return exercise

    def question(self, exercise: Exercise | None = None) -> Message:
        """The newest message with the answer buttons of the open question."""
        exercise = exercise or self.current()
        prefix = answer_payload(f"{exercise.seq}:")[:-2]
        found = [m for m in self.messages() if any(p.startswith(prefix) for p in payloads(m))]
        assert found, f"question {exercise.seq} is not on screen"
        return found[-1]

    # --- the intake -----------------------------------------------------------------------

    async def hello(self) -> list[Message]:
        """First contact: the introduction, then "how do you want to practise?"."""
        replies = await self.say("hallo", until=self.done("/instellingen"), settle=0.0)
        return replies

    async def choose_profile(self, profile: str) -> list[Message]:
        ask = with_payload(self.messages(), '/instellingen{"profiel":"nt2"}')
        self.profile = profile
        return await self.press(
            ask,
            '/instellingen{"profiel":"' + profile + '"}',
            until=self.done(answer_payload("toets")),
        )

    async def skip_check(self) -> list[Message]:
        ask = with_payload(self.messages(), answer_payload("overslaan"))
        return await self.press(ask, answer_payload("overslaan"))

    async def ready(self, profile: str) -> list[Message]:
        """A new learner with a profile who skipped the check: the theme list is shown."""
        await self.hello()
        await self.choose_profile(profile)
        return await self.skip_check()

    # --- rounds ---------------------------------------------------------------------------

    def theme_list(self) -> Message:
        """The newest theme list."""
        found = [m for m in self.messages() if theme_payload("kennismaken") in payloads(m)]
        assert found, "no theme list on screen"
        return found[-1]

    async def start_theme(self, theme: str, level: int | None = None) -> list[Message]:
        """Press a theme on the newest theme list (its level set first, if given)."""
        if level is not None:
            self.practice.store.set_all_levels(self.chat_id, [theme], level)
        return await self.press(self.theme_list(), theme_payload(theme))

    def choice_for(self, exercise: Exercise, how: str) -> int:
        if how == "first":
            return 0
        if how == "right":
            return exercise.answer
        return next(i for i in range(len(exercise.choices)) if i != exercise.answer)

    def order_for(self, exercise: Exercise, how: str) -> list[int]:
        """The taps for a "volgorde" question: the right order, a wrong one or as shown."""
        shown = list(range(len(exercise.choices)))
        if how == "first":
            return shown
        left = dict(enumerate(c.label for c in exercise.choices))
        right = []
        for word in sentence_words(exercise.right):
            index = next(i for i, label in left.items() if label == word)
            right.append(index)
            del left[index]
        if how == "right":
            return right
        wrong = right[1:] + right[:1]
        labels = [exercise.choices[i].label for i in wrong]
        assert labels != sentence_words(exercise.right)
        return wrong

    async def answer(self, how: str = "right") -> list[Message]:
        """Answer the open question ("right", "wrong" or "first" button); the last turn."""
        exercise = self.current()
        if exercise.kind != "volgorde":
            index = self.choice_for(exercise, how)
            return await self.press(self.question(exercise), answer_payload(f"{exercise.seq}:{index}"))
        replies: list[Message] = []
        for index in self.order_for(exercise, how):
            replies = await self.press(
                self.question(exercise), answer_payload(f"{exercise.seq}:{index}")
            )
        return replies

    async def play_round(self, how: str = "right") -> tuple[list[Exercise], list[Message]]:
        """Answer the open round to its end: the questions asked, and every reply."""
        asked: list[Exercise] = []
        replies: list[Message] = []
        for _ in range(ROUND_SIZE):
            asked.append(self.current())
            replies += await self.answer(how)
        assert self.practice.current(self.chat_id) is None, "the round is over"
        return asked, replies

    async def until_kind(self, kind: str, level: int, theme: str, rounds: int = 4) -> Exercise:
        """Answer right until the open question is of `kind` (new rounds as needed)."""
        for _ in range(rounds * ROUND_SIZE):
            exercise = self.practice.current(self.chat_id)
            if exercise is None:
                await self.start_theme(theme, level)
                continue
            if exercise.kind == kind and exercise.level == level:
                return exercise
            await self.answer("right")
        raise AssertionError(f"no {kind} question at level {level} in {rounds} rounds")


@pytest.fixture
def learner(client: EmulatorClient, harness: Any, chat_id: int) -> Learner:
    return Learner(client, harness, chat_id)


# --- intake, rounds and progress per profile ----------------------------------------------


@pytest.mark.parametrize(
    ("profile", "intake"),
    [("nt2", "toets"), ("nt1", "overslaan"), ("werk", "overslaan"), ("doof", "toets")],
)
async def test_profile_intake_three_themes_and_progress_picture(
    learner: Learner, profile: str, intake: str
) -> None:
    """By buttons alone: profile, level check or skip, rounds in three themes, the picture."""
    profiles = load_profiles()
    bank = learner.practice.bank

    intro = await learner.hello()
    assert text_of(intro[0]) in said("utter_welkom")
    ask = intro[-1]
    assert text_of(ask) in said("utter_vraag_profiel")
    assert payloads(ask)[:5] == [
        *(f'/instellingen{{"profiel":"{p}"}}' for p in PROFILES),
        '/instellingen{"keuze":"later"}',
    ]
    assert titles(ask)[:4] == [profiles.by_id[p].button for p in PROFILES]

    chosen = await learner.choose_profile(profile)
    since_profile = {m["message_id"] for m in intro}
    texts = [text_of(m) for m in chosen]
    assert texts[0] in said(f"utter_profiel_{profile}", profile)
    if profile == "doof":
        assert texts[1] in said("utter_gebarentaal_aanbod", profile)
        assert "/gebarentaal" in payloads(chosen[1])
    assert texts[-1] in said("utter_vraag_toets", profile)
    assert payloads(chosen[-1])[:2] == [answer_payload("toets"), answer_payload("overslaan")]
    prefs = learner.harness.bot.store.users.get(learner.chat_id)
    assert prefs.profile == profile and prefs.intake_done

    if intake == "toets":
        check = await learner.press(chosen[-1], answer_payload("toets"))
        levels = []
        for _ in range(4):
            exercise = learner.current()
            levels.append(exercise.level)
            assert exercise.kind != "luisteren", "the check is read, never only heard"
            check = await learner.answer("right" if profile == "nt2" else "first")
        assert levels == [1, 2, 2, 3]
        level = learner.practice.store.theme_levels(learner.chat_id)["kennismaken"].level
        if profile == "nt2":
            assert level == 3, "every check question right: level 3"
        done = [m for m in check if "niveau" in text_of(m)]
        assert [text_of(m) for m in done] == [
            t for t in said("utter_toets_klaar", profile, niveau=level)
        ]
    else:
        check = await learner.skip_check()
        level = profiles.by_id[profile].start_level
        assert text_of(check[0]) in said("utter_toets_overgeslagen", profile, niveau=level)
    themes = check[-1]
    assert text_of(themes) in said("utter_oef_kies_thema", profile)
    offered = [json.loads(p[len("/oefenen") :])["thema"] for p in payloads(themes)[:8]]
    assert sorted(offered) == sorted(bank.themes)
    if profile == "werk":
        works = [bank.themes[t].work for t in offered]
        assert works == sorted(works, reverse=True) and works[0], "work themes first"
    else:
        assert offered == list(bank.themes)

    answered = 0
    for number, theme in enumerate(offered[:3]):
        first = await learner.press(learner.theme_list(), theme_payload(theme))
        assert answer_buttons(first[-1]), "a question with answer buttons"
        asked, replies = await learner.play_round("first")
        answered += len(asked)
        assert {e.theme for e in asked} == {theme}
        right = sum(is_goed(m) for m in replies)
        assert sum(is_feedback(m) for m in replies) == ROUND_SIZE
        end = [text_of(m) for m in replies if "De ronde is klaar" in text_of(m)]
        assert end == said("utter_oef_ronde_klaar", profile, goed=right, totaal=ROUND_SIZE)
        closing = replies[-1]
        assert text_of(closing) in said("utter_oef_nog_een_ronde", profile)
        assert payloads(closing)[:4] == [
            answer_payload("verder"),
            "/oefenen",
            answer_payload("later"),
            "/stoppen",
        ]
        if number < 2:
            again = await learner.press(closing, "/oefenen")
            assert text_of(again[-1]) in said("utter_oef_kies_thema", profile)

    progress = await learner.command(
        "voortgang", until=lambda new: any(m["photo"] for m in new)
    )
    done_count, right_count = learner.practice.store.answered(learner.chat_id)
    assert done_count == answered == 3 * ROUND_SIZE
    assert text_of(progress[0]) in said(
        "utter_voortgang", profile, geoefend=done_count, goed=right_count
    )
    photo = progress[-1]["photo"]
    assert photo["width"] > 0 and photo["height"] > 0
    assert (await learner.client.file_bytes(photo["url"])).startswith(PNG)

    if profile == "doof":
        # Before the choice the bot cannot know; from the choice on, never a voice note.
        silent = [m for m in learner.messages() if m["message_id"] not in since_profile]
        assert all(m["voice"] is None for m in silent), "no voice note for a deaf learner"
        kinds = {e.kind for e in learner.practice.store.events(learner.chat_id)}
        assert "luisteren" not in kinds
    else:
        spoken = [m for m in learner.messages() if not m["photo"]]
        assert all(m["voice"] for m in spoken), "every message is spoken"
