"""`taalmaatje demo-data`: a small synthetic year with every place and profile, rolled up
for the dashboard; a second run refuses, because demo data never mixes with real use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from bot.settings import PROJECT_ROOT


def demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "TAALMAATJE_VAR_DIR": str(tmp_path / "var"), "TAALMAATJE_SECRET": "test-secret",
    }  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "bot", "demo-data", *args], capture_output=True, text=True,
        env=env, cwd=PROJECT_ROOT, timeout=300,
    )  # fmt: skip


def test_a_small_year_then_a_refusal(tmp_path: Path) -> None:
    made = demo(tmp_path, "--learners", "60", "--weeks", "8", "--json")
    assert made.returncode == 0, made.stderr
    figures = json.loads(made.stdout)
    assert figures["learners"] == 60 and figures["events"] > 1000
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    with engine.connect() as connection:

        def one(sql: str) -> list[tuple]:
            return [tuple(r) for r in connection.execute(sa.text(sql))]

        places = {p for (p,) in one("SELECT DISTINCT place FROM learner_facts")}
        assert {"tiel", "culemborg", "geldermalsen"} <= places
        profiles = {p for (p,) in one("SELECT DISTINCT profile FROM learner_facts")}
        assert {"nt1", "nt2", "werk"} <= profiles
        assert one("SELECT count(*) FROM learner_weeks")[0][0] > 60  # rolled up
        assert one("SELECT count(*) FROM appointments WHERE starts_at > datetime('now')")[0][0] > 0
        before = one("SELECT count(*) FROM analytics_events")
    refused = demo(tmp_path, "--learners", "10")
    assert refused.returncode == 2 and "lege database" in refused.stderr
    with engine.connect() as connection:
        assert [tuple(r) for r in connection.execute(
            sa.text("SELECT count(*) FROM analytics_events"))] == before  # fmt: skip
    engine.dispose()
