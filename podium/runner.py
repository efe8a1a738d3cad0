"""One run of one competition: data, features, folds, cross-validation, leaderboard, submission.

The runner logs what it does through :mod:`logging`; the CLI decides how that is shown.
Every file of a run is written into a hidden staging folder that is renamed to the run folder
only when the run succeeded, so a failed or interrupted run leaves no half-written folder.
"""

from __future__ import annotations

import json
import logging
import platform
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from competitions import get_competition
from competitions.files import find_files, present_files
from competitions.spec import SYNTHETIC_SCALES, CompetitionSpec, Dataset
from ensembles import build_ensembles
from features.base import FeatureSet
from models import MODELS, Model, make_model
from models.decision import TunedDecision
from podium import __version__
from podium.artifacts import write_explanations, write_predictions, write_report
from podium.atomic import write_text
from podium.cv import CVResult, cross_validate
from podium.errors import ConfigError
from podium.folds import make_folds
from podium.leaderboard import build_leaderboard, to_markdown
from podium.metrics import confusion, get_metric, per_class_f1
from podium.options import MAX_FOLDS, RunOptions

log = logging.getLogger(__name__)

DATA_ROOT = Path("data")
RUNS_ROOT = Path("runs")


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


def validate_options(options: RunOptions) -> CompetitionSpec:
    """Check every option before any work starts; return the competition's spec."""
    spec = get_competition(options.comp)
    if not 2 <= options.folds <= MAX_FOLDS:
        raise ConfigError(f"--folds must be between 2 and {MAX_FOLDS}, got {options.folds}")
    if options.shap_rows < 0 or options.shap_seconds < 0:
        raise ConfigError("--shap-rows and --shap-seconds must not be negative")
    if options.seed < 0:
        raise ConfigError(f"--seed must be a non-negative integer, got {options.seed}")
    if options.synthetic_scale not in SYNTHETIC_SCALES:
        raise ConfigError(
            f"--synthetic-scale must be one of {', '.join(SYNTHETIC_SCALES)}, "
            f"got {options.synthetic_scale!r}"
        )
    if options.class_weight not in ("auto", "none", "balanced"):
        raise ConfigError(
            f"--class-weight must be auto, none or balanced, got {options.class_weight!r}"
        )
    if options.models is not None:
        if not options.models:
            raise ConfigError("--models needs at least one model name")
        for name in options.models:
            MODELS.get(name)  # raises a ConfigError listing the known models
        if len(set(options.models)) != len(options.models):
            raise ConfigError(f"--models lists a model twice: {','.join(options.models)}")
    if options.data_dir is not None and not options.data_dir.is_dir():
        raise ConfigError(f"--data-dir {str(options.data_dir)!r} is not a folder")
    return spec


def load_dataset(spec: CompetitionSpec, options: RunOptions) -> Dataset:
    """Real files from ``--data-dir`` or ``data/<comp>/``, else the synthetic sample."""
    if options.data_dir is not None:
        return spec.load(find_files(options.data_dir, spec.files))
    default_dir = DATA_ROOT / spec.name
    if present_files(default_dir, spec.files):
        return spec.load(find_files(default_dir, spec.files))
    required = [f.name for f in spec.files if f.required]
    expected = (
        ", ".join(required[:-1]) + f" and {required[-1]}" if len(required) > 1 else required[0]
    )
    log.warning(
        "No data in %s/: running on podium's built-in synthetic %s sample (%s scale). "
        "To use the real files, put %s in %s/ or pass --data-dir PATH.",
        default_dir, spec.name, options.synthetic_scale, expected, default_dir,
    )  # fmt: skip
    return spec.synthesize(options.synthetic_scale, options.seed)


def run(options: RunOptions, dataset: Dataset | None = None) -> RunResult:
    """Run a competition end to end. ``dataset`` replaces the loader (tests, benchmarks)."""
    spec = validate_options(options)
    metric = get_metric(spec.metric)
    model_names = options.models or spec.default_models
    started = time.perf_counter()

    if dataset is None:
        dataset = load_dataset(spec, options)
    log.info("Data: %s", dataset.source)
    log.info(
        "%s training rows, %s test rows, classes %s",
        f"{len(dataset.train):,}", f"{len(dataset.test):,}", dataset.class_balance(),
    )  # fmt: skip

    t0 = time.perf_counter()
    features = spec.build_features(dataset)
    feature_seconds = time.perf_counter() - t0
    log.info(
        "Features: %s columns (%.2f%% non-zero) built in %.1f s",
        f"{features.n_features:,}", 100 * features.density(), feature_seconds,
    )  # fmt: skip

    fold = make_folds(spec.folds, dataset.y, options.folds, options.seed, dataset.groups)
    subsets = spec.subsets(dataset) if spec.subsets is not None else {}
    results = _cross_validate_all(spec, dataset, features, fold, model_names, options, subsets)
    ensembles = build_ensembles(results, dataset.y, fold, metric, seed=options.seed)
    for ensemble in ensembles:
        log.info(
            "%-8s %s %.4f ± %.4f (weights %s)",
            ensemble.model, metric.name, ensemble.cv_mean, ensemble.cv_std,
            ensemble.params["weights"],
        )  # fmt: skip
    results += ensembles
    for ensemble in ensembles:
        ensemble.subset_scores = {
            name: metric.score(dataset.y[mask], ensemble.oof[mask])
            for name, mask in subsets.items()
        }
    if metric.needs == "label":
        for result in results:
            f1 = per_class_f1(dataset.y, result.oof, len(dataset.classes))
            result.class_scores = {
                f"f1_{c}": float(v) for c, v in zip(dataset.classes, f1, strict=True)
            }
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
    run_dir = _new_run_dir(spec, options)
    with _staging(run_dir) as stage:
        submission = spec.submission.write(
            stage / spec.submission.filename, dataset.test_ids, best.test
        )
        write_predictions(stage, dataset, fold, results)
        shap_images = write_explanations(stage, results, features, dataset)
        if matrix is not None:
            matrix.to_csv(stage / "confusion_matrix.csv")
        leaderboard.to_csv(stage / "leaderboard.csv", index=False, float_format="%.6f")
        write_text(stage / "leaderboard.md", to_markdown(leaderboard))
        resolved = _resolved_options(options, spec, model_names)
        write_text(stage / "options.json", _json(resolved))
        summary: dict[str, Any] = {
            "competition": spec.name,
            "data_source": dataset.source,
            "synthetic": dataset.synthetic,
            "train_rows": len(dataset.train),
            "test_rows": len(dataset.test),
            "class_balance": dataset.class_balance(),
            "n_features": features.n_features,
            "feature_seconds": round(feature_seconds, 3),
            "metric": metric.name,
            "metric_direction": metric.direction,
            "shipped": best.model,
            "shipped_kind": best.kind,
            "ensemble_weights": {e.model: e.params["weights"] for e in ensembles},
            "oracle_score": oracle,
        }
        if options.report:
            report = write_report(
                stage,
                title=f"podium: {spec.title}",
                metric_name=metric.name,
                leaderboard=leaderboard,
                results=results,
                dataset=dataset,
                features=features,
                options=resolved,
                timings={
                    "features": feature_seconds,
                    **{f"fit {r.model}": r.fit_seconds for r in results},
                    "SHAP": sum(r.shap_seconds for r in results),
                },
                confusion=matrix,
                shap_images=shap_images,
            )
            summary["report"] = report.name
        summary["total_seconds"] = round(time.perf_counter() - started, 3)
        write_text(stage / "run.json", _json(summary))
    return RunResult(
        report=run_dir / "report.html" if options.report else None,
        run_dir=run_dir,
        leaderboard=leaderboard,
        submission=run_dir / submission.name,
        dataset_source=dataset.source,
        synthetic=dataset.synthetic,
        n_features=features.n_features,
        feature_seconds=feature_seconds,
        oracle_score=oracle,
        confusion=matrix,
    )


def _cross_validate_all(
    spec: CompetitionSpec,
    dataset: Dataset,
    features: FeatureSet,
    fold: np.ndarray,
    model_names: tuple[str, ...],
    options: RunOptions,
    subsets: Mapping[str, np.ndarray],
) -> list[CVResult]:
    metric = get_metric(spec.metric)
    n_folds = int(fold.max()) + 1
    entries = model_entries(spec, dataset, model_names, options)
    explain_rows = None
    if options.shap_rows > 0:
        rng = np.random.default_rng(options.seed)
        count = min(options.shap_rows, len(dataset.y))
        explain_rows = np.sort(rng.choice(len(dataset.y), size=count, replace=False))
    results: list[CVResult] = []
    with tqdm(
        total=len(entries) * n_folds,
        unit="fold",
        disable=None if options.progress else True,  # None: shown only on a terminal
        leave=False,
    ) as bar:
        for name, make in entries:
            bar.set_description(name)

            def fold_done(k: int, score: float, name: str = name) -> None:
                bar.set_postfix_str(f"fold {k + 1}/{n_folds} {metric.name}={score:.4f}")
                bar.update()

            result = cross_validate(
                name, make, features.X_train, dataset.y, features.X_test, fold, metric, fold_done,
                subsets=subsets, explain_rows=explain_rows, explain_seconds=options.shap_seconds,
            )  # fmt: skip
            result.tuned = isinstance(make, partial) and make.func is TunedDecision
            log.info(
                "%-8s %s %.4f ± %.4f over %d folds (fit %.1f s)%s",
                name, metric.name, result.cv_mean, result.cv_std, n_folds, result.fit_seconds,
                "".join(f"; {k} {v:.4f}" for k, v in result.subset_scores.items()),
            )  # fmt: skip
            results.append(result)
    return results


def model_entries(
    spec: CompetitionSpec, dataset: Dataset, model_names: tuple[str, ...], options: RunOptions
) -> list[tuple[str, Callable[[], Model]]]:
    """The leaderboard's entries: each model, and for a label metric with a tuned decision rule
    also ``<model>+tuned``, whose class weights are tuned inside each training fold."""
    metric = get_metric(spec.metric)
    common: dict[str, Any] = {
        "task": spec.task,
        "n_classes": len(dataset.classes),
        "seed": options.seed,
    }
    entries: list[tuple[str, Callable[[], Model]]] = []
    for name in model_names:
        params = dict(spec.model_params.get(name, {}))
        if options.class_weight != "auto":
            params["class_weight"] = None if options.class_weight == "none" else "balanced"
        base = partial(make_model, name, **common, **params)
        entries.append((name, base))
        if spec.tune_decision and metric.needs == "label":
            sign = 1.0 if metric.greater_is_better else -1.0

            def score(y: np.ndarray, labels: np.ndarray, sign: float = sign) -> float:
                return sign * metric.func(y, labels)

            entries.append(
                (f"{name}+tuned", partial(TunedDecision, **common, base=base, score=score))
            )
    return entries


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


def _new_run_dir(spec: CompetitionSpec, options: RunOptions) -> Path:
    parent = options.out if options.out is not None else RUNS_ROOT / spec.name
    stamp = time.strftime("%Y%m%d-%H%M%S")
    candidate = parent / stamp
    suffix = 1
    while candidate.exists() or (candidate.parent / f".{candidate.name}.partial").exists():
        suffix += 1
        candidate = parent / f"{stamp}-{suffix}"
    return candidate


@contextmanager
def _staging(run_dir: Path) -> Iterator[Path]:
    """A hidden folder next to ``run_dir``, renamed to it only if the block succeeds."""
    stage = run_dir.parent / f".{run_dir.name}.partial"
    stage.mkdir(parents=True)
    try:
        yield stage
        stage.rename(run_dir)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
