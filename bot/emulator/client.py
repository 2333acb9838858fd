"""A client for the emulator's control API: plays learners for tests and the benchmark."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp


class TurnTimeout(AssertionError):
    """The bot did not answer as expected in time."""


@dataclass
class ChatView:
    """What one chat has seen so far, kept in step with the emulator's change counter."""

    chat_id: int
    seq: int = 0
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)

    def bot_messages(self) -> list[dict[str, Any]]:
        return [m for _, m in sorted(self.messages.items()) if m["from"] == "bot"]


def text_of(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""


def buttons_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def ends_turn(new: list[dict[str, Any]]) -> bool:
    """A spoken turn ends with the message that carries "Nog eens" (the replay buttons), or
    with a question whose answer is on a reply keyboard (Telegram's contact button)."""
    if not new:
        return False
    last = new[-1]
    if (last.get("reply_markup") or {}).get("keyboard"):
        return True
    return any(b.get("callback_data") == "/herhalen" for b in buttons_of(last))


class EmulatorClient:
    def __init__(self, base_url: str, session: aiohttp.ClientSession | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._own_session = session is None
        self.chats: dict[int, ChatView] = {}

    async def __aenter__(self) -> EmulatorClient:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=200)
            self._session = aiohttp.ClientSession(connector=connector)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "use EmulatorClient as an async context manager"
        return self._session

    def view(self, chat_id: int) -> ChatView:
        return self.chats.setdefault(chat_id, ChatView(chat_id))

    async def post(self, path: str, payload: dict[str, Any] | None = None, **kw: Any) -> Any:
        async with self.session.post(f"{self.base_url}{path}", json=payload, **kw) as response:
            response.raise_for_status()
            return await response.json()

    async def get(self, path: str, **params: Any) -> Any:
        async with self.session.get(f"{self.base_url}{path}", params=params) as response:
            response.raise_for_status()
            return await response.json()

    async def sync(self, chat_id: int, wait: float = 0.0) -> list[dict[str, Any]]:
        """Fetch the chat's changes since last time; returns the changed messages."""
        view = self.view(chat_id)
        data = await self.get(f"/api/chats/{chat_id}/messages", since=view.seq, wait=wait)
        if data.get("reset"):
            view.messages.clear()
        for message in data["messages"]:
            view.messages[message["message_id"]] = message
        view.seq = data["seq"]
        return data["messages"]

    async def act(
        self,
        chat_id: int,
        kind: str,
        payload: dict[str, Any] | None = None,
        *,
        expect: int = 1,
        timeout: float = 20.0,
        settle: float = 0.0,
        until: Callable[[list[dict[str, Any]]], bool] | None = None,
    ) -> list[dict[str, Any]]:
        """Do something as the learner and return the bot messages that answered it.

        Waits until ``expect`` new bot messages arrived (or ``until(new)`` holds), then
        ``settle`` seconds more to catch any extra ones (tests use this to assert nothing
        more was sent).
        """
        await self.sync(chat_id)
        known = {m["message_id"] for m in self.view(chat_id).bot_messages()}
        await self.post(f"/api/chats/{chat_id}/{kind}", payload or {})
        deadline = time.monotonic() + timeout
        new: list[dict[str, Any]] = []
        while True:
            new = [m for m in self.view(chat_id).bot_messages() if m["message_id"] not in known]
            if until(new) if until else len(new) >= expect:
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TurnTimeout(
                    f"chat {chat_id}: expected {expect} bot messages after {kind}, got {len(new)}"
                )
            await self.sync(chat_id, wait=min(remaining, 10.0))
        if settle:
            await asyncio.sleep(settle)
            await self.sync(chat_id)
            new = [m for m in self.view(chat_id).bot_messages() if m["message_id"] not in known]
        return new

    async def say(self, chat_id: int, text: str, **kw: Any) -> list[dict[str, Any]]:
        return await self.act(chat_id, "text", {"text": text}, **kw)

    async def command(self, chat_id: int, command: str, **kw: Any) -> list[dict[str, Any]]:
        return await self.act(chat_id, "command", {"command": command}, **kw)

    async def press(
        self, chat_id: int, message_id: int, data: str, **kw: Any
    ) -> list[dict[str, Any]]:
        return await self.act(chat_id, "press", {"message_id": message_id, "data": data}, **kw)

    async def contact(self, chat_id: int, phone_number: str, **kw: Any) -> list[dict[str, Any]]:
        """Share a phone number, as a tap on a request_contact button does."""
        return await self.act(chat_id, "contact", {"phone_number": phone_number}, **kw)

    async def stats(self) -> dict[str, Any]:
        return await self.get("/api/stats")

    async def fault(self, **fault: Any) -> None:
        await self.post("/api/faults", fault)

    async def file_bytes(self, url: str) -> bytes:
        async with self.session.get(f"{self.base_url}{url}") as response:
            response.raise_for_status()
            return await response.read()
