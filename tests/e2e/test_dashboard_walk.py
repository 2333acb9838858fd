"""The issue's walk in headless Chromium: a coordinator of Tiel logs in through the bot's
link, sees the overview with its charts and tables for Tiel only, downloads a CSV, makes a
buddy invitation and sees its QR code, uploads their own voice for the greeting; a learner
in the web chat then hears that recording. On the way, axe-core checks every page in the
menu, at a desktop's width and a phone's.

With TAALMAATJE_GUIDE_SHOTS=docs/dashboard the pictures of docs/dashboard.md are saved:
  TAALMAATJE_GUIDE_SHOTS=docs/dashboard .venv/bin/python -m pytest tests/e2e/test_dashboard_walk.py
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from bot.demo_data import make_demo_year
from bot.speech import espeak
from tests.e2e.chromium import Chromium, axe_violations, find_chromium, launch_chromium
from tests.e2e.test_dashboard import TEXTS, TIEL, bot, login_link

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.chromium,
    pytest.mark.skipif(find_chromium() is None, reason="no chromium binary"),
]
__all__ = ["bot"]

SHOTS = Path(os.environ.get("TAALMAATJE_GUIDE_SHOTS") or tempfile.mkdtemp(prefix="shots-"))
GREETING = "Hoi! Ik ben Taalmaatje. 👋 Ik help je met Nederlands."
LEARNER_PERSON = 6  # the web chat's ?persoon=6


async def shot(browser: Chromium, name: str) -> None:
    await browser.evaluate("window.scrollTo(0, 0)")
    await browser.screenshot(SHOTS / name)


async def no_violations(browser: Chromium, where: str) -> None:
    violations = await axe_violations(browser)
    assert not violations, (where, violations)


async def upload(browser: Chromium, selector: str, path: Path) -> None:
    """Choose a file in a file field, as a person does in the file dialog."""
    document = await browser.send("DOM.getDocument", {"depth": 0})
    node = await browser.send(
        "DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": selector}
    )
    await browser.send("DOM.setFileInputFiles", {"files": [str(path)], "nodeId": node["nodeId"]})


async def test_a_coordinators_walk_through_the_dashboard(bot: Any, tmp_path: Path) -> None:
    await asyncio.to_thread(SHOTS.mkdir, parents=True, exist_ok=True)
    make_demo_year(bot.store.engine, bot.store.analytics.pseudonym, learners=150, weeks=14)
    base = bot.emulator.base_url
    async with launch_chromium(width=1200, height=900) as browser:
        await browser.navigate(await login_link(bot, TIEL))
        await browser.wait_until("document.querySelectorAll('.grafiek canvas').length >= 5")
        # The charts are drawn (Chart.js sizes its canvas) from the tables beside them.
        assert await browser.evaluate(
            "[...document.querySelectorAll('.grafiek canvas')].every(c => c.width > 100)"
        )
        text = await browser.evaluate("document.body.innerText")
        assert "Tiel" in text and "Culemborg" not in text and "Geldermalsen" not in text
        await no_violations(browser, "overzicht")
        await shot(browser, "overzicht.png")
        # Download a CSV: the browser gets the file the link names, with the table's numbers.
        csv = await browser.evaluate(
            """fetch(document.querySelector('a[download]').href).then(r =>
                r.text().then(t => [r.headers.get('Content-Disposition'), t]))"""
        )
        assert "overzicht-actief_profiel.csv" in csv[0] and csv[1].lstrip("\ufeff").startswith(
            "Week;"
        )

        # Every page in the menu passes axe, on a desktop and on a phone.
        menu = await browser.evaluate(
            "[...document.querySelectorAll('nav.menu a')].map(a => a.href)"
        )
        assert len(menu) >= 6
        for width in (1200, 390):
            await browser.send("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": 900, "deviceScaleFactor": 1,
                                "mobile": width < 500})  # fmt: skip
            for href in menu:
                await browser.navigate(href)
                await no_violations(browser, f"{href} at {width}px")
                if width == 1200 and not href.endswith("/dashboard/"):  # that one is above
                    await shot(browser, f"{href.rstrip('/').rsplit('/', 1)[-1] or 'dashboard'}.png")
        assert [e for e in browser.errors if "favicon" not in e] == [], browser.errors

        # A buddy invitation with its QR code.
        desktop = {"width": 1200, "height": 900, "deviceScaleFactor": 1, "mobile": False}
        await browser.send("Emulation.setDeviceMetricsOverride", desktop)
        await browser.navigate(f"{base}/dashboard/uitnodigingen")
        await browser.click("form[action$='uitnodigingen'] button[type=submit]")
        await browser.wait_until("document.querySelector('.qr-lijst img')?.naturalWidth > 100")
        link = await browser.evaluate("document.querySelector('.qr-lijst a').href")
        assert link.startswith("https://t.me/taalmaatje_bot?start=M")
        await no_violations(browser, "uitnodiging gemaakt")
        await shot(browser, "uitnodiging.png")

        # Their own voice for the greeting.
        samples, rate = espeak.synthesize("Hoi! Ik ben Anna van het Taalhuis.", rate=130)
        recording = tmp_path / "groet.wav"
        buffer = io.BytesIO()
        soundfile.write(buffer, np.asarray(samples), rate, format="WAV")
        recording.write_bytes(buffer.getvalue())
        await browser.navigate(f"{base}/dashboard/stem?zoek=Ik+ben+Taalmaatje")
        await upload(browser, "form.opname input[type=file]", recording)
        await browser.click("form.opname button[type=submit]")
        saved = json.dumps(TEXTS["stem"]["saved"])
        await browser.wait_until(f"document.body && document.body.innerText.includes({saved})")
        await no_violations(browser, "stem opgeslagen")
        await shot(browser, "stem.png")

    # A learner in the web chat hears the coordinator's recording.
    [own] = [v for v in bot.speech._own.values()]
    async with launch_chromium(width=420, height=860) as phone:
        await phone.navigate(f"{base}/?persoon={LEARNER_PERSON}")
        await phone.wait_until("document.getElementById('status').textContent === 'Online'")
        await phone.click("#start")
        src = await phone.wait_until(
            f"""(() => {{
                const bubble = [...document.querySelectorAll('.van-bot')]
                    .find(b => b.querySelector('.tekst')?.textContent === {json.dumps(GREETING)});
                return bubble?.querySelector('audio')?.src;
            }})()""",
            timeout=30,
        )
        heard = await phone.evaluate(
            f"fetch({json.dumps(src)}).then(r => r.arrayBuffer())"
            ".then(b => [...new Uint8Array(b)].slice(0, 4096))"
        )
    assert bytes(heard) == own.path.read_bytes()[:4096]
