"""Telegram object shapes (User, Voice, PhotoSize, ...) built from the emulator's state.

Bot API replies and injected updates must parse in python-telegram-bot exactly as real ones
do, so the required fields of each object live here, in one place.
"""

from __future__ import annotations

from typing import Any

from bot.emulator.state import BOT_USER, StoredFile

GET_ME: dict[str, Any] = {
    **BOT_USER,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}

# Media kinds: the folder in file paths, the default content type and file extension.
MEDIA_KINDS: dict[str, tuple[str, str, str]] = {
    "voice": ("voice", "audio/ogg", "oga"),
    "audio": ("music", "audio/mpeg", "mp3"),
    "photo": ("photos", "image/jpeg", "jpg"),
    "document": ("documents", "application/octet-stream", "bin"),
    "sticker": ("stickers", "image/webp", "webp"),
}
EXTENSIONS = {
    "audio/ogg": "oga",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "text/plain": "txt",
}


def user(user_id: int, first_name: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "nl"}


def contact(phone_number: str, first_name: str, user_id: int) -> dict[str, Any]:
    """A Contact as Telegram sends it when users share their own number (user_id is theirs)."""
    return {"phone_number": phone_number, "first_name": first_name, "user_id": user_id}


def command_entities(text: str) -> list[dict[str, Any]]:
    """A bot_command entity for text that starts with "/", as Telegram clients add it."""
    if not text.startswith("/") or len(text) < 2:
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command.encode("utf-16-le")) // 2}]


def media_object(kind: str, stored: StoredFile, emoji: str | None = None) -> Any:
    """The Telegram object for `stored` sent as `kind` (a list of PhotoSize for photos)."""
    base = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if kind == "voice":
        return {**base, "duration": stored.duration, "mime_type": stored.mime_type}
    if kind == "audio":
        return {
            **base,
            "duration": stored.duration,
            "mime_type": stored.mime_type,
            "file_name": stored.file_name or "audio.mp3",
        }
    if kind == "photo":
        return [{**base, "width": stored.width, "height": stored.height}]
    if kind == "sticker":
        return {
            **base,
            "type": "regular",
            "width": stored.width or 512,
            "height": stored.height or 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji or "👍",
        }
    return {**base, "file_name": stored.file_name or "document", "mime_type": stored.mime_type}


def chat_full_info(chat: dict[str, Any]) -> dict[str, Any]:
    """What getChat answers: the chat plus the fields ChatFullInfo requires."""
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }
