"""Warms search in a serving process: loads the embedding model, opens the index and runs
one encoding in a background thread, so that a worker's first search does not wait
seconds for them (the model loads lazily, matching.encoder.get_encoder).

Started by the first request a process serves (matching/views.py) and, under gunicorn,
as each worker starts (gunicorn.conf.py). CLI commands and the test suite serve no
request, so they never pay for it; SEARCH_WARM_UP=0 turns it off.
"""
from __future__ import annotations

import threading
import time

from flask import Flask

_lock = threading.Lock()
_threads: dict[int, threading.Thread] = {}


def start(app: Flask) -> threading.Thread | None:
    """Warm `app`'s search once per process, in the background; the thread, or None when
    warming is off. Later calls return the same thread."""
    if not app.config.get("SEARCH_WARM_UP"):
        return None
    with _lock:
        thread = _threads.get(id(app))
        if thread is None:
            thread = threading.Thread(target=_warm, args=(app,), name="search-warm-up",
                                      daemon=True)
            _threads[id(app)] = thread
            thread.start()
        return thread


def _warm(app: Flask) -> None:
    from app.extensions import db
    from matching.backend import NO_FILTERS
    from matching.expansion import lexicon
    from matching.hybrid import FusionWeights
    from matching.services import warm_backend

    began = time.perf_counter()
    with app.app_context():
        try:
            lexicon()
            # Opens the index (indexing what it lacks), loads the model and runs one
            # search: torch's first pass and the keyword index's term counts.
            warm_backend().search("warm-up: electrician in Doha", 1, FusionWeights(),
                                  NO_FILTERS)
            app.logger.info("search warmed up in %.1f s", time.perf_counter() - began)
        except Exception:  # a search that fails later says why; warming must not crash
            app.logger.exception("search warm-up failed")
        finally:
            db.session.remove()
