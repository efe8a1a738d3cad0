"""Finding a competition's files by name, and opening plain or gzipped files."""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import IO, cast

from competitions.spec import DataFile
from core.errors import DataError


def find_files(root: Path, files: Sequence[DataFile]) -> dict[str, Path]:
    """Each file's path by its primary name, looked up directly in ``root`` or in sub-folders.

    A required file that is missing raises a DataError listing every expected file and where
    podium looked. Missing optional files are simply absent from the result.
    """
    if not root.is_dir():
        raise DataError(f"data folder {str(root)!r} does not exist or is not a folder")
    found: dict[str, Path] = {}
    for spec in files:
        path = _find_one(root, spec.names)
        if path is not None:
            found[spec.name] = path
    missing = [f for f in files if f.required and f.name not in found]
    if missing:
        expected = "; ".join(
            " or ".join(f.names) + ("" if f.required else " (optional)") for f in files
        )
        raise DataError(
            f"missing {', '.join(f.name for f in missing)} in {str(root)!r} (looked directly in it "
            f"and in its sub-folders). Expected files: {expected}."
        )
    return found


def present_files(root: Path, files: Sequence[DataFile]) -> list[str]:
    """Primary names of the files that exist under ``root`` (none if it is not a folder)."""
    if not root.is_dir():
        return []
    return [f.name for f in files if _find_one(root, f.names) is not None]


def _find_one(root: Path, names: Sequence[str]) -> Path | None:
    for name in names:
        direct = root / name
        if direct.is_file():
            return direct
    for name in names:
        nested = sorted(p for p in _walk(root, name) if p.is_file())
        if nested:
            return nested[0]
    return None


def read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when it is gzipped (by magic number, not by name)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(2)
        if head == b"\x1f\x8b":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (OSError, EOFError) as error:
        raise DataError(f"{path}: cannot be read: {error}") from error


# The longest line a table may have. Real rows are a few hundred bytes; a longer line is a
# runaway quote or a corrupted cell, and readers size their buffers (and fixed-width string
# arrays) by the longest value, so it is refused before it is parsed.
MAX_LINE_BYTES = 1 << 20


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def open_lines(path: Path, max_line: int = MAX_LINE_BYTES) -> io.BufferedReader:
    """The file's (decompressed) bytes as a stream that raises a DataError naming the line and
    its size as soon as a line grows past ``max_line`` bytes, so no reader ever buffers it."""
    raw = cast(IO[bytes], gzip.GzipFile(path, "rb") if is_gzip(path) else path.open("rb"))
    return io.BufferedReader(_LineGuard(raw, path, max_line), buffer_size=1 << 18)


class _LineGuard(io.RawIOBase):
    """Counts lines and the length of the current one over the chunks a reader asks for."""

    def __init__(self, raw: IO[bytes], path: Path, max_line: int) -> None:
        self._raw, self._path, self._max = raw, path, max_line
        self._lines = 0  # newlines before the current line
        self._current = 0  # bytes of the current line seen so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        # A chunk no longer than the limit can only hold a too-long line at its ends.
        chunk = self._raw.read(min(len(buffer), self._max))
        self._check(chunk)
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self._raw.close()
        super().close()

    def _check(self, chunk: bytes) -> None:
        first = chunk.find(b"\n")
        if first < 0:
            self._current += len(chunk)
            if self._current > self._max:
                self._refuse(complete=False)
            return
        if self._current + first > self._max:
            self._current += first
            self._refuse(complete=True)
        self._lines += chunk.count(b"\n")
        self._current = len(chunk) - chunk.rfind(b"\n") - 1

    def _refuse(self, *, complete: bool) -> None:
        """Measure the whole line without keeping it, then stop the read."""
        while not complete:
            piece = self._raw.read(1 << 20)
            end = piece.find(b"\n")
            self._current += len(piece) if end < 0 else end
            complete = not piece or end >= 0
        raise DataError(
            f"{self._path}: line {self._lines + 1} is {self._current:,} bytes long, over the "
            f"limit of {self._max:,} bytes per line (a corrupted cell or an unclosed quote?): "
            "fix or remove that line"
        )


def _walk(root: Path, name: str) -> list[Path]:
    """Files called ``name`` under ``root``, following symlinked folders (``Path.rglob`` does
    not before Python 3.13), each real folder visited once so a link loop cannot recurse."""
    found: list[Path] = []
    seen: set[Path] = set()
    for folder, _, filenames in os.walk(root, followlinks=True):
        real = Path(folder).resolve()
        if real in seen:
            continue
        seen.add(real)
        if name in filenames:
            found.append(Path(folder) / name)
    return found
