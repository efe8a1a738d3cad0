"""The run folder's writer: the staging folder that becomes the run folder, and the files every
run writes whatever its task: ``options.json``, ``leaderboard.csv`` / ``.md`` and ``run.json``.

Every file of a run is written into a hidden staging folder that is renamed to the run folder
only when the run succeeded, so a failed or interrupted run leaves no half-written folder.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from core.atomic import write_text
from podium import stopping
from podium.context import Loaded, RunContext
from podium.leaderboard import to_markdown
from podium.stopping import Interrupted, Terminated

CHECKPOINTS = "checkpoints"  # finished folds inside the staging folder


@contextmanager
def staging(context: RunContext) -> Iterator[Path]:
    """The hidden folder ``.<run-id>.partial`` in the run area, renamed to ``<run-id>`` if the
    block succeeds. It starts with the run's ``options.json``. On Ctrl-C it is kept with its
    checkpoints, so ``--resume RUN_ID`` can continue the run; on any other failure it is
    removed, so a failed run leaves nothing behind."""
    stage = context.stage
    stage.mkdir(parents=True, exist_ok=True)
    write_text(stage / "options.json", json_text({**context.resolved, "run_id": context.run_id}))
    try:
        yield stage
        stopping.check()  # a stop swallowed on the way is still a stop: never publish
        shutil.rmtree(stage / CHECKPOINTS, ignore_errors=True)
        stage.rename(context.run_dir)
    except KeyboardInterrupt as stop:
        raise Interrupted(context.run_id, terminated=isinstance(stop, Terminated)) from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def write_leaderboard(stage: Path, board: pd.DataFrame) -> None:
    """``leaderboard.csv`` (six decimals) and ``leaderboard.md``."""
    board.to_csv(stage / "leaderboard.csv", index=False, float_format="%.6f")
    write_text(stage / "leaderboard.md", to_markdown(board))


def summary(context: RunContext, loaded: Loaded, board: pd.DataFrame) -> dict[str, Any]:
    """What ``run.json`` says of every run; each task adds its own keys."""
    dataset, metric = loaded.dataset, context.metric
    return {
        "competition": context.spec.name,
        "data_source": dataset.source,
        "synthetic": dataset.synthetic,
        "train_rows": len(dataset.train),
        "metric": metric.name,
        "metric_direction": metric.direction,
        "shipped": str(board.loc[board["shipped"], "model"].iloc[0]),
        "load_seconds": round(loaded.seconds, 3),
    }


def write_summary(context: RunContext, values: dict[str, Any]) -> float:
    """``run.json``, with the run's seconds so far as ``total_seconds``; returns them."""
    total = round(time.monotonic() - context.budget.started, 3)
    write_text(context.stage / "run.json", json_text({**values, "total_seconds": total}))
    return total


def json_text(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str) + "\n"
