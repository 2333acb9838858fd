"""The dialogue as the channel sees it: a learner's text in, Rasa's responses out.

Also the one place where a learner's data is erased, because the conversation is only
complete once Rasa has stored the turn that asked for it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.actions.deps import CONTROL_KEY
from bot.dialogue.tracker_store import WindowedSQLTrackerStore
from bot.practice.service import Practice
from bot.store.appointments import Appointments
from bot.store.repositories import Analytics, Users

logger = logging.getLogger(__name__)


# Intents that win over a typed answer that merely looks like a button.
CONTROL_INTENTS = frozenset(
    {"stoppen", "hulp", "herhalen", "langzamer", "geluid_uit", "geluid_aan", "afscheid",
     "gegevens_wissen", "instellingen"}
)  # fmt: skip
CONTROL_CONFIDENCE = 0.6


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
    ) -> None:
        self.agent = agent
        self.tracker_store = tracker_store
        self.users = users
        self.analytics = analytics
        self.practice = practice
        self.appointments = appointments

    @property
    def intents(self) -> set[str]:
        return set(self.agent.domain.intents) if self.agent.domain else set()

    @property
    def entities(self) -> set[str]:
        return set(self.agent.domain.entities) if self.agent.domain else set()

    async def handle(
        self, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run one turn and return the bot messages for the learner.

        A typed text that clearly means one of the buttons just shown (an exercise's answer,
        "ja" to another round) becomes that button's payload, so typing works like tapping.
        """
        user_id = int(sender_id) if sender_id.lstrip("-").isdigit() else None
        # One read per turn: the buttons on screen that take typed answers, if any.
        options = (
            self.practice.open_options(user_id)
            if self.practice is not None and user_id is not None
            else []
        )
        if options and not text.startswith("/"):
            assert self.practice is not None and user_id is not None
            payload = self.practice.typed(user_id, text, options)
            if payload is not None and not await self._is_control(text):
                text, metadata = payload, {**(metadata or {}), "typed": True}
        collector = TurnCollector()
        message = UserMessage(
            text=text,
            output_channel=collector,
            sender_id=sender_id,
            input_channel="telegram",
            metadata=metadata or {},
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
        elif options and self.practice is not None and user_id is not None:
            if not any((reply.get("custom") or {}).get("oefening") for reply in replies):
                # The learner moved on: old buttons no longer take typed answers.
                self.practice.forget_open(user_id)
        return replies

    async def _is_control(self, text: str) -> bool:
        """True when the text is clearly "stop", "help", "nog eens" and the like.

        Those always work, even when they look like an answer ("stop" is close to "soep").
        """
        parsed = await self.agent.parse_message(text)
        intent = parsed.get("intent") or {}
        return (
            intent.get("name") in CONTROL_INTENTS
            and float(intent.get("confidence") or 0) >= CONTROL_CONFIDENCE
        )

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
