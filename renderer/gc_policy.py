"""How the garbage collector runs while a process renders pages one after another.

A render allocates tens of thousands of short-lived objects and makes almost no reference
cycles, yet CPython's default first-generation threshold (700 allocations) collects
several times per page, and every full collection walks the whole loaded tree again
(its pages, data, parsed templates and navigation: kept for the process's life). A batch
of renders freezes what is loaded when it starts, so no collection walks it, and
collects the first generation after 20,000 allocations: the garbage of a page or two.

`gc.freeze` and `gc.unfreeze` move whole generations at once (no object is visited), so a
batch may be as small as one task of a build's worker.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

BATCH_THRESHOLDS = (20_000, 50, 100)


@contextmanager
def batch_rendering() -> Iterator[None]:
    """Collect garbage as a batch of renders needs; the previous policy comes back after."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*BATCH_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()
