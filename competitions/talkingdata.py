"""Kaggle "TalkingData Mobile User Demographics" (2016): a device's gender-age group.

Files (the Kaggle layout, found by name in ``--data-dir`` or its sub-folders):
``gender_age_train.csv``, ``gender_age_test.csv``, ``phone_brand_device_model.csv`` and
``events.csv``; optional ``app_events.csv``, ``app_labels.csv`` and ``label_categories.csv``.
Metric: multiclass log loss over 12 groups; submission: ``device_id`` and one probability
column per group, in Kaggle's order.

Cleaning drops, with a counted warning: duplicate rows, rows about unknown devices or events,
and rows with physically impossible values, declared per column in :data:`TABLES` (events
outside the competition's week, coordinates beyond +-180 / +-90 or infinite, ages outside
0..120); an impossible device ID stops the run (:func:`competitions.kit.check_values`).
Coordinates (0, 0) and (1, 1) mean "no location".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from competitions import talkingdata_features
from competitions.kit import (
    Column,
    SyntheticSample,
    Table,
    Tables,
    check_values,
    class_codes,
    dedupe,
    drop_unknown,
    line_of,
    refuse_overlap,
)
from competitions.sources import DataSource
from competitions.spec import CompetitionSpec, Dataset, Question, Segmentation
from competitions.talkingdata_sample import GROUPS, SCALES, generate
from core.folds import FoldScheme
from features.base import FeatureSet
from features.clusters import ClusterView
from submissions.formats import ProbabilityCSV

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

# The competition's week; an event outside it (like the sample's fake 2018 row) is impossible.
EVENT_WINDOW = ("2016-04-30", "2016-05-09")
MISSING_LOCATIONS = ((0.0, 0.0), (1.0, 1.0))

TABLES = Tables(
    (
        Table(
            "gender_age_train",
            (
                Column("device_id", "int", key=True),
                # Not a feature (the group encodes it), but a non-number or an impossible age
                # says the file is not what it claims to be.
                Column("age", "int", required=False, low=0, high=120),
                Column("group", "str", key=True),
            ),
        ),
        Table("gender_age_test", (Column("device_id", "int", key=True),)),
        Table(
            "phone_brand_device_model",
            (
                Column("device_id", "int"),
                Column("phone_brand", "str"),
                Column("device_model", "str"),
            ),
        ),
        Table(
            "events",
            (
                Column("event_id", "int"),
                Column("device_id", "int"),
                Column("timestamp", "time", window=EVENT_WINDOW),
                Column("longitude", "float", low=-180, high=180),
                Column("latitude", "float", low=-90, high=90),
            ),
        ),
        Table(
            "app_events",
            (
                Column("event_id", "int"),
                Column("app_id", "int"),
                Column("is_installed", "int", low=0, high=1),
                Column("is_active", "int", low=0, high=1),
            ),
            required=False,
        ),
        Table("app_labels", (Column("app_id", "int"), Column("label_id", "int")), required=False),
        Table(
            "label_categories",
            (Column("label_id", "int"), Column("category", "str")),
            required=False,
        ),
    )
)
FILES = TABLES.files


def prepare(
    raw: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str] | None = None,
    *,
    source: str,
    synthetic: bool = False,
    truth: np.ndarray | None = None,
) -> Dataset:
    """Clean the raw tables into a Dataset. ``labels`` names each table's file in messages."""
    import pandas as pd

    labels = TABLES.labels(labels)
    columns = TABLES.columns
    raw = {
        name: check_values(frame, columns[name], labels[name], keep_rows=name == "gender_age_test")
        for name, frame in raw.items()
    }
    train = dedupe(raw["gender_age_train"], ["device_id"], labels["gender_age_train"])
    test = dedupe(raw["gender_age_test"], ["device_id"], labels["gender_age_test"])
    y = class_codes(train["group"], GROUPS, labels["gender_age_train"])
    refuse_overlap(
        train["device_id"], test["device_id"], labels["gender_age_test"],
        "{n} devices are also in the training file, e.g. {example}",
    )  # fmt: skip
    devices = pd.Index(np.concatenate([train["device_id"], test["device_id"]]))
    phone = dedupe(
        raw["phone_brand_device_model"], ["device_id"], labels["phone_brand_device_model"]
    )
    phone = _known_devices(phone, devices, labels["phone_brand_device_model"]).set_index(
        "device_id"
    )
    events = _clean_events(raw["events"], devices, labels["events"])
    tables = {"events": events}
    if "app_events" in raw:
        tables["app_events"] = _clean_app_events(raw["app_events"], events, labels["app_events"])
    for name, key in (("app_labels", ["app_id", "label_id"]), ("label_categories", ["label_id"])):
        if name in raw:
            tables[name] = dedupe(raw[name], key, labels[name])

    def frame(ids: pd.Series) -> pd.DataFrame:
        joined = phone.reindex(ids.to_numpy())[["phone_brand", "device_model"]]
        joined.index.name = "device_id"
        return joined

    return Dataset(
        train=frame(train["device_id"]),
        test=frame(test["device_id"]),
        y=y,
        classes=GROUPS,
        source=source,
        synthetic=synthetic,
        truth=truth,
        file_labels=(labels["gender_age_train"], labels["gender_age_test"]),
        tables=tables,
    )


def _known_devices(frame: pd.DataFrame, devices: pd.Index, label: str) -> pd.DataFrame:
    what = "rows about devices in neither gender_age file"
    return drop_unknown(frame, "device_id", devices, label, what)


def _clean_events(events: pd.DataFrame, devices: pd.Index, label: str) -> pd.DataFrame:
    import pandas as pd

    events = _known_devices(dedupe(events, ["event_id"], label), devices, label)
    lon = events["longitude"].to_numpy(dtype=np.float64)
    lat = events["latitude"].to_numpy(dtype=np.float64)
    missing = np.zeros(len(lon), dtype=bool)
    for lon0, lat0 in MISSING_LOCATIONS:
        missing |= (lon == lon0) & (lat == lat0)
    return pd.DataFrame(
        {
            "event_id": events["event_id"].to_numpy(),
            "device_id": events["device_id"].to_numpy(),
            "timestamp": events["timestamp"].to_numpy(),
            "longitude": np.where(missing, np.nan, lon),
            "latitude": np.where(missing, np.nan, lat),
        }
    )


def _clean_app_events(app_events: pd.DataFrame, events: pd.DataFrame, label: str) -> pd.DataFrame:
    app_events = dedupe(app_events, ["event_id", "app_id"], label)
    unknown = ~app_events["event_id"].isin(events["event_id"])
    if unknown.any():
        log.warning(
            "%s: dropped %d rows whose event is not among the kept events (e.g. line %d)",
            label, unknown.sum(), line_of(app_events, unknown),
        )  # fmt: skip
    return app_events[~unknown].reset_index(drop=True)


SAMPLE = SyntheticSample("TalkingData", generate, SCALES, prepare)
load = TABLES.loader(prepare, "TalkingData files")
synthesize = SAMPLE.synthesize


def build_features(dataset: Dataset) -> FeatureSet:
    return talkingdata_features.build(dataset)


def categoricals(dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Brand, model and brand+model: up to ~1,600 values, for out-of-fold target encoding."""
    import pandas as pd

    def frame(table: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "brand": table["phone_brand"],
                "model": table["device_model"],
                "brand_model": table["phone_brand"] + " " + table["device_model"],
            },
            index=table.index,
        )

    return frame(dataset.train), frame(dataset.test)


def segmentation_inputs(dataset: Dataset) -> tuple[FeatureSet, pd.DataFrame]:
    """The labelled devices' feature matrix (max-abs scaled, so counts do not outweigh the
    one-hot columns) and their profile: group, gender, age group, events, brand and model."""
    import pandas as pd

    features = talkingdata_features.build(dataset)
    from sklearn.preprocessing import MaxAbsScaler  # deferred: slow to import

    X = MaxAbsScaler().fit_transform(features.X_train).astype(np.float32)
    train = dataset.train
    groups = pd.Series(np.asarray(GROUPS)[dataset.y], index=train.index)
    events = dataset.tables["events"].groupby("device_id").size()
    profile = pd.DataFrame(
        {
            "group": groups,
            "gender": groups.str[0],
            "events": events.reindex(train.index, fill_value=0).astype(float),
            "brand": train["phone_brand"],
            "model": train["phone_brand"] + " " + train["device_model"],
        },
        index=train.index,
    )
    return FeatureSet(X, X[:0], features.names), profile


def _events_of(groups: tuple[str, ...]) -> Callable[[pd.DataFrame, np.ndarray], pd.Series]:
    def per_cluster(profile: pd.DataFrame, labels: np.ndarray) -> pd.Series:
        import pandas as pd

        mask = profile["group"].isin(groups).to_numpy()
        return pd.Series(profile["events"].to_numpy()[mask]).groupby(labels[mask]).sum()

    return per_cluster


def _variety_of(groups: tuple[str, ...]) -> Callable[[pd.DataFrame, np.ndarray], pd.Series]:
    def per_cluster(profile: pd.DataFrame, labels: np.ndarray) -> pd.Series:
        import pandas as pd

        mask = profile["group"].isin(groups).to_numpy()
        return pd.Series(profile["model"].to_numpy()[mask]).groupby(labels[mask]).nunique()

    return per_cluster


SEGMENTATION = Segmentation(
    build=segmentation_inputs,
    k_range=(4, 10),
    methods=("pca+kmeans", "tsne+gmm"),
    questions=(
        Question(
            "Which cluster contains the most usage by females aged 27-32 (F27-28, F29-32)?",
            "events",
            _events_of(("F27-28", "F29-32")),
        ),
        Question(
            "Which cluster contains the most device variety by males aged 29-38 (M29-31, M32-38)?",
            "distinct phone models (brand + model)",
            _variety_of(("M29-31", "M32-38")),
            additive=False,
        ),
    ),
)


def subsets(dataset: Dataset) -> dict[str, np.ndarray]:
    """Devices with and without events are two populations; each gets its own CV score."""
    has_events = dataset.train.index.isin(dataset.tables["events"]["device_id"])
    return {"with_events": has_events, "without_events": ~has_events}


SPEC = CompetitionSpec(
    name="talkingdata",
    title="TalkingData Mobile User Demographics (Kaggle 2016)",
    task="multiclass",
    target="group",
    id_column="device_id",
    metric="log_loss",
    folds=FoldScheme("stratified"),
    files=FILES,
    load=load,
    synthesize=SAMPLE.synthesize,
    build_features=build_features,
    submission=ProbabilityCSV(
        id_column="device_id", columns=GROUPS, rows_sum_to_one=True, clip=1e-6
    ),
    default_models=("logreg", "lgbm"),
    synthetic_sizes=SAMPLE.synthetic_sizes,
    notes="Devices' phone brand/model, events and apps; predict one of 12 gender-age groups.",
    model_params={
        # One-hot brands and models overfit fast: strong L2, as the source solutions used.
        "logreg": {"C": 0.01},
        "lgbm": {"num_leaves": 15, "min_data_in_leaf": 100, "lambda_l2": 5.0},
    },
    subsets=subsets,
    # Devices' app and app-category bags with their brand, reduced by TruncatedSVD.
    cluster_view=ClusterView(("app=", "app_label=", "brand="), kind="svd", components=20),
    categoricals=categoricals,
    segmentation=SEGMENTATION,
    write_files=TABLES.write_files,
    source=DataSource(
        "kaggle-competition",
        "talkingdata-mobile-user-demographics",
        published="on Kaggle by TalkingData in 2016",
        note="accept the competition's rules on its page before downloading",
    ),  # fmt: skip,
)
