"""The aiohttp transport keeps python-telegram-bot's contract: data, files, errors."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.telegram.transport import AiohttpRequest


@pytest.fixture
async def server():
    seen: dict[str, object] = {}

    async def echo(request: web.Request) -> web.Response:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            seen["fields"] = {k: v for k, v in form.items() if isinstance(v, str)}
            upload = form["voice"]
            seen["file"] = (upload.filename, upload.file.read(), upload.content_type)
        else:
            seen["fields"] = dict(await request.post())
        return web.json_response({"ok": True, "result": True})

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/echo", echo)
    app.router.add_post("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", seen
    await runner.cleanup()


async def test_form_fields_and_uploads_arrive_as_telegram_expects(server):
    url, seen = server
    request = AiohttpRequest()
    await request.initialize()
    try:
        data = RequestData(
            [
                RequestParameter.from_input("chat_id", 42),
                RequestParameter.from_input("reply_markup", {"inline_keyboard": []}),
                RequestParameter.from_input("voice", InputFile(b"OggS-bytes", filename="hoi.ogg")),
            ]
        )
        status, body = await request.do_request(f"{url}/echo", "POST", data)
    finally:
        await request.shutdown()
    assert status == 200 and b'"ok": true' in body
    assert seen["fields"] == {"chat_id": "42", "reply_markup": '{"inline_keyboard": []}'}
    assert seen["file"][0] == "hoi.ogg" and seen["file"][1] == b"OggS-bytes"


async def test_a_silent_server_is_a_timeout(server):
    url, _ = server
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{url}/slow", "POST", None)
    finally:
        await request.shutdown()


async def test_nobody_listening_is_a_network_error():
    request = AiohttpRequest(connect_timeout=1)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.do_request("http://127.0.0.1:9/nothing", "POST", None)
    finally:
        await request.shutdown()
