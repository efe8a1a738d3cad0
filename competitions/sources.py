"""Where a competition's files come from (:attr:`CompetitionSpec.source`), declared.

``python run.py --comp NAME --download`` fetches a Kaggle competition's or a Kaggle data set's
files with the official ``kaggle`` client (:mod:`podium.download`); a public repository is
named with its address for the user to fetch; a source that is gone says where the data was
published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SourceKind = Literal["kaggle-competition", "kaggle-dataset", "repository", "none"]


@dataclass(frozen=True)
class DataSource:
    """``kind``: a Kaggle competition or data set (``ref`` is its slug, ``owner/name`` for a
    data set), a public repository (``ref`` is its address), or none (the data is gone).
    ``published`` says where the data was first published; ``note`` anything a user should
    know (such as which files a repository holds)."""

    kind: SourceKind
    ref: str = ""
    published: str = ""
    note: str = ""

    @property
    def downloadable(self) -> bool:
        """Whether ``--download`` can fetch it (Kaggle's client)."""
        return self.kind in ("kaggle-competition", "kaggle-dataset")

    @property
    def submittable(self) -> bool:
        """Whether ``--submit`` can send a submission to it (Kaggle competitions only)."""
        return self.kind == "kaggle-competition"

    def describe(self) -> str:
        where = {
            "kaggle-competition": f"the Kaggle competition {self.ref} "
            f"(https://www.kaggle.com/c/{self.ref})",
            "kaggle-dataset": f"the Kaggle data set {self.ref} "
            f"(https://www.kaggle.com/datasets/{self.ref})",
            "repository": f"the public repository {self.ref}",
            "none": "no public copy",
        }[self.kind]
        parts = [where]
        if self.published:
            parts.append(f"first published {self.published}")
        if self.note:
            parts.append(self.note)
        return "; ".join(parts)


NOWHERE = DataSource("none", note="no source declared")
