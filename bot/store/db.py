"""Engine and sessions for the project's database, and running its migrations.

SQLite is the default; any SQLAlchemy URL (PostgreSQL for scale) works through DATABASE_URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers and one writer work at once; NORMAL sync is safe with WAL and fast."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create the engine; for a SQLite file, make its folder and set the pragmas."""
    parsed = make_url(url)
    kwargs: dict[str, Any] = {
        "future": True,
        "pool_pre_ping": parsed.get_backend_name() != "sqlite",
        # Parameters hold what learners wrote (the inbox, the tracker): not in SQL logs
        # (sqlalchemy.engine at INFO) nor in the messages of database errors.
        "hide_parameters": True,
    }
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False}
        # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool); reuse them.
        if parsed.database and parsed.database != ":memory:":
            kwargs.update(poolclass=QueuePool, pool_size=8, max_overflow=16)
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, future=True, expire_on_commit=False, class_=Session)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (run on every start; cheap when current)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
