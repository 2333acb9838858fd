"""`taalmaatje afspraken --dag`: the desk's day list, as a coordinator runs it (a real process
on a database of its own, filled through the store)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path

import pytest
import yaml

from bot.settings import PROJECT_ROOT
from bot.store.appointments import Appointments, Booking
from bot.store.db import make_engine, make_sessionmaker, migrate
from bot.taalhuis.organisation import TIMEZONE

TAALMAATJE = Path(sys.executable).with_name("taalmaatje")
DAY = date(2030, 3, 4)  # a Monday, in winter time (UTC+1)
TEXTS = yaml.safe_load((PROJECT_ROOT / "bot/content/coordinator.yml").read_text("utf-8"))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A private var/ whose database holds two appointments on DAY in two locations."""
    var_dir = tmp_path_factory.mktemp("afspraken-var")
    engine = make_engine(f"sqlite:///{var_dir / 'taalmaatje.db'}")
    try:
        migrate(engine)
        store = Appointments(make_sessionmaker(engine))
        at = {"now": datetime(2030, 3, 1, 12, 0, tzinfo=TIMEZONE)}
        culemborg = datetime.combine(DAY, time(14, 30), tzinfo=TIMEZONE)
        tiel = datetime.combine(DAY, time(10, 0), tzinfo=TIMEZONE)
        booked = [
            store.book(501, "culemborg", culemborg, "brief", 4, phone="0612345678", **at),
            store.book(502, "tiel", tiel, "intake", 4, **at),
            store.book(503, "tiel", datetime(2030, 3, 5, 10, 0, tzinfo=TIMEZONE), "oefenen", 4),
        ]
        assert all(isinstance(result, Booking) for result in booked)
        # Cancelled appointments are not on the list.
        assert store.cancel(503, booked[2].appointment.id)
    finally:
        engine.dispose()
    base = {key: value for key, value in os.environ.items() if not key.startswith("TAALMAATJE_")}
    return {**base, "TAALMAATJE_VAR_DIR": str(var_dir), "TAALMAATJE_SECRET": "test-secret"}


def afspraken(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TAALMAATJE), "afspraken", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
        env=env,
    )


def test_a_day_lists_each_location_with_local_times(env: dict[str, str]) -> None:
    result = afspraken(env, "--dag", DAY.isoformat())
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Afspraken op maandag 4-3-2030",
        "",
        "Taalhuis Tiel",
        "  10:00  intake  afspraak 0002",
        "",
        "Taalhuis Culemborg",
        "  14:30  hulp bij een brief  afspraak 0001  bel terug: 0612345678",
    ]


def test_a_day_as_json_shares_the_phone_only_when_given(env: dict[str, str]) -> None:
    result = afspraken(env, "--dag", DAY.isoformat(), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == {
        "day": "2030-03-04",
        "appointments": [
            {
                "ref": "0002",
                "location_id": "tiel",
                "location": "Taalhuis Tiel",
                "starts_at": "2030-03-04T10:00:00+01:00",
                "reason": "intake",
            },
            {
                "ref": "0001",
                "location_id": "culemborg",
                "location": "Taalhuis Culemborg",
                "starts_at": "2030-03-04T14:30:00+01:00",
                "reason": "brief",
                "phone": "0612345678",
            },
        ],
    }


def test_a_day_without_appointments_says_so(env: dict[str, str]) -> None:
    # 5 March has only a cancelled appointment.
    result = afspraken(env, "--dag", "2030-03-05")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Geen afspraken op dinsdag 5-3-2030."
    as_json = afspraken(env, "--dag", "2030-03-05", "--json")
    assert json.loads(as_json.stdout) == {"day": "2030-03-05", "appointments": []}


@pytest.mark.parametrize("bad", ["2030-02-30", "4-3-2030", "morgen"])
def test_a_bad_date_is_a_clear_error(env: dict[str, str], bad: str) -> None:
    result = afspraken(env, "--dag", bad)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == TEXTS["afspraken"]["bad_date"].format(datum=bad)


def test_the_coordinator_texts_cover_every_reason() -> None:
    from bot.store.models import APPOINTMENT_REASONS

    assert set(TEXTS["afspraken"]["reasons"]) == set(APPOINTMENT_REASONS)
