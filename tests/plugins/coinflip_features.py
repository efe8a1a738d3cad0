"""Coinflip's features: its numeric columns and a one-hot city."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from competitions.spec import Dataset
from features.base import FeatureSet

CITIES = ("north", "south", "east", "west")


def _matrix(users: pd.DataFrame) -> sp.csr_matrix:
    columns = [users["age"].to_numpy(float), users["visits"].to_numpy(float)]
    columns += [(users["city"] == city).to_numpy(float) for city in CITIES]
    return sp.csr_matrix(np.column_stack(columns))


def build_features(dataset: Dataset) -> FeatureSet:
    names = ("age", "visits", *(f"city={city}" for city in CITIES))
    return FeatureSet(_matrix(dataset.train), _matrix(dataset.test), names)
