"""Who may use the dashboard, and the invitations staff make, in the store: the same on
SQLite and PostgreSQL (skipped only where no PostgreSQL runs on 127.0.0.1)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from bot.buddy.invitations import make_invitations, state
from bot.store.buddies import Buddies
from bot.store.coordinators import Coordinator, Coordinators, login_key
from bot.store.db import make_engine, make_sessionmaker, migrate
from bot.store.models import utcnow
from tests.e2e.test_appointments_postgres import open_pg

__all__ = ["open_pg"]


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> sessionmaker:
    if request.param == "postgresql":
        return make_sessionmaker(request.getfixturevalue("open_pg")())
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    migrate(engine)
    request.addfinalizer(engine.dispose)
    return make_sessionmaker(engine)


def test_coordinators_are_listed_changed_and_removed(sessions: sessionmaker) -> None:
    people = Coordinators(sessions, login_key("test-secret"))
    buddies = Buddies(sessions)
    people.add(3, ["tiel"])
    people.add(1, [], admin=True)
    people.add(2, ["culemborg"])
    buddies.add_role(2, "buddy", "culemborg", "Jan")
    assert people.list_all() == [
        Coordinator(1, (), True), Coordinator(2, ("culemborg",), False),
        Coordinator(3, ("tiel",), False),
    ]  # fmt: skip
    # All three places fit in the stored column.
    assert people.set_places(3, ["tiel", "culemborg", "geldermalsen", "tiel"])
    assert people.get(3) == Coordinator(3, ("tiel", "culemborg", "geldermalsen"), False)
    assert not people.set_places(3, []) and not people.set_places(99, ["tiel"])
    people.add_place(2, "tiel")  # a coordinator invitation keeps the places one has
    assert people.get(2) == Coordinator(2, ("culemborg", "tiel"), False)
    assert people.make_admin(2) and people.get(2).admin and not people.make_admin(99)
    link = people.new_link_token(3)
    assert people.remove(3) and not people.remove(3)
    assert people.get(3) is None and people.use_link_token(link) == 3  # the login then fails
    assert people.remove(2) and buddies.buddy(2) == ("culemborg", "Jan"), "still a buddy"
    assert [c.telegram_id for c in people.list_all()] == [1]


def test_staff_see_and_revoke_only_their_places_and_kinds(sessions: sessionmaker) -> None:
    buddies = Buddies(sessions)
    now = utcnow()
    [tiel] = make_invitations(buddies, "maatje", "tiel", 1, "taalmaatje_bot", now)
    [boss] = make_invitations(buddies, "coordinator", "tiel", 1, "taalmaatje_bot", now)
    culemborg = make_invitations(buddies, "maatje", "culemborg", 2, "taalmaatje_bot", now)
    assert tiel.link == f"https://t.me/taalmaatje_bot?start={tiel.code}"
    assert tiel.code[0] == "M" and boss.code[0] == "C"
    assert tiel.expires == now + timedelta(days=30)
    with pytest.raises(ValueError):
        make_invitations(buddies, "leerling", "tiel", 1, "taalmaatje_bot", now)
    rows = buddies.invitations(["tiel"], ("maatje",))
    assert [(r["kind"], r["place"]) for r in rows] == [("maatje", "tiel")]
    assert len(buddies.invitations(["tiel", "culemborg"])) == 4
    [ours] = rows
    assert state(ours, now) == "open" and state(ours, now + timedelta(days=31)) == "expired"
    # Not a place or kind of theirs: nothing happens.
    assert not buddies.revoke(ours["id"], ["culemborg"], now)
    [boss_row] = buddies.invitations(["tiel"], ("coordinator",))
    assert not buddies.revoke(boss_row["id"], ["tiel"], now, ("maatje",))
    assert buddies.revoke(ours["id"], ["tiel"], now, ("maatje",))
    assert not buddies.revoke(ours["id"], ["tiel"], now), "once"
    assert state(buddies.invitations(["tiel"], ("maatje",))[0], now) == "revoked"
    assert buddies.open_invitation(tiel.code, 5, now) is None, "a revoked link opens nothing"
    opened = buddies.open_invitation(culemborg[0].code, 6, now)
    assert opened is not None and opened.kind == "maatje"
    used = [r for r in buddies.invitations(["culemborg"]) if state(r, now) == "used"]
    assert len(used) == 1 and "used_by" not in used[0], "never who used it"
    assert not buddies.revoke(used[0]["id"], ["culemborg"], now), "used: not revoked"
