"""The typed declaration of a competition, and the data set its loader returns."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from competitions.sources import NOWHERE, DataSource
from competitions.spec_checks import check_spec
from core.folds import FoldScheme
from core.types import Task
from features.base import FeatureSet
from features.clusters import ClusterView
from submissions.formats import SubmissionFormat

if TYPE_CHECKING:
    import pandas as pd

SyntheticScale = Literal["small", "full"]
SYNTHETIC_SCALES: tuple[SyntheticScale, ...] = ("small", "full")


@dataclass(frozen=True)
class DataFile:
    """A file the loader needs, found by any of its accepted names (e.g. plain or ``.gz``)."""

    names: tuple[str, ...]
    required: bool = True
    role: str = ""

    @property
    def name(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class Dataset:
    """What a loader or a synthetic generator hands to the runner.

    ``train`` and ``test`` are indexed by the competition's ID; ``y`` holds integer class codes
    into ``classes`` (for a binary task ``classes[1]`` is the positive class).

    ``truth`` is for synthetic data only: the generator's true probabilities for each training
    row (P(positive) for a binary task, one column per class in ``classes`` order for a
    multiclass one). Scored like a model's out-of-fold predictions it is the *oracle*, the best
    any model could do, which ``run.json`` and the report show beside the leaderboard.

    ``groups`` asks for grouped folds: one group label per training row (e.g. the user of each
    impression), and no group is ever split between training and validation rows, so a model
    is validated on groups it has not seen. The spec's fold scheme must then be grouped:
    ``FoldScheme("group")``, or ``FoldScheme("stratified_group")`` to also keep each fold's
    class balance; rows that are themselves the users need no groups.

    ``raw`` is for synthetic data only: it returns the tables the data set was prepared from, by
    table name, exactly as the competition's files hold them, so ``write_files`` can write them.
    It regenerates them when called, rather than keeping them: a full-scale sample's raw tables
    are gigabytes that a run never reads again.
    """

    train: pd.DataFrame
    test: pd.DataFrame
    y: np.ndarray  # empty, with no classes, for an unlabelled (segmentation) data set
    classes: tuple[str, ...]
    source: str
    synthetic: bool = False
    # The synthetic generator's true P(positive) per training row: the oracle's prediction.
    truth: np.ndarray | None = None
    groups: np.ndarray | None = None
    file_labels: tuple[str, str] = ("train", "test")
    # Further cleaned tables a competition's features read (events, sessions, ...), by name.
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    raw: Callable[[], Mapping[str, Any]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        unlabelled = len(self.y) == 0 and not self.classes  # a segmentation data set
        if len(self.y) != len(self.train) and not unlabelled:
            raise ValueError(f"{len(self.y)} labels for {len(self.train)} training rows")
        if not self.train.index.is_unique or not self.test.index.is_unique:
            raise ValueError("train and test IDs must be unique")

    @property
    def test_ids(self) -> list[str]:
        return [str(i) for i in self.test.index]

    @property
    def train_ids(self) -> list[str]:
        return [str(i) for i in self.train.index]

    def class_balance(self) -> dict[str, int]:
        counts = np.bincount(self.y, minlength=len(self.classes))
        return {c: int(k) for c, k in zip(self.classes, counts, strict=True)}


@dataclass(frozen=True)
class Question:
    """A question a segmentation answers with a bar chart and one sentence: which cluster holds
    the most of something, e.g. "the most usage (events) by women aged 27-32".

    ``per_cluster(profile, labels)`` returns the measure per cluster label (a Series indexed by
    cluster); ``measure`` names it in the sentence and on the chart's axis.
    """

    text: str
    measure: str
    per_cluster: Callable[[pd.DataFrame, np.ndarray], pd.Series]
    # Whether the measure adds up over clusters (events do; distinct counts do not).
    additive: bool = True


@dataclass(frozen=True)
class Segmentation:
    """How a competition's rows are segmented.

    ``build(dataset)`` returns the matrix that is clustered (one row per ``dataset.train`` row,
    already scaled; ``X_test`` has no rows) and a readable profile frame with the same rows:
    its numeric columns are averaged per cluster, its text or categorical columns give each
    cluster's top categories, both with a lift against the whole population.
    """

    build: Callable[[Dataset], tuple[FeatureSet, pd.DataFrame]]
    k_range: tuple[int, int] = (2, 10)
    questions: tuple[Question, ...] = ()
    # Methods of podium.segment: kmeans, gmm, pca+kmeans, tsne+gmm.
    methods: tuple[str, ...] = ("kmeans", "gmm")
    # The registered "clusters" metric that scores every clustering and ranks the leaderboard.
    metric: str = "silhouette"


@dataclass(frozen=True)
class CompetitionSpec:
    """Everything podium needs to know about one competition. Nothing here trains a model."""

    name: str
    title: str
    task: Task | Literal["segmentation"]
    target: str
    id_column: str
    metric: str
    folds: FoldScheme
    files: tuple[DataFile, ...]
    load: Callable[[Mapping[str, Path]], Dataset]
    synthesize: Callable[[SyntheticScale, int], Dataset]
    build_features: Callable[[Dataset], FeatureSet]
    submission: SubmissionFormat
    default_models: tuple[str, ...]
    # Training and test rows of ``synthesize(scale, seed)`` at both scales: "small", the default
    # (seconds to make and to run on; the tests use it), and "full", the real competition's size
    # (``--synthetic-scale full``, for benchmarks). See competitions.kit.sample.
    synthetic_sizes: Mapping[SyntheticScale, tuple[int, int]] = field(default_factory=dict)
    notes: str = ""
    # Per-model parameter overrides that suit this competition's data, e.g. {"logreg": {"C": 0.02}}.
    model_params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # Named subsets of training rows whose out-of-fold score is reported beside the overall one.
    subsets: Callable[[Dataset], Mapping[str, np.ndarray]] | None = None
    # For label metrics (F1): also cross-validate each model with per-class decision weights
    # tuned on inner out-of-fold predictions of its training folds.
    tune_decision: bool = False
    # Cluster-membership features: the view the rows are clustered on (None: not offered), and
    # the methods used when --clusters is auto (empty: off unless asked for).
    cluster_view: ClusterView | None = None
    default_clusters: tuple[str, ...] = ()
    # High-cardinality categoricals for out-of-fold target encoding: (train, test) frames.
    categoricals: Callable[[Dataset], tuple[pd.DataFrame, pd.DataFrame]] | None = None
    default_target_encoding: bool = False
    # Unsupervised segmentation of the rows: the whole task of a "segmentation" competition,
    # and an extra view (``--segment``) of a supervised one.
    segmentation: Segmentation | None = None
    # Writes a data set from ``synthesize`` as the competition's real files in a folder, so that
    # ``load`` reads it back: the proof that the synthetic sample is faithful to the real schema.
    write_files: Callable[[Dataset, Path], None] | None = None
    # Where the files come from (``--download`` fetches a Kaggle source).
    source: DataSource = NOWHERE

    def __post_init__(self) -> None:
        check_spec(self)  # a ConfigError naming the competition and the field
