"""The benchmark's outbox figure (issue 11): buddies' prompts draining to Telegram.

1,000 buddies each have one learner and one prompt queued in the outbox before the bot
starts; the bot then sends them as it would after a night of quiet hours, under Telegram's
overall rate limit (30 messages a second, python-telegram-bot's AIORateLimiter). The
figure is the rate between the first and the last prompt that reached the emulator, and its
share of the limit: the outbox should keep the limiter busy, not wait on itself.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.emulator.client import EmulatorClient

PROMPT = {"tekst": "Wat eet je graag?", "keuzes": ["Rijst", "Brood", "Soep"]}
FIRST_BUDDY = 900_000_000
FIRST_LEARNER = 910_000_000


@dataclass
class Drain:
    prompts: int = 0
    delivered: int = 0
    seconds: float = 0.0  # from the first prompt delivered to the last
    per_s: float = 0.0
    rate_limit: float = 0.0
    share_of_limit: float = 0.0


def queue_prompts(database_url: str, count: int) -> None:
    """``count`` active pairings, each with one prompt waiting in the outbox."""
    from sqlalchemy import insert

    from bot.store.buddies import Buddies
    from bot.store.db import make_engine, make_sessionmaker, migrate
    from bot.store.models import Pairing, utcnow

    engine = make_engine(database_url)
    try:
        migrate(engine)
        sessions = make_sessionmaker(engine)
        now = utcnow()
        rows = [
            {"id": index + 1, "buddy_id": FIRST_BUDDY + index, "learner_id": FIRST_LEARNER + index,
             "buddy_name": "Jan", "learner_name": "Sara", "place": "tiel", "status": "active",
             "practice_ok": True, "progress_ok": False, "started_at": now}
            for index in range(count)
        ]  # fmt: skip
        with sessions.begin() as session:
            session.execute(insert(Pairing), rows)
        buddies = Buddies(sessions)
        for row in rows:
            buddies.send(
                "vraag", row["learner_id"], PROMPT, now, pairing_id=row["id"],
                sender_id=row["buddy_id"],
            )  # fmt: skip
    finally:
        engine.dispose()


async def open_chats(client: EmulatorClient, count: int) -> None:
    """The learners have written to the bot before (Telegram's rule for a bot's message)."""
    for start in range(0, count, 100):
        await asyncio.gather(
            *(client.post(f"/api/chats/{FIRST_LEARNER + i}", {}) for i in range(start,
              min(count, start + 100)))
        )  # fmt: skip


async def measure_drain(client: EmulatorClient, count: int, rate_limit: float,
                        timeout: float = 600.0) -> Drain:  # fmt: skip
    """Watch the learners' chats fill: when each prompt arrived."""
    drain = Drain(prompts=count, rate_limit=rate_limit)
    seen: dict[int, float] = {}
    deadline = time.monotonic() + timeout
    while len(seen) < count and time.monotonic() < deadline:
        stats: dict[str, Any] = await client.stats()
        sent = sum(stats.get("methods", {}).get(m, 0) for m in ("sendVoice", "sendMessage"))
        now = time.perf_counter()
        for index in range(len(seen), min(sent, count)):
            seen[index] = now
        await asyncio.sleep(0.05)
    drain.delivered = len(seen)
    if len(seen) > 1:
        times = sorted(seen.values())
        drain.seconds = times[-1] - times[0]
        drain.per_s = (len(times) - 1) / drain.seconds if drain.seconds else 0.0
        drain.share_of_limit = drain.per_s / rate_limit if rate_limit else 0.0
    return drain


def env_for_drain(env: dict[str, str], work: Path) -> dict[str, str]:
    """The bot as in production: Telegram's rate limit, no quiet hours during the run."""
    return {
        **env,
        "TAALMAATJE_VAR_DIR": str(work / "var"),
        "TAALMAATJE_RATE_LIMIT": "30",
        "TAALMAATJE_QUIET_HOURS": "00:00-00:00",
        "DATABASE_URL": f"sqlite:///{work / 'var' / 'drain.db'}",
    }
