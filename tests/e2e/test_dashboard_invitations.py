"""Invitations and access in the dashboard (issue 12): a coordinator makes buddy
invitations for their place and sees each link with its QR code once; a buddy opens one in
the web chat and becomes a buddy of that place; a revoked one no longer works; another
place's coordinator can neither see nor revoke them; an admin's coordinator invitation
makes a new coordinator of that place; the admin's page "Toegang" changes places, makes
admins and removes coordinators, and refuses everyone else.

The whole bot runs with the emulator; the dashboard is called over HTTP as a browser
would, and in headless Chromium with clicks (and axe-core) where a person's view counts.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from bot.buddy import codes
from bot.content import load_channel_texts
from bot.emulator.client import EmulatorClient, text_of
from bot.emulator.people import person_chat_id
from bot.store.models import Invitation
from tests.e2e.chromium import Chromium, axe_violations, find_chromium, launch_chromium
from tests.e2e.test_buddies import TEXTS as BUDDY_TEXTS
from tests.e2e.test_buddies import buddy_text
from tests.e2e.test_dashboard import CULEMBORG, TEXTS, TIEL, bot, browser, login_link
from tests.e2e.test_webchat_buddies import open_chat, sees, tap

pytestmark = pytest.mark.asyncio
__all__ = ["bot"]  # the running bot with coordinators of Tiel and Culemborg

T = TEXTS["uitnodigingen"]
A = TEXTS["coordinatoren"]
ADMIN, BUDDY, STRANGER, NEW_COORDINATOR = 73_000_010, 73_000_011, 73_000_012, 73_000_013
LINKS = re.compile(r'<a href="(https://t\.me/[^"]+)"')
BAD_LINK = load_channel_texts().texts["bad_link"]
# The coordinators' guide can take its pictures from these walks (TAALMAATJE_GUIDE_SHOTS=
# docs/dashboard .venv/bin/python -m pytest tests/e2e/test_dashboard_invitations.py).
SHOTS = Path(os.environ.get("TAALMAATJE_GUIDE_SHOTS") or tempfile.gettempdir())


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


def code_of(link: str) -> str:
    return link.split("start=")[1]


async def test_make_hand_out_and_revoke_buddy_invitations(bot: Any) -> None:
    url = f"{bot.emulator.base_url}/dashboard/uitnodigingen"
    session = await logged_in(bot, TIEL)
    async with session:
        csrf, page = await csrf_of(session, url)
        assert T["none"] in page
        # Without the form's token (another site posting): refused, nothing made.
        async with session.post(url, data={"plek": "tiel", "aantal": "2"}) as response:
            assert response.status == 403
        for count in ("0", "51", "veel"):  # 1 to 50 at once
            form = {"csrf": csrf, "plek": "tiel", "soort": "maatje", "aantal": count}
            async with session.post(url, data=form) as response:
                assert response.status == 400
                assert T["bad_count"].format(most=50) in await response.text()
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
        with bot.store.engine.connect() as connection:  # only the codes' hashes are kept
            stored = " ".join(connection.execute(sa.select(Invitation.code_hash)).scalars())
        assert not any(code_of(link) in stored for link in links)
        # Another place cannot make invitations for Tiel, nor see or revoke its ones.
        other = await logged_in(bot, CULEMBORG)
        async with other:
            other_csrf, other_page = await csrf_of(other, url)
            assert "Tiel" not in other_page and T["none"] in other_page
            bad = {"csrf": other_csrf, "plek": "tiel", "soort": "maatje", "aantal": "1"}
            async with other.post(url, data=bad) as response:
                assert response.status == 403
            with bot.store.engine.connect() as connection:
                ids = list(connection.execute(sa.select(Invitation.id)).scalars())
            for number in ids:
                async with other.post(
                    f"{url}/intrekken", data={"csrf": other_csrf, "id": str(number)}
                ) as response:
                    assert response.status == 404  # fmt: skip
        assert invitations(bot) == 2

        async with EmulatorClient(bot.emulator.base_url) as client:
            first, second = (code_of(link) for link in links)
            opened = await start(client, BUDDY, first)
            assert text_of(opened[-1]) == buddy_text("uitleg")
            # Tiel revokes the second before anyone used it: its link no longer works.
            _, page = await csrf_of(session, url)
            [open_id] = re.findall(r'name="id" value="(\d+)"', page)
            async with session.post(f"{url}/intrekken", data={"id": open_id}) as response:
                assert response.status == 403  # no token: not revoked
            async with session.post(
                f"{url}/intrekken", data={"csrf": csrf, "id": open_id}
            ) as response:
                assert response.status == 200 and response.url.query.get("ingetrokken") == "1"
                page = await response.text()  # fmt: skip
            assert T["revoked"] in page
            assert T["states"]["used"] in page and T["states"]["revoked"] in page
            refused = await start(client, STRANGER, second, settle=2.0)
            assert BAD_LINK in [text_of(m) for m in refused]
            assert bot.store.buddies.buddy(STRANGER) is None
        # Revoked once is enough: again, it is not found.
        async with session.post(f"{url}/intrekken", data={"csrf": csrf, "id": open_id}) as response:
            assert response.status == 404  # fmt: skip


@pytest.mark.chromium
@pytest.mark.skipif(find_chromium() is None, reason="no chromium binary")
async def test_in_chromium_a_coordinator_makes_invitations_and_a_buddy_opens_one(
    bot: Any,
) -> None:
    base = bot.emulator.base_url
    link = await login_link(bot, TIEL)
    async with launch_chromium(width=1100, height=900) as page:
        await page.navigate(link)
        await page.wait_for("nav.menu")
        await page.click('nav.menu a[href="/dashboard/uitnodigingen"]')
        await page.wait_for("#aantal")
        assert not await axe_violations(page)
        await page.evaluate("document.getElementById('aantal').value = '2'")
        await page.click('form.actie button[type="submit"]')
        await page.wait_until("document.querySelectorAll('.qr-kaart').length === 2")
        cards: list[dict[str, Any]] = await page.evaluate(
            """[...document.querySelectorAll('.qr-kaart')].map(card => {
                const img = card.querySelector('img');
                return {src: img.getAttribute('src'), drawn: img.complete && img.naturalWidth > 0,
                        alt: img.alt, link: card.querySelector('a.qr-link').textContent};
            })"""
        )
        for card in cards:  # the picture is the QR code of the link printed beside it
            assert re.fullmatch(r"https://t\.me/taalmaatje_bot\?start=M\S{22}", card["link"])
            assert card["src"] == codes.qr_svg_data(card["link"]) and card["drawn"]
            assert card["alt"] == T["qr_alt"]
        body = await page.evaluate("document.body.innerText")
        assert T["once"] in body
        assert await page.evaluate("!document.querySelector('[data-print]').hidden")
        violations = await axe_violations(page)
        assert not violations, violations
        assert page.errors == [], page.errors  # nothing refused by the CSP
        await shot(page, "uitnodigingen-nieuw.png")

        # A buddy (person 2 of the web chat) opens the first link and says yes.
        async with launch_chromium(width=420, height=860) as phone:
            await open_chat(phone, f"{base}/?persoon=2&start={code_of(cards[0]['link'])}")
            await sees(phone, buddy_text("uitleg"))
            await tap(phone, BUDDY_TEXTS["maatje_knoppen"]["ja"])
            await sees(phone, buddy_text("welkom"))
        place, _ = bot.store.buddies.buddy(person_chat_id(2))
        assert place == "tiel"

        # The list says "used" for that one; the other is revoked with a click.
        await page.navigate(f"{base}/dashboard/uitnodigingen")
        states = await page.evaluate(
            "[...document.querySelectorAll('#tabel-uitnodigingen tbody tr')]"
            ".map(r => r.cells[5].textContent)"
        )
        assert sorted(states) == sorted([T["states"]["used"], T["states"]["open"]])
        await shot(page, "uitnodigingen-lijst.png", "#lijst-titel")
        await page.click("#tabel-uitnodigingen button")
        await page.wait_until(f"document.body.innerText.includes({T['revoked']!r})")
        assert not await axe_violations(page)
    async with EmulatorClient(base) as client:
        refused = await start(client, STRANGER, code_of(cards[1]["link"]), settle=2.0)
    assert BAD_LINK in [text_of(m) for m in refused]


async def test_an_admins_coordinator_invitation_makes_a_coordinator_of_that_place(
    bot: Any,
) -> None:
    bot.store.coordinators.add(ADMIN, [], admin=True)
    url = f"{bot.emulator.base_url}/dashboard/uitnodigingen"
    session = await logged_in(bot, TIEL)
    async with session:  # a coordinator invites buddies only
        csrf, page = await csrf_of(session, url)
        assert 'name="soort" value="maatje"' in page and 'id="soort"' not in page
        form = {"csrf": csrf, "plek": "tiel", "soort": "coordinator", "aantal": "1"}
        async with session.post(url, data=form) as response:
            assert response.status == 403
    assert invitations(bot) == 0
    session = await logged_in(bot, ADMIN)
    async with session:
        csrf, _ = await csrf_of(session, url)
        links = []
        for place in ("culemborg", "culemborg"):
            form = {"csrf": csrf, "plek": place, "soort": "coordinator", "aantal": "1"}
            async with session.post(url, data=form) as response:
                links += [html.unescape(x) for x in LINKS.findall(await response.text())]
        assert all(code_of(link).startswith("C") for link in links)
    welcome = TEXTS["uitnodigingen"]["bot"]["welcome"].format(plaats="Culemborg")
    async with EmulatorClient(bot.emulator.base_url) as client:
        answer = await start(client, NEW_COORDINATOR, code_of(links[0]))
        assert text_of(answer[-1]) == welcome
        # Single use: someone else with the same link gets nothing.
        refused = await start(client, STRANGER, code_of(links[0]), settle=2.0)
        assert BAD_LINK in [text_of(m) for m in refused]
        # A coordinator of Tiel who opens the second keeps Tiel.
        answer = await start(client, TIEL, code_of(links[1]))
        assert text_of(answer[-1]) == welcome
    assert bot.store.coordinators.get(STRANGER) is None
    assert bot.store.coordinators.get(NEW_COORDINATOR).places == ("culemborg",)
    assert bot.store.coordinators.get(TIEL).places == ("tiel", "culemborg")
    # The new coordinator's /dashboard gives a link that works, for Culemborg only.
    session = await logged_in(bot, NEW_COORDINATOR)
    async with session:
        async with session.get(f"{bot.emulator.base_url}/dashboard/") as response:
            page = await response.text()
        assert "Culemborg" in page and "Tiel" not in page
        _, page = await csrf_of(session, url)
        assert "Tiel" not in page and T["kinds"]["coordinator"] not in page


async def test_the_access_page_is_for_admins_and_changes_who_sees_what(bot: Any) -> None:
    bot.store.coordinators.add(ADMIN, [], admin=True)
    url = f"{bot.emulator.base_url}/dashboard/coordinatoren"
    session = await logged_in(bot, TIEL)
    async with session:  # a coordinator: no menu entry, no page, no form
        csrf, page = await csrf_of(session, f"{bot.emulator.base_url}/dashboard/")
        assert TEXTS["nav_coordinators"] not in page
        async with session.get(url) as response:
            assert response.status == 403
            assert str(CULEMBORG) not in await response.text()
        async with session.post(f"{url}/beheerder", data={"csrf": csrf, "id": TIEL}) as response:
            assert response.status == 403
    assert not bot.store.coordinators.get(TIEL).admin

    admin = await logged_in(bot, ADMIN)
    tiel = await logged_in(bot, TIEL)
    async with admin, tiel:
        csrf, page = await csrf_of(admin, url)
        for person in (TIEL, CULEMBORG, ADMIN):
            assert A["person"].format(nummer=person) in page
        assert A["me"] in page and A["places_of"].format(plaatsen="Tiel") in page
        # Without the token: nothing changes.
        async with admin.post(f"{url}/verwijderen", data={"id": TIEL}) as response:
            assert response.status == 403
        # Tiel's coordinator gets Geldermalsen as well; no place at all is refused.
        form = aiohttp.FormData([("csrf", csrf), ("id", str(TIEL)), ("plek", "tiel"),
                                 ("plek", "geldermalsen"), ("plek", "nergens")])  # fmt: skip
        async with admin.post(f"{url}/plaatsen", data=form) as response:
            assert response.status == 200 and A["done"]["plaatsen"] in await response.text()
        assert bot.store.coordinators.get(TIEL).places == ("tiel", "geldermalsen")
        async with admin.post(f"{url}/plaatsen", data={"csrf": csrf, "id": TIEL}) as response:
            assert response.status == 400 and A["choose_a_place"] in await response.text()
        async with tiel.get(f"{bot.emulator.base_url}/dashboard/uitnodigingen") as response:
            assert "Geldermalsen" in await response.text()
        # Culemborg's coordinator becomes an admin: all places.
        async with admin.post(f"{url}/beheerder", data={"csrf": csrf, "id": CULEMBORG}) as r:
            assert r.status == 200 and A["done"]["beheerder"] in await r.text()
        assert bot.store.coordinators.get(CULEMBORG).admin
        # An admin cannot remove themselves; removing Tiel ends Tiel's session.
        async with admin.post(f"{url}/verwijderen", data={"csrf": csrf, "id": ADMIN}) as r:
            assert r.status == 403 and A["not_yourself"] in await r.text()
        assert bot.store.coordinators.get(ADMIN).admin
        async with admin.post(f"{url}/verwijderen", data={"csrf": csrf, "id": TIEL}) as r:
            assert r.status == 200 and A["done"]["verwijderd"] in await r.text()
            assert A["person"].format(nummer=TIEL) not in await r.text()
        assert bot.store.coordinators.get(TIEL) is None
        async with tiel.get(f"{bot.emulator.base_url}/dashboard/") as response:
            assert response.status in (401, 403)
        async with admin.post(f"{url}/verwijderen", data={"csrf": csrf, "id": TIEL}) as r:
            assert r.status == 404
    async with EmulatorClient(bot.emulator.base_url) as client:  # no login link either
        replies = await client.command(TIEL, "dashboard", timeout=30)
    assert not any("/dashboard/inloggen" in text_of(m) for m in replies)


@pytest.mark.chromium
@pytest.mark.skipif(find_chromium() is None, reason="no chromium binary")
async def test_the_access_page_passes_axe_in_chromium(bot: Any) -> None:
    bot.store.coordinators.add(ADMIN, [], admin=True)
    link = await login_link(bot, ADMIN)
    async with launch_chromium(width=1100, height=900) as page:
        await page.navigate(link)
        await page.wait_for("nav.menu")
        await page.click('nav.menu a[href="/dashboard/coordinatoren"]')
        await page.wait_for(".toegang")
        violations = await axe_violations(page)
        assert not violations, violations
        # Tick Culemborg for Tiel's coordinator and save, with clicks.
        await page.click(f"#plek-{TIEL}-culemborg")
        await page.click(f'#persoon-{TIEL} form[action$="plaatsen"] button')
        await page.wait_until(f"document.body.innerText.includes({A['done']['plaatsen']!r})")
        assert bot.store.coordinators.get(TIEL).places == ("tiel", "culemborg")
        assert not await axe_violations(page)
        await shot(page, "toegang.png")
        await _narrow(page)
        assert page.errors == [], page.errors


async def shot(page: Chromium, name: str, at: str | None = None) -> None:
    """A picture of the page as it is now, from the top or from the element ``at``."""
    scroll = f"document.querySelector({at!r}).scrollIntoView()" if at else "window.scrollTo(0, 0)"
    await page.evaluate(scroll)
    await page.screenshot(SHOTS / name)


async def _narrow(page: Chromium) -> None:
    """On a phone's width the page still passes (nothing hidden off screen)."""
    await page.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 800, "deviceScaleFactor": 1, "mobile": True},
    )
    violations = await axe_violations(page)
    assert not violations, violations
