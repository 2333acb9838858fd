"""Telegram's LoginUrl data: accepted when Telegram signed it with the bot's token, within
10 minutes, once; anything forged, altered or old is refused."""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.content import load_dashboard_texts
from bot.dashboard.app import add_dashboard
from bot.dashboard.telegram_login import verified_id
from bot.store.coordinators import Coordinators
from bot.store.db import make_engine, make_sessionmaker, migrate

TOKEN = "123456:ABC-the-bots-token"
COORDINATOR = 4242


def signed(fields: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    key = hashlib.sha256(token.encode()).digest()
    return {**fields, "hash": hmac.new(key, check.encode(), hashlib.sha256).hexdigest()}


def test_only_telegrams_own_recent_signature_counts() -> None:
    now = time.time()
    fields = {"id": str(COORDINATOR), "first_name": "Anna", "auth_date": str(int(now))}
    assert verified_id(signed(fields), TOKEN, now) == COORDINATOR
    assert verified_id(signed(fields, "654321:another-bot"), TOKEN, now) is None
    assert verified_id({**signed(fields), "id": "1"}, TOKEN, now) is None  # altered
    assert verified_id(signed(fields), TOKEN, now + 601) is None  # too old
    assert verified_id({k: v for k, v in signed(fields).items() if k != "hash"}, TOKEN, now) is None


@pytest.mark.asyncio
async def test_the_button_logs_a_coordinator_in_once(tmp_path: Path) -> None:
    from bot.dashboard.common import DashboardDeps

    engine = make_engine(f"sqlite:///{tmp_path}/db.sqlite")
    migrate(engine)
    sessions = make_sessionmaker(engine)
    coordinators = Coordinators(sessions, b"k" * 32)
    coordinators.add(COORDINATOR, ["tiel"])
    app = web.Application()
    deps = DashboardDeps(coordinators, sessions, {"tiel": "Tiel"}, load_dashboard_texts(),
                         bot_token=TOKEN)  # fmt: skip
    add_dashboard(app, deps, "secret")
    query = signed({"id": str(COORDINATOR), "auth_date": str(int(time.time()))})
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/dashboard/telegram", params=query, allow_redirects=False)
        assert response.status == 303
        stranger = signed({"id": "77", "auth_date": str(int(time.time()))})  # no coordinator
        assert (await client.get("/dashboard/telegram", params=stranger)).status == 403
    async with TestClient(TestServer(app)) as again:  # the same data replayed
        response = await again.get("/dashboard/telegram", params=query, allow_redirects=False)
        assert response.status == 403
    engine.dispose()
