"""Practice rounds and communication profiles as a learner meets them, through the emulator.

The whole bot runs (python-telegram-bot over HTTP, the real Rasa model, SQLite, espeak-ng):
the learner only presses the buttons the bot showed, unless a test is about typing. The open
question is read from the learner's practice state in the database, to know the right answer.
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from sqlalchemy import text

from bot.choices.matcher import best_match
from bot.content import load_channel_texts
from bot.emulator.client import EmulatorClient, buttons_of, ends_turn, text_of
from bot.practice.exercises import Exercise, sentence_words
from bot.practice.service import ROUND_SIZE, answer_payload, theme_payload
from bot.practice.texts import load_practice_texts
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
THEME = "boodschappen"  # where a test does not care which theme
LABELS = load_practice_texts().labels


# --- what the bot says --------------------------------------------------------------------


class _Keep(dict):
    """Format fields; a slot the test does not fill stays as "{name}"."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@functools.cache
def _responses() -> dict[str, list[dict[str, Any]]]:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return domain["responses"]


# Feedback shows the right answer, which may be a picture: its emoji stay for every profile.
PICTURE_RESPONSES = {"utter_oef_goed", "utter_oef_fout"}


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
    if profile is None or load_profiles().get(profile).emoji or name in PICTURE_RESPONSES:
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


@functools.cache
def _patterns(name: str) -> tuple[re.Pattern[str], ...]:
    """Response `name` for any profile and any right answer, with and without emoji."""
    texts = {t for v in _responses()[name] for t in (v["text"], without_emoji(v["text"]))}
    hole = re.escape("{juist}")
    return tuple(re.compile(re.escape(t).replace(hole, ".*"), re.DOTALL) for t in texts)


def is_goed(message: Message) -> bool:
    return any(p.fullmatch(text_of(message)) for p in _patterns("utter_oef_goed"))


def is_feedback(message: Message) -> bool:
    """ "Goed" or "niet goed" after an answer."""
    return is_goed(message) or any(
        p.fullmatch(text_of(message)) for p in _patterns("utter_oef_fout")
    )


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
        return await self.say("hallo", until=self.done("/instellingen"), settle=0.0)

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
            return await self.press(
                self.question(exercise), answer_payload(f"{exercise.seq}:{index}")
            )
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
        """Answer right until the open question is of `kind` at `level`."""
        return await self.until_question(
            lambda e: e.kind == kind and e.level == level, level, theme, rounds, f"a {kind}"
        )

    async def until_question(
        self,
        wanted: Callable[[Exercise], bool],
        level: int,
        theme: str,
        rounds: int = 4,
        what: str = "such a question",
    ) -> Exercise:
        """Answer right until the open question is `wanted` ("nog een ronde" as needed).

        The theme's level is set again before each round: two good rounds would raise it.
        """
        for _ in range(rounds * (ROUND_SIZE + 1)):  # each round: its questions, "verder"
            exercise = self.practice.current(self.chat_id)
            if exercise is None:
                self.practice.store.set_all_levels(self.chat_id, [theme], level)
                closing = with_payload(self.messages(), answer_payload("verder"))
                await self.press(closing, answer_payload("verder"))
                continue
            if wanted(exercise):
                return exercise
            await self.answer("right")
        raise AssertionError(f"no {what} at level {level} in {rounds} rounds")

    async def wait_for_question(self, seq: int, timeout: float = 20.0) -> Message:
        """Wait (long-polling the emulator) until question `seq` is on screen, turn complete."""
        prefix = answer_payload(f"{seq}:")[:-2]
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages() if any(p.startswith(prefix) for p in payloads(m))]
            if found and (not self.voice or REPLAY[0] in payloads(found[-1])):
                return found[-1]
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"question {seq} did not come"
            await self.client.sync(self.chat_id, wait=min(remaining, 5.0))


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
    """Profile, level check or skip, rounds in three themes, the progress picture.

    All by buttons; the picture by /voortgang, a command (see the test after this one).
    """
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
    before_choice = {m["message_id"] for m in intro}
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
        assert [text_of(m) for m in done] == said("utter_toets_klaar", profile, niveau=level)
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

    progress = await learner.command("voortgang", until=lambda new: any(m["photo"] for m in new))
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
        silent = [m for m in learner.messages() if m["message_id"] not in before_choice]
        assert all(m["voice"] is None for m in silent), "no voice note for a deaf learner"
        kinds = {e.kind for e in learner.practice.store.events(learner.chat_id)}
        assert "luisteren" not in kinds
    else:
        spoken = [m for m in learner.messages() if not m["photo"]]
        assert all(m["voice"] for m in spoken), "every message is spoken"


async def test_progress_picture_is_reachable_by_buttons(learner: Learner) -> None:
    """A learner who only taps can ask for the picture: a button, or a command in the menu."""
    await learner.ready("nt1")
    await learner.start_theme(THEME, 1)
    await learner.play_round("first")
    shown = {p for m in learner.messages() for p in payloads(m)}
    menu = {b["payload"] for b in _responses()["utter_menu"][0]["buttons"]}
    commands = {c.command for c in await learner.harness.bot.application.bot.get_my_commands()}
    assert "/voortgang" in shown | menu or "voortgang" in commands, sorted(commands)


async def test_nt2_speaks_slowly_by_default(learner: Learner) -> None:
    """The same welcome, first at the normal speed, then (after choosing nt2) slowly."""
    intro = await learner.hello()
    await learner.choose_profile("nt2")
    await learner.skip_check()
    again = await learner.command("start")
    welcome = said("utter_welkom", "nt2")
    normal = next(m for m in intro if text_of(m) in welcome)
    slow = next(m for m in again if text_of(m) in welcome)
    assert slow["voice"]["duration"] > normal["voice"]["duration"]


# --- every kind of exercise ---------------------------------------------------------------

PROMPTS = {
    ("lezen", 1): "utter_oef_lezen_1",
    ("luisteren", 1): "utter_oef_luisteren_1",
    ("gat", 2): "utter_oef_gat",
    ("volgorde", 2): "utter_oef_volgorde",
    ("luisteren", 2): "utter_oef_luisteren_2",
    ("ja_nee", 3): "utter_oef_ja_nee",
    ("luisteren", 3): "utter_oef_vraag",
}


def check_prompt(learner: Learner, exercise: Exercise) -> None:
    """The question shows what its kind shows, and hides what a listening one must be heard."""
    profile = learner.profile
    prompt = learner.question(exercise)
    name = PROMPTS[exercise.kind, exercise.level]
    assert text_of(prompt) in said(name, profile, **exercise.fields)
    if exercise.kind == "volgorde":
        assert titles(prompt)[: len(exercise.choices)] == [c.label for c in exercise.choices]
    else:
        assert answer_buttons(prompt) == [
            answer_payload(f"{exercise.seq}:{i}") for i in range(len(exercise.choices))
        ]
        assert titles(prompt)[: len(exercise.choices)] == [c.label for c in exercise.choices]
    if exercise.kind in ("ja_nee", "luisteren") and exercise.level == 3:
        assert titles(prompt)[:2] == [LABELS["ja"], LABELS["nee"]]
    if exercise.kind == "gat":
        assert "…" in text_of(prompt)
    if exercise.kind == "luisteren":
        assert exercise.speak and prompt["voice"]
        if exercise.level == 3:
            story = learner.messages()[learner.messages().index(prompt) - 1]
            assert text_of(story) in said("utter_oef_luisteren_3", profile)
            assert story["voice"] and not buttons_of(story)
            shown = text_of(story) + text_of(prompt)
        else:
            shown = text_of(prompt)
        assert exercise.speak not in shown, "a listening question is heard, not read"
        # Not even one word of it, besides the words of the fixed prompt (and the question).
        fixed = set(normalised_words(" ".join(said(name, profile, **exercise.fields))))
        if exercise.level == 3:
            fixed |= set(normalised_words(" ".join(said("utter_oef_luisteren_3", profile))))
        heard = set(normalised_words(exercise.speak)) - fixed
        assert heard and not heard & set(normalised_words(shown)), heard


def normalised_words(text: str) -> list[str]:
    """The longer words of a text, lower case (short ones like "de" may be in any prompt)."""
    return [w for w in re.findall(r"\w+", text.lower()) if len(w) > 3]


@pytest.mark.parametrize(("kind", "level"), list(PROMPTS))
async def test_each_exercise_kind_right_and_wrong(learner: Learner, kind: str, level: int) -> None:
    """Right answer: "goed"; wrong answer: "niet goed" and the right answer shown."""
    await learner.ready("nt2")
    await learner.start_theme(THEME, level)

    exercise = await learner.until_kind(kind, level, THEME)
    check_prompt(learner, exercise)
    if kind == "volgorde":
        await check_volgorde_building(learner, exercise)
    replies = await learner.answer("right")
    assert text_of(replies[0]) in said("utter_oef_goed", "nt2", juist=exercise.right)
    assert len(replies) > 1, "the next question (or the round's end) follows"

    exercise = await learner.until_kind(kind, level, THEME)
    replies = await learner.answer("wrong")
    assert text_of(replies[0]) in said("utter_oef_fout", "nt2", juist=exercise.right)
    assert exercise.right in text_of(replies[0])

    answered = [e for e in learner.practice.store.events(learner.chat_id) if e.kind == kind]
    assert [e.correct for e in answered if e.event == "answered"][-2:] == [True, False]


async def check_volgorde_building(learner: Learner, exercise: Exercise) -> None:
    """Tap a word: it shows, the others stay; "Opnieuw" starts the sentence again."""
    first = learner.order_for(exercise, "right")[0]
    word = exercise.choices[first].label
    tapped = await learner.press(
        learner.question(exercise), answer_payload(f"{exercise.seq}:{first}")
    )
    building = tapped[-1]
    assert text_of(building) in said("utter_oef_volgorde_bezig", learner.profile, zin=word)
    rest = [i for i in range(len(exercise.choices)) if i != first]
    assert answer_buttons(building) == [
        *(answer_payload(f"{exercise.seq}:{i}") for i in rest),
        answer_payload(f"{exercise.seq}:r"),
    ]
    assert titles(building)[len(rest)] == LABELS["opnieuw"]
    again = await learner.press(building, answer_payload(f"{exercise.seq}:r"))
    assert text_of(again[-1]) in said("utter_oef_volgorde", learner.profile)
    assert answer_buttons(again[-1]) == [
        answer_payload(f"{exercise.seq}:{i}") for i in range(len(exercise.choices))
    ]
    assert learner.current().built == []


async def test_plain_profile_feedback_shows_the_right_picture(learner: Learner) -> None:
    """nt1 and werk read no decorative emoji, but a picture question's answer is a picture.

    profiles.yml: with ``emoji: false`` emoji stay "on buttons and in exercises". The buttons
    of a "lezen" question are pictures only, so "niet goed" must show the right one.
    """
    await learner.ready("nt1")
    await learner.start_theme(THEME, 1)
    exercise = await learner.until_kind("lezen", 1, THEME)
    picture = exercise.choices[exercise.answer].label
    replies = await learner.answer("wrong")
    assert text_of(replies[0]).startswith(FOUT)
    assert picture in text_of(replies[0]), f"{text_of(replies[0])!r} lacks {picture}"


async def test_two_good_rounds_raise_the_level_and_two_poor_rounds_lower_it(
    learner: Learner,
) -> None:
    """Level changes are said at the end of the round that causes them."""
    await learner.ready("nt1")
    await learner.start_theme(THEME, 1)
    levels = learner.practice.store.theme_levels
    ends: list[list[str]] = []
    for how in ("right", "right", "wrong", "wrong"):
        if ends:
            await learner.press(learner.messages()[-1], answer_payload("verder"))
        _, replies = await learner.play_round(how)
        ends.append([text_of(m) for m in replies[-3:]])
        if len(ends) == 2:
            assert levels(learner.chat_id)[THEME].level == 2
    up = said("utter_oef_niveau_omhoog", "nt1", niveau=2)
    down = said("utter_oef_niveau_omlaag", "nt1", niveau=1)
    assert [any(t in up for t in end) for end in ends] == [False, True, False, False]
    assert [any(t in down for t in end) for end in ends] == [False, False, False, True]
    assert levels(learner.chat_id)[THEME].level == 1


# --- the listening question's voice -------------------------------------------------------


async def test_listening_voice_once_more_and_slower(learner: Learner) -> None:
    """The word is only heard; "Nog eens" says it again, "Langzamer" says it slower."""
    await learner.ready("nt1")
    await learner.start_theme(THEME, 1)
    exercise = await learner.until_kind("luisteren", 1, THEME)
    check_prompt(learner, exercise)
    question = learner.question(exercise)
    assert question["voice"] and REPLAY[0] in payloads(question)
    word = exercise.fields["woord"]
    assert word not in text_of(question)

    again = await learner.press(question, "/herhalen")
    replayed = with_payload(again, answer_payload(f"{exercise.seq}:0"))
    assert replayed is again[-1] and replayed["voice"]
    assert text_of(replayed) == text_of(question)
    assert answer_buttons(replayed) == answer_buttons(question)
    assert replayed["voice"]["file_id"] == question["voice"]["file_id"]

    slower = await learner.press(replayed, "/langzamer")
    slow = with_payload(slower, answer_payload(f"{exercise.seq}:0"))
    assert text_of(slow) == text_of(question)
    assert answer_buttons(slow) == answer_buttons(question)
    assert slow["voice"]["duration"] > question["voice"]["duration"]

    replies = await learner.press(slow, answer_payload(f"{exercise.seq}:{exercise.answer}"))
    assert is_goed(replies[0])
    event = [e for e in learner.practice.store.events(learner.chat_id) if e.event == "answered"]
    assert (event[-1].kind, event[-1].replays, event[-1].slower) == ("luisteren", 1, 1)


async def test_slower_is_slower_for_a_slow_profile_too(learner: Learner) -> None:
    """nt2 hears the slow voice by default; "🐢 Langzamer" must still be slower than that."""
    await learner.ready("nt2")
    await learner.start_theme(THEME, 1)
    exercise = await learner.until_kind("luisteren", 1, THEME)
    question = learner.question(exercise)
    slower = await learner.press(question, "/langzamer")
    slow = with_payload(slower, answer_payload(f"{exercise.seq}:0"))
    assert slow["voice"]["file_id"] != question["voice"]["file_id"], "the very same voice note"
    assert slow["voice"]["duration"] > question["voice"]["duration"]


# --- deaf learners ------------------------------------------------------------------------


async def test_deaf_learner_never_gets_voice_or_listening(learner: Learner) -> None:
    """Profile doof: text messages only, no replay row, and reading instead of listening."""
    await learner.hello()
    before = {m["message_id"] for m in learner.messages()}
    await learner.choose_profile("doof")
    await learner.skip_check()
    for theme, level in (("boodschappen", 1), ("vervoer", 2), ("gezondheid", 3)):
        await learner.start_theme(theme, level)
        await learner.play_round("first")
        await learner.press(learner.messages()[-1], "/oefenen")

    shown = [e for e in learner.practice.store.events(learner.chat_id) if e.event == "shown"]
    assert len(shown) == 3 * ROUND_SIZE
    assert {e.level for e in shown} == {1, 2, 3}
    assert "luisteren" not in {e.kind for e in shown}
    after = [m for m in learner.messages() if m["message_id"] not in before]
    assert all(m["voice"] is None and m["text"] for m in after)
    assert not any(p in REPLAY for m in after for p in payloads(m))


# --- odd presses --------------------------------------------------------------------------


async def test_double_press_is_answered_once(learner: Learner) -> None:
    """Two quick taps on one answer: one answer, one feedback, no "already done"."""
    await learner.ready("nt1")
    await learner.start_theme(THEME, 1)
    exercise = learner.current()
    question = learner.question(exercise)
    data = answer_payload(f"{exercise.seq}:{exercise.answer}")
    for _ in range(2):
        await learner.client.post(
            f"/api/chats/{learner.chat_id}/press",
            {"message_id": question["message_id"], "data": data},
        )
    await learner.wait_for_question(exercise.seq + 1)
    await learner.answer("right")  # this chat's updates are handled in order
    after = learner.messages()[learner.messages().index(question) + 1 :]
    assert [is_goed(m) for m in after if is_feedback(m)] == [True, True]
    assert not any(text_of(m) in said("utter_oef_oude_vraag", "nt1") for m in after)
    answered = [e for e in learner.practice.store.events(learner.chat_id) if e.event == "answered"]
    assert len(answered) == 2


async def test_double_press_during_a_slow_turn_is_answered_once(learner: Learner) -> None:
    """Two taps a moment apart while Telegram is slow: the second is still a double press."""
    await learner.ready("nt1")
    await learner.start_theme(THEME, 1)
    exercise = learner.current()
    question = learner.question(exercise)
    data = answer_payload(f"{exercise.seq}:{exercise.answer}")
    # The first tap's answer is held up for 3 s (flood control), as on a busy day.
    await learner.client.fault(method="sendVoice", error_code=429, retry_after=3, count=1)
    for _ in range(2):
        await learner.client.post(
            f"/api/chats/{learner.chat_id}/press",
            {"message_id": question["message_id"], "data": data},
        )
    await learner.wait_for_question(exercise.seq + 1)
    await learner.answer("right")
    after = learner.messages()[learner.messages().index(question) + 1 :]
    assert not any(text_of(m) in said("utter_oef_oude_vraag", "nt1") for m in after), (
        [text_of(m) for m in after],
        "the second tap of a double press was answered as an old question",
    )


async def test_old_question_button_gets_the_current_question(learner: Learner) -> None:
    """A later tap on an answered question: "Die vraag is al klaar" and the question of now."""
    await learner.ready("nt1")
    await learner.start_theme(THEME, 1)
    old = learner.current()
    old_question = learner.question(old)
    await learner.answer("right")
    now = learner.current()
    wrong = next(i for i in range(len(old.choices)) if i != old.answer)
    replies = await learner.press(old_question, answer_payload(f"{old.seq}:{wrong}"))
    assert text_of(replies[0]) in said("utter_oef_oude_vraag", "nt1")
    assert answer_buttons(replies[-1])[: len(now.choices)] == [
        answer_payload(f"{now.seq}:{i}") for i in range(len(now.choices))
    ]
    assert learner.current().seq == now.seq, "the old press changed nothing"
    replies = await learner.answer("right")
    assert is_goed(replies[0])


MALFORMED = [
    '/oefenen{"keuze":1}',
    '/oefenen{"bad":"x"}',
    '/oefenen{"keuze":"1:0"',
    '/onbekend{"keuze":"1:0"}',
    '/oefenen{"keuze":"' + "1" * 178 + ':0"}',  # 200 characters
    "x" * 200,
    "/oefenen{keuze:1:0}",
    "geen json {",
    '/oefenen {"keuze": "1:0"}',
]


async def test_malformed_callback_data_gets_a_friendly_answer(learner: Learner) -> None:
    """Data the bot never made: "not understood" and the question again, a notice; the
    second time in a row, the offer of a person; the round goes on."""
    await learner.ready("nt1")
    await learner.start_theme(THEME, 1)
    exercise = learner.current()
    question = learner.question(exercise)
    for index, data in enumerate(MALFORMED):
        replies = await learner.press_raw(question["message_id"], data)
        texts = [text_of(m) for m in replies]
        if index == 0:
            assert texts == [*said("utter_niet_begrepen", "nt1"), text_of(question)], data
            assert buttons_of(replies[-1])[:-2] == buttons_of(question)[:-2], data
        elif index % 2 == 0:  # after the offer of a person: "not understood" once more
            assert texts[0] == said("utter_niet_begrepen", "nt1")[0], data
        else:
            assert texts[0] == said("utter_niet_begrepen_weer", "nt1")[0], data
            assert "/afspraak_maken" in [b["callback_data"] for b in buttons_of(replies[-1])]
        assert learner.current().seq == exercise.seq, data
    notices = await learner.client.get(f"/api/chats/{learner.chat_id}/messages", since=0)
    expected = load_channel_texts().texts["old_button"]
    assert [n["text"] for n in notices["notices"]] == [expected] * len(MALFORMED)
    replies = await learner.press(question, answer_payload(f"{exercise.seq}:{exercise.answer}"))
    assert is_goed(replies[0]), "the bot keeps working"


async def test_wellformed_but_wrong_answer_data_shows_the_current_question(
    learner: Learner,
) -> None:
    """A made-up question number or choice is treated as an old button, not a crash."""
    await learner.ready("nt1")
    await learner.start_theme(THEME, 1)
    exercise = learner.current()
    question = learner.question(exercise)
    for data in (
        answer_payload("999:0"),
        answer_payload(f"{exercise.seq}:9"),
        answer_payload(f"{exercise.seq}:r"),
        answer_payload("abc"),
    ):
        replies = await learner.press_raw(question["message_id"], data)
        assert text_of(replies[0]) in said("utter_oef_oude_vraag", "nt1"), data
        assert answer_payload(f"{exercise.seq}:0") in payloads(replies[-1]), data
    replies = await learner.press_raw(question["message_id"], theme_payload("onbekend"))
    assert text_of(replies[-1]) in said("utter_oef_kies_thema", "nt1")
    replies = await learner.press(question, answer_payload(f"{exercise.seq}:{exercise.answer}"))
    assert is_goed(replies[0])


# --- typing -------------------------------------------------------------------------------


def typo_for(exercise: Exercise) -> str:
    """A misspelling of the right answer that the matcher still takes for it."""
    word = exercise.choices[exercise.answer].match.split()[-1]
    options = [c.match for c in exercise.choices]
    candidates = [word[:i] + word[i] + word[i:] for i in range(len(word))]
    candidates += [word[:i] + word[i + 1 :] for i in range(len(word))]
    for typo in candidates:
        if typo != word and best_match(typo, options) == exercise.answer:
            return typo
    raise AssertionError(f"no accepted typo for {word!r} among {options}")


async def test_typed_answer_with_typo_counts_and_ja_starts_another_round(
    learner: Learner,
) -> None:
    """Typing the answer (misspelt) counts as tapping it; "ja" after a round is "verder"."""
    await learner.ready("nt1")
    await learner.start_theme(THEME, 1)
    exercise = learner.current()
    typo = typo_for(exercise)
    replies = await learner.say(typo)
    assert text_of(replies[0]) in said("utter_oef_goed", "nt1", juist=exercise.right), typo
    assert learner.current().seq == exercise.seq + 1

    for _ in range(ROUND_SIZE - 1):
        replies = await learner.answer("right")
    assert text_of(replies[-1]) in said("utter_oef_nog_een_ronde", "nt1")
    more = await learner.say("ja")
    assert answer_buttons(more[-1]), "'ja' after a round: the next round's first question"
    assert learner.current().theme == THEME


async def test_stop_mid_round_ends_it_and_old_buttons_are_stale(learner: Learner) -> None:
    """ "stop" ends the round at once; its question's buttons then find no open question."""
    await learner.ready("nt1")
    await learner.start_theme(THEME, 1)
    await learner.answer("right")
    exercise = learner.current()
    question = learner.question(exercise)
    stopped = await learner.say("stop")
    assert [text_of(m) for m in stopped] == said("utter_gestopt", "nt1")
    assert learner.practice.current(learner.chat_id) is None
    replies = await learner.press(question, answer_payload(f"{exercise.seq}:{exercise.answer}"))
    assert text_of(replies[0]) in said("utter_oef_geen_vraag", "nt1")
    assert text_of(replies[-1]) in said("utter_oef_kies_thema", "nt1")
    answered = [e for e in learner.practice.store.events(learner.chat_id) if e.event == "answered"]
    assert len(answered) == 1, "a stale press is not counted"


async def test_stop_is_never_taken_for_an_answer(learner: Learner) -> None:
    """ "stop" always stops, even while an answer button's word looks like it ("soep")."""
    theme = "tijd_afspraken"
    await learner.ready("nt1")
    await learner.start_theme(theme, 2)
    exercise = await learner.until_question(
        lambda e: best_match("stop", [c.match for c in e.choices]) is not None,
        2,
        theme,
        rounds=15,
        what="a question with a word like 'stop'",
    )
    stopped = await learner.say("stop")
    labels = [c.label for c in exercise.choices]
    assert [text_of(m) for m in stopped] == said("utter_gestopt", "nt1"), labels
    assert learner.practice.current(learner.chat_id) is None


# --- statistics ---------------------------------------------------------------------------


async def test_round_events_hold_content_ids_and_no_text(learner: Learner) -> None:
    """Shown and answered events per question: theme, level, kind, item, right; no text."""
    await learner.ready("nt1")
    await learner.start_theme(THEME, 2)
    exercise = learner.current()
    typed = "qwxz xylofoonia 4711"  # the learner's own words, matching no button
    assert best_match(typed, [c.match for c in exercise.choices]) is None
    await learner.say(typed)
    asked: list[Exercise] = []
    results: list[bool] = []
    for number in range(ROUND_SIZE):
        asked.append(learner.current())
        how = "right" if number % 2 == 0 else "wrong"
        await learner.answer(how)
        results.append(how == "right")

    events = learner.practice.store.events(learner.chat_id)
    shown = [e for e in events if e.event == "shown"]
    answered = [e for e in events if e.event == "answered"]
    assert [(e.theme, e.level, e.kind, e.item_key) for e in shown] == [
        (x.theme, x.level, x.kind, x.item) for x in asked
    ]
    assert [(e.theme, e.level, e.kind, e.item_key, e.correct) for e in answered] == [
        (x.theme, x.level, x.kind, x.item, ok) for x, ok in zip(asked, results, strict=True)
    ]
    assert {e.theme for e in events} == {THEME} and {e.level for e in events} == {2}

    store = learner.harness.bot.store
    with store.engine.connect() as connection:
        rows = [
            dict(row)
            for table in ("practice_events", "analytics_events")
            for row in connection.execute(
                text(f"SELECT * FROM {table} WHERE user_key = :k"),
                {"k": store.analytics.pseudonym(learner.chat_id)},
            ).mappings()
        ]
    # Per exercise a shown and an answered row; one row says the round was finished.
    exercises = [r for r in rows if r.get("event") in ("shown", "answered")]
    assert len(exercises) == 2 * ROUND_SIZE
    assert [r["event"] for r in rows if r.get("event") == "ronde"] == ["ronde"]
    practice_columns = {
        "id", "user_key", "event", "theme", "level", "kind", "item_key", "correct",
        "replays", "slower", "created_at",
    }  # fmt: skip
    assert set(next(r for r in rows if "event" in r)) == practice_columns
    values = [str(v) for row in rows for v in row.values()]
    assert not any(typed in v or str(learner.chat_id) in v for v in values)
