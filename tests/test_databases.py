"""The test databases themselves (tests/databases.py): both backends are real, empty and take concurrent writers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from databases import engine_for
from sqlalchemy import Column, Integer, MetaData, String, Table, func, inspect, select, text


def test_database_is_real_empty_and_takes_concurrent_writes(database_url):
    engine = engine_for(database_url)
    try:
        assert inspect(engine).get_table_names() == []
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            else:
                assert engine.dialect.name == "postgresql"
                assert conn.execute(text("SELECT version()")).scalar().startswith("PostgreSQL ")
                assert engine.dialect.server_version_info >= (13,)  # DROP DATABASE ... WITH (FORCE)

        rows = Table("rows", MetaData(), Column("id", Integer, primary_key=True), Column("writer", String(10)))
        rows.metadata.create_all(engine)

        def write(writer: int) -> None:
            for _ in range(25):
                with engine.begin() as conn:  # one transaction per row: the writers interleave
                    conn.execute(rows.insert().values(writer=f"w{writer}"))

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(write, range(4)))

        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(rows)).scalar() == 100
            assert conn.execute(select(func.count(func.distinct(rows.c.writer)))).scalar() == 4
    finally:
        engine.dispose()
