"""Leaderboard scores recorded with a run (``--record RUN_ID --public S [--private S]``), the
history of CV beside them with their rank correlation (``--leaderboard``), and ``--submit``.

A recorded score lives in the run folder as ``public_scores.json``; recording again replaces
it. The rank correlation is Spearman's, over the runs that have both a CV and a public (or
private) score: near 1 when a better CV means a better leaderboard score, so CV can be trusted
to choose; low or negative when they disagree (a shifted test set, an overfitted public
leaderboard, too few rows).
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.atomic import write_text
from core.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from competitions.spec import CompetitionSpec

SCORES_FILE = "public_scores.json"


def run_folder(area: Path, run_id: str) -> Path:
    """A finished run's folder under ``area``, or a ConfigError listing the finished runs."""
    folder = area / run_id
    if (folder / "run.json").is_file():
        return folder
    finished = sorted(p.name for p in area.glob("*/run.json") for p in [p.parent])
    raise ConfigError(
        f"no finished run {run_id!r} under {area}/ (finished runs: "
        f"{', '.join(finished[-10:]) or 'none'})"
    )


def record(area: Path, run_id: str, public: float, private: float | None) -> Path:
    """Store ``public`` (and ``private``) leaderboard scores with the run ``run_id``."""
    for name, value in (("--public", public), ("--private", private)):
        if value is not None and not math.isfinite(value):
            raise ConfigError(f"{name} must be a finite number, got {value}")
    folder = run_folder(area, run_id)
    path = folder / SCORES_FILE
    values = {
        "public": public,
        "private": private,
        "recorded": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    write_text(path, json.dumps(values, indent=2, sort_keys=True) + "\n")
    return path


def scores_history(area: Path, comp: str) -> pd.DataFrame:
    """One row per finished run: its best CV, the recorded public and private scores (NaN where
    none) and whether it ran with drift weights, oldest first."""
    import pandas as pd

    from podium.history import run_history

    history = run_history(area, comp)
    if history.empty:
        return history
    public, private, drift = [], [], []
    for run in history["run"]:
        recorded = _read(area / str(run) / SCORES_FILE)
        options = _read(area / str(run) / "options.json")
        public.append(recorded.get("public"))
        private.append(recorded.get("private"))
        drift.append(bool(options.get("drift_weights", False)))
    history["public"] = pd.to_numeric(pd.Series(public, dtype=object), errors="coerce").values
    history["private"] = pd.to_numeric(pd.Series(private, dtype=object), errors="coerce").values
    history["drift_weights"] = drift
    return history


def rank_correlation(history: pd.DataFrame, column: str) -> tuple[float | None, int]:
    """Spearman's correlation of ``cv_mean`` and ``column`` over the runs that have both, and
    their number (None below three runs or without variation)."""
    both = history[["cv_mean", column]].dropna()
    if len(both) < 3 or both["cv_mean"].nunique() < 2 or both[column].nunique() < 2:
        return None, len(both)
    ranks = both.rank()
    value = float(ranks["cv_mean"].corr(ranks[column]))
    return (None if math.isnan(value) else value), len(both)


def present_scores(area: Path, comp: str) -> str:
    """The table of CV against the recorded leaderboard scores and their rank correlations;
    empty when no run has a recorded score or drift weights."""
    history = scores_history(area, comp)
    if history.empty or not (history["public"].notna().any() or history["drift_weights"].any()):
        return ""
    rows = [("run", "best entry", "CV", "public", "private", "drift weights")]
    for _, row in history.iterrows():
        rows.append(
            (
                str(row["run"]), str(row["best"]), f"{row['cv_mean']:.4f}",
                _fmt(row["public"]), _fmt(row["private"]), "yes" if row["drift_weights"] else "",
            )
        )  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = []
    for column in ("public", "private"):
        rho, n = rank_correlation(history, column)
        if rho is not None:
            disagree = " (CV and the leaderboard disagree)" if rho < 0.5 else ""
            notes.append(
                f"Spearman rank correlation of CV and {column} score over {n} runs: "
                f"{rho:+.3f}{disagree}"
            )
        elif n:
            notes.append(
                f"{column} scores recorded for {n} run(s): three are needed for a rank correlation"
            )
    return "Leaderboard scores recorded with the runs:\n" + "\n".join(lines + notes)


def submission_file(spec: CompetitionSpec, folder: Path) -> Path:
    """The run's submission, validated again against its competition's format and the run's
    test IDs before it is sent."""
    import pandas as pd

    path = folder / spec.submission.filename
    predictions = folder / "test_predictions.csv"
    if not path.is_file() or not predictions.is_file():
        raise ConfigError(f"--submit: {folder} has no {spec.submission.filename} to send")
    ids = [str(i) for i in pd.read_csv(predictions, usecols=[0], dtype=str).iloc[:, 0]]
    if path.suffix == ".json":
        document: Any = json.loads(path.read_text(encoding="utf-8"))
    else:
        document = pd.read_csv(path, dtype={spec.submission.id_column: str})  # type: ignore[attr-defined]
    spec.submission.validate(document, ids)  # type: ignore[attr-defined]
    return path


def _read(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _fmt(value: float) -> str:
    return (
        "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4f}"
    )
