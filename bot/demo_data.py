"""``taalmaatje demo-data``: a synthetic year of use in an empty database.

Why: a demonstration, the dashboard's benchmark and its tests need a year of realistic use
(about 2 million raw events for 2,000 learners), and real learners' data must never be
copied for that. So the year is made up, from a seeded ``random.Random``: learners in the
three places (unevenly), every communication profile (and some who never choose one),
retention as it really goes (many stop after one to three weeks, some stay for months),
exercises whose items differ in difficulty, appointments (also in the coming two weeks, so
the desk's day has entries), buddies with their pairings, prompts and answers, and
invitations.

Why bulk: the rows are buffered per table and written with SQLAlchemy Core
``connection.execute(table.insert(), rows)`` in chunks of ``CHUNK`` rows, one transaction
each; one ORM object per row would take an hour for two million rows. Ids, pseudonyms and
content keys are the bot's own (``Analytics.pseudonym``, ``load_bank``, the organisation's
places), so the bot and the dashboard read the rows exactly as they read real ones.

It refuses a database that holds any learner data: it must never mix into real use.
"""

from __future__ import annotations

import base64
import random
import time as clock
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Engine

from bot.content.bank import ContentBank, Item, load_bank
from bot.practice.exercises import kinds_for, sentence_words
from bot.practice.levels import ThemeLevel, after_round
from bot.store.buddies import code_hash
from bot.store.db import make_sessionmaker
from bot.store.models import (
    AnalyticsEvent,
    Appointment,
    AppointmentSlot,
    BuddyEvent,
    ClarificationEvent,
    Invitation,
    LearnerFacts,
    Pairing,
    PersonRole,
    PracticeEvent,
    TaalhuisEvent,
    User,
    utcnow,
)
from bot.store.stats import Stats, week_of
from bot.taalhuis.courses import TOPICS
from bot.taalhuis.organisation import TIMEZONE

CHUNK = 10_000  # rows per insert and transaction
# The tables whose rows are a learner's: any row in one of them and the database is in use.
LEARNER_TABLES = (User, AnalyticsEvent, PracticeEvent, LearnerFacts)
PLACE_WEIGHTS = (5, 3, 2)  # the places in the data file's order: 50 / 30 / 20 %
PROFILE_WEIGHTS = {"nt1": 30, "nt2": 30, "werk": 20, "doof": 7, "": 13}  # "": never chosen
NO_PLACE = 0.05  # learners whose place the statistics never learn
FALLBACK = 0.042  # a message not understood before the one that was (about 4 % of all)
ROUND = 5  # exercises in a round (bot/practice/service.py)
SLOT_CAPACITY = 4
DESK_HOURS = (9, 17)  # local, weekdays
FIRST_NAMES = (
    "Anna", "Bram", "Carla", "Daan", "Eva", "Fatima", "Gert", "Hanneke", "Ilse", "Jan",
    "Karim", "Lotte", "Mehmet", "Noor", "Olga", "Piet", "Rik", "Sanne", "Tom", "Yusuf",
)  # fmt: skip
# What a learner says besides practising: intent, the action that answers it, weight.
CHAT = (
    ("bedanken", "utter_graag_gedaan", 12), ("afscheid", "utter_afscheid", 10),
    ("hulp", "utter_hulp", 6), ("voortgang", "action_voortgang", 8),
    ("taalhuis_info", "action_taalhuis_info", 5), ("openingstijden", "action_openingstijden", 5),
    ("lidmaatschap", "action_lidmaatschap", 3), ("cursus_zoeken", "action_cursus_zoeken", 3),
    ("gebarentaal", "action_gebarentaal", 1), ("instellingen", "action_instellingen", 2),
    ("geluid_uit", "action_geluid_uit", 1), ("geluid_aan", "action_geluid_aan", 1),
    ("mens_spreken", "action_mens_spreken", 2), ("gegevens_inzien", "action_gegevens_inzien", 1),
    ("gegevens_wissen", "action_gegevens_wissen", 0.3), ("bevestigen", "utter_fijn", 4),
    ("ontkennen", "utter_goed_je_kiest_zelf", 2), ("herhalen", "action_herhalen", 3),
    ("stoppen", "action_stoppen", 2), ("maatje_menu", "action_maatje", 0.5),
)  # fmt: skip
# Which Taalhuis topic an information intent counts (bot/actions/taalhuis.py).
INFO_TOPIC = {"taalhuis_info": "taalhuis", "openingstijden": "openingstijden",
              "lidmaatschap": "lidmaatschap", "gebarentaal": "gebarentaal"}  # fmt: skip
ACTION = {"oefenen": "action_oefenen", "groet": "action_welkom", "herhalen": "action_herhalen",
          "langzamer": "action_langzamer", "nlu_fallback": "action_niet_begrepen",
          "afspraak_maken": "action_afspraak_start", "afspraak_annuleren":
          "action_afspraak_wijzigen", "maatje_menu": "action_maatje"}  # fmt: skip
# Local hours at which learners write: most in the day and the evening; work in the breaks.
HOURS = {"": (8, 22), "werk": (7, 17)}
BOOKING = {"nt1": 0.35, "nt2": 0.45, "werk": 0.2, "doof": 0.3}  # learners who make one


@dataclass(frozen=True)
class DemoOptions:
    learners: int = 2000
    weeks: int = 52
    seed: int = 12
    now: datetime | None = None  # naive UTC; default: now


@dataclass(frozen=True)
class Made:
    learners: int
    events: int  # raw event rows: the five event tables together
    appointments: int
    seconds: float  # everything, the roll-ups included
    rollup_seconds: float  # Stats.refresh(everything=True)
    counts: dict[str, int] = field(default_factory=dict)  # rows written per table


class NotEmpty(Exception):
    """The database already holds learners' data (the exception's text: the table)."""


def learner_rows(engine: Engine) -> dict[str, int]:
    """Rows in each learner table (all zero: an empty database)."""
    with engine.connect() as connection:
        return {
            model.__tablename__: int(
                connection.scalar(select(func.count()).select_from(model.__table__)) or 0
            )
            for model in LEARNER_TABLES
        }


@dataclass
class Learner:
    telegram_id: int
    user_key: str
    place: str
    profile: str
    started_at: datetime
    last_at: datetime  # when they stopped coming (or now)
    zeal: float  # how much they do: sessions a week, rounds a session
    skill: float  # added to each item's chance of a right answer
    profile_at: datetime | None
    levels: dict[str, ThemeLevel] = field(default_factory=dict)
    rounds: int = 0


class _Rows:
    """Rows buffered per table, written in chunks of CHUNK, one transaction each."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.buffers: dict[str, tuple[Table, list[dict[str, Any]]]] = {}
        self.counts: Counter[str] = Counter()

    def add(self, model: Any, row: dict[str, Any]) -> None:
        table = model.__table__
        buffer = self.buffers.setdefault(table.name, (table, []))[1]
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self._write(table, buffer)

    def flush(self) -> None:
        for table, buffer in self.buffers.values():
            if buffer:
                self._write(table, buffer)

    def _write(self, table: Table, buffer: list[dict[str, Any]]) -> None:
        with self.engine.begin() as connection:
            connection.execute(table.insert(), buffer)
        self.counts[table.name] += len(buffer)
        buffer.clear()


class _Year:
    """The simulation: learners' sessions, appointments and buddies, as rows."""

    def __init__(self, engine: Engine, pseudonym: Callable[[int], str], options: DemoOptions,
                 places: list[str], bank: ContentBank) -> None:  # fmt: skip
        self.rng = random.Random(options.seed)
        self.rows = _Rows(engine)
        self.now = options.now or utcnow()
        self.begin = self.now - timedelta(weeks=options.weeks)
        # Sessions start no later than this: a long one still ends before now.
        self.latest = self.now - timedelta(hours=3)
        self.options = options
        self.places = places
        self.bank = bank
        self.pseudonym = pseudonym
        self.slots: Counter[tuple[str, datetime]] = Counter()
        self.appointments: list[dict[str, Any]] = []
        # Each item's own chance of a right answer: most are easy, some clearly hard.
        self.ease = {item.key: self._ease() for item in bank.all_items()}
        self.learners: list[Learner] = []

    def _ease(self) -> float:
        if self.rng.random() < 0.12:
            return self.rng.uniform(0.3, 0.5)
        return self.rng.uniform(0.68, 0.93)

    # --- who the learners are ------------------------------------------------------------

    def make_learners(self) -> None:
        rng = self.rng
        place_weights = [PLACE_WEIGHTS[i % len(PLACE_WEIGHTS)] for i in range(len(self.places))]
        profiles, profile_weights = list(PROFILE_WEIGHTS), list(PROFILE_WEIGHTS.values())
        for number in range(self.options.learners):
            telegram_id = 10_000_000 + number
            started = self._start_moment()
            weeks = self._weeks_staying()
            last = min(self.latest, started + timedelta(weeks=weeks) - timedelta(hours=1))
            profile = rng.choices(profiles, profile_weights)[0]
            profile_at = None
            if profile:
                later = timedelta(days=rng.randint(1, 20)) if rng.random() < 0.2 else None
                profile_at = min(self.now, started + (later or timedelta(minutes=2)))
            place = "" if rng.random() < NO_PLACE else rng.choices(self.places, place_weights)[0]
            self.learners.append(
                Learner(
                    telegram_id, self.pseudonym(telegram_id), place, profile,
                    started, max(started, last), zeal=rng.lognormvariate(0, 0.45),
                    skill=rng.gauss(0, 0.07), profile_at=profile_at,
                )
            )  # fmt: skip

    def _start_moment(self) -> datetime:
        """Uniform over the period, fewer in the summer holidays and around Christmas."""
        span = (self.now - self.begin).total_seconds()
        while True:
            moment = self.begin + timedelta(seconds=self.rng.uniform(0, span))
            quiet = moment.month in (7, 8) or (moment.month == 12 and moment.day >= 20)
            if self.rng.random() < (0.5 if quiet else 1.0):
                moment = self._daytime(moment.date(), "")
                if self.begin <= moment <= self.latest:
                    return moment

    def _weeks_staying(self) -> int:
        """Realistic retention: a third try it once, a fifth a few weeks, a quarter up to a
        quarter of a year, a fifth for months."""
        r = self.rng.random()
        if r < 0.33:
            return 1
        if r < 0.55:
            return self.rng.randint(2, 3)
        if r < 0.80:
            return self.rng.randint(4, 12)
        return self.rng.randint(13, 52)

    def _daytime(self, day: date, profile: str) -> datetime:
        """A local moment on ``day`` at an hour learners write, as naive UTC."""
        first, last = HOURS.get(profile, HOURS[""])
        local = datetime.combine(day, time(self.rng.randint(first, last - 1),
                                           self.rng.randint(0, 59)), tzinfo=TIMEZONE)  # fmt: skip
        return local.astimezone(timezone.utc).replace(tzinfo=None)

    # --- their sessions --------------------------------------------------------------------

    def simulate(self) -> None:
        rng = self.rng
        for who in self.learners:
            sessions = [who.started_at]
            week = 1
            while who.started_at + timedelta(weeks=week) <= who.last_at:
                if rng.random() < 0.78:  # some weeks they do not come
                    count = min(6, 1 + int(rng.expovariate(1 / (2.7 * who.zeal))))
                    for day in rng.sample(range(7), count):
                        moment = who.started_at + timedelta(weeks=week, days=day)
                        moment = self._daytime(moment.date(), who.profile)
                        if moment <= who.last_at:
                            sessions.append(moment)
                week += 1
            # An appointment (an intake, most often) for some; a second one for some who stay.
            chance = BOOKING.get(who.profile, 0.25)
            bookings = {rng.randrange(len(sessions)) for _ in range(2 if len(sessions) > 12
                                                                    else 1)
                        if rng.random() < chance}  # fmt: skip
            for index, at in enumerate(sorted(sessions)):
                self._session(who, at, first=index == 0, book=index in bookings)

    def _session(self, who: Learner, at: datetime, first: bool, book: bool) -> None:
        rng = self.rng
        if first:
            at = self._say(who, at, "groet", typed=False)  # /start
            at = self._say(who, at, "bevestigen", "utter_privacy", typed=False)
            if who.profile and who.profile_at and who.profile_at <= at + timedelta(minutes=5):
                at = self._say(who, at, "instellingen", "action_intake", typed=False)
        elif rng.random() < 0.4:
            at = self._say(who, at, "groet")
        if rng.random() < 0.85:
            at = self._practise(who, at)
        for _ in range(int(rng.expovariate(1 / (7.0 * who.zeal)))):
            intent, action, _ = rng.choices(CHAT, [c[2] for c in CHAT])[0]
            at = self._chat(who, at, intent, action)
        if book:
            self._book(who, at, self.now)

    def _say(self, who: Learner, at: datetime, intent: str, action: str | None = None,
             typed: bool = True) -> datetime:  # fmt: skip
        """One learner message (and sometimes one not understood before it); the moment
        after the bot answered."""
        rng = self.rng
        if rng.random() < FALLBACK:
            self._analytics(who, at, "nlu_fallback", rng.uniform(0.15, 0.48))
            at += timedelta(seconds=rng.randint(8, 40))
            if rng.random() < 0.25:  # "Bedoel je ...?"
                self._clarification(who, at, "bedoeling", "gevraagd")
                outcome = rng.choices(("gekozen", "iets_anders", "verder"), (6, 2, 2))[0]
                self._clarification(who, at + timedelta(seconds=15), "bedoeling", outcome)
                at += timedelta(seconds=20)
        confidence = 1.0 if not typed else round(rng.uniform(0.55, 1.0) ** 0.35, 4)
        if typed and intent in ("bevestigen", "ontkennen") and rng.random() < 0.1:
            self._clarification(who, at, "ja_nee", "gevraagd")
            self._clarification(who, at + timedelta(seconds=10), "ja_nee", "gekozen")
        self._analytics(who, at, intent, confidence, action or ACTION.get(intent))
        return at + timedelta(seconds=rng.randint(4, 30))

    def _chat(self, who: Learner, at: datetime, intent: str, action: str) -> datetime:
        if who.profile == "doof" and intent in ("geluid_aan", "langzamer"):
            intent, action = "gebarentaal", "action_gebarentaal"
        after = self._say(who, at, intent, action)
        topic = INFO_TOPIC.get(intent)
        if intent == "cursus_zoeken":
            topic = f"cursus_{self.rng.choice(TOPICS)}"
        if topic:
            location = (who.place or self.rng.choice(self.places)) if intent == "openingstijden" \
                else None  # fmt: skip
            self.rows.add(TaalhuisEvent, {"user_key": who.user_key, "event": "info",
                                          "location_id": location, "detail": topic,
                                          "created_at": at})  # fmt: skip
        return after

    def _practise(self, who: Learner, at: datetime) -> datetime:
        """Rounds of five exercises; after each round its level change (bot/practice)."""
        rng = self.rng
        at = self._say(who, at, "oefenen")
        themes = list(self.bank.themes)
        werk = "werk_veiligheid"
        weights = [6 if (t == werk) == (who.profile == "werk") else 1 for t in themes]
        theme = rng.choices(themes, weights)[0]
        at = self._say(who, at, "oefenen", typed=False)  # the theme's button
        listening = who.profile != "doof"
        rounds = 1 + int(rng.expovariate(1 / (2.2 * who.zeal)))
        for number in range(rounds):
            state = who.levels.get(theme, ThemeLevel(2 if who.profile == "nt1" else 1))
            kinds = kinds_for(state.level, listening)
            items = rng.sample(self.bank.themes[theme].items[state.level], ROUND)
            right = 0
            for seq, item in enumerate(items):
                ok, at = self._exercise(who, at, item, kinds[seq % len(kinds)])
                right += ok
            new, change = after_round(state, right, ROUND)
            who.levels[theme] = new
            who.rounds += 1
            names = ["ronde"] + (["omhoog"] if change > 0 else ["omlaag"] if change < 0 else [])
            for name in names:
                self._practice(who, at, name, theme, new.level, "ronde", "", None)
            if number < rounds - 1:
                at = self._say(who, at, "oefenen", typed=False)  # "nog een ronde"
                if rng.random() < 0.3:
                    theme = rng.choices(themes, weights)[0]
        return at

    def _exercise(self, who: Learner, at: datetime, item: Item, kind: str
                  ) -> tuple[bool, datetime]:  # fmt: skip
        rng = self.rng
        replays = int(kind == "luisteren" and rng.random() < 0.15)
        slower = int(kind == "luisteren" and who.profile == "nt2" and rng.random() < 0.12)
        self._practice(who, at, "shown", item.theme, item.level, kind, item.key, None)
        at += timedelta(seconds=rng.randint(3, 20))
        for _ in range(replays):
            at = self._say(who, at, "herhalen", typed=False)
        for _ in range(slower):
            at = self._say(who, at, "langzamer", typed=False)
        taps = len(sentence_words(item.sentence or "")) if kind == "volgorde" else 1
        for _ in range(max(1, taps)):
            at = self._say(who, at, "oefenen", typed=rng.random() < 0.05)
        chance = self.ease[item.key] + who.skill + min(0.12, who.rounds * 0.004)
        chance -= 0.09 * (item.level - 1)  # sentences and texts are harder than words
        if who.profile == "nt2" and item.level > 1:
            chance -= 0.05
        ok = rng.random() < min(0.98, max(0.05, chance))
        self._practice(who, at, "answered", item.theme, item.level, kind, item.key, ok,
                       replays, slower)  # fmt: skip
        return ok, at

    # --- appointments --------------------------------------------------------------------

    def _book(self, who: Learner, at: datetime, now: datetime) -> None:
        """The form (a message per step), a free slot 1-14 days on, sometimes full first;
        past ones are sometimes cancelled or moved."""
        rng = self.rng
        location = who.place or rng.choice(self.places)
        who.place = who.place or location  # an appointment gives the statistics a place
        reason = rng.choices(("intake", "oefenen", "brief"), (5, 3, 2))[0]
        at = self._say(who, at, "afspraak_maken")
        for _ in range(5):  # place, day, time, reason, phone
            at = self._say(who, at, "afspraak_maken", "afspraak_form", typed=False)
        starts = self._free_slot(location, at + timedelta(days=rng.randint(1, 14)), who, at)
        phone = f"06-{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.4 else None
        self._taalhuis(who, at, "gemaakt", location, reason)
        row = {"telegram_id": who.telegram_id, "location_id": location, "starts_at": starts,
               "reason": reason, "phone": phone, "status": "booked", "created_at": at,
               "updated_at": at}  # fmt: skip
        self.appointments.append(row)
        change_at = at + (starts - at) * rng.uniform(0.2, 0.9)
        if change_at > now:
            return
        r = rng.random()
        if r < 0.15:  # "ik kan niet komen": cancelled, the place freed
            self._say(who, change_at, "afspraak_annuleren")
            self._taalhuis(who, change_at, "afgezegd", location, reason)
            self.slots[(location, starts)] -= 1
            row.update(status="cancelled", updated_at=change_at)
        elif r < 0.25:  # moved to another slot
            self._say(who, change_at, "afspraak_annuleren")
            self.slots[(location, starts)] -= 1
            moved = self._free_slot(location, starts + timedelta(days=rng.randint(1, 7)), who,
                                    change_at)  # fmt: skip
            self._taalhuis(who, change_at, "verzet", location, reason)
            row.update(starts_at=moved, updated_at=change_at)

    def _free_slot(self, location: str, day: datetime, who: Learner, at: datetime) -> datetime:
        """A weekday half hour in the desk's hours with a place left; a full one on the way
        is what the learner met first ("vol")."""
        local_day = day.replace(tzinfo=timezone.utc).astimezone(TIMEZONE).date()
        while True:
            while local_day.weekday() >= 5:
                local_day += timedelta(days=1)
            # Mornings are asked for most: those slots fill up first.
            half_hours = range((DESK_HOURS[1] - DESK_HOURS[0]) * 2)
            minutes = self.rng.choices(half_hours, [3 if h < 6 else 1 for h in half_hours])[0] * 30
            local = datetime.combine(local_day, time(DESK_HOURS[0]), tzinfo=TIMEZONE)
            starts = (local + timedelta(minutes=minutes)).astimezone(timezone.utc)
            starts = starts.replace(tzinfo=None)
            # Full: all places taken, or taken while the learner was choosing.
            if self.slots[(location, starts)] < SLOT_CAPACITY and self.rng.random() > 0.05:
                self.slots[(location, starts)] += 1
                return starts
            self._taalhuis(who, at, "vol", location, None)
            local_day += timedelta(days=1)

    def desk_days(self) -> None:
        """Appointments in the coming two weeks, booked in the last days by learners who
        came lately: the desk's day (``taalmaatje afspraken``) has entries."""
        recent = [w for w in self.learners if w.last_at > self.now - timedelta(days=21)]
        pool = recent or self.learners
        for _ in range(max(6, self.options.learners // 100)):
            who = self.rng.choice(pool)
            at = self.now - timedelta(hours=self.rng.uniform(1, 72))
            at = max(at, min(who.started_at + timedelta(hours=1), self.now - timedelta(hours=1)))
            self._book(who, at, at)  # booked lately: not changed yet

    # --- buddies ---------------------------------------------------------------------------

    def buddies(self) -> None:
        """Buddies per place (each from a coordinator's invitation), 1-3 learners each (a
        learner's invitation), their prompts, answers and tips; plus unused invitations."""
        rng = self.rng
        pairs_wanted = max(3, self.options.learners * 3 // 20)
        by_place: dict[str, list[Learner]] = {p: [] for p in self.places}
        for who in self.learners:
            if who.place:
                by_place[who.place].append(who)
        paired: set[int] = set()
        number = 0
        made = 0
        while made < pairs_wanted and number < pairs_wanted * 2:
            place = rng.choices(self.places, [len(by_place[p]) + 1 for p in self.places])[0]
            candidates = [w for w in by_place[place] if w.telegram_id not in paired]
            if not candidates:
                number += 1
                continue
            buddy_id, name = 20_000_000 + number, FIRST_NAMES[number % len(FIRST_NAMES)]
            number += 1
            weights = [{"nt2": 4, "werk": 3}.get(w.profile, 1) for w in candidates]
            learners = {id(w): w for w in rng.choices(candidates, weights, k=rng.randint(1, 3))}
            first = min(w.started_at for w in learners.values())
            joined = max(self.begin, first - timedelta(days=rng.randint(1, 30)))
            self.rows.add(PersonRole, {"telegram_id": buddy_id, "role": "buddy", "place": place,
                                       "name": name, "created_at": joined})  # fmt: skip
            self._invitation("maatje", place, None, joined - timedelta(days=2), joined, buddy_id)
            for who in learners.values():
                paired.add(who.telegram_id)
                self._pairing(buddy_id, name, who, place)
                made += 1
        for _ in range(max(2, pairs_wanted // 5)):  # not (yet) used: open or expired
            made_at = self.begin + (self.now - self.begin) * rng.random()
            self._invitation(rng.choice(("maatje", "leerling")), rng.choice(self.places),
                             None, made_at, None, None)  # fmt: skip

    def _pairing(self, buddy_id: int, buddy_name: str, who: Learner, place: str) -> None:
        rng = self.rng
        started = min(self.now, who.started_at + timedelta(hours=rng.uniform(1, 240)))
        self._invitation("leerling", place, buddy_id, started - timedelta(days=1), started,
                         who.telegram_id)  # fmt: skip
        ended = max(who.last_at, started) + timedelta(days=rng.randint(3, 14))
        status = "active" if ended > self.now else "ended"
        if status == "active" and started > self.now - timedelta(days=2) and rng.random() < 0.3:
            status = "asked"  # the learner has not said yes yet
        end = min(ended, self.now)
        named = status != "ended"  # ended pairings keep no names
        self.rows.add(Pairing, {
            "buddy_id": buddy_id, "learner_id": who.telegram_id,
            "buddy_name": buddy_name if named else None,
            "learner_name": rng.choice(FIRST_NAMES) if named else None, "place": place,
            "status": status, "practice_ok": status != "asked",
            "progress_ok": status != "asked" and rng.random() < 0.7, "paused_until": None,
            "started_at": started, "ended_at": end if status == "ended" else None,
        })  # fmt: skip
        if status == "asked":
            return
        self._buddy(started, "koppeling_begin", place)
        week = started
        while week < end:
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                sent = week + timedelta(seconds=rng.uniform(0, 7 * 86400))
                if sent >= end:
                    continue
                self._buddy(sent, "vraag_verstuurd", place)
                seconds = rng.lognormvariate(8.3, 1.3)
                if rng.random() < 0.7 and sent + timedelta(seconds=seconds) < self.now:
                    self._buddy(sent + timedelta(seconds=seconds), "antwoord", place, seconds)
            if rng.random() < 0.5 and week + timedelta(days=1, minutes=3) < end:
                self._buddy(week + timedelta(days=1), "tip_getoond", place)
                kind = "tip_gevolgd" if rng.random() < 0.4 else "tip_genegeerd"
                self._buddy(week + timedelta(days=1, minutes=3), kind, place)
            week += timedelta(weeks=1)
        if status == "ended":
            self._buddy(end, "koppeling_einde", place)

    def _invitation(self, kind: str, place: str, buddy_id: int | None, made: datetime,
                    used: datetime | None, used_by: int | None) -> None:  # fmt: skip
        code = ("M" if kind == "maatje" else "L") + base64.urlsafe_b64encode(
            self.rng.randbytes(16)
        ).decode().rstrip("=")
        self.rows.add(Invitation, {
            "code_hash": code_hash(code), "kind": kind, "place": place, "buddy_id": buddy_id,
            "created_at": made, "expires_at": made + timedelta(days=30), "used_at": used,
            "used_by": used_by, "revoked_at": None,
        })  # fmt: skip

    # --- the learners themselves, last: an appointment may have given them a place -------

    def write_learners(self) -> None:
        for who in self.learners:
            self.rows.add(LearnerFacts, {
                "user_key": who.user_key, "place": who.place, "profile": who.profile,
                "started_at": who.started_at, "started_week": week_of(who.started_at),
                "profile_at": who.profile_at,
            })  # fmt: skip
            self.rows.add(User, {
                "telegram_id": who.telegram_id, "role": "learner",
                "profile": who.profile or "nt1", "voice_on": who.profile != "doof",
                "reminders_opt_in": self.rng.random() < 0.5, "privacy_seen": True,
                "intake_done": bool(who.profile), "created_at": who.started_at,
            })  # fmt: skip
        for row in self.appointments:
            self.rows.add(Appointment, row)
        for (location, starts), booked in sorted(self.slots.items()):
            if booked > 0:
                self.rows.add(AppointmentSlot, {"location_id": location, "starts_at": starts,
                                                "booked": booked})  # fmt: skip

    # --- one row each --------------------------------------------------------------------

    def _analytics(self, who: Learner, at: datetime, intent: str, confidence: float,
                   action: str | None = None) -> None:  # fmt: skip
        self.rows.add(AnalyticsEvent, {"user_key": who.user_key, "intent": intent,
                                       "confidence": confidence,
                                       "action": action or ACTION.get(intent),
                                       "created_at": at})  # fmt: skip

    def _practice(self, who: Learner, at: datetime, event: str, theme: str, level: int,
                  kind: str, item_key: str, correct: bool | None, replays: int = 0,
                  slower: int = 0) -> None:  # fmt: skip
        self.rows.add(PracticeEvent, {"user_key": who.user_key, "event": event, "theme": theme,
                                      "level": level, "kind": kind, "item_key": item_key,
                                      "correct": correct, "replays": replays, "slower": slower,
                                      "created_at": at})  # fmt: skip

    def _taalhuis(self, who: Learner, at: datetime, event: str, location: str,
                  detail: str | None) -> None:  # fmt: skip
        self.rows.add(TaalhuisEvent, {"user_key": who.user_key, "event": event,
                                      "location_id": location, "detail": detail,
                                      "created_at": at})  # fmt: skip

    def _clarification(self, who: Learner, at: datetime, kind: str, outcome: str) -> None:
        self.rows.add(ClarificationEvent, {"user_key": who.user_key, "kind": kind,
                                           "outcome": outcome, "created_at": at})  # fmt: skip

    def _buddy(self, at: datetime, kind: str, place: str, seconds: float | None = None) -> None:
        self.rows.add(BuddyEvent, {"kind": kind, "place": place,
                                   "seconds": None if seconds is None else round(seconds, 1),
                                   "created_at": at})  # fmt: skip


EVENT_TABLES = ("analytics_events", "practice_events", "taalhuis_events",
                "clarification_events", "buddy_events")  # fmt: skip


EVENT_TABLES = ("analytics_events", "practice_events", "taalhuis_events",
                "clarification_events", "buddy_events")  # fmt: skip


def make_demo_year(
    engine: Engine,
    pseudonym: Callable[[int], str],
    *,
    learners: int = 2000,
    weeks: int = 52,
    seed: int = 12,
    now: datetime | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> Made:
    """Fill the migrated database with a synthetic year; ``pseudonym`` as the bot's
    Analytics makes it. Raises NotEmpty (naming the table) if it holds learners' data."""
    from bot.taalhuis.organisation import load_organisation

    for table, rows in learner_rows(engine).items():
        if rows:
            raise NotEmpty(table)
    started = clock.perf_counter()
    options = DemoOptions(learners, weeks, seed, now)
    places = list(load_organisation().locations)
    year = _Year(engine, pseudonym, options, places, load_bank())

    def stage(text: str) -> None:
        progress(f"[{clock.perf_counter() - started:5.1f} s] {text}")

    stage(f"Deelnemers maken: {learners} in {len(places)} plaatsen, {weeks} weken ...")
    year.make_learners()
    stage("Gesprekken, oefeningen, vragen aan het Taalhuis en afspraken ...")
    year.simulate()
    stage("Afspraken in de komende twee weken ...")
    year.desk_days()
    stage("Taalmaatjes, koppelingen en uitnodigingen ...")
    year.buddies()
    stage("Deelnemers en afspraken opslaan ...")
    year.write_learners()
    year.rows.flush()
    counts = {name: year.rows.counts[name] for name in sorted(year.rows.counts)}
    events = sum(counts.get(name, 0) for name in EVENT_TABLES)
    stage(f"{events:,} gebeurtenissen opgeslagen. Weekcijfers maken ...".replace(",", "."))
    rolled = Stats(make_sessionmaker(engine)).refresh(year.now, everything=True)
    return Made(learners, events, counts.get("appointments", 0),
                clock.perf_counter() - started, rolled.seconds, counts)  # fmt: skip
