"""The database gateway: every database the publisher opens is opened here (docs/configuration.md).

:func:`open_database` (create and migrate) and :func:`open_existing` (read
what is there, create nothing) are the only ways in; this module holds the
only ``create_engine``. SQLite is the embedded default: WAL,
``synchronous=FULL`` (a committed "published" survives power loss) and
``BEGIN IMMEDIATE`` so a claim takes the write lock before it reads.
PostgreSQL lets several daemons share one database; claims there use
``FOR UPDATE SKIP LOCKED``. Also the one-daemon-per-SQLite lock.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from publisher.config import Config
from publisher.errors import ConfigError
from publisher.i18n import _
from publisher.redaction import KNOWN, masked_url

MIGRATIONS = Path(__file__).parent / "migrations"


def resolve_url(url: str, root: Path) -> str:
    """A SQLite path relative to the project root, not to wherever the command runs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database)
        if not path.is_absolute():
            parsed = parsed.set(database=str(root / path))
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


LOCK_TIMEOUT_SECONDS = 30.0


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class _WriterTurns:
    """Threads of one process take turns at the database through a Python lock.

    Every SQLite transaction here is ``BEGIN IMMEDIATE``. When several worker
    threads want the write lock at once, SQLite's busy handler makes the losers
    sleep with growing back-offs (up to 100 ms each) even if the lock frees a
    millisecond later, which capped a daemon at about 100 deliveries a second.
    Holding a Python lock from pool checkout to checkin (after the commit has
    finished) hands the database over at once instead. Other processes
    (``status``, ``review``) still wait through SQLite's ``busy_timeout``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def checkout(self, _dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if not self._lock.acquire(timeout=LOCK_TIMEOUT_SECONDS):
            from sqlalchemy.exc import OperationalError

            raise OperationalError(
                "BEGIN IMMEDIATE", None, Exception("database is locked: another thread held it for 30 s")
            )
        record.info["writer_turn"] = True

    def checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop("writer_turn", False):
            self._lock.release()


def make_engine(url: str, root: Path, connect_timeout: float | None = None) -> Engine:
    """Create the engine for ``url`` with the settings exactly-once publishing needs."""
    resolved = resolve_url(url, root)
    try:
        parsed = make_url(resolved)
        backend = parsed.get_backend_name()
    except Exception:  # any unparseable URL is a config problem
        message = _("'database' = %(value)s is not a database URL (e.g. sqlite:///publisher.db)")
        raise ConfigError(message % {"value": repr(masked_url(url))}) from None
    KNOWN.add(parsed.password if isinstance(parsed.password, str) else None)
    if backend == "sqlite":
        engine = create_engine(resolved, connect_args={"timeout": connect_timeout or 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        turns = _WriterTurns()
        event.listen(engine.pool, "checkout", turns.checkout)
        event.listen(engine.pool, "checkin", turns.checkin)
        return engine
    if backend == "postgresql":
        try:
            options: dict[str, Any] = (
                {"connect_args": {"connect_timeout": int(connect_timeout)}} if connect_timeout else {}
            )
            return create_engine(resolved, pool_pre_ping=True, pool_size=5, max_overflow=5, **options)
        except ModuleNotFoundError:
            raise ConfigError(_("PostgreSQL needs the psycopg driver: pip install 'publisher[postgres]'")) from None
    message = _("database %(backend)s is not supported; use sqlite:/// or postgresql+psycopg://")
    raise ConfigError(message % {"backend": repr(backend)})


MIGRATION_LOCK_KEY = 0x7075626D  # "pubm": the advisory lock serialising migrations on PostgreSQL


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic, batch mode on SQLite).

    On PostgreSQL the migration runs under an advisory lock held to the end of
    its transaction, so any number of daemons may start together on a fresh
    database: the first creates the schema, the others wait and find it done.
    """
    from alembic import command
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


class DaemonLock:
    """One ``publisher run`` per SQLite database, enforced with an OS file lock.

    The lock dies with the process (even on SIGKILL), so a crash never leaves
    a stale lock behind.
    """

    def __init__(self, database_path: Path) -> None:
        # The resolved file: a second daemon given a symlink to the same database must meet the same lock.
        real = database_path.resolve()
        self.path = real.with_name(real.name + ".lock")
        self._handle: IO[str] | None = None

    def acquire(self) -> bool:
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None


def sqlite_path(engine: Engine) -> Path | None:
    """The database file of a SQLite engine (None for PostgreSQL or in-memory)."""
    if not is_sqlite(engine) or not engine.url.database or engine.url.database == ":memory:":
        return None
    return Path(engine.url.database)


@dataclass
class Database:
    """An open database: its engine, a session factory and the dialect name."""

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


LOCK_WAIT_SECONDS = 30.0


def _migrated(config: Config) -> Database:
    """Connect and migrate; configuration problems become ConfigError (exit 2).

    Two processes opening a new SQLite database at once (the daemon starting
    while someone runs ``status``) can meet "database is locked" while one
    switches it to WAL or migrates it; that is retried, not reported.
    """
    engine = make_engine(config.database, config.root)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            migrate(engine)
            return Database(engine=engine, sessions=session_factory(engine))
        except Exception as exc:  # any connection failure is reported in one line
            engine.dispose()
            if "database is locked" in str(exc) and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            raise ConfigError(_cannot_open(engine, exc)) from None


def _cannot_open(engine: Engine, exc: Exception) -> str:
    """One line: which database (password masked) and why it cannot be opened."""
    where = engine.url.render_as_string(hide_password=True)
    message = _("cannot open the database %(where)s: %(error)s")
    return message % {"where": where, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0]}"}


# Databases a long-running front-end keeps open (the web workspace, docs/web.md): migrated once, one pool.
_KEPT: dict[tuple[str, Path], Database] = {}
_KEPT_LOCK = threading.Lock()


def keep_open(config: Config) -> None:
    """From now on in this process, :func:`open_database` reuses one engine for ``config``'s database.

    A web server opens the database on every request; creating an engine and
    checking the migrations each time would cost more than the page itself.
    """
    key = (config.database, config.root)
    with _KEPT_LOCK:
        if key not in _KEPT:
            _KEPT[key] = _migrated(config)


def close_kept() -> None:
    """Close every kept database (a server stopping, a test finishing)."""
    with _KEPT_LOCK:
        for database in _KEPT.values():
            database.engine.dispose()
        _KEPT.clear()


@contextmanager
def open_database(config: Config) -> Iterator[Database]:
    """The configured database, created and migrated if need be; closed on leaving (unless kept open)."""
    kept = _KEPT.get((config.database, config.root))
    if kept is not None:
        yield kept
        return
    database = _migrated(config)
    try:
        yield database
    finally:
        database.engine.dispose()


def _has_schema(engine: Engine) -> bool:
    """Whether the database holds the publisher's tables (a daemon has opened it)."""
    from sqlalchemy import inspect

    return inspect(engine).has_table("alembic_version")


@contextmanager
def open_existing(config: Config, connect_timeout: float = 3.0, upgrade: bool = False) -> Iterator[Database | None]:
    """The configured database if there is one to read (None otherwise); creates nothing.

    For commands that only consult the database when it is there (``check``
    in a content repository's CI, ``preview`` on an editor's laptop), and for
    those that act on the daemon's database and must never make one of their
    own (``status``, ``retry``, ``pause``). With ``upgrade``, a database that
    holds the publisher's tables is migrated to this version's schema, and one
    that holds none counts as no database.
    """
    sqlite_file = config.sqlite_file()
    if sqlite_file is not None and not sqlite_file.exists():
        yield None
        return
    engine = make_engine(config.database, config.root, connect_timeout=connect_timeout)
    try:
        if upgrade and not _upgraded(engine):
            yield None
            return
        yield Database(engine=engine, sessions=session_factory(engine))
    finally:
        engine.dispose()


def _behind(engine: Engine) -> bool:
    """Whether the schema is older than this version's (reading only: a current database is not written)."""
    from alembic.config import Config as AlembicConfig
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current != ScriptDirectory.from_config(config).get_current_head()


def _upgraded(engine: Engine) -> bool:
    """Migrate a database that holds the publisher's tables; False when it holds none."""
    try:
        if not _has_schema(engine):
            return False
        if _behind(engine):
            migrate(engine)
    except Exception as exc:  # any connection failure is reported in one line
        raise ConfigError(_cannot_open(engine, exc)) from None
    return True


def describe_location(config: Config) -> str:
    """Where the configured database is, for a person (any password masked)."""
    sqlite_file = config.sqlite_file()
    if sqlite_file is not None:
        return str(sqlite_file)
    return masked_url(config.database)
