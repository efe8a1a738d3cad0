"""Competitions and models from outside the package: ``--plugin path/to/module.py``.

A plugin file is a Python module that defines ``SPEC``, a
:class:`~competitions.spec.CompetitionSpec`, and/or model classes decorated with
:func:`models.base.register_model`; podium imports it and registers what it defines. Modules
beside the file import each other as they would in a script (its folder is added to the end of
``sys.path``). Installed packages use the entry-point groups ``podium.competitions`` and
``podium.models`` instead (:class:`core.registry.Registry`), imported only when a name of
theirs is looked up.

The files a run loaded are recorded in its ``options.json`` (``plugins``), so ``--resume``
loads them again, and fold worker processes load them before they make a model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from competitions import COMPETITIONS, CompetitionSpec
from core.errors import ConfigError, PodiumError
from models import MODELS

log = logging.getLogger(__name__)

HOW = (
    "A plugin is a Python file that defines SPEC = CompetitionSpec(...) and/or model classes "
    "decorated with @register_model (see docs/new-competition.md)"
)


@dataclass(frozen=True)
class _Loaded:
    digest: str
    module: ModuleType
    competitions: tuple[str, ...]
    models: tuple[str, ...]


# Plugin files loaded in this process, by resolved path, in the order they were loaded.
_LOADED: dict[str, _Loaded] = {}
# Folders added to sys.path for plugin files.
_FOLDERS: list[str] = []


def load_plugins(paths: Iterable[str | Path]) -> tuple[str, ...]:
    """Load each plugin file (see :func:`load_plugin`); their resolved paths, in order."""
    return tuple(str(load_plugin(path)) for path in paths)


def loaded_plugins() -> tuple[str, ...]:
    """The resolved paths of the plugin files loaded in this process."""
    return tuple(_LOADED)


def load_plugin(path: str | Path) -> Path:
    """Import the plugin file at ``path`` and register its competition and models.

    Loading the same file again does nothing while it is unchanged; an edited file replaces
    what it registered before. Every problem is a one-paragraph ConfigError naming the file.
    """
    file = Path(path).expanduser()
    if not file.is_file():
        raise ConfigError(
            f"--plugin {path}: no such file. Give the path of a Python file (.py). {HOW}"
        )
    if file.suffix != ".py":
        raise ConfigError(f"--plugin {path}: not a Python file (.py). {HOW}")
    file = file.resolve()
    source = file.read_bytes()
    digest = hashlib.blake2b(source, digest_size=16).hexdigest()
    key = str(file)
    earlier = _LOADED.get(key)
    if earlier is not None and earlier.digest == digest:
        return file
    if earlier is not None:
        _forget(earlier)
    name = _module_name(file, earlier)
    folder = str(file.parent)
    if folder not in sys.path:
        sys.path.append(folder)  # at the end: the plugin's neighbours never shadow a library
        _FOLDERS.append(folder)
    models_before = set(MODELS.names())
    try:
        module = _execute(file, name)
    except ConfigError:
        for model in set(MODELS.names()) - models_before:  # registered before the failure
            MODELS.remove(model)
        raise
    models = tuple(sorted(set(MODELS.names()) - models_before))
    spec = getattr(module, "SPEC", None)
    if spec is not None and not isinstance(spec, CompetitionSpec):
        _forget(_Loaded(digest, module, (), models))
        raise ConfigError(
            f"--plugin {file}: SPEC is a {type(spec).__name__}, not a CompetitionSpec. {HOW}"
        )
    if spec is None and not models:
        _forget(_Loaded(digest, module, (), models))
        raise ConfigError(f"--plugin {file}: it defines no SPEC and registers no model. {HOW}")
    comps: tuple[str, ...] = ()
    if spec is not None:
        try:
            COMPETITIONS.add(spec.name, spec)
        except ValueError as error:
            _forget(_Loaded(digest, module, (), models))
            raise ConfigError(f"--plugin {file}: {error}") from None
        comps = (spec.name,)
    _LOADED[key] = _Loaded(digest, module, comps, models)
    log.debug("Plugin %s: competitions %s, models %s", file, comps, models)
    return file


def unload_plugins() -> None:
    """Unregister every plugin file's competitions and models and forget its modules, and the
    modules beside it (for tests, and a process that loads edited plugins again)."""
    for loaded in list(_LOADED.values()):
        _forget(loaded)
    for folder in _FOLDERS:
        for name, module in list(sys.modules.items()):
            origin = getattr(module, "__file__", None)
            if origin is not None and Path(origin).resolve().is_relative_to(folder):
                del sys.modules[name]
        if folder in sys.path:
            sys.path.remove(folder)
    _FOLDERS.clear()
    importlib.invalidate_caches()


def _module_name(file: Path, earlier: _Loaded | None) -> str:
    """The plugin's module name, its file's stem (as when run as a script), so that worker
    processes and pickles find its classes under the same name."""
    name = file.stem
    if not name.isidentifier():
        raise ConfigError(
            f"--plugin {file}: {name!r} is not a valid module name; rename the file to letters, "
            "digits and underscores (e.g. my_competition.py)"
        )
    taken = sys.modules.get(name)
    if taken is not None and (earlier is None or taken is not earlier.module):
        where = getattr(taken, "__file__", None) or "built in"
        raise ConfigError(
            f"--plugin {file}: a module named {name!r} is already imported ({where}); rename "
            "the plugin file"
        )
    if taken is None:
        found = importlib.util.find_spec(name) if name not in sys.builtin_module_names else None
        origin = None if found is None else found.origin
        if name in sys.builtin_module_names or (origin is not None and Path(origin) != file):
            raise ConfigError(
                f"--plugin {file}: its name would hide the module {name!r} "
                f"({origin or 'built in'}); rename the plugin file"
            )
    return name


def _execute(file: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as error:
        del sys.modules[name]
        if isinstance(error, KeyboardInterrupt | SystemExit):
            raise
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == str(file)]
        line = f" (line {frames[-1].lineno})" if frames else ""
        what = str(error) if isinstance(error, PodiumError) else f"{type(error).__name__}: {error}"
        raise ConfigError(
            f"--plugin {file}: importing it failed{line}: {what}. Fix the file and run the "
            "command again"
        ) from error
    return module


def _forget(loaded: _Loaded) -> None:
    """Unregister what a plugin file registered (before it is loaded again, or on an error)."""
    for name in loaded.competitions:
        COMPETITIONS.remove(name)
    for name in loaded.models:
        MODELS.remove(name)
    if sys.modules.get(loaded.module.__name__) is loaded.module:
        del sys.modules[loaded.module.__name__]
    _LOADED.pop(str(loaded.module.__file__), None)
