"""The ``taalmaatje`` command line. Each command imports only what it needs, when it runs."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from bot.settings import Settings


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import run

    return run(settings)


def cmd_train(settings: Settings, args: argparse.Namespace) -> int:
    from bot.dialogue.training import train

    path, trained = train(
        settings.root, settings.models_dir, config=settings.config_path, force=args.force
    )
    if not trained:
        print(f"The model is up to date: {path}", file=sys.stderr)
    return 0


def _parse_result(parsed: dict[str, Any]) -> dict[str, Any]:
    intent = parsed.get("intent") or {}
    return {
        "text": parsed.get("text", ""),
        "intent": {
            "name": intent.get("name"),
            "confidence": round(float(intent.get("confidence") or 0.0), 4),
        },
        "entities": [
            {
                k: e.get(k)
                for k in ("entity", "value", "start", "end", "confidence_entity")
                if k in e
            }
            for e in parsed.get("entities") or []
        ],
    }


def cmd_parse(settings: Settings, args: argparse.Namespace) -> int:
    """Parse one text, or one text per line of standard input with one model load."""
    from bot.app import ensure_model
    from bot.dialogue import rasa_env

    model = ensure_model(settings, progress=False)
    rasa_env.prepare()
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    def emit(text: str) -> None:
        result = _parse_result(asyncio.run(agent.parse_message(text)))
        if args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        else:
            print(
                f"{result['intent']['name']}\t{result['intent']['confidence']:.3f}\t{text}",
                flush=True,
            )

    if args.text is not None:
        emit(args.text)
        return 0
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line.strip():
            emit(line)
    return 0


def cmd_texts(settings: Settings, args: argparse.Namespace) -> int:
    from bot.texts import all_texts

    items = all_texts(settings.root)
    if args.json:
        print(json.dumps([item.as_dict() for item in items], ensure_ascii=False, indent=1))
    else:
        for item in items:
            print(f"{item.id:<38} {item.level:<3} {item.audience:<8} {item.text}")
    return 0


def cmd_tone_report(settings: Settings, args: argparse.Namespace) -> int:
    """Every fixed text's reading figures; exit 1 when one exceeds its level."""
    from bot.texts import all_texts
    from bot.tone.report import format_table, report_rows

    rows = report_rows(all_texts(settings.root), level=args.level)
    if args.failing:
        rows = [row for row in rows if not row.ok]
    if args.json:
        print(json.dumps([dataclasses.asdict(row) for row in rows], ensure_ascii=False, indent=1))
    else:
        print(format_table(rows))
    return 0 if all(row.ok for row in rows) else 1


def cmd_content_check(settings: Settings, args: argparse.Namespace) -> int:
    """Validate the practice content bank: schema, counts, and every text at its level."""
    from bot.content.bank import CEFR, check_bank, load_bank
    from bot.taalhuis.organisation import check_organisation, load_organisation
    from bot.tone import check

    directory = Path(args.dir) if args.dir else None
    problems = check_bank(directory)
    organisation_problems = check_organisation()
    if not organisation_problems:
        for text in load_organisation().texts():
            verdict = check(text, "A2")
            if not verdict.ok:
                organisation_problems.append(
                    f"taalhuis.yml: {text!r}: {'; '.join(verdict.problems)}"
                )
    problems += organisation_problems
    if not problems:
        bank = load_bank(directory)
        for item in bank.all_items():
            for text in item.texts():
                verdict = check(text, CEFR[item.level])
                if not verdict.ok:
                    problems.append(f"{item.key}: {text!r}: {'; '.join(verdict.problems)}")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problems.", file=sys.stderr)
        return 1
    bank = load_bank(directory)
    counts = {level: sum(len(t.items[level]) for t in bank.themes.values()) for level in CEFR}
    print(
        f"{len(bank.themes)} themes, "
        + ", ".join(f"level {level}: {count} items" for level, count in counts.items())
        + ". Every text passes its reading level."
    )
    organisation = load_organisation()
    example = " (EXAMPLE data: replace it)" if organisation.example else ""
    print(
        f"{organisation.name}: {len(organisation.locations)} locations, "
        f"{len(organisation.courses)} courses{example}. Every text passes A2."
    )
    return 0


def cmd_audio_build(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import open_speech, open_store
    from bot.speech import build_all
    from bot.texts import speakable_texts

    store = open_store(settings)
    speech = open_speech(settings, store)
    try:
        texts = speakable_texts(settings.root)
        made = build_all(speech, texts, slow_too=True, progress=True)
        print(f"{len(texts)} texts, {made} voice notes newly made.", file=sys.stderr)
    finally:
        speech.close()
        store.close()
    return 0


def cmd_appointments(settings: Settings, args: argparse.Namespace) -> int:
    """The day's appointments per location, for the desk: local time, reason, number, and
    the phone number only when the learner shared it (bot/taalhuis/desk.py, which the
    dashboard's Afspraken page shows too). Texts: bot/content/coordinator.yml."""
    from datetime import date

    from bot.store.appointments import Appointments
    from bot.store.db import make_engine, make_sessionmaker, migrate
    from bot.taalhuis.desk import desk_day, desk_texts
    from bot.taalhuis.organisation import load_organisation

    try:
        day = date.fromisoformat(args.dag)
    except ValueError:
        print(desk_texts()["bad_date"].format(datum=args.dag), file=sys.stderr)
        return 2
    organisation = load_organisation()
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        desk = desk_day(Appointments(make_sessionmaker(engine)), organisation, day)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(desk.as_json(), ensure_ascii=False))
    else:
        print("\n".join(desk.lines()))
    return 0


def cmd_privacy_purge(settings: Settings, args: argparse.Namespace) -> int:
    """Apply the retention rules now (bot/store/retention.py); --dry-run only counts."""
    from datetime import datetime, timezone

    from bot.store.db import make_engine, migrate
    from bot.store.retention import Retention

    engine = make_engine(settings.database_url)
    try:
        try:
            retention = Retention(engine, settings.retention_days)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        migrate(engine)
        now = datetime.now(timezone.utc)
        counts = retention.purge(now, dry_run=args.dry_run)
    finally:
        engine.dispose()
    cutoff = retention.cutoff(now)
    if args.json:
        print(
            json.dumps({"dry_run": args.dry_run, "cutoff": cutoff.isoformat(), "deleted": counts})
        )
        return 0
    print(
        f"Retention: {settings.retention_days} days, cutoff {cutoff:%Y-%m-%d %H:%M} UTC. "
        + ("Would delete (dry run, nothing was deleted):" if args.dry_run else "Deleted:")
    )
    labels = {
        "tracker_idle": "conversation events of conversations idle since the cutoff",
        "tracker_ended": "conversation events of ended sessions, older than the cutoff",
        "inbox_done": "handled updates (inbox)",
        "inbox_quarantine": "quarantined updates (inbox)",
        "outbox": "sent or failed messages (outbox)",
        "open_questions": "questions on screen, unchanged since the cutoff",
    }
    for name, count in counts.items():
        print(f"  {labels.get(name, name)}: {count}")
    return 0


def _bot_username(settings: Settings) -> str:
    """For invitation links: TELEGRAM_BOT_USERNAME, else getMe; without a token, the local
    emulator's bot."""
    if settings.bot_username:
        return settings.bot_username
    if settings.telegram_token is None:
        from bot.emulator.state import BOT_USER

        return str(BOT_USER["username"])
    import asyncio

    import telegram

    async def ask() -> str:
        assert settings.telegram_token is not None
        kwargs = {"base_url": settings.telegram_base_url} if settings.telegram_base_url else {}
        async with telegram.Bot(settings.telegram_token.get(), **kwargs) as bot:
            return bot.username

    return asyncio.run(ask())


def cmd_buddy_invitations(settings: Settings, args: argparse.Namespace) -> int:
    """Buddy invitations for one place: a single-use deep link each (30 days) and a QR
    code image to print. Only the codes' hashes are stored."""
    from bot.buddy import codes
    from bot.buddy.invitations import make_invitations
    from bot.store.buddies import Buddies
    from bot.store.db import make_engine, make_sessionmaker, migrate
    from bot.store.models import utcnow
    from bot.taalhuis.organisation import load_organisation

    places = load_organisation().locations
    if args.plek not in places:
        print(f"Onbekende plek: {args.plek}. Kies uit: {', '.join(places)}.", file=sys.stderr)
        return 2
    if not 1 <= args.aantal <= 200:
        print("Kies een aantal van 1 tot 200.", file=sys.stderr)
        return 2
    username = _bot_username(settings)
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        buddies = Buddies(make_sessionmaker(engine))
        made = make_invitations(buddies, "maatje", args.plek, args.aantal, username, utcnow())
    finally:
        engine.dispose()
    expires = made[0].expires
    folder = Path(args.map) if args.map else settings.var_dir / "uitnodigingen"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for invitation in made:
        image = folder / f"maatje-{args.plek}-{invitation.code[:9]}.png"
        image.write_bytes(codes.qr_png(invitation.link))
        rows.append({"code": invitation.code, "link": invitation.link,
                     "expires": expires.isoformat() + "Z", "qr": str(image)})  # fmt: skip
    if args.json:
        print(json.dumps(rows))
        return 0
    print(f"{len(rows)} uitnodiging(en) voor maatjes in {places[args.plek].town}, "
          f"geldig tot {expires:%d-%m-%Y}:")  # fmt: skip
    for row in rows:
        print(f"  {row['link']}\n    QR-code: {row['qr']}")
    return 0


def cmd_coordinator_add(settings: Settings, args: argparse.Namespace) -> int:
    """A coordinator of one or more places (or an admin: all places and the coordinators):
    they then get a dashboard login link by sending /dashboard to the bot."""
    from bot.store.coordinators import Coordinators, login_key
    from bot.store.db import make_engine, make_sessionmaker, migrate
    from bot.taalhuis.organisation import load_organisation

    known = load_organisation().locations
    places = list(dict.fromkeys(args.plek or []))
    unknown = [p for p in places if p not in known]
    if unknown or (not places and not args.admin):
        wrong = ", ".join(unknown) or "geen"
        print(f"Kies een of meer plekken (niet: {wrong}). Bekend: {', '.join(known)}; of --admin.",
              file=sys.stderr)  # fmt: skip
        return 2
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        coordinators = Coordinators(make_sessionmaker(engine), login_key(settings.secret_key.get()))
        coordinators.add(args.telegram_id, places, admin=args.admin)
    finally:
        engine.dispose()
    what = "beheerder (alle plekken)" if args.admin else "coördinator van " + ", ".join(places)
    print(f"Telegram-id {args.telegram_id} is nu {what}. Stuur /dashboard naar de bot.")
    return 0


def cmd_inbox(settings: Settings, args: argparse.Namespace) -> int:
    """What waits in the inbox or was set aside (--quarantine): ids, kinds, errors and
    times, never an update's content."""
    from bot.store.db import make_engine, make_sessionmaker, migrate
    from bot.store.inbox import Inbox

    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        inbox = Inbox(make_sessionmaker(engine), "cli")
        rows = inbox.listing("quarantine" if args.quarantine else None)
        counts = inbox.counts()
    finally:
        engine.dispose()
    if args.json:
        listed = [
            {
                "update_id": r.update_id, "kind": r.kind, "status": r.status,
                "attempts": r.attempts, "error": r.error,
                "received_at": r.received_at.isoformat() + "Z",
            }
            for r in rows
        ]  # fmt: skip
        print(json.dumps({"counts": counts, "updates": listed}))
        return 0
    shown = ", ".join(f"{status} {count}" for status, count in sorted(counts.items()))
    print(f"Inbox: {shown or 'empty'}.")
    what = "set aside (quarantine)" if args.quarantine else "not done"
    print(f"{len(rows)} {what}" + (":" if rows else "."))
    for r in rows:
        print(
            f"  {r.update_id}  {r.kind:<16} {r.status:<10} tries {r.attempts}  "
            f"{r.error or '-':<24} {r.received_at:%Y-%m-%d %H:%M:%S} UTC"
        )
    return 0


def cmd_emulator(settings: Settings, args: argparse.Namespace) -> int:
    from bot.emulator.server import serve_forever

    serve_forever(args.host or settings.host, args.port or settings.port)
    return 0


def cmd_actions(settings: Settings, args: argparse.Namespace) -> int:
    from bot.actions.server import serve_forever

    serve_forever(settings, args.host, args.port)
    return 0


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    """A synthetic year in the configured database, which must hold no learners."""
    from bot.demo_data import NotEmpty, make_demo_year
    from bot.store.db import make_engine, migrate
    from bot.store.repositories import Analytics

    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        pseudonym = Analytics(None, settings.secret_key.get()).pseudonym  # type: ignore[arg-type]
        try:
            made = make_demo_year(
                engine, pseudonym, learners=args.learners, weeks=args.weeks, seed=args.seed,
                progress=lambda line: print(line, file=sys.stderr),
            )  # fmt: skip
        except NotEmpty as full:
            print(
                f"Deze database heeft al deelnemers (tabel {full}). Demogegevens komen alleen "
                "in een lege database.", file=sys.stderr,
            )  # fmt: skip
            return 2
    finally:
        engine.dispose()
    figures = {"learners": made.learners, "events": made.events,
               "appointments": made.appointments, "seconds": round(made.seconds, 1),
               "rollup_seconds": round(made.rollup_seconds, 1)}  # fmt: skip
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"{made.learners} deelnemers, {made.events} gebeurtenissen, "
              f"{made.appointments} afspraken in {made.seconds:.0f} s "
              f"(weekcijfers {made.rollup_seconds:.1f} s).")  # fmt: skip
    return 0


def cmd_bench(settings: Settings, args: argparse.Namespace) -> int:
    from bot.bench import run_bench

    return run_bench(settings, args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taalmaatje", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="train if the data changed, then serve").set_defaults(func=cmd_run)

    train = sub.add_parser("train", help="train the Rasa model (only when the data changed)")
    train.add_argument("--force", action="store_true", help="train even if the data did not change")
    train.set_defaults(func=cmd_train)

    parse = sub.add_parser("parse", help="show the intent of a text (or of each line on stdin)")
    parse.add_argument("text", nargs="?", help="the text; without it, one text per line on stdin")
    parse.add_argument("--json", action="store_true", help="one JSON object per text")
    parse.set_defaults(func=cmd_parse)

    texts = sub.add_parser("texts", help="list every fixed text a user can be shown")
    texts.add_argument("--json", action="store_true")
    texts.set_defaults(func=cmd_texts)

    tone = sub.add_parser("tone", help="the reading-level gate")
    tone_sub = tone.add_subparsers(dest="tone_command", required=True)
    report = tone_sub.add_parser("report", help="each fixed text's reading figures and verdict")
    report.add_argument("--json", action="store_true")
    report.add_argument("--level", choices=("A1", "A2", "B1"), help="check all at this level")
    report.add_argument("--failing", action="store_true", help="only the texts that fail")
    report.set_defaults(func=cmd_tone_report)

    content = sub.add_parser("content", help="the practice content bank")
    content_sub = content.add_subparsers(dest="content_command", required=True)
    content_check = content_sub.add_parser(
        "check", help="validate bot/content/oefenen/*.yml and bot/content/taalhuis.yml"
    )
    content_check.add_argument("--dir", help="another folder of theme files (a draft)")
    content_check.set_defaults(func=cmd_content_check)

    audio = sub.add_parser("audio", help="voice notes")
    audio_sub = audio.add_subparsers(dest="audio_command", required=True)
    audio_sub.add_parser("build", help="render voice for every fixed learner text").set_defaults(
        func=cmd_audio_build
    )

    afspraken = sub.add_parser("afspraken", help="a day's appointments per location (the desk)")
    afspraken.add_argument("--dag", required=True, help="the day, YYYY-MM-DD")
    afspraken.add_argument("--json", action="store_true", help="one JSON object")
    afspraken.set_defaults(func=cmd_appointments)

    privacy = sub.add_parser("privacy", help="what is stored, and for how long")
    privacy_sub = privacy.add_subparsers(dest="privacy_command", required=True)
    purge = privacy_sub.add_parser("purge", help="apply the retention rules now (see README)")
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")
    purge.add_argument("--json", action="store_true", help="one JSON object")
    purge.set_defaults(func=cmd_privacy_purge)

    maatjes = sub.add_parser("maatjes", help="buddies (taalmaatjes)")
    maatjes_sub = maatjes.add_subparsers(dest="maatjes_command", required=True)
    invite = maatjes_sub.add_parser("uitnodigen", help="make buddy invitations for a place")
    invite.add_argument("--plek", required=True, help="the place's id (bot/content/taalhuis.yml)")
    invite.add_argument("--aantal", type=int, default=1, help="how many invitations")
    invite.add_argument("--map", help="folder for the QR images (default var/uitnodigingen)")
    invite.add_argument("--json", action="store_true", help='[{"code", "link", "expires"}]')
    invite.set_defaults(func=cmd_buddy_invitations)

    coordinator = sub.add_parser("coordinator", help="coordinators of the dashboard")
    coordinator_sub = coordinator.add_subparsers(dest="coordinator_command", required=True)
    add = coordinator_sub.add_parser("add", help="make someone a coordinator of places")
    add.add_argument("--telegram-id", type=int, required=True)
    add.add_argument("--plek", action="append", help="a place id; more than once for several")
    add.add_argument("--admin", action="store_true", help="all places, and the coordinators")
    add.set_defaults(func=cmd_coordinator_add)

    inbox = sub.add_parser("inbox", help="updates that wait, or were set aside (no texts)")
    inbox.add_argument("--quarantine", action="store_true", help="only those set aside")
    inbox.add_argument("--json", action="store_true")
    inbox.set_defaults(func=cmd_inbox)

    emulator = sub.add_parser("emulator", help="only the local Telegram emulator and web chat")
    emulator.add_argument("--host")
    emulator.add_argument("--port", type=int)
    emulator.set_defaults(func=cmd_emulator)

    actions = sub.add_parser("actions", help="serve the custom actions over HTTP (optional)")
    actions.add_argument("--host", default="127.0.0.1")
    actions.add_argument("--port", type=int, default=5055)
    actions.set_defaults(func=cmd_actions)

    demo = sub.add_parser("demo-data", help="a synthetic year in an empty database")
    demo.add_argument("--learners", type=int, default=2000)
    demo.add_argument("--weeks", type=int, default=52)
    demo.add_argument("--seed", type=int, default=12)
    demo.add_argument("--json", action="store_true", help="print the counts as JSON")
    demo.set_defaults(func=cmd_demo_data)
    bench = sub.add_parser("bench", help="measure speed and memory (see README)")
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench.add_argument("--learners", type=int, default=50)
    bench.add_argument("--turns", type=int, default=20, help="turns per learner in the load test")
    bench.add_argument("--long", type=int, default=300, help="turns in the long conversation")
    bench.add_argument("--no-baseline", action="store_true", help="skip the DIET+TED baseline")
    bench.add_argument(
        "--crash-learners", type=int, default=30, help="learners in the crash figure (0: skip it)"
    )
    bench.add_argument("--kills", type=int, default=3, help="SIGKILLs in the crash figure")
    bench.add_argument(
        "--dashboard", action="store_true", help="time every dashboard page on a demo year"
    )
    bench.add_argument("--database-url", help="with --dashboard: an empty database to use")
    bench.add_argument("--demo-learners", type=int, default=2000, help="with --dashboard")
    bench.add_argument("--demo-weeks", type=int, default=52, help="with --dashboard")
    bench.add_argument("--repeats", type=int, default=30, help="with --dashboard: per page")
    bench.add_argument(
        "--prompts", type=int, default=1000, help="buddy prompts in the outbox figure (0: none)"
    )
    bench.set_defaults(func=cmd_bench)
    return parser


def _quiet_libraries() -> None:
    """Libraries' deprecation notices (SQLAlchemy 2.0 moves in Rasa, pyparsing in
    matplotlib, pkg_resources) are not the operator's business: without this a start prints
    eight of them. Must run before anything imports SQLAlchemy or Rasa."""
    import os
    import warnings

    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    for category in (DeprecationWarning, PendingDeprecationWarning):
        warnings.filterwarnings("ignore", category=category)
    warnings.filterwarnings("ignore", message=r".*deprecated - use .*")  # pyparsing's


def main(argv: list[str] | None = None) -> int:
    _quiet_libraries()
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    return int(args.func(settings, args) or 0)
