"""The stages of a supervised run after loading: prepare the folds and features, evaluate every
entry (models, tuned models, ensembles, all scored by :mod:`podium.scoring`), and write the run
folder (submission, predictions, SHAP files, leaderboard, tuning files, report)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from core import cpus
from core.atomic import write_text
from core.errors import ConfigError
from core.folds import make_folds
from core.metrics import confusion
from core.results import CVResult
from ensembles import build_ensembles
from podium import faults
from podium.adversarial import Adversarial, check_drift, drift_notes, drift_summary
from podium.artifacts import (
    parameter_importances,
    write_predictions,
    write_report,
    write_schedule,
)
from podium.context import Loaded, RunContext, RunResult
from podium.degenerate import check_features, check_labels, check_rows
from podium.entries import EntryRunner
from podium.featurize import Featurized, featurize
from podium.leaderboard import build_leaderboard
from podium.run_folder import CHECKPOINTS, json_text, summary, write_leaderboard, write_summary
from podium.shap_files import save_fold_models, write_explanations

if TYPE_CHECKING:
    from podium.allocate import Step

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Prepared:
    """The data checked, the saved fold assignment and the feature matrices."""

    loaded: Loaded
    fold: np.ndarray
    featurized: Featurized
    adversarial: Adversarial | None = None  # train vs test (podium.adversarial)
    row_weight: np.ndarray | None = None  # --drift-weights: each training row's weight


@dataclass(frozen=True)
class Evaluated:
    """Every scored entry (models first, then ensembles) and what the tuning did."""

    results: list[CVResult]
    ensembles: list[CVResult]
    tuning: dict[str, dict[str, Any]]  # tuning.json: each study's outcome
    schedule: list[Step]  # tuning_schedule.csv: the trials in the order run


def prepare(context: RunContext, loaded: Loaded) -> Prepared:
    """Check the labels and rows, make the folds and build (or read cached) features."""
    spec, options, dataset = context.spec, context.options, loaded.dataset
    source = dataset.file_labels[0]
    check_labels(
        dataset.y, dataset.classes, options.folds, source,
        stratified=spec.folds.kind in ("stratified", "stratified_group"),
    )  # fmt: skip
    check_rows(len(dataset.test), dataset.file_labels[1], purpose="predict")
    fold = make_folds(spec.folds, dataset.y, options.folds, options.seed, dataset.groups)
    featurized = featurize(spec, options, dataset, loaded.key, fold, context.area)
    check_features(featurized.features.X_train, source)
    context.check_budget("loading the data and building features", loaded.seconds)
    adversarial, weight = check_drift(
        featurized.features, options.seed, options.drift_weights,
        until=context.budget.share_end(10),  # at most a tenth of the time left for models
    )  # fmt: skip
    return Prepared(loaded, fold, featurized, adversarial, weight)


def evaluate(context: RunContext, prepared: Prepared) -> Evaluated:
    """Cross-validate (and tune) every model, then build the ensembles; all scored alike."""
    spec, options, dataset = context.spec, context.options, prepared.loaded.dataset
    runner = EntryRunner(
        spec=spec, dataset=dataset, features=prepared.featurized.features, fold=prepared.fold,
        options=options, subsets=spec.subsets(dataset) if spec.subsets is not None else {},
        budget=context.budget, checkpoints=context.stage / CHECKPOINTS, run_id=context.run_id,
        storage=context.open_storage() if context.tunes else None,
        tuning_area=context.area / "tuning", fold_features=prepared.featurized.fold_features,
        seed_bags=options.seed_bags or 1, row_weight=prepared.row_weight,
    )  # fmt: skip
    results = runner.run(context.models)
    if not results:
        raise ConfigError(
            f"--time-budget {context.budget.seconds:g} s was too small for any model to finish "
            "a cross-validation: give a larger budget"
        )
    ensembles = build_ensembles(
        results, dataset.y, prepared.fold, context.metric, seed=options.seed,
        until=context.budget.ensembles_end(),
    )  # fmt: skip
    for ensemble in ensembles:
        runner.scorer.score(ensemble)
    faults.point("ensembles")
    tuning = {name: outcome.to_json() for name, outcome in runner.tuning.items()}
    return Evaluated(results + ensembles, ensembles, tuning, runner.schedule)


def write_run(context: RunContext, prepared: Prepared, evaluated: Evaluated) -> RunResult:
    """The submission of the best entry and every other file of the run folder."""
    spec, options, metric = context.spec, context.options, context.metric
    dataset, fold, featurized = prepared.loaded.dataset, prepared.fold, prepared.featurized
    results = evaluated.results
    board = build_leaderboard(results, metric)
    best = next(r for r in results if r.model == board.iloc[0]["model"])
    oracle = None if dataset.truth is None else metric.score(dataset.y, dataset.truth)
    matrix = _confusion(context, dataset.y, best.oof, dataset.classes)
    writing = time.monotonic()
    stage = context.stage
    submission = spec.submission.write(
        stage / spec.submission.filename, dataset.test_ids, best.test
    )
    faults.point("write")
    write_predictions(stage, dataset, fold, results)
    shown = featurized.shown(fold)  # every column, fold-fitted ones included
    assert options.shap_plots is not None  # the preset fills it in
    figures = write_explanations(
        stage, results, shown, dataset, list(board["model"]), options.shap_plots
    )
    explainable = save_fold_models(stage, best, results)  # for --explain RUN_ID --id ID
    shap_seconds = figures.seconds + sum(r.shap_seconds for r in results)
    if matrix is not None:
        matrix.to_csv(stage / "confusion_matrix.csv")
    write_leaderboard(stage, board)
    if evaluated.tuning:
        write_text(stage / "tuning.json", json_text(evaluated.tuning))
    if evaluated.schedule:
        write_schedule(stage / "tuning_schedule.csv", evaluated.schedule)
    values = summary(context, prepared.loaded, board) | {
        "test_rows": len(dataset.test),
        "class_balance": dataset.class_balance(),
        "n_features": featurized.n_features,
        "feature_seconds": round(featurized.seconds, 3),
        "shipped_kind": best.kind,
        "ensemble_weights": {e.model: e.params["weights"] for e in evaluated.ensembles},
        "oracle_score": oracle,
        "preset": options.preset,
        "cpus_usable": cpus.usable_cpus(),
        "jobs": cpus.jobs(),
        "time_budget": options.time_budget,
        "shap_seconds": round(shap_seconds, 3),  # computing, plotting and saving
        "shap_seconds_by_entry": {r.model: round(r.shap_seconds, 3) for r in results},
        "shap_files_seconds": round(figures.seconds, 3),
        "explainable_models": explainable,
    }
    if prepared.adversarial is not None:
        values["adversarial_validation"] = drift_summary(prepared.adversarial, prepared.row_weight)
    if options.report:
        reporting = time.monotonic()
        report = write_report(
            stage, title=f"podium: {spec.title}", metric_name=metric.name, leaderboard=board,
            results=results, dataset=dataset, features=shown, options=context.resolved,
            timings={
                "features": featurized.seconds,
                **{f"fit {r.model}": r.fit_seconds for r in results},
                "SHAP": shap_seconds,
            },
            confusion=matrix, shap=figures, schedule=evaluated.schedule,
            importances=parameter_importances(context.storage, evaluated.tuning)
            if evaluated.tuning and context.storage is not None else None,
            card=_card(context, submission.name),
            drift=values.get("adversarial_validation"),
        )  # fmt: skip
        values["report"] = report.name
        values["report_seconds"] = round(time.monotonic() - reporting, 3)
    values["write_seconds"] = round(time.monotonic() - writing, 3)  # SHAP plots included
    total = write_summary(context, values)
    run_dir = context.run_dir
    return RunResult(
        report=run_dir / "report.html" if options.report else None,
        run_dir=run_dir, leaderboard=board, submission=run_dir / submission.name,
        dataset_source=dataset.source, synthetic=dataset.synthetic,
        n_features=featurized.n_features, feature_seconds=featurized.seconds,
        oracle_score=oracle, confusion=matrix, tuning=evaluated.tuning, preset=options.preset,
        models=tuple(context.models), time_budget=options.time_budget, total_seconds=total,
        shap_seconds=shap_seconds, notes=drift_notes(prepared.adversarial, prepared.row_weight),
    )  # fmt: skip


def _card(context: RunContext, submission: str) -> dict[str, str]:
    """The report's summary lines that only the run knows: what ran, for how long, and where
    its files are (the run folder's final name)."""
    spec, options = context.spec, context.options
    seconds = time.monotonic() - context.budget.started
    budget = "" if options.time_budget is None else f" of a {options.time_budget:g} s budget"
    return {
        "Competition": f"{spec.title} ({spec.name}: {spec.task}, {context.metric.name})",
        "Run": f"preset {options.preset}, models {', '.join(context.models)}, {options.folds} "
        f"folds, seed {options.seed}; {seconds:.0f} s{budget} when this report was written",
        "Submission": str(context.run_dir / submission),
    }


def _confusion(
    context: RunContext, y: np.ndarray, oof: np.ndarray, classes: tuple[str, ...]
) -> pd.DataFrame | None:
    """The shipped entry's out-of-fold confusion matrix, for a label metric."""
    if context.metric.needs != "label":
        return None
    return pd.DataFrame(
        confusion(y, oof, len(classes)),
        index=pd.Index([f"true {c}" for c in classes]),
        columns=[f"predicted {c}" for c in classes],
    )
