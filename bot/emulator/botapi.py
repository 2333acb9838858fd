"""The Bot API side: `/bot{token}/{method}` and `/file/bot{token}/{file_path}`.

Any token is accepted. Replies have Telegram's shapes and error texts, so the bot's own error
handling (400 wrong file identifier, 429 retry_after, message not modified) is exercised as in
production. Faults set through the control API are applied here, after the body is read and
before the method runs, so a failed call has no effect. With a webhook set, one task POSTs the
pending updates to it (`deliver_webhook`).
"""

from __future__ import annotations

import asyncio
import copy
import html
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from bot.emulator import media, objects
from bot.emulator.params import BotApiError, Params, Upload, bad_request, read_params
from bot.emulator.state import (
    BOT_USER,
    CallbackQuery,
    ChatLog,
    Emulator,
    Fault,
    StoredMessage,
    Webhook,
)

EMULATOR_KEY = web.AppKey("emulator", Emulator)
Method = Callable[[Emulator, Params], Awaitable[Any]]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_TAG = re.compile(r"<[^>]+>")
# Boolean fields of ReplyKeyboardMarkup, ReplyKeyboardRemove and ForceReply, and of buttons.
_MARKUP_FLAGS = (
    "remove_keyboard",
    "force_reply",
    "one_time_keyboard",
    "resize_keyboard",
    "is_persistent",
    "selective",
)
_BUTTON_FLAGS = ("request_contact", "request_location")
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
DELIVERY_TIMEOUT = aiohttp.ClientTimeout(total=10)
FIRST_RETRY = 0.5  # seconds; doubles after each failed delivery, up to LAST_RETRY
LAST_RETRY = 5.0
IDLE_CHECK = 30.0
logger = logging.getLogger(__name__)


def _chat(emulator: Emulator, params: Params) -> ChatLog:
    try:
        chat_id = params.require_int("chat_id")
    except BotApiError:
        if params.has("chat_id"):  # "@username" and other names the emulator does not know
            raise bad_request("chat not found") from None
        raise
    log = emulator.known_chat(chat_id)
    if log is None:
        raise bad_request("chat not found")
    return log


def _plain(text: str, parse_mode: str | None) -> str:
    """Text as a user would read it; only HTML markup is removed (Markdown is kept as is)."""
    if parse_mode and parse_mode.lower() == "html":
        return html.unescape(_TAG.sub("", text))
    return text


def _reply_keyboard(markup: dict[str, Any]) -> None:
    """Check a ReplyKeyboardMarkup / ReplyKeyboardRemove / ForceReply with Telegram's errors."""
    for name in _MARKUP_FLAGS:
        if name in markup and not isinstance(markup[name], bool):
            raise bad_request(f'field "{name}" must be of type Boolean')
    rows = markup.get("keyboard")
    if rows is None:
        return
    if not isinstance(rows, list):
        raise bad_request('field "keyboard" must be of type Array')
    for row in rows:
        if not isinstance(row, list):
            raise bad_request("expected an Array of KeyboardButton")
        for button in row:
            if isinstance(button, str):  # a plain string is a text button
                text = button
            elif isinstance(button, dict):
                text = button.get("text")
                if text is None:
                    raise bad_request("can't parse keyboard button: Can't find field \"text\"")
                if not isinstance(text, str):
                    raise bad_request(
                        'can\'t parse keyboard button: Field "text" must be of type String'
                    )
                for name in _BUTTON_FLAGS:
                    if name in button and not isinstance(button[name], bool):
                        raise bad_request(
                            f'can\'t parse keyboard button: Field "{name}" must be of type Boolean'
                        )
            else:
                raise bad_request(
                    "can't parse keyboard button: KeyboardButton must be a String or an Object"
                )
            if not text.strip():
                raise bad_request("BUTTON_TEXT_INVALID")


def _markup(params: Params) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The reply_markup as sent, and the part Telegram puts on the Message (inline only)."""
    markup = params.get_json("reply_markup")
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        _reply_keyboard(markup)  # reply keyboards stay off the Message, as on Telegram
        return markup, None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and len(str(data).encode()) > MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup, markup


def _caption(params: Params) -> str | None:
    caption = params.get_str("caption")
    if not caption:
        return None
    caption = _plain(caption, params.get_str("parse_mode"))
    if len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return caption


def _reply_to(log: ChatLog, params: Params, content: dict[str, Any]) -> None:
    reply = params.get_json("reply_parameters")
    message_id = reply.get("message_id") if isinstance(reply, dict) else None
    message_id = message_id or params.get_int("reply_to_message_id")
    target = log.messages.get(int(message_id)) if message_id else None
    if target is not None and not target.deleted:
        content["reply_to_message"] = target.message


def _send(
    emulator: Emulator, log: ChatLog, params: Params, content: dict[str, Any]
) -> dict[str, Any]:
    sent, inline = _markup(params)
    if inline is not None:
        content["reply_markup"] = inline
    if params.get_bool("protect_content"):
        content["has_protected_content"] = True  # no forwarding, no saving
    _reply_to(log, params, content)
    return emulator.add_message(log, BOT_USER, content, markup=sent).message


# What a copy or a forward carries over of the original message (never its keyboard): its
# content, one of these, and the caption and entities that go with it.
_CONTENT = ("text", "voice", "audio", "photo", "document", "sticker", "video", "animation",
            "video_note", "contact")  # fmt: skip
_COPIED = (*_CONTENT, "caption", "entities", "caption_entities")
_PAST = {"copy": "copied", "forward": "forwarded"}


def _original(emulator: Emulator, params: Params, what: str) -> dict[str, Any]:
    """The message to copy or forward: one the bot sent, or one a user sent to the bot (a
    learner's voice note), found by from_chat_id and message_id."""
    chat_id = params.get_int("from_chat_id")
    log = emulator.known_chat(chat_id) if chat_id is not None else None
    message_id = params.get_int("message_id")
    stored = log.messages.get(message_id) if log is not None and message_id else None
    if stored is None or stored.deleted:
        raise bad_request(f"message to {what} not found")
    if stored.message.get("has_protected_content"):
        raise bad_request(f"message can't be {_PAST[what]}")  # as Telegram: protected stays
    return stored.message


def _content(original: dict[str, Any], what: str) -> dict[str, Any]:
    """What the new message shows of the original: the same text or file ids."""
    content = {key: copy.deepcopy(value) for key, value in original.items() if key in _COPIED}
    if not any(key in content for key in _CONTENT):  # nothing a chat could show again
        raise bad_request(f"message to {what} not found")
    return content


def _new_caption(content: dict[str, Any], params: Params) -> None:
    """copyMessage's caption replaces the media's own ("" removes it); a text has none."""
    if "text" in content or params.values.get("caption") is None:
        return
    content.pop("caption", None)
    content.pop("caption_entities", None)
    caption = _caption(params)
    if caption:
        content["caption"] = caption


async def copy_message(emulator: Emulator, params: Params) -> Any:
    """copyMessage: the content again, without a link to the original. Returns only the new
    MessageId, as Telegram does."""
    log = _chat(emulator, params)
    content = _content(_original(emulator, params, "copy"), "copy")
    _new_caption(content, params)
    message = _send(emulator, log, params, content)
    return {"message_id": message["message_id"]}


async def forward_message(emulator: Emulator, params: Params) -> Any:
    """forwardMessage: the content with who sent it first (``forward_origin``)."""
    log = _chat(emulator, params)
    original = _original(emulator, params, "forward")
    content = _content(original, "forward")
    content["forward_origin"] = {
        "type": "user",
        "sender_user": original["from"],
        "date": original["date"],
    }
    return _send(emulator, log, params, content)


def _bot_message(emulator: Emulator, params: Params, action: str) -> tuple[ChatLog, StoredMessage]:
    if params.has("inline_message_id"):
        raise bad_request("inline messages are not supported by the emulator")
    log = _chat(emulator, params)
    stored = log.messages.get(params.require_int("message_id"))
    if stored is None or stored.deleted:
        raise bad_request(f"message to {action} not found")
    return log, stored


def _apply_edit(
    log: ChatLog, stored: StoredMessage, field: str | None, value: str | None, params: Params
) -> dict[str, Any]:
    """Change one field and the inline keyboard of a bot message, as editMessage* do."""
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    message = stored.message
    sent, inline = _markup(params)
    if field is not None and value == message.get(field) and inline == message.get("reply_markup"):
        raise bad_request(NOT_MODIFIED)
    if field is None and inline == message.get("reply_markup"):
        raise bad_request(NOT_MODIFIED)
    if field is not None:
        if value:
            message[field] = value
        else:
            message.pop(field, None)
    if inline is None:
        message.pop("reply_markup", None)
    else:
        message["reply_markup"] = inline
    message["edit_date"] = int(time.time())
    stored.markup = sent
    stored.edited = True
    log.touch(stored)
    return message


# Methods. Each takes the emulator and the call's parameters and returns the "result".


async def get_me(emulator: Emulator, params: Params) -> Any:
    return objects.GET_ME


def _allowed_updates(emulator: Emulator, params: Params) -> None:
    """getUpdates and setWebhook share one allowed_updates setting, as on Telegram."""
    allowed = params.get_json("allowed_updates")
    if isinstance(allowed, list):
        emulator.allowed_updates = frozenset(allowed) if allowed else None


async def get_updates(emulator: Emulator, params: Params) -> Any:
    """Long-poll: answer at once when updates are pending, else hold up to `timeout` seconds."""
    if emulator.webhook is not None:
        raise BotApiError(409, WEBHOOK_CONFLICT)
    offset = params.get_int("offset")
    limit = min(max(params.get_int("limit", 100) or 100, 1), 100)
    timeout = max(params.get_int("timeout", 0) or 0, 0)
    _allowed_updates(emulator, params)
    if offset is not None:
        emulator.confirm_updates(offset)
    # A newer getUpdates ends older ones with 409, as Telegram does for two running bots.
    emulator.poll_generation += 1
    generation = emulator.poll_generation
    emulator.updates_changed.fire()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if emulator.webhook is not None:  # set while this call waited
            raise BotApiError(409, WEBHOOK_CONFLICT)
        if emulator.poll_generation != generation:
            raise BotApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        found = emulator.pending_updates(limit)
        remaining = deadline - loop.time()
        if found or remaining <= 0 or emulator.closing:
            return found
        await emulator.updates_changed.wait(remaining)


async def delete_webhook(emulator: Emulator, params: Params) -> Any:
    if params.get_bool("drop_pending_updates"):
        emulator.updates.clear()
    emulator.use_webhook(None)
    return True


def _webhook(params: Params) -> Webhook | None:
    """The webhook setWebhook asks for (None for an empty url), checked before any effect.

    Unlike Telegram, plain http and any port are accepted: test webhooks run on loopback."""
    url = (params.get_str("url") or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get_str("secret_token") or None
    if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = min(max(params.get_int("max_connections", 40) or 40, 1), 100)
    return Webhook(url, secret, max_connections)


async def set_webhook(emulator: Emulator, params: Params) -> Any:
    webhook = _webhook(params)
    _allowed_updates(emulator, params)
    if params.get_bool("drop_pending_updates"):
        emulator.updates.clear()
    emulator.use_webhook(webhook)
    if webhook is not None and (emulator.delivery is None or emulator.delivery.done()):
        emulator.delivery = asyncio.create_task(deliver_webhook(emulator))
    return True


async def get_webhook_info(emulator: Emulator, params: Params) -> Any:
    webhook = emulator.webhook
    info: dict[str, Any] = {
        "url": webhook.url if webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(emulator.updates),
    }
    if webhook is not None:
        info["max_connections"] = webhook.max_connections
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
        if emulator.allowed_updates is not None:
            info["allowed_updates"] = sorted(emulator.allowed_updates)
    return info


async def _post_update(emulator: Emulator, webhook: Webhook, update: dict[str, Any]) -> str | None:
    """POST one update to the webhook: None when it answered 2xx, else what went wrong."""
    headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else None
    try:
        async with emulator.http().post(
            webhook.url, json=update, headers=headers, timeout=DELIVERY_TIMEOUT
        ) as response:
            if 200 <= response.status < 300:
                return None
            return f"Wrong response from the webhook: {response.status} {response.reason}"
    except asyncio.TimeoutError:
        return "Read timeout expired"
    except aiohttp.ClientConnectorError:
        return "Connection refused"
    except aiohttp.ClientError as error:
        return f"Connection error: {type(error).__name__}"


async def deliver_webhook(emulator: Emulator) -> None:
    """Send pending updates to the webhook one at a time, oldest first, moving on only after a
    2xx answer; a failure is recorded for getWebhookInfo and retried after a growing pause.
    Ends when the webhook is removed or the emulator closes."""
    delay = FIRST_RETRY
    while not emulator.closing and (webhook := emulator.webhook) is not None:
        pending = emulator.pending_updates(1)
        if not pending:
            await emulator.updates_changed.wait(IDLE_CHECK)  # also fired by use_webhook
            continue
        update = pending[0]
        error = await _post_update(emulator, webhook, update)
        if error is None:
            emulator.delivered(update)
            delay = FIRST_RETRY
            continue
        logger.info("Webhook delivery of update %s failed: %s", update["update_id"], error)
        webhook.failed(error)
        await emulator.webhook_changed.wait(delay)
        delay = min(delay * 2, LAST_RETRY)


def _commands_key(params: Params) -> str:
    scope = params.get_json("scope") or {"type": "default"}
    return (
        "commands:"
        + json.dumps(scope, sort_keys=True)
        + ":"
        + (params.get_str("language_code") or "")
    )


async def set_my_commands(emulator: Emulator, params: Params) -> Any:
    commands = params.get_json("commands")
    if not isinstance(commands, list) or not all(
        isinstance(c, dict) and c.get("command") and c.get("description") for c in commands
    ):
        raise bad_request("can't parse commands JSON object")
    emulator.bot_settings[_commands_key(params)] = commands
    return True


async def get_my_commands(emulator: Emulator, params: Params) -> Any:
    return emulator.bot_settings.get(_commands_key(params), [])


async def delete_my_commands(emulator: Emulator, params: Params) -> Any:
    emulator.bot_settings.pop(_commands_key(params), None)
    return True


def _setting(name: str) -> tuple[Method, Method]:
    """A setter and a getter for a per-language bot text (description, short_description...)."""

    async def setter(emulator: Emulator, params: Params) -> Any:
        emulator.bot_settings[f"{name}:{params.get_str('language_code') or ''}"] = (
            params.get_str(name) or ""
        )
        return True

    async def getter(emulator: Emulator, params: Params) -> Any:
        key = f"{name}:{params.get_str('language_code') or ''}"
        return {name: emulator.bot_settings.get(key, "")}

    return setter, getter


async def set_chat_menu_button(emulator: Emulator, params: Params) -> Any:
    emulator.bot_settings["menu_button"] = params.get_json("menu_button") or {"type": "default"}
    return True


async def get_chat_menu_button(emulator: Emulator, params: Params) -> Any:
    return emulator.bot_settings.get("menu_button", {"type": "default"})


async def get_chat(emulator: Emulator, params: Params) -> Any:
    log = _chat(emulator, params)
    assert log.chat is not None
    return objects.chat_full_info(log.chat)


async def send_message(emulator: Emulator, params: Params) -> Any:
    log = _chat(emulator, params)
    text = _plain(params.get_str("text") or "", params.get_str("parse_mode"))
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return _send(emulator, log, params, {"text": text})


def _media_sender(kind: str) -> Method:
    """sendVoice, sendPhoto, ...: an upload is stored and counted, a file_id must exist."""
    folder, default_mime, default_extension = objects.MEDIA_KINDS[kind]

    async def send(emulator: Emulator, params: Params) -> Any:
        log = _chat(emulator, params)
        caption = _caption(params)
        _markup(params)  # a bad keyboard must fail before the upload is stored
        given = params.get_file(kind)
        if given is None:
            raise bad_request(f"there is no {kind} in the request")
        if isinstance(given, Upload):
            stored = _store_upload(emulator, kind, given, params)
        else:
            found = emulator.files.get(given)
            if found is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            stored = found
        content: dict[str, Any] = {
            kind: objects.media_object(kind, stored, params.get_str("emoji"))
        }
        if caption and kind != "sticker":
            content["caption"] = caption
        return _send(emulator, log, params, content)

    def _store_upload(emulator: Emulator, kind: str, upload: Upload, params: Params) -> Any:
        sent_type = upload.content_type or ""
        mime = sent_type if sent_type and sent_type != "application/octet-stream" else ""
        mime = media.guess_mime(upload.data, mime or default_mime)
        details: dict[str, Any] = {}
        if kind in ("voice", "audio"):
            details["duration"] = (
                params.get_int("duration") or media.ogg_opus_duration(upload.data) or 1
            )
        if kind in ("photo", "sticker"):
            details["width"], details["height"] = media.image_size(upload.data) or (512, 512)
        if kind in ("document", "audio"):
            details["file_name"] = upload.filename or f"{kind}.{default_extension}"
        emulator.uploads += 1
        extension = objects.EXTENSIONS.get(mime, default_extension)
        return emulator.store_file(folder, upload.data, mime, extension, **details)

    return send


async def send_chat_action(emulator: Emulator, params: Params) -> Any:
    _chat(emulator, params)
    if not params.get_str("action"):
        raise bad_request("wrong parameter action in request")
    return True


async def answer_callback_query(emulator: Emulator, params: Params) -> Any:
    query: CallbackQuery | None = emulator.callbacks.get(params.get_str("callback_query_id") or "")
    if query is None or query.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    query.answered = True
    emulator.callback_answers += 1
    text = params.get_str("text")
    if text:
        emulator.chat_log(query.chat_id).notice(text, params.get_bool("show_alert"))
    return True


async def edit_message_text(emulator: Emulator, params: Params) -> Any:
    log, stored = _bot_message(emulator, params, "edit")
    if stored.from_bot and "text" not in stored.message:
        raise bad_request("there is no text in the message to edit")
    text = _plain(params.get_str("text") or "", params.get_str("parse_mode"))
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return _apply_edit(log, stored, "text", text, params)


async def edit_message_caption(emulator: Emulator, params: Params) -> Any:
    log, stored = _bot_message(emulator, params, "edit")
    return _apply_edit(log, stored, "caption", _caption(params), params)


async def edit_message_reply_markup(emulator: Emulator, params: Params) -> Any:
    log, stored = _bot_message(emulator, params, "edit")
    return _apply_edit(log, stored, None, None, params)


async def delete_message(emulator: Emulator, params: Params) -> Any:
    log, stored = _bot_message(emulator, params, "delete")
    stored.deleted = True
    log.touch(stored)
    return True


async def get_file(emulator: Emulator, params: Params) -> Any:
    stored = emulator.files.get(params.get_str("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.as_file()


async def always_true(emulator: Emulator, params: Params) -> Any:
    return True


def methods() -> dict[str, tuple[str, Method]]:
    """Bot API methods by lower-case name (Telegram ignores case) -> (name, implementation)."""
    table: dict[str, Method] = {
        "getMe": get_me,
        "getUpdates": get_updates,
        "deleteWebhook": delete_webhook,
        "setWebhook": set_webhook,
        "getWebhookInfo": get_webhook_info,
        "setMyCommands": set_my_commands,
        "getMyCommands": get_my_commands,
        "deleteMyCommands": delete_my_commands,
        "setChatMenuButton": set_chat_menu_button,
        "getChatMenuButton": get_chat_menu_button,
        "getChat": get_chat,
        "sendMessage": send_message,
        "copyMessage": copy_message,
        "forwardMessage": forward_message,
        "sendVoice": _media_sender("voice"),
        "sendAudio": _media_sender("audio"),
        "sendPhoto": _media_sender("photo"),
        "sendDocument": _media_sender("document"),
        "sendSticker": _media_sender("sticker"),
        "sendChatAction": send_chat_action,
        "answerCallbackQuery": answer_callback_query,
        "editMessageText": edit_message_text,
        "editMessageCaption": edit_message_caption,
        "editMessageReplyMarkup": edit_message_reply_markup,
        "deleteMessage": delete_message,
        "getFile": get_file,
        "logOut": always_true,
        "close": always_true,
    }
    for name in ("description", "short_description", "name"):
        setter, getter = _setting(name)
        title = "".join(part.title() for part in name.split("_"))
        table[f"setMy{title}"] = setter
        table[f"getMy{title}"] = getter
    return {name.lower(): (name, method) for name, method in table.items()}


def canonical_method(name: str) -> str | None:
    """The Bot API spelling of a method name, or None if the emulator does not know it."""
    found = methods().get(name.lower())
    return found[0] if found else None


async def _drop_connection(request: web.Request) -> web.StreamResponse:
    """Close the socket without an answer: the client sees a network error."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise asyncio.CancelledError


async def _fail(request: web.Request, emulator: Emulator, fault: Fault) -> web.StreamResponse:
    """Answer a call as its fault says; the method never runs, so the call has no effect."""
    if fault.hold:  # a timeout: the client gives up first, or sees the line drop afterwards
        await emulator.hold(fault.hold)
    if fault.disconnect or fault.hold:
        return await _drop_connection(request)
    parameters = {"retry_after": fault.retry_after} if fault.retry_after else None
    return BotApiError(fault.error_code, fault.description, parameters).response()


async def handle_method(request: web.Request) -> web.StreamResponse:
    emulator = request.app[EMULATOR_KEY]
    found = request.app[METHODS_KEY].get(request.match_info["method"].lower())
    if found is None:
        return web.json_response(NOT_FOUND, status=404)
    name, method = found
    emulator.method_calls[name] += 1
    try:
        params = await read_params(request)
        fault = emulator.take_fault(name)
        if fault is not None:
            return await _fail(request, emulator, fault)
        result = await method(emulator, params)
    except BotApiError as error:
        return error.response()
    return web.json_response({"ok": True, "result": result})


async def handle_file(request: web.Request) -> web.StreamResponse:
    stored = request.app[EMULATOR_KEY].files_by_path.get(request.match_info["file_path"])
    if stored is None:
        return web.json_response(NOT_FOUND, status=404)
    return web.Response(body=stored.data, content_type=stored.mime_type)


METHODS_KEY = web.AppKey("bot_api_methods", dict)


def add_routes(app: web.Application) -> None:
    app[METHODS_KEY] = methods()
    app.router.add_route("*", "/bot{token}/{method}", handle_method)
    app.router.add_get("/file/bot{token}/{file_path:.+}", handle_file)
