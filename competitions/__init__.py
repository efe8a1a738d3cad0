"""Competitions as declarations, looked up by name in :data:`COMPETITIONS`.

Adding a competition is one module that defines a :class:`CompetitionSpec` plus one line below.
"""

from competitions import clickstream, hotstar, statso, talkingdata, taobao
from competitions.spec import CompetitionSpec, DataFile, Dataset
from core.registry import Registry

COMPETITIONS: Registry[CompetitionSpec] = Registry("competition")
COMPETITIONS.add(hotstar.SPEC.name, hotstar.SPEC)
COMPETITIONS.add(talkingdata.SPEC.name, talkingdata.SPEC)
COMPETITIONS.add(clickstream.SPEC.name, clickstream.SPEC)
COMPETITIONS.add(statso.SPEC.name, statso.SPEC)
COMPETITIONS.add(taobao.SPEC.name, taobao.SPEC)


def get_competition(name: str) -> CompetitionSpec:
    return COMPETITIONS.get(name)


__all__ = ["COMPETITIONS", "CompetitionSpec", "DataFile", "Dataset", "get_competition"]
