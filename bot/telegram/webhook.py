"""Webhook mode: Telegram POSTs each update to a path on the bot's own web server.

A request must carry the secret given to setWebhook in ``X-Telegram-Bot-Api-Secret-Token``
(compared in constant time); without it the answer is 401 and nothing is read further. The
update is written to the inbox before the answer 200, so a crash after the 200 loses
nothing; when it cannot be written the answer is 503 and Telegram sends it again.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web

from bot.telegram.delivery import Delivery

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # an update is a few kilobytes; refuse more before reading it


def webhook_path(url: str) -> str:
    """The path of the configured webhook URL, where the web server listens."""
    return urlsplit(url).path or "/"


def add_webhook(
    app: web.Application, path: str, secret: str, delivery: Callable[[], Delivery | None]
) -> None:
    """Serve ``path``; ``delivery()`` is the delivery layer once the bot is started (the
    route must exist before the server starts, the bot needs the server's address)."""
    expected = secret.encode()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            logger.warning("Webhook: a request without the right secret was refused")
            return web.Response(status=401)
        if (request.content_length or 0) > MAX_BODY:
            return web.Response(status=413)
        try:
            update = json.loads(await request.read())
        except ValueError:
            return web.Response(status=400)
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            logger.warning("Webhook: a body that is no update was ignored")
            return web.Response(status=200)  # answering 4xx would make Telegram send it again
        receiver = delivery()
        if receiver is None:
            return web.Response(status=503)  # still starting: Telegram sends it again
        try:
            await receiver.receive([update])
        except Exception as error:
            logger.warning("Webhook: the inbox is unavailable (%s); Telegram will retry",
                           type(error).__name__)  # fmt: skip
            return web.Response(status=503)
        return web.Response(status=200)

    app.router.add_post(path, receive)
