"""Turning Rasa's responses into Telegram messages: text, buttons and a voice note.

For a learner who wants sound, a response becomes one voice note with the text as its
caption and the buttons under it: text and sound stay together, and a turn costs half the
messages. "Nog eens" and "Langzamer" go under the last voice note of a turn. A learner
with sound off gets plain text messages with the same buttons.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import MessageLimit
from telegram.error import BadRequest

from bot.content import ChannelTexts
from bot.speech import Clip, SpeechService
from bot.store.repositories import Users
from bot.tone.profiles import Profiles, without_emoji

logger = logging.getLogger(__name__)

MAX_CALLBACK_BYTES = 64
ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass(frozen=True)
class Reply:
    """One bot message to send: what Rasa said, ready for Telegram."""

    text: str
    buttons: list[dict[str, str]]
    slow: bool = False
    # Spoken after the text but not shown: the word or story of a listening exercise.
    say_after: str | None = None
    # Followed by the learner's progress picture.
    picture: bool = False
    # The text shows a picture (an exercise's answer): its emoji stay for every profile.
    pictures: bool = False
    # Followed by this appointment's calendar file (.ics).
    calendar: int | None = None
    # Shows Telegram's "share my number" keyboard; or takes that keyboard away.
    phone_keyboard: bool = False
    keyboard_off: bool = False
    # Sent as a copy of this (chat id, message id) with the text as its caption: a buddy's
    # own recording or photo, a learner's spoken answer. Never spoken by the bot.
    copy: tuple[int, int] | None = None
    # Telegram's protect_content: the receiver cannot forward or save it.
    protect: bool = False
    # "Nog eens"/"Langzamer" that replay this message, not the last Rasa turn.
    replay: tuple[str, str] | None = None
    # Followed by this person's progress picture (a buddy sees the learner's).
    picture_of: int | None = None


@dataclass(frozen=True)
class Listener:
    """How this learner takes messages, from their profile and sound setting."""

    voice: bool = True
    slow: bool = False
    emoji: bool = True


def keyboard_choices(texts: ChannelTexts) -> dict[str, str]:
    """The reply keyboard's text buttons and the payload each one stands for: tapping one
    sends its label as a message (the contact button sends a contact instead)."""
    buttons = texts.buttons
    return {
        buttons["phone_no"]: "/ontkennen",
        buttons["again"]: "/herhalen",
        buttons["slower"]: "/langzamer",
    }


def listener_for(users: Users, profiles: Profiles, user_id: int) -> Listener:
    """Sound, speed and emoji for this learner, from their settings and profile.

    One primary-key read (~0.1 ms), done inline as Rasa's tracker store does its own: a
    thread hop would cost more than the query. Until a profile is chosen, the defaults hold
    (sound on, normal speed, pictures).
    """
    prefs = users.get(user_id)
    if prefs is None:
        return Listener()
    if not prefs.intake_done:
        return Listener(voice=prefs.voice_on)
    profile = profiles.get(prefs.profile)
    return Listener(voice=prefs.voice_on, slow=profile.slow, emoji=profile.emoji)


# Draws a learner's progress picture (PNG bytes), given their Telegram id.
PictureMaker = Callable[[int], Awaitable[bytes | None]]
# An appointment's calendar file (bytes, file name), given the learner's Telegram id and the
# appointment's id; None when it is not theirs (any more).
CalendarMaker = Callable[[int, int], Awaitable[tuple[bytes, str] | None]]


def replies_from_rasa(responses: list[dict[str, Any]]) -> list[Reply]:
    """Keep the parts of Rasa's responses that the channel can show."""
    replies = []
    for response in responses:
        text = (response.get("text") or "").strip()
        if not text:
            continue
        custom = response.get("custom") or {}
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in response.get("buttons") or []
            if b.get("title") and b.get("payload")
        ]
        say_after = custom.get("say_after")
        calendar = custom.get("agenda")
        replies.append(
            Reply(
                text=text,
                buttons=buttons,
                slow=custom.get("voice") == "slow",
                say_after=str(say_after) if say_after else None,
                picture=custom.get("picture") == "progress",
                pictures=bool(custom.get("beeld")),
                calendar=calendar if isinstance(calendar, int) else None,
                phone_keyboard=bool(custom.get("telefoon")),
                keyboard_off=bool(custom.get("toetsenbord_weg")),
            )
        )
    return replies


class Replier:
    """Sends replies to one chat, speaking them when the learner wants sound."""

    def __init__(
        self,
        speech: SpeechService | None,
        texts: ChannelTexts,
        pictures: PictureMaker | None = None,
        calendars: CalendarMaker | None = None,
    ) -> None:
        self.speech = speech
        self.texts = texts
        self.pictures = pictures
        self.calendars = calendars

    def markup(self, reply: Reply, replay: bool) -> ReplyMarkup | None:
        """Inline buttons; or the reply keyboard with Telegram's contact button (a message
        has one keyboard, so "Nog eens"/"Langzamer" are text buttons there); or none."""
        if reply.phone_keyboard:
            buttons = self.texts.buttons
            rows = [
                [KeyboardButton(buttons["phone_share"], request_contact=True)],
                [KeyboardButton(buttons["phone_no"])],
            ]
            if replay:
                rows.append([KeyboardButton(buttons["again"]), KeyboardButton(buttons["slower"])])
            return ReplyKeyboardMarkup(rows, one_time_keyboard=True, resize_keyboard=True)
        inline = self.keyboard(reply.buttons, replay, reply.replay)
        if inline is None and reply.keyboard_off:
            return ReplyKeyboardRemove()
        return inline

    def keyboard(
        self,
        buttons: list[dict[str, str]],
        replay: bool,
        payloads: tuple[str, str] | None = None,
    ) -> InlineKeyboardMarkup | None:
        rows = [
            [InlineKeyboardButton(b["title"], callback_data=b["payload"])]
            for b in buttons
            if len(b["payload"].encode()) <= MAX_CALLBACK_BYTES
        ]
        if replay or payloads:
            again, slower = payloads or ("/herhalen", "/langzamer")
            rows.append(
                [
                    InlineKeyboardButton(self.texts.buttons["again"], callback_data=again),
                    InlineKeyboardButton(self.texts.buttons["slower"], callback_data=slower),
                ]
            )
        return InlineKeyboardMarkup(rows) if rows else None

    async def send(
        self,
        bot: Bot,
        chat_id: int,
        replies: list[Reply],
        listener: Listener,
        replay: bool = True,
        *,
        start: int = 0,
        on_sent: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        """Send a turn's replies; ``replay`` puts "Nog eens"/"Langzamer" under the last one.

        ``start`` skips the replies delivered before (a retry goes on where it stopped);
        ``on_sent(index)`` is awaited after each reply went out, to record that.
        """
        for index, reply in enumerate(replies):
            if index < start:
                continue
            last = index == len(replies) - 1
            # An emoji that is an answer stays; decoration goes for the plain, adult profiles.
            plain = not listener.emoji and not reply.pictures
            text = without_emoji(reply.text) or reply.text if plain else reply.text
            if reply.copy is not None:
                await bot.copy_message(
                    chat_id, reply.copy[0], reply.copy[1],
                    caption=text[: MessageLimit.CAPTION_LENGTH],
                    reply_markup=self.markup(reply, replay=False), protect_content=reply.protect,
                )  # fmt: skip
                if on_sent is not None:
                    await on_sent(index)
                continue
            clip = await self._clip(reply, text, listener) if listener.voice else None
            markup = self.markup(reply, replay=replay and clip is not None and last)
            if reply.replay is not None and clip is None:
                markup = self.markup(replace(reply, replay=None), replay=False)
            if clip is None:
                await bot.send_message(
                    chat_id, text[: MessageLimit.MAX_TEXT_LENGTH], reply_markup=markup
                )
            elif len(text) <= MessageLimit.CAPTION_LENGTH:
                await self._send_voice(bot, chat_id, clip, text, markup)
            else:
                await bot.send_message(chat_id, text[: MessageLimit.MAX_TEXT_LENGTH])
                await self._send_voice(bot, chat_id, clip, None, markup)
            if reply.picture or reply.picture_of is not None:
                await self._send_picture(bot, chat_id, reply.picture_of)
            if reply.calendar is not None:
                await self._send_calendar(bot, chat_id, reply.calendar, listener)
            if on_sent is not None:
                await on_sent(index)

    async def send_text(
        self, bot: Bot, chat_id: int, key: str, listener: Listener | None = None
    ) -> None:
        """Send one of the channel's own texts (bot/content/channel.yml).

        No replay buttons: they replay the last Rasa turn, and these texts are not part of one.
        """
        replies = [Reply(self.texts.texts[key], [])]
        await self.send(bot, chat_id, replies, listener or Listener(), replay=False)

    async def _clip(self, reply: Reply, text: str, listener: Listener) -> Clip | None:
        if self.speech is None:
            return None
        spoken = f"{text}\n{reply.say_after}" if reply.say_after else text
        # "Langzamer" is one step slower than the learner's own speed (slow for newcomers).
        speed = int(listener.slow) + int(reply.slow)
        try:
            return await self.speech.clip(spoken, slow=speed, slower=bool(reply.slow))
        except Exception:  # a voice is a bonus: the text must still go out
            logger.exception("No voice for a reply; sending text only")
            return None

    async def _send_picture(self, bot: Bot, chat_id: int, of: int | None = None) -> None:
        if self.pictures is None:
            return
        try:
            picture = await self.pictures(chat_id if of is None else of)
        except Exception:  # the summary was said; a missing picture must not end the turn
            logger.exception("Could not draw the progress picture")
            return
        if picture:
            await bot.send_photo(chat_id, picture, filename="voortgang.png")

    async def _send_calendar(
        self, bot: Bot, chat_id: int, appointment_id: int, listener: Listener
    ) -> None:
        if self.calendars is None:
            return
        try:
            made = await self.calendars(chat_id, appointment_id)
        except Exception:  # the booking stands and was said; the file is a convenience
            logger.exception("Could not make the calendar file")
            return
        if made is None:
            return
        data, name = made
        caption = self.texts.texts["calendar_caption"]
        if not listener.emoji:
            caption = without_emoji(caption) or caption
        await bot.send_document(chat_id, data, filename=name, caption=caption)

    async def _send_voice(
        self,
        bot: Bot,
        chat_id: int,
        clip: Clip,
        caption: str | None,
        markup: ReplyMarkup | None,
    ) -> Message:
        duration = max(1, round(clip.duration))
        if clip.file_id:
            try:
                return await bot.send_voice(
                    chat_id, clip.file_id, caption=caption, duration=duration, reply_markup=markup
                )
            except BadRequest:
                # A file_id belongs to one bot token (the emulator's, an old token's): upload
                # the file again, which stores the new file_id.
                logger.warning("A stored file_id was refused; uploading clip %s", clip.key[:12])
        with clip.path.open("rb") as audio:
            message = await bot.send_voice(
                chat_id,
                audio,
                caption=caption,
                duration=duration,
                reply_markup=markup,
                filename=clip.path.name,
            )
        if message.voice and self.speech is not None:
            await self.speech.remember_file_id(clip, message.voice.file_id)
        return message
