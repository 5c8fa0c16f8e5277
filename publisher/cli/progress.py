"""A rich progress bar for long work, shown only to a person at a terminal.

A cold ``publisher check`` of a few thousand posts takes seconds; without a
bar the editor sees nothing move. Pipes, CI logs and pre-commit (which
captures output) get no bar at all, so machine-read output stays clean.
rich is imported only when a bar may be drawn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

# Below this many posts to judge the work is over before a bar would be worth drawing.
SHOW_FROM = 50


@contextmanager
def progress_bar(stream: TextIO, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """Yield a ``(done, total)`` callback that draws a transient bar on ``stream``, or None off a terminal."""
    if not stream.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(file=stream),
        transient=True,
    )
    task: TaskID | None = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            if total < SHOW_FROM:
                return
            bar.start()
            task = bar.add_task(label, total=total)
        bar.update(task, completed=done)

    try:
        yield update
    finally:
        if task is not None:
            bar.stop()
