"""Two workers on one new PostgreSQL database, one killed mid-trial: the other finishes the
study to exactly its target, and a later run ships the same bytes.

Needs a server: ``PODIUM_TEST_POSTGRES`` names it as the README's recipe does
(``postgresql+psycopg://user:password@host:port/db``, a user that may create databases).
``.ci/run`` starts one on 127.0.0.1 and sets it; without it the test is skipped.
"""

import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState
from test_cli import ROOT

from podium.storage import GRACE_SECONDS

SERVER = os.environ.get("PODIUM_TEST_POSTGRES")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not SERVER,
        reason="PODIUM_TEST_POSTGRES is not set: .ci/run starts a PostgreSQL server and sets it "
        "to postgresql+psycopg://user:password@127.0.0.1:PORT/db",
    ),
]
TRIALS = 8


@pytest.fixture
def database() -> Iterator[str]:
    """A new, empty database on the server; dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    from psycopg import sql
    from sqlalchemy.engine import make_url

    assert SERVER is not None
    url = make_url(SERVER)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"podium_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            drop = sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            connection.execute(drop)


def worker(data: Path, out: Path, storage: str, cwd: Path) -> subprocess.Popen:
    command = [
        sys.executable, str(ROOT / "run.py"), "--preset", "quick", "--comp", "hotstar",
        "--data-dir", str(data), "--models", "lgbm", "--trials", str(TRIALS),
        "--shap-rows", "0", "--no-report", "--storage", storage, "--out", str(out),
    ]  # fmt: skip
    log = (cwd / f"{out.name}.log").open("w")
    return subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)


def submission(out: Path) -> bytes:
    (run,) = [p for p in out.iterdir() if p.name not in ("tuning", ".cache")]
    return (run / "submission.csv").read_bytes()


def test_a_worker_killed_mid_trial_leaves_the_study_exact_and_the_bytes_the_same(
    tmp_path, hotstar_dir, database
):
    started = time.monotonic()
    killed, survivor = (worker(hotstar_dir, tmp_path / n, database, tmp_path) for n in "ab")
    # Mid-trial: the first fold of its first trial checkpointed (four to go; the pruner waits
    # for two finished trials, so it cannot end that trial early).
    folds = tmp_path / "a" / "tuning"
    while not any(folds.glob("*/running/*/fold-*.pkl")):
        assert killed.poll() is None, (tmp_path / "a.log").read_text()
        assert time.monotonic() - started < 180, "no trial started"
        time.sleep(0.05)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    assert survivor.wait(timeout=240) == 0, (tmp_path / "b.log").read_text()
    finished_at = time.monotonic()

    (name,) = optuna.get_all_study_names(storage=database)
    trials = optuna.load_study(study_name=name, storage=database).get_trials()
    finished = [t for t in trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == TRIALS
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    params = [tuple(sorted(t.params.items())) for t in finished]
    assert len(set(params)) == TRIALS  # no trial ran twice
    # The killed worker's trial: failed after its heartbeat stopped, and run again.
    (cut,) = [t for t in trials if t.state == TrialState.FAIL and "skipped" not in t.user_attrs]
    (again,) = [t for t in finished if t.user_attrs.get("resumed_from") == cut.number]
    assert again.params == cut.params and again.user_attrs["worker"] != cut.user_attrs["worker"]
    # Reclaimed only once the grace period had passed since the dead worker's last beat.
    assert again.datetime_start is not None and cut.datetime_start is not None
    assert (again.datetime_start - cut.datetime_start).total_seconds() > GRACE_SECONDS

    third = worker(hotstar_dir, tmp_path / "c", database, tmp_path)
    assert third.wait(timeout=240) == 0, (tmp_path / "c.log").read_text()
    digest = hashlib.sha256(submission(tmp_path / "c")).hexdigest()
    assert digest == hashlib.sha256(submission(tmp_path / "b")).hexdigest()
    after = optuna.load_study(study_name=name, storage=database).get_trials()
    assert [(t.number, t.state) for t in after] == [(t.number, t.state) for t in trials]
    print(
        f"two workers: {finished_at - started:.0f} s; "
        f"with the third run: {time.monotonic() - started:.0f} s"
    )
