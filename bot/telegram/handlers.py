"""Telegram update handlers: every kind of update gets a short, friendly answer.

Texts, button presses, stickers (their emoji) and commands become Rasa turns; photos, voice
notes, files and group chats get an answer from bot/content/channel.yml without a turn.
Nothing here logs what a learner wrote.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, LoginUrl, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.actions.deps import CONTROL_KEY
from bot.content import load_dashboard_texts
from bot.dialogue.service import UNREAD, Dialogue
from bot.store.repositories import Users
from bot.telegram.buddy import BuddyChannel
from bot.telegram.delivery import current_turn
from bot.telegram.replies import (
    Listener,
    Replier,
    keyboard_choices,
    listener_for,
    replies_from_rasa,
)
from bot.tone.profiles import Profiles

logger = logging.getLogger(__name__)

# Telegram commands and the Rasa payload each one stands for.
COMMANDS = {
    "start": "/groet",
    "hulp": "/hulp",
    "help": "/hulp",
    "menu": "/hulp",
    "stop": "/stoppen",
    "stoppen": "/stoppen",
    "oefenen": "/oefenen",
    "voortgang": "/voortgang",
    "taalhuis": "/taalhuis_info",
    "geluid_uit": "/geluid_uit",
    "geluid_aan": "/geluid_aan",
    "vergeet": "/gegevens_wissen",
    "instellingen": "/instellingen",
}
FALLBACK_PAYLOAD = "/nlu_fallback"
# "/intent" or "/intent{"entity":"value"}": button payloads the bot itself made.
PAYLOAD = re.compile(r'^/([a-z_]{1,40})(\{"[a-z]{1,12}":"[a-z0-9_:+-]{1,24}"\})?$')
# The form slot a shared phone number answers, and the payload that carries it there.
PHONE_SLOT = "afspraak_telefoon"
PHONE_PAYLOAD = '/afspraak_maken{{"telefoon":"{}"}}'

# Longer texts are cut: nobody's question needs more, and we store less.
MAX_TEXT = 500
DOUBLE_PRESS_SECONDS = 2.0
GROUP_NOTICE_SECONDS = 600.0


class Channel:
    """The channel adapter's handlers, with the services they need."""

    def __init__(
        self,
        dialogue: Dialogue,
        replier: Replier,
        users: Users,
        profiles: Profiles,
        buddy: BuddyChannel | None = None,
    ) -> None:
        self.dialogue = dialogue
        self.buddy = buddy
        self.replier = replier
        self.users = users
        self.profiles = profiles
        # (chat, message, data) -> (when, update_id) of the last press of that button.
        self._presses: dict[tuple[int, int, str], tuple[float, int]] = {}
        # When an update arrived; the update processor replaces this with the time before
        # the update waited for its chat's turn.
        self.arrival: Callable[[Update], float] = lambda _update: time.monotonic()
        self._group_notices: dict[int, float] = {}
        self._failures: dict[int, str] = {}
        self._bot: Any = None
        self.keyboard_texts = keyboard_choices(replier.texts)
        # /dashboard: a coordinator's login link (bot/app.py sets it), and its text.
        self.dashboard_link: Callable[[int], str | None] | None = None
        self.dashboard_login_url: str | None = None  # Telegram's LoginUrl, over https only
        self.dashboard_texts = load_dashboard_texts()

    def register(self, application: Application) -> None:
        """All handlers in one place; the first matching one in group 0 wins."""
        private = filters.ChatType.PRIVATE
        handlers = [
            # Group chats first: nothing from a group reaches the dialogue.
            MessageHandler(~private, self.on_group),
            CallbackQueryHandler(self.on_button),
            MessageHandler(private & filters.COMMAND, self.on_command),
            # filters.TEXT also matches edited messages: a corrected text is a new message.
            MessageHandler(private & filters.TEXT, self.on_text),
            MessageHandler(private & filters.Sticker.ALL, self.on_sticker),
            MessageHandler(private & filters.CONTACT, self.on_contact),
            MessageHandler(private & filters.PHOTO, self.on_media("photo", "photo")),
            MessageHandler(private & filters.VOICE, self.on_media("voice", "voice")),
            MessageHandler(
                private & (filters.AUDIO | filters.VIDEO_NOTE), self.reply_with("voice")
            ),
            MessageHandler(
                private & (filters.Document.ALL | filters.VIDEO | filters.ANIMATION),
                self.reply_with("file"),
            ),
            MessageHandler(private & ~filters.StatusUpdate.ALL, self.reply_with("other")),
        ]
        application.add_handlers(handlers)
        application.add_error_handler(self.on_error)
        self._bot = application.bot

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A typed (or corrected) message: one Rasa turn."""
        message = update.effective_message
        if message is None or message.text is None:
            return
        text = message.text.strip()
        if len(text) > MAX_TEXT:
            await self._send_text(update, context, "too_long")
            text = text[:MAX_TEXT]
        if text.startswith("/"):
            # A typed "/intent" must not reach Rasa as a payload.
            text = text.lstrip("/").strip() or FALLBACK_PAYLOAD
        else:
            # The text buttons of a reply keyboard (the phone question) act like buttons.
            text = self.keyboard_texts.get(text, text)
            if self.buddy is not None:
                taken, question = await self.buddy.on_text(update, context.bot, text)
                if taken:
                    return  # a buddy's prompt being written, or an answer to one
                await self._turn(update, context, text, question=question)
                return
        await self._turn(update, context, text)

    async def on_contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A shared phone number answers the appointment's phone question, and only that:
        another person's number, or one nobody asked for, is answered and not kept."""
        message, user = update.effective_message, update.effective_user
        contact = message.contact if message else None
        if contact is None or user is None:
            return
        if contact.user_id != user.id:
            await self._send_text(update, context, "contact_other")
            return
        digits = re.sub(r"[^0-9+]", "", contact.phone_number or "")[:16]
        if len(digits.lstrip("+")) < 6 or await self.dialogue.asked_for(str(user.id)) != PHONE_SLOT:
            await self._send_text(update, context, "contact_unasked")
            return
        await self._turn(update, context, PHONE_PAYLOAD.format(digits))

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start and friends; an unknown command gets the "not understood" answer."""
        message = update.effective_message
        if message is None or not message.text:
            return
        words = message.text.split()
        command = words[0][1:].split("@")[0].lower()
        if self.buddy is not None and command == "maatje":
            await self.buddy.menu(update, context.bot)
            return
        if command == "dashboard" and await self._dashboard(update, context):
            return
        if command == "start" and len(words) > 1:
            # A deep link (an invitation); one that opens nothing gets a kind word first.
            if self.buddy is not None and await self.buddy.on_start(update, context.bot, words[1]):
                return
            await self._send_text(update, context, "bad_link")
        payload = COMMANDS.get(command, FALLBACK_PAYLOAD)
        metadata = {"command": command} if command in COMMANDS else {}
        await self._turn(update, context, payload, metadata)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: its payload goes through Rasa, once."""
        query = update.callback_query
        if query is None:
            return
        data = query.data or ""
        if data.startswith("mt:") and self.buddy is not None:
            await self._buddy_press(update, context, query, data)
            return
        match = PAYLOAD.match(data)
        valid = match is not None and (
            match.group(1) in self.dialogue.intents or data == FALLBACK_PAYLOAD
        )
        if valid and match is not None and match.group(2):
            entity = match.group(2)[2:].split('"', 1)[0]
            valid = entity in self.dialogue.entities
        await self._answer(query, None if valid else self.replier.texts.texts["old_button"])
        if query.message is None or update.effective_chat is None:
            return
        if update.effective_chat.type != ChatType.PRIVATE:
            return
        if self._double_press(
            update.effective_chat.id,
            query.message.message_id,
            data,
            self.arrival(update),
            update.update_id,
        ):
            return
        await self._turn(update, context, data if valid else FALLBACK_PAYLOAD)

    async def _buddy_press(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, query: CallbackQuery, data: str
    ) -> None:
        """A buddy button (``mt:``): once, in private chats only."""
        assert self.buddy is not None
        await self._answer(query, None)
        chat = update.effective_chat
        if query.message is None or chat is None or chat.type != ChatType.PRIVATE:
            return
        if self._double_press(
            chat.id, query.message.message_id, data, self.arrival(update), update.update_id
        ):
            return
        await self.buddy.on_press(update, context.bot, data)

    def on_media(
        self, media: str, key: str
    ) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
        """A voice note or photo: part of a buddy's prompt or a learner's spoken answer;
        otherwise the channel's kind answer."""

        async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            if self.buddy is not None and await self.buddy.on_media(update, context.bot, media):
                return
            await self._send_text(update, context, key)

        handler.__name__ = f"on_{media}"
        return handler

    async def on_sticker(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A sticker says what its emoji says (👍 is a yes)."""
        message = update.effective_message
        emoji = message.sticker.emoji if message and message.sticker else None
        if emoji:
            await self._turn(update, context, emoji)
        else:
            await self._send_text(update, context, "sticker")

    def reply_with(
        self, key: str
    ) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]:
        """A handler that answers with one of the channel's own texts."""

        async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await self._send_text(update, context, key)

        handler.__name__ = f"reply_{key}"
        return handler

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In a group, say once in a while that the bot talks one to one."""
        chat = update.effective_chat
        # Not in channels, nor in a kind of chat Telegram may add one day.
        if chat is None or chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
            return
        now = time.monotonic()
        if now - self._group_notices.get(chat.id, -GROUP_NOTICE_SECONDS) < GROUP_NOTICE_SECONDS:
            return
        self._group_notices[chat.id] = now
        await self.replier.send_text(context.bot, chat.id, "group", Listener(voice=False))

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Note the failure for the delivery layer, which tries the update again and tells
        the learner kindly when it gives up. The log gets the error's type and where it
        was raised, never a traceback: its frames and messages may hold what was written."""
        error = context.error
        where = _origin(error)
        if isinstance(update, Update):
            self._failures[update.update_id] = type(error).__name__
            logger.error(
                "Update %s failed: %s at %s", update.update_id, type(error).__name__, where
            )
        else:
            logger.error("A job failed: %s at %s", type(error).__name__, where)

    def failure_of(self, update_id: int) -> str | None:
        """The error type with which the handlers of this update failed, once; else None."""
        return self._failures.pop(update_id, None)

    async def tell_failure(self, update: Update) -> None:
        """The update was set aside: say so, kindly and without voice (private chats)."""
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return
        await self.replier.send_text(self._bot, chat.id, "error", Listener(voice=False))

    async def _turn(
        self,
        update: Update,
        context: ContextTypes.DEFAULT_TYPE,
        text: str,
        metadata: dict[str, str] | None = None,
        question: object = UNREAD,
    ) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        turn = current_turn()
        if turn is not None and turn.replies is not None:
            responses = turn.replies  # Rasa ran it before a crash: send what is left
        else:
            responses = await self.dialogue.handle(str(user.id), text, metadata, question)
            if turn is not None:
                turn.keep(responses)
        buddy = _buddy_intent(responses)
        if buddy is not None and self.buddy is not None:
            await (self.buddy.stop_pairing if buddy == "stoppen" else self.buddy.menu)(
                update, context.bot
            )
            return
        # Read after the turn: the turn itself may have switched the sound off.
        listener = self._listener(user.id)
        await self.replier.send(
            context.bot, chat.id, replies_from_rasa(responses), listener,
            start=turn.parts_sent if turn else 0, on_sent=turn.sent if turn else None,
        )  # fmt: skip

    async def _send_text(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, key: str
    ) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None:
            return
        listener = self._listener(user.id) if user else Listener()
        await self.replier.send_text(context.bot, chat.id, key, listener)

    def _listener(self, user_id: int) -> Listener:
        return listener_for(self.users, self.profiles, user_id)

    async def _dashboard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
        """/dashboard from a coordinator: a login link, as plain text (for anyone else it
        is an unknown command, so it tells nothing)."""
        user, chat = update.effective_user, update.effective_chat
        if self.dashboard_link is None or user is None or chat is None:
            return False
        if chat.type != ChatType.PRIVATE:
            return False
        link = await asyncio.to_thread(self.dashboard_link, user.id)
        if link is None:
            return False
        text = self.dashboard_texts["link_message"].format(link=link)
        markup = None
        if self.dashboard_login_url:  # a public https domain: Telegram's own login too
            button = InlineKeyboardButton(
                self.dashboard_texts["login_button"], login_url=LoginUrl(self.dashboard_login_url)
            )
            markup = InlineKeyboardMarkup([[button]])
        await context.bot.send_message(chat.id, text, protect_content=True, reply_markup=markup)
        return True

    def _double_press(
        self, chat_id: int, message_id: int, data: str, now: float, update_id: int
    ) -> bool:
        """True for a second press of the same button within a moment of the first; the
        same update again (the delivery layer retrying it) is no second press."""
        if len(self._presses) > 10_000:
            self._presses = {
                k: seen for k, seen in self._presses.items() if now - seen[0] < DOUBLE_PRESS_SECONDS
            }
        key = (chat_id, message_id, data)
        previous = self._presses.get(key)
        if previous is not None and previous[1] == update_id:
            return False
        self._presses[key] = (now, update_id)
        return previous is not None and now - previous[0] < DOUBLE_PRESS_SECONDS

    @staticmethod
    async def _answer(query: CallbackQuery, text: str | None) -> None:
        """Stop the button's spinner; an old query may no longer be answerable."""
        try:
            await query.answer(text)
        except BadRequest:
            pass


def _buddy_intent(responses: list[dict[str, Any]]) -> str | None:
    """``maatje_menu``/``maatje_stoppen`` understood: the buddy side answers (menu, stop)."""
    for response in responses:
        control = str((response.get("custom") or {}).get(CONTROL_KEY) or "")
        if control.startswith("maatje_"):
            return control.removeprefix("maatje_")
    return None


def _origin(error: BaseException | None) -> str:
    """Where an error was raised: the innermost frame's file and line (no values)."""
    trace = error.__traceback__ if error is not None else None
    if trace is None:
        return "?"
    while trace.tb_next is not None:
        trace = trace.tb_next
    return f"{Path(trace.tb_frame.f_code.co_filename).name}:{trace.tb_lineno}"
