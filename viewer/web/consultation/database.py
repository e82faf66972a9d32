"""The consultation database: SQLite in the work folder by default (WAL mode), PostgreSQL by URL; migrated at start.

``TWIN_DATABASE_URL`` (``postgresql+psycopg://user:password@host/db``) selects PostgreSQL; otherwise the store
is one SQLite file. The schema is made and upgraded by the Alembic migrations in ``migrations/`` only.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from twin.errors import DataSourceError, message

MIGRATIONS = Path(__file__).parent / "migrations"


def engine_for(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys (off by default in SQLite)."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise DataSourceError(message("TWIN_DATABASE_URL", "value", "a SQLAlchemy database URL", str(exc))) from None
    if engine.dialect.name not in ("sqlite", "postgresql"):
        raise DataSourceError(message("TWIN_DATABASE_URL", "value", "a SQLite or PostgreSQL URL", engine.dialect.name))
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine) -> str:
    """Bring the database to the latest migration (from empty, or from an older version); returns the revision."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def write_lock(engine: Engine):
    """An asyncio lock that writing requests hold for their whole transaction on SQLite (one writer at a time
    anyway): they wait in the event loop, in order, without holding a worker thread, where SQLite's busy handler
    sleeps in steps up to 100 ms and makes long tails under load. PostgreSQL locks rows itself: no lock."""
    import asyncio
    import contextlib

    return asyncio.Lock() if inline_writes(engine) else contextlib.nullcontext()


def inline_writes(engine: Engine) -> bool:
    """Whether writes run in the event loop itself: on SQLite a write is a millisecond on a local file and one
    writer runs at a time, so a hop to a worker thread (and back, through the GIL) costs more than the write;
    PostgreSQL's writes wait for the network and run in worker threads, side by side."""
    return engine.dialect.name == "sqlite"


def sessions(engine: Engine) -> sessionmaker[Session]:
    """Sessions on ``engine`` whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)
