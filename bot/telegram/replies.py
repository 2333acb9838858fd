"""Turning Rasa's responses into Telegram messages: text, buttons and a voice note.

For a learner who wants sound, a response becomes one voice note with the text as its
caption and the buttons under it: text and sound stay together, and a turn costs half the
messages. "Nog eens" and "Langzamer" go under the last voice note of a turn. A learner
with sound off gets plain text messages with the same buttons.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest

from bot.content import ChannelTexts
from bot.speech import Clip, SpeechService

logger = logging.getLogger(__name__)

MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True)
class Reply:
    """One bot message to send: what Rasa said, ready for Telegram."""

    text: str
    buttons: list[dict[str, str]]
    slow: bool = False


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
        replies.append(Reply(text=text, buttons=buttons, slow=custom.get("voice") == "slow"))
    return replies


class Replier:
    """Sends replies to one chat, speaking them when the learner wants sound."""

    def __init__(self, speech: SpeechService | None, texts: ChannelTexts) -> None:
        self.speech = speech
        self.texts = texts

    def keyboard(self, buttons: list[dict[str, str]], replay: bool) -> InlineKeyboardMarkup | None:
        rows = [
            [InlineKeyboardButton(b["title"], callback_data=b["payload"])]
            for b in buttons
            if len(b["payload"].encode()) <= MAX_CALLBACK_BYTES
        ]
        if replay:
            rows.append(
                [
                    InlineKeyboardButton(self.texts.buttons["again"], callback_data="/herhalen"),
                    InlineKeyboardButton(self.texts.buttons["slower"], callback_data="/langzamer"),
                ]
            )
        return InlineKeyboardMarkup(rows) if rows else None

    async def send(
        self, bot: Bot, chat_id: int, replies: list[Reply], voice_on: bool, replay: bool = True
    ) -> None:
        """Send a turn's replies; ``replay`` puts "Nog eens"/"Langzamer" under the last one."""
        for index, reply in enumerate(replies):
            last = index == len(replies) - 1
            clip = await self._clip(reply) if voice_on else None
            markup = self.keyboard(reply.buttons, replay=replay and clip is not None and last)
            if clip is None:
                await bot.send_message(
                    chat_id, reply.text[: MessageLimit.MAX_TEXT_LENGTH], reply_markup=markup
                )
            elif len(reply.text) <= MessageLimit.CAPTION_LENGTH:
                await self._send_voice(bot, chat_id, clip, reply.text, markup)
            else:
                await bot.send_message(chat_id, reply.text[: MessageLimit.MAX_TEXT_LENGTH])
                await self._send_voice(bot, chat_id, clip, None, markup)

    async def send_text(self, bot: Bot, chat_id: int, key: str, voice_on: bool = True) -> None:
        """Send one of the channel's own texts (bot/content/channel.yml).

        No replay buttons: they replay the last Rasa turn, and these texts are not part of one.
        """
        await self.send(bot, chat_id, [Reply(self.texts.texts[key], [])], voice_on, replay=False)

    async def _clip(self, reply: Reply) -> Clip | None:
        if self.speech is None:
            return None
        try:
            return await self.speech.clip(reply.text, slow=reply.slow)
        except Exception:  # a voice is a bonus: the text must still go out
            logger.exception("No voice for a reply; sending text only")
            return None

    async def _send_voice(
        self,
        bot: Bot,
        chat_id: int,
        clip: Clip,
        caption: str | None,
        markup: InlineKeyboardMarkup | None,
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
