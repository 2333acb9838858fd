"""Invitations in the dashboard: a coordinator makes buddy invitations for their place and
sees each link with its QR code once; a buddy opens one in the bot; a revoked one no
longer works; another place's coordinator can neither see nor revoke them; an admin's
coordinator invitation makes a new coordinator of that place."""

from __future__ import annotations

import html
import re
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from bot.buddy import codes
from bot.buddy.texts import load_buddy_texts
from bot.content import load_channel_texts
from bot.emulator.client import EmulatorClient, text_of
from bot.store.models import Invitation
from tests.e2e.test_dashboard import CULEMBORG, TEXTS, TIEL, bot, browser, login_link

pytestmark = pytest.mark.asyncio
__all__ = ["bot"]  # the running bot with coordinators of Tiel and Culemborg

T = TEXTS["uitnodigingen"]
ADMIN, BUDDY, STRANGER, NEW_COORDINATOR = 73_000_010, 73_000_011, 73_000_012, 73_000_013
LINKS = re.compile(r'<a href="(https://t\.me/[^"]+)"')


async def logged_in(bot: Any, who: int) -> aiohttp.ClientSession:
    session = browser()
    async with session.get(await login_link(bot, who)) as response:
        assert response.status == 200
    return session


async def csrf_of(session: aiohttp.ClientSession, url: str) -> tuple[str, str]:
    async with session.get(url) as response:
        assert response.status == 200
        page = await response.text()
    return re.findall(r'name="csrf" value="([^"]+)"', page)[0], page


async def start(client: EmulatorClient, chat: int, code: str, **kw: Any) -> list[Any]:
    """/start with the link's code, as Telegram sends it after a tap on the link."""
    return await client.act(chat, "command", {"command": "start", "args": code}, timeout=30, **kw)


def invitations(bot: Any) -> int:
    with bot.store.engine.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(Invitation)))


async def test_make_hand_out_and_revoke_buddy_invitations(bot: Any) -> None:
    url = f"{bot.emulator.base_url}/dashboard/uitnodigingen"
    session = await logged_in(bot, TIEL)
    async with session:
        csrf, page = await csrf_of(session, url)
        assert T["none"] in page
        # Without the form's token (another site posting): refused, nothing made.
        async with session.post(url, data={"plek": "tiel", "aantal": "2"}) as response:
            assert response.status == 403
        assert invitations(bot) == 0
        form = {"csrf": csrf, "plek": "tiel", "soort": "maatje", "aantal": "2"}
        async with session.post(url, data=form) as response:
            assert response.status == 200
            made = await response.text()
        links = [html.unescape(link) for link in LINKS.findall(made)]
        assert len(links) == 2 and T["once"] in made
        for link in links:  # each link with its own QR code
            assert re.fullmatch(r"https://t\.me/taalmaatje_bot\?start=M[A-Za-z0-9_-]{22}", link)
            assert html.escape(codes.qr_svg_data(link)) in made
        # Another place cannot make invitations for Tiel, nor see or revoke its ones.
        other = await logged_in(bot, CULEMBORG)
        async with other:
            other_csrf, other_page = await csrf_of(other, url)
            assert "Tiel" not in other_page.split('id="lijst-titel"')[1]
            bad = {"csrf": other_csrf, "plek": "tiel", "soort": "maatje", "aantal": "1"}
            async with other.post(url, data=bad) as response:
                assert response.status == 403
            ids = [row.id for row in bot.store.engine.connect().execute(sa.select(Invitation.id))]
            for number in ids:
                async with other.post(
                    f"{url}/intrekken", data={"csrf": other_csrf, "id": str(number)}
                ) as response:
                    assert response.status == 404  # fmt: skip
        assert invitations(bot) == 2

        async with EmulatorClient(bot.emulator.base_url) as client:
            first, second = (link.split("start=")[1] for link in links)
            opened = await start(client, BUDDY, first)
            assert text_of(opened[-1]) == load_buddy_texts().buddy["uitleg"]
            # Tiel revokes the second before anyone used it: its link no longer works.
            _, page = await csrf_of(session, url)
            [open_id] = re.findall(r'name="id" value="(\d+)"', page)
            async with session.post(
                f"{url}/intrekken", data={"csrf": csrf, "id": open_id}
            ) as response:
                assert response.status == 200
                assert T["revoked"] in await response.text()  # fmt: skip
            refused = await start(client, STRANGER, second, settle=2.0)
            assert load_channel_texts().texts["bad_link"] in [text_of(m) for m in refused]
        _, page = await csrf_of(session, url)
        assert T["states"]["used"] in page and T["states"]["revoked"] in page


async def test_an_admins_coordinator_invitation_makes_a_coordinator_of_that_place(
    bot: Any,
) -> None:
    bot.store.coordinators.add(ADMIN, [], admin=True)
    url = f"{bot.emulator.base_url}/dashboard/uitnodigingen"
    session = await logged_in(bot, TIEL)
    async with session:  # a coordinator invites buddies only
        csrf, page = await csrf_of(session, url)
        assert 'name="soort" value="maatje"' in page
        form = {"csrf": csrf, "plek": "tiel", "soort": "coordinator", "aantal": "1"}
        async with session.post(url, data=form) as response:
            assert response.status == 403
    session = await logged_in(bot, ADMIN)
    async with session:
        csrf, _ = await csrf_of(session, url)
        form = {"csrf": csrf, "plek": "culemborg", "soort": "coordinator", "aantal": "1"}
        async with session.post(url, data=form) as response:
            [link] = [html.unescape(x) for x in LINKS.findall(await response.text())]
    async with EmulatorClient(bot.emulator.base_url) as client:
        welcome = await start(client, NEW_COORDINATOR, link.split("start=")[1])
        assert text_of(welcome[-1]) == TEXTS["invited"].format(plaats="Culemborg")
    assert bot.store.coordinators.get(NEW_COORDINATOR).places == ("culemborg",)
    session = await logged_in(bot, NEW_COORDINATOR)
    async with session, session.get(f"{bot.emulator.base_url}/dashboard/") as response:
        page = await response.text()
    assert "Culemborg" in page and "Tiel" not in page
