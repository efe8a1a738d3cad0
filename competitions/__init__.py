"""Competitions as declarations, looked up by name in :data:`COMPETITIONS`.

Adding a competition is one module that defines a :class:`CompetitionSpec` plus one line below.
Competitions of other packages come through the ``podium.competitions`` entry-point group (an
entry point names a spec, ``package.module:SPEC``, or a module that defines ``SPEC``); they are
imported only when their name is looked up. ``--plugin path/to/module.py`` adds one from a file
(:mod:`podium.plugins`).
"""

from typing import Any

from competitions import clickstream, hotstar, statso, talkingdata, taobao
from competitions.spec import CompetitionSpec, DataFile, Dataset
from core.errors import ConfigError
from core.registry import Registry


def _adopt(name: str, loaded: Any) -> CompetitionSpec:
    """What a ``podium.competitions`` entry point loads: a spec, or a module defining ``SPEC``."""
    spec = loaded if isinstance(loaded, CompetitionSpec) else getattr(loaded, "SPEC", None)
    if not isinstance(spec, CompetitionSpec):
        raise ConfigError(
            f"the podium.competitions entry point {name!r} loads {loaded!r}, which is neither a "
            "CompetitionSpec nor a module defining one as SPEC"
        )
    if spec.name != name:
        raise ConfigError(
            f"the podium.competitions entry point {name!r} loads competition {spec.name!r}: "
            "give the entry point the competition's name"
        )
    return spec


COMPETITIONS: Registry[CompetitionSpec] = Registry(
    "competition", group="podium.competitions", adopt=_adopt
)
COMPETITIONS.add(hotstar.SPEC.name, hotstar.SPEC)
COMPETITIONS.add(talkingdata.SPEC.name, talkingdata.SPEC)
COMPETITIONS.add(clickstream.SPEC.name, clickstream.SPEC)
COMPETITIONS.add(statso.SPEC.name, statso.SPEC)
COMPETITIONS.add(taobao.SPEC.name, taobao.SPEC)


def get_competition(name: str) -> CompetitionSpec:
    return COMPETITIONS.get(name)


__all__ = ["COMPETITIONS", "CompetitionSpec", "DataFile", "Dataset", "get_competition"]
