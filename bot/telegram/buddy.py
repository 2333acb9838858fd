"""Buddies on Telegram: invitations, consent, prompts, answers and reactions.

The buddy's side and the learner's side of a pairing never talk directly: what one sends
is stored with its outbox row in one transaction (bot/store/buddies.py) and the outbox
delivers it, with retries, quiet hours and no loss on a crash. Replies to the person who
pressed or typed go out at once, like any turn.

Every message here with buttons leaves a question on screen (bot/choices) whose kind
starts with ``maatje``, so a typed answer counts as the button; while a buddy writes a
prompt, or a prompt is on a learner's screen, what they type or say is the prompt or the
answer. Firm control words (stop, hulp, vergeet mij) still go to the dialogue.

Button payloads are ``mt:<action>[:<id>[:<choice>]]``; every id is checked against the
person who pressed it, so a made-up payload changes nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo
from typing import Any

from telegram import Bot, Update

from bot.buddy import codes
from bot.buddy.texts import BuddyTexts
from bot.choices import Question, Understanding, Vocabulary, question_from, understand
from bot.choices.question import FIRM_INTENTS
from bot.dialogue.service import UNREAD
from bot.store.appointments import to_utc_naive
from bot.store.buddies import OUTBOX_KIND, Buddies, MessageInfo, PairingInfo
from bot.store.outbox import Claimed
from bot.store.questions import OpenQuestions
from bot.store.repositories import Users
from bot.telegram.outbox import OutboxSender, in_quiet_hours
from bot.telegram.replies import Listener, Replier, Reply, listener_for
from bot.tone.profiles import Profiles
from bot.tone.readability import advise

logger = logging.getLogger(__name__)

PAYLOAD = re.compile(r"^mt:([a-z0-9]{1,8})(?::(\d{1,12}))?(?::([a-z0-9]{1,2}))?$")
MAX_PROMPTS_A_DAY = 3
MAX_LEARNERS = 3
PAUSE = timedelta(days=7)
# A spoken answer counts for a prompt delivered this recently (later it is just a voice note).
ANSWER_WINDOW = timedelta(days=3)
MAX_ANSWER = 500
MAX_CHOICE = 40
SURE = 0.6  # the understanding's confidence from which a control word counts
# "Nog eens"/"Langzamer" under the buddy side's own messages (not a Rasa turn's replay).
SAY_AGAIN = ("mt:zeg", "mt:zegl")
REPLAY_PREFIX = ("mt:zeg", "mt:nog")
REACTIONS = {"d": "duim", "g": "goed", "o": "opnieuw"}
# Kinds of the question on screen that this module answers.
QUESTION = "maatje"
WRITING = "maatje_schrijf"  # the buddy writes the prompt (text, voice or photo)
CHOICES = "maatje_keuzes"  # the buddy types the answer choices
PROMPT = "maatje_vraag"  # a prompt is on the learner's screen

Parse = Callable[[str], Any]


@dataclass(frozen=True)
class Limits:
    prompts_a_day: int = MAX_PROMPTS_A_DAY
    learners: int = MAX_LEARNERS


def _first_name(update: Update) -> str:
    user = update.effective_user
    name = (user.first_name or "").strip().split() if user else []
    return name[0][:32] if name else "je collega"


class BuddyChannel:
    def __init__(
        self,
        buddies: Buddies,
        users: Users,
        profiles: Profiles,
        questions: OpenQuestions,
        vocabulary: Vocabulary,
        replier: Replier,
        texts: BuddyTexts,
        sender: OutboxSender,
        *,
        practice: Any = None,
        analytics: Any = None,
        username: Callable[[], str] = lambda: "taalmaatje_bot",
        parse: Parse | None = None,
        limits: Limits | None = None,
        quiet_hours: tuple[time, time] | None = None,
        tz: tzinfo = timezone.utc,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.buddies = buddies
        self.users = users
        self.profiles = profiles
        self.questions = questions
        self.vocabulary = vocabulary
        self.replier = replier
        self.texts = texts
        self.sender = sender
        self.practice = practice
        self.analytics = analytics  # bot/store/repositories.py: the learner's place
        # A coordinator invitation (bot/app.py): (bot, telegram id, place).
        self.on_coordinator: Callable[[Bot, int, str], Awaitable[None]] | None = None
        self.username = username
        self.parse = parse
        self.limits = limits or Limits()
        self.quiet_hours = quiet_hours
        self.tz = tz
        self.clock = clock
        sender.register(OUTBOX_KIND, self._outgoing, self._delivered)

    # Entry points (from bot/telegram/handlers.py) --------------------------------------

    async def on_start(self, update: Update, bot: Bot, payload: str) -> bool:
        """``/start <payload>`` from a deep link. False when it opened nothing: the caller
        then says the link does not work and goes on with the usual start."""
        user = update.effective_user
        if user is None or codes.kind_of(payload) is None:
            return False
        now = self._now()
        invitation = self.buddies.open_invitation(payload, user.id, now)
        if invitation is None:
            return False
        if invitation.kind == "maatje":
            logger.info("Buddy invitation %s opened (%s)", invitation.id, invitation.place)
            await self._say(
                bot, user.id, "uitleg",
                [("ja", f"mt:doe:{invitation.id}"), ("nee", f"mt:niet:{invitation.id}")],
            )  # fmt: skip
            return True
        if invitation.kind == "coordinator" and invitation.place and self.on_coordinator:
            logger.info("Coordinator invitation %s used (%s)", invitation.id, invitation.place)
            await self.on_coordinator(bot, user.id, invitation.place)
            return True
        if invitation.kind != "leerling" or invitation.buddy_id is None:
            return False
        buddy = self.buddies.buddy(invitation.buddy_id)
        if invitation.buddy_id == user.id:
            self.buddies.release_invitation(invitation.id, user.id)
            await self._say_learner(bot, user.id, "eigen_link")
            return True
        if self.buddies.pairing_of_learner(user.id) is not None:
            self.buddies.release_invitation(invitation.id, user.id)
            await self._say_learner(bot, user.id, "al_maatje")
            return True
        if buddy is None:
            return False
        place, name = buddy
        pairing_id = self.buddies.ask_pairing(
            invitation.buddy_id, user.id, name, _first_name(update), place
        )
        ask = [
            self._learner_text("vraag_koppeling", name),
            self._learner_text("vraag_oefenen", name),
        ]
        await self._send(
            bot, user.id, [" ".join(ask)],
            [("ja", f"mt:ok1:{pairing_id}:j"), ("nee", f"mt:ok1:{pairing_id}:n")],
            learner=True, kind=QUESTION,
        )  # fmt: skip
        return True

    async def on_press(self, update: Update, bot: Bot, data: str) -> None:
        """A button with an ``mt:`` payload; anything malformed or not this person's
        gets the "old button" answer."""
        user = update.effective_user
        found = PAYLOAD.match(data)
        if user is None:
            return
        if found is None:
            await self._old_button(bot, user.id)
            return
        action, number, choice = found.group(1), found.group(2), found.group(3)
        handler = self._presses().get(action)
        ref = int(number) if number else None
        if handler is None or not await handler(update, bot, user.id, ref, choice):
            await self._old_button(bot, user.id)

    async def on_text(
        self, update: Update, bot: Bot, text: str
    ) -> tuple[bool, Question | object | None]:
        """A typed message: (True, _) when it belonged to a buddy question on screen; else
        (False, the question on screen as the dialogue should see it), so that the dialogue
        need not read it again (one read a turn)."""
        user = update.effective_user
        if user is None:
            return False, UNREAD
        question = self.questions.get(user.id)
        if question is None or not question.kind.startswith(QUESTION):
            return False, question
        return await self._typed(update, bot, question, text), None

    async def _typed(self, update: Update, bot: Bot, question: Question, text: str) -> bool:
        user = update.effective_user
        assert user is not None
        nlu = Understanding.from_parse(await self.parse(text)) if self.parse else Understanding()
        sure = nlu.confidence >= SURE
        if sure and nlu.intent in FIRM_INTENTS and nlu.intent not in ("herhalen", "langzamer"):
            self.questions.put(user.id, None)  # the dialogue answers; nothing of ours is open
            return False
        if sure and nlu.intent in ("maatje_menu", "maatje_stoppen"):
            await (self.menu if nlu.intent == "maatje_menu" else self.stop_pairing)(update, bot)
            return True
        outcome = understand(question, text, nlu, self.vocabulary, FIRM_INTENTS, SURE)
        if outcome.payload is not None and outcome.payload.startswith("mt:"):
            await self.on_press(update, bot, outcome.payload)
            return True
        kind, _, ref = question.kind.partition(":")
        if kind == WRITING:
            await self._written(update, bot, user.id, text=text)
            return True
        if kind == CHOICES:
            await self._choices_typed(bot, user.id, text)
            return True
        if kind == PROMPT and ref.isdigit():
            if nlu.intent in ("herhalen", "langzamer") and nlu.confidence >= 0.6:
                return await self._replay(update, bot, user.id, int(ref), nlu.intent[0])
            await self._answer(bot, user.id, int(ref), {"tekst": text[:MAX_ANSWER]})
            return True
        self.questions.put(user.id, None)  # not one of our buttons: the dialogue answers
        return False

    async def on_media(self, update: Update, bot: Bot, media: str) -> bool:
        """A voice note or photo: a buddy's prompt being written, or a learner's spoken
        answer; False otherwise (the usual kind answer)."""
        user, message = update.effective_user, update.effective_message
        if user is None or message is None:
            return False
        question = self.questions.get(user.id)
        kind, _, ref = (question.kind if question else "").partition(":")
        source = [message.chat_id, message.message_id]
        if kind == WRITING:
            caption = (message.caption or "").strip()
            await self._written(update, bot, user.id, text=caption or None, media=(media, source))
            return True
        if media == "voice" and kind == PROMPT and ref.isdigit():
            await self._answer(bot, user.id, int(ref), {"spraak": source})
            return True
        return False

    async def menu(self, update: Update, bot: Bot) -> None:
        """``/maatje`` (and the intents ``maatje_*``): what this person can do as a buddy,
        or as a learner with a buddy."""
        user = update.effective_user
        if user is None:
            return
        if self.buddies.buddy(user.id) is not None:
            await self._buddy_menu(bot, user.id)
            return
        pairing = self.buddies.pairing_of_learner(user.id)
        if pairing is None:
            await self._say_learner(bot, user.id, "geen_maatje")
            return
        await self._send(
            bot, user.id, [self._learner_text("menu", pairing.buddy_name)],
            [("pauze", f"mt:pauze:{pairing.id}"), ("stoppen", f"mt:eind:{pairing.id}")],
            learner=True, kind=QUESTION,
        )  # fmt: skip

    async def stop_pairing(self, update: Update, bot: Bot) -> None:
        """ "Stop maatje" typed: a learner ends their pairing; a buddy picks whom."""
        user = update.effective_user
        if user is None:
            return
        pairing = self.buddies.pairing_of_learner(user.id)
        if pairing is not None:
            await self._learner_ends(update, bot, user.id, pairing.id, None)
        else:
            await self.menu(update, bot)

    def erased(self, telegram_id: int) -> None:
        """ "Vergeet mij": this side goes; the other side of each pairing is told."""
        now = self._now()
        for pairing in self.buddies.erase(telegram_id, now):
            if pairing.buddy_id == telegram_id:
                self._notice(pairing.learner_id, "leerling", "gestopt_door_maatje",
                             pairing.buddy_name, pairing)  # fmt: skip
            else:
                self._notice(pairing.buddy_id, "maatje", "gestopt", pairing.learner_name, pairing)
            self._ended(pairing)

    # Presses ---------------------------------------------------------------------------

    def _presses(self) -> dict[str, Any]:
        return {
            "doe": self._become_buddy, "niet": self._decline_buddy, "menu": self._menu_press,
            "vraag": self._start_prompt, "uitn": self._invite, "stand": self._progress,
            "stop": self._buddy_ends, "toch": self._tip_ignored, "pas": self._tip_followed,
            "knop": self._with_choices, "open": self._open_question, "re": self._react,
            "ok1": self._consent_practice, "ok2": self._consent_progress, "a": self._chosen,
            "nog": self._replay, "pauze": self._pause, "eind": self._learner_ends,
            "zeg": self._say_again, "zegl": self._say_again,
        }  # fmt: skip

    async def _say_again(self, update: Update, bot: Bot, uid: int, _r: Any, _c: Any) -> bool:
        """ "Nog eens"/"Langzamer" under a buddy message: the message it sits under, again
        (with its buttons), the second time slower."""
        query = update.callback_query
        message = query.message if query else None
        text = (getattr(message, "caption", None) or getattr(message, "text", None) or "").strip()
        if query is None or not text:
            return False
        markup = getattr(message, "reply_markup", None)
        rows = markup.inline_keyboard if markup is not None else ()
        buttons = [
            {"title": b.text, "payload": b.callback_data}
            for row in rows
            for b in row
            if isinstance(b.callback_data, str) and not b.callback_data.startswith(REPLAY_PREFIX)
        ]
        slow = (query.data or "").startswith("mt:zegl")
        listener = listener_for(self.users, self.profiles, uid)
        reply = Reply(text, buttons, slow=slow, replay=SAY_AGAIN)
        await self.replier.send(bot, uid, [reply], listener, replay=False)
        return True

    async def _become_buddy(self, update: Update, bot: Bot, uid: int, ref: Any, _c: Any) -> bool:
        invitation = self.buddies.held_invitation(ref, uid) if ref else None
        if invitation is None or invitation.kind != "maatje":
            return False
        self.buddies.add_role(uid, "buddy", invitation.place, _first_name(update))
        await self._say(bot, uid, "welkom")
        await self._buddy_menu(bot, uid)
        return True

    async def _decline_buddy(self, update: Update, bot: Bot, uid: int, ref: Any, _c: Any) -> bool:
        if ref is None or self.buddies.held_invitation(ref, uid) is None:
            return False  # someone else's invitation, or a made-up one
        if self.buddies.buddy(uid) is None:  # a "no" after the "yes" keeps the link used
            self.buddies.release_invitation(ref, uid)
        await self._say(bot, uid, "niet_gedaan")
        return True

    async def _menu_press(self, update: Update, bot: Bot, uid: int, _r: Any, _c: Any) -> bool:
        await self.menu(update, bot)
        return True

    async def _invite(self, update: Update, bot: Bot, uid: int, _r: Any, _c: Any) -> bool:
        buddy = self.buddies.buddy(uid)
        if buddy is None:
            return False
        self.buddies.add_role(uid, "buddy", buddy[0], _first_name(update))  # the name as now
        if len(self.buddies.pairings_of_buddy(uid)) >= self.limits.learners:
            await self._say(bot, uid, "vol", aantal=self.limits.learners)
            return True
        code = codes.new_code("leerling")
        expires = to_utc_naive(self._now()) + timedelta(days=codes.VALID_DAYS)
        self.buddies.add_invitations([code], "leerling", buddy[0], expires, buddy_id=uid)
        link = codes.link(self.username(), code)
        await self._say(bot, uid, "uitnodiging", link=link)
        await bot.send_photo(
            uid, codes.qr_png(link), caption=self.texts.buddy["uitnodiging_qr"],
            filename="uitnodiging.png",
        )  # fmt: skip
        return True

    async def _start_prompt(self, update: Update, bot: Bot, uid: int, ref: Any, _c: Any) -> bool:
        if self.buddies.buddy(uid) is None:
            return False
        pairings = self.buddies.pairings_of_buddy(uid)
        if ref is None:
            if not pairings:
                ended = self.buddies.pairings_of_buddy(uid, "ended")
                await self._say(bot, uid, "niet_meer" if ended else "geen_leerling")
                return True
            if len(pairings) > 1:
                buttons = [(p.learner_name, f"mt:vraag:{p.id}") for p in pairings]
                await self._send(bot, uid, [self.texts.buddy["kies_leerling"]], buttons,
                                 kind=QUESTION, literal=True)  # fmt: skip
                return True
            ref = pairings[0].id
        pairing = next((p for p in pairings if p.id == ref), None)
        if pairing is None:
            return await self._no_longer(bot, uid, ref)
        if not await self._may_prompt(bot, uid, pairing):
            return True
        draft = self.buddies.start_draft(pairing, {"stap": "inhoud"})
        await self._say(bot, uid, "schrijf", kind=f"{WRITING}:{draft}")
        return True

    async def _tip_ignored(self, update: Update, bot: Bot, uid: int, ref: Any, _c: Any) -> bool:
        draft = self._draft(uid, ref, "tip")
        if draft is None:
            return False
        self.buddies.record("tip_genegeerd", self._place(draft))
        await self._ask_kind(bot, uid, draft, {**draft.body, "stap": "soort"})
        return True

    async def _tip_followed(self, update: Update, bot: Bot, uid: int, ref: Any, _c: Any) -> bool:
        draft = self._draft(uid, ref, "tip")
        if draft is None:
            return False
        self.buddies.record("tip_gevolgd", self._place(draft))
        body = {k: v for k, v in draft.body.items() if k not in ("tekst", "tip")}
        self.buddies.update_draft(draft.id, {**body, "stap": "inhoud"})
        await self._say(bot, uid, "pas_aan", kind=f"{WRITING}:{draft.id}")
        return True

    async def _with_choices(self, update: Update, bot: Bot, uid: int, ref: Any, _c: Any) -> bool:
        draft = self._draft(uid, ref, "soort")
        if draft is None:
            return False
        self.buddies.update_draft(draft.id, {**draft.body, "stap": "keuzes"})
        await self._say(bot, uid, "keuzes", kind=f"{CHOICES}:{draft.id}")
        return True

    async def _open_question(self, update: Update, bot: Bot, uid: int, ref: Any, _c: Any) -> bool:
        draft = self._draft(uid, ref, "soort")
        if draft is None:
            return False
        await self._queue(bot, uid, draft, {**draft.body, "open": True})
        return True

    async def _react(self, update: Update, bot: Bot, uid: int, ref: Any, choice: Any) -> bool:
        if ref is None or choice not in REACTIONS:
            return False
        answer = self.buddies.react_once(ref, uid, to_utc_naive(self._now()))
        if answer is None:
            earlier = self.buddies.message(ref)
            # reacted before: a second press changes nothing; anyone else's: an old button
            return earlier is not None and earlier.recipient_id == uid
        pairing = self.buddies.pairing(answer.pairing_id) if answer.pairing_id else None
        if pairing is None or pairing.status != "active":
            await self._say(bot, uid, "niet_meer")
            return True
        self.buddies.send(
            "reactie", pairing.learner_id, {"reactie": REACTIONS[choice]}, self._naive(),
            pairing_id=pairing.id, sender_id=uid, prompt_id=answer.prompt_id,
        )  # fmt: skip
        await self._say(bot, uid, "reactie_verstuurd", naam=pairing.learner_name)
        return True

    async def _progress(self, update: Update, bot: Bot, uid: int, ref: Any, _c: Any) -> bool:
        pairing = self._buddy_pairing(uid, ref)
        if pairing is None:
            return await self._no_longer(bot, uid, ref)
        name = pairing.learner_name
        if not pairing.progress_ok:
            await self._say(bot, uid, "voortgang_nee", naam=name)
            return True
        week = self._naive() - timedelta(days=7)
        done = self.practice.store.answered_since(pairing.learner_id, week) if self.practice else 0
        sent, answered = self.buddies.progress_counts(pairing.learner_id, week)
        lines = [
            self._buddy_text("voortgang", naam=name, aantal=done),
            self._buddy_text("voortgang_vragen", naam=name, aantal=sent, antwoorden=answered),
        ]
        listener = listener_for(self.users, self.profiles, uid)
        reply = Reply("\n".join(lines), [], picture_of=pairing.learner_id)
        await self.replier.send(bot, uid, [reply], listener, replay=False)
        self.questions.put(uid, None)
        return True

    async def _buddy_ends(self, update: Update, bot: Bot, uid: int, ref: Any, _c: Any) -> bool:
        pairing = self._buddy_pairing(uid, ref)
        if pairing is None:
            return await self._no_longer(bot, uid, ref)
        if self.buddies.end(pairing.id, self._naive()):
            self._ended(pairing)
            self._notice(pairing.learner_id, "leerling", "gestopt_door_maatje",
                         pairing.buddy_name, pairing)  # fmt: skip
        await self._say(bot, uid, "gestopt_zelf", naam=pairing.learner_name)
        return True

    async def _consent_practice(
        self, update: Update, bot: Bot, uid: int, ref: Any, choice: Any
    ) -> bool:
        pairing = self.buddies.pairing(ref) if ref else None
        if pairing is None or pairing.learner_id != uid or choice not in ("j", "n"):
            return False
        if pairing.status != "asked":
            return True  # answered before (a double press)
        if choice == "n":
            self.buddies.drop_asked(pairing.id, uid)
            await self._say_learner(bot, uid, "niet_gekoppeld", pairing.buddy_name)
            return True
        if self.buddies.pairing_of_learner(uid) is not None:
            self.buddies.drop_asked(pairing.id, uid)
            await self._say_learner(bot, uid, "al_maatje")
            return True
        if not self.buddies.activate(pairing.id, uid, None):
            return True
        self.buddies.record("koppeling_begin", pairing.place)
        if self.analytics is not None:
            self.analytics.set_place(uid, pairing.place)
        logger.info("Buddy pairing %s started (%s)", pairing.id, pairing.place)
        self._notice(pairing.buddy_id, "maatje", "nieuw", pairing.learner_name, pairing)
        await self._send(
            bot, uid, [self._learner_text("vraag_voortgang", pairing.buddy_name)],
            [("ja", f"mt:ok2:{pairing.id}:j"), ("nee", f"mt:ok2:{pairing.id}:n")],
            learner=True, kind=QUESTION,
        )  # fmt: skip
        return True

    async def _consent_progress(
        self, update: Update, bot: Bot, uid: int, ref: Any, choice: Any
    ) -> bool:
        pairing = self.buddies.pairing(ref) if ref else None
        if pairing is None or pairing.learner_id != uid or choice not in ("j", "n"):
            return False
        if pairing.status != "active":
            await self._say_learner(bot, uid, "geen_maatje")
            return True
        self.buddies.set_consent(pairing.id, progress_ok=choice == "j")
        await self._say_learner(bot, uid, "gekoppeld", pairing.buddy_name)
        return True

    async def _chosen(self, update: Update, bot: Bot, uid: int, ref: Any, choice: Any) -> bool:
        prompt = self.buddies.message(ref) if ref else None
        if prompt is None or prompt.recipient_id != uid or prompt.kind != "vraag":
            return False
        options = prompt.body.get("keuzes") or []
        if choice is None or not choice.isdigit() or int(choice) >= len(options):
            return False
        await self._answer(bot, uid, prompt.id, {"tekst": str(options[int(choice)])})
        return True

    async def _replay(self, update: Update, bot: Bot, uid: int, ref: Any, choice: Any) -> bool:
        """ "Nog eens" (``mt:nog:<id>``) or "Langzamer" (``mt:nog:<id>:l``) under a message
        from the buddy: that message again, slower for the second."""
        message = self.buddies.message(ref) if ref else None
        if message is None or message.recipient_id != uid or message.status == "wacht":
            return False
        made = await self._outgoing_message(message, slow=choice in ("l",))
        if made is None:
            return False
        replies, listener = made
        await self.replier.send(bot, uid, replies, listener, replay=False)
        return True

    async def _pause(self, update: Update, bot: Bot, uid: int, ref: Any, _c: Any) -> bool:
        pairing = self.buddies.pairing(ref) if ref else None
        if pairing is None or pairing.learner_id != uid or pairing.status != "active":
            return False
        self.buddies.pause(pairing.id, self._naive() + PAUSE)
        await self._say_learner(bot, uid, "pauze", pairing.buddy_name)
        return True

    async def _learner_ends(self, update: Update, bot: Bot, uid: int, ref: Any, _c: Any) -> bool:
        pairing = self.buddies.pairing(ref) if ref else None
        if pairing is None or pairing.learner_id != uid:
            return False
        if self.buddies.end(pairing.id, self._naive()):
            self._ended(pairing)
            self._notice(pairing.buddy_id, "maatje", "gestopt", pairing.learner_name, pairing)
        await self._say_learner(bot, uid, "gestopt", pairing.buddy_name)
        return True

    def _ended(self, pairing: PairingInfo) -> None:
        self.buddies.record("koppeling_einde", pairing.place)
        logger.info("Buddy pairing %s ended (%s)", pairing.id, pairing.place)

    # Writing a prompt --------------------------------------------------------------------

    async def _written(
        self, update: Update, bot: Bot, uid: int, *, text: str | None,
        media: tuple[str, list[int]] | None = None,
    ) -> None:  # fmt: skip
        draft = self.buddies.draft_of(uid)
        pairing = self.buddies.pairing(draft.pairing_id) if draft and draft.pairing_id else None
        if draft is None or pairing is None or pairing.status != "active":
            await self._say(bot, uid, "niet_meer")
            self.questions.put(uid, None)
            return
        body = dict(draft.body)
        if media is not None:
            body[media[0]] = media[1]
        if text:
            body["tekst"] = text[:MAX_ANSWER]
        deaf = self._profile(pairing.learner_id).id == "doof"
        if not body.get("tekst"):
            if deaf or "photo" in body:
                self.buddies.update_draft(draft.id, body)
                key = "woorden_erbij" if deaf else "schrijf"
                await self._say(bot, uid, key, naam=pairing.learner_name,
                                kind=f"{WRITING}:{draft.id}")  # fmt: skip
                return
            await self._ask_kind(bot, uid, draft, {**body, "stap": "soort"})
            return
        if text:
            level = self._profile(pairing.learner_id).reading_level
            tips = advise(text, level)
            if tips:
                self.buddies.record("tip_getoond", pairing.place)
                self.buddies.update_draft(draft.id, {**body, "stap": "tip"})
                await self._send(
                    bot, uid,
                    [self._buddy_text("te_moeilijk", naam=pairing.learner_name, tip=tips[0])],
                    [("toch", f"mt:toch:{draft.id}"), ("aanpassen", f"mt:pas:{draft.id}")],
                    kind=QUESTION,
                )  # fmt: skip
                return
        await self._ask_kind(bot, uid, draft, {**body, "stap": "soort"})

    async def _ask_kind(self, bot: Bot, uid: int, draft: MessageInfo, body: dict[str, Any]) -> None:
        self.buddies.update_draft(draft.id, body)
        pairing = self.buddies.pairing(draft.pairing_id) if draft.pairing_id else None
        await self._send(
            bot, uid, [self._buddy_text("soort", naam=pairing.learner_name if pairing else "")],
            [("knoppen", f"mt:knop:{draft.id}"), ("open", f"mt:open:{draft.id}")],
            kind=QUESTION,
        )  # fmt: skip

    async def _choices_typed(self, bot: Bot, uid: int, text: str) -> None:
        draft = self.buddies.draft_of(uid)
        if draft is None:
            await self._say(bot, uid, "niet_meer")
            return
        lines = [line.strip(" -•*\t")[:MAX_CHOICE] for line in re.split(r"[\n;]", text)]
        choices = list(dict.fromkeys(line for line in lines if line))
        if not 2 <= len(choices) <= 4:
            await self._say(bot, uid, "keuzes_fout", kind=f"{CHOICES}:{draft.id}")
            return
        await self._queue(bot, uid, draft, {**draft.body, "keuzes": choices})

    async def _queue(self, bot: Bot, uid: int, draft: MessageInfo, body: dict[str, Any]) -> None:
        pairing = self.buddies.pairing(draft.pairing_id) if draft.pairing_id else None
        if pairing is None or pairing.status != "active":
            await self._say(bot, uid, "niet_meer")
            return
        if not await self._may_prompt(bot, uid, pairing):
            self.buddies.drop_draft(uid)
            return
        self.buddies.update_draft(draft.id, {**body, "stap": "klaar"})
        self.buddies.queue_draft(draft.id, self._naive())
        late = self.quiet_hours is not None and in_quiet_hours(
            self._now(), self.quiet_hours, self.tz
        )
        await self._say(bot, uid, "verstuurd_ochtend" if late else "verstuurd",
                        naam=pairing.learner_name)  # fmt: skip
        self.sender.wake()

    async def _may_prompt(self, bot: Bot, uid: int, pairing: PairingInfo) -> bool:
        now = self._naive()
        if pairing.paused_until is not None and pairing.paused_until > now:
            await self._say(bot, uid, "pauze", naam=pairing.learner_name)
            return False
        if self.buddies.prompts_since(pairing.learner_id, self._local_midnight()) >= (
            self.limits.prompts_a_day
        ):
            await self._say(bot, uid, "genoeg_vandaag", naam=pairing.learner_name,
                            aantal=self.limits.prompts_a_day)  # fmt: skip
            return False
        return True

    # Answers -----------------------------------------------------------------------------

    async def _answer(self, bot: Bot, uid: int, prompt_id: int, body: dict[str, Any]) -> None:
        now = self._naive()
        prompt = self.buddies.answered(prompt_id, uid, now)
        if prompt is None:
            await self._say_learner(bot, uid, "al_beantwoord")
            self.questions.put(uid, None)
            return
        pairing = self.buddies.pairing(prompt.pairing_id) if prompt.pairing_id else None
        self.questions.put(uid, None)
        if pairing is None or pairing.status != "active":
            await self._say_learner(bot, uid, "geen_maatje")
            return
        seconds = (now - prompt.sent_at).total_seconds() if prompt.sent_at else None
        self.buddies.record("antwoord", pairing.place, seconds)
        self.buddies.send(
            "antwoord", pairing.buddy_id, body, now, pairing_id=pairing.id, sender_id=uid,
            prompt_id=prompt.id,
        )  # fmt: skip
        await self._say_learner(bot, uid, "bedankt", pairing.buddy_name)
        self.sender.wake()

    # The outbox's side ------------------------------------------------------------------

    async def _outgoing(self, item: Claimed, now: datetime) -> tuple[list[Reply], Listener] | None:
        message = self.buddies.message(item.ref)
        if message is None or message.status != "wacht":
            return None  # the pairing ended, or a "vergeet mij", before it went
        return await self._outgoing_message(message)

    async def _outgoing_message(
        self, message: MessageInfo, slow: bool = False
    ) -> tuple[list[Reply], Listener] | None:
        pairing = self.buddies.pairing(message.pairing_id) if message.pairing_id else None
        listener = listener_for(self.users, self.profiles, message.recipient_id)
        body = message.body
        if message.kind == "bericht":
            section = self.texts.learner if body.get("aan") == "leerling" else self.texts.buddy
            return [
                Reply(section[body["tekst_id"]].format(naam=body.get("naam", "")), [])
            ], listener
        if pairing is None or pairing.status != "active":
            return None
        replay = (f"mt:nog:{message.id}", f"mt:nog:{message.id}:l")
        if message.kind == "vraag":
            replies = self._prompt_replies(message, pairing, replay, slow)
            # On screen before it is sent: a learner who answers at once is understood.
            self._put_question(message.recipient_id, replies, f"{PROMPT}:{message.id}")
            return replies, listener
        if message.kind == "reactie":
            key = f"reactie_{body.get('reactie')}"
            text = self._learner_text(key, pairing.buddy_name)
            return [Reply(text, [], slow=slow, replay=replay)], listener
        if message.kind == "antwoord":
            buttons = [
                {"title": self.texts.buddy_buttons[word], "payload": f"mt:re:{message.id}:{code}"}
                for code, word in (("d", "duim"), ("g", "goed"), ("o", "opnieuw"))
            ]
            name = pairing.learner_name
            if body.get("spraak"):
                chat, message_id = body["spraak"]
                text = self._buddy_text("antwoord_spraak", naam=name)
                return [Reply(text, buttons, copy=(chat, message_id), protect=True)], listener
            text = self._buddy_text("antwoord", naam=name, tekst=body.get("tekst", ""))
            return [Reply(text, buttons)], listener
        return None

    def _prompt_replies(
        self, message: MessageInfo, pairing: PairingInfo, replay: tuple[str, str], slow: bool
    ) -> list[Reply]:
        body, name = message.body, pairing.buddy_name
        text = body.get("tekst")
        options = body.get("keuzes") or []
        buttons = [
            {"title": str(option), "payload": f"mt:a:{message.id}:{index}"}
            for index, option in enumerate(options)
        ]
        buttons.append({"title": self.texts.learner_buttons["pauze"],
                        "payload": f"mt:pauze:{pairing.id}"})  # fmt: skip
        how = self._learner_text("antwoord_hoe" if options else "antwoord_open", name)
        if text:
            shown = self.texts.learner["prompt"].format(naam=name, tekst=text)
        else:
            shown = self._learner_text("prompt_spraak", name)
        media = next(((kind, body[kind]) for kind in ("voice", "photo") if body.get(kind)), None)
        if media is None:
            return [Reply(f"{shown}\n{how}", buttons, slow=slow, replay=replay)]
        chat, message_id = media[1]
        return [Reply(f"{shown}\n{how}", buttons, copy=(chat, message_id))]

    async def _delivered(self, item: Claimed) -> None:
        message = self.buddies.message(item.ref)
        if message is None:
            return
        now = to_utc_naive(self._now())
        self.buddies.delivered(message.id, now)
        if message.kind == "vraag":
            pairing = self.buddies.pairing(message.pairing_id) if message.pairing_id else None
            self.buddies.record("vraag_verstuurd", pairing.place if pairing else None)

    # Sending helpers ---------------------------------------------------------------------

    def _notice(self, recipient: int, side: str, key: str, name: str, pairing: PairingInfo) -> None:
        body = {"aan": side, "tekst_id": key, "naam": name}
        self.buddies.send("bericht", recipient, body, self._naive(), pairing_id=pairing.id)
        self.sender.wake()

    async def _buddy_menu(self, bot: Bot, uid: int) -> None:
        pairings = self.buddies.pairings_of_buddy(uid)
        buttons: list[tuple[str, str]] = []
        if pairings:
            buttons.append(("vraag", "mt:vraag"))
        if len(pairings) < self.limits.learners:
            buttons.append(("uitnodigen", "mt:uitn"))
        titles = self.texts.buddy_buttons
        named = [
            (titles[key].format(naam=p.learner_name), f"mt:{action}:{p.id}")
            for p in pairings
            for key, action in (("voortgang", "stand"), ("stoppen", "stop"))
        ]
        lines = [self.texts.buddy["menu" if pairings else "geen_leerling"]]
        await self._send(bot, uid, lines, [*((titles[k], p) for k, p in buttons), *named],
                         kind=QUESTION, literal=True)  # fmt: skip

    async def _say(
        self, bot: Bot, uid: int, key: str,
        buttons: list[tuple[str, str]] | None = None, *, kind: str = QUESTION, **values: Any,
    ) -> None:  # fmt: skip
        await self._send(bot, uid, [self._buddy_text(key, **values)], buttons or [], kind=kind)

    async def _say_learner(self, bot: Bot, uid: int, key: str, name: str = "") -> None:
        await self._send(bot, uid, [self._learner_text(key, name)], [], learner=True)

    async def _send(
        self, bot: Bot, uid: int, lines: list[str], buttons: list[tuple[str, str]], *,
        learner: bool = False, kind: str = QUESTION, literal: bool = False,
    ) -> None:  # fmt: skip
        """One message to the person in this turn; its buttons (given by their key in the
        content file, or ``literal`` titles) become the question on screen."""
        titles = self.texts.learner_buttons if learner else self.texts.buddy_buttons
        shown = [
            {"title": title if literal else titles[title], "payload": payload}
            for title, payload in buttons
        ]
        reply = Reply("\n".join(lines), shown, replay=SAY_AGAIN)
        listener = listener_for(self.users, self.profiles, uid)
        await self.replier.send(bot, uid, [reply], listener, replay=False)
        if shown or kind != QUESTION:
            self._put_question(uid, [reply], kind)
        else:
            self.questions.put(uid, None)

    def _put_question(self, uid: int, replies: list[Reply], kind: str) -> None:
        messages = [{"text": r.text, "buttons": r.buttons, "custom": {"vraag": kind}}
                    for r in replies]  # fmt: skip
        question = question_from(messages, self.vocabulary) or Question((), kind=kind)
        self.questions.put(uid, question)

    async def _old_button(self, bot: Bot, uid: int) -> None:
        await self.replier.send_text(bot, uid, "old_button",
                                     listener_for(self.users, self.profiles, uid))  # fmt: skip

    # Small lookups --------------------------------------------------------------------------

    def _buddy_text(self, key: str, **values: Any) -> str:
        return self.texts.buddy[key].format(**values) if values else self.texts.buddy[key]

    def _learner_text(self, key: str, name: str) -> str:
        return self.texts.learner[key].format(naam=name)

    def _draft(self, uid: int, ref: Any, step: str) -> MessageInfo | None:
        draft = self.buddies.draft_of(uid)
        if draft is None or draft.id != ref or draft.body.get("stap") != step:
            return None
        return draft

    def _buddy_pairing(self, uid: int, ref: Any) -> PairingInfo | None:
        pairing = self.buddies.pairing(ref) if ref else None
        if pairing is None or pairing.buddy_id != uid or pairing.status != "active":
            return None
        return pairing

    async def _no_longer(self, bot: Bot, uid: int, ref: Any) -> bool:
        """A button of this buddy's pairing that ended: "niet meer"; of anyone else's
        pairing, or a made-up one: False (the old-button answer)."""
        pairing = self.buddies.pairing(ref) if ref else None
        if pairing is None or pairing.buddy_id != uid:
            return False
        await self._say(bot, uid, "niet_meer")
        return True

    def _place(self, draft: MessageInfo) -> str | None:
        pairing = self.buddies.pairing(draft.pairing_id) if draft.pairing_id else None
        return pairing.place if pairing else None

    def _profile(self, telegram_id: int) -> Any:
        prefs = self.users.get(telegram_id)
        return self.profiles.get(prefs.profile if prefs and prefs.intake_done else None)

    def _now(self) -> datetime:
        return self.clock()

    def _naive(self) -> datetime:
        return to_utc_naive(self._now())

    def _local_midnight(self) -> datetime:
        local = self._now().astimezone(self.tz)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        return to_utc_naive(midnight)
