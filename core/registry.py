"""Name -> factory registries (models, metrics, competitions).

Registries store classes or factories, never fitted instances, and refuse duplicate names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from core.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """A mapping from a unique name to an entry, with errors that say how to fix a lookup."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

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

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator form of :meth:`add`."""

        def decorator(entry: T) -> T:
            return self.add(name, entry)

        return decorator

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "(none)"
            raise ConfigError(
                f"unknown {self.kind} {name!r}; known {self.kind}s: {known}"
            ) from None

    def names(self) -> list[str]:
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)
