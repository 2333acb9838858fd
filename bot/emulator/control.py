"""Control API: play the user's side and read what the bot sent (JSON, under /api/).

User side (each injects an update the bot receives through getUpdates and returns
`{"update_id", "message_id"}`; options: `chat_type` private|group|supergroup (default
private), `user_id` (default the chat id, its absolute value for groups), `first_name`):

    POST /api/chats/{chat_id}/text      {"text": "hallo"}
    POST /api/chats/{chat_id}/command   {"command": "start", "args": ""}     text "/start"
    POST /api/chats/{chat_id}/press     {"message_id": 3, "data": "ja"}      callback_query
                                        of that bot message (any data; "" or none: no data);
                                        returns {"update_id", "callback_query_id"}
    POST /api/chats/{chat_id}/edit      {"message_id": 2, "text": "hallo!"}  edited_message
    POST /api/chats/{chat_id}/voice     raw OGG/Opus body, or none for a second of silence
    POST /api/chats/{chat_id}/photo     raw image body, or none for a sample PNG
    POST /api/chats/{chat_id}/document  raw body (?file_name=&mime_type=), or a sample text
    POST /api/chats/{chat_id}/sticker   {"emoji": "👍"}
    POST /api/chats/{chat_id}/contact   {"phone_number": "+31612345678"}     the user shares
                                        their own number (the request_contact button): a
                                        message with contact {phone_number, first_name,
                                        user_id}; private chats only;
                                        "contact_user_id" shares another person's

    POST /api/raw_update                {"update": {...any JSON object...}}  queued exactly
                                        as given, an update_id added unless it has an
                                        integer one; returns {"update_id"}

    Binary endpoints take their options from the query string (?duration=3&caption=...), or
    from a JSON body when no file is sent.

Bot side and test helpers:

    GET  /api/chats/{chat_id}/messages?since=SEQ&wait=SECONDS
         {"seq", "messages": [...], "notices": [...], "reset": bool}: messages of the chat
         changed after `since` (new, edited or deleted; oldest change first), long-polled up
         to `wait` seconds (at most 30). "reset" means `since` was ahead of the chat, after
         POST /api/reset: the client should drop what it shows.
    GET  /api/files/{file_id}           the file's bytes with its content type
    GET  /api/stats                     {"uploads", "methods": {"sendVoice": 2},
                                         "callback_answers", "faults": {"429": 3}, ...}
    POST /api/faults                    {"method": "sendMessage", "error_code": 429,
                                         "retry_after": 1, "count": 1},
                                        {"method": "sendVoice", "disconnect": true} or
                                        {"method": "sendVoice", "timeout": 6}: the next
                                        `count` calls fail; or by share (replaces the last):
                                        {"share": 0.1, "kinds": ["429", "500", "502",
                                         "timeout", "disconnect"], "methods": ["sendMessage"],
                                         "seed": 7, "retry_after": 1, "timeout": 6}: each call
                                        fails with probability `share`, of a kind drawn
                                        uniformly; without "methods" every method but
                                        getUpdates
    GET  /api/faults                    {"sendMessage": [fault, ...], "share": {...} | null}
    DELETE /api/faults                  clears both
    POST /api/reset                     {"keep_files": false}: forget everything
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import re
import secrets
import time
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.emulator import media, objects
from bot.emulator.botapi import EMULATOR_KEY, canonical_method
from bot.emulator.state import (
    DEFAULT_FIRST_NAME,
    FAULT_KINDS,
    CallbackQuery,
    ChatLog,
    Emulator,
    Fault,
    FaultShare,
    StoredMessage,
    error_text,
)

MAX_WAIT = 30.0
MAX_HOLD = 120.0  # the longest a "timeout" fault holds a call
MAX_PHONE_NUMBER = 32
_PHONE_NUMBER = re.compile(r"\+?[0-9](?:[0-9 ]*[0-9])?")
CHAT_TYPES = ("private", "group", "supergroup")


def _error(status: int, message: str) -> web.HTTPException:
    exception = web.HTTPBadRequest if status == 400 else web.HTTPNotFound
    return exception(text=json.dumps({"error": message}), content_type="application/json")


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _error(400, f"{name} must be an integer") from None


def _seconds(value: Any, name: str) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise _error(400, f"{name} must be a number of seconds") from None
    if not 0 < seconds <= MAX_HOLD:
        raise _error(400, f"{name} must be above 0 and at most {MAX_HOLD:g} seconds")
    return seconds


async def _options(request: web.Request) -> tuple[dict[str, Any], bytes | None]:
    """Options from the query string and a JSON body; any other body is a file's bytes."""
    options: dict[str, Any] = dict(request.query)
    if not request.can_read_body:
        return options, None
    raw = await request.read()
    if request.content_type != "application/json":
        return options, raw or None
    if raw.strip():
        try:
            body = json.loads(raw)
        except ValueError:
            raise _error(400, "body is not valid JSON") from None
        if not isinstance(body, dict):
            raise _error(400, "body must be a JSON object")
        options.update(body)
    return options, None


def _emulator(request: web.Request) -> Emulator:
    return request.app[EMULATOR_KEY]


def _chat_id(request: web.Request) -> int:
    return _int(request.match_info["chat_id"], "chat_id")


def _user_side(
    emulator: Emulator, chat_id: int, options: dict[str, Any]
) -> tuple[ChatLog, dict[str, Any]]:
    chat_type = options.get("chat_type")
    if chat_type is not None and chat_type not in CHAT_TYPES:
        raise _error(400, f"chat_type must be one of {', '.join(CHAT_TYPES)}")
    user_id = _int(options.get("user_id") or abs(chat_id), "user_id")
    first_name = str(options.get("first_name") or DEFAULT_FIRST_NAME)
    log = emulator.ensure_chat(chat_id, chat_type, first_name, options.get("title"))
    return log, objects.user(user_id, first_name)


def _inject(
    emulator: Emulator, log: ChatLog, user: dict[str, Any], content: dict[str, Any]
) -> web.Response:
    stored = emulator.add_message(log, user, content)
    update_id = emulator.push_update("message", stored.message)
    return web.json_response({"update_id": update_id, "message_id": stored.message_id})


def _text_content(text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    entities = objects.command_entities(text)
    if entities:
        content["entities"] = entities
    return content


async def post_text(request: web.Request) -> web.Response:
    options, _ = await _options(request)
    text = options.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _error(400, "text must be a non-empty string")
    emulator = _emulator(request)
    log, user = _user_side(emulator, _chat_id(request), options)
    return _inject(emulator, log, user, _text_content(text))


async def post_command(request: web.Request) -> web.Response:
    options, _ = await _options(request)
    command = str(options.get("command") or "").lstrip("/").strip()
    if not command:
        raise _error(400, "command must be a non-empty string")
    args = str(options.get("args") or "").strip()
    emulator = _emulator(request)
    log, user = _user_side(emulator, _chat_id(request), options)
    return _inject(emulator, log, user, _text_content(f"/{command} {args}".strip()))


async def post_chat(request: web.Request) -> web.Response:
    """Open a private chat without a message (as if the user wrote long ago): the bot may
    then send to it. The benchmark opens a thousand chats this way."""
    options, _ = await _options(request)
    emulator = _emulator(request)
    log, _user = _user_side(emulator, _chat_id(request), options)
    return web.json_response({"chat_id": log.chat["id"] if log.chat else _chat_id(request)})


async def post_press(request: web.Request) -> web.Response:
    """A tap on an inline button of a bot message: a callback_query update."""
    options, _ = await _options(request)
    emulator = _emulator(request)
    chat_id = _chat_id(request)
    message_id = _int(options.get("message_id"), "message_id")
    data = options.get("data")
    if data is not None and not isinstance(data, str):
        raise _error(400, "data must be a string")
    stored = emulator.chat_log(chat_id).messages.get(message_id)
    if stored is None or stored.deleted or not stored.from_bot:
        raise _error(404, "no bot message with this message_id in this chat")
    _, user = _user_side(emulator, chat_id, options)
    query_id = str(secrets.randbits(63))
    emulator.callbacks[query_id] = CallbackQuery(chat_id=chat_id, message_id=message_id)
    query: dict[str, Any] = {
        "id": query_id,
        "from": user,
        "chat_instance": str(8_000_000_000_000 + abs(chat_id)),
        "message": stored.message,
    }
    if data:  # Telegram's data is 1-64 bytes; an empty press arrives without it
        query["data"] = data
    update_id = emulator.push_update("callback_query", query)
    return web.json_response({"update_id": update_id, "callback_query_id": query_id})


async def post_edit(request: web.Request) -> web.Response:
    """The user edits one of their text messages: an edited_message update."""
    options, _ = await _options(request)
    emulator = _emulator(request)
    chat_id = _chat_id(request)
    text = options.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _error(400, "text must be a non-empty string")
    log = emulator.chat_log(chat_id)
    stored = log.messages.get(_int(options.get("message_id"), "message_id"))
    if stored is None or stored.deleted or stored.from_bot or "text" not in stored.message:
        raise _error(404, "no user text message with this message_id in this chat")
    message = stored.message
    message.pop("entities", None)
    message.update(_text_content(text), edit_date=max(int(time.time()), int(message["date"])))
    stored.edited = True
    log.touch(stored)
    update_id = emulator.push_update("edited_message", message)
    return web.json_response({"update_id": update_id, "message_id": stored.message_id})


async def post_voice(request: web.Request) -> web.Response:
    options, data = await _options(request)
    emulator = _emulator(request)
    log, user = _user_side(emulator, _chat_id(request), options)
    seconds = _int(options.get("duration") or 0, "duration")
    data = data or media.silent_ogg_opus(seconds or 1)
    duration = seconds or media.ogg_opus_duration(data) or 1
    mime = media.guess_mime(data, "audio/ogg")
    stored = emulator.store_file(
        "voice", data, mime, objects.EXTENSIONS.get(mime, "oga"), duration=duration
    )
    return _inject(emulator, log, user, _media_content("voice", stored, options))


async def post_photo(request: web.Request) -> web.Response:
    options, data = await _options(request)
    emulator = _emulator(request)
    log, user = _user_side(emulator, _chat_id(request), options)
    data = data or media.sample_png()
    width, height = media.image_size(data) or (512, 512)
    mime = media.guess_mime(data, "image/jpeg")
    stored = emulator.store_file(
        "photos", data, mime, objects.EXTENSIONS.get(mime, "jpg"), width=width, height=height
    )
    return _inject(emulator, log, user, _media_content("photo", stored, options))


async def post_document(request: web.Request) -> web.Response:
    options, data = await _options(request)
    emulator = _emulator(request)
    log, user = _user_side(emulator, _chat_id(request), options)
    file_name = str(options.get("file_name") or ("oefening.txt" if data is None else "document"))
    data = data or media.SAMPLE_DOCUMENT
    mime = str(
        options.get("mime_type") or mimetypes.guess_type(file_name)[0] or media.guess_mime(data)
    )
    extension = objects.EXTENSIONS.get(mime, "bin")
    stored = emulator.store_file("documents", data, mime, extension, file_name=file_name)
    return _inject(emulator, log, user, _media_content("document", stored, options))


async def post_sticker(request: web.Request) -> web.Response:
    options, _ = await _options(request)
    emulator = _emulator(request)
    log, user = _user_side(emulator, _chat_id(request), options)
    stored = emulator.store_file(
        "stickers", media.sticker_webp(), "image/webp", "webp", width=512, height=512
    )
    sticker = objects.media_object("sticker", stored, options.get("emoji"))
    return _inject(emulator, log, user, {"sticker": sticker})


async def post_contact(request: web.Request) -> web.Response:
    """The user shares their own phone number (request_contact button): a message with contact."""
    options, _ = await _options(request)
    phone_number = options.get("phone_number")
    if (
        not isinstance(phone_number, str)
        or len(phone_number) > MAX_PHONE_NUMBER
        or not _PHONE_NUMBER.fullmatch(phone_number)
    ):
        raise _error(
            400,
            "phone_number must be digits (an optional leading +, spaces allowed), "
            f"at most {MAX_PHONE_NUMBER} characters",
        )
    chat_id = _chat_id(request)
    if chat_id <= 0 or options.get("chat_type") not in (None, "private"):
        raise _error(400, "a contact is shared in a private chat only")
    emulator = _emulator(request)
    log, user = _user_side(emulator, chat_id, {**options, "chat_type": "private"})
    # Whose number it is: the sender's own (the contact button), or another person's.
    owner = _int(options.get("contact_user_id", user["id"]), "contact_user_id")
    contact = objects.contact(phone_number, user["first_name"], owner)
    return _inject(emulator, log, user, {"contact": contact})


def _media_content(kind: str, stored: Any, options: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = {kind: objects.media_object(kind, stored)}
    if options.get("caption"):
        content["caption"] = str(options["caption"])
    return content


def message_view(stored: StoredMessage) -> dict[str, Any]:
    """A message as the web chat and tests read it: flat, with download URLs for files."""
    message = stored.message

    def file_view(kind: str, *keys: str) -> dict[str, Any] | None:
        item = message.get(kind)
        if item is None:
            return None
        if isinstance(item, list):  # photo: the largest size is last
            item = item[-1]
        view = {"file_id": item["file_id"], "url": f"/api/files/{item['file_id']}"}
        view.update({key: item.get(key) for key in keys})
        return view

    def contact_view() -> dict[str, Any] | None:
        item = message.get("contact")
        if item is None:
            return None
        return {"phone_number": item["phone_number"], "first_name": item["first_name"]}

    reply_to = message.get("reply_to_message")
    return {
        "message_id": stored.message_id,
        "seq": stored.seq,
        "from": "bot" if stored.from_bot else "user",
        "sender_name": message["from"]["first_name"],
        "date": message["date"],
        "text": message.get("text"),
        "caption": message.get("caption"),
        "reply_markup": stored.markup,
        "reply_to_message_id": reply_to["message_id"] if reply_to else None,
        "voice": file_view("voice", "duration"),
        "audio": file_view("audio", "duration", "file_name"),
        "photo": file_view("photo", "width", "height"),
        "document": file_view("document", "file_name", "mime_type"),
        "sticker": file_view("sticker", "emoji"),
        "contact": contact_view(),
        "edited": stored.edited,
        "deleted": stored.deleted,
        "protect_content": bool(message.get("has_protected_content")),
        "forwarded_from": (message.get("forward_origin") or {})
        .get("sender_user", {})
        .get("first_name"),
    }


async def get_messages(request: web.Request) -> web.Response:
    """Changes of a chat after `since`, held up to `wait` seconds while there are none."""
    emulator = _emulator(request)
    chat_id = _chat_id(request)
    since = _int(request.query.get("since", 0), "since")
    try:
        wait = min(max(float(request.query.get("wait", 0)), 0.0), MAX_WAIT)
    except ValueError:
        raise _error(400, "wait must be a number of seconds") from None
    clock = asyncio.get_running_loop()
    deadline = clock.time() + wait
    while True:
        log = emulator.chat_log(chat_id)  # looked up again: POST /api/reset replaces chats
        reset = since > log.seq
        after = 0 if reset else since
        changes = log.changes_since(after)
        notices = log.notices_since(after)
        remaining = deadline - clock.time()
        if changes or notices or reset or remaining <= 0 or emulator.closing:
            return web.json_response(
                {
                    "seq": log.seq,
                    "messages": [message_view(stored) for stored in changes],
                    "notices": notices,
                    "reset": reset,
                }
            )
        await log.changed.wait(remaining)


async def get_file(request: web.Request) -> web.Response:
    stored = _emulator(request).files.get(request.match_info["file_id"])
    if stored is None:
        raise _error(404, "no file with this file_id")
    headers = {"Cache-Control": "max-age=86400"}
    if stored.file_name:
        headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(stored.file_name)}"
    return web.Response(body=stored.data, content_type=stored.mime_type, headers=headers)


async def get_stats(request: web.Request) -> web.Response:
    return web.json_response(_emulator(request).stats())


def _method(name: Any) -> str:
    method = canonical_method(str(name or ""))
    if method is None:
        raise _error(400, "method must be a Bot API method the emulator knows")
    return method


def _counted_fault(options: dict[str, Any]) -> Fault:
    """A fault for the next `count` calls: an error reply, a dropped line, or a timeout."""
    count = _int(options.get("count", 1), "count")
    if count < 1:
        raise _error(400, "count must be at least 1")
    if options.get("timeout") is not None:
        return Fault(disconnect=True, count=count, hold=_seconds(options["timeout"], "timeout"))
    if options.get("disconnect"):
        return Fault(disconnect=True, count=count)
    code = _int(options.get("error_code", 429), "error_code")
    retry_after = options.get("retry_after", 1 if code == 429 else None)
    retry_after = _int(retry_after, "retry_after") if retry_after is not None else None
    description = str(options.get("description") or error_text(code, retry_after))
    return Fault(code, description, retry_after, count=count)


def _share(value: Any) -> float:
    try:
        share = float(value) if not isinstance(value, bool) else -1.0
    except (TypeError, ValueError):
        share = -1.0
    if not 0 <= share <= 1:
        raise _error(400, "share must be a number from 0 to 1")
    return share


def _fault_share(options: dict[str, Any]) -> FaultShare:
    """Faults by share: {"share", "kinds", "methods", "seed", "retry_after", "timeout"}."""
    share = _share(options["share"])
    kinds = options.get("kinds", list(FAULT_KINDS))
    if not isinstance(kinds, list) or not kinds or any(str(k) not in FAULT_KINDS for k in kinds):
        raise _error(400, f"kinds must be a non-empty list of {', '.join(FAULT_KINDS)}")
    methods = options.get("methods")
    if methods is not None and not isinstance(methods, list):
        raise _error(400, "methods must be a list of Bot API method names")
    seed = options.get("seed")
    retry_after = _int(options.get("retry_after", 1), "retry_after")
    if retry_after < 1:
        raise _error(400, "retry_after must be at least 1")
    return FaultShare(
        share=share,
        kinds=tuple(str(kind) for kind in kinds),
        methods=None if methods is None else frozenset(_method(name) for name in methods),
        seed=None if seed is None else _int(seed, "seed"),
        retry_after=retry_after,
        timeout=_seconds(options.get("timeout", 6), "timeout"),
    )


async def post_fault(request: web.Request) -> web.Response:
    options, _ = await _options(request)
    emulator = _emulator(request)
    if "share" in options:
        emulator.fault_share = _fault_share(options)
        return web.json_response({"share": emulator.fault_share.as_json()})
    method = _method(options.get("method"))
    emulator.add_fault(method, _counted_fault(options))
    return web.json_response({"method": method, "pending": len(emulator.faults[method])})


async def get_faults(request: web.Request) -> web.Response:
    emulator = _emulator(request)
    faults = emulator.faults
    body: dict[str, Any] = {
        method: [vars(fault) for fault in queue] for method, queue in faults.items() if queue
    }
    body["share"] = emulator.fault_share.as_json() if emulator.fault_share else None
    return web.json_response(body)


async def delete_faults(request: web.Request) -> web.Response:
    _emulator(request).clear_faults()
    return web.json_response({"ok": True})


async def post_raw_update(request: web.Request) -> web.Response:
    """Queue any JSON object as an update, for tests of input the bot cannot parse."""
    options, _ = await _options(request)
    update = options.get("update")
    if not isinstance(update, dict):
        raise _error(400, "update must be a JSON object")
    given = update.get("update_id")
    if "update_id" in update and (not isinstance(given, int) or isinstance(given, bool)):
        raise _error(400, "update_id must be an integer (or left out)")
    update_id = _emulator(request).push_raw_update(update)
    return web.json_response({"update_id": update_id})


async def post_reset(request: web.Request) -> web.Response:
    options, _ = await _options(request)
    _emulator(request).reset(keep_files=bool(options.get("keep_files")))
    return web.json_response({"ok": True})


def add_routes(app: web.Application) -> None:
    router = app.router
    for action, handler in (
        ("text", post_text),
        ("command", post_command),
        ("press", post_press),
        ("edit", post_edit),
        ("voice", post_voice),
        ("photo", post_photo),
        ("document", post_document),
        ("sticker", post_sticker),
        ("contact", post_contact),
    ):
        router.add_post(f"/api/chats/{{chat_id}}/{action}", handler)
    router.add_post("/api/chats/{chat_id}", post_chat)
    router.add_post("/api/raw_update", post_raw_update)
    router.add_get("/api/chats/{chat_id}/messages", get_messages)
    router.add_get("/api/files/{file_id}", get_file)
    router.add_get("/api/stats", get_stats)
    router.add_post("/api/faults", post_fault)
    router.add_get("/api/faults", get_faults)
    router.add_delete("/api/faults", delete_faults)
    router.add_post("/api/reset", post_reset)
