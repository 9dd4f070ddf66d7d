"""Process-wide settings that only the entry points (cli/main.py, tui/app.py) may switch."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off Python's cycle collector while a command reads journals.

    Reading makes tens of thousands of objects without a cycle among them; each time they trip
    the collector's thresholds it walks every object of the process, and in the TUI (Textual and
    pydantic hold a few hundred thousand) one full pass took about 100 ms: most of what a
    1,000-turn session added to the first paint. Only the state found is put back, so a pause
    inside a pause leaves the collector as the outer one found it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
