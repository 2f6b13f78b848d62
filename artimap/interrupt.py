"""Ctrl-C at a step boundary: SIGINT only sets a flag that the training loop checks between steps.

A KeyboardInterrupt raised wherever Python happens to be (inside `backward`, between the
optimiser update and the step counter) would let a "resumable" checkpoint hold half a step.
While `deferred_sigint()` is active the first Ctrl-C is remembered and the loop stops after the
step in progress; a second Ctrl-C stops at once (`StopFlag.forced`): the loop then writes no
checkpoint, as the state may be anywhere inside a step, and the last saved one stays.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class StopFlag:
    """Set by the first Ctrl-C while `deferred_sigint` is active (`requested`); `forced` when a
    second one stopped the process mid-way (nothing may be saved then)."""

    def __init__(self) -> None:
        self.requested = False
        self.forced = False


@contextmanager
def deferred_sigint(enabled: bool = True) -> Iterator[StopFlag]:
    """Defer SIGINT to the caller's next check of `flag.requested`.

    Only possible in the main thread (Python delivers signals there); elsewhere, or with
    `enabled=False`, the flag never fires and Ctrl-C raises KeyboardInterrupt as usual.
    """
    flag = StopFlag()
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: FrameType | None) -> None:
        if flag.requested:  # second Ctrl-C: the user wants out now
            signal.signal(signal.SIGINT, previous)
            flag.forced = True
            raise KeyboardInterrupt
        flag.requested = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)
