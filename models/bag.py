"""A seed bag's fold model: copies of one model fitted with different seeds, averaged."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.types import Matrix, Task
from models.base import Model


class SeedBag(Model):
    """Copies of one model that differ only in their seed; ``predict_proba`` averages their
    probabilities, as a seed-bagged entry averages its seeds' predictions.

    The runner cross-validates each seed on its own and builds one bag per fold from the fitted
    copies (:meth:`of`), so ``--explain`` can explain a bagged entry with the models that made
    its predictions. ``fit`` refits every copy. Built by the runner, so it is not registered.
    """

    name = "seed_bag"
    description = "copies of one model with different seeds, probabilities averaged"

    def __init__(
        self, *, task: Task, n_classes: int, seed: int = 0, members: Sequence[Model]
    ) -> None:
        super().__init__(task=task, n_classes=n_classes, seed=seed)
        if not members:
            raise ValueError("a seed bag needs at least one model")
        self.members = list(members)

    @classmethod
    def of(cls, fitted: Sequence[Model]) -> SeedBag:
        """A bag of models fitted on the same rows (one fold's models of each seed)."""
        first = fitted[0]
        bag = cls(task=first.task, n_classes=first.n_classes, seed=first.seed, members=fitted)
        bag.n_features_in_ = first.n_features_in_
        return bag

    def _fit(self, X: Matrix, y: np.ndarray) -> None:
        for member in self.members:
            member.fit(X, y, sample_weight=self.row_weight())

    def _predict_proba(self, X: Matrix) -> np.ndarray:
        return np.mean([member.predict_proba(X) for member in self.members], axis=0)

    def explain(self, X: Matrix) -> tuple[np.ndarray, np.ndarray] | None:
        """The mean of the copies' SHAP values and base values: exact for the mean of their raw
        outputs; the bag averages probabilities, so for the bag itself an approximation (close
        when the copies agree, as seeds of one model do)."""
        parts = [member.explain(X) for member in self.members]
        if any(part is None for part in parts):
            return None
        values = np.mean([part[0] for part in parts if part is not None], axis=0)
        base = np.mean([part[1] for part in parts if part is not None], axis=0)
        return values, base

    def linear_terms(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The mean coefficients and intercepts (the mean raw output; see :meth:`explain`)."""
        terms = [member.linear_terms() for member in self.members]
        if any(term is None for term in terms):
            return None
        coef = np.mean([term[0] for term in terms if term is not None], axis=0)
        intercept = np.mean([term[1] for term in terms if term is not None], axis=0)
        return coef, intercept
