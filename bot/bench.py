"""``taalmaatje bench``: speed and memory of the whole bot, measured as learners meet it.

The bot runs as its own process (``taalmaatje run``) against the emulator in another
process, exactly as against any Bot API server; simulated learners talk to it through the
emulator's control API. The same run measures Rasa's default pipeline (DIET + TED) on the
same training data as the baseline, and (issue 10) the project's bot without its durable
inbox (python-telegram-bot's own Updater), for the inbox's cost per turn. Both the bot and
the bot without the inbox are then killed with SIGKILL while learners write (the crash
figure: what is lost, what is answered twice).

Telegram's overall cap (30 messages a second) is lifted for the bot under test, because
the benchmark measures what the bot can do, not what Telegram allows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.bench_outbox import Drain, env_for_drain, measure_drain, open_chats, queue_prompts
from bot.emulator.client import EmulatorClient, buttons_of, ends_turn
from bot.settings import PROJECT_ROOT, Settings

BASELINE_CONFIG = PROJECT_ROOT / "bench" / "baseline-config.yml"
# What the simulated learners say: everyday questions, each answered from cached voice.
SCRIPT = (
    "wanneer is het taalhuis open",
    "dank je wel",
    "hallo",
    "waar is het taalhuis",
    "kan ik gratis lid worden",
    "ik wil een cursus lezen",
    "nog een keer",
    "doei",
)


@dataclass
class Figures:
    name: str
    config: str
    training_s: float = 0.0
    cold_start_s: float = 0.0
    turn_p50_ms: float = 0.0
    turn_p99_ms: float = 0.0
    turns_per_s: float = 0.0
    learners: int = 0
    long_turn10_p50_ms: float = 0.0
    long_turn300_p50_ms: float = 0.0
    long_ratio: float = 0.0
    practice_p50_ms: float = 0.0
    practice_p99_ms: float = 0.0
    booking_p50_ms: float = 0.0
    booking_p99_ms: float = 0.0
    peak_rss_mb: float = 0.0
    crash: Crash | None = None  # the bot killed while learners write (not for the baselines)
    outbox: Drain | None = None  # buddies' prompts draining through the outbox (issue 11)
    notes: list[str] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _peak_rss_mb(pid: int) -> float:
    """The process's high-water mark of resident memory (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _env(work: Path, config: Path, emulator_url: str, models: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": "123456:benchmark-token-for-the-local-emulator",
            "TELEGRAM_BASE_URL": f"{emulator_url}/bot",
            "TAALMAATJE_CONFIG": str(config),
            "TAALMAATJE_MODELS_DIR": str(models or work / "models"),
            "TAALMAATJE_VAR_DIR": str(work / "var"),
            "TAALMAATJE_AUDIO_DIR": str(work.parent / "audio"),
            "TAALMAATJE_TTS": "espeak",
            "TAALMAATJE_RATE_LIMIT": "0",
            "TAALMAATJE_PORT": "0",  # the dashboard's web server, on a free port
            "RASA_TELEMETRY_ENABLED": "false",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    env.pop("DATABASE_URL", None)
    return env


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot", *args]


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


async def _turns(client: EmulatorClient, chat_id: int, count: int, offset: int = 0) -> list[float]:
    """Have one learner take ``count`` turns; the latency of each, in ms."""
    latencies = []
    for index in range(count):
        text = SCRIPT[(offset + index) % len(SCRIPT)]
        started = time.perf_counter()
        await client.say(chat_id, text, until=ends_turn, timeout=60)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def _practice_turns(client: EmulatorClient, chat_id: int, count: int) -> list[float]:
    """A learner practising by buttons: each answer (and "nog een ronde") is one turn, in ms.

    Always the first button: answers come out right and wrong, word-order questions are
    built word by word, and after each round the first button is "another round".
    """
    messages = await client.say(chat_id, "oefenen", until=ends_turn, timeout=60)
    latencies = []
    for _ in range(count):
        last = messages[-1]
        data = next(
            b["callback_data"]
            for b in buttons_of(last)
            if b["callback_data"] not in ("/herhalen", "/langzamer")
        )
        started = time.perf_counter()
        messages = await client.press(
            chat_id, last["message_id"], data, until=ends_turn, timeout=60
        )
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def _booking_turns(client: EmulatorClient, chat_id: int, count: int) -> list[float]:
    """Book and cancel by buttons, ``count`` times: each step of the form is one turn, in ms.

    Place, day, time and reason are the first buttons, the phone question is answered "no",
    the reminder "yes"; then "ik kan niet komen" and "Afzeggen" free the place again.
    """
    latencies: list[float] = []

    def first(message: dict[str, Any]) -> str:
        return next(
            b["callback_data"]
            for b in buttons_of(message)
            if b["callback_data"] not in ("/herhalen", "/langzamer")
        )

    async def timed(step: Any) -> list[dict[str, Any]]:
        started = time.perf_counter()
        messages = await step
        latencies.append((time.perf_counter() - started) * 1000)
        return messages

    for _ in range(count):
        messages = await timed(client.say(chat_id, "ik wil een afspraak maken", until=ends_turn))
        for _step in range(4):  # place, day, time, reason
            last = messages[-1]
            messages = await timed(
                client.press(chat_id, last["message_id"], first(last), until=ends_turn)
            )
        messages = await timed(client.say(chat_id, "👎 Nee, liever niet", until=ends_turn))
        last = messages[-1]
        await timed(client.press(chat_id, last["message_id"], first(last), until=ends_turn))
        messages = await client.say(chat_id, "ik kan niet komen", until=ends_turn)
        last = messages[-1]
        cancel = next(b for b in buttons_of(last) if "afzeggen" in b["callback_data"])
        await client.press(chat_id, last["message_id"], cancel["callback_data"], until=ends_turn)
    return latencies


async def _measure(
    figures: Figures,
    emulator_url: str,
    process: subprocess.Popen,
    spawned: float,
    args: argparse.Namespace,
) -> None:
    async with EmulatorClient(emulator_url) as client:
        await client.post("/api/reset", {"keep_files": True})
        # Cold start: the update waits while the process starts, as after a restart.
        await client.command(1, "start", until=ends_turn, timeout=180)
        figures.cold_start_s = time.perf_counter() - spawned

        # Warm up: every learner starts, so every phrase is uploaded once (then file_id).
        learners = list(range(100, 100 + args.learners))
        await asyncio.gather(
            *(client.command(c, "start", until=ends_turn, timeout=120) for c in learners)
        )
        await _turns(client, 2, len(SCRIPT))

        latencies = await _turns(client, 3, 200)
        figures.turn_p50_ms = statistics.median(latencies)
        figures.turn_p99_ms = _percentile(latencies, 0.99)

        started = time.perf_counter()
        await asyncio.gather(*(_turns(client, c, args.turns, c) for c in learners))
        elapsed = time.perf_counter() - started
        figures.turns_per_s = len(learners) * args.turns / elapsed
        figures.learners = len(learners)

        long = await _turns(client, 4, args.long)
        around = 5
        early = long[max(0, 10 - around) : 10 + around]
        late = long[max(0, args.long - 2 * around) : args.long]
        figures.long_turn10_p50_ms = statistics.median(early)
        figures.long_turn300_p50_ms = statistics.median(late)
        figures.long_ratio = figures.long_turn300_p50_ms / figures.long_turn10_p50_ms

        # Practice: answers by button, with a new voice note for most questions.
        await _practice_turns(client, 5, 30)  # warm up: the first questions' voice is made
        practice = await _practice_turns(client, 6, 100)
        figures.practice_p50_ms = statistics.median(practice)
        figures.practice_p99_ms = _percentile(practice, 0.99)

        # Booking: every step of the appointment form, by buttons, with live free slots.
        await _booking_turns(client, 7, 2)  # warm up: the form's voice notes are made
        booking = await _booking_turns(client, 8, 15)
        figures.booking_p50_ms = statistics.median(booking)
        figures.booking_p99_ms = _percentile(booking, 0.99)
    figures.peak_rss_mb = _peak_rss_mb(process.pid)


# The crash figure: the bot killed (SIGKILL) while learners write, then started again.
CRASH_DELAYS = (0.3, 0.45, 0.6)  # seconds after a burst: mid-processing
CRASH_PER_BURST = 3  # messages each learner sends in one burst, without waiting
READY = "Taalmaatje is ready"


@dataclass
class Crash:
    """Learners write in bursts; the bot is killed (SIGKILL) after each burst but the last,
    and started again. Answers are counted per chat by the turn-ending messages (with sound
    on, each turn ends with "Nog eens"): fewer than sent is a loss, more a duplicate."""

    delivery: str = "inbox"
    learners: int = 0
    kills: int = 0
    messages: int = 0
    answered: int = 0
    lost: int = 0
    duplicates: int = 0  # answers seen twice
    turns_rerun: int = 0  # Rasa turns stored twice: cut off by a kill, then run again
    not_done: int = 0  # updates sent but not done in the inbox at the end (inbox only)
    recovery_s: float = 0.0  # the longest restart: start to the backlog answered
    unanswered_at_kill: list[int] = field(default_factory=list)
    inbox_waiting_at_kill: list[int] = field(default_factory=list)


def _turn_ends(client: EmulatorClient, chat_id: int) -> int:
    return sum(
        any(b.get("callback_data") == "/herhalen" for b in buttons_of(m))
        for m in client.view(chat_id).bot_messages()
    )


def _crash_message(learner: int, index: int) -> tuple[str, dict[str, str]]:
    if index == 0:
        return "command", {"command": "start"}
    return "text", {"text": SCRIPT[(learner + index - 1) % len(SCRIPT)]}


def _query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    """Read the bot's SQLite database from outside (WAL: never in the bot's way)."""
    import sqlite3

    if not database.exists():
        return []
    connection = sqlite3.connect(database, timeout=5)
    try:
        return connection.execute(sql).fetchall()
    except sqlite3.Error:  # not migrated yet
        return []
    finally:
        connection.close()


def _inbox_waiting(database: Path) -> int:
    rows = _query(database, "SELECT count(*) FROM inbox WHERE status = 'waiting'")
    return int(rows[0][0]) if rows else 0


class _BotProcess:
    """``taalmaatje run`` as a child process, started again after each kill."""

    def __init__(self, env: dict[str, str], work: Path) -> None:
        self.env = env
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        self.runs = 0
        self.process: asyncio.subprocess.Process | None = None
        self.log = work / "crash-run0.log"

    async def start(self) -> float:
        self.runs += 1
        self.log = self.work / f"crash-run{self.runs}.log"
        with self.log.open("w") as out:
            self.process = await asyncio.create_subprocess_exec(
                *_command("run"), env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        return time.perf_counter()

    async def ready(self, timeout: float = 180.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while READY not in self.log.read_text(errors="replace"):
            if self.process.returncode is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the bot did not start (run {self.runs}):\n{tail}")
            await asyncio.sleep(0.05)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()  # SIGKILL: no shutdown, no last write
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except asyncio.TimeoutError:
            self.process.kill()
            await self.process.wait()


async def _until_answered(
    client: EmulatorClient,
    sent: dict[int, int],
    settled: Any,
    quiet: float = 3.0,
    first: float = 15.0,
    timeout: float = 120.0,
) -> float:
    """Wait until every chat has an answer to each message sent and ``settled()`` (the
    inbox has no waiting rows), or nothing new was answered for ``quiet`` seconds (a loss;
    ``first`` seconds for the first answer, while a fresh process warms up). Returns when
    the last answer came."""
    started = last_answer = time.perf_counter()
    last: int | None = None
    while True:
        await asyncio.gather(*(client.sync(chat) for chat in sent))
        ends = {chat: _turn_ends(client, chat) for chat in sent}
        now = time.perf_counter()
        total = sum(ends.values())
        if last is not None and total != last:
            last_answer = now
        last = total
        if all(ends[chat] >= count for chat, count in sent.items()) and settled():
            return last_answer
        silent = now - last_answer
        if silent > (quiet if last_answer > started else first) or now - started > timeout:
            return last_answer
        await asyncio.sleep(0.25)


async def crash_scenario(
    env: dict[str, str],
    emulator_url: str,
    work: Path,
    *,
    learners: int = 30,
    kills: int = 3,
    first_chat: int = 5000,  # clear of the emulator's own bot id (1000) and the other chats
) -> Crash:
    """SIGKILL the bot ``kills`` times while ``learners`` write, each time 0.3-0.6 s after a
    burst (each learner sends CRASH_PER_BURST messages without waiting), start it again and
    wait for the backlog; then a last burst. The bot's SQLite database (in ``env``'s
    TAALMAATJE_VAR_DIR) survives the kills; the emulator keeps what was not confirmed."""
    delivery = env.get("TAALMAATJE_DELIVERY") or "inbox"
    crash = Crash(delivery, learners, kills)
    database = Path(env["TAALMAATJE_VAR_DIR"]) / "taalmaatje.db"
    chats = list(range(first_chat, first_chat + learners))
    sent = dict.fromkeys(chats, 0)
    update_ids: list[int] = []
    bot = _BotProcess(env, work)

    def settled() -> bool:
        return delivery != "inbox" or _inbox_waiting(database) == 0

    async def burst(number: int) -> None:
        async def learner(position: int, chat: int) -> None:
            await asyncio.sleep(0.2 * position / learners)  # spread over 0.2 s
            for index in range(number * CRASH_PER_BURST, (number + 1) * CRASH_PER_BURST):
                kind, payload = _crash_message(chat, index)
                posted = await client.post(f"/api/chats/{chat}/{kind}", payload)
                update_ids.append(int(posted["update_id"]))
                sent[chat] += 1

        await asyncio.gather(*(learner(p, c) for p, c in enumerate(chats)))

    async with EmulatorClient(emulator_url) as client:
        await client.post("/api/reset", {"keep_files": True})
        try:
            await bot.start()
            await bot.ready()
            for number in range(kills):
                await burst(number)
                await asyncio.sleep(CRASH_DELAYS[number % len(CRASH_DELAYS)])
                await bot.kill()
                await asyncio.gather(*(client.sync(chat) for chat in chats))
                unanswered = sum(max(0, sent[c] - _turn_ends(client, c)) for c in chats)
                crash.unanswered_at_kill.append(unanswered)
                crash.inbox_waiting_at_kill.append(_inbox_waiting(database))
                restarted = await bot.start()
                await bot.ready()
                answered = await _until_answered(client, sent, settled)
                crash.recovery_s = max(crash.recovery_s, answered - restarted)
            await burst(kills)
            await _until_answered(client, sent, settled)
            await asyncio.sleep(1.5)  # a late second answer still counts
            await asyncio.gather(*(client.sync(chat) for chat in chats))
        finally:
            await bot.stop()
    ends = {chat: _turn_ends(client, chat) for chat in chats}
    crash.messages = sum(sent.values())
    crash.answered = sum(min(ends[c], sent[c]) for c in chats)
    crash.lost = crash.messages - crash.answered
    crash.duplicates = sum(max(0, ends[c] - sent[c]) for c in chats)
    turns = dict(
        _query(
            database,
            "SELECT sender_id, count(*) FROM events WHERE type_name = 'user' GROUP BY sender_id",
        )
    )
    crash.turns_rerun = sum(max(0, turns.get(str(c), 0) - sent[c]) for c in chats)
    if delivery == "inbox":
        done = {
            row[0] for row in _query(database, "SELECT update_id FROM inbox WHERE status = 'done'")
        }
        crash.not_done = len(set(update_ids) - done)
    return crash


def _bench_variant(
    name: str,
    config: Path,
    work: Path,
    emulator_url: str,
    args: argparse.Namespace,
    *,
    models: Path | None = None,
    stock_rasa: bool = False,
    updater: bool = False,
    crash: bool = False,
    audio: Path | None = None,
    snapshot: Path | None = None,
) -> Figures:
    """Measure one configuration; with ``models`` given, reuse that trained model.

    ``updater``: python-telegram-bot's own Updater instead of the inbox (the "before" of
    issue 10); ``crash``: then the crash scenario, with a database of its own. ``audio``:
    a voice-note cache of its own; ``snapshot``: copy the cache there once it is built,
    before any turn renders more (so a later variant starts from the same cache)."""
    figures = Figures(name=name, config=str(config.relative_to(PROJECT_ROOT)))
    work.mkdir(parents=True, exist_ok=True)
    env = _env(work, config, emulator_url, models)
    quiet = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if stock_rasa:
        env["TAALMAATJE_RASA_SPEEDUPS"] = "off"
        figures.notes.append("Rasa's own runtime: without bot/dialogue/rasa_speedups.py")
    if audio is not None:
        env["TAALMAATJE_AUDIO_DIR"] = str(audio)
    if updater:
        env["TAALMAATJE_DELIVERY"] = "updater"
        figures.notes.append("python-telegram-bot's Updater: no inbox (TAALMAATJE_DELIVERY)")
    if models is None:
        print(f"[{name}] training ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        subprocess.run(_command("train", "--force"), env=env, **quiet)
        figures.training_s = time.perf_counter() - started
    print(f"[{name}] voice notes ...", file=sys.stderr, flush=True)
    subprocess.run(_command("audio", "build"), env=env, **quiet)
    if snapshot is not None:
        shutil.copytree(env["TAALMAATJE_AUDIO_DIR"], snapshot)
    print(f"[{name}] serving and measuring ...", file=sys.stderr, flush=True)
    spawned = time.perf_counter()
    with _process(_command("run"), env, work / "bot.log") as process:
        asyncio.run(_measure(figures, emulator_url, process, spawned, args))
    if crash and args.crash_learners > 0:
        print(f"[{name}] crash: SIGKILL while learners write ...", file=sys.stderr, flush=True)
        crash_env = {**env, "TAALMAATJE_VAR_DIR": str(work / "crash" / "var")}
        figures.crash = asyncio.run(
            crash_scenario(
                crash_env, emulator_url, work / "crash",
                learners=args.crash_learners, kills=args.kills,
            )
        )  # fmt: skip
    if crash and not updater and getattr(args, "prompts", 0) > 0:
        print(f"[{name}] outbox: {args.prompts} buddy prompts ...", file=sys.stderr, flush=True)
        figures.outbox = asyncio.run(_drain(env, emulator_url, work / "drain", args.prompts))
    print(f"[{name}] done", file=sys.stderr, flush=True)
    return figures


async def _drain(env: dict[str, str], emulator_url: str, work: Path, count: int) -> Drain:
    """Prompts queued before the start, then sent under Telegram's rate limit."""
    drain_env = env_for_drain(env, work)
    (work / "var").mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(queue_prompts, drain_env["DATABASE_URL"], count)
    async with EmulatorClient(emulator_url) as client:
        await client.post("/api/reset", {"keep_files": True})
        await open_chats(client, count)
        process = _BotProcess(drain_env, work)
        await process.start()
        try:
            return await measure_drain(client, count, float(drain_env["TAALMAATJE_RATE_LIMIT"]))
        finally:
            await process.stop()


def run_bench(settings: Settings, args: argparse.Namespace) -> int:
    if getattr(args, "dashboard", False):
        from bot.bench_dashboard import run_dashboard_bench

        return run_dashboard_bench(settings, args)
    port = _free_port()
    emulator_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="taalmaatje-bench-") as tmp:
        work = Path(tmp)
        env = _env(work / "emulator", settings.config_path, emulator_url)
        with _process(_command("emulator", "--port", str(port)), env, work / "emulator.log"):
            _wait_for_port(port)
            built = work / "audio-built"  # the voice notes before any turn rendered more
            results = [
                _bench_variant(
                    "taalmaatje", settings.config_path, work / "light", emulator_url, args,
                    crash=True, snapshot=built,
                )
            ]  # fmt: skip
            # The inbox's cost (issue 10): the same model and voice notes, without the inbox.
            shutil.copytree(built, work / "updater" / "audio")
            results.append(
                _bench_variant(
                    "taalmaatje, updater", settings.config_path, work / "updater",
                    emulator_url, args, models=work / "light" / "models", updater=True,
                    crash=True, audio=work / "updater" / "audio",
                )
            )  # fmt: skip
            if not args.no_baseline:
                baseline = work / "baseline"
                results.append(
                    _bench_variant(
                        "baseline DIET+TED", BASELINE_CONFIG, baseline, emulator_url, args
                    )
                )
                stock = _bench_variant(
                    "DIET+TED, stock Rasa", BASELINE_CONFIG, work / "stock", emulator_url, args,
                    models=baseline / "models", stock_rasa=True,
                )  # fmt: skip
                stock.training_s = results[2].training_s
                results.append(stock)
    for other in results[1:]:
        if other.turns_per_s:
            results[0].notes.append(
                f"throughput {results[0].turns_per_s / other.turns_per_s:.1f}x {other.name}"
            )
    inbox, before = results[0], results[1]
    inbox.notes.append(
        f"the inbox's cost: turn p50 {inbox.turn_p50_ms - before.turn_p50_ms:+.1f} ms, "
        f"p99 {inbox.turn_p99_ms - before.turn_p99_ms:+.1f} ms over {before.name} (budget 3 ms)"
    )
    report = {"machine": _machine(), "figures": [asdict(f) for f in results]}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        _print_table(results)
    return 0


def _wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the emulator did not start on port {port}")


def _machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": sys.version.split()[0]}


def _print_table(results: list[Figures]) -> None:
    rows = [
        ("training (s)", "training_s", "{:.1f}"),
        ("cold start (s)", "cold_start_s", "{:.1f}"),
        ("turn p50 (ms)", "turn_p50_ms", "{:.1f}"),
        ("turn p99 (ms)", "turn_p99_ms", "{:.1f}"),
        ("turns/s, 50 learners", "turns_per_s", "{:.0f}"),
        ("turn 10 p50 (ms)", "long_turn10_p50_ms", "{:.1f}"),
        ("turn 300 p50 (ms)", "long_turn300_p50_ms", "{:.1f}"),
        ("turn 300 / turn 10", "long_ratio", "{:.2f}"),
        ("practice answer p50 (ms)", "practice_p50_ms", "{:.1f}"),
        ("practice answer p99 (ms)", "practice_p99_ms", "{:.1f}"),
        ("booking step p50 (ms)", "booking_p50_ms", "{:.1f}"),
        ("booking step p99 (ms)", "booking_p99_ms", "{:.1f}"),
        ("peak RSS (MB)", "peak_rss_mb", "{:.0f}"),
    ]
    crash_rows = [
        ("crash: messages", "messages", "{:d}"),
        ("crash: lost", "lost", "{:d}"),
        ("crash: answered twice", "duplicates", "{:d}"),
        ("crash: turns run twice", "turns_rerun", "{:d}"),
        ("crash: recovery (s)", "recovery_s", "{:.1f}"),
    ]
    drain_rows = [
        ("outbox: prompts", "delivered", "{:d}"),
        ("outbox: prompts/s", "per_s", "{:.1f}"),
        ("outbox: share of limit", "share_of_limit", "{:.0%}"),
    ]
    print(f"{'':<24}" + "".join(f"{r.name:>20}" for r in results))
    for label, key, fmt in rows:
        print(f"{label:<24}" + "".join(f"{fmt.format(getattr(r, key)):>20}" for r in results))
    for label, key, fmt in crash_rows:
        cells = ["–" if r.crash is None else fmt.format(getattr(r.crash, key)) for r in results]
        print(f"{label:<24}" + "".join(f"{cell:>20}" for cell in cells))
    for label, key, fmt in drain_rows:
        cells = ["–" if r.outbox is None else fmt.format(getattr(r.outbox, key)) for r in results]
        print(f"{label:<24}" + "".join(f"{cell:>20}" for cell in cells))
    for result in results:
        for note in result.notes:
            print(f"{result.name}: {note}")
