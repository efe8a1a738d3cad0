"""A stop that Python swallows (inside ``__del__`` or a weakref callback) still stops the run."""

from __future__ import annotations

import gc
import os
import signal
import sys
import time

import pytest

from podium import stopping
from podium.stopping import Terminated


class _SignalledWhileCollected:
    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:  # Python ignores exceptions raised here, as in the CI failure
        os.kill(os.getpid(), self.signum)
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("signum", "raised"), [(signal.SIGTERM, Terminated), (signal.SIGINT, KeyboardInterrupt)]
)
def test_a_stop_swallowed_by_a_finaliser_is_raised_again_at_the_next_check(
    signum, raised, monkeypatch
):
    ignored = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    with stopping.handle_stops():
        stopping.check()  # nothing requested yet
        _SignalledWhileCollected(signum)  # collected at once; its exception is ignored
        gc.collect()
        assert [type(u.exc_value) for u in ignored] == [raised]  # Python swallowed it
        assert stopping.requested() == signum
        with pytest.raises(raised) as stop:
            stopping.check()
        assert isinstance(stop.value, Terminated) == (signum == signal.SIGTERM)
    assert stopping.requested() is None  # the next run starts clean
    assert signal.getsignal(signal.SIGTERM) is not stopping._handler


def test_handlers_are_restored_after_the_block():
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with stopping.handle_stops():
        assert signal.getsignal(signal.SIGTERM) is stopping._handler
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
