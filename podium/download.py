"""``--download``: fetch a competition's files from its declared source into ``data/<comp>/``.

Only a Kaggle competition or data set is downloaded, with the official client
(:func:`podium.kaggle_client.kaggle_api`, behind which tests put a stand-in). Files arrive in a
temporary folder beside ``data/<comp>/`` (same disk, so the final move is a rename), are
unpacked, and must include every file the competition requires; only then do they move into
``data/<comp>/``. A failure at any step removes the temporary folder and leaves
``data/<comp>/`` as it was.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from competitions.files import present_files
from competitions.spec import CompetitionSpec
from core.errors import ConfigError, DataError
from podium import kaggle_client

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Downloaded:
    folder: Path
    files: tuple[str, ...]  # the files moved in, relative to ``folder``
    found: tuple[str, ...]  # the competition's files among them


def download(spec: CompetitionSpec, root: Path) -> Downloaded:
    """Fetch ``spec``'s files into ``root / spec.name``; see the module docstring."""
    source = spec.source
    if not source.downloadable:
        raise ConfigError(
            f"--download: {spec.name}'s data cannot be downloaded by podium; its source: "
            f"{source.describe()}. Put the files in {root / spec.name}/ or give --data-dir"
        )
    target = root / spec.name
    api = kaggle_client.kaggle_api()  # fails here, before any folder is made
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{spec.name}-download-", dir=root) as temp:
        staging = Path(temp)
        log.info("Downloading %s into %s", source.describe().split(";")[0], target)
        try:
            if source.kind == "kaggle-competition":
                api.competition_download_files(source.ref, path=str(staging), quiet=False)
            else:
                api.dataset_download_files(source.ref, path=str(staging), quiet=False)
        except Exception as error:  # the client's HTTP and network errors have no common base
            raise ConfigError(
                f"--download: the Kaggle client could not fetch {source.ref}: {error}. Check "
                "the network, and for a competition that you accepted its rules on its page"
            ) from None
        _unpack(staging)
        _verify(spec, staging)
        return _move_in(spec, staging, target)


def _unpack(folder: Path) -> None:
    """Unzip every archive the client left (Kaggle serves a competition as one zip, and may
    zip single large files too), then remove the archives."""
    for archive in sorted(folder.rglob("*.zip")):
        try:
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(archive.parent)
        except zipfile.BadZipFile as error:
            raise DataError(f"--download: {archive.name} is not a valid zip: {error}") from None
        archive.unlink()


def _verify(spec: CompetitionSpec, folder: Path) -> None:
    found = set(present_files(folder, spec.files))
    missing = [f.name for f in spec.files if f.required and f.name not in found]
    if missing:
        arrived = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
        raise DataError(
            f"--download: {spec.source.ref} did not provide {', '.join(missing)} (it gave: "
            f"{', '.join(arrived) or 'nothing'}); nothing was written to data/{spec.name}/"
        )


def _move_in(spec: CompetitionSpec, staging: Path, target: Path) -> Downloaded:
    """Move the verified files into ``target``, never over a file already there."""
    files = sorted(p.relative_to(staging) for p in staging.rglob("*") if p.is_file())
    clashes = [str(f) for f in files if (target / f).exists()]
    if clashes:
        raise ConfigError(
            f"--download: {target}/ already holds {', '.join(clashes[:5])}: move them away "
            "first (podium does not overwrite data)"
        )
    for relative in files:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staging / relative), destination)
    found = tuple(present_files(target, spec.files))
    return Downloaded(target, tuple(str(f) for f in files), found)
