"""What cross-validating one model or ensemble yields: out-of-fold and test predictions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class CVResult:
    """Out-of-fold and test predictions of one model, with its fold scores and timings."""

    model: str
    oof: np.ndarray
    test: np.ndarray
    fold_scores: list[float]
    oof_score: float
    fit_seconds: float
    predict_seconds: float
    params: dict[str, object] = field(default_factory=dict)
    # Out-of-fold score on named subsets of the rows (e.g. devices with / without events).
    subset_scores: dict[str, float] = field(default_factory=dict)
    # Per-class scores of the out-of-fold predictions (F1 per class for label metrics).
    class_scores: dict[str, float] = field(default_factory=dict)
    # SHAP values of the explained out-of-fold rows, each from the fold model that did not
    # train on it: (rows, features) or (rows, classes, features), with each row's base value
    # (rows,) or (rows, classes) and the explainer used (podium.shapley). None: not explained.
    shap: np.ndarray | None = None
    shap_rows: np.ndarray | None = None
    shap_base: np.ndarray | None = None
    shap_method: str = ""
    shap_seconds: float = 0.0
    kind: str = "model"  # "model" or "ensemble"
    tuned: bool = False  # hyperparameters or decision rule tuned (inside the folds)
    trials: int = 0  # Optuna trials behind the parameters (0: not tuned by Optuna)
    # The fold models, kept only when asked (to explain them); the runner saves those of the
    # shipped entry (podium.explain) and releases the rest.
    models: list[Any] | None = None

    @property
    def cv_mean(self) -> float:
        return float(np.mean(self.fold_scores))

    @property
    def cv_std(self) -> float:
        return float(np.std(self.fold_scores))
