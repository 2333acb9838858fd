"""`taalmaatje maatjes uitnodigen`, as a coordinator runs it (issue 11)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from bot.buddy import codes
from bot.settings import PROJECT_ROOT
from bot.store.buddies import code_hash


def invite(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ, "TAALMAATJE_VAR_DIR": str(tmp_path / "var"), "TELEGRAM_BOT_TOKEN": "",
        "TELEGRAM_BOT_USERNAME": "@bieb_taalmaatje_bot", "TAALMAATJE_SECRET": "test",
    }  # fmt: skip
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "maatjes", "uitnodigen", *args],
        capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT, env=env,
    )  # fmt: skip


def test_invitations_are_links_with_a_qr_code_and_only_their_hash_is_stored(
    tmp_path: Path,
) -> None:
    result = invite(tmp_path, "--plek", "culemborg", "--aantal", "3", "--json")
    assert result.returncode == 0, result.stderr
    made = json.loads(result.stdout)
    assert len(made) == 3 and len({m["code"] for m in made}) == 3
    now = datetime.now(timezone.utc)
    for item in made:
        assert codes.kind_of(item["code"]) == "maatje"
        assert item["link"] == f"https://t.me/bieb_taalmaatje_bot?start={item['code']}"
        expires = datetime.fromisoformat(item["expires"].removesuffix("Z")).replace(
            tzinfo=timezone.utc
        )
        assert timedelta(days=29) < expires - now <= timedelta(days=30)
        assert Path(item["qr"]).read_bytes()[:4] == b"\x89PNG"
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'var' / 'taalmaatje.db'}")
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT code_hash, kind, place FROM invitations"))
        rows = sorted(tuple(r) for r in stored)
    engine.dispose()
    assert rows == sorted((code_hash(m["code"]), "maatje", "culemborg") for m in made)
    assert not any(m["code"] in str(rows) for m in made), "no code in the database"


def test_a_plain_listing_for_people_and_a_dutch_no_for_an_unknown_place(tmp_path: Path) -> None:
    listing = invite(tmp_path, "--plek", "tiel")
    assert listing.returncode == 0
    assert listing.stdout.startswith("1 uitnodiging(en) voor maatjes in Tiel")
    assert "QR-code:" in listing.stdout
    unknown = invite(tmp_path, "--plek", "utrecht")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == (
        "Onbekende plek: utrecht. Kies uit: tiel, culemborg, geldermalsen."
    )
