"""A separate action server (``taalmaatje actions``), for when actions run on another machine.

It speaks rasa_sdk's webhook protocol; point TAALMAATJE_ACTION_ENDPOINT at
``http://host:5055/webhook`` and the bot calls it instead of running actions in-process.
"""

from __future__ import annotations

from aiohttp import web
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException

from bot.settings import Settings


def create_app(executor: object) -> web.Application:
    async def webhook(request: web.Request) -> web.Response:
        payload = await request.json()
        try:
            result = await executor.run(payload)  # type: ignore[attr-defined]
        except ActionExecutionRejection as error:
            body = {"error": error.message, "action_name": error.action_name}
            return web.json_response(body, status=400)
        except ActionNotFoundException as error:
            body = {"error": error.message, "action_name": error.action_name}
            return web.json_response(body, status=404)
        return web.json_response(result)

    async def health(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/health", health)
    return app


def serve_forever(settings: Settings, host: str, port: int) -> None:
    from bot.actions import build_executor
    from bot.app import open_store

    store = open_store(settings)
    try:
        executor = build_executor(store.action_deps())
        web.run_app(create_app(executor), host=host, port=port, print=None)
    finally:
        store.close()
