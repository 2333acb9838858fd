"""Builds the emulator's web application and runs it: inside a running loop (`start`, for the
bot's `run` without a token and for tests) or on its own (`serve_forever`, for the CLI).

    running = await start("127.0.0.1", 0)
    bot = telegram.Bot("123:abc", base_url=running.bot_base_url,
                       base_file_url=running.file_base_url)
    ...
    await running.stop()
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.emulator import botapi, control
from bot.emulator.state import Emulator
from bot.web import SHUTDOWN_TIMEOUT, start_site, url_host

MAX_UPLOAD = 50 * 1024 * 1024  # Telegram's limit for files a bot uploads
logger = logging.getLogger(__name__)


def _static_dir() -> Path:
    return Path(__file__).with_name("static")


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(_static_dir() / "index.html", headers={"Cache-Control": "no-cache"})


def create_app(emulator: Emulator | None = None) -> web.Application:
    """The aiohttp application: Bot API, control API, and the web chat at `/`."""
    app = web.Application(client_max_size=MAX_UPLOAD)
    app[botapi.EMULATOR_KEY] = emulator = emulator or Emulator()

    async def close_polls(app: web.Application) -> None:
        emulator.close()  # long-polls answer now instead of holding the shutdown

    async def close_delivery(app: web.Application) -> None:
        await emulator.aclose()  # the webhook task and its client session

    app.on_shutdown.append(close_polls)
    app.on_cleanup.append(close_delivery)
    botapi.add_routes(app)
    control.add_routes(app)
    app.router.add_get("/", _index)
    app.router.add_static("/static/", _static_dir())
    return app


@dataclass
class Running:
    """An emulator serving in the current event loop."""

    base_url: str
    emulator: Emulator
    runner: web.AppRunner

    @property
    def bot_base_url(self) -> str:
        """python-telegram-bot's `base_url` (it appends the token and the method)."""
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        """python-telegram-bot's `base_file_url`."""
        return f"{self.base_url}/file/bot"

    async def stop(self) -> None:
        await self.runner.cleanup()


async def start(
    host: str = "127.0.0.1", port: int = 0, emulator: Emulator | None = None
) -> Running:
    """Serve in the running loop; port 0 picks a free port (see `Running.base_url`)."""
    app = create_app(emulator)
    runner, base_url = await start_site(app, host, port)
    logger.info("Telegram emulator and web chat on %s", base_url)
    return Running(base_url=base_url, emulator=app[botapi.EMULATOR_KEY], runner=runner)


def serve_forever(host: str = "127.0.0.1", port: int = 8080) -> None:
    """Serve until interrupted (Ctrl+C): `taalmaatje emulator`."""
    app = create_app()
    print(f"Web chat: http://{url_host(host)}:{port}/")
    print(f"Bot API:  TELEGRAM_BASE_URL=http://{url_host(host)}:{port}/bot")
    web.run_app(
        app,
        host=host,
        port=port,
        print=None,
        access_log=None,
        handler_cancellation=True,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
    )
