"""The task kinds and the matrix type every building block shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypeAlias

if TYPE_CHECKING:
    import numpy as np
    import scipy.sparse as sp

Task = Literal["binary", "multiclass"]
# A string, so that scipy is imported only where a matrix is built or fitted.
Matrix: TypeAlias = "sp.csr_matrix | np.ndarray"
