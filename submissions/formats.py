"""Submission formats. ``build`` makes the frame, ``validate`` checks it, ``write`` does both
and writes atomically, so an invalid submission is never written, not even partly."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from core.atomic import write_bytes
from core.errors import SubmissionError

if TYPE_CHECKING:
    import pandas as pd


class SubmissionFormat(Protocol):
    """What the runner needs of a format: its file name, and a validating, atomic ``write``."""

    @property
    def filename(self) -> str: ...

    def write(
        self, path: str | os.PathLike[str], ids: Sequence[str], predictions: np.ndarray
    ) -> Path: ...


def id_problems(got: set[str], expected_ids: Sequence[str]) -> list[str]:
    """What is wrong with a submission's set of IDs against the test file's."""
    want = {str(i) for i in expected_ids}
    problems = []
    if got - want:
        problems.append(
            f"{len(got - want)} IDs not in the test file, e.g. {sorted(got - want)[0]!r}"
        )
    if want - got:
        problems.append(f"{len(want - got)} test IDs missing, e.g. {sorted(want - got)[0]!r}")
    return problems


def write_csv(
    path: str | os.PathLike[str], frame: pd.DataFrame, float_format: str | None = None
) -> Path:
    """A validated frame as UTF-8 CSV with Unix line ends, written atomically."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, float_format=float_format, lineterminator="\n")
    write_bytes(path, buffer.getvalue().encode("utf-8"))
    return Path(path)


@dataclass(frozen=True)
class ProbabilityCSV:
    """A CSV of ``id_column`` followed by one probability column per entry of ``columns``.

    Probabilities are written with ``decimals`` decimals, so the same predictions always give
    the same bytes.
    """

    id_column: str
    columns: tuple[str, ...]
    filename: str = "submission.csv"
    decimals: int = 6
    rows_sum_to_one: bool = False
    # Probabilities are clipped to [clip, 1 - clip] (and rows renormalised when they must sum
    # to 1), so one confident mistake cannot cost an unbounded log loss.
    clip: float = 0.0

    def build(self, ids: Sequence[str], predictions: np.ndarray) -> pd.DataFrame:
        import pandas as pd

        values = np.asarray(predictions, dtype=np.float64)
        if values.ndim == 1:
            values = values[:, None]
        if values.shape != (len(ids), len(self.columns)):
            raise SubmissionError(
                f"{self.filename}: predictions have shape {values.shape}, expected "
                f"({len(ids)}, {len(self.columns)}) for columns {', '.join(self.columns)}"
            )
        if self.clip > 0:
            values = np.clip(values, self.clip, 1 - self.clip)
            if self.rows_sum_to_one:
                values = values / values.sum(axis=1, keepdims=True)
        frame = pd.DataFrame(values, columns=list(self.columns))
        frame.insert(0, self.id_column, [str(i) for i in ids])
        return frame

    def validate(self, frame: pd.DataFrame, expected_ids: Sequence[str]) -> None:
        problems: list[str] = []
        expected_cols = [self.id_column, *self.columns]
        if list(frame.columns) != expected_cols:
            problems.append(f"columns are {list(frame.columns)}, expected {expected_cols}")
        else:
            ids = frame[self.id_column].astype(str)
            duplicated = ids[ids.duplicated()]
            if len(duplicated):
                problems.append(f"{len(duplicated)} duplicate IDs, e.g. {duplicated.iloc[0]!r}")
            problems += id_problems(set(ids), expected_ids)
            values = frame[list(self.columns)].to_numpy(dtype=np.float64, na_value=np.nan)
            if np.isnan(values).any():
                problems.append(
                    f"{int(np.isnan(values).any(axis=1).sum())} rows have NaN probabilities"
                )
            elif (values < 0).any() or (values > 1).any():
                problems.append("probabilities outside [0, 1]")
            elif self.rows_sum_to_one and not np.allclose(values.sum(axis=1), 1.0, atol=1e-4):
                problems.append("class probabilities of a row do not sum to 1")
        if problems:
            raise SubmissionError(f"{self.filename} is not valid: " + "; ".join(problems))

    def write(
        self, path: str | os.PathLike[str], ids: Sequence[str], predictions: np.ndarray
    ) -> Path:
        frame = self.build(ids, predictions)
        self.validate(frame, ids)
        id_values = frame[self.id_column].tolist()
        if "" in id_values:  # polars quotes an empty field, pandas does not: keep pandas' bytes
            return write_csv(path, frame, float_format=f"%.{self.decimals}f")
        import polars as pl  # deferred; native formatting, the same bytes as pandas' %.6f

        # pandas formats each value in Python: 5 s for TalkingData's 112,071 x 12, 0.15 s here.
        columns: dict[str, object] = {self.id_column: pl.Series(id_values, dtype=pl.String)}
        columns.update({name: frame[name].to_numpy() for name in self.columns})
        text = pl.DataFrame(columns).write_csv(float_precision=self.decimals)
        write_bytes(path, text.encode("utf-8"))
        return Path(path)


@dataclass(frozen=True)
class LabelJSON:
    """``{"<key>": {"<id>": <label>, ...}}`` with integer labels, e.g. NUWE's predictions.json.

    ``build`` takes class probabilities (columns in ``labels`` order) or labels, and writes
    the label of the most probable class for every ID, in the given ID order.
    """

    key: str
    labels: tuple[int, ...]
    filename: str = "predictions.json"

    def build(self, ids: Sequence[str], predictions: np.ndarray) -> dict[str, dict[str, int]]:
        values = np.asarray(predictions)
        if values.ndim == 2:
            if values.shape != (len(ids), len(self.labels)):
                raise SubmissionError(
                    f"{self.filename}: predictions have shape {values.shape}, expected "
                    f"({len(ids)}, {len(self.labels)})"
                )
            values = np.asarray(self.labels)[values.argmax(axis=1)]
        elif len(values) != len(ids):
            raise SubmissionError(f"{self.filename}: {len(values)} labels for {len(ids)} IDs")
        return {self.key: {str(i): int(v) for i, v in zip(ids, values, strict=True)}}

    def validate(self, document: object, expected_ids: Sequence[str]) -> None:
        problems: list[str] = []
        if not isinstance(document, dict) or list(document) != [self.key]:
            raise SubmissionError(
                f'{self.filename} is not valid: expected {{"{self.key}": {{...}}}}'
            )
        body = document[self.key]
        if not isinstance(body, dict):
            raise SubmissionError(
                f"{self.filename} is not valid: {self.key!r} must map IDs to labels"
            )
        problems += id_problems(set(body), expected_ids)
        bad = [k for k, v in body.items() if type(v) is not int or v not in self.labels]
        if bad:
            problems.append(
                f"{len(bad)} values are not one of {list(self.labels)} as JSON integers, "
                f"e.g. {bad[0]!r}: {body[bad[0]]!r}"
            )
        if problems:
            raise SubmissionError(f"{self.filename} is not valid: " + "; ".join(problems))

    def write(
        self, path: str | os.PathLike[str], ids: Sequence[str], predictions: np.ndarray
    ) -> Path:
        document = self.build(ids, predictions)
        self.validate(document, ids)
        target = Path(path)
        write_bytes(target, (json.dumps(document, indent=2) + "\n").encode("utf-8"))
        return target


@dataclass(frozen=True)
class AssignmentsCSV:
    """A segmentation's output: ``id_column`` and the integer ``cluster`` of every row, in the
    given ID order. ``predictions`` are the cluster labels."""

    id_column: str
    filename: str = "assignments.csv"

    def build(self, ids: Sequence[str], predictions: np.ndarray) -> pd.DataFrame:
        import pandas as pd

        labels = np.asarray(predictions)
        if labels.ndim != 1 or len(labels) != len(ids):
            raise SubmissionError(
                f"{self.filename}: {labels.shape} cluster labels for {len(ids)} rows"
            )
        return pd.DataFrame({self.id_column: [str(i) for i in ids], "cluster": labels})

    def validate(self, frame: pd.DataFrame, expected_ids: Sequence[str]) -> None:
        import pandas as pd

        problems = id_problems(set(frame[self.id_column]), expected_ids)
        if frame[self.id_column].duplicated().any():
            problems.append("duplicate IDs")
        if not pd.api.types.is_integer_dtype(frame["cluster"]) or (frame["cluster"] < 0).any():
            problems.append("cluster labels must be non-negative integers")
        if problems:
            raise SubmissionError(f"{self.filename} is invalid: " + "; ".join(problems))

    def write(
        self, path: str | os.PathLike[str], ids: Sequence[str], predictions: np.ndarray
    ) -> Path:
        frame = self.build(ids, predictions)
        self.validate(frame, ids)
        return write_csv(path, frame)
