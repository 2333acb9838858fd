"""What a buddy reads (issue 11): short, simple, spoken; and the invitation codes.

Buddies are coworkers who often read poorly themselves: every buddy text must pass A2 in
the reading-level gate with realistic values in its placeholders, and render as a voice
note with the offline voice.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bot.buddy import codes
from bot.settings import PROJECT_ROOT
from bot.speech import SpeechService
from bot.store.db import make_sessionmaker
from bot.store.repositories import VoiceClips
from bot.tone.readability import check

VALUES = {
    "naam": "Sara", "aantal": "3", "antwoorden": "2", "tekst": "Ik eet graag rijst.",
    "tip": "Maak twee korte zinnen.", "link": "https://t.me/taalmaatje_bot?start=Labc",
}  # fmt: skip


def filled(text: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: VALUES[m.group(1)], text)


@pytest.fixture(scope="module")
def listed() -> list[dict[str, str]]:
    """`taalmaatje texts --json`, as an editor of the texts runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "texts", "--json"],
        capture_output=True, text=True, check=True, cwd=PROJECT_ROOT,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_at_least_25_buddy_texts_are_listed_for_the_buddy(listed: list[dict[str, str]]) -> None:
    buddy = [t for t in listed if t["audience"] == "buddy"]
    assert len(buddy) >= 25
    assert {t["level"] for t in buddy} == {"A2"}
    assert all(t["id"].startswith("maatje.maatje") for t in buddy)
    learner_side = [t for t in listed if t["id"].startswith("maatje.leerling")]
    assert learner_side and {t["audience"] for t in learner_side} == {"learner"}


def test_every_buddy_text_passes_a2(listed: list[dict[str, str]]) -> None:
    failing = {
        t["id"]: check(filled(t["text"]), "A2").problems
        for t in listed
        if t["id"].startswith("maatje.") and not check(filled(t["text"]), "A2").ok
    }
    assert failing == {}


def test_every_buddy_text_is_spoken(
    listed: list[dict[str, str]], engine: Engine, tmp_path: Path
) -> None:
    """Each message a buddy gets (the buttons are read with it, as part of the message)."""
    service = SpeechService(tmp_path / "audio", "espeak", VoiceClips(make_sessionmaker(engine)))
    messages = [t["text"] for t in listed if t["id"].startswith("maatje.maatje.")]
    assert len(messages) >= 25
    try:
        for text in messages:
            clip = service.render(filled(text))
            assert clip is not None and clip.duration > 0.3, text
            assert clip.path.read_bytes()[:4] == b"OggS", "an OGG/Opus voice note"
    finally:
        service.close()


def test_a_code_fits_a_telegram_deep_link_and_says_what_it_opens() -> None:
    made = {codes.new_code("maatje") for _ in range(50)} | {codes.new_code("leerling")}
    assert len(made) == 51, "random, never the same"
    for code in made:
        assert codes.PAYLOAD.fullmatch(code) and len(code) <= 64
    assert codes.kind_of(codes.new_code("maatje")) == "maatje"
    assert codes.kind_of(codes.new_code("leerling")) == "leerling"
    for bad in ("", "X" + "a" * 10, "M" + "a" * 64, "Mabc def", "M<script>", "Mé"):
        assert codes.kind_of(bad) is None, bad


def test_the_qr_code_is_a_png_of_the_link() -> None:
    image = codes.qr_png(codes.link("taalmaatje_bot", codes.new_code("maatje")))
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(image[16:20], "big"), int.from_bytes(image[20:24], "big")
    assert width == height >= 200, "big enough to print and scan"
