"""The dialogue as the channel sees it: a learner's text in, Rasa's responses out.

Also the one place where a learner's data is erased, because the conversation is only
complete once Rasa has stored the turn that asked for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.actions.deps import CONTROL_KEY
from bot.choices import (
    Outcome,
    Question,
    Understanding,
    Vocabulary,
    question_from,
    understand,
)
from bot.choices.question import NOTHING
from bot.dialogue.tracker_store import WindowedSQLTrackerStore
from bot.practice.service import Practice
from bot.store.appointments import Appointments
from bot.store.models import CLARIFICATION_KINDS
from bot.store.questions import OpenQuestions
from bot.store.repositories import Analytics, Users

logger = logging.getLogger(__name__)

NLU_FALLBACK = "nlu_fallback"
# ``handle``'s question on screen when the caller did not read it.
UNREAD = object()


# Intents that win over a typed answer that merely looks like a button.
CONTROL_INTENTS = frozenset(
    {"stoppen", "hulp", "herhalen", "langzamer", "geluid_uit", "geluid_aan", "afscheid",
     "gegevens_wissen", "instellingen", "mens_spreken", "gegevens_inzien"}
)  # fmt: skip
CONTROL_CONFIDENCE = 0.6
# Between the fallback threshold (config.yml) and this confidence the bot is unsure: it
# asks "Bedoel je ...?" with the one or two likeliest meanings instead of guessing. Both
# were chosen on tests/nlu/dev.yml with scripts/nlu_eval.py (figures in the README).
ASK_BACK_BELOW = 0.7
# The second meaning is offered too when the NLU gives it at least this confidence.
SECOND_MEANING = 0.15
# Answers, not requests: acted on even when unsure (asking "Bedoel je ja?" out of the blue
# would puzzle more than it helps).
NOT_ASKED_BACK = frozenset({"bevestigen", "ontkennen", "bedanken", NLU_FALLBACK})
REPLAYS = frozenset({"herhalen", "langzamer"})
# The "Iets anders" button of the "Bedoel je ...?" question (bot/actions/understanding.py).
SOMETHING_ELSE = '/nlu_fallback{"keuze":"anders"}'


class TurnCollector(CollectingOutputChannel):
    """Keeps each bot message whole (text, buttons and custom data together).

    Rasa's default split would turn a text with a custom payload into two messages.
    """

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.messages.append({"recipient_id": recipient_id, **message})


class Dialogue:
    def __init__(
        self,
        agent: Agent,
        tracker_store: WindowedSQLTrackerStore,
        users: Users,
        analytics: Analytics,
        practice: Practice | None = None,
        appointments: Appointments | None = None,
        questions: OpenQuestions | None = None,
        vocabulary: Vocabulary | None = None,
        keyboard: dict[str, str] | None = None,
    ) -> None:
        self.agent = agent
        self.tracker_store = tracker_store
        self.users = users
        self.analytics = analytics
        self.practice = practice
        self.appointments = appointments
        self.questions = questions
        self.vocabulary = vocabulary
        # The reply keyboard's text buttons (label -> payload), for the question on screen.
        self.keyboard = keyboard or {}
        # Called (in a worker thread) when a learner is erased: their buddy side goes too.
        self.on_erase: Callable[[int], None] | None = None

    @property
    def intents(self) -> set[str]:
        return set(self.agent.domain.intents) if self.agent.domain else set()

    @property
    def entities(self) -> set[str]:
        return set(self.agent.domain.entities) if self.agent.domain else set()

    async def handle(
        self,
        sender_id: str,
        text: str,
        metadata: dict[str, Any] | None = None,
        question: Question | object | None = UNREAD,
    ) -> list[dict[str, Any]]:
        """Run one turn and return the bot messages for the learner.

        A typed text is understood once (the NLU runs here, and Rasa gets the result), and
        first against the question on screen: a typed text that means one of the buttons
        becomes that button's payload, so typing works exactly like tapping.
        """
        user_id = int(sender_id) if sender_id.lstrip("-").isdigit() else None
        metadata = dict(metadata or {})
        if question is UNREAD:  # the channel may have read it already this turn
            question = (
                self.questions.get(user_id)
                if self.questions is not None and user_id is not None
                else None
            )
        assert question is None or isinstance(question, Question)
        parse_data: dict[str, Any] | None = None
        chosen = text if text.startswith("/") else None
        if chosen is None:
            parse_data = await self.agent.parse_message(text)
            outcome = self._understand(question, text, parse_data)
            if outcome.payload is not None and not outcome.payload.startswith("/"):
                outcome = NOTHING  # another part's button (a buddy's "mt:"): not Rasa's
            if outcome.payload is not None:
                text, parse_data, chosen = outcome.payload, None, outcome.payload
                metadata["typed"] = True
            elif outcome.unclear and question is not None:
                parse_data = _not_understood(parse_data)
                metadata["ja_nee"] = {
                    "ja": question.yes.payload if question.yes else "",
                    "nee": question.no.payload if question.no else "",
                }
            else:
                meanings = self._unsure(parse_data)
                if meanings:
                    parse_data = _not_understood(parse_data)
                    metadata["bedoel_je"] = meanings
        if question is not None and question.kind in CLARIFICATION_KINDS and user_id is not None:
            if not _replay(chosen, parse_data):
                self._count_answer(sender_id, question, chosen)
        collector = TurnCollector()
        message = UserMessage(
            text=text,
            output_channel=collector,
            sender_id=sender_id,
            input_channel="telegram",
            metadata=metadata,
            parse_data=parse_data,
        )
        await self.agent.handle_message(message)
        replies: list[dict[str, Any]] = []
        erase = False
        for reply in collector.messages:
            custom = reply.get("custom") or {}
            if custom.get(CONTROL_KEY) == "erase":
                erase = True
                continue
            replies.append(reply)
        if erase:
            await self.erase(sender_id)
        elif self.questions is not None and user_id is not None:
            self._remember(user_id, question, replies)
        return replies

    def _understand(
        self, question: Question | None, text: str, parse_data: dict[str, Any]
    ) -> Outcome:
        if question is None or self.vocabulary is None:
            return NOTHING
        return understand(
            question,
            text,
            Understanding.from_parse(parse_data),
            self.vocabulary,
            CONTROL_INTENTS,
            CONTROL_CONFIDENCE,
        )

    def _unsure(self, parse_data: dict[str, Any]) -> list[str]:
        """The one or two likeliest meanings when the NLU is unsure; [] when it is sure
        (or sure that the text is out of scope: then the fallback answers)."""
        understood = Understanding.from_parse(parse_data)
        if understood.intent in NOT_ASKED_BACK or understood.confidence >= ASK_BACK_BELOW:
            return []
        meanings = [understood.intent] if understood.intent else []
        for name, confidence in understood.ranking:
            if len(meanings) == 2 or confidence < SECOND_MEANING:
                break
            if name not in meanings and name not in NOT_ASKED_BACK:
                meanings.append(name)
        return meanings

    def _remember(
        self, user_id: int, before: Question | None, replies: list[dict[str, Any]]
    ) -> None:
        """The turn's buttons are the new question on screen (none: nothing is open)."""
        assert self.questions is not None and self.vocabulary is not None
        question = question_from(replies, self.vocabulary, self.keyboard)
        if question is not None and question.kind == "ja_nee":
            question = replace(question, asked_back=True)  # "Bedoel je ja?" is asked once
        if question is None and before is None:
            return
        self.questions.put(user_id, question)

    def _count_answer(self, sender_id: str, question: Question, chosen: str | None) -> None:
        """How a "Bedoel je ...?" question was answered, for the statistics (no text)."""
        payloads = {c.payload for c in question.choices}
        if chosen == SOMETHING_ELSE:
            outcome = "iets_anders"
        elif chosen is not None and chosen in payloads:
            outcome = "gekozen"
        else:
            outcome = "verder"
        self.analytics.record_clarification(sender_id, question.kind, outcome)

    async def erase(self, sender_id: str) -> None:
        """Delete the learner's profile, statistics and conversation."""

        def _erase() -> None:
            if sender_id.lstrip("-").isdigit():
                self.users.delete(int(sender_id))
                if self.practice is not None:
                    self.practice.store.erase(int(sender_id))
                if self.appointments is not None:
                    self.appointments.erase(int(sender_id))
            self.analytics.delete_for(sender_id)
            self.tracker_store.erase(sender_id)
            if self.questions is not None and sender_id.lstrip("-").isdigit():
                self.questions.erase(int(sender_id))
            if self.on_erase is not None and sender_id.lstrip("-").isdigit():
                self.on_erase(int(sender_id))

        await asyncio.to_thread(_erase)
        logger.info("Erased a learner's data on request")

    async def asked_for(self, sender_id: str) -> str | None:
        """The slot an active form is asking this learner for, if any.

        The channel asks before it hands over a shared phone number: only an answer to the
        phone question goes into the conversation; an unasked number is not kept.
        """
        tracker = await self.tracker_store.retrieve(sender_id)
        if tracker is None or not tracker.active_loop_name:
            return None
        value = tracker.get_slot("requested_slot")
        return str(value) if value else None

    async def parse(self, text: str) -> dict[str, Any]:
        return await self.agent.parse_message(text)


def _not_understood(parse_data: dict[str, Any]) -> dict[str, Any]:
    """The parse as Rasa's fallback: the dialogue's not-understood action asks back."""
    confidence = float((parse_data.get("intent") or {}).get("confidence") or 0.0)
    ranking = [r for r in parse_data.get("intent_ranking") or [] if r.get("name") != NLU_FALLBACK]
    fallback = {"name": NLU_FALLBACK, "confidence": confidence}
    return {**parse_data, "intent": fallback, "intent_ranking": [fallback, *ranking]}


def _replay(chosen: str | None, parse_data: dict[str, Any] | None) -> bool:
    """ "Nog eens" or "Langzamer": the question comes back, it is not answered yet."""
    if chosen is not None:
        return chosen.lstrip("/") in REPLAYS
    intent = ((parse_data or {}).get("intent") or {}).get("name")
    return intent in REPLAYS
