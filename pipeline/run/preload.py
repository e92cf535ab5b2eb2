"""Everything a document needs loaded once, before any document is processed.

:func:`warm_up` imports the readers, the extractors and the Vietnamese tokeniser and runs the
tokeniser once, so that its model is loaded (and ``underthesea`` has configured logging, which
it does with :func:`logging.config.dictConfig`) in one thread, before worker threads or
processes exist. Importing this module warms up: the document workers' fork server
(:mod:`pipeline.run.workers`) preloads it, so every worker starts with the models loaded.

What is loaded then lives as long as the process, so it is moved out of the garbage
collector's view (:func:`gc.freeze`): otherwise every full collection while documents are
processed walks the models' millions of objects again.
"""

from __future__ import annotations

import gc
import threading

_done = threading.Event()
_lock = threading.Lock()


def warm_up() -> None:
    """Load the vocabulary, the readers, the extractors and the tokeniser model (once)."""
    if _done.is_set():
        return
    with _lock:
        if _done.is_set():
            return
        from ..lang import vocabulary
        from ..nlp.tokenize import tokenize
        from . import process  # noqa: F401 - readers, extractors, record builder

        vocabulary()
        tokenize("Kế hoạch số 12/KH-UBND ngày 5 tháng 3 năm 2024 của Ủy ban nhân dân tỉnh.")
        gc.collect()
        gc.freeze()
        _done.set()


warm_up()
