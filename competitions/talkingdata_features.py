"""TalkingData's feature matrix: which generic builders run on which joined tables.

* phone: one-hot ``brand=…``, ``model=…`` (the model name alone) and ``brand_model=…``;
  models seen on fewer than 5 training devices share a ``<rare>`` column, so the sparse
  linear model does not memorise them;
* activity and geography of the device's events (:mod:`features.events`);
* bags of installed apps, of active apps and of the installed apps' labels (``app_label=…``
  with the category text), present only when the app tables are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from competitions.kit import Block, one_hot, row_bags, split_rows, stack
from competitions.spec import Dataset
from features.base import FeatureSet
from features.events import activity_features, location_features

if TYPE_CHECKING:
    import pandas as pd

MIN_MODEL_DEVICES = 5
MIN_APP_DEVICES = 5


def build(dataset: Dataset) -> FeatureSet:
    import pandas as pd

    train, test = dataset.train, dataset.test
    n_train = len(train)
    devices = pd.Index(np.concatenate([train.index.to_numpy(), test.index.to_numpy()]))
    brand_model = train["phone_brand"] + " " + train["device_model"]
    brand_model_te = test["phone_brand"] + " " + test["device_model"]
    blocks = [
        one_hot(train["phone_brand"], test["phone_brand"], label="brand"),
        one_hot(
            train["device_model"], test["device_model"], label="model", min_count=MIN_MODEL_DEVICES
        ),
        one_hot(brand_model, brand_model_te, label="brand_model", min_count=MIN_MODEL_DEVICES),
    ]
    events = dataset.tables["events"]
    row = devices.get_indexer(events["device_id"].to_numpy())
    X_activity, activity_names = activity_features(row, events["timestamp"], n_rows=len(devices))
    blocks.append(split_rows(X_activity, activity_names, n_train))
    X_geo, geo_names = location_features(
        row,
        events["longitude"].to_numpy(),
        events["latitude"].to_numpy(),
        n_rows=len(devices),
        n_train=n_train,
    )
    blocks.append(split_rows(X_geo, geo_names, n_train))
    if "app_events" in dataset.tables:
        blocks.extend(_app_blocks(dataset, events, row, n_train, len(devices)))
    return stack(*blocks)


def _app_blocks(
    dataset: Dataset, events: pd.DataFrame, event_row: np.ndarray, n_train: int, n_rows: int
) -> list[Block]:
    import pandas as pd

    app_events = dataset.tables["app_events"]
    position = pd.Index(events["event_id"].to_numpy()).get_indexer(
        app_events["event_id"].to_numpy()
    )
    row = event_row[position]
    app = app_events["app_id"].to_numpy()
    active = app_events["is_active"].to_numpy() == 1
    blocks = []
    installed_pairs = _unique_pairs(row, app)
    active_pairs = _unique_pairs(row[active], app[active])
    for label, (rows, apps) in (("app", installed_pairs), ("active_app", active_pairs)):
        blocks.append(_split(rows, apps, n_train, n_rows, label=label))
    if "app_labels" in dataset.tables:
        labels = dataset.tables["app_labels"]
        pairs = pd.DataFrame({"row": installed_pairs[0], "app_id": installed_pairs[1]})
        joined = pairs.merge(labels, on="app_id", how="inner")
        label_rows, label_ids = _unique_pairs(
            joined["row"].to_numpy(), joined["label_id"].to_numpy()
        )
        display = None
        if "label_categories" in dataset.tables:
            categories = dataset.tables["label_categories"]
            display = dict(
                zip(categories["label_id"], categories["category"].fillna(""), strict=True)
            )
        blocks.append(
            _split(label_rows, label_ids, n_train, n_rows, label="app_label", display=display)
        )
    return blocks


def _unique_pairs(row: np.ndarray, item: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    frame = pd.DataFrame({"row": row, "item": item}).drop_duplicates()
    return frame["row"].to_numpy(), frame["item"].to_numpy()


def _split(
    rows: np.ndarray,
    items: np.ndarray,
    n_train: int,
    n_rows: int,
    *,
    label: str,
    display: dict | None = None,
) -> Block:
    X, names = row_bags(
        rows, items, n_rows=n_rows, n_train=n_train, label=label, min_count=MIN_APP_DEVICES,
        display=display,
    )  # fmt: skip
    return split_rows(X, names, n_train)
