"""A tiny binary competition as a plugin file (``--plugin tests/plugins/coinflip.py``): will a
user click? Two CSV files, a seeded synthetic sample that writes them, and features from a
module beside this one (``coinflip_features.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from coinflip_features import build_features

from competitions.spec import CompetitionSpec, DataFile, Dataset
from core.folds import FoldScheme
from submissions.formats import ProbabilityCSV

CLASSES = ("no", "yes")
SIZES = {"small": (600, 200), "full": (6000, 2000)}
CITIES = ("north", "south", "east", "west")
FILES = (DataFile(("train.csv", "train.csv.gz")), DataFile(("test.csv", "test.csv.gz")))


def synthesize(scale: str, seed: int) -> Dataset:
    n_train, n_test = SIZES[scale]
    rng = np.random.default_rng(seed)
    n = n_train + n_test
    users = pd.DataFrame(
        {
            "age": rng.integers(18, 70, n),
            "city": rng.choice(CITIES, n),
            "visits": rng.poisson(3, n),
        },
        index=pd.Index([f"u{i:05d}" for i in range(n)], name="user"),
    )
    logit = 0.04 * (users["age"] - 40) + 0.4 * (users["visits"] - 3)
    p = 1 / (1 + np.exp(-(logit + 0.8 * (users["city"] == "north")).to_numpy()))
    y = (rng.random(n) < p).astype(np.int64)
    return Dataset(
        train=users.iloc[:n_train], test=users.iloc[n_train:], y=y[:n_train], classes=CLASSES,
        source=f"synthetic coinflip ({scale})", synthetic=True, truth=p[:n_train],
    )  # fmt: skip


def write_files(dataset: Dataset, folder: Path) -> None:
    labels = np.asarray(CLASSES)[dataset.y]
    dataset.train.assign(clicked=labels).to_csv(folder / "train.csv")
    dataset.test.to_csv(folder / "test.csv")


def load(paths: Mapping[str, Path]) -> Dataset:
    read = {"user": str, "city": str}
    train = pd.read_csv(paths["train.csv"], index_col="user", dtype=read)
    test = pd.read_csv(paths["test.csv"], index_col="user", dtype=read)
    y = (train.pop("clicked") == "yes").to_numpy().astype(np.int64)
    return Dataset(train=train, test=test, y=y, classes=CLASSES, source=str(paths["train.csv"]))


SPEC = CompetitionSpec(
    name="coinflip",
    title="Coinflip: will a user click?",
    task="binary",
    target="clicked",
    id_column="user",
    metric="roc_auc",
    folds=FoldScheme("stratified"),
    files=FILES,
    load=load,
    synthesize=synthesize,
    build_features=build_features,
    submission=ProbabilityCSV(id_column="user", columns=("clicked",)),
    default_models=("logreg", "lgbm"),
    synthetic_sizes=SIZES,
    write_files=write_files,
)
