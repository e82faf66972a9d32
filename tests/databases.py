"""Databases for the tests of the consultation store: an SQLite file, or a fresh database on a real PostgreSQL server.

The PostgreSQL server is, in this order:

* the one at ``TWIN_TEST_DATABASE_URL`` (``postgresql+psycopg://user@host:port/db``, a role that may create and drop
  databases), as ``.ci/postgres`` sets it in CI;
* else a throwaway server started once for the test session from the PostgreSQL binaries found on this machine
  (``/usr/lib/postgresql/*/bin`` as Debian installs them, or ``initdb`` on PATH): a cluster in a temporary folder,
  initialised and run as the ``postgres`` user when the tests run as root (the server refuses to run as root),
  listening on 127.0.0.1 on a free port with trust authentication, and removed at the end of the session;
* else none: the PostgreSQL tests are skipped, or fail when ``TWIN_REQUIRE_POSTGRES=1`` (as in CI).

Each test gets its own empty database on that server (``twin_<random hex>``), dropped after the test.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

URL_VARIABLE = "TWIN_TEST_DATABASE_URL"
REQUIRE_VARIABLE = "TWIN_REQUIRE_POSTGRES"


def sqlite_url(folder: Path) -> str:
    """An SQLite database file in ``folder`` (a file, not ``:memory:``: the store uses WAL and several connections)."""
    return f"sqlite:///{folder / 'consultation.sqlite'}"


def _unavailable(reason: str) -> NoReturn:
    """Skip the PostgreSQL tests, or fail them where PostgreSQL is required (TWIN_REQUIRE_POSTGRES=1, as in CI)."""
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{reason} (TWIN_REQUIRE_POSTGRES=1: the PostgreSQL tests must run)", pytrace=False)
    pytest.skip(reason)


def _libpq_url(url: str, database: str | None = None) -> str:
    """The libpq form (``postgresql://``) of a SQLAlchemy URL, for psycopg; optionally on another database."""
    from sqlalchemy.engine import make_url

    u = make_url(url).set(drivername="postgresql")
    if database is not None:
        u = u.set(database=database)
    return u.render_as_string(hide_password=False)


def _connect(url: str, database: str | None = None):
    import psycopg

    return psycopg.connect(_libpq_url(url, database), autocommit=True, connect_timeout=10)


def find_postgres_bin() -> Path | None:
    """The PostgreSQL server binaries' folder: Debian's newest /usr/lib/postgresql/N/bin, else initdb's on PATH."""

    def version(initdb: str) -> tuple[int, ...]:
        return tuple(int(n) for n in Path(initdb).parts[-3].split(".") if n.isdigit())

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    """A throwaway PostgreSQL cluster in a temporary folder (see the module's docstring)."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.as_postgres: dict = {}
        if os.geteuid() == 0:  # the server refuses to run as root: initdb and run it as the postgres user
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                _unavailable("running as root and there is no `postgres` user to run the PostgreSQL test server")
            self.as_postgres = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        # Directly in the temporary folder: the postgres user must reach it (pytest's tmp_path is private to root).
        self.folder = Path(tempfile.mkdtemp(prefix="twin-postgres-"))
        if self.as_postgres:
            os.chown(self.folder, self.as_postgres["user"], self.as_postgres["group"])
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            **self.as_postgres,
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}{log}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C",
                  "--no-sync")  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = '{self.folder}'\n"
                # a throwaway server: no need to survive a crash
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
            )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """The SQLAlchemy URL of the PostgreSQL server for the session (see the module's docstring); skips if none."""
    url = os.environ.get(URL_VARIABLE)
    if url:
        try:
            _connect(url).close()
        except Exception as exc:  # set on purpose, so a dead server is an error, never a skip
            pytest.fail(f"{URL_VARIABLE}={url}: cannot connect: {exc}", pytrace=False)
        yield url
        return
    bindir = find_postgres_bin()
    if bindir is None:
        _unavailable(
            "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH): "
            f"install Debian's postgresql, or set {URL_VARIABLE}"
        )
    server = _Server(bindir)
    try:
        server.start()
        yield server.url
    finally:
        server.stop()


@contextlib.contextmanager
def fresh_postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database ``twin_<random hex>`` on the server, as a SQLAlchemy URL; dropped afterwards."""
    from sqlalchemy.engine import make_url

    name = f"twin_{uuid.uuid4().hex}"
    with _connect(server_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(server_url)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with _connect(server_url) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def engine_for(url: str):
    """A SQLAlchemy engine for the self-test of these databases (the store has its own): SQLite in WAL mode."""
    from sqlalchemy import create_engine, event

    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _wal(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

    return engine
