"""Group commit: the completions workers hand in at about the same time go into one transaction.

Each worker thread of the dispatcher records its platform call's outcome and
waits until it is committed (docs/architecture.md "Exactly once": nothing is
reported before its outcome is durable). A transaction per outcome made the
commit, not the call, the cost of a delivery; here whichever waiting worker
gets its turn first writes everything handed in so far in one transaction,
and the others find their outcome already recorded. One that fails fails
for every outcome in it, and each worker retries its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Slot(Generic[Item, Result]):
    item: Item
    result: Result | None = None
    error: Exception | None = None
    done: bool = False


class GroupCommit(Generic[Item, Result]):
    """Hands each waiting item to ``write`` with the others waiting then; ``write`` returns a result per item."""

    def __init__(self, write: Callable[[Sequence[Item]], Sequence[Result]]) -> None:
        self._write = write
        self._waiting: list[_Slot[Item, Result]] = []
        self._queue = threading.Lock()
        self._turn = threading.Lock()

    def submit(self, item: Item) -> Result:
        """Write ``item`` (with whatever else is waiting) and return its result once committed."""
        slot: _Slot[Item, Result] = _Slot(item)
        with self._queue:
            self._waiting.append(slot)
        with self._turn:
            if not slot.done:
                with self._queue:
                    batch, self._waiting = self._waiting, []
                self._run(batch)
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]  # set by _run with done

    def _run(self, batch: list[_Slot[Item, Result]]) -> None:
        try:
            results = self._write([slot.item for slot in batch])
        except Exception as exc:  # every worker in the batch sees it, and retries its own outcome
            for slot in batch:
                slot.error = exc
        else:
            for slot, result in zip(batch, results, strict=True):
                slot.result = result
        finally:
            for slot in batch:
                slot.done = True
