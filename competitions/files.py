"""Finding a competition's files by name, and opening plain or gzipped files."""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from pathlib import Path

from competitions.spec import DataFile
from podium.errors import DataError


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
        nested = sorted(p for p in root.rglob(name) if p.is_file())
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
