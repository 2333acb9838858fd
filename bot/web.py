"""The bot's one web server (aiohttp, on TAALMAATJE_HOST:TAALMAATJE_PORT): the webhook
endpoint in webhook mode, and without a token the emulator and its web chat."""

from __future__ import annotations

from aiohttp import web

SHUTDOWN_TIMEOUT = 2.0


def url_host(host: str) -> str:
    """The host part of a URL that reaches a server bound to ``host``."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


async def start_site(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, str]:
    """Serve ``app`` in the running loop; port 0 picks a free port. Returns the runner (its
    ``cleanup`` stops the server) and the base URL."""
    # handler_cancellation frees long-polls of browsers and bots that went away.
    runner = web.AppRunner(
        app, handler_cancellation=True, access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT
    )
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound_port = runner.addresses[0][1]
    return runner, f"http://{url_host(host)}:{bound_port}"
