"""The network behind :class:`models.neural.MLPModel`, in its own module because it subclasses
scikit-learn's MLPClassifier: importing it imports scikit-learn (about a second), which
``models`` defers until a network is built."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier

from core.deadlines import check_time
from core.types import Matrix
from models.gbm import early_stopping_split


class LossStoppedMLP(MLPClassifier):
    """MLPClassifier whose early stopping watches the log loss on a stratified holdout of
    ``validation_fraction`` of the rows, and which keeps the best epoch's weights.

    scikit-learn's own early stopping watches the holdout's accuracy, which on noisy or
    imbalanced labels is flat from the first epoch (the majority class), so it stops an
    untrained, badly calibrated network. Built with ``early_stopping=False``; ``fit`` trains
    one epoch at a time with ``partial_fit`` and checks podium's deadline after each.
    """

    coefs_: list[np.ndarray]
    intercepts_: list[np.ndarray]

    def fit(self, X: Matrix, y: np.ndarray, sample_weight: np.ndarray | None = None) -> Any:
        seed = int(self.random_state)
        fit_idx, stop_idx = early_stopping_split(y, self.validation_fraction, seed)
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
        X_fit, y_fit, w_fit = X[fit_idx], y[fit_idx], weight[fit_idx]
        X_stop, y_stop, w_stop = X[stop_idx], y[stop_idx], weight[stop_idx]
        classes = np.unique(y)
        best, best_weights, stale, epochs = np.inf, None, 0, 0
        while epochs < self.max_iter and stale < self.n_iter_no_change:
            self.partial_fit(X_fit, y_fit, classes=classes, sample_weight=w_fit)
            epochs += 1
            proba = self.predict_proba(X_stop)
            loss = log_loss(y_stop, proba, labels=classes, sample_weight=w_stop)
            if loss < best - self.tol:
                best, stale = loss, 0
                best_weights = (
                    [c.copy() for c in self.coefs_],
                    [b.copy() for b in self.intercepts_],
                )
            else:
                stale += 1
            check_time()
        assert best_weights is not None
        self.coefs_, self.intercepts_ = best_weights
        self.n_iter_, self.best_validation_loss_ = epochs, best
        return self
