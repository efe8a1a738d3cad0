"""A model as a plugin file (``--plugin tests/plugins/prior_model.py``): predicts each class's
share of the training rows, whatever the features."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from models.base import Model, register_model


@register_model
class PriorModel(Model):
    name = "prior"
    description = "the training rows' class shares, smoothed"
    DEFAULTS: ClassVar[dict[str, Any]] = {"smoothing": 1.0}

    def _fit(self, X: Any, y: np.ndarray) -> None:
        smoothing = float({**self.DEFAULTS, **self.params}["smoothing"])
        counts = np.bincount(y, minlength=self.n_classes) + smoothing
        self.shares_ = counts / counts.sum()

    def _predict_proba(self, X: Any) -> np.ndarray:
        return np.tile(self.shares_, (X.shape[0], 1))
