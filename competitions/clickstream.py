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
from typing import TYPE_CHECKING

import numpy as np

from competitions.clickstream_sample import CLASSES, SCALES, generate
from competitions.kit import (
    Block,
    Column,
    SyntheticSample,
    Table,
    Tables,
    check_values,
    class_codes,
    drop_unknown,
    numeric,
    one_hot,
    refuse_overlap,
    refuse_repeats,
    split_rows,
    stack,
)
from competitions.sources import DataSource
from competitions.spec import CompetitionSpec, Dataset
from core.errors import DataError
from core.folds import FoldScheme
from features.aggregates import category_shares, numeric_aggregates, word_bag
from features.base import FeatureSet
from features.clusters import ClusterView
from features.events import activity_features
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
TABLES = Tables(
    (
        Table("user_train", (*USER_COLUMNS, Column("marketing_target", "int", key=True)),
              sep=";", folder="train"),
        Table("user_test", (*USER_COLUMNS, Column("test_id", "int", low=1, key=True)),
              sep=";", folder="test"),
        Table("session_train", SESSION_COLUMNS, folder="train"),
        Table("session_test", SESSION_COLUMNS, folder="test"),
    )
)  # fmt: skip
FILES = TABLES.files
CATEGORIES = ("device_type", "browser", "operating_system", "country")


def prepare(
    raw: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str] | None = None,
    *,
    source: str,
    synthetic: bool = False,
    truth: np.ndarray | None = None,
) -> Dataset:
    import pandas as pd

    labels = TABLES.labels(labels)
    # Test users must all be predicted: an impossible value of theirs becomes missing.
    raw = {
        name: check_values(frame, TABLES.columns[name], labels[name], keep_rows=name == "user_test")
        for name, frame in raw.items()
    }
    train, test = raw["user_train"], raw["user_test"]
    for name, frame in (("user_train", train), ("user_test", test)):
        _check_users(frame, labels[name])
    y = class_codes(train["marketing_target"], CLASSES, labels["user_train"])
    refuse_repeats(test, "test_id", labels["user_test"], "test_id")
    refuse_overlap(
        train["user_id"], test["user_id"], labels["user_test"],
        "{n} users are also in training, e.g. {example}",
    )  # fmt: skip
    users = pd.Index(np.concatenate([train["user_id"], test["user_id"]]))
    sessions = pd.concat(
        [
            _known_sessions(raw[name], users, labels[name])
            for name in ("session_train", "session_test")
        ],
        ignore_index=True,
    )
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
    refuse_repeats(frame, "user_id", label, "user")
    cart = frame["abandoned_cart"].str.upper()
    bad = ~cart.isin(["TRUE", "FALSE"])
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{label}: line {row + 2}, column 'abandoned_cart': "
            f"{frame['abandoned_cart'].iloc[row]!r} is not TRUE or FALSE"
        )


def _known_sessions(sessions: pd.DataFrame, users: pd.Index, label: str) -> pd.DataFrame:
    sessions = sessions[[c.name for c in SESSION_COLUMNS]]  # the columns podium reads
    return drop_unknown(sessions, "user_id", users, label, "sessions of users in neither user file")


def build_features(dataset: Dataset) -> FeatureSet:
    import pandas as pd

    train, test = dataset.train, dataset.test
    n_train = len(train)
    users = pd.Index(np.concatenate([train.index.to_numpy(), test["user_id"].to_numpy()]))
    n_rows = len(users)
    sessions = dataset.tables["sessions"]
    row = users.get_indexer(sessions["user_id"].to_numpy())
    reference = sessions["timestamp"].iloc[np.flatnonzero(row < n_train)].max()

    aggregates = (
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
    )
    return stack(
        numeric(train, test, ["age"], missing=-1.0),
        _abandoned_cart(train, test),
        one_hot(train["user_category"], test["user_category"], label="user_category"),
        *(split_rows(X, names, n_train) for X, names in aggregates),
    )


def _abandoned_cart(train: pd.DataFrame, test: pd.DataFrame) -> Block:
    import scipy.sparse as sp

    def column(frame: pd.DataFrame) -> sp.csr_matrix:
        cart = frame["abandoned_cart"].str.upper() == "TRUE"
        return sp.csr_matrix(cart.to_numpy(dtype=np.float32)[:, None])

    return column(train), column(test), ["abandoned_cart"]


SAMPLE = SyntheticSample("ClickStream", generate, SCALES, prepare)
load = TABLES.loader(prepare, "ClickStream files")
synthesize = SAMPLE.synthesize


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
    synthesize=SAMPLE.synthesize,
    build_features=build_features,
    submission=LabelJSON(key="target", labels=CLASSES),
    default_models=("logreg", "lgbm"),
    synthetic_sizes=SAMPLE.synthetic_sizes,
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
    write_files=TABLES.write_files,
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
    source=DataSource(
        "repository",
        "https://github.com/PabloSanchez87/Smart-Strategies-for-an-Effective-Marketing-Campaign---Classification",
        published="by NUWE for its ClickStream marketing challenge (2024)",
        note="the challenge template's train/ and test/ folders; clone the repository and give "
        "--data-dir",
    ),
)
