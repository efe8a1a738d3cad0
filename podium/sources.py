"""The source files a competition's code depends on, wherever it lives: the key that makes the
feature cache follow the code.

Starting from the modules that define a spec's functions (``load``, ``synthesize``,
``build_features``, ...), the imports found in their source (:mod:`ast`, every ``import``
anywhere in the module, resolved with :mod:`importlib`) are followed to the *project* modules
they name: podium's own building blocks (``core``, ``features``, ``models``, ``ensembles``,
``submissions``, ``competitions``) and, for a plugin, the modules beside its file or inside its
package. Libraries and the standard library are not followed: their versions are not part of
the key. A module that nothing imports (``taobao_x.py`` beside ``taobao.py``) is not in it.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import sysconfig
from collections.abc import Callable, Iterable
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.hashing import file_fingerprint

if TYPE_CHECKING:
    from competitions.spec import CompetitionSpec

PROJECT_PACKAGES = frozenset(
    ("core", "features", "models", "ensembles", "submissions", "competitions")
)


def spec_functions(spec: CompetitionSpec) -> list[Callable[..., Any]]:
    """The functions a competition declares (the loader, sample, features and the rest)."""
    found: list[Any] = [spec.load, spec.synthesize, spec.build_features]
    found += [spec.categoricals, spec.subsets, spec.write_files]
    if spec.segmentation is not None:
        found.append(spec.segmentation.build)
        found += [q.per_cluster for q in spec.segmentation.questions]
    return [f for f in found if f is not None]


def code_fingerprint(functions: Iterable[Callable[..., Any]]) -> str:
    """A content hash of the source files of ``functions``' modules and of the project modules
    they import, transitively (see the module docstring)."""
    return file_fingerprint(source_files(functions))


def source_files(functions: Iterable[Callable[..., Any]]) -> list[Path]:
    """The files :func:`code_fingerprint` hashes, sorted."""
    start = {name for name in map(_module_name, functions) if name is not None}
    homes = [home for name in start if (home := _home(name)) is not None]
    files: dict[str, Path] = {}
    todo = sorted(start)
    while todo:
        name = todo.pop()
        if name in files:
            continue
        path = _origin(name)
        if path is None or path.suffix != ".py":
            continue
        files[name] = path
        for imported in _imports(name, path):
            if imported not in files and _in_project(imported, homes):
                todo.append(imported)
    return sorted(set(files.values()))


def _module_name(function: Any) -> str | None:
    while isinstance(function, partial):
        function = function.func
    function = getattr(function, "__func__", function)  # a bound method
    name = getattr(function, "__module__", None)
    if name is None:  # a callable object: its class's module
        name = getattr(type(function), "__module__", None)
    return name if isinstance(name, str) and name != "builtins" else None


def _origin(name: str) -> Path | None:
    module = sys.modules.get(name)
    origin = getattr(module, "__file__", None)
    if origin is None:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        origin = None if spec is None else spec.origin
    return None if origin is None else Path(origin).resolve()


@cache
def _library_dirs() -> tuple[Path, ...]:
    paths = sysconfig.get_paths()
    return tuple(Path(paths[k]).resolve() for k in ("stdlib", "platstdlib", "purelib", "platlib"))


def _home(name: str) -> Path | None:
    """Where a non-podium module's neighbours live: its package's folder, or the folder of a
    single-file module (a plugin file), unless that folder holds installed libraries."""
    top = name.partition(".")[0]
    if top in PROJECT_PACKAGES:
        return None
    origin = _origin(top)
    if origin is None:
        return None
    folder = origin.parent
    if origin.name != "__init__.py" and folder in _library_dirs():
        return None
    return folder


def _in_project(name: str, homes: list[Path]) -> bool:
    top = name.partition(".")[0]
    if top in PROJECT_PACKAGES:
        return True
    origin = _origin(top)  # the top-level package only: no library is imported to find out
    if origin is None:
        return False
    for home in homes:
        # A library under a plugin's folder (a virtual environment beside it) is no neighbour;
        # an installed plugin package's own modules are.
        libraries = [d for d in _library_dirs() if not home.is_relative_to(d)]
        if origin.is_relative_to(home) and not any(origin.is_relative_to(d) for d in libraries):
            return True
    return False


def _imports(name: str, path: Path) -> set[str]:
    """The modules ``path`` (module ``name``) imports anywhere in its source; for ``from X
    import a``, X.a where it is a submodule, else X."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return set()
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                try:
                    base = importlib.util.resolve_name("." * node.level + base, package)
                except (ImportError, ValueError):
                    continue
            submodules = [f"{base}.{a.name}" for a in node.names if a.name != "*"]
            submodules = [m for m in submodules if _is_module(m)]
            found.update(submodules)
            if len(submodules) < len(node.names):  # a name defined in the package itself
                found.add(base)
    return {n for n in found if n and not n.startswith("__future__")}


def _is_module(name: str) -> bool:
    if name in sys.modules:
        return True
    parent = sys.modules.get(name.rpartition(".")[0])
    if parent is None or not hasattr(parent, "__path__"):
        return False
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
