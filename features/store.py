"""The feature store: built feature matrices cached on disk under what they were built from.

An entry's key (:class:`CacheKey`) is made of the competition, the builder, a hash of the
builder's parameters, a fingerprint of the inputs (the data files' bytes, or the synthetic
sample's recipe, plus the source code that loads and builds them, so an edited builder never
serves stale matrices), and for a fold-dependent builder a fingerprint of the fold assignment
and the target. A changed byte in any input file gives a new key, so the features are rebuilt.

Each entry is one uncompressed ``.npz`` file (sparse matrices as their CSR arrays, names and a
JSON description), written under a temporary name and renamed into place: a killed run leaves
the old entry or none, never half of one. An entry that cannot be read is rebuilt.
"""

from __future__ import annotations

import json
import logging
import time
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from core.atomic import atomic_open
from core.hashing import fingerprint
from features.base import FeatureSet, FoldFeatures

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

SUFFIX = ".npz"
T = TypeVar("T", FeatureSet, FoldFeatures)


@dataclass(frozen=True)
class CacheKey:
    competition: str
    builder: str
    inputs: str  # fingerprint of the data (files' bytes or the sample's recipe) and the code
    params: Mapping[str, Any] = field(default_factory=dict)
    folds: str | None = None  # fingerprint of the folds and target, for fold-dependent builders

    @property
    def digest(self) -> str:
        return fingerprint(
            self.competition, self.builder, dict(self.params), self.inputs, self.folds
        )

    @property
    def filename(self) -> str:
        return f"{self.builder}-{self.digest[:20]}{SUFFIX}"


class FeatureStore:
    """Get-or-build of feature matrices under ``root/<competition>/``; ``root=None`` turns
    caching off (every call builds)."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def get(self, key: CacheKey, build: Callable[[], T], kind: type[T]) -> tuple[T, bool]:
        """The cached value of ``key``, or ``build()``'s result, which is then cached.
        Returns the value and whether it came from the cache."""
        if self.root is None:
            return build(), False
        path = self.root / key.competition / key.filename
        if path.exists():
            try:
                value = read_entry(path)
                if isinstance(value, kind):
                    return value, True
                raise ValueError(f"it holds {type(value).__name__}, not {kind.__name__}")
            except Exception as error:  # empty, truncated or garbage: any of numpy's errors
                log.warning(
                    "Feature cache entry %s is unreadable (%s: %s); removed, rebuilding it",
                    path, type(error).__name__, error,
                )  # fmt: skip
                path.unlink(missing_ok=True)
        built = build()
        arrays = _encode(built)
        meta = {
            "competition": key.competition,
            "builder": key.builder,
            "params": dict(key.params),
            "fold_dependent": key.folds is not None,
            "created": time.strftime("%Y-%m-%d %H:%M:%S"),
            "shape": _shape(built),
        }
        arrays["meta"] = np.array(json.dumps(meta, default=str))
        with atomic_open(path, "wb") as handle:
            np.savez(handle, **arrays)  # type: ignore[arg-type]
        return built, False


def cache_entries(roots: Iterable[Path]) -> pd.DataFrame:
    """One row per cached entry under ``roots``: what it is, how big, and when it was made."""
    import pandas as pd

    rows = []
    for root in roots:
        for path in sorted(root.glob(f"*/*{SUFFIX}")):
            try:
                with np.load(path, allow_pickle=False) as archive:
                    meta = json.loads(str(archive["meta"]))
            except (OSError, ValueError, KeyError, zipfile.BadZipFile):
                meta = {"builder": "(unreadable)"}
            rows.append(
                {
                    "competition": meta.get("competition", path.parent.name),
                    "builder": meta.get("builder", ""),
                    "params": json.dumps(meta.get("params", {}), sort_keys=True),
                    "rows x columns": meta.get("shape", ""),
                    "MB": path.stat().st_size / 2**20,
                    "created": meta.get("created", ""),
                    "path": str(path),
                }
            )
    return pd.DataFrame(rows)


# Encoding: every value becomes named arrays that np.load reads back without pickle.


def _shape(value: FeatureSet | FoldFeatures) -> str:
    if isinstance(value, FeatureSet):
        return f"{value.X_train.shape[0]}+{value.X_test.shape[0]} x {value.n_features}"
    return (
        f"{len(value.train[0])}+{len(value.test[0])} x {len(value.names)} x {value.n_folds} folds"
    )


def _encode(value: FeatureSet | FoldFeatures) -> dict[str, np.ndarray]:
    import scipy.sparse as sp

    arrays: dict[str, np.ndarray] = {"names": np.array(value.names, dtype=str)}
    if isinstance(value, FeatureSet):
        for label, X in (("X_train", value.X_train), ("X_test", value.X_test)):
            csr = sp.csr_matrix(X)
            arrays.update(
                {
                    f"{label}.data": csr.data,
                    f"{label}.indices": csr.indices,
                    f"{label}.indptr": csr.indptr,
                    f"{label}.shape": np.array(csr.shape),
                }
            )
        return arrays
    shared = all(block is value.train[0] for block in value.train)
    arrays["shared"] = np.array(shared)
    for k in range(1 if shared else value.n_folds):
        arrays[f"train.{k}"] = value.train[k]
        arrays[f"test.{k}"] = value.test[k]
    arrays["n_folds"] = np.array(value.n_folds)
    return arrays


def read_entry(path: Path) -> FeatureSet | FoldFeatures:
    """The value stored in one cache entry."""
    import scipy.sparse as sp

    with np.load(path, allow_pickle=False) as archive:
        names = tuple(str(n) for n in archive["names"])
        if "X_train.data" in archive.files:
            X_train, X_test = (
                sp.csr_matrix(
                    (archive[f"{m}.data"], archive[f"{m}.indices"], archive[f"{m}.indptr"]),
                    shape=tuple(archive[f"{m}.shape"]),
                )
                for m in ("X_train", "X_test")
            )
            return FeatureSet(X_train, X_test, names)
        n_folds = int(archive["n_folds"])
        if bool(archive["shared"]):
            train, test = archive["train.0"], archive["test.0"]
            return FoldFeatures(names, (train,) * n_folds, (test,) * n_folds)
        return FoldFeatures(
            names,
            tuple(archive[f"train.{k}"] for k in range(n_folds)),
            tuple(archive[f"test.{k}"] for k in range(n_folds)),
        )
