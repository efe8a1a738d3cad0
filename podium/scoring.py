"""One scoring step for every entry of a supervised run: a model, a tuned model, a seed bag, a
decision-tuned model or an ensemble is scored here and nowhere else.

Scoring adds to a :class:`~core.results.CVResult` what the leaderboard shows beside its fold
scores: the out-of-fold score on the competition's named subsets, per-class F1 for a label
metric, and SHAP values of a seeded sample of out-of-fold rows. Ensembles have no fold models
of their own: their SHAP values are combined from their members' when the run folder is written
(:mod:`podium.shap_files`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from core.metrics import Metric, per_class_f1
from core.results import CVResult
from features.base import FeatureSet, FoldFeatures
from podium.cv import explain

log = logging.getLogger(__name__)

# Under a budget, SHAP of one entry stops after this fraction of the budget (or --shap-seconds).
SHAP_BUDGET_FRACTION = 0.01


@dataclass
class Scorer:
    """Scores entries in the competition's metric on the run's labels and folds."""

    metric: Metric
    y: np.ndarray
    classes: tuple[str, ...]
    fold: np.ndarray
    features: FeatureSet
    subsets: Mapping[str, np.ndarray] = field(default_factory=dict)
    fold_features: FoldFeatures | None = None
    explain_rows: np.ndarray | None = None  # the sampled rows SHAP explains; None: no SHAP
    shap_cap: float = float("inf")  # seconds of SHAP per entry

    @staticmethod
    def sample_rows(n_rows: int, shap_rows: int, seed: int) -> np.ndarray | None:
        """The seeded sample of rows every entry's SHAP explains (the same rows for all)."""
        if shap_rows <= 0:
            return None
        rng = np.random.default_rng(seed)
        return np.sort(rng.choice(n_rows, size=min(shap_rows, n_rows), replace=False))

    @staticmethod
    def cap(shap_seconds: float, budget_seconds: float | None) -> float:
        if budget_seconds is None:
            return shap_seconds
        return min(shap_seconds, SHAP_BUDGET_FRACTION * budget_seconds)

    def score(self, result: CVResult, explained: bool = False) -> CVResult:
        """Subset and per-class scores, SHAP (unless ``explained`` already) and a log line."""
        y = self.y
        result.subset_scores = {
            name: self.metric.score(y[mask], result.oof[mask])
            for name, mask in self.subsets.items()
        }
        if self.metric.needs == "label":
            f1 = per_class_f1(y, result.oof, len(self.classes))
            pairs = zip(self.classes, f1, strict=True)
            result.class_scores = {f"f1_{c}": float(v) for c, v in pairs}
        if result.kind != "ensemble" and not explained:
            self.explain(result)
        self._log(result)
        return result

    def explain(self, result: CVResult) -> None:
        """SHAP values of the sampled rows from ``result``'s fold models (see :func:`explain`)."""
        if self.explain_rows is None:
            return
        explain(
            result, self.features.X_train, self.fold, self.explain_rows, self.shap_cap,
            self.fold_features,
        )  # fmt: skip

    def _log(self, result: CVResult) -> None:
        if result.kind == "ensemble":
            log.info(
                "%-8s %s %.4f ± %.4f (weights %s)",
                result.model, self.metric.name, result.cv_mean, result.cv_std,
                result.params["weights"],
            )  # fmt: skip
            return
        log.info(
            "%-8s %s %.4f ± %.4f over %d folds (fit %.1f s)%s",
            result.model, self.metric.name, result.cv_mean, result.cv_std,
            int(self.fold.max()) + 1, result.fit_seconds,
            "".join(f"; {k} {v:.4f}" for k, v in result.subset_scores.items()),
        )  # fmt: skip
