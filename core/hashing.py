"""Content hashes of arrays, sparse matrices, JSON-able values, frames and files."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

CHUNK = 1 << 20


def fingerprint(*parts: object) -> str:
    """A short content hash of arrays, sparse matrices and JSON-able values."""
    import scipy.sparse as sp

    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        if sp.issparse(part):
            csr = sp.csr_matrix(part)
            for array in (csr.data, csr.indices, csr.indptr, np.asarray(csr.shape)):
                digest.update(np.ascontiguousarray(array).tobytes())
        elif isinstance(part, np.ndarray):
            digest.update(str(part.shape).encode())
            digest.update(np.ascontiguousarray(part).tobytes())
        else:
            digest.update(json.dumps(part, sort_keys=True, default=str).encode())
        digest.update(b"\x00")
    return digest.hexdigest()


def file_fingerprint(paths: Iterable[Path]) -> str:
    """A content hash of files, by name and bytes: one changed byte changes it."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode() + b"\x00")
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        digest.update(b"\x00")
    return digest.hexdigest()


def frame_fingerprint(*frames: pd.DataFrame) -> str:
    """A content hash of data frames (values, index and column names)."""
    import pandas as pd

    digest = hashlib.blake2b(digest_size=16)
    for frame in frames:
        digest.update(json.dumps([str(c) for c in frame.columns]).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()
