"""The windowed SQL tracker store on a real SQLite file, against Rasa's own SQLTrackerStore.

Rasa's stock store on the same file is the reference: for a session shorter than the window
both must load the very same events, and for a long one the window must carry the same slot
values. Every event written must be in the database exactly once.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from bot.dialogue.tracker_store import WindowedSQLTrackerStore, analytics_rows
from bot.settings import PROJECT_ROOT
from bot.store.db import make_engine, make_sessionmaker, migrate
from bot.store.models import AnalyticsEvent
from bot.store.repositories import Analytics
from tests.conftest import make_action_deps

SENDER = "4242"
OTHER = "5151"
# Not a multiple of a turn's length, so a window cut by count alone would start mid-turn.
WINDOW = 42
# Before its window the store adds the session's first two events and one event per slot.
MAX_PREFIX = 2 + 5 + 1


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """The file the shared ``engine`` fixture opens, for Rasa's own store as a reference."""
    return tmp_path / "taalmaatje.db"


@pytest.fixture
def analytics(engine: Engine) -> Analytics:
    return Analytics(make_sessionmaker(engine), "test-secret")


@pytest.fixture
def store(engine: Engine, analytics: Analytics, domain: Domain) -> WindowedSQLTrackerStore:
    return WindowedSQLTrackerStore(engine, analytics, domain, window=WINDOW)


@pytest.fixture
def rasa_store(
    store: WindowedSQLTrackerStore, db_path: Path, domain: Domain
) -> Iterator[SQLTrackerStore]:
    """Rasa's own SQL tracker store on the same file: the reference behaviour."""
    reference = SQLTrackerStore(domain, dialect="sqlite", db=str(db_path))
    yield reference
    reference.engine.dispose()


class Conversation:
    """Builds a learner's events the way Rasa's processor orders them, on a steady clock."""

    def __init__(self, domain: Domain, sender_id: str = SENDER, start: float = 1.7e9) -> None:
        self.domain = domain
        self.tracker = DialogueStateTracker(sender_id, domain.slots)
        self.clock = itertools.count(start, 0.25)
        self.turns = 0

    def add(self, *events: Event) -> list[Event]:
        for event in events:
            event.timestamp = next(self.clock)
            self.tracker.update(event, self.domain)
        return list(events)

    def start_session(self, *carried: SlotSet) -> list[Event]:
        return self.add(
            ActionExecuted("action_session_start"),
            SessionStarted(),
            *carried,
            ActionExecuted("action_listen"),
        )

    def turn(
        self, intent: str = "openingstijden", action: str | None = None, *state: Event
    ) -> list[Event]:
        """One turn: the learner's message, the actions with their events, then listening."""
        self.turns += 1
        user = UserUttered(f"bericht {self.turns}", {"name": intent, "confidence": 0.93})
        first = [ActionExecuted(action), *state] if action else []
        reply = f"antwoord {self.turns}"
        return self.add(
            user,
            *first,
            ActionExecuted(f"utter_{intent}"),
            BotUttered(reply, {"buttons": [{"title": "Hulp", "payload": "/hulp"}]}),
            ActionExecuted("action_listen"),
        )

    def plain_turns(self, count: int) -> list[Event]:
        return [event for _ in range(count) for event in self.turn()]

    @property
    def events(self) -> list[Event]:
        return list(self.tracker.events)


def dicts(events: Any) -> list[dict[str, Any]]:
    return [event.as_dict() for event in events]


def stored(engine: Engine, sender_id: str = SENDER) -> list[dict[str, Any]]:
    """Every event row of the conversation, in the order it was written."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender_id}
        )
        return [json.loads(data) for (data,) in rows]


def assert_each_event_once(events: Any) -> None:
    """Every loaded event is a distinct stored event (each has its own timestamp here)."""
    seen = [json.dumps(event, sort_keys=True) for event in dicts(events)]
    assert len(seen) == len(set(seen))


def session_part(events: list[Event]) -> list[Event]:
    """What Rasa loads of a conversation: from the latest SessionStarted on."""
    starts = [i for i, event in enumerate(events) if isinstance(event, SessionStarted)]
    return events[starts[-1] :] if starts else events


def split_window(loaded: list[Event], full: list[Event]) -> tuple[list[Event], list[Event]]:
    """Split a loaded tracker into what was added before the window and the window itself."""
    mine, theirs = dicts(loaded), dicts(full)
    common = 0
    while common < min(len(mine), len(theirs)) and mine[-1 - common] == theirs[-1 - common]:
        common += 1
    return loaded[: len(loaded) - common], loaded[len(loaded) - common :]


# --- short sessions: exactly what Rasa's own store loads ---------------------------------


async def test_short_conversation_round_trips(
    store: WindowedSQLTrackerStore, rasa_store: SQLTrackerStore, domain: Domain
) -> None:
    talk = Conversation(domain)
    talk.start_session()
    talk.turn("groet", "action_welkom", SlotSet("intro_nodig", True))
    talk.turn("geluid_uit", "action_geluid_uit", SlotSet("geluid", False))
    talk.turn("herhalen", "action_herhalen")
    await store.save(talk.tracker)

    loaded = await store.retrieve(SENDER)
    reference = await rasa_store.retrieve(SENDER)
    assert loaded is not None and reference is not None
    assert dicts(loaded.events) == dicts(reference.events)
    assert dicts(loaded.events) == dicts(session_part(talk.events))
    assert loaded.current_slot_values() == talk.tracker.current_slot_values()
    assert loaded.get_slot("geluid") is False
    assert loaded.latest_message.text == "bericht 3"


async def test_unknown_learner_has_no_tracker(store: WindowedSQLTrackerStore) -> None:
    assert await store.retrieve("999") is None
    assert await store.retrieve_full_tracker("999") is None


async def test_first_contact_is_created_and_stored(
    store: WindowedSQLTrackerStore, engine: Engine
) -> None:
    """Rasa's get_or_create_tracker path: a new tracker is saved before the first turn."""
    created = await store.get_or_create_tracker(SENDER)
    assert [event.as_dict()["name"] for event in created.events] == ["action_listen"]
    assert stored(engine) == dicts(created.events)
    loaded = await store.retrieve(SENDER)
    assert loaded is not None
    assert dicts(loaded.events) == dicts(created.events)


# --- long sessions: a bounded window with the state from before it -----------------------


@pytest.fixture
def long_talk(domain: Domain) -> Conversation:
    """300 turns; the sound and intro choices made in turn 1, a counter set three times."""
    talk = Conversation(domain)
    talk.start_session()
    talk.turn("groet", "action_welkom", SlotSet("intro_nodig", False))
    talk.turn("geluid_uit", "action_geluid_uit", SlotSet("geluid", False))
    for number in range(3, 301):
        if number in (10, 100, 200):
            count = (10, 100, 200).index(number) + 1
            talk.turn("voortgang", "action_voortgang", SlotSet("aantal_gesprekken", count))
        else:
            talk.turn()
    return talk


async def test_long_session_loads_a_window_that_starts_at_a_turn(
    store: WindowedSQLTrackerStore, long_talk: Conversation
) -> None:
    await store.save(long_talk.tracker)
    loaded = await store.retrieve(SENDER)
    assert loaded is not None
    events = list(loaded.events)
    assert WINDOW // 2 < len(events) <= WINDOW + MAX_PREFIX

    assert_each_event_once(events)
    prefix, window = split_window(events, long_talk.events)
    assert isinstance(prefix[0], SessionStarted)
    assert all(isinstance(e, (SlotSet, ActiveLoop, ActionExecuted)) for e in prefix[1:])
    assert len(prefix) <= MAX_PREFIX
    # The window is the newest whole turns: it begins with a learner's message.
    assert isinstance(window[0], UserUttered)
    assert len(window) > WINDOW - 6
    assert loaded.latest_message.text == "bericht 300"


async def test_long_session_keeps_every_slot_set_before_the_window(
    store: WindowedSQLTrackerStore, rasa_store: SQLTrackerStore, long_talk: Conversation
) -> None:
    await store.save(long_talk.tracker)
    loaded = await store.retrieve(SENDER)
    reference = await rasa_store.retrieve(SENDER)
    assert loaded is not None and reference is not None
    assert loaded.get_slot("geluid") is False
    assert loaded.get_slot("intro_nodig") is False
    assert loaded.get_slot("aantal_gesprekken") == 3  # the latest of three values
    assert loaded.current_slot_values() == reference.current_slot_values()
    assert len(reference.events) > 1000  # what the window saves loading each turn


async def test_the_default_window_is_bounded_too(
    engine: Engine, analytics: Analytics, domain: Domain, long_talk: Conversation
) -> None:
    store = WindowedSQLTrackerStore(engine, analytics, domain)
    await store.save(long_talk.tracker)
    loaded = await store.retrieve(SENDER)
    assert loaded is not None
    assert len(loaded.events) <= store.window + MAX_PREFIX < len(long_talk.events)
    assert loaded.get_slot("geluid") is False


# --- saving after a windowed load: nothing lost, nothing twice ---------------------------


@pytest.mark.parametrize("hand_back", ["same", "copy"])
async def test_save_after_a_windowed_load_adds_exactly_the_new_events(
    store: WindowedSQLTrackerStore, engine: Engine, long_talk: Conversation, hand_back: str
) -> None:
    await store.save(long_talk.tracker)
    before = stored(engine)
    assert before == dicts(long_talk.events)

    loaded = await store.retrieve(SENDER)
    assert loaded is not None
    new = [
        UserUttered("nog eens", {"name": "herhalen", "confidence": 0.9}),
        ActionExecuted("action_herhalen"),
        BotUttered("antwoord 300", {"custom": {"voice": "normal"}}),
        ActionExecuted("action_listen"),
    ]
    for event in new:
        loaded.update(event)
    # Rasa's processor may hand over a copy (tracker.copy() rebuilds it from its events).
    await store.save(loaded if hand_back == "same" else loaded.copy())

    assert stored(engine) == before + dicts(new)


async def test_saving_twice_stores_nothing_twice(
    store: WindowedSQLTrackerStore, engine: Engine, domain: Domain
) -> None:
    talk = Conversation(domain)
    talk.start_session()
    talk.plain_turns(3)
    await store.save(talk.tracker)
    await store.save(talk.tracker)
    await store.save(talk.tracker.copy())
    assert stored(engine) == dicts(talk.events)


async def test_turn_by_turn_saving_keeps_the_whole_conversation(
    store: WindowedSQLTrackerStore, engine: Engine, domain: Domain
) -> None:
    """Retrieve, add a turn, save: 30 times, as the bot does, across the window size."""
    talk = Conversation(domain)
    expected = talk.start_session()
    await store.save(talk.tracker)
    for _ in range(30):
        tracker = await store.retrieve(SENDER)
        assert tracker is not None
        talk.tracker = tracker
        expected += talk.turn()
        await store.save(tracker)
    assert stored(engine) == dicts(expected)


async def test_a_turn_after_the_clock_stepped_back_is_stored(
    store: WindowedSQLTrackerStore, engine: Engine, domain: Domain
) -> None:
    talk = Conversation(domain)
    talk.start_session()
    talk.plain_turns(2)
    await store.save(talk.tracker)
    before = stored(engine)

    loaded = await store.retrieve(SENDER)
    assert loaded is not None
    talk.tracker = loaded
    talk.clock = itertools.count(1.7e9 - 5, 0.25)  # the clock went back five seconds
    new = talk.turn()
    await store.save(loaded)
    assert stored(engine) == before + dicts(new)


# --- sessions ----------------------------------------------------------------------------


async def test_new_session_loads_only_that_session(
    store: WindowedSQLTrackerStore, rasa_store: SQLTrackerStore, domain: Domain
) -> None:
    talk = Conversation(domain)
    talk.start_session()
    talk.turn("geluid_uit", "action_geluid_uit", SlotSet("geluid", False))
    talk.turn("groet", "action_welkom", SlotSet("intro_nodig", False))
    talk.plain_turns(20)
    await store.save(talk.tracker)
    # An hour later: a new session carries over only what Rasa carries over.
    second = talk.start_session(SlotSet("intro_nodig", False))
    second += talk.plain_turns(2)
    await store.save(talk.tracker)

    loaded = await store.retrieve(SENDER)
    reference = await rasa_store.retrieve(SENDER)
    assert loaded is not None and reference is not None
    assert dicts(loaded.events) == dicts(reference.events) == dicts(second[1:])
    assert loaded.get_slot("intro_nodig") is False
    assert loaded.get_slot("geluid") is True  # not carried over: back to its initial value


async def test_long_new_session_takes_no_state_from_the_session_before(
    store: WindowedSQLTrackerStore, rasa_store: SQLTrackerStore, domain: Domain
) -> None:
    talk = Conversation(domain)
    talk.start_session()
    talk.turn("geluid_uit", "action_geluid_uit", SlotSet("geluid", False))
    talk.plain_turns(50)
    first_session = len(talk.events)
    talk.start_session(SlotSet("intro_nodig", False))
    talk.turn("voortgang", "action_voortgang", SlotSet("aantal_gesprekken", 7))
    talk.plain_turns(50)
    await store.save(talk.tracker)

    loaded = await store.retrieve(SENDER)
    reference = await rasa_store.retrieve(SENDER)
    assert loaded is not None and reference is not None
    assert len(loaded.events) <= WINDOW + MAX_PREFIX
    assert_each_event_once(loaded.events)
    assert loaded.current_slot_values() == reference.current_slot_values()
    assert (loaded.get_slot("geluid"), loaded.get_slot("intro_nodig")) == (True, False)
    assert loaded.get_slot("aantal_gesprekken") == 7
    session_events = dicts(talk.events[first_session:])
    assert all(event in session_events for event in dicts(loaded.events))


async def test_full_tracker_has_every_session(
    store: WindowedSQLTrackerStore, domain: Domain
) -> None:
    talk = Conversation(domain)
    talk.start_session()
    talk.plain_turns(60)
    talk.start_session()
    talk.plain_turns(60)
    await store.save(talk.tracker)
    full = await store.retrieve_full_tracker(SENDER)
    assert full is not None
    assert dicts(full.events) == dicts(talk.events)


# --- analytics ---------------------------------------------------------------------------


def analytics_table(engine: Engine) -> list[tuple[str, str | None, float | None, str | None]]:
    columns = (
        AnalyticsEvent.user_key,
        AnalyticsEvent.intent,
        AnalyticsEvent.confidence,
        AnalyticsEvent.action,
    )
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(select(*columns))]


async def test_one_pseudonymised_row_per_learner_message(
    store: WindowedSQLTrackerStore, engine: Engine, analytics: Analytics, domain: Domain
) -> None:
    talk = Conversation(domain)
    talk.start_session()
    talk.turn("groet", "action_welkom", SlotSet("intro_nodig", True))
    talk.turn("openingstijden")
    talk.add(  # a message the bot only listened to
        UserUttered("…", {"name": "nlu_fallback", "confidence": 0.3}),
        ActionExecuted("action_listen"),
    )
    await store.save(talk.tracker)

    key = analytics.pseudonym(SENDER)
    assert analytics_table(engine) == [
        (key, "groet", 0.93, "action_welkom"),
        (key, "openingstijden", 0.93, "utter_openingstijden"),
        (key, "nlu_fallback", 0.3, None),
    ]
    assert all(SENDER not in str(value) for row in analytics_table(engine) for value in row)


async def test_analytics_count_each_message_once(
    store: WindowedSQLTrackerStore, analytics: Analytics, domain: Domain, long_talk: Conversation
) -> None:
    await store.save(long_talk.tracker)
    assert analytics.count_turns(SENDER) == 300
    loaded = await store.retrieve(SENDER)
    assert loaded is not None
    loaded.update(UserUttered("hoe gaat het", {"name": "voortgang", "confidence": 0.8}))
    loaded.update(ActionExecuted("action_voortgang"))
    loaded.update(ActionExecuted("action_listen"))
    await store.save(loaded)
    await store.save(loaded)
    assert analytics.count_turns(SENDER) == 301


def test_analytics_rows_skip_plumbing_actions() -> None:
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("hallo", {"name": "groet", "confidence": 0.9}),
        ActionExecuted("action_extract_slots"),
        ActionExecuted("action_welkom"),
        ActionExecuted("utter_welkom"),
        ActionExecuted("action_listen"),
        UserUttered("stop", {"name": "stoppen", "confidence": 0.8}),
        ActionExecuted("action_stoppen"),
        ActionExecuted("utter_gestopt"),
    ]
    assert analytics_rows(SENDER, events) == [
        (SENDER, "groet", 0.9, "action_welkom"),
        (SENDER, "stoppen", 0.8, "action_stoppen"),
    ]


# --- erasing -----------------------------------------------------------------------------


async def test_erase_deletes_only_that_conversation(
    store: WindowedSQLTrackerStore, engine: Engine, domain: Domain
) -> None:
    mine, other = Conversation(domain, SENDER), Conversation(domain, OTHER, start=1.8e9)
    for talk in (mine, other):
        talk.start_session()
        talk.plain_turns(5)
        await store.save(talk.tracker)

    assert store.erase(SENDER) == len(mine.events)
    assert await store.retrieve(SENDER) is None
    assert await store.retrieve_full_tracker(SENDER) is None
    assert stored(engine, SENDER) == []
    assert stored(engine, OTHER) == dicts(other.events)
    assert store.erase(SENDER) == 0


# --- inside Rasa's FailSafeTrackerStore ---------------------------------------------------


async def test_works_inside_rasas_failsafe_wrapper(
    store: WindowedSQLTrackerStore, engine: Engine, domain: Domain, long_talk: Conversation
) -> None:
    errors: list[Exception] = []
    failsafe = FailSafeTrackerStore(store, on_tracker_store_error=errors.append)
    failsafe.domain = domain
    assert store.domain is domain

    await failsafe.save(long_talk.tracker)
    loaded = await failsafe.retrieve(SENDER)
    assert loaded is not None
    assert len(loaded.events) <= WINDOW + MAX_PREFIX
    assert loaded.get_slot("geluid") is False
    loaded.update(UserUttered("doei", {"name": "afscheid", "confidence": 0.9}))
    await failsafe.save(loaded)
    full = await failsafe.retrieve_full_tracker(SENDER)
    assert full is not None
    assert len(full.events) == len(long_talk.events) + 1
    assert errors == []
    assert len(stored(engine)) == len(long_talk.events) + 1


# --- with the real model: the window changes nothing a learner sees ----------------------

SCRIPT = [
    "hallo",
    "geen geluid",
    "nog eens",
    "wanneer is het taalhuis open",
    "langzamer",
    "hoe gaat het met mijn voortgang",
    "ik wil oefenen",
    "help",
    "nog een keer",
    "stop",
    "wel geluid",
    "dank je wel",
]


def seen(replies: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What the learner gets of each reply."""
    return [
        (r.get("text"), r.get("buttons"), r.get("custom"), r.get("utter_action")) for r in replies
    ]


def outline(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Stored events without their times and message ids."""
    return [(e["event"], e.get("name"), e.get("text"), e.get("value")) for e in events]


async def test_windowed_bot_answers_like_one_that_loads_everything(
    model_path: Path, tmp_path: Path, domain: Domain
) -> None:
    from rasa.core.agent import Agent

    from bot.actions import build_executor
    from bot.dialogue.inprocess import InProcessActionEndpoint
    from bot.dialogue.service import Dialogue

    def open_dialogue(name: str, window: int) -> tuple[Dialogue, WindowedSQLTrackerStore, Engine]:
        engine = make_engine(f"sqlite:///{tmp_path / name}")
        migrate(engine)
        deps = make_action_deps(engine)
        store = WindowedSQLTrackerStore(engine, deps.analytics, window=window)
        endpoint = InProcessActionEndpoint(build_executor(deps))
        agent = Agent.load(str(model_path), tracker_store=store, action_endpoint=endpoint)
        store.domain = agent.domain
        dialogue = Dialogue(agent, store, deps.users, deps.analytics, deps.practice)
        return dialogue, store, engine

    windowed, windowed_store, engine_a = open_dialogue("windowed.db", window=24)
    everything, everything_store, engine_b = open_dialogue("everything.db", window=100_000)
    try:
        for number, text_ in enumerate(SCRIPT * 4):
            got = seen(await windowed.handle(SENDER, text_))
            want = seen(await everything.handle(SENDER, text_))
            assert got == want, f"turn {number}: {text_!r}"
            assert got, f"turn {number}: no answer to {text_!r}"
        loaded = await windowed_store.retrieve(SENDER)
        reference = await everything_store.retrieve(SENDER)
        assert loaded is not None and reference is not None
        assert len(loaded.events) < len(reference.events)
        assert loaded.current_slot_values() == reference.current_slot_values()
        assert outline(stored(engine_a)) == outline(stored(engine_b))
    finally:
        engine_a.dispose()
        engine_b.dispose()
