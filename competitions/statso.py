"""STATSO "User Profiling and Segmentation" (statso.io case study): segment 1,000 social-media
users for ad targeting. There is no target; the task is unsupervised segmentation, scored by
silhouette, and the output is ``assignments.csv`` (``User ID,cluster``).

File: ``user_profiles_for_ads.csv`` (plain or gzipped), one row per user: ``User ID``; ``Age``
and ``Income Level`` as bins ("18-24" .. "65+", "0-20k" .. "100k+"); the nominal ``Gender``,
``Location``, ``Language``, ``Education Level`` and ``Device Usage``; seven measurements (likes
and reactions, followed accounts, hours online on weekdays and weekends, click-through and
conversion rates, ad interaction seconds); and ``Top Interests``, a quoted comma-separated list
of 1 to 4 of 16 interests ("Gaming, DIY Crafts").

The loader checks every column is there and every bin is known (a DataError names the file,
line and value), and drops rows that repeat a ``User ID`` (the first is kept) or have none,
with a counted warning. A physically impossible measurement (negative, infinite, a rate above
1, more than 24 hours a day: :data:`LIMITS`) is made missing with a counted warning.
``dataset.train`` keeps the readable columns, indexed by ``User ID``.

Encodings (:func:`build_features`): the bins become ordinals ranked by their
lower bound (``Age (ordinal)`` 0..5, ``Income Level (ordinal)`` 0..5); each interest becomes a
0/1 column ``interest=<name>``; each nominal field one 0/1 column per category
(``Gender=Female``). Scaling: the measurements and ordinals are standardised (mean 0, variance
1). The 0/1 columns are left as they are: two users who differ in one nominal field are then
sqrt(2) apart on it, about the typical gap between two users on one standardised column
(expected squared gap 2(1 - sum p^2) against 2), so each field weighs about as much as one
measurement, while standardising 0/1 columns would give a field with many rare categories many
times the weight of a measurement. The 16 interests together weigh about two measurements.
Rows are clustered together, with no held-out rows, so fitting on all of them leaks nothing.
The segmentation (:func:`build_segmentation`) clusters the case study's own features
(:data:`CLUSTERED`: age, gender, income, likes, hours online, CTR) and profiles every column.

Missing values (the real file has none): a missing measurement or bin is the column's median
in the matrix and stays missing in the profile; a missing nominal value is its own category
``Unknown``; a missing interest list means no interests.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from competitions.kit import (
    Column,
    SyntheticSample,
    Table,
    Tables,
    check_values,
    require_values,
)
from competitions.sources import DataSource
from competitions.spec import CompetitionSpec, Dataset, Question, Segmentation
from competitions.statso_sample import (
    AGE_BINS,
    COLUMNS,
    ID,
    INCOME_BINS,
    NOMINAL_COUNTS,
    NUMERIC,
    SCALES,
    generate,
)
from core.atomic import write_bytes
from core.folds import FoldScheme
from features.base import FeatureSet
from submissions.formats import AssignmentsCSV

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

BINS = {"Age": AGE_BINS, "Income Level": INCOME_BINS}  # each in order of its lower bound
NOMINAL = tuple(NOMINAL_COUNTS)
INTERESTS = "Top Interests"
MISSING = "Unknown"
# What each measurement can physically be: counts, seconds and hours are not negative, a day
# has 24 hours, a rate is a share.
LIMITS: dict[str, tuple[float, float | None]] = {
    "Time Spent Online (hrs/weekday)": (0, 24), "Time Spent Online (hrs/weekend)": (0, 24),
    "Click-Through Rates (CTR)": (0, 1), "Conversion Rates": (0, 1),
}  # fmt: skip
# Measurements are read as floats so that an empty cell is a missing value, not an error.
TABLE = tuple(
    Column(name, "float", low=LIMITS.get(name, (0, None))[0], high=LIMITS.get(name, (0, None))[1])
    if name in NUMERIC
    else Column(name, "str")
    for name in COLUMNS
)


TABLES = Tables((Table("user_profiles_for_ads", TABLE, role="users"),))
FILE = TABLES.files[0]


def prepare(
    raw: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str] | None = None,
    *,
    source: str,
    synthetic: bool = False,
    truth: np.ndarray | None = None,
) -> Dataset:
    """Validate and clean the file's rows (indexed by data row, so row ``i`` is line ``i + 2``)."""
    label = TABLES.labels(labels)["user_profiles_for_ads"]
    frame = raw["user_profiles_for_ads"]
    # Every user is segmented, so an impossible measurement becomes missing (then imputed).
    frame = check_values(frame.copy(), TABLE, label, keep_rows=True)
    for name in (c.name for c in TABLE if c.kind == "str"):
        text = frame[name].astype("str").str.strip()
        frame[name] = text.where(frame[name].notna() & (text != ""))
    for name, bins in BINS.items():
        present = frame[name].notna()
        require_values(frame[present], name, bins, label)
    frame = _drop_rows(frame, frame[ID].isna(), label, "without a User ID")
    frame = _drop_rows(
        frame, frame[ID].duplicated(), label, "repeating a User ID (the first row is kept)"
    )
    missing = frame.isna().sum()
    if missing.any():
        log.warning(
            "%s: missing values (%s): measurements and bins are imputed with the median, "
            "nominal fields become %r, a missing interest list means none",
            label, ", ".join(f"{c} {n}" for c, n in missing[missing > 0].items()), MISSING,
        )  # fmt: skip
    train = frame.set_index(ID)
    return Dataset(
        train=train,
        test=train.iloc[:0],
        y=np.zeros(0, dtype=np.int64),
        classes=(),
        source=source,
        synthetic=synthetic,
        file_labels=(label, "none: every user is segmented"),
    )


def _drop_rows(frame: pd.DataFrame, drop: pd.Series, label: str, what: str) -> pd.DataFrame:
    if drop.any():
        first = int(frame.index[drop.to_numpy()][0])
        log.warning(
            "%s: dropped %d rows %s (e.g. line %d, User ID %r)",
            label, int(drop.sum()), what, first + 2, frame[ID].loc[first],
        )  # fmt: skip
    return frame[~drop.to_numpy()]


def ordinals(values: pd.Series, bins: tuple[str, ...]) -> pd.Series:
    """Each bin's rank (0 for the lowest); missing values stay missing."""
    return values.map({b: i for i, b in enumerate(bins)}).astype("float64")


def interest_columns(lists: pd.Series) -> pd.DataFrame:
    """One 0/1 column ``interest=<name>`` per interest named in the comma-separated lists."""
    import pandas as pd

    items = lists.reset_index(drop=True).fillna("").str.split(",").explode().str.strip()
    items = items[items != ""]
    vocab = sorted(set(items))
    matrix = np.zeros((len(lists), len(vocab)), dtype=np.int8)
    matrix[items.index.to_numpy(), np.searchsorted(vocab, items.to_numpy())] = 1
    return pd.DataFrame(matrix, index=lists.index, columns=[f"interest={v}" for v in vocab])


def profile_frame(train: pd.DataFrame) -> pd.DataFrame:
    """Readable columns to profile clusters with: the bins as strings and as ordinals, the
    nominal fields as strings, the measurements, and the interests as 0/1 (means are shares)."""
    import pandas as pd

    parts: dict[str, pd.Series] = {}
    for name, bins in BINS.items():
        parts[name] = train[name].fillna(MISSING)
        parts[f"{name} (ordinal)"] = ordinals(train[name], bins)
    for name in NOMINAL:
        parts[name] = train[name].fillna(MISSING)
    for name in NUMERIC:
        parts[name] = train[name].astype("float64")
    return pd.concat([pd.DataFrame(parts), interest_columns(train[INTERESTS])], axis=1)


def scaled_matrix(profile: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """The matrix to cluster: standardised measurements and ordinals, then 0/1 nominal and
    interest columns (see the module docstring for why those are not rescaled)."""
    continuous = [f"{name} (ordinal)" for name in BINS] + list(NUMERIC)
    frame = profile[continuous].astype("float64")
    values = frame.fillna(frame.median()).fillna(0.0).to_numpy()  # 0: a column with no values
    std = values.std(axis=0)
    scaled = (values - values.mean(axis=0)) / np.where(std > 0, std, 1.0)
    blocks, names = [scaled], list(continuous)
    for name in NOMINAL:
        categories = sorted(profile[name].unique())
        blocks.append((profile[name].to_numpy()[:, None] == np.array(categories)).astype(float))
        names += [f"{name}={c}" for c in categories]
    interests = [c for c in profile.columns if c.startswith("interest=")]
    blocks.append(profile[interests].to_numpy(dtype=np.float64))
    return np.hstack(blocks), names + interests


# The case study's segmentation features: age, gender, income, likes, hours online on weekdays
# and weekends, and CTR. Every other column is profiled but not clustered: with all 43 encoded
# columns the silhouette on the real file falls from about 0.12 to 0.05 for every K, because
# the other fields are independent of these (shuffling them changes nothing).
CLUSTERED = (
    "Age (ordinal)", "Income Level (ordinal)", "Likes and Reactions",
    "Time Spent Online (hrs/weekday)", "Time Spent Online (hrs/weekend)",
    "Click-Through Rates (CTR)", "Gender=",
)  # fmt: skip


def build_features(dataset: Dataset) -> FeatureSet:
    """Every encoded column, scaled (see the module docstring)."""
    import scipy.sparse as sp

    X, names = scaled_matrix(profile_frame(dataset.train))
    return FeatureSet(
        sp.csr_matrix(X, dtype=np.float32),
        sp.csr_matrix((0, X.shape[1]), dtype=np.float32),
        tuple(names),
    )


def build_segmentation(dataset: Dataset) -> tuple[FeatureSet, pd.DataFrame]:
    """The :data:`CLUSTERED` columns of the scaled matrix, and the full readable profile."""
    features = build_features(dataset)
    keep = [i for i, name in enumerate(features.names) if name.startswith(CLUSTERED)]
    clustered = FeatureSet(
        features.X_train[:, keep], features.X_test[:, keep], tuple(features.names[i] for i in keep)
    )
    return clustered, profile_frame(dataset.train)


SAMPLE = SyntheticSample(
    "STATSO", generate, {scale: {"n": n} for scale, n in SCALES.items()}, prepare, ("n", None)
)
load = TABLES.loader(prepare, "STATSO user profiles")
synthesize = SAMPLE.synthesize
from_sample = SAMPLE.dataset


def write_files(dataset: Dataset, folder: Path) -> None:
    """Write the users in the real file's layout (whole numbers without a decimal point, the
    interest lists quoted)."""
    frame = dataset.train.reset_index()[list(COLUMNS)]
    for name, (_, _, decimals) in NUMERIC.items():
        if decimals == 0:
            frame[name] = frame[name].round().astype("Int64")
    path = folder / FILE.name
    write_bytes(path, frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def _mean_of(column: str) -> Question:
    def per_cluster(profile: pd.DataFrame, labels: np.ndarray) -> pd.Series:
        return profile[column].groupby(labels).mean()

    return Question(
        f"Which segment has the highest {column}?", f"mean {column}", per_cluster, additive=False
    )


QUESTIONS = tuple(
    _mean_of(column)
    for column in (
        "Click-Through Rates (CTR)",
        "Conversion Rates",
        "Time Spent Online (hrs/weekend)",
        "Income Level (ordinal)",
    )
)

SPEC = CompetitionSpec(
    name="statso",
    title="STATSO user profiling and segmentation for ads",
    task="segmentation",
    target="",
    id_column=ID,
    metric="silhouette",
    folds=FoldScheme("stratified"),  # unused: a segmentation has no folds
    files=(FILE,),
    load=load,
    synthesize=SAMPLE.synthesize,
    build_features=build_features,
    submission=AssignmentsCSV(id_column=ID),
    default_models=(),
    synthetic_sizes=SAMPLE.synthetic_sizes,
    notes=(
        "1,000 ad-platform users (demographics, activity, interests), no target: segment them "
        "(silhouette); the real data has weak cluster structure."
    ),
    segmentation=Segmentation(build=build_segmentation, k_range=(2, 10), questions=QUESTIONS),
    write_files=write_files,
    source=DataSource(
        "repository",
        "https://github.com/Hamdan-AI/AICP-internship-task-3-User-Profiling-and-Segmentation-",
        published="by statso.io as a user-profiling case study",
        note="user_profiles_for_ads.csv; clone the repository and give --data-dir",
    ),
)
