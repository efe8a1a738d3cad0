"""Data that cannot be learned from, refused with a name before any fit: no rows, one class, a
class too rare for the folds, features that never vary. Each error names the file (the
training file's label) and what to do, instead of a score of 0.0000 or "nan", or a library's
error from deep inside a fit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from core.errors import ConfigError, DataError


def check_rows(n_rows: int, source: str, *, minimum: int = 1, purpose: str = "learn from") -> None:
    """At least ``minimum`` rows in the file ``source``."""
    if n_rows == 0:
        raise DataError(f"{source}: no rows below the header: podium needs rows to {purpose}")
    if n_rows < minimum:
        raise DataError(
            f"{source}: only {n_rows} rows, podium needs at least {minimum} to {purpose}"
        )


def check_labels(
    y: np.ndarray, classes: Sequence[str], n_splits: int, source: str, *, stratified: bool
) -> None:
    """Two classes at least, and (for stratified folds) every present class in every fold."""
    check_rows(len(y), source)
    counts = np.bincount(y, minlength=len(classes))
    present = np.flatnonzero(counts)
    if len(present) == 1:
        raise DataError(
            f"{source}: all {len(y):,} training rows have the class {classes[present[0]]!r}: "
            "there is nothing to tell apart. A model needs at least two classes; add rows of "
            f"the other classes ({', '.join(c for c in classes if c != classes[present[0]])})"
        )
    if not stratified:
        return
    rarest = present[np.argmin(counts[present])]
    count = int(counts[rarest])
    if count >= n_splits:
        return
    if count == 1:
        raise DataError(
            f"{source}: class {classes[rarest]!r} has only 1 training row, too few to be in both "
            "a training and a validation fold (whatever --folds is): add rows of that class or "
            "remove it"
        )
    raise ConfigError(
        f"--folds {n_splits}: class {classes[rarest]!r} has only {count} training rows in "
        f"{source}, and every fold needs one of each class: use --folds {count}"
        f"{' or fewer' if count > 2 else ''}, or add rows of that class"
    )


def check_features(X: sp.spmatrix | sp.sparray | np.ndarray, source: str) -> None:
    """Some feature must vary over the training rows, or the target cannot depend on any."""
    if X.shape[0] < 2:
        return
    if X.shape[1] > 0:
        high = np.asarray(X.max(axis=0).todense() if sp.issparse(X) else X.max(axis=0))
        low = np.asarray(X.min(axis=0).todense() if sp.issparse(X) else X.min(axis=0))
        if (high != low).any():
            return
    raise DataError(
        f"{source}: all {X.shape[0]:,} training rows have the same {X.shape[1]:,} feature "
        "values, so the target cannot depend on them: check that the file's fields hold "
        "values that differ between rows"
    )
