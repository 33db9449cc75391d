"""The bench's own database, never the user's.

SQLite (no DATABASE_URL, or a sqlite one): a file in a temporary folder. PostgreSQL: a database
created on DATABASE_URL's server. Without `--keep` the name carries the process id (two runs
never meet) and the database is dropped after; with `--keep` it has a fixed name per size, so
the next `--keep` run finds it seeded and skips the seeding.
"""

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

PREFIX = "crm_bench_"  # PostgreSQL database names
SQLITE_PREFIX = "crm-bench-"  # SQLite folders and files


@dataclass
class BenchDatabase:
    vendor: str  # "sqlite" or "postgresql"
    name: str  # the database's name, or the SQLite file's path
    url: str  # DATABASE_URL for the processes that work in it
    keep: bool
    folder: Path | None = None  # SQLite: the temporary folder removed afterwards
    created: bool = False

    @property
    def where(self) -> str:
        if self.vendor == "sqlite":
            return self.name
        return self.url.split("@")[-1]  # server and name, without the password

    def create(self) -> None:
        """Create the database (a kept one that exists already is reused)."""
        if self.vendor == "sqlite":
            Path(self.name).parent.mkdir(parents=True, exist_ok=True)
            self.created = not Path(self.name).exists()
            return
        with _server() as server:
            exists = server.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.name]
            ).fetchone()
            if exists and not self.keep:
                raise CommandError(
                    _("База %(name)s уже есть: её создал другой запуск bench.")
                    % {"name": self.name}
                )
            if not exists:
                server.execute(f'CREATE DATABASE "{self.name}"')
                self.created = True

    def drop(self) -> None:
        if self.keep:
            return
        if self.vendor == "sqlite":
            if self.folder is not None:
                shutil.rmtree(self.folder, ignore_errors=True)
            return
        with _server() as server:
            server.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def bench_database(*, size: str, keep: bool) -> BenchDatabase:
    """Where this run's database goes, by the user's DATABASE_URL (nothing is created yet)."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        if keep:
            folder = Path(tempfile.gettempdir()) / f"{SQLITE_PREFIX}{size.lower()}"
            path = folder / "bench.sqlite3"
            return BenchDatabase("sqlite", str(path), f"sqlite:///{path}", keep=True)
        folder = Path(tempfile.mkdtemp(prefix=SQLITE_PREFIX))
        path = folder / "bench.sqlite3"
        return BenchDatabase("sqlite", str(path), f"sqlite:///{path}", keep=False, folder=folder)
    if engine == "django.db.backends.postgresql":
        name = f"{PREFIX}{size.lower()}" if keep else f"{PREFIX}{size.lower()}_{os.getpid()}"
        return BenchDatabase("postgresql", name, _url_with_name(name), keep=keep)
    raise CommandError(
        _("bench работает с SQLite и PostgreSQL, а не с %(engine)s.") % {"engine": engine}
    )


def is_bench_database(settings_dict: dict) -> bool:
    """Whether the connection's database is one `bench_database` made (the worker's guard)."""
    name = str(settings_dict.get("NAME") or "")
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        return SQLITE_PREFIX in Path(name).parent.name
    return name.startswith(PREFIX)


def _url_with_name(name: str) -> str:
    """DATABASE_URL with the database name replaced (same server, user, options)."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class _server:
    """An autocommit connection to the server's maintenance database (`postgres`, else the
    configured one: CREATE and DROP DATABASE read or write nothing in it)."""

    def __enter__(self):
        import psycopg

        config = settings.DATABASES["default"]
        params = {
            "user": config.get("USER") or None,
            "password": config.get("PASSWORD") or None,
            "host": config.get("HOST") or None,
            "port": config.get("PORT") or None,
        }
        params = {key: value for key, value in params.items() if value}
        try:
            self.connection = psycopg.connect(dbname="postgres", autocommit=True, **params)
        except psycopg.OperationalError:
            self.connection = psycopg.connect(dbname=config["NAME"], autocommit=True, **params)
        return self.connection

    def __exit__(self, *exc_info):
        self.connection.close()
