"""Level-2 combiners. Each is fitted on level-1 predictions of training rows and applied to
level-1 predictions of other rows; which rows is :mod:`ensembles.crossfit`'s business.

Level-1 predictions come as a list of ``(n, k)`` float32 probability matrices, one per base
model (a binary task has ``k = 2``). A combiner's output is an ``(n, k)`` probability matrix.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np

from core.deadlines import check_time
from core.decision import tune_class_weights
from core.registry import Registry

# scipy.optimize and scikit-learn are imported where they are used: importing them takes
# about a second, which every command (--help included) would otherwise pay.

# Higher is better: the caller passes the metric with its sign folded in.
Score = Callable[[np.ndarray, np.ndarray], float]
EPS = 1e-6


class Ensemble(ABC):
    """Fitted on ``(predictions, y)``; ``weights_`` says how much each base model counts."""

    name: str
    description: str
    # Under a deadline the combiners are built in this order, so the ones that finish are the
    # cheap (greedy: 3 s on a 300 s TalkingData run's 60,000 rows and 12 classes) and the
    # distinct (stack: 22 s) before the blend (25 s), which mostly repeats greedy's weights.
    order: int
    weights_: np.ndarray

    def __init__(self, score: Score, seed: int = 0) -> None:
        self.score = score
        self.seed = seed

    @abstractmethod
    def fit(self, predictions: Sequence[np.ndarray], y: np.ndarray) -> Ensemble: ...

    @abstractmethod
    def predict(self, predictions: Sequence[np.ndarray]) -> np.ndarray: ...


def _average(predictions: Sequence[np.ndarray], weights: np.ndarray) -> np.ndarray:
    out = np.zeros_like(predictions[0], dtype=np.float64)
    for w, p in zip(weights, predictions, strict=True):
        out += w * p
    return out


class WeightedBlend(Ensemble):
    """Non-negative weights summing to 1 (a softmax of free parameters), chosen by scipy's
    Nelder-Mead on the metric itself, so it works for AUC and log loss alike."""

    name = "blend"
    description = "weighted average of probabilities, weights >= 0 summing to 1 (scipy)"
    order = 3

    def fit(self, predictions: Sequence[np.ndarray], y: np.ndarray) -> WeightedBlend:
        m = len(predictions)

        def loss(z: np.ndarray) -> float:
            check_time()  # the run's deadline: a slow metric cannot overrun the budget
            return -self.score(y, _average(predictions, _softmax(z)))

        from scipy.optimize import minimize

        result = minimize(loss, np.zeros(m), method="Nelder-Mead", options={"maxiter": 200 * m})
        self.weights_ = _softmax(result.x)
        return self

    def predict(self, predictions: Sequence[np.ndarray]) -> np.ndarray:
        return _average(predictions, self.weights_)


class GreedySelection(Ensemble):
    """Caruana et al. (2004): add, with replacement, the model that most improves the
    average's score, for ``rounds`` rounds; weights are the selection counts."""

    name = "greedy"
    description = "greedy ensemble selection with replacement (Caruana et al.)"
    order = 1
    rounds = 40

    def fit(self, predictions: Sequence[np.ndarray], y: np.ndarray) -> GreedySelection:
        counts = np.zeros(len(predictions))
        total = np.zeros_like(predictions[0], dtype=np.float64)
        for step in range(1, self.rounds + 1):
            check_time()
            gains = [self.score(y, (total + p) / step) for p in predictions]
            best = int(np.argmax(gains))
            counts[best] += 1
            total += predictions[best]
        self.weights_ = counts / counts.sum()
        return self

    def predict(self, predictions: Sequence[np.ndarray]) -> np.ndarray:
        return _average(predictions, self.weights_)


class Stacker(Ensemble):
    """A multinomial logistic regression on the base models' log-probabilities, with an L2
    penalty of :attr:`l2` times the squared weights per row's mean log loss, whatever the
    number of rows (scikit-learn's ``C`` is per row summed: ``C = 1 / (2 * l2 * rows)``).

    With many classes the stacker has ``classes x models x classes`` weights, and the penalty
    matters: on the out-of-fold predictions of a 300 s TalkingData run (5 models, 12 classes,
    5 folds of 48,000 rows), ``C = 1`` scored 2.4221, worse than its best model (2.4200), and
    ``C = 0.01`` (l2 1e-3) 2.4185; ``C`` = 0.003 and 0.03 scored 2.4190 and 2.4189. A binary stacker
    has one weight per model, on which the penalty hardly bites."""

    name = "stack"
    description = "logistic regression on the base models' log-probabilities (L2 1e-3 per row)"
    order = 2
    l2 = 1e-3

    def fit(self, predictions: Sequence[np.ndarray], y: np.ndarray) -> Stacker:
        from sklearn.linear_model import LogisticRegression

        C = 1.0 / (2 * self.l2 * max(len(y), 1))
        self.model_ = LogisticRegression(C=C, max_iter=1000).fit(self._inputs(predictions), y)
        coef = np.abs(self.model_.coef_).reshape(len(self.model_.coef_), len(predictions), -1)
        strength = coef.sum(axis=(0, 2))
        self.weights_ = strength / max(strength.sum(), EPS)
        return self

    def predict(self, predictions: Sequence[np.ndarray]) -> np.ndarray:
        proba = self.model_.predict_proba(self._inputs(predictions))
        return np.asarray(proba, dtype=np.float64)

    @staticmethod
    def _inputs(predictions: Sequence[np.ndarray]) -> np.ndarray:
        logs = [np.log(np.clip(p, EPS, 1.0)) for p in predictions]
        if predictions[0].shape[1] == 2:  # binary: one logit per model is enough
            logs = [lp[:, 1:] - lp[:, :1] for lp in logs]
        return np.hstack(logs).astype(np.float32)


class DecisionTuned(Ensemble):
    """For label metrics: a combiner whose per-class decision weights are tuned on its own
    inner out-of-fold predictions of the training rows, then applied to the rows it predicts."""

    name = "decision_tuned"
    description = "combiner plus per-class decision weights tuned on inner out-of-fold rows"
    inner_folds = 5

    def __init__(self, score: Score, seed: int, inner: Callable[[], Ensemble]) -> None:
        super().__init__(score, seed)
        self.inner = inner

    def fit(self, predictions: Sequence[np.ndarray], y: np.ndarray) -> DecisionTuned:
        inner_oof = np.zeros(predictions[0].shape)
        from sklearn.model_selection import StratifiedKFold

        splitter = StratifiedKFold(self.inner_folds, shuffle=True, random_state=self.seed)
        for train_idx, valid_idx in splitter.split(np.zeros(len(y)), y):
            combiner = self.inner().fit([p[train_idx] for p in predictions], y[train_idx])
            inner_oof[valid_idx] = combiner.predict([p[valid_idx] for p in predictions])
        one_hot = np.eye(predictions[0].shape[1])
        self.decision_ = tune_class_weights(
            inner_oof, y, lambda truth, labels: self.score(truth, one_hot[labels])
        )
        self.combiner_ = self.inner().fit(predictions, y)
        self.weights_ = self.combiner_.weights_
        return self

    def predict(self, predictions: Sequence[np.ndarray]) -> np.ndarray:
        proba = self.combiner_.predict(predictions) * self.decision_
        return np.asarray(proba / proba.sum(axis=1, keepdims=True))


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return np.asarray(e / e.sum())


ENSEMBLES: Registry[type[Ensemble]] = Registry("ensemble")
for _cls in (Stacker, WeightedBlend, GreedySelection):
    ENSEMBLES.add(_cls.name, _cls)
