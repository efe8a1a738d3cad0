"""A full disk (ENOSPC) mid-run: one paragraph naming the place, exit 5, no trial complete
without its saved result, no checkpoints or staging folder left behind.

The failure is the kernel's own: the temporary file of the chosen write is opened on
``/dev/full``, where every write fails with ENOSPC.
"""

import errno
import os
import sqlite3
import tempfile
from pathlib import Path

import pytest

from core.errors import disk_full
from podium import cli

pytestmark = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")

REAL_MKSTEMP = tempfile.mkstemp


def fill_disk_at(monkeypatch, name: str) -> list[str]:
    """Every atomic write of a file called ``name`` fails with the kernel's ENOSPC."""
    hits: list[str] = []

    def mkstemp(*args, prefix: str = "", **kwargs):
        fd, path = REAL_MKSTEMP(*args, prefix=prefix, **kwargs)
        if prefix == f".{name}.":
            hits.append(path)
            os.close(fd)
            fd = os.open("/dev/full", os.O_WRONLY)
        return fd, path

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    return hits


def trials(out: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(out / "tuning" / "studies.db") as con:
        return con.execute("SELECT number, state FROM trials ORDER BY trial_id").fetchall()


@pytest.mark.parametrize(
    "name",
    [
        "trial-0.pkl",  # the default trial's saved result, just before it is told complete
        "fold-1.pkl",  # a fold checkpoint of the first cross-validation
        "submission.csv",  # writing the run folder
    ],
)
def test_a_full_disk_is_one_paragraph_and_leaves_nothing_half_done(
    tmp_path, capsys, hotstar_dir, monkeypatch, name
):
    hits = fill_disk_at(monkeypatch, name)
    out = tmp_path / "out"
    code = cli.main([
        "--comp", "hotstar", "--data-dir", str(hotstar_dir), "--out", str(out), "--models",
        "lgbm", "--trials", "2", "--folds", "3", "--shap-rows", "0", "--no-report",
        "--no-progress",
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert hits, f"no write of {name} happened"
    assert code == 5, err
    assert "Traceback" not in err and "podium failed" not in err
    (line,) = [line for line in err.splitlines() if line.startswith("error: ")]
    assert f"no space left on {Path(hits[0]).parent}" in line
    # Nothing half-done: no staging folder, no checkpoint, no temporary file.
    assert not list(out.glob(".*.partial")) and not list(out.glob("2*"))
    assert not list(out.rglob("fold-*.pkl")) and not list(out.rglob("*.tmp"))
    # No trial complete without its saved result (the defaults' is always saved).
    results = {p.name for p in out.rglob("trial-*.pkl")}
    for number, state in trials(out):
        if number == 0 and state == "COMPLETE":
            assert "trial-0.pkl" in results
        assert state != "RUNNING"


@pytest.mark.parametrize(
    ("error", "full"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), True),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), True),
        (sqlite3.OperationalError("database or disk is full"), True),
        (OSError(errno.EACCES, "Permission denied"), False),
        (ValueError("no rows"), False),
    ],
)
def test_a_full_disk_is_recognised_through_the_libraries_that_wrap_it(error, full):
    wrapped = RuntimeError("the storage failed")
    wrapped.__cause__ = error
    assert disk_full(error) is full and disk_full(wrapped) is full
