"""Out-of-fold target encodings of high-cardinality categoricals (category-encoders).

For each categorical column and each class, the encoding is the smoothed share of that class
among the training rows with the same value (``te:<column>:<class>``; one column per
categorical for a binary task). Within cross-validation fold ``k``:

* the fold's own training rows are encoded out of fold *within* those rows (an inner
  stratified split; each inner part by an encoder fitted on the other parts), so a model never
  trains on an encoding that has seen the row's own label;
* the fold's validation rows and the test rows are encoded by an encoder fitted on all of the
  fold's training rows, which never saw them.

So no row is ever encoded by an encoder fitted on it. Unseen and missing values get the prior.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from features.base import FoldFeatures

if TYPE_CHECKING:
    import pandas as pd

INNER_FOLDS = 5
SMOOTHING = 10.0
MIN_SAMPLES_LEAF = 20


def target_encodings(
    cat_train: pd.DataFrame,
    cat_test: pd.DataFrame,
    y: np.ndarray,
    fold: np.ndarray,
    *,
    classes: Sequence[str],
    seed: int = 0,
    inner_folds: int = INNER_FOLDS,
    progress: bool = True,
) -> FoldFeatures:
    """Per fold, the encodings of every training row and every test row (see module doc)."""
    if len(cat_train) != len(y) or len(cat_train) != len(fold):
        raise ValueError(
            f"{len(cat_train)} rows of categoricals, {len(y)} labels, {len(fold)} folds"
        )
    from sklearn.model_selection import StratifiedKFold  # deferred: slow to import
    from tqdm.auto import tqdm

    targets = _targets(classes)
    names = tuple(
        f"te:{column}" + (f":{classes[c]}" if len(targets) > 1 else "")
        for column in cat_train.columns
        for c in targets
    )
    train_blocks, test_blocks = [], []
    bar = tqdm(
        range(int(fold.max()) + 1), desc="target encoding", unit="fold", leave=False,
        disable=None if progress else True,
    )  # fmt: skip
    for k in bar:
        fit_rows = np.flatnonzero(fold != k)
        valid_rows = np.flatnonzero(fold == k)
        block = np.empty((len(y), len(names)), dtype=np.float32)
        inner = StratifiedKFold(inner_folds, shuffle=True, random_state=seed + k)
        for inner_fit, inner_apply in inner.split(fit_rows, y[fit_rows]):
            rows_fit, rows_apply = fit_rows[inner_fit], fit_rows[inner_apply]
            (block[rows_apply],) = encode(
                cat_train.iloc[rows_fit], y[rows_fit], [cat_train.iloc[rows_apply]], targets
            )
        block[valid_rows], test_block = encode(
            cat_train.iloc[fit_rows], y[fit_rows], [cat_train.iloc[valid_rows], cat_test], targets
        )
        train_blocks.append(block)
        test_blocks.append(test_block)
    return FoldFeatures(names, tuple(train_blocks), tuple(test_blocks))


def encode(
    cat_fit: pd.DataFrame, y_fit: np.ndarray, apply_to: list[pd.DataFrame], targets: Sequence[int]
) -> list[np.ndarray]:
    """Fit one encoder per target class on (``cat_fit``, ``y_fit``) and encode each frame of
    ``apply_to``: columns ordered by categorical, then class."""
    with warnings.catch_warnings():
        # category-encoders sets a pandas option that pandas 3 deprecates, once per call.
        warnings.filterwarnings("ignore", message=".*no_silent_downcasting.*")
        return _encode(cat_fit, y_fit, apply_to, targets)


def _encode(
    cat_fit: pd.DataFrame, y_fit: np.ndarray, apply_to: list[pd.DataFrame], targets: Sequence[int]
) -> list[np.ndarray]:
    from category_encoders import TargetEncoder  # deferred: it imports scikit-learn

    columns = list(cat_fit.columns)
    out = [np.empty((len(frame), len(columns) * len(targets)), np.float32) for frame in apply_to]
    for j, c in enumerate(targets):
        encoder = TargetEncoder(
            cols=columns, smoothing=SMOOTHING, min_samples_leaf=MIN_SAMPLES_LEAF
        ).fit(cat_fit, (np.asarray(y_fit) == c).astype(np.int64))
        for frame, block in zip(apply_to, out, strict=True):
            encoded = encoder.transform(frame).to_numpy(dtype=np.float32)
            block[:, j :: len(targets)] = encoded
    return out


def _targets(classes: Sequence[str]) -> list[int]:
    """The class codes that get an encoding: the positive class of a binary task, else all."""
    return [1] if len(classes) == 2 else list(range(len(classes)))
