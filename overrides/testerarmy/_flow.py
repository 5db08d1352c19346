"""Sans-I/O flows: an algorithm is written once as a generator that *yields actions* (send this
request, sleep that long, fetch these runs, ...) and *receives their outcomes*.

A flow never does I/O itself, so the sync client and the async client run the very same flow; they
differ only in the few lines that perform an action (``perform``), which is the only place where
``await`` appears. Flows take a ``clock`` when they need time, so tests drive them with a fake clock
and never sleep.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator
from typing import Any, NamedTuple, TypeVar

__all__ = ["Sleep", "adrive", "drive"]

A = TypeVar("A")
R = TypeVar("R")


# The actions of the flows are NamedTuples, not frozen dataclasses: ~7x cheaper to define, and
# they are defined on every import (figure 5, the first call, docs/performance.md).
class Sleep(NamedTuple):
    """Action: pause for ``seconds`` (the driver's injected sleep), then resume the flow with None."""

    seconds: float


def drive(flow: Generator[A, Any, R], perform: Callable[[A], object]) -> R:
    """Run ``flow`` to completion, performing each action synchronously."""
    try:
        action = next(flow)
        while True:
            action = flow.send(perform(action))
    except StopIteration as done:
        result: R = done.value
        return result
    finally:
        flow.close()


async def adrive(flow: Generator[A, Any, R], perform: Callable[[A], Awaitable[object]]) -> R:
    """Run ``flow`` to completion, awaiting each action (same flow object as :func:`drive`)."""
    try:
        action = next(flow)
        while True:
            action = flow.send(await perform(action))
    except StopIteration as done:
        result: R = done.value
        return result
    finally:
        flow.close()
