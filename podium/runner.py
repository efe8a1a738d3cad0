"""One run of one competition: data, features, folds, cross-validation, leaderboard, submission.

The runner logs what it does through :mod:`logging`; the CLI decides how that is shown.
Every file of a run is written into a hidden staging folder that is renamed to the run folder
only when the run succeeded, so a failed or interrupted run leaves no half-written folder.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import platform
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from competitions.spec import CompetitionSpec, Dataset
from core import cpus
from core.atomic import write_text
from core.errors import ConfigError
from core.folds import make_folds
from core.metrics import confusion, get_metric
from ensembles import build_ensembles
from podium import __version__, faults, stopping
from podium.artifacts import write_predictions, write_report, write_schedule
from podium.budget import RESERVE_FRACTION, RESERVE_SECONDS, Budget
from podium.degenerate import check_features, check_labels, check_rows
from podium.entries import EntryRunner
from podium.featurize import featurize
from podium.leaderboard import build_leaderboard, to_markdown
from podium.loading import dataset_fingerprint, load_dataset
from podium.options import RunOptions
from podium.presets import apply_preset
from podium.segment_run import run_segmentation
from podium.shap_files import save_fold_models, write_explanations
from podium.stopping import Interrupted, Terminated
from podium.validation import PARTIAL, RUNS_ROOT, resume_options, run_area, validate_options

__all__ = [
    "RUNS_ROOT", "Interrupted", "RunResult", "Terminated", "resume_options", "run", "run_area",
]  # fmt: skip

log = logging.getLogger(__name__)

CHECKPOINTS = "checkpoints"  # finished folds inside the staging folder


@dataclass(frozen=True)
class RunResult:
    run_dir: Path
    leaderboard: pd.DataFrame
    submission: Path
    dataset_source: str
    synthetic: bool
    n_features: int
    feature_seconds: float
    oracle_score: float | None
    # Out-of-fold confusion matrix of the shipped entry, for label metrics.
    confusion: pd.DataFrame | None = None
    report: Path | None = None
    tuning: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    notes: tuple[str, ...] = ()  # segmentation: the choices of K and the questions' answers
    preset: str | None = None
    models: tuple[str, ...] = ()
    time_budget: float | None = None
    total_seconds: float | None = None
    shap_seconds: float | None = None  # computing SHAP values and writing their files and plots


def run(
    options: RunOptions, dataset: Dataset | None = None, started: float | None = None
) -> RunResult:
    """Run a competition end to end. ``dataset`` replaces the loader (tests, benchmarks);
    ``started`` (a :func:`time.monotonic` value) is when the time budget began."""
    options = apply_preset(options)
    spec = validate_options(options)
    budget = Budget(time.monotonic() if started is None else started, options.time_budget)
    metric = get_metric(spec.metric)
    model_names = options.models or spec.default_models
    area = run_area(spec, options)
    segmenting = spec.task == "segmentation" or options.segment
    tunes = options.tuning and not segmenting
    # A --storage URL is opened now, so a bad one fails in the first second; the default
    # SQLite file only once the data has loaded, so bad input leaves no tuning folder behind.
    storage = _open_storage(options, area) if tunes and options.storage is not None else None
    run_id = options.run_id or _new_run_id(area)
    resolved = _resolved_options(options, spec, model_names)
    with cpus.jobs_limit(options.jobs), _staging(area, run_id, resolved) as stage:
        log.info(
            "CPUs: %d usable (affinity and quota); up to %d fold workers, one thread each on "
            "large data", cpus.usable_cpus(), cpus.jobs(),
        )  # fmt: skip
        if options.run_id is not None:
            log.info("Resuming run %s", run_id)
        loading = time.monotonic()
        if dataset is None:
            dataset, data_key = load_dataset(spec, options)
        else:
            data_key = dataset_fingerprint(dataset)
        load_seconds = time.monotonic() - loading
        _check_budget(budget, "loading the data", load_seconds)
        log.info("Data: %s", dataset.source)
        log.info(
            "%s training rows, %s test rows, classes %s",
            f"{len(dataset.train):,}", f"{len(dataset.test):,}", dataset.class_balance(),
        )  # fmt: skip

        source = dataset.file_labels[0]
        if segmenting:
            plan = spec.segmentation
            assert plan is not None  # validate_options checked it
            check_rows(len(dataset.train), source, minimum=plan.k_range[0] + 1, purpose="cluster")
            # Returning inside the block still renames the staging folder into place.
            return _segmentation_run(spec, dataset, stage, resolved, area / run_id, budget)
        check_labels(
            dataset.y, dataset.classes, options.folds, source,
            stratified=spec.folds.kind in ("stratified", "stratified_group"),
        )  # fmt: skip
        check_rows(len(dataset.test), dataset.file_labels[1], purpose="predict")
        fold = make_folds(spec.folds, dataset.y, options.folds, options.seed, dataset.groups)
        featurized = featurize(spec, options, dataset, data_key, fold, area)
        features, feature_seconds = featurized.features, featurized.seconds
        check_features(features.X_train, source)
        _check_budget(budget, "loading the data and building features", load_seconds)

        if tunes and storage is None:
            storage = _open_storage(options, area)
        subsets = spec.subsets(dataset) if spec.subsets is not None else {}
        runner = EntryRunner(
            spec=spec, dataset=dataset, features=features, fold=fold, options=options,
            subsets=subsets, budget=budget, checkpoints=stage / CHECKPOINTS, run_id=run_id,
            storage=storage, tuning_area=area / "tuning", fold_features=featurized.fold_features,
            seed_bags=options.seed_bags or 1,
        )  # fmt: skip
        results = runner.run(model_names)
        if not results:
            raise ConfigError(
                f"--time-budget {budget.seconds:g} s was too small for any model to finish a "
                "cross-validation: give a larger budget"
            )
        ensembles = build_ensembles(
            results, dataset.y, fold, metric, seed=options.seed, until=budget.ensembles_end()
        )
        for ensemble in ensembles:
            runner.scorer.score(ensemble)
        results += ensembles
        faults.point("ensembles")
        leaderboard = build_leaderboard(results, metric)
        best = next(r for r in results if r.model == leaderboard.iloc[0]["model"])
        oracle = None
        if dataset.truth is not None:
            oracle = metric.score(dataset.y, dataset.truth)

        matrix = None
        if metric.needs == "label":
            matrix = pd.DataFrame(
                confusion(dataset.y, best.oof, len(dataset.classes)),
                index=pd.Index([f"true {c}" for c in dataset.classes]),
                columns=[f"predicted {c}" for c in dataset.classes],
            )
        writing = time.monotonic()
        submission = spec.submission.write(
            stage / spec.submission.filename, dataset.test_ids, best.test
        )
        faults.point("write")
        write_predictions(stage, dataset, fold, results)
        shown = featurized.shown(fold)  # every column, fold-fitted ones included
        ranked = list(leaderboard["model"])
        assert options.shap_plots is not None  # the preset fills it in
        figures = write_explanations(stage, results, shown, dataset, ranked, options.shap_plots)
        explainable = save_fold_models(stage, best, results)  # for --explain RUN_ID --id ID
        shap_seconds = figures.seconds + sum(r.shap_seconds for r in results)
        if matrix is not None:
            matrix.to_csv(stage / "confusion_matrix.csv")
        leaderboard.to_csv(stage / "leaderboard.csv", index=False, float_format="%.6f")
        write_text(stage / "leaderboard.md", to_markdown(leaderboard))
        tuning = {name: outcome.to_json() for name, outcome in runner.tuning.items()}
        if tuning:
            write_text(stage / "tuning.json", _json(tuning))
        if runner.schedule:
            write_schedule(stage / "tuning_schedule.csv", runner.schedule)
        summary: dict[str, Any] = {
            "competition": spec.name,
            "data_source": dataset.source,
            "synthetic": dataset.synthetic,
            "train_rows": len(dataset.train),
            "test_rows": len(dataset.test),
            "class_balance": dataset.class_balance(),
            "n_features": featurized.n_features,
            "feature_seconds": round(feature_seconds, 3),
            "metric": metric.name,
            "metric_direction": metric.direction,
            "shipped": best.model,
            "shipped_kind": best.kind,
            "ensemble_weights": {e.model: e.params["weights"] for e in ensembles},
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
        if options.report:
            report = write_report(
                stage,
                title=f"podium: {spec.title}",
                metric_name=metric.name,
                leaderboard=leaderboard,
                results=results,
                dataset=dataset,
                features=shown,
                options=resolved,
                timings={
                    "features": feature_seconds,
                    **{f"fit {r.model}": r.fit_seconds for r in results},
                    "SHAP": shap_seconds,
                },
                confusion=matrix,
                shap=figures,
            )
            summary["report"] = report.name
        summary["load_seconds"] = round(load_seconds, 3)
        summary["write_seconds"] = round(time.monotonic() - writing, 3)  # SHAP plots included
        summary["total_seconds"] = round(time.monotonic() - budget.started, 3)
        write_text(stage / "run.json", _json(summary))
    run_dir = area / run_id
    return RunResult(
        report=run_dir / "report.html" if options.report else None,
        run_dir=run_dir,
        leaderboard=leaderboard,
        submission=run_dir / submission.name,
        dataset_source=dataset.source,
        synthetic=dataset.synthetic,
        n_features=featurized.n_features,
        feature_seconds=feature_seconds,
        oracle_score=oracle,
        confusion=matrix,
        tuning=tuning,
        preset=options.preset,
        models=tuple(model_names),
        time_budget=options.time_budget,
        total_seconds=summary["total_seconds"],
        shap_seconds=shap_seconds,
    )


def _segmentation_run(
    spec: CompetitionSpec,
    dataset: Dataset,
    stage: Path,
    resolved: dict,
    run_dir: Path,
    budget: Budget,
) -> RunResult:
    outcome = run_segmentation(spec, dataset, stage, resolved)
    board = outcome.leaderboard
    summary = {
        "competition": spec.name,
        "data_source": dataset.source,
        "synthetic": dataset.synthetic,
        "train_rows": len(dataset.train),
        "n_features": outcome.n_features,
        "feature_seconds": round(outcome.feature_seconds, 3),
        "metric": "silhouette",
        "metric_direction": "maximize",
        "shipped": str(board.loc[board["shipped"], "model"].iloc[0]),
        "notes": outcome.lines,
        "total_seconds": round(time.monotonic() - budget.started, 3),
    }
    write_text(stage / "run.json", _json(summary))
    return RunResult(
        run_dir=run_dir, leaderboard=board, submission=run_dir / outcome.assignments.name,
        dataset_source=dataset.source, synthetic=dataset.synthetic,
        n_features=outcome.n_features, feature_seconds=outcome.feature_seconds,
        oracle_score=None, report=run_dir / "report.html" if resolved["report"] else None,
        notes=tuple(outcome.lines),
    )  # fmt: skip


def _check_budget(budget: Budget, what: str, load_seconds: float) -> None:
    """Stop early, with the figures, when the work before the models used up the time budget:
    the smallest budget that would work leaves the models as much time again, plus the reserve."""
    if budget.seconds is None or budget.left() > 0:
        return
    elapsed = time.monotonic() - budget.started
    enough = (2 * elapsed + RESERVE_SECONDS) / (1 - RESERVE_FRACTION)
    raise ConfigError(
        f"--time-budget {budget.seconds:g} s is too small for this data: {what} took "
        f"{elapsed:.0f} s (loading {load_seconds:.1f} s), which leaves no time for any model. "
        f"Give at least --time-budget {10 * math.ceil(enough / 10):.0f}"
    )


def _open_storage(options: RunOptions, area: Path) -> Any:
    from podium import storage, tuning  # optuna is imported only when tuning

    if options.storage is not None:
        return storage.open_storage(options.storage)
    (area / "tuning").mkdir(parents=True, exist_ok=True)
    return storage.open_storage(tuning.default_storage_url(area))


def _resolved_options(options: RunOptions, spec: CompetitionSpec, models: tuple[str, ...]) -> dict:
    values = options.to_json()
    values.update(
        models=list(models),
        metric=spec.metric,
        fold_scheme=spec.folds.kind,
        podium_version=__version__,
        python=platform.python_version(),
    )
    return values


def _json(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str) + "\n"


def _new_run_id(area: Path) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate, suffix = stamp, 1
    while (area / candidate).exists() or (area / f".{candidate}{PARTIAL}").exists():
        suffix += 1
        candidate = f"{stamp}-{suffix}"
    return candidate


@contextmanager
def _staging(area: Path, run_id: str, resolved: dict) -> Iterator[Path]:
    """The hidden folder ``.<run-id>.partial`` in ``area``, renamed to ``<run-id>`` if the
    block succeeds. It starts with the run's ``options.json``. On Ctrl-C it is kept with its
    checkpoints, so ``--resume RUN_ID`` can continue the run; on any other failure it is
    removed, so a failed run leaves nothing behind."""
    stage = area / f".{run_id}{PARTIAL}"
    stage.mkdir(parents=True, exist_ok=True)
    write_text(stage / "options.json", _json({**resolved, "run_id": run_id}))
    try:
        yield stage
        stopping.check()  # a stop swallowed on the way is still a stop: never publish
        shutil.rmtree(stage / CHECKPOINTS, ignore_errors=True)
        stage.rename(area / run_id)
    except KeyboardInterrupt as stop:
        raise Interrupted(run_id, terminated=isinstance(stop, Terminated)) from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
