"""Fit one peer AutoML system on a feature matrix exported by ``benchmarks/peers.py``.

Runs inside the peer's own virtual environment (it imports nothing of podium):

    PEER_PYTHON benchmarks/peer_fit.py {flaml,autogluon} SPLIT_DIR SECONDS SEED METRIC

reads ``SPLIT_DIR/features.npz`` (``X_train``, ``X_test`` as CSR parts, ``y`` as class indices)
and writes ``SPLIT_DIR/<system>_proba.npy``: the test rows' class probabilities, and, for a label
metric, ``<system>_labels.npy``: the system's own predicted class indices.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp


def load(folder: Path) -> tuple[sp.csr_matrix, np.ndarray, sp.csr_matrix]:
    data = np.load(folder / "features.npz", allow_pickle=False)

    def csr(prefix: str) -> sp.csr_matrix:
        parts = (data[f"{prefix}_data"], data[f"{prefix}_indices"], data[f"{prefix}_indptr"])
        return sp.csr_matrix(parts, shape=tuple(data[f"{prefix}_shape"]))

    return csr("X_train"), data["y"], csr("X_test")


def fit_flaml(X, y, X_test, seconds: float, seed: int, metric: str):
    from flaml import AutoML

    automl = AutoML()
    automl.fit(
        X,
        y,
        task="classification",
        metric={"log_loss": "log_loss", "f1_macro": "macro_f1"}[metric],
        time_budget=seconds,
        seed=seed,
        verbose=0,
    )
    return automl.predict_proba(X_test), automl.predict(X_test)


def fit_autogluon(X, y, X_test, seconds: float, seed: int, metric: str):
    from autogluon.tabular import TabularPredictor

    columns = [f"f{j}" for j in range(X.shape[1])]
    train = pd.DataFrame(X.toarray().astype(np.float32), columns=columns)
    train["label"] = y
    test = pd.DataFrame(X_test.toarray().astype(np.float32), columns=columns)
    with tempfile.TemporaryDirectory() as path:
        predictor = TabularPredictor(label="label", eval_metric=metric, path=path, verbosity=1).fit(
            train, time_limit=seconds, presets="medium_quality", ag_args_fit={"seed": seed}
        )
        proba = predictor.predict_proba(test)
        classes = sorted(np.unique(y))
        proba = proba.reindex(columns=classes, fill_value=0.0).to_numpy()
        labels = predictor.predict(test).to_numpy()
    return proba, labels


def main() -> None:
    system, folder, seconds, seed, metric = sys.argv[1:6]
    X, y, X_test = load(Path(folder))
    fit = {"flaml": fit_flaml, "autogluon": fit_autogluon}[system]
    proba, labels = fit(X, y, X_test, float(seconds), int(seed), metric)
    np.save(Path(folder) / f"{system}_proba.npy", np.asarray(proba, dtype=np.float64))
    np.save(Path(folder) / f"{system}_labels.npy", np.asarray(labels, dtype=np.int64))


if __name__ == "__main__":
    main()
