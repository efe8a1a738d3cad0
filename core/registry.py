"""Name -> factory registries (models, metrics, competitions).

Registries store classes or factories, never fitted instances, and refuse duplicate names. A
registry may also read a Python entry-point group (``podium.competitions``, ``podium.models``):
an entry point is imported only when its name is looked up (or every one, by :meth:`load_all`),
so an installed plugin costs nothing until it is used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from core.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """A mapping from a unique name to an entry, with errors that say how to fix a lookup.

    ``group`` names an entry-point group whose entry points supply further entries lazily;
    ``adopt(name, loaded)`` turns what an entry point loads (e.g. a module, or the entry
    itself) into the entry, or returns None when importing it registered the entry already.
    """

    def __init__(
        self,
        kind: str,
        group: str | None = None,
        adopt: Callable[[str, Any], T | None] | None = None,
    ) -> None:
        self.kind = kind
        self.group = group
        self._adopt = adopt
        self._entries: dict[str, T] = {}
        self._from_points: set[str] = set()  # names whose entry came from an entry point

    def add(self, name: str, entry: T) -> T:
        if not name or name != name.strip() or "," in name:
            raise ValueError(
                f"invalid {self.kind} name {name!r}: use a non-empty name without commas"
            )
        if name in self._entries:
            raise ValueError(
                f"a {self.kind} named {name!r} is already registered ({self._entries[name]!r}); "
                f"give the new {self.kind} another name"
            )
        self._entries[name] = entry
        return entry

    def remove(self, name: str) -> None:
        """Forget ``name`` (a plugin file that is loaded again registers its entries anew)."""
        self._entries.pop(name, None)
        self._from_points.discard(name)

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator form of :meth:`add`."""

        def decorator(entry: T) -> T:
            return self.add(name, entry)

        return decorator

    def get(self, name: str) -> T:
        if name not in self._entries and name in self._entry_points():
            self._load_entry_point(name)
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(self.names()) or "(none)"
            raise ConfigError(
                f"unknown {self.kind} {name!r}; known {self.kind}s: {known}"
            ) from None

    def load_all(self) -> None:
        """Import every entry point of the group (for listings that show more than names)."""
        for name, point in self._entry_points().items():
            if name in self._from_points:
                continue
            if name in self._entries:
                raise ConfigError(
                    f"the {self.kind} plugin entry point {name} = {point.value} (group "
                    f"{self.group}) has the name of a {self.kind} that is already registered "
                    f"({self._entries[name]!r}); rename the entry point in that package's "
                    "metadata (pyproject.toml [project.entry-points])"
                )
            self._load_entry_point(name)

    def names(self) -> list[str]:
        """Registered names and the names of the group's entry points (not imported)."""
        return sorted({*self._entries, *self._entry_points()})

    def __contains__(self, name: object) -> bool:
        return name in self._entries or name in self._entry_points()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def _entry_points(self) -> dict[str, Any]:
        if self.group is None:
            return {}
        from importlib.metadata import entry_points

        return {point.name: point for point in entry_points(group=self.group)}

    def _load_entry_point(self, name: str) -> None:
        point = self._entry_points()[name]
        where = f"entry point {point.name} = {point.value} (group {self.group})"
        dist = getattr(point, "dist", None)
        if dist is not None:
            where += f" of the installed package {dist.name}"
        try:
            loaded = point.load()
        except Exception as error:
            raise ConfigError(
                f"the {self.kind} plugin {where} failed to import: {type(error).__name__}: "
                f"{error}. Fix or uninstall that package"
            ) from error
        entry = self._adopt(name, loaded) if self._adopt is not None else loaded
        if entry is not None and name not in self._entries:
            self.add(name, entry)
        if name not in self._entries:
            raise ConfigError(
                f"the {self.kind} plugin {where} defines no {self.kind} named {name!r}: point "
                f"it at the {self.kind} itself or at a module that registers it under that name"
            )
        self._from_points.add(name)
