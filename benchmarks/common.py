"""Shared pieces of the benchmark scripts: peak memory, sample generation in a child process,
and a cross-validation report with the same folds, parameters and metric as a real run."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from competitions.spec import CompetitionSpec, Dataset  # noqa: E402
from core.folds import make_folds  # noqa: E402
from core.metrics import get_metric  # noqa: E402
from features.base import FeatureSet  # noqa: E402
from podium.budget import Budget  # noqa: E402
from podium.entries import EntryRunner  # noqa: E402
from podium.options import RunOptions  # noqa: E402


def peak_rss_gib() -> float:
    """This process's peak resident memory (children excluded); ru_maxrss is in KiB on Linux."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def generate_in_child(script: str, work: Path, scale: str, seed: int) -> None:
    """Run ``script --write-sample WORK`` so the generator's memory is not this process's."""
    started = time.perf_counter()
    command = [sys.executable, script, "--write-sample", str(work)]
    command += ["--synthetic-scale", scale, "--seed", str(seed)]
    subprocess.run(command, check=True)
    print(f"generate + write files (child process): {time.perf_counter() - started:.1f} s")


def cv_report(
    spec: CompetitionSpec,
    dataset: Dataset,
    features: FeatureSet,
    models: Sequence[str],
    *,
    folds: int,
    seed: int,
    truth: np.ndarray | None = None,
) -> dict[str, list[float]]:
    """Cross-validate the run's entries (models, and tuned decisions where the competition
    has them) on the same folds as ``run.py --seed SEED``; return each entry's fold scores."""
    metric = get_metric(spec.metric)
    fold = make_folds(spec.folds, dataset.y, folds, seed, dataset.groups)
    if truth is not None:
        per_fold = [metric.score(dataset.y[fold == k], truth[fold == k]) for k in range(folds)]
        print(f"oracle {metric.name}: mean over folds {np.mean(per_fold):.4f}")
    options = RunOptions(comp=spec.name, seed=seed, models=tuple(models), shap_rows=0)
    runner = EntryRunner(
        spec=spec, dataset=dataset, features=features, fold=fold, options=options,
        subsets=spec.subsets(dataset) if spec.subsets is not None else {},
        budget=Budget(time.monotonic(), None), checkpoints=None, run_id="benchmark",
    )  # fmt: skip
    scores: dict[str, list[float]] = {}
    for result in runner.run(tuple(models)):
        scores[result.model] = result.fold_scores
        parts = "".join(f", {k} {v:.4f}" for k, v in result.subset_scores.items())
        print(
            f"{result.model:12s} CV {metric.name} {result.cv_mean:.4f} ± {result.cv_std:.4f}"
            f"{parts}; fit {result.fit_seconds:.1f} s, predict {result.predict_seconds:.1f} s, "
            f"peak RSS so far {peak_rss_gib():.2f} GiB"
        )
    return scores
