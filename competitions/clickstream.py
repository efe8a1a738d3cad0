"""NUWE ClickStream ("Smart Strategies for an Effective Marketing Campaign"): each user's
``marketing_target``, 1 = low, 2 = medium, 3 = high engagement.

Files (the challenge's layout, found by name): ``user_train.csv`` and ``user_test.csv``
(separated by ``;``), ``session_train.csv`` and ``session_test.csv`` (separated by ``,``; the
reader detects the separator either way). Test users carry ``test_id`` instead of the label.
Metric: F1 with macro averaging; the submission is ``predictions.json`` as
``{"target": {"<test_id>": <int>}}``.

Rows are users, so folds over rows are folds over users: a user's sessions never straddle
train and validation. Sessions of users in neither user file are dropped with a counted
warning; a user without sessions gets zero session features. Physically impossible values
(declared per column: negative or infinite durations and page views, sessions outside 2023 up
to the challenge's release, ages outside 0..120) drop their row with a counted warning, or
become missing for a test user, who must be predicted; in an ID or the label they stop the run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from competitions.clickstream_sample import CLASSES, SCALES, ClickStreamSample, generate_scale
from competitions.spec import CompetitionSpec, DataFile, Dataset, SyntheticScale
from competitions.tables import (
    Column,
    check_values,
    common_folder,
    drop_unknown,
    read_tables,
    require_values,
)
from core.errors import DataError
from core.folds import FoldScheme
from features.aggregates import category_shares, numeric_aggregates, word_bag
from features.base import FeatureSet
from features.clusters import ClusterView
from features.events import activity_features
from features.items import one_hot
from submissions.formats import LabelJSON

if TYPE_CHECKING:
    import pandas as pd
    import scipy.sparse as sp

log = logging.getLogger(__name__)

# Sessions are from 2023; none can be later than the challenge's release (2024-03-20).
SESSION_WINDOW = ("2023-01-01", "2024-03-21")
USER_COLUMNS = (
    Column("user_id", "str", key=True),
    Column("age", "float", low=0, high=120),
    Column("abandoned_cart", "str"),
    Column("user_category", "str"),
)
SESSION_COLUMNS = (
    Column("user_id", "str"),
    Column("session_id", "str"),
    Column("timestamp", "time", window=SESSION_WINDOW),
    Column("device_type", "str"),
    Column("browser", "str"),
    Column("operating_system", "str"),
    Column("country", "str"),
    Column("search_query", "str"),
    Column("page_views", "float", low=0),
    Column("session_duration", "float", low=0),
)
TABLES = {
    "user_train": (*USER_COLUMNS, Column("marketing_target", "int", key=True)),
    "user_test": (*USER_COLUMNS, Column("test_id", "int", low=1, key=True)),
    "session_train": SESSION_COLUMNS,
    "session_test": SESSION_COLUMNS,
}
FILES = tuple(DataFile((f"{name}.csv", f"{name}.csv.gz")) for name in TABLES)
CATEGORIES = ("device_type", "browser", "operating_system", "country")


def load(files: Mapping[str, Path]) -> Dataset:
    raw, labels = read_tables(files, TABLES)
    return prepare(raw, labels, source=f"ClickStream files in {common_folder(labels)}")


def prepare(
    raw: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str] | None = None,
    *,
    source: str,
    synthetic: bool = False,
    truth: np.ndarray | None = None,
) -> Dataset:
    import pandas as pd

    labels = {name: (labels or {}).get(name, f"{name}.csv") for name in TABLES}
    # Test users must all be predicted: an impossible value of theirs becomes missing.
    raw = {
        name: check_values(frame, TABLES[name], labels[name], keep_rows=name == "user_test")
        for name, frame in raw.items()
    }
    train, test = raw["user_train"], raw["user_test"]
    for name, frame in (("user_train", train), ("user_test", test)):
        _check_users(frame, labels[name])
    require_values(train, "marketing_target", CLASSES, labels["user_train"])
    repeated = test["test_id"].duplicated()
    if repeated.any():
        row = int(np.flatnonzero(repeated.to_numpy())[0])
        raise DataError(
            f"{labels['user_test']}: line {row + 2}: test_id {test['test_id'].iloc[row]} "
            "appears twice"
        )
    overlap = np.intersect1d(train["user_id"], test["user_id"])
    if len(overlap):
        raise DataError(
            f"{labels['user_test']}: {len(overlap)} users are also in training, e.g. {overlap[0]}"
        )
    users = pd.Index(np.concatenate([train["user_id"], test["user_id"]]))
    sessions = pd.concat(
        [
            _known_sessions(raw[name], users, labels[name])
            for name in ("session_train", "session_test")
        ],
        ignore_index=True,
    )
    y = pd.Categorical(train["marketing_target"], categories=CLASSES).codes.astype(np.int64)
    return Dataset(
        train=train.drop(columns="marketing_target").set_index("user_id"),
        test=test.set_index("test_id", drop=False).rename_axis("ID"),
        y=y,
        classes=tuple(str(c) for c in CLASSES),
        source=source,
        synthetic=synthetic,
        truth=truth,
        file_labels=(labels["user_train"], labels["user_test"]),
        tables={"sessions": sessions},
    )


def _check_users(frame: pd.DataFrame, label: str) -> None:
    duplicated = frame["user_id"].duplicated()
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise DataError(
            f"{label}: line {row + 2}: user {frame['user_id'].iloc[row]!r} appears twice"
        )
    cart = frame["abandoned_cart"].str.upper()
    bad = ~cart.isin(["TRUE", "FALSE"])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{label}: line {row + 2}, column 'abandoned_cart': "
            f"{frame['abandoned_cart'].iloc[row]!r} is not TRUE or FALSE"
        )


def _known_sessions(sessions: pd.DataFrame, users: pd.Index, label: str) -> pd.DataFrame:
    return drop_unknown(sessions, "user_id", users, label, "sessions of users in neither user file")


def build_features(dataset: Dataset) -> FeatureSet:
    import pandas as pd
    import scipy.sparse as sp

    train, test = dataset.train, dataset.test
    n_train = len(train)
    users = pd.Index(np.concatenate([train.index.to_numpy(), test["user_id"].to_numpy()]))
    n_rows = len(users)
    sessions = dataset.tables["sessions"]
    row = users.get_indexer(sessions["user_id"].to_numpy())
    reference = sessions["timestamp"].iloc[np.flatnonzero(row < n_train)].max()

    blocks: list[sp.csr_matrix] = []
    names: list[str] = []
    for X, block_names in (
        numeric_aggregates(
            row,
            {c: sessions[c].to_numpy() for c in ("page_views", "session_duration")},
            n_rows=n_rows,
        ),
        activity_features(
            row, sessions["timestamp"], n_rows=n_rows, span=True, reference=reference
        ),
        *(
            category_shares(
                row, sessions[c].to_numpy(), n_rows=n_rows, n_train=n_train, label=c, min_count=5
            )
            for c in CATEGORIES
        ),
        word_bag(row, sessions["search_query"], n_rows=n_rows, n_train=n_train, label="query_word"),
    ):
        blocks.append(X)
        names.extend(block_names)
    own = pd.concat([train, test.drop(columns=["test_id", "user_id"])], ignore_index=True)
    own_dense = np.column_stack(
        [own["age"].fillna(-1).to_numpy(), (own["abandoned_cart"].str.upper() == "TRUE").to_numpy()]
    ).astype(np.float32)
    X_tr, X_te, category_names = one_hot(
        train["user_category"], test["user_category"], label="user_category"
    )
    X = sp.hstack(
        [sp.csr_matrix(own_dense), sp.vstack([X_tr, X_te]), *blocks], format="csr", dtype=np.float32
    )
    names = ["age", "abandoned_cart", *category_names, *names]
    return FeatureSet(X[:n_train], X[n_train:], tuple(names))


def synthesize(scale: SyntheticScale, seed: int) -> Dataset:
    return from_sample(generate_scale(scale, seed), f"{scale} scale, seed {seed}")


def from_sample(sample: ClickStreamSample, description: str) -> Dataset:
    """A Dataset from a synthetic sample, cleaned by the same code as the real files."""
    raw = {name: getattr(sample, name) for name in TABLES}
    source = (
        f"podium's built-in synthetic ClickStream sample ({description}: "
        f"{len(sample.user_train):,} train / {len(sample.user_test):,} test users)"
    )
    return prepare(raw, source=source, synthetic=True, truth=sample.p_train)


def write_files(sample: ClickStreamSample, folder: Path) -> None:
    """Write a sample in the challenge's layout: ``train/`` and ``test/`` sub-folders."""
    for part in ("train", "test"):
        (folder / part).mkdir(parents=True, exist_ok=True)
        getattr(sample, f"user_{part}").to_csv(
            folder / part / f"user_{part}.csv", sep=";", index=False
        )
        getattr(sample, f"session_{part}").to_csv(
            folder / part / f"session_{part}.csv", index=False
        )


SPEC = CompetitionSpec(
    name="clickstream",
    title='NUWE ClickStream: "Smart Strategies for an Effective Marketing Campaign"',
    task="multiclass",
    target="marketing_target",
    id_column="test_id",
    metric="f1_macro",
    folds=FoldScheme("stratified"),
    files=FILES,
    load=load,
    synthesize=synthesize,
    build_features=build_features,
    submission=LabelJSON(key="target", labels=CLASSES),
    default_models=("logreg", "lgbm"),
    synthetic_sizes={
        "small": (SCALES["small"]["n_train"], SCALES["small"]["n_test"]),
        "full": (SCALES["full"]["n_train"], SCALES["full"]["n_test"]),
    },
    notes="Users and their browsing sessions; predict marketing_target 1/2/3 (macro F1).",
    model_params={
        # 700 users: small, heavily regularised trees.
        "lgbm": {
            "learning_rate": 0.03,
            "num_leaves": 7,
            "min_data_in_leaf": 10,
            "feature_fraction": 0.7,
            "early_stopping_fraction": 0.2,
        },
        "logreg": {"C": 0.1},
    },
    tune_decision=True,
    # Users' session aggregates and habits, log-scaled and standardised.
    cluster_view=ClusterView(
        (
            "age",
            "page_views:",
            "session_duration:",
            "events:",
            "tod=",
            "dow=",
            "device_type=",
            "browser=",
            "operating_system=",
        ),
        kind="scaled",
        components=10,
    ),  # fmt: skip
)
