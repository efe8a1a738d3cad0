"""Files of a run folder beyond the leaderboard: predictions, the tuning schedule, the report
(SHAP files: :mod:`podium.shap_files`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from competitions.spec import Dataset
from core.atomic import write_text
from core.metrics import get_metric
from core.results import CVResult
from features.base import FeatureSet
from podium.explain import HOW_ENSEMBLES_ARE_EXPLAINED
from podium.report import ReportInputs, render

if TYPE_CHECKING:
    from podium.allocate import Step
    from podium.shap_files import ShapFigures

log = logging.getLogger(__name__)


def write_predictions(
    stage: Path, dataset: Dataset, fold: np.ndarray, results: list[CVResult]
) -> None:
    """``folds.csv``, ``oof_predictions.csv`` and ``test_predictions.csv``: every entry's
    predictions (one column per class for multiclass), six decimals. Written by polars, in
    native code: pandas formats each value in Python, which took about two minutes for real
    TalkingData's 12 classes of every entry (47 MB); the bytes are the same."""
    import polars as pl  # deferred: only a finished run writes tables

    folds: dict[str, Any] = {"ID": dataset.train_ids, "fold": np.asarray(fold)}
    oof: dict[str, Any] = {**folds, "target": np.asarray(dataset.classes)[dataset.y].tolist()}
    test: dict[str, Any] = {"ID": dataset.test_ids}
    for result in results:
        for columns, values in ((oof, result.oof), (test, result.test)):
            if values.ndim == 1:
                columns[result.model] = values
            else:
                for j, cls in enumerate(dataset.classes):
                    columns[f"{result.model}:{cls}"] = values[:, j]
    for columns, name in (
        (folds, "folds.csv"),
        (oof, "oof_predictions.csv"),
        (test, "test_predictions.csv"),
    ):
        pl.DataFrame(columns).write_csv(stage / name, float_precision=6)


def write_schedule(path: Path, steps: Sequence[Step]) -> None:
    """Every tuning trial in the order run: which model, when, for how long, the model's best
    after it, and why the allocator chose it."""
    write_text(path, _schedule_frame(steps).to_csv(index=False, lineterminator="\n"))


def _schedule_frame(steps: Sequence[Step]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": range(1, len(steps) + 1),
            "model": [s.model for s in steps],
            "started_s": [round(s.started, 3) for s in steps],
            "seconds": [round(s.seconds, 3) for s in steps],
            "best": [s.best for s in steps],
            "reason": [s.reason for s in steps],
        }
    )


def write_report(
    stage: Path,
    *,
    title: str,
    metric_name: str,
    leaderboard: pd.DataFrame,
    results: list[CVResult],
    dataset: Dataset,
    features: FeatureSet,
    options: dict,
    timings: dict[str, float],
    confusion: pd.DataFrame | None,
    shap: ShapFigures,
    card: dict[str, str] | None = None,
    schedule: Sequence[Step] = (),
    importances: dict[str, dict] | None = None,
    drift: dict | None = None,
) -> Path:
    """``report.html``; ``card`` adds lines to its summary (run time, submission), ``schedule``
    is the tuning's trials in the order run."""
    missing = {c: int(n) for c, n in dataset.train.isna().sum().items() if n}
    summary = {
        "data": dataset.source,
        "training rows": f"{len(dataset.train):,}",
        "test rows": f"{len(dataset.test):,}",
        "features": f"{features.n_features:,} ({100 * features.density():.2f}% non-zero)",
        "class balance": dataset.class_balance(),
        "missing values in the training table": missing or "none",
    }
    inputs = ReportInputs(
        title=title,
        metric=get_metric(metric_name),
        leaderboard=leaderboard,
        y=dataset.y,
        classes=dataset.classes,
        oof={r.model: r.oof for r in results},
        test={r.model: r.test for r in results},
        weights={r.model: _weights(r) for r in results if r.kind == "ensemble"},
        card=card or {},
        schedule=_schedule_frame(schedule) if schedule else None,
        importances=importances or {},
        data_summary=summary,
        drift=drift,
        options=options,
        timings=timings,
        confusion=confusion,
        shap_images=shap.by_entry,
        waterfalls=shap.single,
        shap_note="SHAP values (the shap library) of out-of-fold rows, each explained by the fold "
        "model that did not train on it: tree models by their exact TreeSHAP, logistic "
        "regression by shap's LinearExplainer, other models by shap's PermutationExplainer "
        f"on a background sample. Ensembles: {HOW_ENSEMBLES_ARE_EXPLAINED}.",
    )
    path = stage / "report.html"
    write_text(path, render(inputs))
    return path


def _weights(ensemble: CVResult) -> dict[str, float]:
    weights = ensemble.params.get("weights", {})
    return {str(k): float(v) for k, v in weights.items()} if isinstance(weights, dict) else {}


def parameter_importances(storage: Any, tuning: dict[str, dict[str, Any]]) -> dict[str, dict]:
    """Per tuned model, Optuna's importance of each parameter to its study's score (fANOVA, on
    the study's complete trials), for the report; a study with too few trials is left out."""
    import optuna  # deferred: only tuned runs have studies

    out: dict[str, dict] = {}
    for model, outcome in tuning.items():
        try:
            study = optuna.load_study(study_name=str(outcome["study"]), storage=storage)
            evaluator = optuna.importance.FanovaImportanceEvaluator(seed=0)
            values = optuna.importance.get_param_importances(study, evaluator=evaluator)
        except (KeyError, ValueError, RuntimeError) as error:  # too few or constant trials
            log.info("No parameter importances for %s: %s", model, error)
            continue
        if values:
            out[model] = {str(k): float(v) for k, v in values.items()}
    return out
