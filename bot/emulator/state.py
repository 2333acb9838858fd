"""In-memory state of the emulator: chats and their messages, pending updates, files, faults,
the webhook.

Everything is kept in dicts and per-chat ordered dicts so each request costs about the same
however many chats exist: the benchmark drives several hundred requests a second. Long-polls
wait on a `Signal` instead of sleeping, so they answer the moment something changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time
from collections import Counter, OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

import aiohttp

BOT_ID = 1000
BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Taalmaatje",
    "username": "taalmaatje_bot",
}
DEFAULT_FIRST_NAME = "Sam"
MAX_PENDING_UPDATES = 100_000  # Telegram keeps updates 24 hours; we keep a bounded number.
_NOTICES_KEPT = 50
# What a fault by share may do to a call: an error reply, a held then dropped call, a drop.
FAULT_KINDS = ("429", "500", "502", "timeout", "disconnect")
ERROR_TEXTS = {
    400: "Bad Request",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def error_text(error_code: int, retry_after: int | None = None) -> str:
    """Telegram's description for an error code, as a fault answers it."""
    if error_code == 429:
        return f"Too Many Requests: retry after {retry_after or 1}"
    return ERROR_TEXTS.get(error_code, "Error")


class Signal:
    """Wakes every current waiter at once; waiters then re-check what they wait for."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def fire(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, timeout: float) -> None:
        """Return when fired or after `timeout` seconds, whichever comes first."""
        if self._event is None:
            self._event = asyncio.Event()
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except asyncio.TimeoutError:
            pass


@dataclass
class StoredFile:
    """A file the bot uploaded or the user sent; file_path is what getFile hands out."""

    file_id: str
    file_unique_id: str
    data: bytes
    mime_type: str
    file_path: str
    file_name: str | None = None
    duration: int = 0  # voice and audio
    width: int = 0  # photos and stickers
    height: int = 0

    def as_file(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class StoredMessage:
    """One message as Telegram describes it, plus what the web chat needs to show it."""

    message: dict[str, Any]
    from_bot: bool
    markup: dict[str, Any] | None = None  # any reply_markup as sent, reply keyboards too
    seq: int = 0
    edited: bool = False
    deleted: bool = False

    @property
    def message_id(self) -> int:
        return int(self.message["message_id"])


@dataclass
class CallbackQuery:
    chat_id: int
    message_id: int
    answered: bool = False


@dataclass
class Fault:
    """Makes the next `count` calls of a Bot API method fail: an error reply or a dropped line
    (after holding the call `hold` seconds, for a timeout)."""

    error_code: int = 429
    description: str = ""
    retry_after: int | None = None
    disconnect: bool = False
    count: int = 1
    hold: float = 0.0

    @property
    def kind(self) -> str:
        """How /api/stats counts it: "429", "500", ..., "timeout" or "disconnect"."""
        if self.hold:
            return "timeout"
        return "disconnect" if self.disconnect else str(self.error_code)


@dataclass
class FaultShare:
    """Makes a random share of calls fail, each with a kind drawn from `kinds`: a flaky network
    and an overloaded Telegram, reproducible through `seed`."""

    share: float
    kinds: tuple[str, ...] = FAULT_KINDS
    methods: frozenset[str] | None = None  # None: every method but getUpdates
    seed: int | None = None
    retry_after: int = 1
    timeout: float = 6.0
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def applies_to(self, method: str) -> bool:
        # Failing every getUpdates would stall a polling bot, so it is only hit when named.
        return method in self.methods if self.methods is not None else method != "getUpdates"

    def draw(self, method: str) -> Fault | None:
        """The fault for this call, or None when it goes through."""
        if not self.applies_to(method) or self.rng.random() >= self.share:
            return None
        return self.fault(self.rng.choice(self.kinds))

    def fault(self, kind: str) -> Fault:
        if kind == "timeout":
            return Fault(disconnect=True, hold=self.timeout)
        if kind == "disconnect":
            return Fault(disconnect=True)
        code = int(kind)
        retry_after = self.retry_after if code == 429 else None
        return Fault(code, error_text(code, retry_after), retry_after)

    def as_json(self) -> dict[str, Any]:
        return {
            "share": self.share,
            "kinds": list(self.kinds),
            "methods": sorted(self.methods) if self.methods is not None else None,
            "seed": self.seed,
            "retry_after": self.retry_after,
            "timeout": self.timeout,
        }


@dataclass
class Webhook:
    """Where updates are POSTed instead of waiting for getUpdates, and how delivery went."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None

    def failed(self, message: str) -> None:
        self.last_error_date = int(time.time())
        self.last_error_message = message


@dataclass
class ChatLog:
    """The messages of one chat, ordered by their last change so `since` reads are cheap."""

    chat: dict[str, Any] | None = None  # the Telegram Chat; None until the user has written
    messages: OrderedDict[int, StoredMessage] = field(default_factory=OrderedDict)
    notices: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=_NOTICES_KEPT))
    next_message_id: int = 1
    seq: int = 0
    changed: Signal = field(default_factory=Signal)

    def new_message_id(self) -> int:
        self.next_message_id += 1
        return self.next_message_id - 1

    def touch(self, stored: StoredMessage) -> None:
        """Record a new or changed message: bump the chat's seq and move it to the end."""
        self.seq += 1
        stored.seq = self.seq
        self.messages[stored.message_id] = stored
        self.messages.move_to_end(stored.message_id)
        self.changed.fire()

    def notice(self, text: str, show_alert: bool) -> None:
        """A callback answer to show in the web chat as a short notice."""
        self.seq += 1
        self.notices.append({"seq": self.seq, "text": text, "show_alert": show_alert})
        self.changed.fire()

    def changes_since(self, since: int) -> list[StoredMessage]:
        """Messages whose seq is above `since`, oldest change first; O(number of changes)."""
        found: list[StoredMessage] = []
        for stored in reversed(self.messages.values()):
            if stored.seq <= since:
                break
            found.append(stored)
        found.reverse()
        return found

    def notices_since(self, since: int) -> list[dict[str, Any]]:
        return [notice for notice in self.notices if notice["seq"] > since]


class Emulator:
    """All state of one emulated Bot API server; `reset()` empties it between tests."""

    def __init__(self) -> None:
        # Update ids and file numbers survive reset: a running bot keeps its getUpdates offset.
        # They start from the clock, as Telegram's never repeat: a bot whose inbox still holds
        # the ids of an earlier emulator run (`make run` twice) takes new ones for new.
        self._last_update_id = int(time.time() * 1000)
        self._file_number = 0
        self.updates_changed = Signal()
        self.poll_generation = 0
        self.closing = False
        self._closed = Signal()
        # The webhook is the running bot's connection, like its getUpdates offset: it survives
        # reset. `delivery` is the one task that POSTs updates to it (see botapi.py).
        self.webhook: Webhook | None = None
        self.webhook_changed = Signal()
        self.delivery: asyncio.Task[None] | None = None
        self._http: aiohttp.ClientSession | None = None
        self.chats: dict[int, ChatLog] = {}
        self.reset()

    def reset(self, *, keep_files: bool = False) -> None:
        old_chats, self.chats = self.chats, {}
        self.updates: deque[dict[str, Any]] = deque(maxlen=MAX_PENDING_UPDATES)
        self.allowed_updates: frozenset[str] | None = None
        self.callbacks: dict[str, CallbackQuery] = {}
        self.faults: dict[str, deque[Fault]] = {}
        self.fault_share: FaultShare | None = None
        self.fault_counts: Counter[str] = Counter()
        self.bot_settings: dict[str, Any] = {}
        self.uploads = 0
        self.callback_answers = 0
        self.method_calls: Counter[str] = Counter()
        if not keep_files:
            self.files: dict[str, StoredFile] = {}
            self.files_by_path: dict[str, StoredFile] = {}
        for log in old_chats.values():  # wake long-polls so they see the new, empty chats
            log.changed.fire()
        self.updates_changed.fire()

    def close(self) -> None:
        """Answer every long-poll now, so the server can stop without waiting for them."""
        self.closing = True
        for log in self.chats.values():
            log.changed.fire()
        self.updates_changed.fire()
        self.webhook_changed.fire()
        self._closed.fire()

    async def hold(self, seconds: float) -> None:
        """Sleep `seconds`, or less if the emulator closes meanwhile."""
        if not self.closing:
            await self._closed.wait(seconds)

    def http(self) -> aiohttp.ClientSession:
        """The client for webhook deliveries, made on first use inside the running loop.

        trust_env=False: webhooks are mostly on loopback, which a proxy must not see."""
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(trust_env=False)
        return self._http

    async def aclose(self) -> None:
        """Stop webhook delivery and close its client: the app's cleanup calls this."""
        self.close()
        if self.delivery is not None:
            self.delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.delivery
            self.delivery = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    # chats and messages

    def chat_log(self, chat_id: int) -> ChatLog:
        log = self.chats.get(chat_id)
        if log is None:
            log = self.chats[chat_id] = ChatLog()
        return log

    def known_chat(self, chat_id: int) -> ChatLog | None:
        """The chat if the user has written in it: the bot cannot start a chat on Telegram."""
        log = self.chats.get(chat_id)
        return log if log is not None and log.chat is not None else None

    def ensure_chat(
        self, chat_id: int, chat_type: str | None, first_name: str, title: str | None
    ) -> ChatLog:
        """The chat the user writes in, created on first use (private unless told otherwise)."""
        log = self.chat_log(chat_id)
        if log.chat is None or (chat_type and chat_type != log.chat["type"]):
            chat_type = chat_type or "private"
            if chat_type == "private":
                log.chat = {"id": chat_id, "type": "private", "first_name": first_name}
            else:
                log.chat = {"id": chat_id, "type": chat_type, "title": title or "Oefengroep"}
        return log

    def add_message(
        self,
        log: ChatLog,
        sender: dict[str, Any],
        content: dict[str, Any],
        *,
        markup: dict[str, Any] | None = None,
    ) -> StoredMessage:
        assert log.chat is not None
        message = {
            "message_id": log.new_message_id(),
            "from": sender,
            "chat": log.chat,
            "date": int(time.time()),
            **content,
        }
        stored = StoredMessage(message=message, from_bot=sender.get("id") == BOT_ID, markup=markup)
        log.touch(stored)
        return stored

    # updates

    def push_update(self, kind: str, payload: dict[str, Any]) -> int:
        self._last_update_id += 1
        self._queue({"update_id": self._last_update_id, kind: payload})
        return self._last_update_id

    def push_raw_update(self, update: dict[str, Any]) -> int:
        """Queue `update` exactly as given (odd input for tests); an update_id is added if it
        has none, and a given one moves the counter so later ids stay above it."""
        if "update_id" in update:
            self._last_update_id = max(self._last_update_id, int(update["update_id"]))
        else:
            self._last_update_id += 1
            update = {"update_id": self._last_update_id, **update}
        self._queue(update)
        return int(update["update_id"])

    def _queue(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        self.updates_changed.fire()

    def delivered(self, update: dict[str, Any]) -> None:
        """The webhook took `update`: drop it and the skipped (not allowed) ones before it."""
        if not any(pending is update for pending in self.updates):
            return  # gone meanwhile (reset, drop_pending_updates)
        while self.updates.popleft() is not update:
            pass

    def use_webhook(self, webhook: Webhook | None) -> None:
        """Set or remove the webhook; running getUpdates calls and the delivery task re-check."""
        self.webhook = webhook
        self.webhook_changed.fire()
        self.updates_changed.fire()

    def confirm_updates(self, offset: int) -> None:
        """Drop updates below `offset`; a negative offset keeps only the last -offset ones."""
        if offset < 0:
            while len(self.updates) > -offset:
                self.updates.popleft()
            return
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()

    def pending_updates(self, limit: int) -> list[dict[str, Any]]:
        allowed = self.allowed_updates
        found = []
        for update in self.updates:
            if allowed is None or any(kind in allowed for kind in update if kind != "update_id"):
                found.append(update)
                if len(found) >= limit:
                    break
        return found

    # files

    def store_file(
        self, folder: str, data: bytes, mime_type: str, extension: str, **details: Any
    ) -> StoredFile:
        """Keep a file under a new file_id; `details` are StoredFile fields (duration, ...)."""
        self._file_number += 1
        number = self._file_number
        stored = StoredFile(
            file_id=f"{folder[:2].upper()}ACAgQAAxk{number:06d}{secrets.token_urlsafe(12)}",
            file_unique_id=f"AgAD{number:06d}",
            data=data,
            mime_type=mime_type,
            file_path=f"{folder}/file_{number}.{extension}",
            **details,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    # faults and statistics

    def add_fault(self, method: str, fault: Fault) -> None:
        self.faults.setdefault(method, deque()).append(fault)

    def take_fault(self, method: str) -> Fault | None:
        """The fault for this call of `method`: a pending counted one (each counts down) first,
        else maybe one by share. Counted per kind for /api/stats."""
        fault = self._counted_fault(method)
        if fault is None and self.fault_share is not None:
            fault = self.fault_share.draw(method)
        if fault is not None:
            self.fault_counts[fault.kind] += 1
        return fault

    def _counted_fault(self, method: str) -> Fault | None:
        queue = self.faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.count -= 1
        if fault.count <= 0:
            queue.popleft()
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()
        self.fault_share = None

    def stats(self) -> dict[str, Any]:
        return {
            "uploads": self.uploads,
            "methods": dict(self.method_calls),
            "callback_answers": self.callback_answers,
            "faults": dict(self.fault_counts),
            "pending_updates": len(self.updates),
            "chats": len(self.chats),
            "files": len(self.files),
        }
