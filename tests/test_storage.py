"""The studies' database: workers that open a new one together, drivers named in the URL, and
trials of dead workers reclaimed within the trial target (tests/test_postgres.py runs the
same against a real PostgreSQL server)."""

import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from core.errors import ConfigError
from core.metrics import get_metric
from podium.storage import ask, open_storage
from podium.tuning import ModelTuner

ROOT = Path(__file__).resolve().parents[1]

# Imports podium (the slow part), says so, then opens the storage when told to go: the workers
# all start opening within a millisecond or two of each other.
OPENER = """
import sys
from podium.storage import ask, open_storage
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


def tuner(storage: optuna.storages.BaseStorage, name: str, n_trials: int) -> ModelTuner:
    """A study's tuner whose model must never be fitted: these tests only ask and tell."""

    def unfittable(**params):
        raise AssertionError("a trial that should not run was run")

    return ModelTuner(
        name="m", make=unfittable, space=lambda t: {"x": t.suggest_float("x", 0, 1)},
        defaults={"x": 0.5}, X=None, y=None, X_test=None, fold=None,  # type: ignore[arg-type]
        metric=get_metric("roc_auc"), storage=storage, study_name=name,
        cache=Path("unused"), worker="here", seed=0, n_trials=n_trials,
    )  # fmt: skip


def other_worker(study: optuna.Study, value: float | None) -> optuna.trial.FrozenTrial:
    """A trial of another worker: finished with ``value``, or, with None, left running with a
    heartbeat, as a worker killed mid-trial leaves it."""
    trial = ask(study)
    trial.suggest_float("x", 0, 1)
    trial.set_user_attr("worker", "there")
    if value is not None:
        return study.tell(trial, value)
    study._storage.record_heartbeat(trial._trial_id)  # type: ignore[attr-defined]
    return study._storage.get_trial(trial._trial_id)


def waiting(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return study.get_trials(states=(TrialState.WAITING,))


def test_a_dead_workers_trial_runs_again_only_within_the_trial_target(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 'studies.db'}")
    storage.grace_period = 1  # seconds without a heartbeat before a trial counts as abandoned
    room, full = tuner(storage, "room", 2), tuner(storage, "full", 2)
    for t in (room, full):
        t.open()  # queues the defaults: trial 0
        other_worker(t.study, 0.7)
    other_worker(full.study, 0.6)  # full: two trials finished
    dead = {t.study_name: other_worker(t.study, None) for t in (room, full)}
    # While its worker beats, the trial counts towards the target: nothing to run here.
    assert not room.wants_trial(2) and not waiting(room.study)
    time.sleep(2.2)  # the database's clock counts whole seconds
    assert room.wants_trial(2)  # the trial was failed and queued again, for this worker
    (again,) = waiting(room.study)
    trial = dead["room"]
    assert room.study.trials[trial.number].state == TrialState.FAIL
    assert again.system_attrs["fixed_params"] == trial.params
    assert again.user_attrs["resumed_from"] == trial.number
    assert again.user_attrs["worker"] == "here"

    assert not full.wants_trial(2)  # failed, but the study has its 2 trials: not queued
    assert full.study.trials[dead["full"].number].state == TrialState.FAIL
    assert not waiting(full.study)
    assert len(full.study.get_trials(states=(TrialState.COMPLETE,))) == 2


def test_a_trial_asked_beyond_the_target_or_repeating_the_defaults_is_given_back(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 'studies.db'}")
    t = tuner(storage, "race", 2)
    t.open()
    # Two workers opened the new study together: both queued the defaults.
    t.study.enqueue_trial({"x": 0.5}, user_attrs={"default": True, "worker": "there"})
    other_worker(t.study, 0.7)  # the first defaults, run elsewhere
    assert t.wants_trial(2)
    given_back = t.step(None)  # the second defaults: not fitted (the model would raise)
    assert given_back.state == TrialState.FAIL
    assert given_back.user_attrs["skipped"] == "the default parameters are trial 0's"
    # The last trial: another worker asks it at the same moment as this one.
    other_worker(t.study, None)
    t.study.enqueue_trial({}, user_attrs={"worker": "here"})
    given_back = t.step(None)
    assert given_back.state == TrialState.FAIL and given_back.params == {}
    assert given_back.user_attrs["skipped"] == "the study has its 2 trials"
    assert t.stopped == 0 and t.new == 0
    assert not t.wants_trial(2)  # one finished, one running elsewhere: nothing to wait for
