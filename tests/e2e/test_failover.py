"""Failover for real (issue 10 point 7): two `taalmaatje run` processes on one PostgreSQL
database and one Redis, against one emulator in this test process.

- Polling: one process polls, the other stands by (the Redis leader lease). The poller is
  killed with SIGKILL in the middle of the load; the standby takes over.
- Webhook: both serve their webhook behind one address (a small round-robin proxy here);
  one is killed with SIGKILL in the middle of the load.

Either way every message is answered, each learner's answers come in the order of the
messages, and no chat's turns ran in both processes at once (Rasa's own events, in the
order they were stored, never go back in time). A turn the killed process was in the middle
of may be answered twice (at least once: it cannot know whether its answer went out); such
duplicates are counted, reported and must be updates that the killed process held.

Skipped where no PostgreSQL or Redis runs on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
import sqlalchemy as sa
from aiohttp import web

from bot.emulator.botapi import EMULATOR_KEY
from bot.emulator.client import EmulatorClient, ends_turn, text_of
from bot.emulator.server import create_app

pytestmark = pytest.mark.asyncio

PG_URL = os.environ.get("TAALMAATJE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
# A Redis database of this run's own (the leader key and Rasa's locks have fixed names):
# this one if given, else the first empty one of 8 to 15, claimed with a key of its own.
REDIS_URL = os.environ.get("TAALMAATJE_TEST_FAILOVER_REDIS")
CLAIM = "failover-test:claim"
SECRET = "failover_secret-123"
HOOK_PATH = "/telegram/webhook"
LEARNERS = 20
MESSAGES = 8  # per learner, alternating TEXTS
TEXTS = ("dank je wel", "doei")
GAP = 0.35  # seconds between one learner's messages (they do not wait for the answers)
# The victim is killed once it holds this many unfinished updates, between these seconds
# into the load.
KILL_HELD = 4
KILL_BETWEEN = (0.8, 2.6)
# Polling: a quiet spell longer than the leader lease (10 s) before the load; the lead must
# not change hands in it.
QUIET = 12.0
READY_TIMEOUT = 120.0
ANSWER_TIMEOUT = 120.0


def reachable(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def claim_redis() -> str:
    """A Redis database nobody else uses now (not even this test run elsewhere)."""
    import redis

    if REDIS_URL:
        return REDIS_URL
    for db in range(8, 16):
        client = redis.Redis(host="127.0.0.1", port=6379, db=db)
        try:
            if client.set(CLAIM, str(os.getpid()), nx=True, ex=900):
                if client.dbsize() == 1:
                    return f"redis://127.0.0.1:6379/{db}"
                client.delete(CLAIM)
        finally:
            client.close()
    pytest.skip("no empty Redis database among 8 to 15")


def clear_own_keys(url: str, release: bool = False) -> None:
    """The bot's keys (the leader lease, Rasa's locks), and at the end the claim."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter("taalmaatje*"))
        if release and not REDIS_URL:
            keys.append(CLAIM.encode())
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@dataclass
class Database:
    url: str
    engine: sa.engine.Engine
    redis_url: str

    def rows_held_by(self, pid: int) -> set[int]:
        """The unfinished inbox rows leased to the process with this pid."""
        query = sa.text("SELECT update_id FROM inbox WHERE status = 'waiting' AND owner LIKE :o")
        with self.engine.connect() as connection:
            return set(connection.execute(query, {"o": f"%:{pid}:%"}).scalars())

    def waiting(self) -> int:
        with self.engine.connect() as connection:
            query = sa.text("SELECT count(*) FROM inbox WHERE status = 'waiting'")
            return int(connection.execute(query).scalar() or 0)

    def statuses(self) -> dict[str, int]:
        query = sa.text("SELECT status, count(*) FROM inbox GROUP BY status")
        with self.engine.connect() as connection:
            return {status: count for status, count in connection.execute(query)}

    def events(self, senders: list[int]) -> dict[int, list[tuple[str, float]]]:
        """Rasa's events of these conversations, in the order they were stored."""
        query = sa.text(
            "SELECT sender_id, type_name, timestamp FROM events "
            "WHERE sender_id IN :senders ORDER BY id"
        ).bindparams(sa.bindparam("senders", expanding=True))
        found: dict[int, list[tuple[str, float]]] = {s: [] for s in senders}
        with self.engine.connect() as connection:
            for sender, kind, stamp in connection.execute(
                query, {"senders": [str(s) for s in senders]}
            ):
                found[int(sender)].append((kind, float(stamp or 0.0)))
        return found


@pytest.fixture
def database() -> Iterator[Database]:
    """A fresh PostgreSQL schema and a Redis database of this run's own, both emptied
    afterwards (the schema dropped, only the bot's keys deleted)."""
    if not (reachable(5432) and reachable(6379)):
        pytest.skip("PostgreSQL or Redis is not running on 127.0.0.1")
    redis_url = claim_redis()
    clear_own_keys(redis_url)
    schema = f"tm_failover_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, future=True)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    engine = sa.create_engine(url, future=True)
    try:
        yield Database(url, engine, redis_url)
    finally:
        engine.dispose()
        clear_own_keys(redis_url, release=True)
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@dataclass
class Recorder:
    """Every Bot API call, by the token (so the process) that made it."""

    calls: list[tuple[float, str, str]] = field(default_factory=list)  # (when, token, method)
    sent: dict[tuple[int, int], tuple[str, float]] = field(default_factory=dict)

    def first(self, token: str, method: str, after: float = 0.0) -> float | None:
        times = [t for t, k, m in self.calls if k == token and m == method and t >= after]
        return min(times) if times else None

    def count(self, token: str, method: str, before: float = float("inf")) -> int:
        return sum(1 for t, k, m in self.calls if k == token and m == method and t < before)


@pytest_asyncio.fixture
async def emulator() -> AsyncIterator[tuple[str, Recorder]]:
    """The emulator, with a middleware noting who called what and who sent which message."""
    recorder = Recorder()

    @web.middleware
    async def note(request: web.Request, handler: Any) -> web.StreamResponse:
        token = request.match_info.get("token")
        method = request.match_info.get("method", "").lower()
        if token is None:
            return await handler(request)
        recorder.calls.append((time.monotonic(), token, method))
        response = await handler(request)
        if method.startswith("send") and isinstance(response, web.Response) and response.body:
            data = json.loads(response.body)
            result = data.get("result")
            if data.get("ok") and isinstance(result, dict) and "message_id" in result:
                key = (result["chat"]["id"], result["message_id"])
                recorder.sent[key] = (token, time.monotonic())
        return response

    app = create_app()
    app.middlewares.append(note)
    runner = web.AppRunner(app, handler_cancellation=True, access_log=None, shutdown_timeout=2)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    assert app[EMULATOR_KEY] is not None
    try:
        yield base_url, recorder
    finally:
        await runner.cleanup()


class Proxy:
    """One address in front of the webhook servers: round robin; on a connection error the
    next backend, and when none answers 502 (the emulator then tries again)."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.turn = 0
        self.served: Counter[str] = Counter()
        self.failovers = 0
        self.http: aiohttp.ClientSession | None = None
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        self.http = aiohttp.ClientSession(trust_env=False)
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self.forward)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
        if self.http is not None:
            await self.http.close()

    async def forward(self, request: web.Request) -> web.Response:
        assert self.http is not None
        body = await request.read()
        headers = {
            name: request.headers[name]
            for name in ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")
            if name in request.headers
        }
        for _ in self.backends:
            backend = self.backends[self.turn % len(self.backends)]
            self.turn += 1
            try:
                async with self.http.request(
                    request.method,
                    backend + request.path_qs,
                    data=body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=8),
                ) as response:
                    payload = await response.read()
                    self.served[backend] += 1
                    return web.Response(status=response.status, body=payload)
            except (aiohttp.ClientConnectionError, asyncio.TimeoutError):
                self.failovers += 1
        return web.Response(status=502)


@dataclass
class BotProcess:
    name: str
    token: str
    log: Path
    process: asyncio.subprocess.Process
    port: int | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def tail(self, size: int = 3000) -> str:
        return f"--- {self.name} (pid {self.pid}) ---\n{self.text()[-size:]}"


async def spawn(
    name: str, work: Path, emulator_url: str, database: Database, model: Path, **extra: str
) -> BotProcess:
    token = f"123456:failover-{name}-token-for-the-emulator"
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_BASE_URL": f"{emulator_url}/bot",
        "DATABASE_URL": database.url,
        "REDIS_URL": database.redis_url,
        "TAALMAATJE_MODELS_DIR": str(model.parent),
        "TAALMAATJE_VAR_DIR": str(work / f"var-{name}"),
        "TAALMAATJE_AUDIO_DIR": str(work / "audio"),
        "TAALMAATJE_TTS": "espeak",
        "TAALMAATJE_SECRET": "failover-secret",
        "TAALMAATJE_RATE_LIMIT": "0",
        "RASA_TELEMETRY_ENABLED": "false",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        **extra,
    }
    log = work / f"bot-{name}.log"
    with log.open("w") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, stdout=out, stderr=subprocess.STDOUT
        )
    port = int(extra["TAALMAATJE_PORT"]) if "TAALMAATJE_PORT" in extra else None
    return BotProcess(name, token, log, process, port)


async def wait_ready(bots: list[BotProcess], line: str = "Taalmaatje is ready") -> None:
    """Until every log shows ``line`` ("Polling: " once each knows whether it polls)."""
    deadline = time.monotonic() + READY_TIMEOUT
    while not all(line in bot.text() for bot in bots):
        for bot in bots:
            assert bot.process.returncode is None, f"{bot.name} stopped:\n{bot.tail()}"
        assert time.monotonic() < deadline, "not ready in time:\n" + "\n".join(
            b.tail() for b in bots
        )
        await asyncio.sleep(0.2)


async def stop_all(bots: list[BotProcess]) -> None:
    for bot in bots:
        if bot.process.returncode is None:
            bot.process.send_signal(signal.SIGTERM)
    for bot in bots:
        try:
            await asyncio.wait_for(bot.process.wait(), 30)
        except asyncio.TimeoutError:
            bot.process.kill()
            await bot.process.wait()


@dataclass
class Load:
    """What the learners sent: per chat, the update id and text of each message."""

    sent: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    intro_end: dict[int, int] = field(default_factory=dict)  # last message id of the intro


async def warm_up(client: EmulatorClient, chats: list[int], load: Load) -> None:
    """Each learner starts (the intro), so the load's answers are the known ones."""
    intros = await asyncio.gather(
        *(client.command(c, "start", until=ends_turn, timeout=90) for c in chats)
    )
    for chat, intro in zip(chats, intros, strict=True):
        load.intro_end[chat] = max(m["message_id"] for m in intro)
        load.sent[chat] = []


async def learner(client: EmulatorClient, chat: int, load: Load, rng: random.Random) -> None:
    await asyncio.sleep(rng.uniform(0, GAP))
    for index in range(MESSAGES):
        text = TEXTS[index % len(TEXTS)]
        answer = await client.post(f"/api/chats/{chat}/text", {"text": text})
        load.sent[chat].append((answer["update_id"], text))
        await asyncio.sleep(GAP * rng.uniform(0.6, 1.4))


def answers_of(client: EmulatorClient, chat: int, load: Load) -> list[dict[str, Any]]:
    return [m for m in client.view(chat).bot_messages() if m["message_id"] > load.intro_end[chat]]


async def wait_answered(
    client: EmulatorClient, chats: list[int], load: Load, database: Database
) -> None:
    """Until every message has an answer and no inbox row waits; then a moment more, so a
    late second answer would still be seen."""
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while True:
        for chat in chats:
            await client.sync(chat)
        short = [c for c in chats if len(answers_of(client, c, load)) < MESSAGES]
        if not short and await asyncio.to_thread(database.waiting) == 0:
            break
        assert time.monotonic() < deadline, (
            f"not answered in time: chats {short}, inbox {database.statuses()}"
        )
        await asyncio.sleep(0.5)
    await asyncio.sleep(3.0)
    for chat in chats:
        await client.sync(chat)


@dataclass
class Verdict:
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (chat, update_id)
    by_process: Counter[str] = field(default_factory=Counter)


def check_answers(
    client: EmulatorClient,
    chats: list[int],
    load: Load,
    recorder: Recorder,
    answers: dict[str, str],
    names: dict[str, str],
) -> Verdict:
    """Every message answered, in order; a repeated answer is counted as a duplicate."""
    verdict = Verdict()
    for chat in chats:
        got = answers_of(client, chat, load)
        texts = [answers.get(text_of(m), f"?{text_of(m)[:40]}") for m in got]
        expected = [text for _, text in load.sent[chat]]
        # Collapse repeats: the answers alternate, so an answer equal to the one before it
        # is the same turn answered again (a swap would change the collapsed sequence).
        collapsed: list[str] = []
        for position, text in enumerate(texts):
            if collapsed and text == collapsed[-1]:
                verdict.duplicates.append((chat, load.sent[chat][len(collapsed) - 1][0]))
            else:
                collapsed.append(text)
            sender = recorder.sent.get((chat, got[position]["message_id"]))
            verdict.by_process[names[sender[0]] if sender else "?"] += 1
        assert collapsed == expected, f"chat {chat}: answers {texts} to messages {expected}"
    return verdict


def check_never_at_once(database: Database, chats: list[int]) -> int:
    """Rasa's events of each conversation, in the order they were stored, never go back in
    time: a turn that ran beside another (in the other process) would have started before
    the other's last event. Returns the number of turns checked."""
    turns = 0
    for chat, events in database.events(chats).items():
        last = 0.0
        for kind, stamp in events:
            turns += kind == "user"
            assert stamp >= last - 1e-6, f"chat {chat}: a turn ran beside another"
            last = max(last, stamp)
    return turns


async def track_takeover(database: Database, pid: int, killed: float) -> float | None:
    """Seconds from the kill until no unfinished row is leased to the killed process."""
    while time.monotonic() - killed < ANSWER_TIMEOUT:
        if not await asyncio.to_thread(database.rows_held_by, pid):
            return time.monotonic() - killed
        await asyncio.sleep(0.1)
    return None


@dataclass
class Run:
    killed_at: float = 0.0
    held: set[int] = field(default_factory=set)
    takeover_s: float | None = None
    answered_s: float = 0.0


async def load_and_kill(
    client: EmulatorClient, chats: list[int], load: Load, victim: BotProcess, database: Database
) -> Run:
    """The learners write; in the middle the victim is killed with SIGKILL."""
    run = Run()
    rng = random.Random(7)

    async def kill() -> None:
        started = time.monotonic()
        await asyncio.sleep(KILL_BETWEEN[0])
        # Kill while it holds work: enough rows within the window, else at least one (on a
        # loaded machine its turns may come one at a time), within a hard limit.
        while time.monotonic() - started < KILL_BETWEEN[1] + 15:
            held = len(await asyncio.to_thread(database.rows_held_by, victim.pid))
            if held >= KILL_HELD or (held and time.monotonic() - started >= KILL_BETWEEN[1]):
                break
            await asyncio.sleep(0.02)
        victim.process.send_signal(signal.SIGKILL)
        await victim.process.wait()
        run.killed_at = time.monotonic()
        run.held = await asyncio.to_thread(database.rows_held_by, victim.pid)

    await asyncio.gather(kill(), *(learner(client, c, load, rng) for c in chats))
    run.takeover_s = await track_takeover(database, victim.pid, run.killed_at)
    await wait_answered(client, chats, load, database)
    run.answered_s = time.monotonic() - run.killed_at - 3.0
    return run


@pytest.fixture(scope="session")
def answers(domain_responses: dict[str, str]) -> dict[str, str]:
    """Each answer text and the message it answers."""
    return {
        domain_responses["utter_graag_gedaan"]: TEXTS[0],
        domain_responses["utter_afscheid"]: TEXTS[1],
    }


def report(
    mode: str, run: Run, verdict: Verdict, turns: int, victim: BotProcess, extra: str
) -> None:
    takeover = f"{run.takeover_s:.1f}" if run.takeover_s is not None else "never"
    answered_by = {
        ("killed" if name == victim.name else "survivor"): count
        for name, count in verdict.by_process.items()
    }
    print(
        f"\n[failover {mode}] {LEARNERS} learners x {MESSAGES} messages; killed holding "
        f"{len(run.held)} unfinished updates; {extra}; its updates taken over after "
        f"{takeover} s; everything answered {run.answered_s:.1f} s after the kill; "
        f"answers {answered_by}; duplicates {len(verdict.duplicates)} {verdict.duplicates}; "
        f"{turns} Rasa turns ({turns - LEARNERS * (MESSAGES + 1)} run twice), none beside "
        "another"
    )


async def test_polling_standby_takes_over_when_the_poller_is_killed(
    tmp_path, model_path, database, emulator, answers
):
    emulator_url, recorder = emulator
    bots = [await spawn(name, tmp_path, emulator_url, database, model_path) for name in ("a", "b")]
    names = {bot.token: bot.name for bot in bots}
    try:
        await wait_ready(bots)
        await wait_ready(bots, "Polling: ")
        polls = [bot for bot in bots if "Polling: this process polls" in bot.text()]
        stands_by = [bot for bot in bots if "this one stands by" in bot.text()]
        assert len(polls) == 1 and len(stands_by) == 1, "\n".join(b.tail() for b in bots)
        leader, standby = polls[0], stands_by[0]
        assert leader is not standby
        quiet_from = time.monotonic()
        await asyncio.sleep(QUIET)
        assert recorder.count(standby.token, "getupdates") == 0, standby.tail()
        assert "took over" not in leader.text() and "polls (" not in standby.text()
        long_polls = recorder.count(leader.token, "getupdates") - recorder.count(
            leader.token, "getupdates", before=quiet_from
        )
        chats = list(range(62_001, 62_001 + LEARNERS))
        load = Load()
        async with EmulatorClient(emulator_url) as client:
            await warm_up(client, chats, load)
            run = await load_and_kill(client, chats, load, leader, database)
            verdict = check_answers(client, chats, load, recorder, answers, names)
        turns = check_never_at_once(database, chats)
        log = standby.text()
        assert "Polling: this process polls" in log, standby.tail()
        # Only the leader polled until it was killed; then only the standby.
        assert recorder.count(standby.token, "getupdates", before=run.killed_at) == 0
        assert recorder.count(leader.token, "getupdates") > 0
        polled = recorder.first(standby.token, "getupdates", after=run.killed_at)
        assert polled is not None
        assert all(update_id in run.held for _, update_id in verdict.duplicates)
        assert verdict.by_process[standby.name] > 0 and verdict.by_process[leader.name] > 0
        assert database.statuses().get("quarantine", 0) == 0
        report(
            "polling",
            run,
            verdict,
            turns,
            leader,
            f"the lead stayed put through {QUIET:.0f} quiet seconds ({long_polls} long-polls); "
            f"the standby polled {polled - run.killed_at:.1f} s after the kill",
        )
    finally:
        await stop_all(bots)


async def test_webhook_behind_one_address_survives_a_killed_process(
    tmp_path, model_path, database, emulator, answers
):
    emulator_url, recorder = emulator
    ports = [free_port(), free_port()]
    proxy = Proxy([f"http://127.0.0.1:{port}" for port in ports])
    await proxy.start()
    hook = {"TELEGRAM_WEBHOOK_URL": proxy.url + HOOK_PATH, "TELEGRAM_WEBHOOK_SECRET": SECRET}
    bots = [
        await spawn(
            name, tmp_path, emulator_url, database, model_path, TAALMAATJE_PORT=str(port), **hook
        )
        for name, port in zip(("a", "b"), ports, strict=True)
    ]
    names = {bot.token: bot.name for bot in bots}
    try:
        await wait_ready(bots)
        for bot in bots:
            assert recorder.count(bot.token, "setwebhook") == 1, bot.tail()
            assert recorder.count(bot.token, "deletewebhook") == 0, bot.tail()
        chats = list(range(63_001, 63_001 + LEARNERS))
        load = Load()
        victim, survivor = bots[1], bots[0]
        async with EmulatorClient(emulator_url) as client:
            await warm_up(client, chats, load)
            run = await load_and_kill(client, chats, load, victim, database)
            verdict = check_answers(client, chats, load, recorder, answers, names)
            info = await client.get(f"/bot{survivor.token}/getWebhookInfo")
        turns = check_never_at_once(database, chats)
        assert info["result"]["url"] == proxy.url + HOOK_PATH
        assert all(recorder.count(bot.token, "getupdates") == 0 for bot in bots)
        assert len(proxy.served) == 2  # both processes served the webhook
        assert all(update_id in run.held for _, update_id in verdict.duplicates)
        # Both answered learners (the victim at least some intros before it was killed).
        assert {token for token, _ in recorder.sent.values()} == set(names)
        assert verdict.by_process[survivor.name] > 0 and run.held
        assert database.statuses().get("quarantine", 0) == 0
        report(
            "webhook",
            run,
            verdict,
            turns,
            victim,
            f"the proxy passed {proxy.failovers} connection errors on to the other process",
        )
    finally:
        await stop_all(bots)
        await proxy.stop()
