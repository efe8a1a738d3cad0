"""Hotstar "Predict the Segment" (IndiaHacks 2017).

Files: ``train_data.json`` and ``test_data.json`` (plain or gzipped), each one JSON object keyed
by a masked user ID (``train-121672``, ``test-0``). Each value holds the string fields
``titles``, ``genres``, ``cities``, ``tod`` and ``dow`` as ``key:seconds`` pairs and, in train
only, ``segment`` ("pos" or "neg"). The submission is ``ID,segment`` with P(pos); the metric is
ROC AUC.
"""

from __future__ import annotations

import gzip
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from competitions.hotstar_sample import SOAPS, SPORTS, generate
from competitions.kit import SyntheticSample, read_bytes, refuse_overlap
from competitions.sources import DataSource
from competitions.spec import CompetitionSpec, DataFile, Dataset
from core.atomic import write_bytes
from core.errors import DataError
from core.folds import FoldScheme
from features.base import FeatureSet
from features.clusters import ClusterView
from features.usage import FieldSpec, UsageFeatures
from submissions.formats import ProbabilityCSV

if TYPE_CHECKING:
    import pandas as pd

FIELDS = ("titles", "genres", "cities", "tod", "dow")
TARGET = "segment"
CLASSES = ("neg", "pos")
TRAIN_FILE = DataFile(("train_data.json", "train_data.json.gz"), role="labelled users")
TEST_FILE = DataFile(("test_data.json", "test_data.json.gz"), role="users to predict")
SIZES: dict[str, dict[str, int]] = {
    "small": {"n_train": 40_000, "n_test": 20_000},
    "full": {"n_train": 200_000, "n_test": 100_000},
}

FEATURES = UsageFeatures(
    (
        FieldSpec("genres", "genre", groups=(("sports", SPORTS), ("soaps", SOAPS))),
        FieldSpec("tod", "tod", domain=tuple(str(h) for h in range(24))),
        FieldSpec("dow", "dow", domain=tuple(str(d) for d in range(1, 8))),
        FieldSpec("cities", "city", min_count=20),
        FieldSpec("titles", "title", free_text=True, min_count=20, value="log_seconds"),
    )
)


def load(files: Mapping[str, Path]) -> Dataset:
    train_path, test_path = files[TRAIN_FILE.name], files[TEST_FILE.name]
    raw = {
        "train": read_users(train_path, labelled=True),
        "test": read_users(test_path, labelled=False),
    }
    labels = {"train": str(train_path), "test": str(test_path)}
    return prepare(raw, labels, source=f"{train_path} and {test_path}")


def prepare(
    raw: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str] | None = None,
    *,
    source: str,
    synthetic: bool = False,
    truth: np.ndarray | None = None,
) -> Dataset:
    """The users of both files (as :func:`read_users` gives them) as a Dataset."""
    train, test = raw["train"], raw["test"]
    labels = labels or {"train": "synthetic train", "test": "synthetic test"}
    refuse_overlap(
        train.index, test.index, labels["test"],
        f"{{n}} users are also in {Path(labels['train']).name}, e.g. {{example!r}}: a user to "
        "predict cannot be a training user; remove them from one of the files",
    )  # fmt: skip
    return Dataset(
        train=train.drop(columns=TARGET),
        test=test,
        y=(train[TARGET] == "pos").to_numpy(dtype=np.int64),
        classes=CLASSES,
        source=source,
        synthetic=synthetic,
        truth=truth,
        file_labels=(labels["train"], labels["test"]),
    )


def read_users(path: Path, *, labelled: bool) -> pd.DataFrame:
    """One frame row per user, indexed by ID, with the raw ``key:seconds`` strings."""
    import pandas as pd

    raw = read_bytes(path)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise DataError(
            f"{path}: malformed JSON at line {error.lineno}, column {error.colno} "
            f"(character {error.pos}): {error.msg}"
        ) from None
    if not isinstance(data, dict):
        raise DataError(
            f"{path}: expected one JSON object keyed by user ID, found a JSON {type(data).__name__}"
        )
    if not data:
        raise DataError(f"{path}: holds no users")
    ids = list(data)
    records: list[Any] = list(data.values())
    columns: dict[str, list[Any]] = {}
    for field in FIELDS + ((TARGET,) if labelled else ()):
        missing = None if field == TARGET else ""  # a user may lack a field, never the label
        values = [r.get(field, missing) if isinstance(r, dict) else None for r in records]
        if not all(isinstance(v, str) for v in values):
            _raise_bad_value(path, ids, records, values, field)
        columns[field] = values
    frame = pd.DataFrame(columns, index=pd.Index(ids, name="ID"))
    if labelled:
        bad = ~frame[TARGET].isin(CLASSES)
        if bad.any():
            user = frame.index[bad.to_numpy()][0]
            raise DataError(
                f"{path}: user {user!r} has segment {frame.at[user, TARGET]!r}; "
                f"expected 'pos' or 'neg' "
                f"({int(bad.sum())} users affected)"
            )
    return frame


def _raise_bad_value(
    path: Path, ids: list[str], records: list[Any], values: list[Any], field: str
) -> None:
    i = next(i for i, v in enumerate(values) if not isinstance(v, str))
    if not isinstance(records[i], dict):
        raise DataError(
            f"{path}: user {ids[i]!r} is a JSON {type(records[i]).__name__}, expected an object"
        )
    if field == TARGET and field not in records[i]:
        raise DataError(
            f"{path}: user {ids[i]!r} has no 'segment' (training users need 'pos' or 'neg')"
        )
    raise DataError(
        f"{path}: user {ids[i]!r}, field {field!r} is a JSON {type(values[i]).__name__}; "
        "expected a string of key:seconds pairs"
    )


SAMPLE = SyntheticSample("Hotstar", generate, SIZES, prepare)
synthesize = SAMPLE.synthesize


def synthetic_dataset(
    n_train: int, n_test: int, seed: int, label: str = "custom", shift: float = 0.0
) -> Dataset:
    """The synthetic sample at any size (tests, benchmarks); ``shift`` > 0 draws the test users
    from shifted tastes (see :func:`competitions.hotstar_sample.generate`)."""
    sample = generate(n_train, n_test, seed, shift=shift)
    name = f"{label}, seed {seed}" + (f", test shifted by {shift:g}" if shift else "")
    return SAMPLE.dataset(sample, name)


def write_files(dataset: Dataset, folder: Path, *, gzip_files: bool = False) -> None:
    """Write a data set in the real files' layout (for tests, benchmarks and sharing samples)."""
    train = dataset.train.assign(**{TARGET: np.asarray(CLASSES)[dataset.y]})
    for frame, name in ((train, "train_data.json"), (dataset.test, "test_data.json")):
        payload = orjson.dumps(frame.to_dict(orient="index"))
        path = folder / (name + (".gz" if gzip_files else ""))
        write_bytes(path, gzip.compress(payload, mtime=0) if gzip_files else payload)


def build_features(dataset: Dataset) -> FeatureSet:
    return FEATURES.build(dataset.train, dataset.test, sources=dataset.file_labels)


SPEC = CompetitionSpec(
    name="hotstar",
    title='Hotstar "Predict the Segment" (IndiaHacks 2017)',
    task="binary",
    target=TARGET,
    id_column="ID",
    metric="roc_auc",
    folds=FoldScheme("stratified"),
    files=(TRAIN_FILE, TEST_FILE),
    load=load,
    synthesize=SAMPLE.synthesize,
    build_features=build_features,
    submission=ProbabilityCSV(id_column="ID", columns=("segment",)),
    default_models=("logreg", "lgbm"),
    synthetic_sizes=SAMPLE.synthetic_sizes,
    notes="Users' watch time per title, genre, city, hour and weekday; predict segment=pos.",
    # Watch-time bags of titles, genres, cities, hours and weekdays, reduced by TruncatedSVD.
    cluster_view=ClusterView(kind="svd", components=20),
    write_files=write_files,
    source=DataSource(
        "none",
        published='on HackerEarth for IndiaHacks 2017 ("Predict the Segment", Hotstar)',
        note="the hackathon's files are no longer published anywhere; only its sample "
        "submission survives, so podium runs on its synthetic sample unless you have a copy",
    ),
)
