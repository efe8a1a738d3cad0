"""The database behind the Optuna studies: opened safely by workers that start together, with
a heartbeat that hands a dead worker's trial to the living.

Opening a new database creates Optuna's tables, and two workers started at the same instant
both try: the loser of that race in the database fails (SQLite: "table studies already exists"
or "UNIQUE constraint failed: alembic_version.version_num"; PostgreSQL: "duplicate key value
violates unique constraint pg_type_typname_nsp_index"). :func:`open_storage` recognises those
errors and opens again after a short random pause, by when the tables are there.

A worker running a trial records a heartbeat every :data:`HEARTBEAT_SECONDS` (Optuna's
``heartbeat_interval``, in the database's own clock, so machines need not agree on the time).
A RUNNING trial whose last beat is older than :data:`GRACE_SECONDS` belongs to a worker that
died (kill -9, a lost machine): the next worker that looks fails it, and Optuna hands it, in
that one process, to :class:`StaleTrials`, which passes it to the study's tuner to queue again.
"""

from __future__ import annotations

import importlib.util
import logging
import random
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import optuna
import sqlalchemy.exc
from optuna.trial import FrozenTrial

from core.errors import ConfigError
from podium.options import masked

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5
# Missed beats before a trial counts as abandoned: long enough for a busy machine's thread to
# be late, short enough that the others do not wait long for a dead worker's trial.
GRACE_SECONDS = 20
OPEN_ATTEMPTS = 8  # pauses of up to 0.3, 0.6, ... s: about 5 s in all before giving up
# The PostgreSQL drivers SQLAlchemy 2 knows, best first: psycopg 3 (the `.[postgres]` extra,
# SQLAlchemy 2.1's default for postgresql://) and psycopg2.
POSTGRES_DRIVERS = (("psycopg", "psycopg"), ("psycopg2", "psycopg2"))
POSTGRES_FIX = (
    "install the driver with pip install -e '.[postgres]' (psycopg 3) and write the URL as "
    "postgresql+psycopg://user:password@host/db"
)

TrialHandler = Callable[[FrozenTrial], None]


class StaleTrials:
    """The storage's heartbeat callback: Optuna fails a trial whose worker stopped beating and
    calls this in the one process that failed it, which passes the trial to the handler its
    study registered (:meth:`podium.tuning.ModelTuner.open`)."""

    def __init__(self) -> None:
        self._handlers: dict[str, TrialHandler] = {}

    def register(self, study_name: str, handler: TrialHandler) -> None:
        self._handlers[study_name] = handler

    def __call__(self, study: optuna.Study, trial: FrozenTrial) -> None:
        handler = self._handlers.get(study.study_name)
        if handler is not None:
            handler(trial)


def open_storage(url: str) -> optuna.storages.RDBStorage:
    """An Optuna RDB storage with a heartbeat; a malformed URL, a missing driver or an
    unreachable database is a ConfigError.

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
    callback: dict[str, Any] = {_CALLBACK_ARGUMENT: StaleTrials()}
    with warnings.catch_warnings():  # the heartbeat is marked experimental
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RDBStorage(
            url,
            heartbeat_interval=HEARTBEAT_SECONDS,
            grace_period=GRACE_SECONDS,
            **callback,
        )


# Optuna 4.9 renamed failed_trial_callback (now deprecated) to heartbeat_stale_trial_callback.
_CALLBACK_ARGUMENT = (
    "heartbeat_stale_trial_callback"
    if hasattr(optuna.storages.RDBStorage, "get_heartbeat_stale_trial_callback")
    else "failed_trial_callback"
)


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


def on_stale_trial(storage: optuna.storages.BaseStorage, study: str, handler: TrialHandler) -> None:
    """Have ``handler`` called with each trial of ``study`` that this process finds stale."""
    callback = getattr(storage, "heartbeat_stale_trial_callback", None) or getattr(
        storage, "failed_trial_callback", None
    )
    if isinstance(callback, StaleTrials):
        callback.register(study, handler)


def fail_stale_trials(study: optuna.Study) -> None:
    """Fail the study's RUNNING trials whose worker stopped beating; each goes to its handler."""
    if _interval(study._storage) is None:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)


def ask(study: optuna.Study) -> optuna.Trial:
    """``study.ask()`` without Optuna's warning that a heartbeat is meant for ``optimize``:
    :func:`heartbeat` does for one trial what ``optimize`` would."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Heartbeat of storage")
        return study.ask()


@contextmanager
def heartbeat(storage: optuna.storages.BaseStorage, trial_id: int) -> Iterator[None]:
    """Record the trial's heartbeat now, then every interval from a thread, while the block
    runs. The first beat is synchronous: a trial without any is never found stale."""
    interval = _interval(storage)
    if interval is None:
        yield
        return
    record: Callable[[int], None] = storage.record_heartbeat  # type: ignore[attr-defined]
    record(trial_id)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                record(trial_id)
            except Exception as error:  # a dropped connection: try again at the next beat
                log.debug("heartbeat of trial %d not recorded: %s", trial_id, error)

    thread = threading.Thread(target=beat, name=f"heartbeat-{trial_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=2 * interval)


def _interval(storage: optuna.storages.BaseStorage) -> int | None:
    get = getattr(storage, "get_heartbeat_interval", None)
    return None if get is None else get()
