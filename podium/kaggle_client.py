"""The one door to Kaggle: the official ``kaggle`` client (the optional extra ``.[kaggle]``),
imported only here and only when a user asks to download or submit. Tests replace
:func:`kaggle_api` with a stand-in.

``import kaggle`` authenticates as it is imported and fails (or exits) without credentials, so
:func:`credentials_problem` is checked first, and its message says which file to create.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from core.errors import ConfigError

TOKEN_HELP = (
    'create an API token on https://www.kaggle.com/settings ("Create New Token") and save it '
    "as {file} (chmod 600), or set KAGGLE_USERNAME and KAGGLE_KEY"
)


def credentials_file() -> Path:
    """Where the client looks for ``kaggle.json``: ``$KAGGLE_CONFIG_DIR`` or ``~/.kaggle``."""
    folder = os.environ.get("KAGGLE_CONFIG_DIR")
    return (Path(folder) if folder else Path.home() / ".kaggle") / "kaggle.json"


def credentials_problem() -> str | None:
    """None when Kaggle credentials are there (the environment variables or the file), else
    what is missing."""
    if os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY"):
        return None
    token = credentials_file()
    if token.is_file():
        return None
    half = [v for v in ("KAGGLE_USERNAME", "KAGGLE_KEY") if os.environ.get(v)]
    missing = f"{token} does not exist and KAGGLE_USERNAME / KAGGLE_KEY are not both set"
    if half:
        missing += f" (only {half[0]} is)"
    return f"no Kaggle credentials: {missing}; " + TOKEN_HELP.format(file=token)


def kaggle_api() -> Any:
    """An authenticated ``KaggleApi``; a ConfigError naming what is missing (the package or
    the credentials) otherwise."""
    problem = credentials_problem()
    if problem is not None:
        raise ConfigError(problem)
    try:
        from kaggle.api.kaggle_api_extended import KaggleApi  # deferred: optional extra
    except ImportError as error:  # the package, or one of its own dependencies
        raise ConfigError(
            f"the kaggle client cannot be imported ({error}): install it with "
            'pip install -e ".[kaggle]" (or pip install kaggle)'
        ) from None
    except (OSError, SystemExit) as error:  # the package authenticates as it is imported
        raise ConfigError(f"the kaggle client refused the credentials: {error}") from None
    api = KaggleApi()
    api.authenticate()
    return api
