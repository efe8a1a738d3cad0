"""The database behind the Optuna studies, opened safely by workers that start together.

Opening a new database creates Optuna's tables, and two workers started at the same instant
both try: the loser of that race in the database fails (SQLite: "table studies already exists"
or "UNIQUE constraint failed: alembic_version.version_num"; PostgreSQL: "duplicate key value
violates unique constraint pg_type_typname_nsp_index"). :func:`open_storage` recognises those
errors and opens again after a short random pause, by when the tables are there.
"""

from __future__ import annotations

import importlib.util
import logging
import random
import time

import optuna
import sqlalchemy.exc

from podium.errors import ConfigError
from podium.options import masked

log = logging.getLogger(__name__)

OPEN_ATTEMPTS = 8  # pauses of up to 0.3, 0.6, ... s: about 5 s in all before giving up
# The PostgreSQL drivers SQLAlchemy 2 knows, best first: psycopg 3 (the `.[postgres]` extra,
# SQLAlchemy 2.1's default for postgresql://) and psycopg2.
POSTGRES_DRIVERS = (("psycopg", "psycopg"), ("psycopg2", "psycopg2"))
POSTGRES_FIX = (
    "install the driver with pip install -e '.[postgres]' (psycopg 3) and write the URL as "
    "postgresql+psycopg://user:password@host/db"
)


def open_storage(url: str) -> optuna.storages.RDBStorage:
    """An Optuna RDB storage; a malformed URL, a missing driver or an unreachable database is
    a ConfigError.

    Opening only connects (and creates Optuna's tables in a new database): no study is
    touched, so a failed open leaves an existing study as it was.
    """
    if "://" not in url:
        raise ConfigError(
            f"--storage {masked(url)!r} is not a database URL; expected e.g. "
            "sqlite:///path/studies.db or postgresql+psycopg://user:password@host/db"
        )
    url = _with_driver(url)
    for attempt in range(1, OPEN_ATTEMPTS + 1):
        try:
            return _connect(url)
        except sqlalchemy.exc.SQLAlchemyError as error:
            if not _racing(error) or attempt == OPEN_ATTEMPTS:
                reason = _first_line(error)
                raise ConfigError(f"--storage {masked(url)!r} cannot be opened: {reason}") from None
            log.debug("storage: another worker is creating the tables (%s)", _first_line(error))
            time.sleep(random.uniform(0.5, 1.0) * 0.3 * attempt)
        except ImportError as error:
            raise ConfigError(
                f"--storage {masked(url)!r} needs a database driver that is not installed "
                f"({_first_line(error.__cause__ or error)}); "
                + (POSTGRES_FIX if url.startswith("postgres") else "install it with pip")
            ) from None
        except Exception as error:  # a malformed URL, an unknown dialect, ...
            raise ConfigError(
                f"--storage {masked(url)!r} cannot be opened: {_first_line(error)}"
            ) from None
    raise AssertionError("unreachable")


def _connect(url: str) -> optuna.storages.RDBStorage:
    return optuna.storages.RDBStorage(url)


def _with_driver(url: str) -> str:
    """A plain ``postgresql://`` URL with the installed driver named: SQLAlchemy 2.0 reads it as
    psycopg2 and 2.1 as psycopg 3, so the same URL breaks with one or the other installed."""
    scheme, rest = url.split("://", 1)
    if scheme.lower() not in ("postgresql", "postgres"):
        return url
    for module, dialect in POSTGRES_DRIVERS:
        if importlib.util.find_spec(module) is not None:
            log.debug("storage: %s:// read as postgresql+%s://", scheme, dialect)
            return f"postgresql+{dialect}://{rest}"
    raise ConfigError(
        f"--storage {masked(url)!r}: no PostgreSQL driver is installed; {POSTGRES_FIX}"
    )


def _racing(error: sqlalchemy.exc.SQLAlchemyError) -> bool:
    """Whether ``error`` is another worker creating the same tables at the same time."""
    text = str(error).lower()
    if isinstance(error, sqlalchemy.exc.IntegrityError):
        return True  # a row or type another worker inserted first
    if isinstance(error, sqlalchemy.exc.OperationalError | sqlalchemy.exc.ProgrammingError):
        return any(s in text for s in ("already exists", "database is locked", "deadlock"))
    return False


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
