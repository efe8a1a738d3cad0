"""The studies' database: workers that open a new one together, drivers named in the URL."""

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest

from podium.errors import ConfigError
from podium.storage import open_storage

ROOT = Path(__file__).resolve().parents[1]

# Imports podium (the slow part), says so, then opens the storage when told to go: the workers
# all start opening within a millisecond or two of each other.
OPENER = """
import sys
from podium.storage import open_storage
print("ready", flush=True)
sys.stdin.readline()
open_storage(sys.argv[1])
print("opened", flush=True)
"""


def open_together(url: str, workers: int) -> list[subprocess.CompletedProcess]:
    command = [sys.executable, "-c", OPENER, url]
    processes = [
        subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]  # fmt: skip
    for process in processes:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


def test_workers_opening_a_new_sqlite_database_together_all_succeed(tmp_path):
    """Without retries one of them fails, with "table studies already exists" or "UNIQUE
    constraint failed: alembic_version.version_num"."""
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    for done in open_together(url, 3):
        assert done.returncode == 0 and done.stdout == "opened\n", done.stderr
    study = optuna.create_study(storage=open_storage(url), study_name="after")
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert len(study.trials) == 2


def test_postgresql_urls_name_an_installed_driver_or_say_how_to_get_one(monkeypatch):
    found = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name in ("psycopg", "psycopg2") else found(name, *a),
    )
    with pytest.raises(ConfigError) as error:
        open_storage("postgresql://podium:secret@127.0.0.1:1/podium")
    message = str(error.value)
    assert "no PostgreSQL driver is installed" in message and ".[postgres]" in message
    assert "postgresql+psycopg://user:password@host/db" in message and "secret" not in message

    monkeypatch.setitem(sys.modules, "psycopg2", None)  # import psycopg2 fails
    with pytest.raises(ConfigError) as error:
        open_storage("postgresql+psycopg2://podium:secret@127.0.0.1:1/podium")
    message = str(error.value)
    assert "needs a database driver that is not installed" in message
    assert ".[postgres]" in message and "secret" not in message


def test_plain_postgresql_url_uses_psycopg_and_an_unreachable_server_fails_at_once():
    pytest.importorskip("psycopg")
    started = time.monotonic()
    with pytest.raises(ConfigError) as error:  # nothing listens on port 1
        open_storage("postgresql://podium:secret@127.0.0.1:1/podium")
    message = str(error.value)
    assert "postgresql+psycopg://podium:***@127.0.0.1:1/podium" in message
    assert "cannot be opened" in message and "secret" not in message
    assert time.monotonic() - started < 5  # not retried: only the tables' race is
